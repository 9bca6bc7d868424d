//! The Arrow schema of each dataset as the lake stores it, derived from the specification:
//! one column per field (a personal identifier as its keyed hash plus `<field>_masked`),
//! amounts DECIMAL(18,2), dates DATE, datetimes TIMESTAMP(ms), then `_batch` and `_row`.
//!
//! The ingest crate writes files of this shape; a test checks that both agree. The engine
//! needs it to register a dataset that holds no data yet as an empty table, so that every
//! rule plans (and `rules lint` can check its columns) in any workspace.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use qinglian_spec::{Dataset, FieldType};

pub const BATCH_COLUMN: &str = "_batch";
pub const ROW_COLUMN: &str = "_row";

pub fn arrow_type(ty: FieldType) -> DataType {
    match ty {
        FieldType::Integer => DataType::Int64,
        FieldType::Number => DataType::Float64,
        FieldType::Amount => DataType::Decimal128(18, 2),
        FieldType::Date => DataType::Date32,
        FieldType::DateTime => DataType::Timestamp(TimeUnit::Millisecond, None),
        FieldType::Bool => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

/// The lake schema of a dataset.
pub fn lake_schema(d: &Dataset) -> SchemaRef {
    let mut fields = Vec::with_capacity(d.fields.len() + 4);
    for f in d.fields {
        fields.push(Field::new(f.name, arrow_type(f.ty), !f.required));
        if f.ty.is_personal() {
            fields.push(Field::new(
                format!("{}_masked", f.name),
                DataType::Utf8,
                !f.required,
            ));
        }
    }
    fields.push(Field::new(BATCH_COLUMN, DataType::Utf8, false));
    fields.push(Field::new(ROW_COLUMN, DataType::Int64, false));
    Arc::new(Schema::new(fields))
}
