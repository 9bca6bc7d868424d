//! Bid-rigging evaluation on labelled tenders: the library behind `qinglian bids
//! screens|train|score|cv` and the cartel benchmark.
//!
//! Reads a bid-level CSV given the names of its tender, bid, winner and label columns
//! ([`read_csv`]), computes per-tender features from the bid values and the winner flag only
//! ([`features`]; never a file's precomputed screens, never dates), and trains, scores and
//! cross-validates the supervised scorer ([`crate::scorer`]) on them.
//!
//! - [`screens_per_tender`]: one row per tender with every screen and the unsupervised
//!   screen score.
//! - [`train`] / [`score`]: a model from one or more labelled markets, applied to another;
//!   probabilities expressed at a base rate given, the training one, or estimated on the
//!   scored market; for a portable model in a new market, a mixture on ln CV whose shape
//!   was learned in training sets the flag and the estimated base rate ([`mixture`]).
//! - [`cross_validate`]: tender-grouped stratified k-fold within a market.
//! - [`cross_market`]: train on the other markets, test on each in turn.

pub mod cv;
pub mod features;
pub mod mixture;
pub mod model;
pub mod read;
mod write;

pub use cv::{
    CrossReport, CvParams, CvReport, Metrics, OofPrediction, cross_market, cross_validate,
    screen_auc, stratified_folds,
};
pub use features::FeatureSet;
pub use mixture::{MixtureFit, MixtureShape};
pub use model::{
    BaseRate, BidModel, Scored, TenderScore, TrainParams, express, score, screen_scores, train,
};
pub use read::{Columns, Market, TenderBids, read_csv, read_from};
pub use write::{write_cv, write_scores, write_screens};

use serde::{Deserialize, Serialize};

use crate::screens::{self, Screens};

/// One tender's screens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderScreens {
    pub tender: String,
    pub screens: Screens,
    /// Unsupervised, market-relative score ([`screens::market_scores`]).
    pub screen_score: Option<f64>,
}

/// Screens of every tender of a market.
pub fn screens_per_tender(market: &Market) -> Vec<TenderScreens> {
    let s: Vec<Screens> = market
        .tenders
        .iter()
        .map(|t| screens::compute(&t.bids))
        .collect();
    let scores = screens::market_scores(&s);
    market
        .tenders
        .iter()
        .zip(s)
        .zip(scores)
        .map(|((t, screens), screen_score)| TenderScreens {
            tender: t.id.clone(),
            screens,
            screen_score,
        })
        .collect()
}
