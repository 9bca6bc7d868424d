//! Bid screens per tender (MOD-BIDSCREEN): statistics of one tender's bids that cartels
//! distort, after Imhof (2018), Huber and Imhof (2019) and Wallimann, Imhof and Huber (2022).
//!
//! For the bids b₁ ≤ b₂ ≤ … ≤ bₙ of one tender, with mean b̄ and sample standard deviation
//! s = √(Σ(bᵢ − b̄)²/(n − 1)):
//!
//! | screen | formula | needs |
//! |---|---|---|
//! | CV, coefficient of variation | s / b̄ | n ≥ 2 |
//! | SPD, spread | (bₙ − b₁) / b₁ | n ≥ 2 |
//! | DIFFP, difference of the two lowest | (b₂ − b₁) / b₁ | n ≥ 2 |
//! | RD, relative distance | (b₂ − b₁) / s_losing, s_losing the sample sd of b₂ … bₙ | n ≥ 3, s_losing > 0 |
//! | KURT, excess kurtosis (bias-corrected, as pandas `.kurt()`) | n(n+1)(n−1) m₄ / ((n−2)(n−3) m₂²) − 3(n−1)²/((n−2)(n−3)) | n ≥ 4 |
//! | SKEW, skewness (bias-corrected, as pandas `.skew()`) | √(n(n−1)) / (n−2) · (m₃/n) / (m₂/n)^{3/2} | n ≥ 3 |
//! | KS, Kolmogorov–Smirnov statistic against Uniform(b₁, bₙ) | maxᵢ max(i/n − F(bᵢ), F(bᵢ) − (i−1)/n), F(x) = (x − b₁)/(bₙ − b₁) | n ≥ 2, bₙ > b₁ |
//!
//! where m_k = Σ(bᵢ − b̄)^k; with m₂ = 0 (all bids equal) skewness and kurtosis are 0, as in
//! pandas. Collusion compresses the cover bids (low CV and spread, high kurtosis) and opens a
//! gap between the designated winner and the rest (high DIFFP and RD).
//!
//! Absolute screen values do not travel between markets (Japanese public-works bids have a CV
//! ten times lower than Swiss ones), so the finding rule is market-relative: a tender is
//! flagged when its CV is far below the market's, −z ≥ `z_flag` with z the robust z-score of
//! ln CV over the tenders handed in together ([`market_scores`]).

use qinglian_core::{Category, EvidenceRow, Finding, Money, Severity, Subject};
use serde::{Deserialize, Serialize};

use crate::emit::{Scope, fact, finding, model_source, num};
use crate::error::Result;
use crate::stats;

pub const MODEL_ID: &str = "MOD-BIDSCREEN";
pub const VERSION: &str = "1.0.0";

/// The screens of one tender; `None` where the tender has too few (or identical) bids.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Screens {
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub cv: Option<f64>,
    pub spd: Option<f64>,
    pub diffp: Option<f64>,
    pub rd: Option<f64>,
    pub kurt: Option<f64>,
    pub skew: Option<f64>,
    pub ks: Option<f64>,
}

