//! Supervised risk scorer (MOD-SCORER): a random forest trained on labelled cases (bid
//! screens with cartel labels; later, warning dispositions), with calibrated probabilities
//! and the features behind each prediction.
//!
//! Hand-written (no learning crate in the workspace): CART trees ([`tree`]) in a
//! class-balanced random forest ([`forest`]). The forest's out-of-bag scores are calibrated by
//! Platt scaling with balanced weights ([`calibrate`]), so the calibrated probability is the
//! one at base rate ½; [`Prediction::probability`] re-expresses it at the base rate of the data
//! being scored. A balanced probability of ½ or more means the case looks more like the
//! positives than the negatives (likelihood ratio above 1): the decision that maximises
//! balanced accuracy whatever the base rate.
//!
//! Contributions are Saabas path contributions of the forest's (balanced, uncalibrated)
//! score: bias + Σ contributions = raw score; they rank the features that pushed one
//! prediction up or down.

pub mod calibrate;
pub mod forest;
pub mod tree;

use qinglian_core::{Category, EvidenceRow, Finding, Severity, Subject};
use serde::{Deserialize, Serialize};

pub use calibrate::Platt;
pub use forest::{ForestParams, MaxFeatures, RandomForest};

use crate::emit::{Scope, fact, finding, model_source, num};
use crate::error::{DetectError, Result, check_len};
use crate::matrix::Matrix;

pub const MODEL_ID: &str = "MOD-SCORER";
pub const VERSION: &str = "1.0.0";

/// A trained scorer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorer {
    pub feature_names: Vec<String>,
    pub forest: RandomForest,
    pub platt: Platt,
    /// Share of positives in the training data (weighted as trained).
    pub train_base_rate: f64,
    pub params: ForestParams,
}

/// One prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Forest score (class-balanced leaf shares, averaged).
    pub raw: f64,
    /// Calibrated probability at base rate ½.
    pub balanced: f64,
    /// Saabas bias (the root share).
    pub bias: f64,
    /// Per-feature contributions to `raw`.
    pub contributions: Vec<f64>,
}

impl Prediction {
    /// The calibrated probability at `base_rate`.
    pub fn probability(&self, base_rate: f64) -> f64 {
        calibrate::shift_prior(self.balanced, 0.5, base_rate)
    }

    /// The `k` features with the largest positive contributions, as (index, contribution).
    pub fn top_reasons(&self, k: usize) -> Vec<(usize, f64)> {
        let mut idx: Vec<usize> = (0..self.contributions.len())
            .filter(|&j| self.contributions[j] > 0.0)
            .collect();
        idx.sort_by(|&a, &b| {
            self.contributions[b]
                .total_cmp(&self.contributions[a])
                .then(a.cmp(&b))
        });
        idx.into_iter()
            .take(k)
            .map(|j| (j, self.contributions[j]))
            .collect()
    }
}

impl Scorer {
    /// Trains on `x` (rows = cases) and labels, with optional per-row weights (e.g. to give
    /// several markets equal say); calibrates on the out-of-bag scores.
    pub fn train(
        x: &Matrix,
        y: &[bool],
        feature_names: Vec<String>,
        weight: Option<&[f64]>,
        p: &ForestParams,
    ) -> Result<Self> {
        check_len("feature names", x.n_cols(), feature_names.len())?;
        let (forest, oob) = forest::RandomForest::fit(x, y, weight, p)?;
        let n = x.n_rows();
        let base: Vec<f64> = weight.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        let (wp, wt) = (0..n).fold((0.0, 0.0), |(a, b), i| {
            (a + if y[i] { base[i] } else { 0.0 }, b + base[i])
        });
        let idx: Vec<usize> = (0..n).filter(|&i| oob[i].is_some()).collect();
        if idx.iter().all(|&i| y[i]) || idx.iter().all(|&i| !y[i]) {
            return Err(DetectError::NotEnoughData(
                "too few out-of-bag rows of each class to calibrate; add data or trees".into(),
            ));
        }
        let s: Vec<f64> = idx.iter().map(|&i| oob[i].unwrap_or(0.5)).collect();
        let l: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
        // Balanced weights, scaled so that they sum to the number of rows (Platt's target
        // smoothing reads the weighted class counts as counts).
        let (op, ot) = idx.iter().fold((0.0, 0.0), |(a, b), &i| {
            (a + if y[i] { base[i] } else { 0.0 }, b + base[i])
        });
        let half = idx.len() as f64 / 2.0;
        let w: Vec<f64> = idx
            .iter()
            .map(|&i| {
                if y[i] {
                    base[i] * half / op
                } else {
                    base[i] * half / (ot - op)
                }
            })
            .collect();
        let platt = Platt::fit(&s, &l, &w);
        Ok(Self {
            feature_names,
            forest,
            platt,
            train_base_rate: wp / wt,
            params: p.clone(),
        })
    }

