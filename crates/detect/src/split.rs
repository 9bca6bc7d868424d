//! Split purchases (MOD-SPLIT): the same buyer buying from the same supplier — or from
//! suppliers the caller says are related, or for the same project whatever the suppliers —
//! in the same category within a window, each part under the threshold that would have
//! required a tender or a higher approval, the parts together over it.
//!
//! Per (buyer, supplier group, category) and per (buyer, project, category), the parts under
//! the threshold are taken in date order; from each part the window [date, date + window) is
//! filled, and when it holds at least `min_parts` parts totalling at least the threshold it
//! is reported and the scan goes on after it (so a run of parts is reported once, as its
//! longest window). A group whose parts all lie in a larger (or equal, project-keyed) group
//! is not reported again.

use std::collections::HashMap;

use chrono::NaiveDate;
use qinglian_core::{Category, EvidenceRow, Finding, Money, Severity};
use serde::{Deserialize, Serialize};

use crate::emit::{Scope, evidence_at, fact, finding, model_source, yuan};
use crate::error::{Result, check_len};

pub const MODEL_ID: &str = "MOD-SPLIT";
pub const VERSION: &str = "1.0.0";

/// One purchase (contract, order or payment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchase<'a> {
    pub buyer: &'a str,
    pub supplier: &'a str,
    pub category: &'a str,
    pub date: NaiveDate,
    pub amount_fen: i64,
    /// The project the purchase is for, where known: lots of one works, each under the
    /// tender threshold and each awarded to another firm, are one purchase split.
    pub project: Option<&'a str>,
}

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The threshold (fen). Default 100,000 yuan.
    pub threshold_fen: i64,
    /// Window length in days. Default 30.
    pub window_days: i64,
    /// Minimum parts. Default 2.
    pub min_parts: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            threshold_fen: 10_000_000,
            window_days: 30,
            min_parts: 2,
        }
    }
}

/// A set of parts that together cross the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitGroup {
    pub buyer: String,
    /// Distinct suppliers of the parts, sorted.
    pub suppliers: Vec<String>,
    pub category: String,
    /// The project, when the parts were grouped by project.
    pub project: Option<String>,
    /// Input positions of the parts, in date order.
    pub rows: Vec<usize>,
    pub total_fen: i64,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

