//! [`FindingStore`] on SQLite: `findings` and `finding_evidence` (migration 0002).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use qinglian_core::{
    Category, EvidenceRow, Finding, FindingSource, Money, Severity, SourceKind, Subject,
};
use qinglian_store::{
    FindingCount, FindingFilter, FindingRecord, FindingStatus, FindingStore, NewFinding,
    StoreError, SyncCounts,
};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::{SqliteStore, db};

/// The finding columns, as a macro so that every query stays a static string.
macro_rules! finding_columns {
    () => {
        "id, fingerprint, source_kind, source_id, source_version, content_hash, category, severity, \
         subject_kind, subject_id, subject_name, department, amount_fen, occurred_on, explanation_zh, \
         explanation_en, facts, status, first_seen, last_seen, resolved_at"
    };
}

/// The list filter, shared by the finding and the evidence queries.
macro_rules! finding_filter {
    () => {
        " WHERE (?1 IS NULL OR source_id = ?1) AND (?2 IS NULL OR category = ?2) \
          AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR subject_id = ?4) \
          AND (?5 IS NULL OR (CASE severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END) >= ?5)"
    };
}

fn kind_str(k: SourceKind) -> &'static str {
    match k {
        SourceKind::Rule => "rule",
        SourceKind::Model => "model",
    }
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

fn time(r: &SqliteRow, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    let v: Option<String> = r.try_get(col).map_err(db)?;
    v.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| StoreError::Corrupt(format!("{col} '{t}': {e}")))
    })
    .transpose()
}

fn record_from_row(r: &SqliteRow) -> Result<FindingRecord, StoreError> {
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("finding {what}: {e}"));
    let kind: String = r.try_get("source_kind").map_err(db)?;
    let kind = match kind.as_str() {
        "rule" => SourceKind::Rule,
        "model" => SourceKind::Model,
        other => return Err(corrupt("source kind", other.to_owned())),
    };
    let category: String = r.try_get("category").map_err(db)?;
    let category: Category = category
        .parse()
        .map_err(|e: qinglian_core::CategoryError| corrupt("category", e.message_en()))?;
    let severity: String = r.try_get("severity").map_err(db)?;
    let severity: Severity = severity.parse().map_err(|e| corrupt("severity", e))?;
    let occurred: Option<String> = r.try_get("occurred_on").map_err(db)?;
    let occurred_on = occurred
        .map(|t| {
            NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|e| corrupt("date", e.to_string()))
        })
        .transpose()?;
    let facts: String = r.try_get("facts").map_err(db)?;
    let facts: BTreeMap<String, String> =
        serde_json::from_str(&facts).map_err(|e| corrupt("facts", e.to_string()))?;
    let amount: Option<i64> = r.try_get("amount_fen").map_err(db)?;
    let status: String = r.try_get("status").map_err(db)?;
    Ok(FindingRecord {
        id: r.try_get("id").map_err(db)?,
        fingerprint: r.try_get("fingerprint").map_err(db)?,
        finding: Finding {
            source: FindingSource {
                kind,
                id: r.try_get("source_id").map_err(db)?,
                version: r.try_get("source_version").map_err(db)?,
                content_hash: r.try_get("content_hash").map_err(db)?,
            },
            category,
            severity,
            subject: Subject {
                kind: r.try_get("subject_kind").map_err(db)?,
                id: r.try_get("subject_id").map_err(db)?,
                name: r.try_get("subject_name").map_err(db)?,
            },
            department: r.try_get("department").map_err(db)?,
            amount: amount.map(Money::from_fen),
            occurred_on,
            explanation_zh: r.try_get("explanation_zh").map_err(db)?,
            explanation_en: r.try_get("explanation_en").map_err(db)?,
            evidence: Vec::new(),
            facts,
        },
        status: FindingStatus::parse(&status)?,
        first_seen: time(r, "first_seen")?
            .ok_or_else(|| corrupt("first_seen", "missing".into()))?,
        last_seen: time(r, "last_seen")?.ok_or_else(|| corrupt("last_seen", "missing".into()))?,
        resolved_at: time(r, "resolved_at")?,
    })
}

