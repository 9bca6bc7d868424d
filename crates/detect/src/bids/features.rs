//! Tender features computed from the bid values (and the winner flag) alone — never from a
//! file's precomputed screens, never from dates.
//!
//! **Full** (for a model used in the market it was trained on): the screens of
//! [`crate::screens`], the number of bids, the log of the mean bid (contract size), subset
//! screens after Wallimann, Imhof and Huber (2022) — the minimum, median and maximum CV over
//! every 3-bid and 4-bid subset, and the minimum spread over 3-bid subsets, which find a
//! cartel that bids alongside outsiders — the relative gaps between consecutive bids, and,
//! with a winner column, the winner's rank and distances.
//!
//! **Portable** (for a model used in another market): only scale-free variance screens — CV,
//! spread and the median and maximum subset CVs — each as a robust z-score within the market
//! ((x − median) / (1.4826 MAD) over the market's tenders, clipped to ±5). Bid counts, price
//! levels and the cartel share differ between markets; what travels is whether a tender's
//! bids are unusually close *for its market*. The standardisation uses no labels, so a
//! user's file is standardised on itself. The forest is constrained to be monotone
//! (decreasing) in each of them ([`portable_monotone`]).
//!
//! **Screens**: the eight textbook screens alone (n, CV, SPD, DIFFP, RD, KURT, SKEW, KS), the
//! features a plain screening model uses; for comparing implementations on equal inputs.
//!
//! Missing values (a screen undefined for few bids) are −999 in the full and screens sets (below every
//! real value, which a tree can split off) and 0 (the median) in the portable set.

use serde::{Deserialize, Serialize};

use super::read::{Market, TenderBids};
use crate::matrix::Matrix;
use crate::screens;
use crate::stats;

/// Which features a model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureSet {
    Full,
    Portable,
    /// The eight textbook screens only (n, CV, SPD, DIFFP, RD, KURT, SKEW, KS): the peer's
    /// features, for comparing implementations on equal inputs.
    Screens,
}

impl std::str::FromStr for FeatureSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "full" => Ok(Self::Full),
            "portable" => Ok(Self::Portable),
            "screens" => Ok(Self::Screens),
            o => Err(format!(
                "unknown feature set '{o}': use full, portable or screens"
            )),
        }
    }
}

/// Missing-value marker of the full set.
pub const MISSING: f64 = -999.0;

const FULL: [&str; 19] = [
    "n_bids", "cv", "spd", "diffp", "rd", "kurt", "skew", "ks", "log_mean", "cv3_min", "cv3_med",
    "cv3_max", "spd3_min", "cv4_min", "cv4_med", "gap13", "gap_cv", "gap_min", "gap_max",
];
const WINNER: [&str; 3] = ["winner_rank", "winner_gap", "winner_next"];
const PORTABLE: [&str; 5] = ["cv", "spd", "cv3_med", "cv4_med", "cv3_max"];

/// Monotone constraints of the portable set: collusion compresses bids, so the predicted
/// probability may only fall as each variance screen grows (Imhof 2018; Huber and Imhof
/// 2019). The direction comes from the literature, not from the evaluation data.
pub fn portable_monotone() -> Vec<i8> {
    vec![-1; PORTABLE.len()]
}

