//! The embedded operational store: SQLite through sqlx, with migrations in `migrations/`.
//!
//! Implements the contracts of `qinglian-store`. It is the only crate that writes SQL
//! for the operational database; it knows nothing of the lake or of HTTP.

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use qinglian_store::{BatchRecord, BatchStatus, BatchStore, DatasetCount, StoreError};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};

mod findings;
mod users;
mod warnings;
pub use warnings::LoadedWarning;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A SQLite-backed store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if asked) the database file and brings its schema up to date.
    pub async fn open(path: &Path, create: bool) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(format!("migration failed: {e}")))?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The batch columns, as a macro so that every query stays a static string (sqlx refuses
/// dynamically built SQL unless it is asserted safe).
macro_rules! batch_columns {
    () => {
        "id, dataset, source_name, source_sha256, source_bytes, format, encoding, rows_read, \
         rows_accepted, rows_quarantined, mapping, lake_file, quarantine_file, imported_at, imported_by, status, note"
    };
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn batch_from_row(r: &SqliteRow) -> Result<BatchRecord, StoreError> {
    let get_u64 = |name: &str| -> Result<u64, StoreError> {
        let v: i64 = r.try_get(name).map_err(db)?;
        u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative {name}")))
    };
    let imported_at: String = r.try_get("imported_at").map_err(db)?;
    let imported_at = DateTime::parse_from_rfc3339(&imported_at)
        .map_err(|e| StoreError::Corrupt(format!("imported_at: {e}")))?
        .with_timezone(&Utc);
    let status: String = r.try_get("status").map_err(db)?;
    Ok(BatchRecord {
        id: r.try_get("id").map_err(db)?,
        dataset: r.try_get("dataset").map_err(db)?,
        source_name: r.try_get("source_name").map_err(db)?,
        source_sha256: r.try_get("source_sha256").map_err(db)?,
        source_bytes: get_u64("source_bytes")?,
        format: r.try_get("format").map_err(db)?,
        encoding: r.try_get("encoding").map_err(db)?,
        rows_read: get_u64("rows_read")?,
        rows_accepted: get_u64("rows_accepted")?,
        rows_quarantined: get_u64("rows_quarantined")?,
        mapping: r.try_get("mapping").map_err(db)?,
        lake_file: r.try_get("lake_file").map_err(db)?,
        quarantine_file: r.try_get("quarantine_file").map_err(db)?,
        imported_at,
        imported_by: r.try_get("imported_by").map_err(db)?,
        status: BatchStatus::parse(&status)?,
        note: r.try_get("note").map_err(db)?,
    })
}

impl BatchStore for SqliteStore {
    async fn begin_batch(&self, b: &BatchRecord) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO batches (",
            batch_columns!(),
            ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        ))
        .bind(&b.id)
        .bind(&b.dataset)
        .bind(&b.source_name)
        .bind(&b.source_sha256)
        .bind(to_i64(b.source_bytes))
        .bind(&b.format)
        .bind(&b.encoding)
        .bind(to_i64(b.rows_read))
        .bind(to_i64(b.rows_accepted))
        .bind(to_i64(b.rows_quarantined))
        .bind(&b.mapping)
        .bind(&b.lake_file)
        .bind(&b.quarantine_file)
        .bind(b.imported_at.to_rfc3339())
        .bind(&b.imported_by)
        .bind(BatchStatus::Committing.as_str())
        .bind(&b.note)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn commit_batch(&self, id: &str) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE batches SET status = 'committed' WHERE id = ? AND status = 'committing'",
        )
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!(
                "batch {id} in state committing"
            )))
        }
    }

    async fn fail_batch(&self, id: &str, reason: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE batches SET status = 'failed', note = ? WHERE id = ?")
            .bind(reason)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn find_committed_by_hash(
        &self,
        dataset: &str,
        sha256: &str,
    ) -> Result<Option<BatchRecord>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            batch_columns!(),
            " FROM batches WHERE dataset = ? AND source_sha256 = ? AND status = 'committed' ORDER BY imported_at DESC LIMIT 1"
        ))
        .bind(dataset)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(batch_from_row).transpose()
    }

    async fn list_batches(&self, dataset: Option<&str>) -> Result<Vec<BatchRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            batch_columns!(),
            " FROM batches WHERE (?1 IS NULL OR dataset = ?1) ORDER BY imported_at DESC, id DESC"
        ))
        .bind(dataset)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(batch_from_row).collect()
    }

    async fn batches_in_state(&self, status: BatchStatus) -> Result<Vec<BatchRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            batch_columns!(),
            " FROM batches WHERE status = ? ORDER BY imported_at, id"
        ))
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(batch_from_row).collect()
    }

    async fn dataset_counts(&self) -> Result<Vec<DatasetCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT dataset, COUNT(*) AS batches, SUM(rows_accepted) AS rows_, SUM(rows_quarantined) AS quarantined \
             FROM batches WHERE status = 'committed' GROUP BY dataset ORDER BY dataset",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let n = |c: &str| -> Result<u64, StoreError> {
                    let v: i64 = r.try_get(c).map_err(db)?;
                    Ok(u64::try_from(v).unwrap_or(0))
                };
                Ok(DatasetCount {
                    dataset: r.try_get("dataset").map_err(db)?,
                    batches: n("batches")?,
                    rows: n("rows_")?,
                    quarantined: n("quarantined")?,
                })
            })
            .collect()
    }
}
