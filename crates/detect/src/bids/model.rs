//! Training a bid model on one or more markets and scoring a market with it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::features::{self, FeatureSet};
use super::mixture::{self, MixtureFit, MixtureShape};
use super::read::Market;
use crate::error::{DetectError, Result};
use crate::matrix::Matrix;
use crate::scorer::{ForestParams, Prediction, Scorer, calibrate};
use crate::screens;

/// Model file format tag.
pub const FORMAT: &str = "qinglian-bids/1";

/// Training parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    pub features: FeatureSet,
    /// Use the winner flag when every training market has one. Default true.
    pub use_winner: bool,
    pub forest: ForestParams,
}

impl Default for TrainParams {
    fn default() -> Self {
        Self::for_features(FeatureSet::Full)
    }
}

impl TrainParams {
    /// Defaults for a feature set: the full set with leaves of 5 tenders; the portable set
    /// with leaves of 20 (smoother, for markets it has not seen).
    pub fn for_features(features: FeatureSet) -> Self {
        let min_leaf = match features {
            FeatureSet::Full | FeatureSet::Screens => 5,
            FeatureSet::Portable => 20,
        };
        Self {
            features,
            use_winner: true,
            forest: ForestParams {
                min_leaf,
                ..ForestParams::default()
            },
        }
    }

    /// The forest parameters as fitted: the portable set is always constrained to predict
    /// collusion falling as each (standardised) variance screen grows.
    pub fn effective_forest(&self) -> ForestParams {
        let mut f = self.forest.clone();
        if self.features == FeatureSet::Portable && f.monotone.is_empty() {
            f.monotone = features::portable_monotone();
        }
        f
    }
}

/// A trained bid model, as saved to MODEL.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BidModel {
    pub format: String,
    pub features: FeatureSet,
    pub use_winner: bool,
    pub train_markets: Vec<String>,
    /// Mean of the training markets' shares of collusive tenders.
    pub train_base_rate: f64,
    pub scorer: Scorer,
    /// Portable models: how the collusive tenders' ln CV sits relative to the competitive
    /// ones' in the training markets ([`mixture`]); sets the flag and the base rate in a
    /// scored market. Absent in full models and in files written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixture: Option<MixtureShape>,
}

impl BidModel {
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec(self).map_err(|e| {
            DetectError::Model(format!("cannot serialise the model: {e} (this is a bug)"))
        })?;
        std::fs::write(path, json).map_err(|source| DetectError::Io {
            path: path.to_owned(),
            source,
        })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let raw = std::fs::read(path).map_err(|source| DetectError::Io {
            path: path.to_owned(),
            source,
        })?;
        let m: BidModel = serde_json::from_slice(&raw).map_err(|e| {
            DetectError::Model(format!(
                "{}: not a bid model file ({e}); train one with `bids train`",
                path.display()
            ))
        })?;
        if m.format != FORMAT {
            return Err(DetectError::Model(format!(
                "{}: format {} is not {FORMAT}; retrain the model with this version",
                path.display(),
                m.format
            )));
        }
        Ok(m)
    }
}

/// Per-row weights giving each market equal total weight and, within it, each class half.
pub(crate) fn market_weights(markets: &[&Market]) -> Vec<f64> {
    let total: usize = markets.iter().map(|m| m.tenders.len()).sum();
    let per_market = total as f64 / markets.len() as f64;
    markets
        .iter()
        .flat_map(|m| {
            let labels = m.labels();
            let pos = labels.iter().filter(|&&l| l).count() as f64;
            let neg = labels.len() as f64 - pos;
            labels.into_iter().map(move |l| {
                let class = if l { pos } else { neg };
                if class > 0.0 {
                    per_market / (2.0 * class)
                } else {
                    0.0
                }
            })
        })
        .collect()
}

pub(crate) fn stack(markets: &[&Market], set: FeatureSet, winner: bool) -> (Matrix, Vec<String>) {
    let mats: Vec<(Matrix, Vec<String>)> = markets
        .iter()
        .map(|m| features::market_matrix(m, set, winner))
        .collect();
    let names = mats
        .first()
        .map(|m| m.1.clone())
        .unwrap_or_else(|| features::names(set, winner));
    let rows: Vec<Vec<f64>> = mats
        .iter()
        .flat_map(|(x, _)| {
            (0..x.n_rows())
                .map(|i| x.row(i).to_vec())
                .collect::<Vec<_>>()
        })
        .collect();
    (
        Matrix::from_rows(&rows).expect("markets share one feature layout (this is a bug)"),
        names,
    )
}

/// Trains on the labelled tenders of `markets` (each standardised on itself for the portable
/// set, each given equal weight with balanced classes).
pub fn train(markets: &[Market], p: &TrainParams) -> Result<BidModel> {
    if markets.is_empty() {
        return Err(DetectError::NotEnoughData("no training file given".into()));
    }
    if let Some(m) = markets.iter().find(|m| !m.has_label) {
        return Err(DetectError::NotEnoughData(format!(
            "{} has no label column; pass --label",
            m.name
        )));
    }
    let refs: Vec<&Market> = markets.iter().collect();
    train_refs(&refs, p)
}

