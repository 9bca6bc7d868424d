//! Reading a bid-level CSV (one row per bid) into tenders.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{DetectError, Result};

/// Which columns hold what (names exactly as in the header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Columns {
    pub tender: String,
    pub bid: String,
    /// 1 for the winning bid.
    pub winner: Option<String>,
    /// 1 for a collusive tender (constant within a tender).
    pub label: Option<String>,
}

/// One tender's bids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderBids {
    pub id: String,
    pub bids: Vec<f64>,
    /// One flag per bid; empty without a winner column.
    pub winners: Vec<bool>,
    pub label: Option<bool>,
    /// File line of each bid (header = line 1).
    pub lines: Vec<u64>,
}

/// The tenders of one file (a market), in order of first appearance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Market {
    pub name: String,
    pub tenders: Vec<TenderBids>,
    pub has_winner: bool,
    pub has_label: bool,
}

impl Market {
    /// Labels of all tenders (false where missing).
    pub fn labels(&self) -> Vec<bool> {
        self.tenders
            .iter()
            .map(|t| t.label.unwrap_or(false))
            .collect()
    }

    /// Share of collusive tenders.
    pub fn base_rate(&self) -> f64 {
        self.labels().iter().filter(|&&l| l).count() as f64 / self.tenders.len().max(1) as f64
    }
}

/// Reads `path`; the market is named after the file stem.
pub fn read_csv(path: &Path, cols: &Columns) -> Result<Market> {
    let f = std::fs::File::open(path).map_err(|source| DetectError::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    read_from(f, &name, &path.display().to_string(), cols)
}

fn flag(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "1.0" | "true" | "yes" => Some(true),
        "0" | "0.0" | "false" | "no" | "" => Some(false),
        _ => None,
    }
}

/// Reads CSV from `reader`; `shown` names the source in errors.
pub fn read_from<R: Read>(reader: R, name: &str, shown: &str, cols: &Columns) -> Result<Market> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let csv_err = |source| DetectError::Csv {
        path: shown.to_owned(),
        source,
    };
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let find = |c: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == c)
            .ok_or_else(|| DetectError::MissingColumn {
                path: shown.to_owned(),
                column: c.to_owned(),
                available: headers.iter().collect::<Vec<_>>().join(", "),
            })
    };
    let (ti, bi) = (find(&cols.tender)?, find(&cols.bid)?);
    let wi = cols.winner.as_deref().map(find).transpose()?;
    let li = cols.label.as_deref().map(find).transpose()?;
    let mut tenders: Vec<TenderBids> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (k, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(csv_err)?;
        let line = k as u64 + 2;
        let bad = |column: &str, reason: String| DetectError::BadCell {
            path: shown.to_owned(),
            line,
            column: column.to_owned(),
            reason,
        };
        let tender = rec.get(ti).unwrap_or_default().trim();
        if tender.is_empty() {
            return Err(bad(
                &cols.tender,
                "the tender id is empty; every bid must name its tender".into(),
            ));
        }
        let raw = rec.get(bi).unwrap_or_default().trim();
        let bid: f64 = raw
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v > 0.0)
            .ok_or_else(|| bad(&cols.bid, format!("'{raw}' is not a positive number; write the bid as digits with a decimal point, no separators")))?;
        let i = *at.entry(tender.to_owned()).or_insert_with(|| {
            tenders.push(TenderBids {
                id: tender.to_owned(),
                bids: Vec::new(),
                winners: Vec::new(),
                label: None,
                lines: Vec::new(),
            });
            tenders.len() - 1
        });
        let t = &mut tenders[i];
        t.bids.push(bid);
        t.lines.push(line);
        if let (Some(wi), Some(c)) = (wi, cols.winner.as_deref()) {
            let raw = rec.get(wi).unwrap_or_default();
            t.winners
                .push(flag(raw).ok_or_else(|| bad(c, format!("'{raw}' is not 0 or 1")))?);
        }
        if let (Some(li), Some(c)) = (li, cols.label.as_deref()) {
            let raw = rec.get(li).unwrap_or_default();
            let l = flag(raw).ok_or_else(|| bad(c, format!("'{raw}' is not 0 or 1")))?;
            match t.label {
                Some(prev) if prev != l => {
                    return Err(bad(
                        c,
                        format!(
                            "tender {} is labelled both 0 and 1; the label must be the same on every bid of a tender",
                            t.id
                        ),
                    ));
                }
                _ => t.label = Some(l),
            }
        }
    }
    if tenders.is_empty() {
        return Err(DetectError::NotEnoughData(format!("{shown} has no bids")));
    }
    Ok(Market {
        name: name.to_owned(),
        tenders,
        has_winner: wi.is_some(),
        has_label: li.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Columns {
        Columns {
            tender: "Tender".into(),
            bid: "Bid_value".into(),
            winner: Some("Winner".into()),
            label: Some("Collusive".into()),
        }
    }

    #[test]
    fn groups_bids_by_tender() {
        let csv = "Bid_value,Tender,Winner,Collusive\n100.5,7,1.0,1\n110,7,0,1\n90,8,1,0\n";
        let m = read_from(csv.as_bytes(), "m", "m.csv", &cols()).unwrap();
        assert_eq!(m.tenders.len(), 2);
        assert_eq!(m.tenders[0].bids, vec![100.5, 110.0]);
        assert_eq!(m.tenders[0].winners, vec![true, false]);
        assert_eq!(m.tenders[0].lines, vec![2, 3]);
        assert_eq!(m.labels(), vec![true, false]);
        assert_eq!(m.base_rate(), 0.5);
    }

    #[test]
    fn errors_name_the_cell_and_the_fix() {
        let e = read_from("Tender,Bid\n1,2\n".as_bytes(), "m", "m.csv", &cols())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no column 'Bid_value'") && e.contains("Tender, Bid"),
            "{e}"
        );
        let csv = "Bid_value,Tender,Winner,Collusive\n1,200.0,0,1\n";
        let bad = "Bid_value,Tender,Winner,Collusive\n12,3O0,0,1\nx,1,0,1\n";
        assert!(read_from(csv.as_bytes(), "m", "m.csv", &cols()).is_ok());
        let e = read_from(bad.as_bytes(), "m", "m.csv", &cols())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3, column Bid_value: 'x' is not a positive number"),
            "{e}"
        );
        let mixed = "Bid_value,Tender,Winner,Collusive\n1,7,0,1\n2,7,0,0\n";
        let e = read_from(mixed.as_bytes(), "m", "m.csv", &cols())
            .unwrap_err()
            .to_string();
        assert!(e.contains("labelled both 0 and 1"), "{e}");
    }
}
