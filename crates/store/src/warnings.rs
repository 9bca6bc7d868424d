//! Warnings (预警), their append-only history, cases (线索/案件) and suppressions in the
//! operational store.
//!
//! The row types and the [`WarningStore`] contract only; what a transition may do is the
//! `workflow` crate's business, and the SQL is `store-sqlite`'s. Every change of a warning
//! row is guarded by its `version` (optimistic locking): a writer names the version it read,
//! and a writer that lost the race gets [`StoreError::Conflict`] instead of overwriting.

use chrono::{DateTime, NaiveDate, Utc};
use qinglian_core::Severity;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The three warning levels (三级预警).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Level 1: pushed to the responsible department (部门联络员).
    Department,
    /// Level 2: an inspector verifies (纪检专员).
    Inspector,
    /// Level 3: the committee decides (党委 / 领导小组).
    Committee,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Department, Level::Inspector, Level::Committee];

    pub fn number(self) -> u8 {
        match self {
            Self::Department => 1,
            Self::Inspector => 2,
            Self::Committee => 3,
        }
    }

    pub fn from_number(n: i64) -> Option<Level> {
        match n {
            1 => Some(Self::Department),
            2 => Some(Self::Inspector),
            3 => Some(Self::Committee),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::Inspector => "inspector",
            Self::Committee => "committee",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Department => "一级预警（部门）",
            Self::Inspector => "二级预警（纪检专员）",
            Self::Committee => "三级预警（党委）",
        }
    }

    /// The next level up, if any.
    pub fn up(self) -> Option<Level> {
        Self::from_number(i64::from(self.number()) + 1)
    }

    /// The next level down, if any.
    pub fn down(self) -> Option<Level> {
        Self::from_number(i64::from(self.number()) - 1)
    }

    /// `1`, `2`, `3`, or the names `department`, `inspector`, `committee`.
    pub fn parse(s: &str) -> Result<Level, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1" | "department" => Ok(Self::Department),
            "2" | "inspector" => Ok(Self::Inspector),
            "3" | "committee" => Ok(Self::Committee),
            other => Err(format!(
                "unknown level '{other}': use 1 (department), 2 (inspector) or 3 (committee)"
            )),
        }
    }
}

/// Where a warning stands in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningState {
    New,
    Assigned,
    /// The department explained or rectified.
    Responded,
    /// An inspector is verifying (核查).
    Verifying,
    /// Closed: not a real problem.
    ClosedFalsePositive,
    /// Verified as a real problem.
    Confirmed,
    /// The cause is being fixed (整改).
    Rectification,
    Closed,
}

impl WarningState {
    pub const ALL: [WarningState; 8] = [
        Self::New,
        Self::Assigned,
        Self::Responded,
        Self::Verifying,
        Self::ClosedFalsePositive,
        Self::Confirmed,
        Self::Rectification,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Assigned => "assigned",
            Self::Responded => "responded",
            Self::Verifying => "verifying",
            Self::ClosedFalsePositive => "closed_false_positive",
            Self::Confirmed => "confirmed",
            Self::Rectification => "rectification",
            Self::Closed => "closed",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::New => "新建",
            Self::Assigned => "已分派",
            Self::Responded => "已反馈",
            Self::Verifying => "核查中",
            Self::ClosedFalsePositive => "已办结（误报）",
            Self::Confirmed => "已查实",
            Self::Rectification => "整改中",
            Self::Closed => "已办结",
        }
    }

    /// Closed states take no action but reopening.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::ClosedFalsePositive | Self::Closed)
    }

    pub fn parse(s: &str) -> Result<WarningState, String> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == t)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown state '{s}': use one of {}", names.join(", "))
            })
    }
}

/// The outcome of a warning (处置), with its reason code; precision per rule is counted from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// A real problem.
    Confirmed,
    /// False positive: the source data was wrong.
    DataError,
    /// False positive: what happened was legitimate.
    Legitimate,
    /// False positive: the rule catches too much.
    RuleTooBroad,
    /// Another warning already covers it.
    Duplicate,
    /// Confirmed and fixed (整改完成).
    Rectified,
    /// Confirmed and handed on (移送) for an accountability action.
    Referred,
}

