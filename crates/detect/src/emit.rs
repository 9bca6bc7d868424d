//! Shared pieces for turning a detector's result into [`Finding`] values: the pinned model
//! source, number formatting for explanations and facts, and evidence selection.
//!
//! Evidence rows come from the caller, one [`EvidenceRow`] per input row, in input order:
//! detectors see plain slices and never know which dataset, batch or row a value came from.

use std::collections::BTreeMap;

use qinglian_core::{Category, EvidenceRow, Finding, FindingSource, Severity, SourceKind, Subject};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Who a group-level finding is about and where it belongs: the caller decides (a payee, a
/// department, a department-year …), the detector only measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub subject: Subject,
    pub category: Category,
    /// Department responsible for answering, where known.
    pub department: Option<String>,
}

impl Scope {
    /// A scope with no department.
    pub fn new(category: Category, kind: &str, id: &str) -> Self {
        Self {
            subject: Subject {
                kind: kind.into(),
                id: id.into(),
                name: None,
            },
            category,
            department: None,
        }
    }
}

/// The [`FindingSource`] for model `id` at `version` run with `params`: the content hash is
/// SHA-256 over the id, the version and the parameters as JSON, so it changes whenever what
/// ran changes.
pub fn model_source<P: Serialize>(id: &str, version: &str, params: &P) -> FindingSource {
    let mut h = Sha256::new();
    h.update(id.as_bytes());
    h.update([0x1f]);
    h.update(version.as_bytes());
    h.update([0x1f]);
    // Serialising plain parameter structs cannot fail; fall back to an empty body if it did.
    h.update(serde_json::to_vec(params).unwrap_or_default());
    FindingSource {
        kind: SourceKind::Model,
        id: id.into(),
        version: version.into(),
        content_hash: hex::encode(&h.finalize()[..16]),
    }
}

/// A finding with the given source, scope and texts; amount, date, evidence and facts empty.
pub(crate) fn finding(
    source: &FindingSource,
    scope: &Scope,
    severity: Severity,
    zh: String,
    en: String,
) -> Finding {
    Finding {
        source: source.clone(),
        category: scope.category,
        severity,
        subject: scope.subject.clone(),
        department: scope.department.clone(),
        amount: None,
        occurred_on: None,
        explanation_zh: zh,
        explanation_en: en,
        evidence: Vec::new(),
        facts: BTreeMap::new(),
    }
}

/// A p-value: scientific below 10⁻⁴ (`4.5e-7`), else four decimals.
pub(crate) fn sci(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        num(p, 4)
    }
}

/// `x` with `digits` decimals, without a trailing `-0`.
pub(crate) fn num(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else {
            "∞".into()
        };
    }
    let s = format!("{x:.digits$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    }
}

/// Yuan with two decimals and thousands separators, from fen.
pub(crate) fn yuan(fen: i64) -> String {
    qinglian_core::Money::from_fen(fen).to_string()
}

/// Inserts `key → value` into a facts map.
pub(crate) fn fact(facts: &mut BTreeMap<String, String>, key: &str, value: impl ToString) {
    facts.insert(key.into(), value.to_string());
}

/// The evidence rows at `indices` (input positions), sorted, deduplicated and capped at `cap`.
pub(crate) fn evidence_at(
    evidence: &[EvidenceRow],
    indices: impl IntoIterator<Item = usize>,
    cap: usize,
) -> Vec<EvidenceRow> {
    let mut out: Vec<EvidenceRow> = indices
        .into_iter()
        .filter_map(|i| evidence.get(i).cloned())
        .collect();
    out.sort();
    out.dedup();
    out.truncate(cap);
    out
}

/// Evidence rows 0..n of one batch `b` of `dataset`: the fixture of the detectors' tests.
#[cfg(test)]
pub(crate) fn test_evidence(dataset: &str, n: usize) -> Vec<EvidenceRow> {
    (0..n)
        .map(|i| EvidenceRow {
            dataset: dataset.into(),
            batch: "b".into(),
            row: i as i64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_follows_parameters() {
        #[derive(Serialize)]
        struct P {
            a: f64,
        }
        let a = model_source("MOD-X", "1.0.0", &P { a: 1.0 });
        let b = model_source("MOD-X", "1.0.0", &P { a: 2.0 });
        let c = model_source("MOD-X", "1.0.1", &P { a: 1.0 });
        assert_eq!(a, model_source("MOD-X", "1.0.0", &P { a: 1.0 }));
        assert_ne!(a.content_hash, b.content_hash);
        assert_ne!(a.content_hash, c.content_hash);
        assert_eq!(a.kind, SourceKind::Model);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(0.00314, 4), "0.0031");
        assert_eq!(num(-0.00001, 3), "0.000");
        assert_eq!(num(f64::INFINITY, 2), "∞");
        assert_eq!(yuan(123_456), "1,234.56");
    }

    #[test]
    fn evidence_is_sorted_unique_and_capped() {
        let ev: Vec<EvidenceRow> = (0..5)
            .map(|r| EvidenceRow {
                dataset: "p".into(),
                batch: "b".into(),
                row: 10 - r,
            })
            .collect();
        let got = evidence_at(&ev, [0, 4, 4, 9, 1], 2);
        assert_eq!(got.iter().map(|e| e.row).collect::<Vec<_>>(), vec![6, 9]);
    }
}
