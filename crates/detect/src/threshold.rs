//! Threshold avoidance (MOD-THRESHOLD): amounts clustering just under a configured approval
//! or tender threshold, compared with the band just above it.
//!
//! For a threshold T and a band width b, the detector counts amounts in the band under it,
//! [T(1 − b), T), and in the band above it, [T, T(1 + b)). Without avoidance both bands hold
//! about the same number of amounts; under the log-uniform (Benford) shape of amount data the
//! lower band's expected share of the two is
//!
//! p₀ = ln(1/(1 − b)) / (ln(1/(1 − b)) + ln(1 + b))      (0.5126 for b = 5 %),
//!
//! and the evidence of avoidance is the binomial tail P(X ≥ k_under | n = k_under + k_above,
//! p₀). A threshold fires when the tail is below `alpha`, the under/above ratio is at least
//! `min_ratio` and at least `min_under` amounts sit under it. The caller decides the group
//! (a department, an approver, a buyer) and passes its amounts.

use qinglian_core::{EvidenceRow, Finding, Money, Severity};
use serde::{Deserialize, Serialize};

use crate::emit::{Scope, evidence_at, fact, finding, model_source, num, yuan};
use crate::error::{DetectError, Result, check_len};
use crate::stats;

pub const MODEL_ID: &str = "MOD-THRESHOLD";
pub const VERSION: &str = "1.0.0";

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Thresholds in fen. Default: 50,000, 100,000, 1,000,000 and 4,000,000 yuan — common
    /// approval and tender limits; set the organisation's own.
    pub thresholds_fen: Vec<i64>,
    /// Band width as a share of the threshold. Default 0.05.
    pub band: f64,
    /// Minimum amounts under the threshold. Default 5.
    pub min_under: usize,
    /// Minimum ratio of under to above (above counted at least 1). Default 2.
    pub min_ratio: f64,
    /// Significance level of the binomial test. Default 0.01.
    pub alpha: f64,
    /// Evidence rows per finding at most. Default 200.
    pub max_evidence_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            thresholds_fen: vec![5_000_000, 10_000_000, 100_000_000, 400_000_000],
            band: 0.05,
            min_under: 5,
            min_ratio: 2.0,
            alpha: 0.01,
            max_evidence_rows: 200,
        }
    }
}

/// What one threshold's bands hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    pub threshold_fen: i64,
    pub under: usize,
    pub above: usize,
    /// Input positions of the amounts under the threshold.
    pub under_rows: Vec<usize>,
    pub under_total_fen: i64,
    /// Expected share of the lower band, p₀.
    pub expected_share_under: f64,
    /// under / max(above, 1).
    pub ratio: f64,
    pub p_value: f64,
    pub flagged: bool,
}

/// Measures every threshold on one group's `amounts` (fen).
pub fn analyse(amounts: &[i64], p: &Params) -> Result<Vec<ThresholdResult>> {
    if !(p.band > 0.0 && p.band < 1.0) {
        return Err(DetectError::InvalidParam {
            name: "band",
            reason: format!("{} must be between 0 and 1 (e.g. 0.05 for 5 %)", p.band),
        });
    }
    let lo_w = (1.0 / (1.0 - p.band)).ln();
    let hi_w = (1.0 + p.band).ln();
    let p0 = lo_w / (lo_w + hi_w);
    Ok(p.thresholds_fen
        .iter()
        .map(|&t| {
            let lo = (t as f64 * (1.0 - p.band)).ceil() as i64;
            let hi = (t as f64 * (1.0 + p.band)).ceil() as i64;
            let under_rows: Vec<usize> = (0..amounts.len())
                .filter(|&i| amounts[i] >= lo && amounts[i] < t)
                .collect();
            let above = amounts.iter().filter(|&&a| a >= t && a < hi).count();
            let under = under_rows.len();
            let p_value = stats::binomial_sf(under as u64, (under + above) as u64, p0);
            let ratio = under as f64 / above.max(1) as f64;
            ThresholdResult {
                threshold_fen: t,
                under,
                above,
                under_total_fen: under_rows.iter().map(|&i| amounts[i]).sum(),
                under_rows,
                expected_share_under: p0,
                ratio,
                p_value,
                flagged: under >= p.min_under && ratio >= p.min_ratio && p_value < p.alpha,
            }
        })
        .collect())
}