impl Disposition {
    pub const ALL: [Disposition; 7] = [
        Self::Confirmed,
        Self::DataError,
        Self::Legitimate,
        Self::RuleTooBroad,
        Self::Duplicate,
        Self::Rectified,
        Self::Referred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::DataError => "data_error",
            Self::Legitimate => "legitimate",
            Self::RuleTooBroad => "rule_too_broad",
            Self::Duplicate => "duplicate",
            Self::Rectified => "rectified",
            Self::Referred => "referred",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Confirmed => "查实",
            Self::DataError => "误报：数据错误",
            Self::Legitimate => "误报：业务合规",
            Self::RuleTooBroad => "误报：规则过宽",
            Self::Duplicate => "重复预警",
            Self::Rectified => "已整改",
            Self::Referred => "已移送",
        }
    }

    /// A false positive (the rule or the data was wrong); duplicates are neither.
    pub fn is_false_positive(self) -> bool {
        matches!(
            self,
            Self::DataError | Self::Legitimate | Self::RuleTooBroad
        )
    }

    /// The warning pointed at a real problem.
    pub fn is_true_positive(self) -> bool {
        matches!(self, Self::Confirmed | Self::Rectified | Self::Referred)
    }

    pub fn parse(s: &str) -> Result<Disposition, String> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == t)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|d| d.as_str()).collect();
                format!("unknown reason code '{s}': use one of {}", names.join(", "))
            })
    }
}

/// A warning as kept in the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarningRecord {
    pub id: i64,
    /// The finding it was raised from (none for warnings raised by hand).
    pub finding_id: Option<i64>,
    /// Rule or model id.
    pub source_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_name: Option<String>,
    /// The department that answers.
    pub department: String,
    pub severity: Severity,
    pub amount_fen: Option<i64>,
    pub title_zh: String,
    pub title_en: String,
    pub level: Level,
    /// Why the policy chose the initial level, as JSON written by the workflow.
    pub level_reason: String,
    pub state: WarningState,
    pub assignee: Option<String>,
    pub disposition: Option<Disposition>,
    /// Last working day to act at the current level.
    pub deadline: NaiveDate,
    /// The last day a reminder was sent for the current deadline.
    pub reminded_on: Option<NaiveDate>,
    pub case_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Bumped by every change; the optimistic lock.
    pub version: i64,
}

/// A warning to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWarning {
    pub finding_id: Option<i64>,
    pub source_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_name: Option<String>,
    pub department: String,
    pub severity: Severity,
    pub amount_fen: Option<i64>,
    pub title_zh: String,
    pub title_en: String,
    pub level: Level,
    pub level_reason: String,
    pub state: WarningState,
    pub assignee: Option<String>,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// One entry of a warning's history (append-only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionRecord {
    pub warning_id: i64,
    /// The warning's version after this entry (1 for its creation).
    pub seq: i64,
    /// e.g. `raise`, `assign`, `respond`, `escalate`, `merge`.
    pub action: String,
    pub from_state: Option<WarningState>,
    pub to_state: WarningState,
    pub from_level: Option<Level>,
    pub to_level: Level,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    pub disposition: Option<Disposition>,
    /// References to attached files (e.g. evidence SHA-256s).
    pub attachments: Vec<String>,
}

/// The new values of a warning after a transition. `seq`/version is decided by the store.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningChange {
    pub state: WarningState,
    pub level: Level,
    pub assignee: Option<String>,
    pub disposition: Option<Disposition>,
    pub deadline: NaiveDate,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Clear `reminded_on` (a new deadline gets new reminders).
    pub reset_reminder: bool,
}

/// The inbox: which warnings, one page, ordered by deadline then id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InboxFilter {
    pub department: Option<String>,
    pub level: Option<Level>,
    pub state: Option<WarningState>,
    pub assignee: Option<String>,
    /// Only warnings whose deadline is before this day (overdue on it) and still open.
    pub overdue_on: Option<NaiveDate>,
    /// Also closed warnings (ignored when `state` is given).
    pub include_closed: bool,
    pub case_id: Option<i64>,
    /// Page size; 0 means 50.
    pub limit: u32,
    pub offset: u32,
}

/// How often a subject already drew warnings, for the level policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SubjectHistory {
    /// Earlier warnings on the subject from the same rule or model.
    pub same_source: u64,
    /// Earlier warnings on the subject from any source.
    pub all: u64,
    /// Earlier warnings on the subject that were confirmed (查实, rectified or referred).
    pub confirmed: u64,
}

/// A merged group of related warnings (线索/案件), which can also take in reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRecord {
    pub id: i64,
    pub title: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub warnings: Vec<i64>,
    /// Whistleblower reports taken into the case (their ids).
    pub reports: Vec<String>,
}

/// A rule or a subject (or a rule on one subject) whose warnings are held back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppression {
    pub id: i64,
    pub source_id: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

impl Suppression {
    pub fn is_active(&self, at: DateTime<Utc>) -> bool {
        self.lifted_at.is_none() && self.expires_at > at
    }
}

