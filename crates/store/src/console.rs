//! Read models of the console that the workflow's [`crate::WarningStore`] does not offer:
//! the inbox filtered by rule (and every other filter at once), as warning ids.
//!
//! The workflow's `inbox` reads one index per filter combination and stays the fast path; this
//! is the general query the console falls back to when a person filters by rule, category,
//! date or amount. The dashboard reads tallies (counts the store keeps up to date as warnings
//! change), never every warning.

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
    /// Only warnings with an amount of at least this many fen.
    pub amount_min: Option<i64>,
    /// Only warnings with an amount of at most this many fen.
    pub amount_max: Option<i64>,
    /// Page size; 0 means 50.
    pub limit: u32,
    pub offset: u32,
}

#[allow(async_fn_in_trait)] // used with concrete types only; no Send bound is needed across crates
pub trait ConsoleStore {
    /// One page of warning ids, ordered by deadline then id.
    async fn console_inbox(&self, filter: &ConsoleFilter) -> Result<Vec<i64>, StoreError>;

    /// The dashboard's counts for one department or (with `None`) all; `today` is the Beijing
    /// day the overdue count is taken on.
    async fn dashboard_tallies(
        &self,
        department: Option<&str>,
        today: NaiveDate,
    ) -> Result<DashboardTallies, StoreError>;
}

/// Warnings counted by department, rule-id prefix and month raised (Beijing time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthTally {
    pub department: String,
    pub category: String,
    /// `YYYY-MM`.
    pub month: String,
    pub n: u64,
}

/// How people judged a warning, for a rule's precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Not judged yet.
    Open,
    /// A real problem: confirmed, rectified, referred (or in the states confirmed and
    /// rectification).
    TruePositive,
    /// Data error, legitimate, rule too broad.
    FalsePositive,
    Duplicate,
}

/// Warnings counted by rule and verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTally {
    pub source_id: String,
    pub verdict: Verdict,
    pub n: u64,
}

/// Warnings counted by level and state, with what the closure and rectification rates need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateTally {
    pub level: Level,
    pub state: WarningState,
    /// Closed on or before the deadline (Beijing day).
    pub on_time: bool,
    /// Entered rectification at some point.
    pub rectification: bool,
    /// Closed with the disposition `rectified`.
    pub rectified: bool,
    pub n: u64,
}

/// The dashboard's counts within a scope, read from tallies the store keeps as warnings
/// change (so they cost the same with a thousand warnings or a million).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardTallies {
    pub months: Vec<MonthTally>,
    pub rules: Vec<RuleTally>,
    pub states: Vec<StateTally>,
    /// Open warnings whose deadline is before the day asked for.
    pub overdue: u64,
}
