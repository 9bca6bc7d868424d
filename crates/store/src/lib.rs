//! The operational store's contract: the row types and operations the application needs
//! from its database (the "desk"), independent of which database holds them.
//!
//! `store-sqlite` is the embedded implementation; a PostgreSQL one can follow and must
//! pass the same contract tests. Only `store-*` crates know SQL; nothing here does.

use chrono::{DateTime, Utc};
use serde::Serialize;

mod console;
mod findings;
mod users;
mod warnings;
pub use console::{
    ConsoleFilter, ConsoleStore, DashboardTallies, MonthTally, RuleTally, StateTally, Verdict,
};
pub use findings::{
    FindingCount, FindingFilter, FindingRecord, FindingStatus, FindingStore, NewFinding, SyncCounts,
};
pub use users::{
    AccessEntry, ApiTokenRecord, NewAccessEntry, NewApiToken, NewUser, Role, SessionRecord,
    UserRecord, UserStore,
};
pub use warnings::{
    CaseRecord, Disposition, InboxFilter, Level, MetricRow, NewSuppression, NewWarning,
    SubjectHistory, Suppression, TransitionRecord, WarningChange, WarningRecord, WarningState,
    WarningStore,
};

/// Lifecycle of an import batch. Only `Committed` batches are visible to analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// Registered, its lake file possibly being moved into place; invisible.
    Committing,
    /// Complete and visible.
    Committed,
    /// Abandoned (interrupted or failed); its files were removed.
    Failed,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Committing => "committing",
            Self::Committed => "committed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "committing" => Ok(Self::Committing),
            "committed" => Ok(Self::Committed),
            "failed" => Ok(Self::Failed),
            other => Err(StoreError::Corrupt(format!(
                "unknown batch status '{other}'"
            ))),
        }
    }
}

/// One import batch: where it came from, what it held and where it lives in the lake.
#[derive(Debug, Clone, Serialize)]
pub struct BatchRecord {
    pub id: String,
    pub dataset: String,
    pub source_name: String,
    pub source_sha256: String,
    pub source_bytes: u64,
    pub format: String,
    pub encoding: String,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    /// The column mapping used, as JSON (source header → field).
    pub mapping: String,
    /// Lake file, relative to the workspace.
    pub lake_file: String,
    /// Quarantine file, relative to the workspace, if any row was refused.
    pub quarantine_file: Option<String>,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
    pub status: BatchStatus,
    pub note: Option<String>,
}

/// Rows and batches per dataset (committed batches only).
#[derive(Debug, Clone, Serialize)]
pub struct DatasetCount {
    pub dataset: String,
    pub batches: u64,
    pub rows: u64,
    pub quarantined: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the operational database cannot be opened at {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("database error: {0}")]
    Database(String),
    #[error(
        "the database holds data this version cannot read (this is a bug or a damaged file): {0}"
    )]
    Corrupt(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// Someone else changed the record since it was read (optimistic locking).
    #[error(
        "{what} was changed by someone else meanwhile (it is at version {actual}, you read \
         version {expected}); reload it and try again"
    )]
    Conflict {
        what: String,
        expected: i64,
        actual: i64,
    },
}

/// What the application needs from the operational database about import batches.
#[allow(async_fn_in_trait)] // used with concrete types only; no Send bound is needed across crates
pub trait BatchStore {
    /// Registers a batch in `Committing` state.
    async fn begin_batch(&self, batch: &BatchRecord) -> Result<(), StoreError>;
    /// Makes a batch visible.
    async fn commit_batch(&self, id: &str) -> Result<(), StoreError>;
    /// Marks a batch failed with a reason.
    async fn fail_batch(&self, id: &str, reason: &str) -> Result<(), StoreError>;
    /// A committed batch of the dataset with this source hash, if any.
    async fn find_committed_by_hash(
        &self,
        dataset: &str,
        sha256: &str,
    ) -> Result<Option<BatchRecord>, StoreError>;
    /// Batches in any state, newest first, optionally of one dataset.
    async fn list_batches(&self, dataset: Option<&str>) -> Result<Vec<BatchRecord>, StoreError>;
    async fn batches_in_state(&self, status: BatchStatus) -> Result<Vec<BatchRecord>, StoreError>;
    async fn dataset_counts(&self) -> Result<Vec<DatasetCount>, StoreError>;
}