    /// Scores one row.
    pub fn predict(&self, row: &[f64]) -> Prediction {
        let (bias, contributions) = self.forest.contributions(row);
        let raw = bias + contributions.iter().sum::<f64>();
        Prediction {
            raw,
            balanced: self.platt.apply(raw),
            bias,
            contributions,
        }
    }

    /// The calibrated balanced probability of one row, without contributions (the fast path
    /// for scoring a whole table; explain the reported rows with [`Scorer::predict`]).
    pub fn balanced_probability(&self, row: &[f64]) -> f64 {
        self.platt.apply(self.forest.predict(row))
    }

    /// Scores every row.
    pub fn predict_all(&self, x: &Matrix) -> Vec<Prediction> {
        (0..x.n_rows()).map(|i| self.predict(x.row(i))).collect()
    }
}

/// Parameters of the scorer's findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingParams {
    /// Base rate of positives where the scorer is applied. Default 0.1.
    pub base_rate: f64,
    /// Report cases whose probability at that base rate is at least this. Default 0.5.
    pub min_probability: f64,
    /// Reasons named per finding. Default 3.
    pub reasons: usize,
}

impl Default for FindingParams {
    fn default() -> Self {
        Self {
            base_rate: 0.1,
            min_probability: 0.5,
            reasons: 3,
        }
    }
}

