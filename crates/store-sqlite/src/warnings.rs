//! [`WarningStore`] on SQLite: `warnings`, `warning_transitions`, `warning_cases`,
//! `case_reports` and `suppressions` (migration 0003).
//!
//! Times are stored as RFC 3339 in UTC with microseconds and a `Z`, so that text order is
//! time order; days as `YYYY-MM-DD`. The history table refuses UPDATE and DELETE by trigger.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use qinglian_core::Severity;
use qinglian_store::{
    CaseRecord, Disposition, InboxFilter, Level, MetricRow, NewSuppression, NewWarning, StoreError,
    SubjectHistory, Suppression, TransitionRecord, WarningChange, WarningRecord, WarningState,
    WarningStore,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::{SqliteStore, db};

macro_rules! warning_columns {
    () => {
        "id, finding_id, source_id, subject_kind, subject_id, subject_name, department, severity, \
         amount_fen, title_zh, title_en, level, level_reason, state, assignee, disposition, deadline, \
         reminded_on, case_id, created_at, updated_at, confirmed_at, closed_at, version"
    };
}

macro_rules! transition_columns {
    () => {
        "warning_id, seq, action, from_state, to_state, from_level, to_level, actor, at, comment, \
         disposition, attachments"
    };
}

macro_rules! suppression_columns {
    () => {
        "id, source_id, subject_kind, subject_id, reason, created_by, created_at, expires_at, \
         lifted_by, lifted_at, lift_reason"
    };
}

/// One inbox query: the three equality filters as given (`col = ?n`) or absent (`?n IS NULL`),
/// so each variant is a static string whose index serves both the filter and the order.
macro_rules! inbox_sql {
    ($dept:literal, $level:literal, $state:literal) => {
        concat!(
            "SELECT ",
            warning_columns!(),
            " FROM warnings WHERE ",
            $dept,
            " AND ",
            $level,
            " AND ",
            $state,
            " AND (?4 IS NULL OR assignee = ?4) AND (?5 IS NULL OR (is_open = 1 AND deadline < ?5)) \
             AND (?6 IS NULL OR case_id = ?6) ORDER BY deadline, id LIMIT ?7 OFFSET ?8"
        )
    };
}

/// The inbox including closed warnings without a state filter: the open and the closed arm
/// each read in deadline order from their index and SQLite merges them (no sort of the table).
macro_rules! inbox_all_sql {
    ($dept:literal, $level:literal) => {
        concat!(
            "SELECT ",
            warning_columns!(),
            " FROM warnings WHERE is_open = 1 AND ",
            $dept,
            " AND ",
            $level,
            " AND ?3 IS NULL AND (?4 IS NULL OR assignee = ?4) AND ?5 IS NULL \
             AND (?6 IS NULL OR case_id = ?6) UNION ALL SELECT ",
            warning_columns!(),
            " FROM warnings WHERE is_open = 0 AND ",
            $dept,
            " AND ",
            $level,
            " AND ?3 IS NULL AND (?4 IS NULL OR assignee = ?4) AND ?5 IS NULL \
             AND (?6 IS NULL OR case_id = ?6) ORDER BY deadline, id LIMIT ?7 OFFSET ?8"
        )
    };
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("warning {what}: {e}"))
}

fn parse_ts(col: &str, v: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    v.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| corrupt(col, format!("'{t}': {e}")))
    })
    .transpose()
}

fn parse_day(col: &str, v: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    v.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|e| corrupt(col, format!("'{t}': {e}")))
    })
    .transpose()
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn level_of(v: i64) -> Result<Level, StoreError> {
    Level::from_number(v).ok_or_else(|| corrupt("level", v))
}

fn state_of(v: &str) -> Result<WarningState, StoreError> {
    WarningState::parse(v).map_err(|e| corrupt("state", e))
}

fn disposition_of(v: Option<String>) -> Result<Option<Disposition>, StoreError> {
    v.map(|d| Disposition::parse(&d).map_err(|e| corrupt("disposition", e)))
        .transpose()
}

