//! The level policy: which level a new warning starts at, and why, in words.
//!
//! The start comes from the finding's severity; the amount at stake, repetition (earlier
//! warnings on the subject from the same rule) and the subject's history (earlier confirmed
//! warnings) can each raise it by one level, and a very large amount sends it straight to the
//! committee. Every step that applied is kept as a [`LevelReason`] and shown on the warning.
//!
//! ```toml
//! [warnings.levels]
//! start = { low = "department", medium = "department", high = "inspector", critical = "committee" }
//! raise_at_amount_yuan = 100000
//! committee_at_amount_yuan = 1000000
//! raise_at_repeats = 2
//! raise_at_confirmed = 1
//! ```

use qinglian_core::{Money, Severity};
use qinglian_store::{Level, SubjectHistory};
use serde::{Deserialize, Serialize};

/// Starting level per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StartLevels {
    pub low: Level,
    pub medium: Level,
    pub high: Level,
    pub critical: Level,
}

impl Default for StartLevels {
    fn default() -> Self {
        Self {
            low: Level::Department,
            medium: Level::Department,
            high: Level::Inspector,
            critical: Level::Committee,
        }
    }
}

/// How the initial level is chosen. A threshold left out (or 0) does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LevelPolicy {
    pub start: StartLevels,
    /// Amount at stake, in yuan, from which the level rises by one.
    pub raise_at_amount_yuan: Option<i64>,
    /// Amount at stake, in yuan, from which the warning goes to the committee.
    pub committee_at_amount_yuan: Option<i64>,
    /// Earlier warnings on the subject from the same rule or model from which the level rises.
    pub raise_at_repeats: Option<u64>,
    /// Earlier confirmed warnings on the subject from which the level rises.
    pub raise_at_confirmed: Option<u64>,
}

impl Default for LevelPolicy {
    fn default() -> Self {
        Self {
            start: StartLevels::default(),
            raise_at_amount_yuan: Some(100_000),
            committee_at_amount_yuan: Some(1_000_000),
            raise_at_repeats: Some(2),
            raise_at_confirmed: Some(1),
        }
    }
}

/// One step of the policy's reasoning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelReason {
    /// Stable code: `severity`, `amount`, `amount_committee`, `repeats`, `history`.
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// The level chosen and the steps that led to it, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelDecision {
    pub level: Level,
    pub reasons: Vec<LevelReason>,
}

