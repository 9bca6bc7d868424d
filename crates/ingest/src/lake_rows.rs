//! Reading the rows a finding cites back out of one lake file, as display text, so that a
//! warning can show its evidence rows and not only their numbers.
//!
//! Rows are found by their `_row` (the source row number); the file's row groups whose
//! `_row` statistics cannot hold a wanted row are skipped, so a few rows out of a
//! ten-million-row batch do not cost a full scan. Personal identifiers are shown only in
//! their masked form (`<name>_masked`); the keyed hashes beside them are left out, and the
//! raw values are not in the lake to begin with.
//!
//! It does not know which file a batch lives in (the `app` crate does) nor the fields'
//! labels (the spec does).

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMillisecondType,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::statistics::Statistics;

use crate::IngestError;
use crate::lake::{BATCH_COLUMN, ROW_COLUMN};

/// One cited row: its source row number and one display cell per column (`None` = empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeRow {
    pub row: i64,
    pub cells: Vec<Option<String>>,
}

/// The cited rows of one lake file, in source-row order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeRows {
    /// Column names as in the lake (a masked identifier keeps its `_masked` name).
    pub columns: Vec<String>,
    pub rows: Vec<LakeRow>,
    /// Wanted rows that are not in the file.
    pub missing: Vec<i64>,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> IngestError {
    IngestError::BadFile {
        path: path.to_owned(),
        what: format!("not a readable lake file: {what}"),
        what_zh: format!("无法读取数据湖文件：{what}"),
    }
}

/// The rows of `path` whose `_row` is in `wanted`.
pub fn read_lake_rows(path: &Path, wanted: &[i64]) -> Result<LakeRows, IngestError> {
    let wanted: BTreeSet<i64> = wanted.iter().copied().collect();
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(path, e))?;
    let schema = builder.schema().clone();
    let Some(row_idx) = schema.index_of(ROW_COLUMN).ok() else {
        return Err(bad(path, format!("it has no {ROW_COLUMN} column")));
    };
    // Shown: every column but the system columns and the keyed hashes that have a masked twin.
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let shown: Vec<usize> = (0..names.len())
        .filter(|&i| {
            let n = names[i];
            n != ROW_COLUMN && n != BATCH_COLUMN && !names.contains(&format!("{n}_masked").as_str())
        })
        .collect();

    let groups: Vec<usize> = builder
        .metadata()
        .row_groups()
        .iter()
        .enumerate()
        .filter(|(_, g)| match g.column(row_idx).statistics() {
            Some(Statistics::Int64(s)) => match (s.min_opt(), s.max_opt()) {
                (Some(lo), Some(hi)) => wanted.range(*lo..=*hi).next().is_some(),
                _ => true,
            },
            _ => true,
        })
        .map(|(i, _)| i)
        .collect();
    let reader = builder
        .with_row_groups(groups)
        .build()
        .map_err(|e| bad(path, e))?;

    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| bad(path, e))?;
        collect(&batch, row_idx, &shown, &wanted, &mut rows)?;
    }
    rows.sort_by_key(|r: &LakeRow| r.row);
    rows.dedup_by_key(|r| r.row);
    let found: BTreeSet<i64> = rows.iter().map(|r| r.row).collect();
    Ok(LakeRows {
        columns: shown.iter().map(|&i| names[i].to_owned()).collect(),
        rows,
        missing: wanted.difference(&found).copied().collect(),
    })
}

fn collect(
    batch: &RecordBatch,
    row_idx: usize,
    shown: &[usize],
    wanted: &BTreeSet<i64>,
    out: &mut Vec<LakeRow>,
) -> Result<(), IngestError> {
    let Some(row_numbers) = batch.column(row_idx).as_primitive_opt::<Int64Type>() else {
        return Err(IngestError::Internal(format!(
            "{ROW_COLUMN} is not a 64-bit integer column"
        )));
    };
    for i in 0..batch.num_rows() {
        let row = row_numbers.value(i);
        if !wanted.contains(&row) {
            continue;
        }
        let cells = shown
            .iter()
            .map(|&c| display(batch.column(c).as_ref(), i))
            .collect();
        out.push(LakeRow { row, cells });
    }
    Ok(())
}

/// One cell as text, in the forms the import accepts back: dates `2024-03-05`, times
/// `2024-03-05 14:30:00`, amounts with two decimals.
fn display(col: &dyn Array, i: usize) -> Option<String> {
    if col.is_null(i) {
        return None;
    }
    Some(match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(i).to_owned(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Float64 => col.as_primitive::<Float64Type>().value(i).to_string(),
        DataType::Boolean => col.as_boolean().value(i).to_string(),
        DataType::Decimal128(_, scale) => {
            decimal(col.as_primitive::<Decimal128Type>().value(i), *scale)
        }
        DataType::Date32 => {
            let days = col.as_primitive::<Date32Type>().value(i);
            chrono::DateTime::from_timestamp(i64::from(days) * 86_400, 0)
                .map(|t| t.date_naive().to_string())
                .unwrap_or_else(|| days.to_string())
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            let ms = col.as_primitive::<TimestampMillisecondType>().value(i);
            chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_else(|| ms.to_string())
        }
        other => format!("<{other}>"),
    })
}

fn decimal(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return v.to_string();
    }
    let unit = 10_i128.pow(u32::from(scale.unsigned_abs()));
    let sign = if v < 0 { "-" } else { "" };
    let (int, frac) = (v.abs() / unit, v.abs() % unit);
    format!(
        "{sign}{int}.{frac:0width$}",
        width = usize::from(scale.unsigned_abs())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_scale_and_sign() {
        assert_eq!(decimal(123_456, 2), "1234.56");
        assert_eq!(decimal(-5, 2), "-0.05");
        assert_eq!(decimal(7, 0), "7");
    }
}