impl Screens {
    /// Names of the screens in [`Screens::values`] order.
    pub const NAMES: [&'static str; 7] = ["cv", "spd", "diffp", "rd", "kurt", "skew", "ks"];

    /// CV, SPD, DIFFP, RD, KURT, SKEW, KS in that order.
    pub fn values(&self) -> [Option<f64>; 7] {
        [
            self.cv, self.spd, self.diffp, self.rd, self.kurt, self.skew, self.ks,
        ]
    }
}

/// Computes every screen of one tender's bids (any order). Non-finite bids are ignored.
pub fn compute(bids: &[f64]) -> Screens {
    let mut b: Vec<f64> = bids.iter().copied().filter(|v| v.is_finite()).collect();
    b.sort_by(f64::total_cmp);
    let n = b.len();
    let mean = stats::mean(&b);
    let sd = stats::sample_sd(&b);
    let ratio = |num: f64, den: f64| (den != 0.0).then(|| num / den);
    let (lo, hi) = (b.first().copied(), b.last().copied());
    Screens {
        n,
        mean,
        sd,
        cv: sd.zip(mean).and_then(|(s, m)| ratio(s, m)),
        spd: (n >= 2).then(|| ratio(hi? - lo?, lo?)).flatten(),
        diffp: (n >= 2).then(|| ratio(b[1] - b[0], b[0])).flatten(),
        rd: (n >= 3)
            .then(|| stats::sample_sd(&b[1..]).and_then(|s| (s > 0.0).then(|| (b[1] - b[0]) / s)))
            .flatten(),
        kurt: kurtosis(&b),
        skew: skewness(&b),
        ks: ks_uniform(&b),
    }
}

fn central_moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let m = stats::mean(x).unwrap_or(0.0);
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for v in x {
        let d = v - m;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    // As pandas: sums that are rounding noise relative to the data count as zero.
    let scale = x.iter().map(|v| v * v).sum::<f64>().max(f64::MIN_POSITIVE);
    if m2 <= scale * 1e-14 {
        m2 = 0.0;
    }
    (m, m2, m3, m4)
}

/// Bias-corrected sample skewness (pandas `.skew()`); `None` below three values.
pub fn skewness(x: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 3 {
        return None;
    }
    let (_, m2, m3, _) = central_moments(x);
    if m2 == 0.0 {
        return Some(0.0);
    }
    let nf = n as f64;
    Some((nf * (nf - 1.0)).sqrt() / (nf - 2.0) * (m3 / nf) / (m2 / nf).powf(1.5))
}

/// Bias-corrected sample excess kurtosis (pandas `.kurt()`); `None` below four values.
pub fn kurtosis(x: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 4 {
        return None;
    }
    let (_, m2, _, m4) = central_moments(x);
    if m2 == 0.0 {
        return Some(0.0);
    }
    let nf = n as f64;
    let adj = 3.0 * (nf - 1.0).powi(2) / ((nf - 2.0) * (nf - 3.0));
    Some(nf * (nf + 1.0) * (nf - 1.0) * m4 / ((nf - 2.0) * (nf - 3.0) * m2 * m2) - adj)
}

/// Kolmogorov–Smirnov statistic of `x` against Uniform(min x, max x) (SciPy's `kstest`
/// two-sided D); `None` below two values or when all are equal.
pub fn ks_uniform(x: &[f64]) -> Option<f64> {
    let mut b: Vec<f64> = x.to_vec();
    b.sort_by(f64::total_cmp);
    let n = b.len();
    let (lo, hi) = (*b.first()?, *b.last()?);
    if n < 2 || hi <= lo {
        return None;
    }
    let nf = n as f64;
    let d = b.iter().enumerate().fold(0f64, |d, (i, v)| {
        let f = (v - lo) / (hi - lo);
        d.max((i + 1) as f64 / nf - f).max(f - i as f64 / nf)
    });
    Some(d)
}

/// Market-relative collusion score per tender: −z, z the robust z-score of ln CV among the
/// given tenders (median and 1.4826 × MAD). Higher means more cohesive bids than the
/// market's usual. `None` for tenders without a positive CV.
pub fn market_scores(screens: &[Screens]) -> Vec<Option<f64>> {
    let logs: Vec<Option<f64>> = screens
        .iter()
        .map(|s| s.cv.filter(|c| *c > 0.0).map(f64::ln))
        .collect();
    let vals: Vec<f64> = logs.iter().flatten().copied().collect();
    let med = stats::median(&vals).unwrap_or(0.0);
    let scale = 1.4826 * stats::mad(&vals, med).unwrap_or(0.0);
    logs.iter()
        .map(|l| l.map(|v| if scale > 0.0 { -(v - med) / scale } else { 0.0 }))
        .collect()
}

/// Parameters of the screen finding rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Tenders with fewer bids are not judged. Default 3.
    pub min_bids: usize,
    /// Flag when the market-relative score is at least this. Default 2.0 (CV about a sixth of
    /// the market's median in a market with the usual spread of CVs).
    pub z_flag: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_bids: 3,
            z_flag: 2.0,
        }
    }
}

