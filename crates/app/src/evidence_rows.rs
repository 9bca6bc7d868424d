//! The rows a finding cites, read back from the lake with the spec's labels, so a warning
//! shows its source rows and not only their numbers ("every warning shows its evidence rows").
//!
//! Rows are grouped by dataset and batch, in the order the finding cites them first. A batch
//! whose file is gone or damaged (it should not be: batches are never deleted) or a row that is
//! not in its file is reported as missing, with the reason, not hidden. Identifiers appear masked, as the lake keeps them.

use std::collections::BTreeMap;

use qinglian_core::EvidenceRow;
use qinglian_ingest::{LakeRow, read_lake_rows};

use crate::workspace::LAKE_DIR;
use crate::{AppError, Workspace};

/// One column of an evidence table with its labels.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceColumn {
    /// The lake column (`payee_account_masked` for a masked identifier).
    pub name: String,
    pub zh: String,
    pub en: String,
}

/// The cited rows of one batch of one dataset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceTable {
    pub dataset: String,
    pub dataset_zh: String,
    pub dataset_en: String,
    pub batch: String,
    pub columns: Vec<EvidenceColumn>,
    /// Source row number and one cell per column.
    pub rows: Vec<(i64, Vec<Option<String>>)>,
    /// Cited rows that could not be read (and why, in both languages).
    pub missing: Vec<i64>,
    pub missing_reason: Option<String>,
}

/// A batch id as the import makes them: letters, digits, `-` and `_` (never a path).
fn is_batch_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The evidence rows as tables, at most `limit` rows in all (a finding over thousands of
/// rows shows the first ones; the finding keeps them all).
pub fn evidence_tables(
    ws: &Workspace,
    evidence: &[EvidenceRow],
    limit: usize,
) -> Result<Vec<EvidenceTable>, AppError> {
    // (dataset, batch) in the order first cited, with their rows.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut wanted: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for e in evidence.iter().take(limit) {
        let key = (e.dataset.clone(), e.batch.clone());
        if !wanted.contains_key(&key) {
            order.push(key.clone());
        }
        wanted.entry(key).or_default().push(e.row);
    }
    let mut tables = Vec::with_capacity(order.len());
    for key in order {
        let rows = &wanted[&key];
        let (dataset, batch) = key;
        let spec = crate::find_dataset(&dataset)?;
        let mut table = EvidenceTable {
            dataset: dataset.clone(),
            dataset_zh: spec.zh.into(),
            dataset_en: spec.en.into(),
            batch: batch.clone(),
            columns: Vec::new(),
            rows: Vec::new(),
            missing: Vec::new(),
            missing_reason: None,
        };
        let path = ws
            .path(LAKE_DIR)
            .join(&dataset)
            .join(format!("{batch}.parquet"));
        if !is_batch_id(&batch) || !path.is_file() {
            table.missing = rows.clone();
            table.missing_reason = Some(format!(
                "批次 {batch} 不在数据湖中 / batch {batch} is not in the lake"
            ));
            tables.push(table);
            continue;
        }
        // A damaged file must not hide the warning: its rows are reported as unreadable.
        let read = match read_lake_rows(&path, rows) {
            Ok(read) => read,
            Err(e) => {
                table.missing = rows.clone();
                table.missing_reason = Some(format!(
                    "批次 {batch} 的数据湖文件无法读取 / the lake file of batch {batch} cannot be read: {e}"
                ));
                tables.push(table);
                continue;
            }
        };
        table.columns = read
            .columns
            .iter()
            .map(|name| {
                let field = spec.field(name.strip_suffix("_masked").unwrap_or(name));
                EvidenceColumn {
                    name: name.clone(),
                    zh: field.map_or_else(|| name.clone(), |f| f.zh.to_owned()),
                    en: field.map_or_else(|| name.clone(), |f| f.en.to_owned()),
                }
            })
            .collect();
        table.rows = read
            .rows
            .into_iter()
            .map(|LakeRow { row, cells }| (row, cells))
            .collect();
        if !read.missing.is_empty() {
            table.missing_reason = Some(format!(
                "这些行不在批次 {batch} 中 / these rows are not in batch {batch}"
            ));
        }
        table.missing = read.missing;
        tables.push(table);
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_ids_are_never_paths() {
        assert!(is_batch_id("payments-20240305-ab12_x"));
        assert!(!is_batch_id("../secret"));
        assert!(!is_batch_id("a/b"));
        assert!(!is_batch_id(""));
    }
}
