//! [`UserStore`] and [`ConsoleStore`] on SQLite: `users`, `sessions`, `api_tokens` and
//! `access_log` (migration 0004), the console's general inbox query and the dashboard's
//! tallies (migration 0005: count tables kept by triggers on `warnings`).
//!
//! Times are RFC 3339 in UTC with microseconds, as in the rest of the desk.

use chrono::{DateTime, NaiveDate, Utc};
use qinglian_store::{
    AccessEntry, ApiTokenRecord, ConsoleFilter, ConsoleStore, DashboardTallies, Level, MonthTally,
    NewAccessEntry, NewApiToken, NewUser, Role, RuleTally, SessionRecord, StateTally, StoreError,
    UserRecord, UserStore, Verdict, WarningState,
};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::warnings::ts;
use crate::{SqliteStore, db};

macro_rules! user_columns {
    () => {
        "id, username, display_name, role, department, password_hash, totp_secret, \
         totp_last_step, disabled, failed_logins, locked_until, created_at, updated_at, last_login_at"
    };
}

macro_rules! session_columns {
    () => {
        "token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, revoked_at"
    };
}

macro_rules! token_columns {
    () => {
        "id, user_id, name, token_hash, prefix, created_at, last_used_at, revoked_at"
    };
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn time(r: &SqliteRow, col: &str) -> Result<DateTime<Utc>, StoreError> {
    opt_time(r, col)?.ok_or_else(|| corrupt(col, "missing"))
}

fn opt_time(r: &SqliteRow, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    let v: Option<String> = r.try_get(col).map_err(db)?;
    v.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| corrupt(col, format!("'{t}': {e}")))
    })
    .transpose()
}

fn user_from_row(r: &SqliteRow) -> Result<UserRecord, StoreError> {
    let role: String = r.try_get("role").map_err(db)?;
    let disabled: i64 = r.try_get("disabled").map_err(db)?;
    Ok(UserRecord {
        id: r.try_get("id").map_err(db)?,
        username: r.try_get("username").map_err(db)?,
        display_name: r.try_get("display_name").map_err(db)?,
        role: Role::parse(&role).map_err(|e| corrupt("role", e))?,
        department: r.try_get("department").map_err(db)?,
        password_hash: r.try_get("password_hash").map_err(db)?,
        totp_secret: r.try_get("totp_secret").map_err(db)?,
        totp_last_step: r.try_get("totp_last_step").map_err(db)?,
        disabled: disabled != 0,
        failed_logins: r.try_get("failed_logins").map_err(db)?,
        locked_until: opt_time(r, "locked_until")?,
        created_at: time(r, "created_at")?,
        updated_at: time(r, "updated_at")?,
        last_login_at: opt_time(r, "last_login_at")?,
    })
}

fn session_from_row(r: &SqliteRow) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        token_hash: r.try_get("token_hash").map_err(db)?,
        user_id: r.try_get("user_id").map_err(db)?,
        csrf_token: r.try_get("csrf_token").map_err(db)?,
        created_at: time(r, "created_at")?,
        last_seen_at: time(r, "last_seen_at")?,
        expires_at: time(r, "expires_at")?,
        revoked_at: opt_time(r, "revoked_at")?,
    })
}

fn token_from_row(r: &SqliteRow) -> Result<ApiTokenRecord, StoreError> {
    Ok(ApiTokenRecord {
        id: r.try_get("id").map_err(db)?,
        user_id: r.try_get("user_id").map_err(db)?,
        name: r.try_get("name").map_err(db)?,
        token_hash: r.try_get("token_hash").map_err(db)?,
        prefix: r.try_get("prefix").map_err(db)?,
        created_at: time(r, "created_at")?,
        last_used_at: opt_time(r, "last_used_at")?,
        revoked_at: opt_time(r, "revoked_at")?,
    })
}