/// A suppression to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSuppression {
    pub source_id: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The few columns the metrics need, one per warning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub source_id: String,
    pub department: String,
    pub level: Level,
    pub state: WarningState,
    pub disposition: Option<Disposition>,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Went through rectification (整改) at some point.
    pub rectification: bool,
}

/// What the workflow needs from the operational database about warnings.
#[allow(async_fn_in_trait)] // used with concrete types only; no Send bound is needed across crates
pub trait WarningStore {
    /// Adds a warning and its first history entry (`seq` 1) atomically; returns it.
    async fn insert_warning(
        &self,
        warning: &NewWarning,
        first: &TransitionRecord,
    ) -> Result<WarningRecord, StoreError>;
    async fn get_warning(&self, id: i64) -> Result<Option<WarningRecord>, StoreError>;
    /// The warning raised from this finding, if any.
    async fn warning_for_finding(&self, finding_id: i64) -> Result<Option<i64>, StoreError>;
    /// Applies a change if the warning is still at `expected_version`, appending `entry`
    /// (its `seq` set to the new version) in the same transaction. A stale version gives
    /// [`StoreError::Conflict`], an unknown id [`StoreError::NotFound`].
    async fn apply_change(
        &self,
        id: i64,
        expected_version: i64,
        change: &WarningChange,
        entry: &TransitionRecord,
    ) -> Result<WarningRecord, StoreError>;
    /// Records that a reminder went out (no version change; not a transition).
    async fn mark_reminded(&self, id: i64, on: NaiveDate) -> Result<(), StoreError>;
    /// The history of a warning, oldest first.
    async fn history(&self, id: i64) -> Result<Vec<TransitionRecord>, StoreError>;
    /// Every warning's history in (warning, seq) order, one page after `after` (a
    /// `(warning_id, seq)` already read, `None` to start): what `ledger verify` compares
    /// with the ledger's `warning_transition` entries.
    async fn history_page(
        &self,
        after: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<TransitionRecord>, StoreError>;
    /// One page of the inbox, ordered by deadline then id.
    async fn inbox(&self, filter: &InboxFilter) -> Result<Vec<WarningRecord>, StoreError>;
    /// Open warnings by level whose deadline is on or before `by` (reminders and breaches).
    async fn open_due_by(
        &self,
        by: NaiveDate,
        limit: u32,
    ) -> Result<Vec<WarningRecord>, StoreError>;
    /// Open warnings per assignee among `assignees` (for load balancing); absent ones have 0.
    async fn open_load(&self, assignees: &[String]) -> Result<Vec<(String, u64)>, StoreError>;
    async fn subject_history(
        &self,
        subject_kind: &str,
        subject_id: &str,
        source_id: &str,
    ) -> Result<SubjectHistory, StoreError>;
    /// Creates a case holding the warnings (taken out of any case they were in), appending a
    /// `merge` entry to each warning's history. Returns the case.
    async fn merge_into_case(
        &self,
        title: &str,
        warnings: &[i64],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<CaseRecord, StoreError>;
    /// Takes warnings out of their case (a `split` entry each); with `new_title`, they form a
    /// new case together. Returns the new case, if one was made.
    async fn split_from_case(
        &self,
        case_id: i64,
        warnings: &[i64],
        new_title: Option<&str>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<CaseRecord>, StoreError>;
    async fn get_case(&self, id: i64) -> Result<Option<CaseRecord>, StoreError>;
    /// Cases, newest first, at most `limit`.
    async fn list_cases(&self, limit: u32) -> Result<Vec<CaseRecord>, StoreError>;
    /// Attaches a whistleblower report to a case.
    async fn add_report_to_case(
        &self,
        case_id: i64,
        report_id: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn add_suppression(&self, s: &NewSuppression) -> Result<Suppression, StoreError>;
    /// Ends a suppression early (kept, with who and why).
    async fn lift_suppression(
        &self,
        id: i64,
        actor: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Suppression, StoreError>;
    /// All suppressions, newest first (lifted and expired ones too: they are the audit trail).
    async fn list_suppressions(&self) -> Result<Vec<Suppression>, StoreError>;
    /// The active suppression that covers this source on this subject, if any.
    async fn active_suppression(
        &self,
        source_id: &str,
        subject_kind: &str,
        subject_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Suppression>, StoreError>;
    /// One row per warning created in `[from, to)`, for the metrics.
    async fn metric_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MetricRow>, StoreError>;

    /// (subject id, disposition) of every warning on a subject of `subject_kind` that has a
    /// disposition — the workspace's judgements, for training a model on them.
    async fn dispositions_of(
        &self,
        subject_kind: &str,
    ) -> Result<Vec<(String, Disposition)>, StoreError>;
}
