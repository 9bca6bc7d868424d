//! Reading source-system exports into the lake: CSV/TSV (UTF-8, GBK, GB18030), XLSX/XLS,
//! JSON Lines and Parquet, with column mapping, normalisation and validation.
//!
//! Every source row ends up either as a row of an Arrow batch written to one Parquet file,
//! or as quarantine lines naming the row, column, raw value and reason in Chinese and
//! English; the returned [`ImportStats`] reconciles `rows_read = accepted + quarantined`.
//!
//! [`read_lake_rows`] reads the rows a finding cites back out of a lake file, as display text
//! with identifiers masked, for a warning's evidence.
//!
//! This crate writes the files it is told to write and nothing else: it does not decide
//! where batches live, whether a file was imported before, or when a batch becomes
//! visible — that bookkeeping belongs to the `app` crate and the operational store.

mod encoding;
mod error;
mod keys;
mod lake;
mod lake_rows;
mod mapping;
mod normalise;
mod pipeline;
mod quarantine;
mod source;
mod worker;

pub use encoding::Encoding;
pub use error::IngestError;
pub use lake::{BATCH_COLUMN, ROW_COLUMN, arrow_schema, lake_columns};
pub use lake_rows::{LakeRow, LakeRows, read_lake_rows};
pub use mapping::Mapping;
pub use pipeline::{ImportRequest, ImportStats, Progress, import_file};
pub use quarantine::{QuarantineLine, read_quarantine};
pub use source::{Format, detect_format};