fn access_from_row(r: &SqliteRow) -> Result<AccessEntry, StoreError> {
    Ok(AccessEntry {
        id: r.try_get("id").map_err(db)?,
        at: time(r, "at")?,
        actor: r.try_get("actor").map_err(db)?,
        action: r.try_get("action").map_err(db)?,
        target: r.try_get("target").map_err(db)?,
        reason: r.try_get("reason").map_err(db)?,
    })
}

fn not_found(what: String) -> StoreError {
    StoreError::NotFound(what)
}

impl UserStore for SqliteStore {
    async fn insert_user(&self, u: &NewUser) -> Result<UserRecord, StoreError> {
        let at = ts(u.created_at);
        let row = sqlx::query(concat!(
            "INSERT INTO users (username, display_name, role, department, password_hash, \
             totp_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ",
            user_columns!()
        ))
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(u.role.as_str())
        .bind(&u.department)
        .bind(&u.password_hash)
        .bind(&u.totp_secret)
        .bind(&at)
        .bind(&at)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        user_from_row(&row)
    }

    async fn get_user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username = ?"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(user_from_row)
        .collect()
    }

    async fn set_credentials(
        &self,
        id: i64,
        password_hash: &str,
        totp: Option<Option<&str>>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = ?1, \
             totp_secret = CASE WHEN ?2 THEN ?3 ELSE totp_secret END, \
             totp_last_step = CASE WHEN ?2 THEN NULL ELSE totp_last_step END, \
             failed_logins = 0, locked_until = NULL, updated_at = ?4 WHERE id = ?5",
        )
        .bind(password_hash)
        .bind(totp.is_some())
        .bind(totp.flatten())
        .bind(ts(at))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(not_found(format!("user {id}")));
        }
        Ok(())
    }

    async fn set_disabled(
        &self,
        id: i64,
        disabled: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?")
            .bind(i64::from(disabled))
            .bind(ts(at))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(not_found(format!("user {id}")));
        }
        Ok(())
    }

    async fn record_failed_login(
        &self,
        id: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "UPDATE users SET failed_logins = failed_logins + 1, \
             locked_until = COALESCE(?, locked_until) WHERE id = ? RETURNING failed_logins",
        )
        .bind(locked_until.map(ts))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or_else(|| not_found(format!("user {id}")))?;
        row.try_get("failed_logins").map_err(db)
    }

    async fn record_login(
        &self,
        id: i64,
        totp_step: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?, \
             totp_last_step = COALESCE(?, totp_last_step) WHERE id = ?",
        )
        .bind(ts(at))
        .bind(totp_step)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn insert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO sessions (",
            session_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.csrf_token)
        .bind(ts(s.created_at))
        .bind(ts(s.last_seen_at))
        .bind(ts(s.expires_at))
        .bind(s.revoked_at.map(ts))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE token_hash = ?"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
            .bind(ts(at))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn revoke_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(ts(at))
        .bind(token_hash)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn revoke_user_sessions(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL \
             AND expires_at > ?1",
        )
        .bind(ts(at))
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn append_access(&self, e: &NewAccessEntry) -> Result<AccessEntry, StoreError> {
        let row = sqlx::query(
            "INSERT INTO access_log (at, actor, action, target, reason) VALUES (?, ?, ?, ?, ?) \
             RETURNING id, at, actor, action, target, reason",
        )
        .bind(ts(e.at))
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.reason)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        access_from_row(&row)
    }

    async fn access_log(&self, limit: u32, offset: u32) -> Result<Vec<AccessEntry>, StoreError> {
        sqlx::query(
            "SELECT id, at, actor, action, target, reason FROM access_log \
             ORDER BY id DESC LIMIT ? OFFSET ?",
        )
        .bind(i64::from(if limit == 0 { 50 } else { limit }))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(access_from_row)
        .collect()
    }

    async fn insert_api_token(&self, t: &NewApiToken) -> Result<ApiTokenRecord, StoreError> {
        let row = sqlx::query(concat!(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING ",
            token_columns!()
        ))
        .bind(t.user_id)
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(&t.prefix)
        .bind(ts(t.created_at))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        token_from_row(&row)
    }

    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE token_hash = ?"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(token_from_row)
        .transpose()
    }

    async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE user_id = ? ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(token_from_row)
        .collect()
    }

    async fn touch_api_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
            .bind(ts(at))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn revoke_api_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(ts(at))
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(not_found(format!("API token {id}")));
        }
        Ok(())
    }
}