/// One finding per case at or above `min_probability`. `rows[i]` holds case i's feature
/// values (for the explanation), `evidence[i]` its source rows. Severity medium, high at 0.8.
pub fn findings(
    scorer: &Scorer,
    predictions: &[Prediction],
    rows: &Matrix,
    subjects: &[Subject],
    category: Category,
    evidence: &[Vec<EvidenceRow>],
    p: &FindingParams,
) -> Result<Vec<Finding>> {
    check_len("scorer rows", predictions.len(), rows.n_rows())?;
    check_len("scorer subjects", predictions.len(), subjects.len())?;
    check_len("scorer evidence", predictions.len(), evidence.len())?;
    #[derive(Serialize)]
    struct Pinned<'a> {
        finding: &'a FindingParams,
        forest: &'a ForestParams,
        features: &'a [String],
        platt: Platt,
    }
    let source = model_source(
        MODEL_ID,
        VERSION,
        &Pinned {
            finding: p,
            forest: &scorer.params,
            features: &scorer.feature_names,
            platt: scorer.platt,
        },
    );
    let mut out = Vec::new();
    for (i, pr) in predictions.iter().enumerate() {
        let prob = pr.probability(p.base_rate);
        if prob < p.min_probability {
            continue;
        }
        let reasons: Vec<String> = pr
            .top_reasons(p.reasons)
            .iter()
            .map(|&(j, c)| {
                format!(
                    "{}={} (+{})",
                    scorer.feature_names[j],
                    num(rows.get(i, j), 4),
                    num(c, 3)
                )
            })
            .collect();
        let scope = Scope {
            subject: subjects[i].clone(),
            category,
            department: None,
        };
        let mut f = finding(
            &source,
            &scope,
            if prob >= 0.8 {
                Severity::High
            } else {
                Severity::Medium
            },
            format!(
                "风险评分模型给出的违规概率为 {}%（按基准率 {}% 校准）；主要因素：{}",
                num(prob * 100.0, 1),
                num(p.base_rate * 100.0, 1),
                reasons.join("、")
            ),
            format!(
                "The risk scorer gives a probability of {}% (calibrated to a base rate of {}%); main reasons: {}",
                num(prob * 100.0, 1),
                num(p.base_rate * 100.0, 1),
                reasons.join(", ")
            ),
        );
        let mut ev = evidence[i].clone();
        ev.sort();
        f.evidence = ev;
        fact(&mut f.facts, "probability", num(prob, 4));
        fact(&mut f.facts, "balanced_probability", num(pr.balanced, 4));
        fact(&mut f.facts, "raw_score", num(pr.raw, 4));
        for &(j, c) in &pr.top_reasons(p.reasons) {
            fact(
                &mut f.facts,
                &format!("contribution.{}", scorer.feature_names[j]),
                num(c, 4),
            );
        }
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positives have x0 > 0.6 (with 10 % label noise); x1 and x2 are noise.
    fn data(n: usize, seed: u64) -> (Matrix, Vec<bool>) {
        let mut s = seed;
        let mut u = move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let r = vec![u(), u(), u()];
            let flip = u() < 0.1;
            y.push((r[0] > 0.6) != flip);
            rows.push(r);
        }
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    fn params() -> ForestParams {
        ForestParams {
            n_trees: 60,
            threads: 2,
            ..ForestParams::default()
        }
    }

    #[test]
    fn learns_ranks_and_explains() {
        let (x, y) = data(600, 1);
        let s = Scorer::train(
            &x,
            &y,
            vec!["x0".into(), "x1".into(), "x2".into()],
            None,
            &params(),
        )
        .unwrap();
        let (tx, ty) = data(400, 2);
        let preds = s.predict_all(&tx);
        let auc =
            crate::metrics::roc_auc(&preds.iter().map(|p| p.balanced).collect::<Vec<_>>(), &ty)
                .unwrap();
        assert!(auc > 0.85, "{auc}");
        let p = s.predict(&[0.9, 0.5, 0.5]);
        assert!(p.balanced > 0.7, "{p:?}");
        assert_eq!(p.top_reasons(1)[0].0, 0);
        assert!((p.bias + p.contributions.iter().sum::<f64>() - p.raw).abs() < 1e-9);
        assert!(s.predict(&[0.1, 0.5, 0.5]).balanced < 0.3);
        // Same seed, same model, whatever the threads.
        let one = Scorer::train(
            &x,
            &y,
            vec!["x0".into(), "x1".into(), "x2".into()],
            None,
            &ForestParams {
                threads: 1,
                ..params()
            },
        )
        .unwrap();
        assert_eq!(one.forest, s.forest);
        // The model survives JSON (serde_json may round the last bit of a float).
        let back: Scorer = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert!((back.predict(&[0.9, 0.5, 0.5]).balanced - p.balanced).abs() < 1e-12);
    }

    #[test]
    fn findings_name_probability_and_reasons() {
        let (x, y) = data(400, 3);
        let s = Scorer::train(
            &x,
            &y,
            vec!["cv".into(), "n".into(), "ks".into()],
            None,
            &params(),
        )
        .unwrap();
        let rows = Matrix::from_rows(&[vec![0.95, 0.5, 0.5], vec![0.05, 0.5, 0.5]]).unwrap();
        let preds = s.predict_all(&rows);
        let subjects = vec![
            Subject {
                kind: "tender".into(),
                id: "T1".into(),
                name: None,
            },
            Subject {
                kind: "tender".into(),
                id: "T2".into(),
                name: None,
            },
        ];
        let ev = vec![vec![], vec![]];
        let fp = FindingParams {
            base_rate: 0.5,
            ..FindingParams::default()
        };
        let f = findings(&s, &preds, &rows, &subjects, Category::Pro, &ev, &fp).unwrap();
        assert_eq!(f.len(), 1, "the low-risk case stays silent");
        assert_eq!(f[0].subject.id, "T1");
        assert!(
            f[0].explanation_zh.contains("cv=0.9500"),
            "{}",
            f[0].explanation_zh
        );
    }

    #[test]
    fn one_class_is_refused() {
        let (x, _) = data(50, 4);
        assert!(
            Scorer::train(
                &x,
                &[true; 50],
                vec!["a".into(), "b".into(), "c".into()],
                None,
                &params()
            )
            .is_err()
        );
    }
}