fn root(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Finds split groups. `related` pairs suppliers that count as one (shared owner, shared
/// address …), from the relationship graph or the caller's own list.
pub fn find(purchases: &[Purchase<'_>], related: &[(&str, &str)], p: &Params) -> Vec<SplitGroup> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for s in purchases
        .iter()
        .map(|x| x.supplier)
        .chain(related.iter().flat_map(|(a, b)| [*a, *b]))
    {
        let n = ids.len();
        ids.entry(s).or_insert(n);
    }
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    for (a, b) in related {
        let (ra, rb) = (root(&mut parent, ids[a]), root(&mut parent, ids[b]));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut by_supplier: HashMap<(&str, usize, &str), Vec<usize>> = HashMap::new();
    let mut by_project: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, x) in purchases.iter().enumerate() {
        if x.amount_fen > 0 && x.amount_fen < p.threshold_fen {
            let r = root(&mut parent, ids[x.supplier]);
            by_supplier
                .entry((x.buyer, r, x.category))
                .or_default()
                .push(i);
            if let Some(project) = x.project.filter(|s| !s.trim().is_empty()) {
                by_project
                    .entry((x.buyer, project, x.category))
                    .or_default()
                    .push(i);
            }
        }
    }
    let mut found = Vec::new();
    for ((_, project, _), rows) in by_project.iter_mut() {
        windows(purchases, rows, Some(project), p, &mut found);
    }
    for rows in by_supplier.values_mut() {
        windows(purchases, rows, None, p, &mut found);
    }
    // Largest first, project-keyed before supplier-keyed: a group inside one already kept
    // is the same split seen a second way.
    found.sort_by(|a, b| {
        (b.rows.len(), b.project.is_some()).cmp(&(a.rows.len(), a.project.is_some()))
    });
    let mut out: Vec<SplitGroup> = Vec::new();
    for g in found {
        if !out
            .iter()
            .any(|k| g.rows.iter().all(|r| k.rows.contains(r)))
        {
            out.push(g);
        }
    }
    out.sort_by(|a, b| a.rows.cmp(&b.rows));
    out
}

/// The windows of one group's `rows` that cross the threshold (see the module docs).
fn windows(
    purchases: &[Purchase<'_>],
    rows: &mut [usize],
    project: Option<&str>,
    p: &Params,
    out: &mut Vec<SplitGroup>,
) {
    rows.sort_by_key(|&i| (purchases[i].date, i));
    let mut i = 0;
    while i < rows.len() {
        let start = purchases[rows[i]].date;
        let mut j = i;
        while j + 1 < rows.len() && (purchases[rows[j + 1]].date - start).num_days() < p.window_days
        {
            j += 1;
        }
        let part = &rows[i..=j];
        let total: i64 = part.iter().map(|&k| purchases[k].amount_fen).sum();
        if part.len() >= p.min_parts.max(2) && total >= p.threshold_fen {
            let mut suppliers: Vec<String> = part
                .iter()
                .map(|&k| purchases[k].supplier.to_owned())
                .collect();
            suppliers.sort();
            suppliers.dedup();
            let x = &purchases[part[0]];
            out.push(SplitGroup {
                buyer: x.buyer.to_owned(),
                suppliers,
                category: x.category.to_owned(),
                project: project.map(str::to_owned),
                rows: part.to_vec(),
                total_fen: total,
                first: start,
                last: purchases[part[part.len() - 1]].date,
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }
}

/// One finding per group, about the buyer (`subject_kind`, e.g. `department`); amount at
/// stake the total. Severity medium, high with three or more parts within seven days.
pub fn findings(
    groups: &[SplitGroup],
    purchases: &[Purchase<'_>],
    category: Category,
    subject_kind: &str,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("split evidence", purchases.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    Ok(groups
        .iter()
        .map(|g| {
            let span = (g.last - g.first).num_days();
            let sev = if g.rows.len() >= 3 && span <= 7 { Severity::High } else { Severity::Medium };
            let parts: Vec<String> = g.rows.iter().map(|&i| yuan(purchases[i].amount_fen)).collect();
            let scope = Scope::new(category, subject_kind, &g.buyer);
            let (zh, en) = match &g.project {
                Some(project) => (
                    format!(
                        "疑似拆分采购：{} 在 {} 天内将项目 {} 的「{}」分 {} 笔（{} 元）签给 {}，每笔均低于限额 {} 元，合计 {} 元",
                        g.buyer,
                        span + 1,
                        project,
                        g.category,
                        g.rows.len(),
                        parts.join(" + "),
                        g.suppliers.join("、"),
                        yuan(p.threshold_fen),
                        yuan(g.total_fen)
                    ),
                    format!(
                        "Possible split purchase: {} contracted '{}' for project {} in {} parts within {} days ({} yuan) with {}, each under the {} yuan threshold, {} yuan in total",
                        g.buyer,
                        g.category,
                        project,
                        g.rows.len(),
                        span + 1,
                        parts.join(" + "),
                        g.suppliers.join(", "),
                        yuan(p.threshold_fen),
                        yuan(g.total_fen)
                    ),
                ),
                None => (
                    format!(
                        "疑似拆分采购：{} 在 {} 天内向 {} 采购「{}」{} 笔（{} 元），每笔均低于限额 {} 元，合计 {} 元",
                        g.buyer,
                        span + 1,
                        g.suppliers.join("、"),
                        g.category,
                        g.rows.len(),
                        parts.join(" + "),
                        yuan(p.threshold_fen),
                        yuan(g.total_fen)
                    ),
                    format!(
                        "Possible split purchase: {} bought '{}' from {} in {} parts within {} days ({} yuan), each under the {} yuan threshold, {} yuan in total",
                        g.buyer,
                        g.category,
                        g.suppliers.join(", "),
                        g.rows.len(),
                        span + 1,
                        parts.join(" + "),
                        yuan(p.threshold_fen),
                        yuan(g.total_fen)
                    ),
                ),
            };
            let mut f = finding(&source, &scope, sev, zh, en);
            f.amount = Some(Money::from_fen(g.total_fen));
            f.occurred_on = Some(g.last);
            f.evidence = evidence_at(evidence, g.rows.iter().copied(), usize::MAX);
            fact(&mut f.facts, "parts", g.rows.len());
            fact(&mut f.facts, "total_fen", g.total_fen);
            fact(&mut f.facts, "threshold_fen", p.threshold_fen);
            fact(&mut f.facts, "span_days", span + 1);
            fact(&mut f.facts, "suppliers", g.suppliers.join(","));
            if let Some(project) = &g.project {
                fact(&mut f.facts, "project", project);
            }
            f
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buy<'a>(buyer: &'a str, supplier: &'a str, day: u64, yuan: i64) -> Purchase<'a> {
        Purchase {
            buyer,
            supplier,
            category: "办公设备",
            date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap() + chrono::Days::new(day),
            amount_fen: yuan * 100,
            project: None,
        }
    }

    fn ev(n: usize) -> Vec<EvidenceRow> {
        crate::emit::test_evidence("contracts", n)
    }

    #[test]
    fn three_parts_under_100k_total_over() {
        let p = vec![
            buy("D1", "S1", 0, 45_000),
            buy("D1", "S1", 3, 38_000),
            buy("D1", "S2", 5, 30_000),  // related to S1
            buy("D1", "S1", 90, 50_000), // long after
        ];
        let g = find(&p, &[("S1", "S2")], &Params::default());
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].rows, vec![0, 1, 2]);
        assert_eq!(g[0].total_fen, 11_300_000);
        assert_eq!(g[0].suppliers, vec!["S1", "S2"]);
        let f = findings(
            &g,
            &p,
            Category::Pro,
            "department",
            &ev(4),
            &Params::default(),
        )
        .unwrap();
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].explanation_zh.contains("合计 113,000.00 元"),
            "{}",
            f[0].explanation_zh
        );
        assert_eq!(f[0].evidence.len(), 3);
    }

    #[test]
    fn unrelated_or_spread_out_purchases_stay_silent() {
        let p = vec![
            buy("D1", "S1", 0, 60_000),
            buy("D1", "S2", 3, 60_000),   // other supplier, not related
            buy("D2", "S1", 4, 60_000),   // other buyer
            buy("D1", "S1", 40, 60_000),  // beyond the window
            buy("D1", "S1", 41, 120_000), // over the threshold itself: tendered
        ];
        assert!(find(&p, &[], &Params::default()).is_empty());
    }

    #[test]
    fn lots_of_one_project_count_together_whatever_their_suppliers() {
        let lot = |supplier, day, yuan| Purchase {
            project: Some("GC0066"),
            ..buy("D16", supplier, day, yuan)
        };
        let p = vec![
            lot("C1", 0, 87_000),
            lot("C2", 13, 84_000),
            lot("C3", 21, 85_000),
            buy("D16", "C4", 5, 90_000), // no project, another supplier: not a lot
            Purchase {
                project: Some("GC0099"),
                ..buy("D16", "C5", 6, 90_000)
            }, // another project
        ];
        let g = find(&p, &[], &Params::default());
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].rows, vec![0, 1, 2]);
        assert_eq!(g[0].project.as_deref(), Some("GC0066"));
        assert_eq!(g[0].suppliers, vec!["C1", "C2", "C3"]);
        let f = findings(
            &g,
            &p,
            Category::Pro,
            "department",
            &ev(5),
            &Params::default(),
        )
        .unwrap();
        assert!(
            f[0].explanation_zh
                .contains("将项目 GC0066 的「办公设备」分 3 笔"),
            "{}",
            f[0].explanation_zh
        );
        assert_eq!(f[0].facts["project"], "GC0066");
    }

    #[test]
    fn a_split_seen_by_supplier_and_by_project_is_reported_once() {
        let lot = |day, yuan| Purchase {
            project: Some("GC1"),
            ..buy("D1", "S1", day, yuan)
        };
        let p = vec![lot(0, 60_000), lot(4, 60_000), buy("D1", "S1", 6, 30_000)];
        let g = find(&p, &[], &Params::default());
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].rows, vec![0, 1, 2], "the larger, supplier-keyed group");
        assert_eq!(g[0].project, None);
        let same = find(&p[..2], &[], &Params::default());
        assert_eq!(same.len(), 1);
        assert_eq!(
            same[0].project.as_deref(),
            Some("GC1"),
            "equal rows: the project's"
        );
    }
}
