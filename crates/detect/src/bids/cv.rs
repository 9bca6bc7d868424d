//! Tender-grouped stratified k-fold cross-validation within a market, and cross-market runs
//! (train on the other markets, test on one).
//!
//! Every row of a [`Market`] is a tender, so splitting rows is splitting tenders: no bid of a
//! test tender is ever seen in training. Folds are stratified by label: each class is
//! shuffled with the seed and dealt round-robin to the folds.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::features;
use super::mixture::MixtureFit;
use super::model::{self, BaseRate, TrainParams};
use super::read::Market;
use crate::error::{DetectError, Result};
use crate::metrics::{Confusion, roc_auc};
use crate::scorer::Scorer;

/// Tender-level metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub tenders: usize,
    pub collusive: usize,
    pub balanced_accuracy: Option<f64>,
    pub roc_auc: Option<f64>,
    pub recall_collusive: Option<f64>,
    pub recall_competitive: Option<f64>,
    pub precision: Option<f64>,
}

impl Metrics {
    pub fn new(scores: &[f64], flags: &[bool], labels: &[bool]) -> Self {
        let c = Confusion::new(flags, labels);
        Self {
            tenders: labels.len(),
            collusive: labels.iter().filter(|&&l| l).count(),
            balanced_accuracy: c.balanced_accuracy(),
            roc_auc: roc_auc(scores, labels),
            recall_collusive: c.recall_positive(),
            recall_competitive: c.recall_negative(),
            precision: c.precision(),
        }
    }
}

/// One out-of-fold prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OofPrediction {
    pub tender: String,
    pub fold: usize,
    /// Probability at the training folds' base rate.
    pub score: f64,
    pub flag: bool,
    pub label: bool,
}

/// Cross-validation parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvParams {
    /// Default 5.
    pub folds: usize,
    pub seed: u64,
    pub train: TrainParams,
}

impl Default for CvParams {
    fn default() -> Self {
        Self {
            folds: 5,
            seed: 7,
            train: TrainParams::default(),
        }
    }
}

/// Result of [`cross_validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    pub market: String,
    pub predictions: Vec<OofPrediction>,
    pub metrics: Metrics,
    /// ROC-AUC of the unsupervised screen score on the same tenders.
    pub screen_auc: Option<f64>,
}

/// Fold of each position, stratified by label.
pub fn stratified_folds(labels: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold = vec![0; labels.len()];
    let mut dealt = 0;
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        idx.shuffle(&mut rng);
        for i in idx {
            fold[i] = dealt % k;
            dealt += 1;
        }
    }
    fold
}

/// k-fold cross-validation of a model trained with `p.train` on `market`'s labelled tenders.
pub fn cross_validate(market: &Market, p: &CvParams) -> Result<CvReport> {
    if !market.has_label {
        return Err(DetectError::NotEnoughData(format!(
            "{} has no label column; pass --label",
            market.name
        )));
    }
    if p.folds < 2 || p.folds > market.tenders.len() {
        return Err(DetectError::InvalidParam {
            name: "folds",
            reason: format!(
                "{} folds for {} tenders; use 2 to the number of tenders",
                p.folds,
                market.tenders.len()
            ),
        });
    }
    let labels = market.labels();
    let folds = stratified_folds(&labels, p.folds, p.seed);
    let winner =
        p.train.use_winner && p.train.features == features::FeatureSet::Full && market.has_winner;
    // Features of the whole market (the portable standardisation uses no labels).
    let (x, names) = features::market_matrix(market, p.train.features, winner);
    let mut preds: Vec<Option<OofPrediction>> = vec![None; labels.len()];
    for f in 0..p.folds {
        let tr: Vec<usize> = (0..labels.len()).filter(|&i| folds[i] != f).collect();
        let te: Vec<usize> = (0..labels.len()).filter(|&i| folds[i] == f).collect();
        let y: Vec<bool> = tr.iter().map(|&i| labels[i]).collect();
        let pos = y.iter().filter(|&&l| l).count() as f64;
        let (npos, nneg) = (pos, y.len() as f64 - pos);
        let w: Vec<f64> = y
            .iter()
            .map(|&l| if l { 0.5 / npos } else { 0.5 / nneg } * y.len() as f64)
            .collect();
        let forest = crate::scorer::ForestParams {
            seed: p.train.forest.seed.wrapping_add(f as u64),
            ..p.train.effective_forest()
        };
        let scorer = Scorer::train(&x.select_rows(&tr), &y, names.clone(), Some(&w), &forest)?;
        let rate = pos / y.len() as f64;
        for &i in &te {
            let pr = scorer.predict(x.row(i));
            preds[i] = Some(OofPrediction {
                tender: market.tenders[i].id.clone(),
                fold: f,
                score: pr.probability(rate),
                flag: pr.balanced >= 0.5,
                label: labels[i],
            });
        }
    }
    let predictions: Vec<OofPrediction> = preds.into_iter().flatten().collect();
    let metrics = Metrics::new(
        &predictions.iter().map(|p| p.score).collect::<Vec<_>>(),
        &predictions.iter().map(|p| p.flag).collect::<Vec<_>>(),
        &labels,
    );
    Ok(CvReport {
        market: market.name.clone(),
        predictions,
        metrics,
        screen_auc: screen_auc(market),
    })
}

