//! CSV outputs of the `bids` commands.

use std::io::Write;

use super::{CvReport, Scored, TenderScreens};
use crate::error::{DetectError, Result};
use crate::screens::Screens;

fn csv_err(e: csv::Error) -> DetectError {
    DetectError::Csv {
        path: "output".into(),
        source: e,
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v}"))
}

/// `tender,n_bids,cv,spd,diffp,rd,kurt,skew,ks,screen_score` (empty where undefined).
pub fn write_screens<W: Write>(w: W, rows: &[TenderScreens]) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header = vec!["tender", "n_bids"];
    header.extend(Screens::NAMES);
    header.push("screen_score");
    out.write_record(&header).map_err(csv_err)?;
    for r in rows {
        let mut rec = vec![r.tender.clone(), r.screens.n.to_string()];
        rec.extend(r.screens.values().into_iter().map(opt));
        rec.push(opt(r.screen_score));
        out.write_record(&rec).map_err(csv_err)?;
    }
    out.flush().map_err(|e| csv_err(e.into()))
}

/// `tender,score,flag,top_reasons` (reasons as `feature:+contribution` joined by `;`).
pub fn write_scores<W: Write>(w: W, scored: &Scored) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["tender", "score", "flag", "top_reasons"])
        .map_err(csv_err)?;
    for t in &scored.tenders {
        let reasons: Vec<String> = t
            .reasons
            .iter()
            .map(|(n, c)| format!("{n}:+{c:.4}"))
            .collect();
        out.write_record([
            t.tender.clone(),
            format!("{:.6}", t.score),
            u8::from(t.flag).to_string(),
            reasons.join(";"),
        ])
        .map_err(csv_err)?;
    }
    out.flush().map_err(|e| csv_err(e.into()))
}

/// `tender,fold,score,flag,label`.
pub fn write_cv<W: Write>(w: W, report: &CvReport) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["tender", "fold", "score", "flag", "label"])
        .map_err(csv_err)?;
    for p in &report.predictions {
        out.write_record([
            p.tender.clone(),
            p.fold.to_string(),
            format!("{:.6}", p.score),
            u8::from(p.flag).to_string(),
            u8::from(p.label).to_string(),
        ])
        .map_err(csv_err)?;
    }
    out.flush().map_err(|e| csv_err(e.into()))
}