fn warning_from_row(r: &SqliteRow) -> Result<WarningRecord, StoreError> {
    let get_s = |c: &str| -> Result<String, StoreError> { r.try_get(c).map_err(db) };
    let get_o = |c: &str| -> Result<Option<String>, StoreError> { r.try_get(c).map_err(db) };
    let severity: Severity = get_s("severity")?
        .parse()
        .map_err(|e| corrupt("severity", e))?;
    Ok(WarningRecord {
        id: r.try_get("id").map_err(db)?,
        finding_id: r.try_get("finding_id").map_err(db)?,
        source_id: get_s("source_id")?,
        subject_kind: get_s("subject_kind")?,
        subject_id: get_s("subject_id")?,
        subject_name: get_o("subject_name")?,
        department: get_s("department")?,
        severity,
        amount_fen: r.try_get("amount_fen").map_err(db)?,
        title_zh: get_s("title_zh")?,
        title_en: get_s("title_en")?,
        level: level_of(r.try_get("level").map_err(db)?)?,
        level_reason: get_s("level_reason")?,
        state: state_of(&get_s("state")?)?,
        assignee: get_o("assignee")?,
        disposition: disposition_of(get_o("disposition")?)?,
        deadline: parse_day("deadline", Some(get_s("deadline")?))?
            .ok_or_else(|| corrupt("deadline", "missing"))?,
        reminded_on: parse_day("reminded_on", get_o("reminded_on")?)?,
        case_id: r.try_get("case_id").map_err(db)?,
        created_at: parse_ts("created_at", Some(get_s("created_at")?))?
            .ok_or_else(|| corrupt("created_at", "missing"))?,
        updated_at: parse_ts("updated_at", Some(get_s("updated_at")?))?
            .ok_or_else(|| corrupt("updated_at", "missing"))?,
        confirmed_at: parse_ts("confirmed_at", get_o("confirmed_at")?)?,
        closed_at: parse_ts("closed_at", get_o("closed_at")?)?,
        version: r.try_get("version").map_err(db)?,
    })
}

fn transition_from_row(r: &SqliteRow) -> Result<TransitionRecord, StoreError> {
    let from_state: Option<String> = r.try_get("from_state").map_err(db)?;
    let from_level: Option<i64> = r.try_get("from_level").map_err(db)?;
    let to_state: String = r.try_get("to_state").map_err(db)?;
    let attachments: String = r.try_get("attachments").map_err(db)?;
    Ok(TransitionRecord {
        warning_id: r.try_get("warning_id").map_err(db)?,
        seq: r.try_get("seq").map_err(db)?,
        action: r.try_get("action").map_err(db)?,
        from_state: from_state.as_deref().map(state_of).transpose()?,
        to_state: state_of(&to_state)?,
        from_level: from_level.map(level_of).transpose()?,
        to_level: level_of(r.try_get("to_level").map_err(db)?)?,
        actor: r.try_get("actor").map_err(db)?,
        at: parse_ts("at", Some(r.try_get("at").map_err(db)?))?
            .ok_or_else(|| corrupt("at", "missing"))?,
        comment: r.try_get("comment").map_err(db)?,
        disposition: disposition_of(r.try_get("disposition").map_err(db)?)?,
        attachments: serde_json::from_str(&attachments).map_err(|e| corrupt("attachments", e))?,
    })
}

fn suppression_from_row(r: &SqliteRow) -> Result<Suppression, StoreError> {
    Ok(Suppression {
        id: r.try_get("id").map_err(db)?,
        source_id: r.try_get("source_id").map_err(db)?,
        subject_kind: r.try_get("subject_kind").map_err(db)?,
        subject_id: r.try_get("subject_id").map_err(db)?,
        reason: r.try_get("reason").map_err(db)?,
        created_by: r.try_get("created_by").map_err(db)?,
        created_at: parse_ts("created_at", Some(r.try_get("created_at").map_err(db)?))?
            .ok_or_else(|| corrupt("created_at", "missing"))?,
        expires_at: parse_ts("expires_at", Some(r.try_get("expires_at").map_err(db)?))?
            .ok_or_else(|| corrupt("expires_at", "missing"))?,
        lifted_by: r.try_get("lifted_by").map_err(db)?,
        lifted_at: parse_ts("lifted_at", r.try_get("lifted_at").map_err(db)?)?,
        lift_reason: r.try_get("lift_reason").map_err(db)?,
    })
}