/// ROC-AUC of the unsupervised screen score (tenders without a CV score lowest).
pub fn screen_auc(market: &Market) -> Option<f64> {
    let s: Vec<f64> = model::screen_scores(market)
        .into_iter()
        .map(|v| v.unwrap_or(f64::NEG_INFINITY))
        .collect();
    roc_auc(&s, &market.labels())
}

/// One cross-market run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossReport {
    pub test: String,
    pub train: Vec<String>,
    pub metrics: Metrics,
    /// Base rate estimated on the test market without labels (the mixture's share when its
    /// fit is credible, else EM), the EM estimate, and the true one.
    pub estimated_base_rate: f64,
    pub em_base_rate: f64,
    pub true_base_rate: f64,
    /// The mixture fitted on the test market (it set the flags if credible).
    pub mixture: Option<MixtureFit>,
    /// Mean predicted probability at the estimated base rate.
    pub mean_score: f64,
}

/// For each market, trains on all the others and tests on it.
pub fn cross_market(markets: &[Market], p: &TrainParams) -> Result<Vec<CrossReport>> {
    if markets.len() < 2 {
        return Err(DetectError::NotEnoughData(
            "cross-market runs need at least two markets".into(),
        ));
    }
    let mut out = Vec::new();
    for (k, test) in markets.iter().enumerate() {
        let train: Vec<&Market> = markets
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, m)| m)
            .collect();
        let m = model::train_refs(&train, p)?;
        let scored = model::score(&m, test, BaseRate::Estimate)?;
        let labels = test.labels();
        let scores: Vec<f64> = scored.tenders.iter().map(|t| t.score).collect();
        out.push(CrossReport {
            test: test.name.clone(),
            train: m.train_markets.clone(),
            metrics: Metrics::new(
                &scores,
                &scored.tenders.iter().map(|t| t.flag).collect::<Vec<_>>(),
                &labels,
            ),
            estimated_base_rate: scored.base_rate,
            em_base_rate: scored.em_base_rate,
            true_base_rate: test.base_rate(),
            mixture: scored.mixture,
            mean_score: scores.iter().sum::<f64>() / scores.len().max(1) as f64,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_seeded() {
        let labels: Vec<bool> = (0..50).map(|i| i < 10).collect();
        let f = stratified_folds(&labels, 5, 1);
        for k in 0..5 {
            assert_eq!((0..50).filter(|&i| f[i] == k && labels[i]).count(), 2);
            assert_eq!((0..50).filter(|&i| f[i] == k).count(), 10);
        }
        assert_eq!(f, stratified_folds(&labels, 5, 1));
        assert_ne!(f, stratified_folds(&labels, 5, 2));
    }
}
