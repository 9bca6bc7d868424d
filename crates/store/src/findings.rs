//! Findings in the operational store: what rules and models reported, deduplicated by
//! fingerprint across runs, with their evidence rows and first/last seen times.
//!
//! A rerun that finds the same thing (same fingerprint) updates it and its `last_seen`; a
//! finding its source no longer reports becomes `resolved_by_data` (the data changed, nobody
//! decided anything); if it fires again later it is reopened.

use chrono::{DateTime, Utc};
use qinglian_core::{Category, Finding, Severity, SourceKind};
use serde::Serialize;

use crate::StoreError;

/// Where a finding stands as far as the data is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Reported by the latest run of its source.
    Open,
    /// Its source ran again and no longer reports it.
    ResolvedByData,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::ResolvedByData => "resolved_by_data",
        }
    }

    pub fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "open" => Ok(Self::Open),
            "resolved_by_data" => Ok(Self::ResolvedByData),
            other => Err(StoreError::Corrupt(format!(
                "unknown finding status '{other}'"
            ))),
        }
    }
}

/// A finding as kept in the store.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRecord {
    /// Stable number of the finding in this workspace.
    pub id: i64,
    pub fingerprint: String,
    pub finding: Finding,
    pub status: FindingStatus,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What one sync of a source's findings changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncCounts {
    /// Fingerprints never seen before.
    pub new: u64,
    /// Already open, seen again.
    pub updated: u64,
    /// Resolved earlier, reported again.
    pub reopened: u64,
    /// Open before, not reported now.
    pub resolved: u64,
    /// (id, fingerprint) of every finding that became open in this sync (new or
    /// reopened), in the order of the input: what the evidence ledger records.
    pub opened: Vec<(i64, String)>,
    /// Ids of the findings resolved by this sync, ascending.
    pub closed: Vec<i64>,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Rule or model id (e.g. `FUN-001`).
    pub source_id: Option<String>,
    pub category: Option<Category>,
    pub status: Option<FindingStatus>,
    pub min_severity: Option<Severity>,
    pub subject_id: Option<String>,
    /// At most this many, newest first; `None` for all.
    pub limit: Option<u64>,
}

/// Open findings per source, for summaries.
#[derive(Debug, Clone, Serialize)]
pub struct FindingCount {
    pub source_id: String,
    pub category: Category,
    pub open: u64,
    pub resolved: u64,
}

/// One finding to record, with its identity.
#[derive(Debug, Clone)]
pub struct NewFinding {
    pub fingerprint: String,
    pub finding: Finding,
}

/// What the application needs from the operational database about findings.
#[allow(async_fn_in_trait)] // used with concrete types only; no Send bound is needed across crates
pub trait FindingStore {
    /// Records everything one run of a source reported, atomically: new fingerprints are
    /// added (first_seen = last_seen = `at`), known ones updated (last_seen = `at`, their
    /// text, amount and evidence replaced, resolved ones reopened), and open findings of the
    /// source that are not in `findings` marked resolved-by-data.
    async fn sync_findings(
        &self,
        source_kind: SourceKind,
        source_id: &str,
        findings: &[NewFinding],
        at: DateTime<Utc>,
    ) -> Result<SyncCounts, StoreError>;
    /// Findings matching the filter, newest first (by last_seen, then id).
    async fn list_findings(&self, filter: &FindingFilter)
    -> Result<Vec<FindingRecord>, StoreError>;
    /// One finding with its evidence rows.
    async fn get_finding(&self, id: i64) -> Result<Option<FindingRecord>, StoreError>;
    /// Open and resolved counts per source.
    async fn finding_counts(&self) -> Result<Vec<FindingCount>, StoreError>;
}