async fn insert_transition(
    conn: &mut SqliteConnection,
    t: &TransitionRecord,
    warning_id: i64,
    seq: i64,
) -> Result<(), StoreError> {
    let attachments =
        serde_json::to_string(&t.attachments).map_err(|e| corrupt("attachments", e))?;
    sqlx::query(concat!(
        "INSERT INTO warning_transitions (",
        transition_columns!(),
        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(warning_id)
    .bind(seq)
    .bind(&t.action)
    .bind(t.from_state.map(WarningState::as_str))
    .bind(t.to_state.as_str())
    .bind(t.from_level.map(|l| i64::from(l.number())))
    .bind(i64::from(t.to_level.number()))
    .bind(&t.actor)
    .bind(ts(t.at))
    .bind(&t.comment)
    .bind(t.disposition.map(Disposition::as_str))
    .bind(attachments)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn fetch_warning(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<WarningRecord>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        warning_columns!(),
        " FROM warnings WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    row.as_ref().map(warning_from_row).transpose()
}

async fn fetch_case(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<CaseRecord>, StoreError> {
    let Some(row) =
        sqlx::query("SELECT id, title, created_by, created_at FROM warning_cases WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
    else {
        return Ok(None);
    };
    let warnings: Vec<i64> = sqlx::query("SELECT id FROM warnings WHERE case_id = ? ORDER BY id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.try_get::<i64, _>("id").map_err(db))
        .collect::<Result<_, _>>()?;
    let reports: Vec<String> = sqlx::query(
        "SELECT report_id FROM case_reports WHERE case_id = ? ORDER BY added_at, report_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(|r| r.try_get::<String, _>("report_id").map_err(db))
    .collect::<Result<_, _>>()?;
    Ok(Some(CaseRecord {
        id: row.try_get("id").map_err(db)?,
        title: row.try_get("title").map_err(db)?,
        created_by: row.try_get("created_by").map_err(db)?,
        created_at: parse_ts(
            "case created_at",
            Some(row.try_get("created_at").map_err(db)?),
        )?
        .ok_or_else(|| corrupt("case created_at", "missing"))?,
        warnings,
        reports,
    }))
}

/// Moves one warning into a case (or out of any, with `None`), appending a history entry.
async fn set_case(
    conn: &mut SqliteConnection,
    warning_id: i64,
    case_id: Option<i64>,
    action: &str,
    comment: String,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let w = fetch_warning(conn, warning_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("warning {warning_id}")))?;
    sqlx::query(
        "UPDATE warnings SET case_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
    )
    .bind(case_id)
    .bind(ts(at))
    .bind(warning_id)
    .bind(w.version)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    let entry = TransitionRecord {
        warning_id,
        seq: w.version + 1,
        action: action.to_owned(),
        from_state: Some(w.state),
        to_state: w.state,
        from_level: Some(w.level),
        to_level: w.level,
        actor: actor.to_owned(),
        at,
        comment: Some(comment),
        disposition: None,
        attachments: Vec::new(),
    };
    insert_transition(conn, &entry, warning_id, w.version + 1).await
}

/// Which family of inbox queries a filter needs.
#[derive(Clone, Copy)]
enum InboxMode {
    /// One state (open or closed).
    State,
    /// Open warnings only.
    Open,
    /// Open and closed.
    All,
}

impl InboxMode {
    /// `None` when the filter cannot match anything (overdue in a closed state).
    fn of(f: &InboxFilter) -> Option<InboxMode> {
        // Overdue means open and past the deadline: a closed state has none, and asking for
        // closed ones too changes nothing.
        if f.overdue_on.is_some() && f.state.is_some_and(WarningState::is_closed) {
            return None;
        }
        Some(
            match (f.state, f.include_closed && f.overdue_on.is_none()) {
                (Some(_), _) => InboxMode::State,
                (None, false) => InboxMode::Open,
                (None, true) => InboxMode::All,
            },
        )
    }
}

/// The static inbox query for a filter, with a static prefix (`""`, or `"EXPLAIN QUERY PLAN "`).
macro_rules! select_inbox {
    ($prefix:literal, $f:expr, $mode:expr) => {
        match ($f.department.is_some(), $f.level.is_some(), $mode) {
            (true, true, InboxMode::State) => {
                concat!(
                    $prefix,
                    inbox_sql!("department = ?1", "level = ?2", "state = ?3")
                )
            }
            (true, false, InboxMode::State) => {
                concat!(
                    $prefix,
                    inbox_sql!("department = ?1", "?2 IS NULL", "state = ?3")
                )
            }
            (false, true, InboxMode::State) => {
                concat!(
                    $prefix,
                    inbox_sql!("?1 IS NULL", "level = ?2", "state = ?3")
                )
            }
            (false, false, InboxMode::State) => {
                concat!(
                    $prefix,
                    inbox_sql!("?1 IS NULL", "?2 IS NULL", "state = ?3")
                )
            }
            (true, true, InboxMode::Open) => concat!(
                $prefix,
                inbox_sql!(
                    "department = ?1",
                    "level = ?2",
                    "?3 IS NULL AND is_open = 1"
                )
            ),
            (true, false, InboxMode::Open) => concat!(
                $prefix,
                inbox_sql!(
                    "department = ?1",
                    "?2 IS NULL",
                    "?3 IS NULL AND is_open = 1"
                )
            ),
            (false, true, InboxMode::Open) => concat!(
                $prefix,
                inbox_sql!("?1 IS NULL", "level = ?2", "?3 IS NULL AND is_open = 1")
            ),
            (false, false, InboxMode::Open) => concat!(
                $prefix,
                inbox_sql!("?1 IS NULL", "?2 IS NULL", "?3 IS NULL AND is_open = 1")
            ),
            (true, true, InboxMode::All) => {
                concat!($prefix, inbox_all_sql!("department = ?1", "level = ?2"))
            }
            (true, false, InboxMode::All) => {
                concat!($prefix, inbox_all_sql!("department = ?1", "?2 IS NULL"))
            }
            (false, true, InboxMode::All) => {
                concat!($prefix, inbox_all_sql!("?1 IS NULL", "level = ?2"))
            }
            (false, false, InboxMode::All) => {
                concat!($prefix, inbox_all_sql!("?1 IS NULL", "?2 IS NULL"))
            }
        }
    };
}

impl SqliteStore {
    /// SQLite's plan for the inbox query of `f` (`EXPLAIN QUERY PLAN`, one line per step), so
    /// tests can check that every filter combination reads an index in deadline order instead
    /// of sorting the table.
    pub async fn inbox_plan(&self, f: &InboxFilter) -> Result<Vec<String>, StoreError> {
        let Some(mode) = InboxMode::of(f) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(select_inbox!("EXPLAIN QUERY PLAN ", f, mode))
            .bind(&f.department)
            .bind(f.level.map(|l| i64::from(l.number())))
            .bind(f.state.map(WarningState::as_str))
            .bind(&f.assignee)
            .bind(f.overdue_on.map(day))
            .bind(f.case_id)
            .bind(limit_of(f.limit))
            .bind(i64::from(f.offset))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("detail").map_err(db))
            .collect()
    }
}

fn limit_of(l: u32) -> i64 {
    if l == 0 { 50 } else { i64::from(l) }
}

impl WarningStore for SqliteStore {
    async fn insert_warning(
        &self,
        w: &NewWarning,
        first: &TransitionRecord,
    ) -> Result<WarningRecord, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let created = ts(w.created_at);
        let row = sqlx::query(
            "INSERT INTO warnings (finding_id, source_id, subject_kind, subject_id, subject_name, \
             department, severity, amount_fen, title_zh, title_en, level, level_reason, state, is_open, \
             assignee, deadline, created_at, updated_at, version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
        )
        .bind(w.finding_id)
        .bind(&w.source_id)
        .bind(&w.subject_kind)
        .bind(&w.subject_id)
        .bind(&w.subject_name)
        .bind(&w.department)
        .bind(severity_str(w.severity))
        .bind(w.amount_fen)
        .bind(&w.title_zh)
        .bind(&w.title_en)
        .bind(i64::from(w.level.number()))
        .bind(&w.level_reason)
        .bind(w.state.as_str())
        .bind(i64::from(!w.state.is_closed()))
        .bind(&w.assignee)
        .bind(day(w.deadline))
        .bind(&created)
        .bind(&created)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id: i64 = row.try_get("id").map_err(db)?;
        insert_transition(&mut tx, first, id, 1).await?;
        let rec = fetch_warning(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Database("inserted warning vanished".into()))?;
        tx.commit().await.map_err(db)?;
        Ok(rec)
    }

    async fn get_warning(&self, id: i64) -> Result<Option<WarningRecord>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        fetch_warning(&mut conn, id).await
    }

    async fn warning_for_finding(&self, finding_id: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT id FROM warnings WHERE finding_id = ?")
            .bind(finding_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get("id").map_err(db)).transpose()
    }

    async fn apply_change(
        &self,
        id: i64,
        expected_version: i64,
        c: &WarningChange,
        entry: &TransitionRecord,
    ) -> Result<WarningRecord, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let updated = sqlx::query(
            "UPDATE warnings SET state = ?, is_open = ?, level = ?, assignee = ?, disposition = ?, \
             deadline = ?, confirmed_at = ?, closed_at = ?, \
             reminded_on = CASE WHEN ? THEN NULL ELSE reminded_on END, \
             rectification = (rectification OR ?), updated_at = ?, version = version + 1 \
             WHERE id = ? AND version = ? RETURNING version",
        )
        .bind(c.state.as_str())
        .bind(i64::from(!c.state.is_closed()))
        .bind(i64::from(c.level.number()))
        .bind(&c.assignee)
        .bind(c.disposition.map(Disposition::as_str))
        .bind(day(c.deadline))
        .bind(c.confirmed_at.map(ts))
        .bind(c.closed_at.map(ts))
        .bind(c.reset_reminder)
        .bind(c.state == WarningState::Rectification)
        .bind(ts(entry.at))
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(updated) = updated else {
            let actual: Option<i64> = sqlx::query("SELECT version FROM warnings WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(|r| r.try_get("version").map_err(db))
                .transpose()?;
            tx.rollback().await.map_err(db)?;
            return Err(match actual {
                Some(actual) => StoreError::Conflict {
                    what: format!("warning {id}"),
                    expected: expected_version,
                    actual,
                },
                None => StoreError::NotFound(format!("warning {id}")),
            });
        };
        let version: i64 = updated.try_get("version").map_err(db)?;
        insert_transition(&mut tx, entry, id, version).await?;
        let rec = fetch_warning(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Database("updated warning vanished".into()))?;
        tx.commit().await.map_err(db)?;
        Ok(rec)
    }

    async fn mark_reminded(&self, id: i64, on: NaiveDate) -> Result<(), StoreError> {
        sqlx::query("UPDATE warnings SET reminded_on = ? WHERE id = ?")
            .bind(day(on))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn history(&self, id: i64) -> Result<Vec<TransitionRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            transition_columns!(),
            " FROM warning_transitions WHERE warning_id = ? ORDER BY seq"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(transition_from_row).collect()
    }

    async fn history_page(
        &self,
        after: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<TransitionRecord>, StoreError> {
        let (w, seq) = after.unwrap_or((i64::MIN, i64::MIN));
        // Row-value comparison keeps the primary key's order and index.
        let rows = sqlx::query(concat!(
            "SELECT ",
            transition_columns!(),
            " FROM warning_transitions WHERE (warning_id, seq) > (?, ?) \
             ORDER BY warning_id, seq LIMIT ?"
        ))
        .bind(w)
        .bind(seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(transition_from_row).collect()
    }

    async fn inbox(&self, f: &InboxFilter) -> Result<Vec<WarningRecord>, StoreError> {
        let Some(mode) = InboxMode::of(f) else {
            return Ok(Vec::new());
        };
        let sql = select_inbox!("", f, mode);
        let rows = sqlx::query(sql)
            .bind(&f.department)
            .bind(f.level.map(|l| i64::from(l.number())))
            .bind(f.state.map(WarningState::as_str))
            .bind(&f.assignee)
            .bind(f.overdue_on.map(day))
            .bind(f.case_id)
            .bind(limit_of(f.limit))
            .bind(i64::from(f.offset))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(warning_from_row).collect()
    }

    async fn open_due_by(
        &self,
        by: NaiveDate,
        limit: u32,
    ) -> Result<Vec<WarningRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            warning_columns!(),
            " FROM warnings WHERE is_open = 1 AND deadline <= ? ORDER BY deadline, id LIMIT ?"
        ))
        .bind(day(by))
        .bind(limit_of(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(warning_from_row).collect()
    }

    async fn open_load(&self, assignees: &[String]) -> Result<Vec<(String, u64)>, StoreError> {
        let names = serde_json::to_string(assignees).map_err(|e| corrupt("assignees", e))?;
        let rows = sqlx::query(
            "SELECT a.value AS assignee, \
             (SELECT COUNT(*) FROM warnings w WHERE w.assignee = a.value AND w.is_open = 1) AS n \
             FROM json_each(?) a",
        )
        .bind(names)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("n").map_err(db)?;
                Ok((
                    r.try_get("assignee").map_err(db)?,
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }

    async fn dispositions_of(
        &self,
        subject_kind: &str,
    ) -> Result<Vec<(String, Disposition)>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject_id, disposition FROM warnings \
             WHERE subject_kind = ? AND disposition IS NOT NULL ORDER BY subject_id, id",
        )
        .bind(subject_kind)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let d: String = r.try_get("disposition").map_err(db)?;
                Ok((
                    r.try_get("subject_id").map_err(db)?,
                    Disposition::parse(&d).map_err(|e| corrupt("disposition", e))?,
                ))
            })
            .collect()
    }

    async fn subject_history(
        &self,
        subject_kind: &str,
        subject_id: &str,
        source_id: &str,
    ) -> Result<SubjectHistory, StoreError> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS all_, COALESCE(SUM(source_id = ?), 0) AS same, \
             COALESCE(SUM(state IN ('confirmed', 'rectification') \
                 OR disposition IN ('confirmed', 'rectified', 'referred')), 0) AS confirmed \
             FROM warnings WHERE subject_kind = ? AND subject_id = ?",
        )
        .bind(source_id)
        .bind(subject_kind)
        .bind(subject_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let n = |c: &str| -> Result<u64, StoreError> {
            let v: i64 = r.try_get(c).map_err(db)?;
            Ok(u64::try_from(v).unwrap_or(0))
        };
        Ok(SubjectHistory {
            same_source: n("same")?,
            all: n("all_")?,
            confirmed: n("confirmed")?,
        })
    }

    async fn merge_into_case(
        &self,
        title: &str,
        warnings: &[i64],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<CaseRecord, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(
            "INSERT INTO warning_cases (title, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(title)
        .bind(actor)
        .bind(ts(at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let case_id: i64 = row.try_get("id").map_err(db)?;
        for &w in warnings {
            set_case(
                &mut tx,
                w,
                Some(case_id),
                "merge",
                format!("merged into case {case_id}: {title}"),
                actor,
                at,
            )
            .await?;
        }
        let case = fetch_case(&mut tx, case_id)
            .await?
            .ok_or_else(|| StoreError::Database("new case vanished".into()))?;
        tx.commit().await.map_err(db)?;
        Ok(case)
    }

    async fn split_from_case(
        &self,
        case_id: i64,
        warnings: &[i64],
        new_title: Option<&str>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<CaseRecord>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let case = fetch_case(&mut tx, case_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {case_id}")))?;
        if let Some(w) = warnings.iter().find(|w| !case.warnings.contains(w)) {
            return Err(StoreError::NotFound(format!(
                "warning {w} in case {case_id}"
            )));
        }
        let new_case = match new_title {
            Some(title) => {
                let row = sqlx::query(
                    "INSERT INTO warning_cases (title, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
                )
                .bind(title)
                .bind(actor)
                .bind(ts(at))
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
                Some(row.try_get::<i64, _>("id").map_err(db)?)
            }
            None => None,
        };
        for &w in warnings {
            let comment = match new_case {
                Some(n) => format!("split from case {case_id} into case {n}"),
                None => format!("split from case {case_id}"),
            };
            set_case(&mut tx, w, new_case, "split", comment, actor, at).await?;
        }
        let out = match new_case {
            Some(n) => fetch_case(&mut tx, n).await?,
            None => None,
        };
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn get_case(&self, id: i64) -> Result<Option<CaseRecord>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        fetch_case(&mut conn, id).await
    }

    async fn list_cases(&self, limit: u32) -> Result<Vec<CaseRecord>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let ids: Vec<i64> = sqlx::query("SELECT id FROM warning_cases ORDER BY id DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.try_get::<i64, _>("id").map_err(db))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(fetch_case(&mut conn, id).await?);
        }
        Ok(out)
    }

    async fn add_report_to_case(
        &self,
        case_id: i64,
        report_id: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let exists = sqlx::query("SELECT 1 FROM warning_cases WHERE id = ?")
            .bind(case_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("case {case_id}")));
        }
        sqlx::query(
            "INSERT OR IGNORE INTO case_reports (case_id, report_id, added_by, added_at) VALUES (?, ?, ?, ?)",
        )
        .bind(case_id)
        .bind(report_id)
        .bind(actor)
        .bind(ts(at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn add_suppression(&self, s: &NewSuppression) -> Result<Suppression, StoreError> {
        let row = sqlx::query(concat!(
            "INSERT INTO suppressions (source_id, subject_kind, subject_id, reason, created_by, \
             created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ",
            suppression_columns!()
        ))
        .bind(&s.source_id)
        .bind(&s.subject_kind)
        .bind(&s.subject_id)
        .bind(&s.reason)
        .bind(&s.created_by)
        .bind(ts(s.created_at))
        .bind(ts(s.expires_at))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        suppression_from_row(&row)
    }

    async fn lift_suppression(
        &self,
        id: i64,
        actor: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Suppression, StoreError> {
        let row = sqlx::query(concat!(
            "UPDATE suppressions SET lifted_by = ?, lifted_at = ?, lift_reason = ? \
             WHERE id = ? AND lifted_at IS NULL RETURNING ",
            suppression_columns!()
        ))
        .bind(actor)
        .bind(ts(at))
        .bind(reason)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        match row {
            Some(r) => suppression_from_row(&r),
            None => Err(StoreError::NotFound(format!("active suppression {id}"))),
        }
    }

    async fn list_suppressions(&self) -> Result<Vec<Suppression>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            suppression_columns!(),
            " FROM suppressions ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(suppression_from_row).collect()
    }

    async fn active_suppression(
        &self,
        source_id: &str,
        subject_kind: &str,
        subject_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Suppression>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            suppression_columns!(),
            " FROM suppressions WHERE lifted_at IS NULL AND expires_at > ? \
             AND (source_id IS NULL OR source_id = ?) \
             AND (subject_id IS NULL OR (subject_kind = ? AND subject_id = ?)) ORDER BY id LIMIT 1"
        ))
        .bind(ts(at))
        .bind(source_id)
        .bind(subject_kind)
        .bind(subject_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(suppression_from_row).transpose()
    }

    async fn metric_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MetricRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT source_id, department, level, state, disposition, deadline, created_at, \
             confirmed_at, closed_at, rectification FROM warnings \
             WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id",
        )
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let state: String = r.try_get("state").map_err(db)?;
                let rect: i64 = r.try_get("rectification").map_err(db)?;
                Ok(MetricRow {
                    source_id: r.try_get("source_id").map_err(db)?,
                    department: r.try_get("department").map_err(db)?,
                    level: level_of(r.try_get("level").map_err(db)?)?,
                    state: state_of(&state)?,
                    disposition: disposition_of(r.try_get("disposition").map_err(db)?)?,
                    deadline: parse_day("deadline", Some(r.try_get("deadline").map_err(db)?))?
                        .ok_or_else(|| corrupt("deadline", "missing"))?,
                    created_at: parse_ts("created_at", Some(r.try_get("created_at").map_err(db)?))?
                        .ok_or_else(|| corrupt("created_at", "missing"))?,
                    confirmed_at: parse_ts("confirmed_at", r.try_get("confirmed_at").map_err(db)?)?,
                    closed_at: parse_ts("closed_at", r.try_get("closed_at").map_err(db)?)?,
                    rectification: rect != 0,
                })
            })
            .collect()
    }
}

