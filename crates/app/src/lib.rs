//! Use cases of the platform: create and open a workspace, import a file, report status,
//! generate and load the demo organisation.
//!
//! This crate composes the library crates (spec, ingest, store, synth) but reads no
//! environment and prints nothing: the `cli` (and later `web`) decide where a workspace
//! is, who the user is and how progress is shown.

mod config;
mod error;
mod import;
mod status;
mod workspace;

pub mod demo;

pub use config::Config;
pub use error::AppError;
pub use import::find_dataset;
pub use import::{ImportOptions, ImportOutcome, import};
pub use status::{Status, status};
pub use workspace::{Workspace, init_workspace};
