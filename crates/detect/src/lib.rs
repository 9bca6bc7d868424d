//! The model base (模型库) of qinglian: statistical and learned detectors as pure functions.
//!
//! Each detector takes plain slices or small input structs (amounts as `i64` fen, dates as
//! [`chrono::NaiveDate`], names and identifiers as `&str`), returns a typed result that
//! carries the numbers behind its verdict, and offers a `findings` function that turns that
//! result into [`qinglian_core::Finding`] values: model id and version, a content hash of the
//! parameters, subject, amount at stake, evidence rows (given by the caller, one
//! [`qinglian_core::EvidenceRow`] per input row) and a Chinese and English explanation that
//! names the numbers.
//!
//! | module | model id | detects |
//! |---|---|---|
//! | [`benford`] | MOD-BENFORD | digit distributions far from Benford's law |
//! | [`duplicates`] | MOD-DUPLICATE | duplicate and near-duplicate payments and claims |
//! | [`threshold`] | MOD-THRESHOLD | amounts clustering just under approval/tender thresholds |
//! | [`split`] | MOD-SPLIT | purchases split to stay under a threshold |
//! | [`outliers`] | MOD-OUTLIER | peer-group robust outliers (median/MAD) |
//! | [`iforest`] | MOD-IFOREST | isolation forest with per-feature attribution |
//! | [`screens`] | MOD-BIDSCREEN | bid screens per tender (CV, spread, RD, KS …) |
//! | [`fingerprint`] | MOD-FINGERPRINT | shared machine/account fingerprints between bidders |
//! | [`cobid`] | MOD-COBID | co-bidding networks, rotation, cover bidders, loyal winners |
//! | [`relations`] | MOD-RELATION | staff to counterparties within k hops; entity resolution |
//! | [`temporal`] | MOD-TEMPORAL | non-working days, night hours, monthly surges |
//! | [`scorer`] | MOD-SCORER | supervised random forest with calibration and contributions |
//!
//! [`bids`] evaluates the bid screens and the scorer on labelled cartel data (CSV in, CSV and
//! metrics out) for the `qinglian bids` commands and the benchmark.
//!
//! Shared pieces: [`emit`] (model source with parameter hash, evidence selection, number
//! formatting), [`matrix`] (dense features, built from rows or lake columns), [`stats`]
//! (medians, MAD, binomial, hypergeometric, χ² and normal tails), [`metrics`] (ROC-AUC,
//! balanced accuracy), [`hash`] (a fast hasher for grouping maps), [`error`].
//!
//! Detectors are single-threaded unless a parameter says otherwise (`threads` of the forest
//! fitting and the isolation forest's table scoring): the engine decides how to use the
//! machine. Parameters are documented on each `Params` struct and in docs/models/.
//!
//! What this crate deliberately does not do: read the lake or any workspace file, know
//! DataFusion or Arrow, store findings, read the environment or the clock. The `rules` crate
//! feeds lake columns in and stores what comes out. The only files it touches are the CSV and
//! model files the `bids` evaluation API is pointed at.

pub mod benford;
pub mod bids;
pub mod cobid;
pub mod duplicates;
pub mod emit;
pub mod error;
pub mod fingerprint;
pub mod hash;
pub mod iforest;
pub mod matrix;
pub mod metrics;
pub mod outliers;
pub mod relations;
pub mod scorer;
pub mod screens;
pub mod split;
pub mod stats;
pub mod temporal;
pub mod threshold;

pub use emit::{Scope, model_source};
pub use error::{DetectError, Result};
