//! Lake columns as plain Rust values, for the model base: a query's result handed over
//! without Arrow or DataFusion types, so the `detect` crate stays pure and the app never
//! sees an Arrow array.
//!
//! Text columns are dictionary-encoded ([`TextColumn`]: each distinct value once, a `u32`
//! code per row), which is what the detectors group by and what keeps ten million payee
//! names small. Integers, floats, booleans, dates and timestamps come as `Option` vectors.
//! Decimals (amounts) are not converted here: select them as `CAST(amount * 100 AS
//! BIGINT)` to get fen exactly.
//!
//! What this module does not do: decide which columns a detector needs (the app writes the
//! SQL), or keep anything after the query.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int64Type, Schema, TimeUnit, TimestampMillisecondType,
};

use crate::RulesError;
use crate::engine::Engine;

/// A text column: `values[codes[i]]` is row i's value; [`TextColumn::NULL`] marks a null.
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    pub values: Vec<String>,
    pub codes: Vec<u32>,
}

impl TextColumn {
    pub const NULL: u32 = u32::MAX;

    /// Row i's value, `None` when null.
    pub fn get(&self, i: usize) -> Option<&str> {
        match self.codes[i] {
            Self::NULL => None,
            c => Some(&self.values[c as usize]),
        }
    }

    /// Row i's value, empty when null.
    pub fn str(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
}

/// One result column.
#[derive(Debug, Clone)]
pub enum Column {
    Text(TextColumn),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Date(Vec<Option<NaiveDate>>),
    DateTime(Vec<Option<NaiveDateTime>>),
}

/// A query result, column by column.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub rows: usize,
    names: Vec<String>,
    columns: Vec<Column>,
}

fn wrong(name: &str, want: &str, got: &Column) -> RulesError {
    let kind = match got {
        Column::Text(_) => "text",
        Column::Int(_) => "integer",
        Column::Float(_) => "float",
        Column::Bool(_) => "bool",
        Column::Date(_) => "date",
        Column::DateTime(_) => "datetime",
    };
    RulesError::Internal(format!(
        "column {name}: expected {want}, the query gave {kind}"
    ))
}

impl Table {
    /// Column names in query order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn column(&self, name: &str) -> Result<&Column, RulesError> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
            .ok_or_else(|| RulesError::Internal(format!("the query has no column {name}")))
    }

    /// Takes a column out, leaving an empty one of the same kind: to keep a large column
    /// without copying it.
    pub fn take(&mut self, name: &str) -> Result<Column, RulesError> {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| RulesError::Internal(format!("the query has no column {name}")))?;
        let empty = match &self.columns[i] {
            Column::Text(_) => Column::Text(TextColumn::default()),
            Column::Int(_) => Column::Int(Vec::new()),
            Column::Float(_) => Column::Float(Vec::new()),
            Column::Bool(_) => Column::Bool(Vec::new()),
            Column::Date(_) => Column::Date(Vec::new()),
            Column::DateTime(_) => Column::DateTime(Vec::new()),
        };
        Ok(std::mem::replace(&mut self.columns[i], empty))
    }

    /// Takes a text column out (see [`Table::take`]).
    pub fn take_text(&mut self, name: &str) -> Result<TextColumn, RulesError> {
        match self.take(name)? {
            Column::Text(t) => Ok(t),
            c => Err(wrong(name, "text", &c)),
        }
    }

    pub fn text(&self, name: &str) -> Result<&TextColumn, RulesError> {
        match self.column(name)? {
            Column::Text(t) => Ok(t),
            c => Err(wrong(name, "text", c)),
        }
    }

    pub fn int(&self, name: &str) -> Result<&[Option<i64>], RulesError> {
        match self.column(name)? {
            Column::Int(v) => Ok(v),
            c => Err(wrong(name, "integer", c)),
        }
    }

    pub fn float(&self, name: &str) -> Result<&[Option<f64>], RulesError> {
        match self.column(name)? {
            Column::Float(v) => Ok(v),
            c => Err(wrong(name, "float", c)),
        }
    }

    pub fn bool(&self, name: &str) -> Result<&[Option<bool>], RulesError> {
        match self.column(name)? {
            Column::Bool(v) => Ok(v),
            c => Err(wrong(name, "bool", c)),
        }
    }

    pub fn date(&self, name: &str) -> Result<&[Option<NaiveDate>], RulesError> {
        match self.column(name)? {
            Column::Date(v) => Ok(v),
            c => Err(wrong(name, "date", c)),
        }
    }

    pub fn datetime(&self, name: &str) -> Result<&[Option<NaiveDateTime>], RulesError> {
        match self.column(name)? {
            Column::DateTime(v) => Ok(v),
            c => Err(wrong(name, "datetime", c)),
        }
    }
}