/// Feature names of a set.
pub fn names(set: FeatureSet, winner: bool) -> Vec<String> {
    match set {
        FeatureSet::Full => FULL
            .iter()
            .chain(if winner { &WINNER[..] } else { &[] })
            .map(|s| (*s).to_owned())
            .collect(),
        FeatureSet::Portable => PORTABLE.iter().map(|s| format!("z_{s}")).collect(),
        FeatureSet::Screens => FULL[..8].iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// CVs of every k-subset of sorted bids (at most 20,000 subsets: beyond, consecutive windows).
fn subset_cvs(b: &[f64], k: usize) -> Vec<f64> {
    let n = b.len();
    let cv = |x: &[f64]| stats::sample_sd(x).zip(stats::mean(x)).map(|(s, m)| s / m);
    if n < k {
        return Vec::new();
    }
    let total = stats::ln_choose(n as u64, k as u64).exp();
    if total > 20_000.0 {
        return b.windows(k).filter_map(cv).collect();
    }
    let mut idx: Vec<usize> = (0..k).collect();
    let mut out = Vec::with_capacity(total.round() as usize);
    let mut buf = vec![0.0; k];
    loop {
        for (j, &i) in idx.iter().enumerate() {
            buf[j] = b[i];
        }
        if let Some(c) = cv(&buf) {
            out.push(c);
        }
        // Next combination in lexicographic order.
        let Some(pos) = (0..k).rev().find(|&j| idx[j] < n - k + j) else {
            break;
        };
        idx[pos] += 1;
        for j in pos + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
    out
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// The full feature vector of one tender (NaN where undefined).
pub fn full(t: &TenderBids, winner: bool) -> Vec<f64> {
    let s = screens::compute(&t.bids);
    let b = sorted(&t.bids);
    let n = b.len();
    let o = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let mut f = vec![n as f64];
    f.extend(s.values().map(o));
    f.push(s.mean.map_or(f64::NAN, f64::ln));
    let c3 = sorted(&subset_cvs(&b, 3));
    let c4 = sorted(&subset_cvs(&b, 4));
    let first = |v: &[f64]| v.first().copied().unwrap_or(f64::NAN);
    let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
    let med = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            stats::median_sorted(v)
        }
    };
    let spd3 = if n >= 3 {
        (0..n - 2)
            .map(|i| (b[i + 2] - b[i]) / b[i])
            .fold(f64::INFINITY, f64::min)
    } else {
        f64::NAN
    };
    f.extend([first(&c3), med(&c3), last(&c3), spd3, first(&c4), med(&c4)]);
    let mean = s.mean.unwrap_or(f64::NAN);
    let gaps: Vec<f64> = b.windows(2).map(|w| (w[1] - w[0]) / mean).collect();
    f.push(if n >= 3 {
        (b[2] - b[0]) / b[0]
    } else {
        f64::NAN
    });
    let gm = stats::mean(&gaps).unwrap_or(f64::NAN);
    f.push(if gaps.len() >= 2 && gm > 0.0 {
        stats::sample_sd(&gaps).unwrap_or(f64::NAN) / gm
    } else {
        f64::NAN
    });
    f.push(gaps.iter().copied().fold(f64::NAN, f64::min));
    f.push(gaps.iter().copied().fold(f64::NAN, f64::max));
    if winner {
        let wb = t
            .bids
            .iter()
            .zip(&t.winners)
            .filter(|x| *x.1)
            .map(|x| *x.0)
            .fold(f64::NAN, f64::min);
        if wb.is_nan() {
            f.extend([f64::NAN; 3]);
        } else {
            let below = b.iter().filter(|&&v| v < wb).count();
            f.push(if n > 1 {
                below as f64 / (n - 1) as f64
            } else {
                0.0
            });
            f.push((wb - b[0]) / b[0]);
            f.push(
                b.iter()
                    .find(|&&v| v > wb)
                    .map_or(f64::NAN, |v| (v - wb) / wb),
            );
        }
    }
    f
}

/// Robust z-scores of each column within the rows (NaN stays NaN).
fn robust_z(cols: &mut [Vec<f64>]) {
    for c in cols.iter_mut() {
        let vals: Vec<f64> = c.iter().copied().filter(|v| v.is_finite()).collect();
        let m = stats::median(&vals).unwrap_or(0.0);
        let s = 1.4826 * stats::mad(&vals, m).unwrap_or(0.0);
        let s = if s > 0.0 { s } else { 1.0 };
        for v in c.iter_mut() {
            *v = ((*v - m) / s).clamp(-5.0, 5.0);
        }
    }
}

/// The feature matrix of a market and its column names.
pub fn market_matrix(m: &Market, set: FeatureSet, winner: bool) -> (Matrix, Vec<String>) {
    let names = names(set, winner);
    let rows: Vec<Vec<f64>> = m.tenders.iter().map(|t| full(t, winner)).collect();
    let data: Vec<Vec<f64>> = match set {
        FeatureSet::Screens => rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .take(8)
                    .map(|v| if v.is_finite() { v } else { MISSING })
                    .collect()
            })
            .collect(),
        FeatureSet::Full => rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| if v.is_finite() { v } else { MISSING })
                    .collect()
            })
            .collect(),
        FeatureSet::Portable => {
            let pick: Vec<usize> = PORTABLE
                .iter()
                .map(|p| FULL.iter().position(|f| f == p).unwrap_or(0))
                .collect();
            let mut cols: Vec<Vec<f64>> = pick
                .iter()
                .map(|&j| rows.iter().map(|r| r[j]).collect())
                .collect();
            robust_z(&mut cols);
            (0..rows.len())
                .map(|i| {
                    cols.iter()
                        .map(|c| if c[i].is_finite() { c[i] } else { 0.0 })
                        .collect()
                })
                .collect()
        }
    };
    let x =
        Matrix::from_rows(&data).expect("every row has one value per feature name (this is a bug)");
    (x, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tender(bids: &[f64], winner: usize) -> TenderBids {
        TenderBids {
            id: "t".into(),
            bids: bids.to_vec(),
            winners: (0..bids.len()).map(|i| i == winner).collect(),
            label: None,
            lines: vec![],
        }
    }

    #[test]
    fn full_features_of_a_known_tender() {
        let t = tender(&[110.0, 100.0, 125.0, 103.0, 102.0], 3);
        let f = full(&t, true);
        let n = names(FeatureSet::Full, true);
        assert_eq!(f.len(), n.len());
        let get = |name: &str| f[n.iter().position(|x| x == name).unwrap()];
        assert_eq!(get("n_bids"), 5.0);
        assert!((get("spd") - 0.25).abs() < 1e-12);
        // {100, 102, 103} is the tightest triple.
        let cv = stats::sample_sd(&[100.0, 102.0, 103.0]).unwrap() / (305.0 / 3.0);
        assert!((get("cv3_min") - cv).abs() < 1e-12);
        assert!(
            (get("winner_rank") - 0.5).abs() < 1e-12,
            "103 has two lower bids of four others"
        );
        assert!((get("winner_gap") - 0.03).abs() < 1e-12);
        assert!((get("winner_next") - 7.0 / 103.0).abs() < 1e-12);
        assert_eq!(subset_cvs(&[1.0, 2.0, 3.0, 4.0, 5.0], 3).len(), 10);
    }

    #[test]
    fn portable_features_are_standardised_within_the_market() {
        let tenders = (0..21)
            .map(|k| tender(&[100.0, 100.0 + f64::from(k), 110.0 + f64::from(k)], 0))
            .collect();
        let m = Market {
            name: "m".into(),
            tenders,
            has_winner: true,
            has_label: false,
        };
        let (x, names) = market_matrix(&m, FeatureSet::Portable, true);
        assert_eq!(names[0], "z_cv");
        assert_eq!(x.n_rows(), 21);
        assert!(x.get(10, 0).abs() < 1e-12, "the median tender scores 0");
        assert!(x.get(0, 0) < 0.0 && x.get(20, 0) > 0.0);
    }
}