impl ConsoleStore for SqliteStore {
    async fn console_inbox(&self, f: &ConsoleFilter) -> Result<Vec<i64>, StoreError> {
        let (sql, binds) = console_inbox_sql(f);
        let rows = bound(sql, binds).fetch_all(&self.pool).await.map_err(db)?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>("id").map_err(db))
            .collect()
    }

    async fn dashboard_tallies(
        &self,
        department: Option<&str>,
        today: NaiveDate,
    ) -> Result<DashboardTallies, StoreError> {
        let count = |r: &SqliteRow| -> Result<u64, StoreError> {
            let n: i64 = r.try_get("n").map_err(db)?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let months = sqlx::query(
            "SELECT department, category, month, n FROM warning_tally_month \
             WHERE (?1 IS NULL OR department = ?1) AND n > 0",
        )
        .bind(department)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(MonthTally {
                department: r.try_get("department").map_err(db)?,
                category: r.try_get("category").map_err(db)?,
                month: r.try_get("month").map_err(db)?,
                n: count(r)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let rules = sqlx::query(
            "SELECT source_id, verdict, sum(n) AS n FROM warning_tally_rule \
             WHERE (?1 IS NULL OR department = ?1) GROUP BY source_id, verdict HAVING sum(n) > 0",
        )
        .bind(department)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let v: String = r.try_get("verdict").map_err(db)?;
            Ok(RuleTally {
                source_id: r.try_get("source_id").map_err(db)?,
                verdict: match v.as_str() {
                    "tp" => Verdict::TruePositive,
                    "fp" => Verdict::FalsePositive,
                    "dup" => Verdict::Duplicate,
                    "" => Verdict::Open,
                    other => {
                        return Err(StoreError::Corrupt(format!("tally verdict '{other}'")));
                    }
                },
                n: count(r)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let states = sqlx::query(
            "SELECT level, state, on_time, rectification, rectified, sum(n) AS n \
             FROM warning_tally_state WHERE (?1 IS NULL OR department = ?1) \
             GROUP BY level, state, on_time, rectification, rectified HAVING sum(n) > 0",
        )
        .bind(department)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let level: i64 = r.try_get("level").map_err(db)?;
            let state: String = r.try_get("state").map_err(db)?;
            let flag = |c: &str| -> Result<bool, StoreError> {
                Ok(r.try_get::<i64, _>(c).map_err(db)? != 0)
            };
            Ok(StateTally {
                level: Level::from_number(level)
                    .ok_or_else(|| StoreError::Corrupt(format!("tally level {level}")))?,
                state: WarningState::parse(&state).map_err(StoreError::Corrupt)?,
                on_time: flag("on_time")?,
                rectification: flag("rectification")?,
                rectified: flag("rectified")?,
                n: count(r)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        // Two static queries so each reads its own (is_open, [department,] deadline) index.
        let day = today.format("%Y-%m-%d").to_string();
        let overdue = match department {
            Some(d) => sqlx::query(
                "SELECT count(*) AS n FROM warnings WHERE is_open = 1 AND department = ? AND deadline < ?",
            )
            .bind(d)
            .bind(&day),
            None => sqlx::query("SELECT count(*) AS n FROM warnings WHERE is_open = 1 AND deadline < ?")
                .bind(&day),
        }
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(DashboardTallies {
            months,
            rules,
            states,
            overdue: count(&overdue)?,
        })
    }
}

impl SqliteStore {
    /// SQLite's plan for the console's general inbox query of `f` (`EXPLAIN QUERY PLAN`, one
    /// line per step), so tests can check which index each filter combination reads.
    pub async fn console_inbox_plan(&self, f: &ConsoleFilter) -> Result<Vec<String>, StoreError> {
        let (sql, binds) = console_inbox_sql(f);
        bound(format!("EXPLAIN QUERY PLAN {sql}"), binds)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.try_get::<String, _>("detail").map_err(db))
            .collect()
    }
}

/// A value bound to the general inbox query.
enum Bind {
    Text(String),
    Int(i64),
}

/// `sql` (made of fixed fragments only, see [`console_inbox_sql`]) with its values bound.
fn bound(
    sql: String,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    binds
        .into_iter()
        .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, b| match b {
            Bind::Text(t) => q.bind(t),
            Bind::Int(n) => q.bind(n),
        })
}

/// The general inbox query for the filters present, as plain conditions (so SQLite can use an
/// index for each) made only of the fixed fragments below, every value bound. Which index
/// reads it: a rule's `(source_id, deadline, id)` in deadline order; else a raising-date range
/// reads the covering `(created_at, …)` index and sorts only the range's rows; else the
/// equality filters pick one of the inbox's deadline-ordered indexes and the category and
/// amount are checked on the way, stopping at the page's last row.
fn console_inbox_sql(f: &ConsoleFilter) -> (String, Vec<Bind>) {
    let mut conds: Vec<(&'static str, Option<Bind>)> = Vec::new();
    let dated = f.created_from.is_some() || f.created_to.is_some();
    let from = if f.source_id.is_some() {
        "warnings INDEXED BY warnings_source_deadline"
    } else if dated {
        "warnings INDEXED BY warnings_created_cover"
    } else {
        "warnings"
    };
    if let Some(r) = &f.source_id {
        conds.push(("source_id = ?", Some(Bind::Text(r.clone()))));
    }
    if dated {
        // Both bounds, so the range is one index seek whichever was given.
        let lo = f.created_from.map_or_else(String::new, ts);
        let hi = f.created_to.map_or_else(|| "9999".to_owned(), ts);
        conds.push(("created_at >= ?", Some(Bind::Text(lo))));
        conds.push(("created_at < ?", Some(Bind::Text(hi))));
    }
    if let Some(d) = &f.department {
        conds.push(("department = ?", Some(Bind::Text(d.clone()))));
    }
    if let Some(s) = f.state {
        conds.push(("state = ?", Some(Bind::Text(s.as_str().to_owned()))));
    } else if !f.include_closed || f.overdue_on.is_some() {
        conds.push(("is_open = 1", None));
    }
    if let Some(day) = f.overdue_on {
        let day = day.format("%Y-%m-%d").to_string();
        conds.push(("is_open = 1 AND deadline < ?", Some(Bind::Text(day))));
    }
    if let Some(l) = f.level {
        conds.push(("level = ?", Some(Bind::Int(i64::from(l.number())))));
    }
    if let Some(c) = &f.category {
        // A pattern, not an index range, on purpose: a category is a large share of all
        // warnings, better checked while reading in deadline order than sorted.
        let pattern = format!(
            "{}-%",
            c.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        conds.push(("source_id LIKE ? ESCAPE '\\'", Some(Bind::Text(pattern))));
    }
    if let Some(a) = f.amount_min {
        conds.push(("amount_fen >= ?", Some(Bind::Int(a))));
    }
    if let Some(a) = f.amount_max {
        conds.push(("amount_fen <= ?", Some(Bind::Int(a))));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        let parts: Vec<&str> = conds.iter().map(|(c, _)| *c).collect();
        format!(" WHERE {}", parts.join(" AND "))
    };
    let mut binds: Vec<Bind> = conds.into_iter().filter_map(|(_, b)| b).collect();
    binds.push(Bind::Int(i64::from(if f.limit == 0 {
        50
    } else {
        f.limit
    })));
    binds.push(Bind::Int(i64::from(f.offset)));
    (
        format!("SELECT id FROM {from}{filter} ORDER BY deadline, id LIMIT ? OFFSET ?"),
        binds,
    )
}