/// A column being filled batch by batch.
enum Builder {
    Text(HashMap<Box<str>, u32>, TextColumn),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Date(Vec<Option<NaiveDate>>),
    DateTime(Vec<Option<NaiveDateTime>>),
}

fn internal(e: impl std::fmt::Display) -> RulesError {
    RulesError::Internal(e.to_string())
}

impl Builder {
    fn for_type(name: &str, ty: &DataType) -> Result<Self, RulesError> {
        Ok(match ty {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                Self::Text(HashMap::new(), TextColumn::default())
            }
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => Self::Int(Vec::new()),
            DataType::Float32 | DataType::Float64 => Self::Float(Vec::new()),
            DataType::Boolean => Self::Bool(Vec::new()),
            DataType::Date32 | DataType::Date64 => Self::Date(Vec::new()),
            DataType::Timestamp(_, _) => Self::DateTime(Vec::new()),
            other => {
                return Err(RulesError::Internal(format!(
                    "column {name}: type {other} cannot be handed to a model; cast it in the query"
                )));
            }
        })
    }

    fn push(&mut self, a: &ArrayRef) -> Result<(), RulesError> {
        match self {
            Self::Text(index, col) => {
                let a = cast(a, &DataType::Utf8).map_err(internal)?;
                let a = a.as_string::<i32>();
                col.codes.reserve(a.len());
                for i in 0..a.len() {
                    if a.is_null(i) {
                        col.codes.push(TextColumn::NULL);
                        continue;
                    }
                    let v = a.value(i);
                    let code = match index.get(v) {
                        Some(&c) => c,
                        None => {
                            let c = u32::try_from(col.values.len()).map_err(internal)?;
                            index.insert(v.into(), c);
                            col.values.push(v.to_owned());
                            c
                        }
                    };
                    col.codes.push(code);
                }
            }
            Self::Int(v) => {
                let a = cast(a, &DataType::Int64).map_err(internal)?;
                let a = a.as_primitive::<Int64Type>();
                v.extend((0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i))));
            }
            Self::Float(v) => {
                let a = cast(a, &DataType::Float64).map_err(internal)?;
                let a = a.as_primitive::<Float64Type>();
                v.extend((0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i))));
            }
            Self::Bool(v) => {
                let a = a.as_boolean();
                v.extend((0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i))));
            }
            Self::Date(v) => {
                let a = cast(a, &DataType::Date32).map_err(internal)?;
                let a = a.as_primitive::<Date32Type>();
                // Date32 counts days from 1970-01-01 (day 719,163 of the common era).
                v.extend((0..a.len()).map(|i| {
                    a.is_valid(i)
                        .then(|| NaiveDate::from_num_days_from_ce_opt(a.value(i) + 719_163))
                        .flatten()
                }));
            }
            Self::DateTime(v) => {
                let a =
                    cast(a, &DataType::Timestamp(TimeUnit::Millisecond, None)).map_err(internal)?;
                let a = a.as_primitive::<TimestampMillisecondType>();
                v.extend((0..a.len()).map(|i| {
                    a.is_valid(i)
                        .then(|| DateTime::from_timestamp_millis(a.value(i)).map(|d| d.naive_utc()))
                        .flatten()
                }));
            }
        }
        Ok(())
    }

    fn finish(self) -> Column {
        match self {
            Self::Text(_, c) => Column::Text(c),
            Self::Int(v) => Column::Int(v),
            Self::Float(v) => Column::Float(v),
            Self::Bool(v) => Column::Bool(v),
            Self::Date(v) => Column::Date(v),
            Self::DateTime(v) => Column::DateTime(v),
        }
    }
}

