//! Parquet files from other tools (e.g. a data warehouse export). Each value is rendered
//! as text and validated like any other source, so the same rules apply whatever the format.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::{Row, RowSource};
use crate::encoding::Encoding;
use crate::error::IngestError;

pub(crate) struct ParquetSource {
    reader: ParquetRecordBatchReader,
    headers: Vec<String>,
    batch: Option<RecordBatch>,
    offset: usize,
    row_no: u64,
    total: u64,
}

fn supported(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Date32
            | DataType::Timestamp(_, _)
            | DataType::Decimal128(_, _)
            | DataType::Null
    )
}

impl ParquetSource {
    pub(crate) fn open(path: &Path) -> Result<Self, IngestError> {
        let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| {
            IngestError::bad_file(
                path,
                format!("not a readable Parquet file (damaged or truncated?): {e}"),
                format!("无法读取 Parquet 文件（可能已损坏或不完整）：{e}"),
            )
        })?;
        let total = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let schema = builder.schema().clone();
        for f in schema.fields() {
            if !supported(f.data_type()) {
                return Err(IngestError::bad_file(
                    path,
                    format!(
                        "column '{}' has type {} which cannot be imported; export it as text or a number",
                        f.name(),
                        f.data_type()
                    ),
                    format!(
                        "列“{}”的类型 {} 无法导入，请导出为文本或数字",
                        f.name(),
                        f.data_type()
                    ),
                ));
            }
        }
        let headers = schema.fields().iter().map(|f| f.name().clone()).collect();
        let reader = builder
            .with_batch_size(8192)
            .build()
            .map_err(|e| IngestError::bad_file(path, e.to_string(), e.to_string()))?;
        Ok(Self {
            reader,
            headers,
            batch: None,
            offset: 0,
            row_no: 0,
            total,
        })
    }
}

fn value_text(col: &dyn Array, i: usize) -> String {
    if col.is_null(i) {
        return String::new();
    }
    match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(i).to_owned(),
        DataType::LargeUtf8 => col.as_string::<i64>().value(i).to_owned(),
        DataType::Utf8View => col.as_string_view().value(i).to_owned(),
        DataType::Boolean => col.as_boolean().value(i).to_string(),
        DataType::Int8 => col.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => col.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => col.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => col.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => col.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::UInt64 => col.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::Float32 => col.as_primitive::<Float32Type>().value(i).to_string(),
        DataType::Float64 => col.as_primitive::<Float64Type>().value(i).to_string(),
        DataType::Date32 => {
            let days = col.as_primitive::<Date32Type>().value(i);
            chrono::DateTime::from_timestamp(i64::from(days) * 86_400, 0)
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default()
        }
        DataType::Timestamp(unit, _) => {
            let (secs, nanos) = match unit {
                TimeUnit::Second => (col.as_primitive::<TimestampSecondType>().value(i), 0),
                TimeUnit::Millisecond => split(
                    col.as_primitive::<TimestampMillisecondType>().value(i),
                    1_000,
                ),
                TimeUnit::Microsecond => split(
                    col.as_primitive::<TimestampMicrosecondType>().value(i),
                    1_000_000,
                ),
                TimeUnit::Nanosecond => split(
                    col.as_primitive::<TimestampNanosecondType>().value(i),
                    1_000_000_000,
                ),
            };
            chrono::DateTime::from_timestamp(secs, nanos)
                .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default()
        }
        DataType::Decimal128(_, scale) => {
            let v = col
                .as_primitive::<arrow_array::types::Decimal128Type>()
                .value(i);
            decimal_text(v, *scale)
        }
        _ => String::new(),
    }
}

fn split(v: i64, per_sec: i64) -> (i64, u32) {
    let secs = v.div_euclid(per_sec);
    let rem = v.rem_euclid(per_sec);
    (
        secs,
        u32::try_from(rem * (1_000_000_000 / per_sec)).unwrap_or(0),
    )
}

fn decimal_text(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return format!("{v}{}", "0".repeat(usize::from(scale.unsigned_abs())));
    }
    let div = 10i128.pow(u32::from(scale.unsigned_abs()));
    let sign = if v < 0 { "-" } else { "" };
    let v = v.abs();
    format!(
        "{sign}{}.{:0width$}",
        v / div,
        v % div,
        width = usize::from(scale.unsigned_abs())
    )
}

impl RowSource for ParquetSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn encoding(&self) -> Encoding {
        Encoding::Utf8
    }

    fn next_row(&mut self, record: &mut csv::ByteRecord) -> Result<Row, IngestError> {
        loop {
            if let Some(b) = &self.batch
                && self.offset < b.num_rows()
            {
                record.clear();
                for col in b.columns() {
                    record.push_field(value_text(col.as_ref(), self.offset).as_bytes());
                }
                self.offset += 1;
                self.row_no += 1;
                return Ok(Row::Cells(self.row_no));
            }
            match self.reader.next() {
                None => return Ok(Row::End),
                Some(Ok(b)) => {
                    self.batch = Some(b);
                    self.offset = 0;
                }
                Some(Err(e)) => {
                    return Err(IngestError::Internal(format!(
                        "reading Parquet failed (file damaged?): {e}"
                    )));
                }
            }
        }
    }

    fn position(&self) -> u64 {
        self.row_no
    }

    fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::decimal_text;

    #[test]
    fn decimals_print_exactly() {
        assert_eq!(decimal_text(123_450, 2), "1234.50");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(7, 0), "7");
    }
}
