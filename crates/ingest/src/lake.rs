//! The lake's table layout for a dataset, and the column builders that fill it.
//!
//! Each spec field is one column; a personal identifier becomes two, the keyed hash under
//! the field's own name (what rules join on) and `<name>_masked` for display. Two system
//! columns tie every lake row to its source: `_batch` and `_row` (the row number a person
//! sees in the source file). That pair is what a finding cites as evidence.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use qinglian_spec::{Dataset, FieldType};

pub const BATCH_COLUMN: &str = "_batch";
pub const ROW_COLUMN: &str = "_row";

/// Amounts are exact decimals: DECIMAL(18, 2), i.e. fen in an i128.
const AMOUNT_PRECISION: u8 = 18;
const AMOUNT_SCALE: i8 = 2;

fn arrow_type(ty: FieldType) -> DataType {
    match ty {
        FieldType::Integer => DataType::Int64,
        FieldType::Number => DataType::Float64,
        FieldType::Amount => DataType::Decimal128(AMOUNT_PRECISION, AMOUNT_SCALE),
        FieldType::Date => DataType::Date32,
        FieldType::DateTime => DataType::Timestamp(TimeUnit::Millisecond, None),
        FieldType::Bool => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

/// Column names of a dataset in the lake, in order (system columns last).
pub fn lake_columns(d: &Dataset) -> Vec<String> {
    arrow_schema(d)
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// The Arrow schema of a dataset's lake files.
pub fn arrow_schema(d: &Dataset) -> SchemaRef {
    let mut fields = Vec::with_capacity(d.fields.len() + 4);
    for f in d.fields {
        fields.push(ArrowField::new(f.name, arrow_type(f.ty), !f.required));
        if f.ty.is_personal() {
            fields.push(ArrowField::new(
                format!("{}_masked", f.name),
                DataType::Utf8,
                !f.required,
            ));
        }
    }
    fields.push(ArrowField::new(BATCH_COLUMN, DataType::Utf8, false));
    fields.push(ArrowField::new(ROW_COLUMN, DataType::Int64, false));
    Arc::new(Schema::new(fields))
}

/// A parsed cell waiting for its row to pass validation. Text lives in the row's shared
/// buffer (`start..end`) so a row costs no allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell {
    Null,
    Text(usize, usize),
    /// Pseudonym and masked form, both in the row buffer.
    Personal(usize, usize, usize, usize),
    Int(i64),
    Float(f64),
    Fen(i64),
    Date(i32),
    Millis(i64),
    Bool(bool),
}

enum Builder {
    Text(StringBuilder),
    Personal(StringBuilder, StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Amount(Decimal128Builder),
    Date(Date32Builder),
    Millis(TimestampMillisecondBuilder),
    Bool(BooleanBuilder),
}

/// Accumulates accepted rows into Arrow arrays, one builder per spec field.
pub(crate) struct BatchBuilder {
    schema: SchemaRef,
    builders: Vec<Builder>,
    batch_id: String,
    batch_col: StringBuilder,
    row_col: Int64Builder,
    len: usize,
}

impl BatchBuilder {
    pub(crate) fn new(d: &Dataset, batch_id: &str) -> Self {
        let builders = d
            .fields
            .iter()
            .map(|f| match f.ty {
                FieldType::Integer => Builder::Int(Int64Builder::new()),
                FieldType::Number => Builder::Float(Float64Builder::new()),
                FieldType::Amount => Builder::Amount(
                    Decimal128Builder::new()
                        .with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)
                        .expect("valid decimal type"),
                ),
                FieldType::Date => Builder::Date(Date32Builder::new()),
                FieldType::DateTime => Builder::Millis(TimestampMillisecondBuilder::new()),
                FieldType::Bool => Builder::Bool(BooleanBuilder::new()),
                t if t.is_personal() => {
                    Builder::Personal(StringBuilder::new(), StringBuilder::new())
                }
                _ => Builder::Text(StringBuilder::new()),
            })
            .collect();
        Self {
            schema: arrow_schema(d),
            builders,
            batch_id: batch_id.to_owned(),
            batch_col: StringBuilder::new(),
            row_col: Int64Builder::new(),
            len: 0,
        }
    }

    /// Appends one validated row; `cells[i]` belongs to spec field `i`.
    pub(crate) fn push(&mut self, cells: &[Cell], text: &str, source_row: u64) {
        for (b, c) in self.builders.iter_mut().zip(cells) {
            match (b, *c) {
                (Builder::Text(b), Cell::Text(s, e)) => b.append_value(&text[s..e]),
                (Builder::Personal(h, m), Cell::Personal(hs, he, ms, me)) => {
                    h.append_value(&text[hs..he]);
                    m.append_value(&text[ms..me]);
                }
                (Builder::Int(b), Cell::Int(v)) => b.append_value(v),
                (Builder::Float(b), Cell::Float(v)) => b.append_value(v),
                (Builder::Amount(b), Cell::Fen(v)) => b.append_value(i128::from(v)),
                (Builder::Date(b), Cell::Date(v)) => b.append_value(v),
                (Builder::Millis(b), Cell::Millis(v)) => b.append_value(v),
                (Builder::Bool(b), Cell::Bool(v)) => b.append_value(v),
                (b, _) => b.append_null(),
            }
        }
        self.batch_col.append_value(&self.batch_id);
        self.row_col
            .append_value(i64::try_from(source_row).unwrap_or(i64::MAX));
        self.len += 1;
    }

    /// Takes the rows so far as one record batch and starts afresh.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for b in &mut self.builders {
            match b {
                Builder::Text(b) => cols.push(Arc::new(b.finish())),
                Builder::Personal(h, m) => {
                    cols.push(Arc::new(h.finish()));
                    cols.push(Arc::new(m.finish()));
                }
                Builder::Int(b) => cols.push(Arc::new(b.finish())),
                Builder::Float(b) => cols.push(Arc::new(b.finish())),
                Builder::Amount(b) => cols.push(Arc::new(
                    b.finish()
                        .with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?,
                )),
                Builder::Date(b) => cols.push(Arc::new(b.finish())),
                Builder::Millis(b) => cols.push(Arc::new(b.finish())),
                Builder::Bool(b) => cols.push(Arc::new(b.finish())),
            }
        }
        cols.push(Arc::new(self.batch_col.finish()));
        cols.push(Arc::new(self.row_col.finish()));
        self.len = 0;
        RecordBatch::try_new(self.schema.clone(), cols)
    }
}

impl Builder {
    fn append_null(&mut self) {
        match self {
            Builder::Text(b) => b.append_null(),
            Builder::Personal(h, m) => {
                h.append_null();
                m.append_null();
            }
            Builder::Int(b) => b.append_null(),
            Builder::Float(b) => b.append_null(),
            Builder::Amount(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Millis(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
        }
    }
}