impl LevelDecision {
    /// The reasoning as JSON (stored with the warning).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("level decisions always serialise")
    }

    pub fn from_json(text: &str) -> Option<LevelDecision> {
        serde_json::from_str(text).ok()
    }

    /// The reasoning as one line per step, in Chinese or English.
    pub fn explain(&self, zh: bool) -> String {
        self.reasons
            .iter()
            .map(|r| if zh { r.zh.as_str() } else { r.en.as_str() })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn yuan(fen: i64) -> String {
    format!("¥{}", Money::from_fen(fen))
}

impl LevelPolicy {
    /// Checks the thresholds make sense together.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("raise_at_amount_yuan", self.raise_at_amount_yuan),
            ("committee_at_amount_yuan", self.committee_at_amount_yuan),
        ] {
            if v.is_some_and(|v| v < 0) {
                return Err(format!("{name} must not be negative"));
            }
        }
        if let (Some(r), Some(c)) = (self.raise_at_amount_yuan, self.committee_at_amount_yuan)
            && r > 0
            && c > 0
            && c < r
        {
            return Err(format!(
                "committee_at_amount_yuan ({c}) is below raise_at_amount_yuan ({r}); make it larger"
            ));
        }
        Ok(())
    }

    /// The level of a new warning and the reasoning.
    pub fn decide(
        &self,
        severity: Severity,
        amount: Option<Money>,
        history: &SubjectHistory,
    ) -> LevelDecision {
        let start = match severity {
            Severity::Low => self.start.low,
            Severity::Medium => self.start.medium,
            Severity::High => self.start.high,
            Severity::Critical => self.start.critical,
        };
        let mut level = start;
        let mut reasons = vec![LevelReason {
            code: "severity".into(),
            zh: format!(
                "严重程度「{}」：起始为{}",
                severity.name_zh(),
                start.name_zh()
            ),
            en: format!(
                "severity {}: starts at level {} ({})",
                format!("{severity:?}").to_lowercase(),
                start.number(),
                start.as_str()
            ),
        }];
        let raise = |reasons: &mut Vec<LevelReason>,
                     level: &mut Level,
                     code: &str,
                     zh: String,
                     en: String| {
            let before = *level;
            if let Some(up) = level.up() {
                *level = up;
            }
            let (zh, en) = if before == *level {
                (
                    format!("{zh}（已是最高级）"),
                    format!("{en} (already at the top level)"),
                )
            } else {
                (
                    format!("{zh}：升为{}", level.name_zh()),
                    format!("{en}: raised to level {}", level.number()),
                )
            };
            reasons.push(LevelReason {
                code: code.into(),
                zh,
                en,
            });
        };
        let fen = amount.map(Money::fen).unwrap_or(0).saturating_abs();
        let committee = self
            .committee_at_amount_yuan
            .filter(|&c| c > 0)
            .is_some_and(|c| fen >= c.saturating_mul(100));
        if committee {
            let c = self.committee_at_amount_yuan.unwrap_or_default();
            level = Level::Committee;
            reasons.push(LevelReason {
                code: "amount_committee".into(),
                zh: format!(
                    "涉及金额 {} 达到 {}：直接报党委（三级预警）",
                    yuan(fen),
                    yuan(c.saturating_mul(100))
                ),
                en: format!(
                    "amount at stake {} reaches {}: goes to the committee (level 3)",
                    yuan(fen),
                    yuan(c.saturating_mul(100))
                ),
            });
        } else if let Some(r) = self.raise_at_amount_yuan.filter(|&r| r > 0)
            && fen >= r.saturating_mul(100)
        {
            raise(
                &mut reasons,
                &mut level,
                "amount",
                format!(
                    "涉及金额 {} 达到 {}",
                    yuan(fen),
                    yuan(r.saturating_mul(100))
                ),
                format!(
                    "amount at stake {} reaches {}",
                    yuan(fen),
                    yuan(r.saturating_mul(100))
                ),
            );
        }
        if let Some(n) = self.raise_at_repeats.filter(|&n| n > 0)
            && history.same_source >= n
        {
            raise(
                &mut reasons,
                &mut level,
                "repeats",
                format!(
                    "同一规则此前已对该对象预警 {} 次（阈值 {n}）",
                    history.same_source
                ),
                format!(
                    "the same rule warned about this subject {} time(s) before (threshold {n})",
                    history.same_source
                ),
            );
        }
        if let Some(n) = self.raise_at_confirmed.filter(|&n| n > 0)
            && history.confirmed >= n
        {
            raise(
                &mut reasons,
                &mut level,
                "history",
                format!(
                    "该对象此前有 {} 条预警经核查属实（阈值 {n}）",
                    history.confirmed
                ),
                format!(
                    "{} earlier warning(s) on this subject were confirmed (threshold {n})",
                    history.confirmed
                ),
            );
        }
        LevelDecision { level, reasons }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(same: u64, confirmed: u64) -> SubjectHistory {
        SubjectHistory {
            same_source: same,
            all: same,
            confirmed,
        }
    }

    #[test]
    fn severity_sets_the_start() {
        let p = LevelPolicy::default();
        let d = p.decide(Severity::Low, None, &hist(0, 0));
        assert_eq!(d.level, Level::Department);
        assert_eq!(d.reasons.len(), 1);
        assert_eq!(
            p.decide(Severity::High, None, &hist(0, 0)).level,
            Level::Inspector
        );
    }

    #[test]
    fn amount_repeats_and_history_each_raise_once_and_say_so() {
        let p = LevelPolicy::default();
        let d = p.decide(
            Severity::Low,
            Some(Money::from_fen(15_000_000)),
            &hist(0, 0),
        );
        assert_eq!(d.level, Level::Inspector);
        assert!(d.explain(false).contains("reaches ¥100,000.00"), "{d:?}");
        assert!(d.explain(true).contains("涉及金额"));
        let d = p.decide(Severity::Low, None, &hist(2, 1));
        assert_eq!(d.level, Level::Committee);
        assert_eq!(
            d.reasons
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>(),
            ["severity", "repeats", "history"]
        );
        let d = p.decide(Severity::Critical, None, &hist(5, 5));
        assert_eq!(d.level, Level::Committee);
        assert!(d.explain(false).contains("already at the top level"));
    }

    #[test]
    fn a_very_large_amount_goes_to_the_committee() {
        let p = LevelPolicy::default();
        let d = p.decide(
            Severity::Low,
            Some(Money::from_fen(-200_000_000)),
            &hist(0, 0),
        );
        assert_eq!(d.level, Level::Committee);
        assert_eq!(d.reasons[1].code, "amount_committee");
        let json = d.to_json();
        assert_eq!(LevelDecision::from_json(&json), Some(d));
    }

    #[test]
    fn thresholds_can_be_switched_off_and_are_checked() {
        let p = LevelPolicy {
            raise_at_amount_yuan: None,
            committee_at_amount_yuan: None,
            raise_at_repeats: Some(0),
            raise_at_confirmed: None,
            ..LevelPolicy::default()
        };
        let d = p.decide(
            Severity::Medium,
            Some(Money::from_fen(i64::MAX)),
            &hist(100, 100),
        );
        assert_eq!(d.level, Level::Department);
        let bad = LevelPolicy {
            raise_at_amount_yuan: Some(500),
            committee_at_amount_yuan: Some(100),
            ..LevelPolicy::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("committee_at_amount_yuan")
        );
        assert!(LevelPolicy::default().validate().is_ok());
    }
}
