//! Findings: what a rule or a model says about a subject, with the evidence rows that
//! made it fire and an explanation a person can read.
//!
//! A finding that cannot name its source, its subject, its evidence and its reason is a
//! defect: systems that flagged people without saying why were switched off. Rules
//! (`rules` crate) and detectors (`detect` crate) both produce this one shape, the
//! operational store keeps it, and the workflow turns it into a warning.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Category, Money};

/// Whether a finding comes from the rule base or the model base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Rule,
    Model,
}

/// The rule or model that produced a finding, pinned to the exact text and parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingSource {
    pub kind: SourceKind,
    /// Rule id (e.g. `PRO-012`) or model id (e.g. `MOD-BENFORD`).
    pub id: String,
    /// Declared version, e.g. `1.2.0`.
    pub version: String,
    /// Hash of the rule's text and effective parameters (or the model's parameters):
    /// changes whenever what ran changes.
    pub content_hash: String,
}

/// How serious a finding is, as the rule or model rates it before any policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Low => "低",
            Self::Medium => "中",
            Self::High => "高",
            Self::Critical => "严重",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            other => Err(format!(
                "unknown severity '{other}': use low, medium, high or critical"
            )),
        }
    }
}

/// Who or what a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// person, department, company, tender, contract, payment, claim, vehicle, meeting,
    /// decision, project, appointment …
    pub kind: String,
    pub id: String,
    /// Display name where known (a company name, a department name; never a clear
    /// personal identifier).
    pub name: Option<String>,
}

/// One source row that contributed to a finding: the lake's `_batch` and `_row`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EvidenceRow {
    pub dataset: String,
    pub batch: String,
    pub row: i64,
}

/// A finding as produced by a rule or a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub source: FindingSource,
    pub category: Category,
    pub severity: Severity,
    pub subject: Subject,
    /// Department responsible for answering (routing), where the data names one.
    pub department: Option<String>,
    /// Amount at stake, where there is one.
    pub amount: Option<Money>,
    /// When the questioned activity happened (payment date, tender date …).
    pub occurred_on: Option<NaiveDate>,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub evidence: Vec<EvidenceRow>,
    /// Named numbers behind the verdict (e.g. `mad` → `0.0031`), shown beside the text.
    pub facts: BTreeMap<String, String>,
}

impl Finding {
    /// Identity of a finding across runs: the source id plus the subject (and any extra
    /// keys the source names, e.g. the tender for a pair of bidders). A rerun that finds
    /// the same thing updates it instead of adding a duplicate.
    pub fn fingerprint(&self, extra_keys: &[&str]) -> String {
        let mut h = Sha256::new();
        for part in [
            self.source.id.as_str(),
            self.subject.kind.as_str(),
            self.subject.id.as_str(),
        ]
        .into_iter()
        .chain(extra_keys.iter().copied())
        {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        hex::encode(&h.finalize()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, subject: &str) -> Finding {
        Finding {
            source: FindingSource {
                kind: SourceKind::Rule,
                id: id.into(),
                version: "1.0.0".into(),
                content_hash: "h".into(),
            },
            category: Category::Fun,
            severity: Severity::High,
            subject: Subject {
                kind: "company".into(),
                id: subject.into(),
                name: None,
            },
            department: None,
            amount: Some(Money::from_fen(100)),
            occurred_on: None,
            explanation_zh: "解释".into(),
            explanation_en: "why".into(),
            evidence: vec![EvidenceRow {
                dataset: "payments".into(),
                batch: "b".into(),
                row: 2,
            }],
            facts: BTreeMap::new(),
        }
    }

    #[test]
    fn fingerprints_separate_sources_subjects_and_keys() {
        let a = finding("FUN-001", "C1");
        assert_eq!(
            a.fingerprint(&[]),
            finding("FUN-001", "C1").fingerprint(&[])
        );
        assert_ne!(
            a.fingerprint(&[]),
            finding("FUN-002", "C1").fingerprint(&[])
        );
        assert_ne!(
            a.fingerprint(&[]),
            finding("FUN-001", "C2").fingerprint(&[])
        );
        assert_ne!(a.fingerprint(&["T1"]), a.fingerprint(&["T2"]));
        assert_ne!(
            finding("AB", "C").fingerprint(&[]),
            finding("A", "BC").fingerprint(&[])
        );
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::Low);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("urgent".parse::<Severity>().is_err());
    }
}