/// One tender as handed to [`findings`].
#[derive(Debug, Clone, PartialEq)]
pub struct Tender<'a> {
    pub subject: Subject,
    pub bids: &'a [f64],
    /// One row per bid.
    pub evidence: &'a [EvidenceRow],
    /// The awarded amount (fen), if known.
    pub amount_fen: Option<i64>,
}

/// Screens every tender, scores them against each other (hand in one market's tenders
/// together) and reports the flagged ones. Severity medium, high at a score of 3.
pub fn findings(tenders: &[Tender<'_>], p: &Params) -> Result<Vec<Finding>> {
    for t in tenders {
        crate::error::check_len("screen evidence", t.bids.len(), t.evidence.len())?;
    }
    let source = model_source(MODEL_ID, VERSION, p);
    let screens: Vec<Screens> = tenders.iter().map(|t| compute(t.bids)).collect();
    let scores = market_scores(&screens);
    let cvs: Vec<f64> = screens.iter().filter_map(|s| s.cv).collect();
    let median_cv = stats::median(&cvs).unwrap_or(0.0);
    let mut out = Vec::new();
    for ((t, s), score) in tenders.iter().zip(&screens).zip(&scores) {
        // Identical bids (CV = 0) have no logarithm to score, and are the most cohesive of
        // all: flagged with an infinite score.
        let score = if s.cv == Some(0.0) {
            Some(f64::INFINITY)
        } else {
            *score
        };
        let Some(score) = score.filter(|z| *z >= p.z_flag && s.n >= p.min_bids) else {
            continue;
        };
        let cv = s.cv.unwrap_or(0.0);
        let scope = Scope {
            subject: t.subject.clone(),
            category: Category::Pro,
            department: None,
        };
        let opt = |v: Option<f64>| v.map_or("-".to_owned(), |v| num(v, 4));
        let mut f = finding(
            &source,
            &scope,
            if score >= 3.0 {
                Severity::High
            } else {
                Severity::Medium
            },
            format!(
                "该标段 {} 份报价异常集中：变异系数 CV={}，同批标段中位数 {}（稳健 z={}）；价差 SPD={}，最低两价差 DIFFP={}，相对距离 RD={}",
                s.n,
                num(cv, 4),
                num(median_cv, 4),
                num(-score, 2),
                opt(s.spd),
                opt(s.diffp),
                opt(s.rd)
            ),
            format!(
                "The {} bids of this tender are unusually close: CV={} against a median of {} across the tenders screened together (robust z={}); spread SPD={}, DIFFP={}, RD={}",
                s.n,
                num(cv, 4),
                num(median_cv, 4),
                num(-score, 2),
                opt(s.spd),
                opt(s.diffp),
                opt(s.rd)
            ),
        );
        f.amount = t.amount_fen.map(Money::from_fen);
        f.evidence = t.evidence.to_vec();
        f.evidence.sort();
        for (name, v) in Screens::NAMES.iter().zip(s.values()) {
            if let Some(v) = v {
                fact(&mut f.facts, name, num(v, 5));
            }
        }
        fact(&mut f.facts, "n_bids", s.n);
        fact(&mut f.facts, "market_median_cv", num(median_cv, 5));
        fact(&mut f.facts, "score", num(score, 3));
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn textbook_values_on_a_small_tender() {
        // pandas: s = pd.Series([100, 102, 103, 110, 125])
        let s = compute(&[110.0, 100.0, 125.0, 103.0, 102.0]);
        assert_eq!(s.n, 5);
        assert!(close(s.cv, 0.094_653_001_390_096_64), "{:?}", s.cv); // s.std()/s.mean()
        assert!(close(s.spd, 0.25));
        assert!(close(s.diffp, 0.02));
        // (102 − 100) / std([102, 103, 110, 125])
        assert!(close(s.rd, 2.0 / 10.614_455_552_060_438));
        assert!(close(s.kurt, 2.250_910_006_639_042_4), "{:?}", s.kurt); // s.kurt()
        assert!(close(s.skew, 1.586_701_626_287_959_4), "{:?}", s.skew); // s.skew()
        // scipy.stats.kstest(s, 'uniform', args=(100, 25)).statistic
        assert!(close(s.ks, 0.48), "{:?}", s.ks);
    }

    #[test]
    fn small_and_degenerate_tenders() {
        let one = compute(&[5.0]);
        assert_eq!((one.cv, one.spd, one.ks), (None, None, None));
        let two = compute(&[5.0, 6.0]);
        assert!(two.cv.is_some() && two.rd.is_none() && two.skew.is_none());
        let same = compute(&[7.0, 7.0, 7.0, 7.0]);
        assert_eq!(
            (same.cv, same.kurt, same.skew, same.ks),
            (Some(0.0), Some(0.0), Some(0.0), None)
        );
        assert_eq!(same.rd, None);
    }

    fn ev(t: usize, n: usize) -> Vec<EvidenceRow> {
        (0..n)
            .map(|i| EvidenceRow {
                dataset: "bids".into(),
                batch: "b".into(),
                row: (t * 100 + i) as i64,
            })
            .collect()
    }

    #[test]
    fn a_cohesive_tender_among_ordinary_ones_is_flagged() {
        // Twenty tenders with 5–15 % spread, one with bids within 0.3 %.
        let mut bids: Vec<Vec<f64>> = (0..20)
            .map(|k| {
                let w = 0.05 + 0.005 * k as f64;
                vec![
                    100.0,
                    100.0 * (1.0 + w / 3.0),
                    100.0 * (1.0 + w / 2.0),
                    100.0 * (1.0 + w),
                ]
            })
            .collect();
        bids.push(vec![100.0, 100.1, 100.2, 100.3]);
        let evs: Vec<Vec<EvidenceRow>> = (0..bids.len()).map(|t| ev(t, 4)).collect();
        let tenders: Vec<Tender<'_>> = bids
            .iter()
            .zip(&evs)
            .enumerate()
            .map(|(t, (b, e))| Tender {
                subject: Subject {
                    kind: "tender".into(),
                    id: format!("T{t}"),
                    name: None,
                },
                bids: b,
                evidence: e,
                amount_fen: None,
            })
            .collect();
        let f = findings(&tenders, &Params::default()).unwrap();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].subject.id, "T20");
        assert_eq!(f[0].evidence.len(), 4);
        assert!(
            f[0].explanation_zh.contains("CV=0.0013"),
            "{}",
            f[0].explanation_zh
        );
        // The ordinary market alone stays silent.
        assert!(
            findings(&tenders[..20], &Params::default())
                .unwrap()
                .is_empty()
        );
        // Identical bids have no ln CV, and are flagged all the same (two bids are too few).
        let same = [250.0; 3];
        let pair = [250.0; 2];
        let (e3, e2) = (ev(30, 3), ev(31, 2));
        let mut more = tenders[..20].to_vec();
        for (id, b, e) in [("T30", &same[..], &e3), ("T31", &pair[..], &e2)] {
            more.push(Tender {
                subject: Subject {
                    kind: "tender".into(),
                    id: id.into(),
                    name: None,
                },
                bids: b,
                evidence: e,
                amount_fen: None,
            });
        }
        let f = findings(&more, &Params::default()).unwrap();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].subject.id, "T30");
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].facts["cv"], "0.00000");
    }
}