/// Converts record batches of `schema` into a [`Table`], freeing each batch once it is
/// read (a ten-million-row result is held once, not twice).
fn to_table(schema: &Schema, batches: Vec<RecordBatch>) -> Result<Table, RulesError> {
    let mut builders = schema
        .fields()
        .iter()
        .map(|f| Builder::for_type(f.name(), f.data_type()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = 0;
    for b in batches {
        rows += b.num_rows();
        let b: RecordBatch = b;
        for (builder, col) in builders.iter_mut().zip(b.columns()) {
            builder.push(col)?;
        }
    }
    Ok(Table {
        rows,
        names: schema.fields().iter().map(|f| f.name().clone()).collect(),
        columns: builders.into_iter().map(Builder::finish).collect(),
    })
}

impl Engine {
    /// Runs a query over the registered datasets and returns its result as plain columns
    /// (see [`Table`]). For the model base; a query that fails is an internal fault (the
    /// app writes these queries against the specification's columns).
    pub async fn table(&self, sql: &str) -> Result<Table, RulesError> {
        let df = self.ctx.sql(sql).await.map_err(internal)?;
        let schema = df.schema().as_arrow().clone();
        let batches = df.collect().await.map_err(internal)?;
        to_table(&schema, batches)
    }

    /// Whether the dataset holds committed data (it is registered empty otherwise).
    pub fn has_data(&self, dataset: &str) -> bool {
        self.present.contains(dataset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinglian_core::calendar::Calendar;

    #[tokio::test]
    async fn query_results_arrive_as_plain_columns() {
        let engine = Engine::new(Calendar::builtin()).unwrap();
        let t = engine
            .table(
                "SELECT * FROM (VALUES ('a', 1, 1.5, true, DATE '2025-03-04', TIMESTAMP '2025-03-04 22:15:00'), \
                 ('b', NULL, NULL, NULL, NULL, NULL), ('a', 3, 0.5, false, DATE '1969-12-31', NULL)) \
                 AS t(s, i, f, b, d, ts)",
            )
            .await
            .unwrap();
        assert_eq!(t.rows, 3);
        let s = t.text("s").unwrap();
        assert_eq!(s.values, vec!["a", "b"], "each distinct value once");
        assert_eq!(s.codes, vec![0, 1, 0]);
        assert_eq!(t.int("i").unwrap(), &[Some(1), None, Some(3)]);
        assert_eq!(t.float("f").unwrap()[2], Some(0.5));
        assert_eq!(t.bool("b").unwrap(), &[Some(true), None, Some(false)]);
        let d = t.date("d").unwrap();
        assert_eq!(d[0], NaiveDate::from_ymd_opt(2025, 3, 4));
        assert_eq!(d[2], NaiveDate::from_ymd_opt(1969, 12, 31));
        let ts = t.datetime("ts").unwrap()[0].unwrap();
        assert_eq!(ts.to_string(), "2025-03-04 22:15:00");
        assert!(
            t.text("i").is_err(),
            "a wrong type is an error, not a guess"
        );
        assert!(t.int("nope").is_err());
    }

    #[tokio::test]
    async fn an_empty_dataset_gives_an_empty_table() {
        let engine = Engine::new(Calendar::builtin()).unwrap();
        assert!(!engine.has_data("payments"));
        let t = engine
            .table("SELECT payee_name, CAST(amount * 100 AS BIGINT) AS fen FROM payments")
            .await
            .unwrap();
        assert_eq!(t.rows, 0);
        assert!(t.text("payee_name").unwrap().codes.is_empty());
        assert!(t.int("fen").unwrap().is_empty());
    }
}
