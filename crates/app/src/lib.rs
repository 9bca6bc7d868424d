//! Use cases of the platform: create and open a workspace, import a file, report status,
//! generate and load the demo organisation, register evidence, and keep, prove, verify and
//! witness the evidence ledger ([`ledger`]).
//!
//! This crate composes the library crates (spec, ingest, store, synth, ledger) but reads no
//! environment and prints nothing: the `cli` (and later `web`) decide where a workspace
//! is, who the user is and how progress is shown.

mod config;
mod error;
mod evidence;
mod evidence_rows;
mod finding_graph;
mod import;
mod ledger_desk;
mod status;
mod workspace;

pub mod analysis;
/// The bid screens and the supervised bid scorer of the model base, over bid tables in CSV
/// (`qinglian bids`): re-exported so the binary reaches the model base through the app.
pub mod bids {
    pub use qinglian_detect::bids::*;
    pub use qinglian_detect::scorer::ForestParams;
}
pub mod demo;
pub mod eval;
pub mod ledger;
pub mod models;
pub mod rule_settings;
pub mod users;
pub mod warnings;

pub use config::Config;
pub use error::AppError;
pub use evidence::{EvidenceReceipt, add_evidence};
pub use evidence_rows::{EvidenceColumn, EvidenceTable, evidence_tables};
pub use finding_graph::{FindingGraph, GraphLink, finding_graph};
pub use import::{ImportOptions, ImportOutcome, import};
pub use import::{batch, batches, dataset_names, find_dataset, quarantine_lines};
pub use ledger_desk::{WarningEntryCheck, WarningLedgerCheck, check_warning};
pub use status::{Status, status};
pub use workspace::{Workspace, init_workspace, write_private};