pub(crate) fn train_refs(markets: &[&Market], p: &TrainParams) -> Result<BidModel> {
    let winner =
        p.use_winner && p.features == FeatureSet::Full && markets.iter().all(|m| m.has_winner);
    let (x, names) = stack(markets, p.features, winner);
    let y: Vec<bool> = markets.iter().flat_map(|m| m.labels()).collect();
    let w = market_weights(markets);
    let scorer = Scorer::train(&x, &y, names, Some(&w), &p.effective_forest())?;
    Ok(BidModel {
        format: FORMAT.into(),
        features: p.features,
        use_winner: winner,
        train_markets: markets.iter().map(|m| m.name.clone()).collect(),
        train_base_rate: markets.iter().map(|m| m.base_rate()).sum::<f64>() / markets.len() as f64,
        scorer,
        mixture: if p.features == FeatureSet::Portable {
            MixtureShape::learn(markets)
        } else {
            None
        },
    })
}

/// The base rate at which scores are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum BaseRate {
    /// The training markets' mean share.
    Training,
    /// Estimated on the scored market without labels: the mixture's share when the model
    /// has a mixture shape and its fit is credible, else EM on the forest's predictions.
    Estimate,
    Given(f64),
}

/// One tender's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderScore {
    pub tender: String,
    /// Probability of collusion at the chosen base rate.
    pub score: f64,
    /// Probability at base rate ½ (likelihood-ratio scale).
    pub balanced: f64,
    /// Looks more like the cartels than the competitive tenders: balanced ≥ ½, or, when a
    /// credible mixture fit sets the flag ([`Scored::mixture`]), among the mixture's flag
    /// share of the market's tenders with the highest scores.
    pub flag: bool,
    /// Features that raised the score most, with their contributions.
    pub reasons: Vec<(String, f64)>,
}

/// A scored market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub base_rate: f64,
    /// EM estimate of the base rate from the forest's predictions (reported also when the
    /// mixture's share is used).
    pub em_base_rate: f64,
    /// The mixture fitted on the scored market (portable models); it sets the flags and the
    /// estimated base rate only if `credible`.
    pub mixture: Option<MixtureFit>,
    pub tenders: Vec<TenderScore>,
}

impl Scored {
    /// The mixture fit, if it set the flags.
    pub fn mixture_used(&self) -> Option<&MixtureFit> {
        self.mixture.as_ref().filter(|m| m.credible)
    }
}

/// Scores every tender of `market`.
pub fn score(model: &BidModel, market: &Market, base_rate: BaseRate) -> Result<Scored> {
    if model.use_winner && !market.has_winner {
        return Err(DetectError::Model(
            "the model uses the winner flag; pass --winner COL, or train without it".into(),
        ));
    }
    let (x, names) = features::market_matrix(market, model.features, model.use_winner);
    if names != model.scorer.feature_names {
        return Err(DetectError::Model(
            "the model's features differ from this version's; retrain it".into(),
        ));
    }
    let preds: Vec<Prediction> = model.scorer.predict_all(&x);
    Ok(express(model, market, &preds, base_rate))
}

/// The scores of `market` from predictions already made (`preds[i]` for its tender i) —
/// what [`score`] does after predicting, for a caller that needs the predictions too.
pub fn express(
    model: &BidModel,
    market: &Market,
    preds: &[Prediction],
    base_rate: BaseRate,
) -> Scored {
    let balanced: Vec<f64> = preds.iter().map(|p| p.balanced).collect();
    let em = calibrate::estimate_prior(&balanced, 0.5);
    // Not enough tenders with a CV, or a bad shape: no mixture, the forest's own flag.
    let fit = model.mixture.and_then(|shape| {
        let x: Vec<f64> = mixture::ln_cvs(market).into_iter().flatten().collect();
        mixture::fit(&x, &shape).ok()
    });
    let used = fit.filter(|f| f.credible);
    let rate = match base_rate {
        BaseRate::Training => model.train_base_rate,
        BaseRate::Estimate => used.map_or(em, |f| f.share),
        BaseRate::Given(r) => r,
    }
    .clamp(1e-4, 1.0 - 1e-4);
    let flags: Vec<bool> = match used {
        Some(f) => mixture::flag_top_share(&balanced, f.flag_share),
        None => balanced.iter().map(|&b| b >= 0.5).collect(),
    };
    let tenders = market
        .tenders
        .iter()
        .zip(preds)
        .zip(flags)
        .map(|((t, p), flag)| TenderScore {
            tender: t.id.clone(),
            score: p.probability(rate),
            balanced: p.balanced,
            flag,
            reasons: p
                .top_reasons(3)
                .into_iter()
                .map(|(j, c)| (model.scorer.feature_names[j].clone(), c))
                .collect(),
        })
        .collect();
    Scored {
        base_rate: rate,
        em_base_rate: em,
        mixture: fit,
        tenders,
    }
}

/// The unsupervised screen score of every tender ([`screens::market_scores`]: how far below
/// the market's CV a tender's CV is); what a user without labels gets.
pub fn screen_scores(market: &Market) -> Vec<Option<f64>> {
    let s: Vec<screens::Screens> = market
        .tenders
        .iter()
        .map(|t| screens::compute(&t.bids))
        .collect();
    screens::market_scores(&s)
}