/// A warning with its whole history, for bulk loading (the demo and the scale benchmark).
#[derive(Debug, Clone)]
pub struct LoadedWarning {
    /// The warning as it stands after its history.
    pub warning: NewWarning,
    pub disposition: Option<Disposition>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rectification: bool,
    /// Oldest first; their `seq` is renumbered 1, 2, … and the warning's version is the count.
    pub history: Vec<TransitionRecord>,
}

impl SqliteStore {
    /// Inserts many warnings with their histories in one transaction; returns their ids.
    /// For seeding only: no routing, policy or events.
    pub async fn load_warnings(&self, items: &[LoadedWarning]) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            let w = &item.warning;
            let version = i64::try_from(item.history.len().max(1)).unwrap_or(i64::MAX);
            let created = ts(w.created_at);
            let row = sqlx::query(
                "INSERT INTO warnings (finding_id, source_id, subject_kind, subject_id, subject_name, \
                 department, severity, amount_fen, title_zh, title_en, level, level_reason, state, is_open, \
                 assignee, disposition, deadline, rectification, created_at, updated_at, confirmed_at, \
                 closed_at, version) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(w.finding_id)
            .bind(&w.source_id)
            .bind(&w.subject_kind)
            .bind(&w.subject_id)
            .bind(&w.subject_name)
            .bind(&w.department)
            .bind(severity_str(w.severity))
            .bind(w.amount_fen)
            .bind(&w.title_zh)
            .bind(&w.title_en)
            .bind(i64::from(w.level.number()))
            .bind(&w.level_reason)
            .bind(w.state.as_str())
            .bind(i64::from(!w.state.is_closed()))
            .bind(&w.assignee)
            .bind(item.disposition.map(Disposition::as_str))
            .bind(day(w.deadline))
            .bind(item.rectification)
            .bind(&created)
            .bind(item.history.last().map_or_else(|| created.clone(), |h| ts(h.at)))
            .bind(item.confirmed_at.map(ts))
            .bind(item.closed_at.map(ts))
            .bind(version)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let id: i64 = row.try_get("id").map_err(db)?;
            for (i, h) in item.history.iter().enumerate() {
                let seq = i64::try_from(i + 1).unwrap_or(i64::MAX);
                insert_transition(&mut tx, h, id, seq).await?;
            }
            ids.push(id);
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }
}
