//! The data exchange specification (数据交换规范): which datasets the platform takes,
//! their typed fields with Chinese and English labels, and how a source system's headers
//! map onto them.
//!
//! This crate describes data; it does not read files (that is `ingest`) and holds no
//! values. From it come `qinglian spec`, the JSON Schemas, the CSV templates and
//! `docs/data-spec.md`, so the documents can never drift from what the importer checks.

mod catalog;
mod header;
mod model;
mod render;

pub use catalog::{DATASETS, SPEC_VERSION, dataset};
pub use header::{HeaderMatch, match_header, normalise_header};
pub use model::{Dataset, Field, FieldType};
pub use render::{csv_template, json_schema, markdown};