async fn put_evidence(
    tx: &mut sqlx::SqliteConnection,
    id: i64,
    evidence: &[EvidenceRow],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM finding_evidence WHERE finding_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    for e in evidence {
        sqlx::query(
            "INSERT OR IGNORE INTO finding_evidence (finding_id, dataset, batch, row) VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&e.dataset)
        .bind(&e.batch)
        .bind(e.row)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

impl FindingStore for SqliteStore {
    async fn sync_findings(
        &self,
        source_kind: SourceKind,
        source_id: &str,
        findings: &[NewFinding],
        at: DateTime<Utc>,
    ) -> Result<SyncCounts, StoreError> {
        let now = at.to_rfc3339();
        let mut tx = self.pool.begin().await.map_err(db)?;
        let known: HashMap<String, (i64, String)> = sqlx::query(
            "SELECT id, fingerprint, status FROM findings WHERE source_kind = ? AND source_id = ?",
        )
        .bind(kind_str(source_kind))
        .bind(source_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("fingerprint").map_err(db)?,
                (
                    r.try_get::<i64, _>("id").map_err(db)?,
                    r.try_get::<String, _>("status").map_err(db)?,
                ),
            ))
        })
        .collect::<Result<_, StoreError>>()?;
        let mut counts = SyncCounts::default();
        let mut seen = std::collections::HashSet::new();
        for nf in findings {
            if !seen.insert(nf.fingerprint.as_str()) {
                continue;
            }
            let f = &nf.finding;
            let facts = serde_json::to_string(&f.facts)
                .map_err(|e| StoreError::Database(format!("facts: {e}")))?;
            let occurred = f.occurred_on.map(|d| d.format("%Y-%m-%d").to_string());
            let amount = f.amount.map(Money::fen);
            let id = if let Some((id, status)) = known.get(&nf.fingerprint) {
                sqlx::query(
                    "UPDATE findings SET source_version = ?, content_hash = ?, category = ?, severity = ?, \
                     subject_kind = ?, subject_name = ?, department = ?, amount_fen = ?, occurred_on = ?, \
                     explanation_zh = ?, explanation_en = ?, facts = ?, status = 'open', last_seen = ?, \
                     resolved_at = NULL WHERE id = ?",
                )
                .bind(&f.source.version)
                .bind(&f.source.content_hash)
                .bind(f.category.prefix())
                .bind(severity_str(f.severity))
                .bind(&f.subject.kind)
                .bind(&f.subject.name)
                .bind(&f.department)
                .bind(amount)
                .bind(&occurred)
                .bind(&f.explanation_zh)
                .bind(&f.explanation_en)
                .bind(&facts)
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if status == FindingStatus::ResolvedByData.as_str() {
                    counts.reopened += 1;
                    counts.opened.push((*id, nf.fingerprint.clone()));
                } else {
                    counts.updated += 1;
                }
                *id
            } else {
                let row = sqlx::query(
                    "INSERT INTO findings (fingerprint, source_kind, source_id, source_version, content_hash, \
                     category, severity, subject_kind, subject_id, subject_name, department, amount_fen, \
                     occurred_on, explanation_zh, explanation_en, facts, status, first_seen, last_seen) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id",
                )
                .bind(&nf.fingerprint)
                .bind(kind_str(source_kind))
                .bind(source_id)
                .bind(&f.source.version)
                .bind(&f.source.content_hash)
                .bind(f.category.prefix())
                .bind(severity_str(f.severity))
                .bind(&f.subject.kind)
                .bind(&f.subject.id)
                .bind(&f.subject.name)
                .bind(&f.department)
                .bind(amount)
                .bind(&occurred)
                .bind(&f.explanation_zh)
                .bind(&f.explanation_en)
                .bind(&facts)
                .bind(&now)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
                counts.new += 1;
                let id = row.try_get::<i64, _>("id").map_err(db)?;
                counts.opened.push((id, nf.fingerprint.clone()));
                id
            };
            put_evidence(&mut tx, id, &f.evidence).await?;
        }
        for (fp, (id, status)) in &known {
            if status == FindingStatus::Open.as_str() && !seen.contains(fp.as_str()) {
                sqlx::query(
                    "UPDATE findings SET status = 'resolved_by_data', resolved_at = ? WHERE id = ?",
                )
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                counts.resolved += 1;
                counts.closed.push(*id);
            }
        }
        counts.closed.sort_unstable();
        tx.commit().await.map_err(db)?;
        Ok(counts)
    }

    async fn list_findings(
        &self,
        filter: &FindingFilter,
    ) -> Result<Vec<FindingRecord>, StoreError> {
        let category = filter.category.map(Category::prefix);
        let status = filter.status.map(FindingStatus::as_str);
        let severity = filter.min_severity.map(severity_rank);
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let rows = sqlx::query(concat!(
            "SELECT ",
            finding_columns!(),
            " FROM findings",
            finding_filter!(),
            " ORDER BY last_seen DESC, id DESC LIMIT ?6"
        ))
        .bind(&filter.source_id)
        .bind(category)
        .bind(status)
        .bind(&filter.subject_id)
        .bind(severity)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut out: Vec<FindingRecord> =
            rows.iter().map(record_from_row).collect::<Result<_, _>>()?;
        if out.is_empty() {
            return Ok(out);
        }
        let ids: Vec<i64> = out.iter().map(|f| f.id).collect();
        let ids_json = serde_json::to_string(&ids)
            .map_err(|e| StoreError::Database(format!("finding ids: {e}")))?;
        let ev = sqlx::query(
            "SELECT finding_id, dataset, batch, row FROM finding_evidence \
             WHERE finding_id IN (SELECT value FROM json_each(?)) ORDER BY finding_id, dataset, batch, row",
        )
        .bind(ids_json)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut by_id: HashMap<i64, Vec<EvidenceRow>> = HashMap::new();
        for r in &ev {
            by_id
                .entry(r.try_get("finding_id").map_err(db)?)
                .or_default()
                .push(EvidenceRow {
                    dataset: r.try_get("dataset").map_err(db)?,
                    batch: r.try_get("batch").map_err(db)?,
                    row: r.try_get("row").map_err(db)?,
                });
        }
        for f in &mut out {
            f.finding.evidence = by_id.remove(&f.id).unwrap_or_default();
        }
        Ok(out)
    }

    async fn get_finding(&self, id: i64) -> Result<Option<FindingRecord>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            finding_columns!(),
            " FROM findings WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let mut rec = record_from_row(&row)?;
        let ev = sqlx::query(
            "SELECT dataset, batch, row FROM finding_evidence WHERE finding_id = ? ORDER BY dataset, batch, row",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rec.finding.evidence = ev
            .iter()
            .map(|r| {
                Ok(EvidenceRow {
                    dataset: r.try_get("dataset").map_err(db)?,
                    batch: r.try_get("batch").map_err(db)?,
                    row: r.try_get("row").map_err(db)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(rec))
    }

    async fn finding_counts(&self) -> Result<Vec<FindingCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT source_id, MIN(category) AS category, \
             SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open_, \
             SUM(CASE WHEN status = 'resolved_by_data' THEN 1 ELSE 0 END) AS resolved \
             FROM findings GROUP BY source_id ORDER BY source_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let category: String = r.try_get("category").map_err(db)?;
                let n = |c: &str| -> Result<u64, StoreError> {
                    let v: i64 = r.try_get(c).map_err(db)?;
                    Ok(u64::try_from(v).unwrap_or(0))
                };
                Ok(FindingCount {
                    source_id: r.try_get("source_id").map_err(db)?,
                    category: category
                        .parse()
                        .map_err(|e: qinglian_core::CategoryError| {
                            StoreError::Corrupt(format!("finding category: {}", e.message_en()))
                        })?,
                    open: n("open_")?,
                    resolved: n("resolved")?,
                })
            })
            .collect()
    }
}
