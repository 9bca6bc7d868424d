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
use arrow_array::{ArrayRef, RecordBatch, StringArray};
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
///
/// Sixteen bytes with `u32` offsets: the 40-byte form with `usize` offsets was copied into
/// the row with wider loads than the stores that had just written it, and stalled there.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell {
    Null,
    Text(u32, u32),
    /// Pseudonym at `start..mid` and masked form at `mid..end` of the row buffer.
    Personal(u32, u32, u32),
    Int(i64),
    Float(f64),
    Fen(i64),
    Date(i32),
    Millis(i64),
    Bool(bool),
}

/// `start..end` of a row buffer.
pub(crate) fn span(start: u32, end: u32) -> std::ops::Range<usize> {
    start as usize..end as usize
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
///
/// After each `finish` the builders are made anew with the capacity the last batch needed:
/// Arrow's builders restart empty, and growing them again by doubling for every chunk cost
/// an import about a fifth of its time in `realloc` and page faults.
pub(crate) struct BatchBuilder {
    schema: SchemaRef,
    types: Vec<FieldType>,
    builders: Vec<Builder>,
    batch_id: String,
    row_col: Int64Builder,
    len: usize,
}

impl BatchBuilder {
    pub(crate) fn new(d: &Dataset, batch_id: &str) -> Self {
        let types: Vec<FieldType> = d.fields.iter().map(|f| f.ty).collect();
        let builders = types
            .iter()
            .map(|t| Builder::with_capacity(*t, 0, &[0, 0]))
            .collect();
        Self {
            schema: arrow_schema(d),
            types,
            builders,
            batch_id: batch_id.to_owned(),
            row_col: Int64Builder::new(),
            len: 0,
        }
    }

    /// Appends one validated row; `cells[i]` belongs to spec field `i`.
    pub(crate) fn push(&mut self, cells: &[Cell], text: &str, source_row: u64) {
        for (b, c) in self.builders.iter_mut().zip(cells) {
            match (b, *c) {
                (Builder::Text(b), Cell::Text(s, e)) => b.append_value(&text[span(s, e)]),
                (Builder::Personal(h, m), Cell::Personal(s, mid, e)) => {
                    h.append_value(&text[span(s, mid)]);
                    m.append_value(&text[span(mid, e)]);
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
        self.row_col
            .append_value(i64::try_from(source_row).unwrap_or(i64::MAX));
        self.len += 1;
    }

    /// Takes the rows so far as one record batch and starts afresh.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let rows = self.len;
        // A quarter more than this batch needed: chunks vary a little in rows and bytes, and a
        // builder that has to grow copies itself (realloc) and faults in fresh pages.
        let slack = |n: usize| n + n / 4;
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for (b, ty) in self.builders.iter_mut().zip(&self.types) {
            let bytes = b.text_bytes().map(slack);
            let old = std::mem::replace(b, Builder::with_capacity(*ty, slack(rows), &bytes));
            match old {
                Builder::Text(mut b) => cols.push(Arc::new(b.finish())),
                Builder::Personal(mut h, mut m) => {
                    cols.push(Arc::new(h.finish()));
                    cols.push(Arc::new(m.finish()));
                }
                Builder::Int(mut b) => cols.push(Arc::new(b.finish())),
                Builder::Float(mut b) => cols.push(Arc::new(b.finish())),
                Builder::Amount(mut b) => cols.push(Arc::new(
                    b.finish()
                        .with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?,
                )),
                Builder::Date(mut b) => cols.push(Arc::new(b.finish())),
                Builder::Millis(mut b) => cols.push(Arc::new(b.finish())),
                Builder::Bool(mut b) => cols.push(Arc::new(b.finish())),
            }
        }
        // The batch id is the same on every row: one allocation instead of one append per row.
        cols.push(Arc::new(StringArray::from_iter_values(
            std::iter::repeat_n(self.batch_id.as_str(), rows),
        )));
        let mut row_col =
            std::mem::replace(&mut self.row_col, Int64Builder::with_capacity(slack(rows)));
        cols.push(Arc::new(row_col.finish()));
        self.len = 0;
        RecordBatch::try_new(self.schema.clone(), cols)
    }
}

impl Builder {
    /// A builder for `ty` sized for `rows` rows and, for text, `bytes` value bytes
    /// (`[hash, masked]` for a personal identifier).
    fn with_capacity(ty: FieldType, rows: usize, bytes: &[usize; 2]) -> Self {
        match ty {
            FieldType::Integer => Builder::Int(Int64Builder::with_capacity(rows)),
            FieldType::Number => Builder::Float(Float64Builder::with_capacity(rows)),
            FieldType::Amount => Builder::Amount(
                Decimal128Builder::with_capacity(rows)
                    .with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)
                    .expect("valid decimal type"),
            ),
            FieldType::Date => Builder::Date(Date32Builder::with_capacity(rows)),
            FieldType::DateTime => {
                Builder::Millis(TimestampMillisecondBuilder::with_capacity(rows))
            }
            FieldType::Bool => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            t if t.is_personal() => Builder::Personal(
                StringBuilder::with_capacity(rows, bytes[0]),
                StringBuilder::with_capacity(rows, bytes[1]),
            ),
            _ => Builder::Text(StringBuilder::with_capacity(rows, bytes[0])),
        }
    }

    /// Value bytes held so far (text builders), to size the next batch's builder.
    fn text_bytes(&self) -> [usize; 2] {
        match self {
            Builder::Text(b) => [b.values_slice().len(), 0],
            Builder::Personal(h, m) => [h.values_slice().len(), m.values_slice().len()],
            _ => [0, 0],
        }
    }

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