/// One finding per flagged threshold, about the scope's subject; amount at stake the total
/// under the threshold. Severity medium, high when the ratio is 5 or more.
pub fn findings(
    results: &[ThresholdResult],
    amounts: &[i64],
    scope: &Scope,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("threshold evidence", amounts.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let who = scope.subject.name.as_deref().unwrap_or(&scope.subject.id);
    let pct = num(p.band * 100.0, 0);
    Ok(results
        .iter()
        .filter(|r| r.flagged)
        .map(|r| {
            let sev = if r.ratio >= 5.0 { Severity::High } else { Severity::Medium };
            let t = yuan(r.threshold_fen);
            let mut f = finding(
                &source,
                scope,
                sev,
                format!(
                    "{who}有 {} 笔金额落在限额 {t} 元下方 {pct}% 以内，上方同宽区间仅 {} 笔（比值 {}，二项检验 p={}）",
                    r.under,
                    r.above,
                    num(r.ratio, 1),
                    num(r.p_value, 4)
                ),
                format!(
                    "{who}: {} amounts fall within {pct}% below the {t} yuan threshold and only {} within {pct}% above it (ratio {}, binomial p={})",
                    r.under,
                    r.above,
                    num(r.ratio, 1),
                    num(r.p_value, 4)
                ),
            );
            f.amount = Some(Money::from_fen(r.under_total_fen));
            f.evidence = evidence_at(evidence, r.under_rows.iter().copied(), p.max_evidence_rows);
            fact(&mut f.facts, "threshold_fen", r.threshold_fen);
            fact(&mut f.facts, "under", r.under);
            fact(&mut f.facts, "above", r.above);
            fact(&mut f.facts, "ratio", num(r.ratio, 2));
            fact(&mut f.facts, "p_value", num(r.p_value, 6));
            fact(&mut f.facts, "expected_share_under", num(r.expected_share_under, 4));
            f
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use qinglian_core::Category;

    use super::*;

    fn ev(n: usize) -> Vec<EvidenceRow> {
        crate::emit::test_evidence("contracts", n)
    }

    fn params() -> Params {
        Params {
            thresholds_fen: vec![10_000_000],
            ..Params::default()
        }
    }

    #[test]
    fn expected_share_under_log_uniform() {
        let r = analyse(&[], &params()).unwrap();
        assert!((r[0].expected_share_under - 0.5126).abs() < 1e-4);
        assert_eq!(r[0].p_value, 1.0);
    }

    #[test]
    fn clustering_under_100k_fires() {
        // 12 contracts at 95,000–99,900 yuan, 1 at 101,000, plus unrelated amounts.
        let mut a: Vec<i64> = (0..12).map(|i| 9_500_000 + i * 40_000).collect();
        a.extend([10_100_000, 2_000_000, 30_000_000]);
        let r = analyse(&a, &params()).unwrap();
        assert_eq!((r[0].under, r[0].above), (12, 1));
        // scipy.stats.binom.sf(11, 13, 0.51258) = 0.002253
        assert!((r[0].p_value - 0.002_253).abs() < 1e-5, "{}", r[0].p_value);
        assert!(r[0].flagged);
        let scope = Scope::new(Category::Pro, "department", "D1");
        let f = findings(&r, &a, &scope, &ev(a.len()), &params()).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].evidence.len(), 12);
        assert!(
            f[0].explanation_zh
                .contains("12 笔金额落在限额 100,000.00 元下方 5% 以内"),
            "{}",
            f[0].explanation_zh
        );
    }

    #[test]
    fn smooth_amounts_stay_silent() {
        // Log-uniform amounts around the threshold: no clustering.
        let a: Vec<i64> = (0..2_000)
            .map(|k| 10f64.powf(6.0 + 2.0 * (k as f64 * 0.618_033_988_75).fract()) as i64)
            .collect();
        let r = analyse(&a, &params()).unwrap();
        assert!(r[0].under > 10 && r[0].above > 10);
        assert!(!r[0].flagged, "{:?}", r[0]);
    }

    #[test]
    fn band_must_be_a_share() {
        assert!(
            analyse(
                &[1],
                &Params {
                    band: 5.0,
                    ..Params::default()
                }
            )
            .is_err()
        );
    }
}
