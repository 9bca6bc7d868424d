//! Read models of the console that the workflow's [`crate::WarningStore`] does not offer:
//! the inbox filtered by rule (and every other filter at once), as warning ids.
//!
//! The workflow's `inbox` reads one index per filter combination and stays the fast path; this
//! is the general query the console falls back to when a person filters by rule.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Level, StoreError, WarningState};

/// Every filter of the console's inbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsoleFilter {
    pub department: Option<String>,
    pub level: Option<Level>,
    pub state: Option<WarningState>,
    /// Rule or model id.
    pub source_id: Option<String>,
    /// Rule-id prefix (the rule's category), e.g. `FUN` for `FUN-009`.
    pub category: Option<String>,
    /// Only open warnings whose deadline is before this day.
    pub overdue_on: Option<NaiveDate>,
    pub include_closed: bool,
    /// Only warnings raised at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only warnings raised before this instant.
    pub created_to: Option<DateTime<Utc>>,
    /// Page size; 0 means 50.
    pub limit: u32,
    pub offset: u32,
}

#[allow(async_fn_in_trait)] // used with concrete types only; no Send bound is needed across crates
pub trait ConsoleStore {
    /// One page of warning ids, ordered by deadline then id.
    async fn console_inbox(&self, filter: &ConsoleFilter) -> Result<Vec<i64>, StoreError>;
}
