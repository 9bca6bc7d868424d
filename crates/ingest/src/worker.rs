//! Turning a chunk of raw rows into an Arrow batch of accepted rows plus the quarantine
//! lines of refused ones. Chunks are independent, so several workers run side by side.

use std::borrow::Cow;

use arrow_array::RecordBatch;
use qinglian_spec::Dataset;

use crate::encoding::Encoding;
use crate::error::IngestError;
use crate::keys::KeyColumns;
use crate::lake::{BatchBuilder, Cell};
use crate::normalise::{Normaliser, mask_raw};

/// One raw row as the reader produced it.
pub(crate) enum RawRow {
    Cells(u64),
    Broken { row: u64, zh: String, en: String },
}

/// Rows handed from the reader to a worker. Records are reused: the collector sends
/// spent chunks back so steady state allocates nothing per row.
pub(crate) struct Chunk {
    pub seq: u64,
    pub kinds: Vec<RawRow>,
    pub records: Vec<csv::ByteRecord>,
}

/// One line of the quarantine file.
pub(crate) struct QuarantineLine {
    pub row: u64,
    pub column: &'static str,
    pub raw: String,
    pub zh: String,
    pub en: String,
}

/// What a worker made of a chunk.
pub(crate) struct Processed {
    pub seq: u64,
    pub batch: RecordBatch,
    /// Key hash of each accepted row, in batch order (empty for datasets without key).
    pub keys: Vec<u64>,
    pub lines: Vec<QuarantineLine>,
    pub read: u64,
    pub refused: u64,
    pub chunk: Chunk,
}

pub(crate) struct Worker {
    pub dataset: &'static Dataset,
    pub source_of_field: Vec<Option<usize>>,
    pub encoding: Encoding,
    pub norm: Normaliser,
    pub builder: BatchBuilder,
    pub key_columns: KeyColumns,
    cells: Vec<Cell>,
    text: String,
    errors: Vec<(usize, String, String)>,
}

impl Worker {
    pub(crate) fn new(
        dataset: &'static Dataset,
        source_of_field: Vec<Option<usize>>,
        encoding: Encoding,
        norm: Normaliser,
        batch_id: &str,
    ) -> Self {
        Self {
            dataset,
            source_of_field,
            encoding,
            norm,
            builder: BatchBuilder::new(dataset, batch_id),
            key_columns: KeyColumns::new(dataset),
            cells: Vec::with_capacity(dataset.fields.len()),
            text: String::with_capacity(512),
            errors: Vec::new(),
        }
    }

    pub(crate) fn process(&mut self, chunk: Chunk) -> Result<Processed, IngestError> {
        let mut keys = Vec::with_capacity(chunk.kinds.len());
        let mut lines = Vec::new();
        let mut refused = 0;
        for (kind, record) in chunk.kinds.iter().zip(&chunk.records) {
            let row = match kind {
                RawRow::Broken { row, zh, en } => {
                    refused += 1;
                    lines.push(QuarantineLine {
                        row: *row,
                        column: "",
                        raw: String::new(),
                        zh: zh.clone(),
                        en: en.clone(),
                    });
                    continue;
                }
                RawRow::Cells(row) => *row,
            };
            if self.row(record) {
                if let Some(h) = self.key_columns.hash(&self.cells, &self.text) {
                    keys.push(h);
                }
                self.builder.push(&self.cells, &self.text, row);
            } else {
                refused += 1;
                self.quarantine(record, row, &mut lines);
            }
        }
        let batch = self.builder.finish()?;
        Ok(Processed {
            seq: chunk.seq,
            batch,
            keys,
            lines,
            read: chunk.kinds.len() as u64,
            refused,
            chunk,
        })
    }

    /// Parses one row into `self.cells`; false if any cell was refused (see `self.errors`).
    fn row(&mut self, record: &csv::ByteRecord) -> bool {
        self.cells.clear();
        self.text.clear();
        self.errors.clear();
        // One UTF-8 check for the whole row instead of one per cell; cells are then sliced
        // out of it (delimiters are ASCII, so cell bounds are character bounds).
        let whole = match self.encoding {
            // simdutf8: the same check, several times faster on long rows.
            Encoding::Utf8 => simdutf8::basic::from_utf8(record.as_slice()).ok(),
            _ => None,
        };
        for (fi, field) in self.dataset.fields.iter().enumerate() {
            let col = self.source_of_field[fi];
            let value = match (whole, col.and_then(|c| record.range(c))) {
                (Some(line), Some(r)) => Some(Cow::Borrowed(&line[r])),
                (Some(_), None) => Some(Cow::Borrowed("")),
                (None, _) => self
                    .encoding
                    .decode(col.and_then(|c| record.get(c)).unwrap_or(b"")),
            };
            let Some(value) = value else {
                let enc = self.encoding.name();
                self.errors.push((
                    fi,
                    format!("不是有效的 {enc} 文本，请用 --encoding 指定编码"),
                    format!("not valid {enc} text; set --encoding"),
                ));
                self.cells.push(Cell::Null);
                continue;
            };
            match self.norm.cell(field, &value, &mut self.text) {
                Ok(c) => self.cells.push(c),
                Err(e) => {
                    self.errors.push((fi, e.zh, e.en));
                    self.cells.push(Cell::Null);
                }
            }
        }
        self.errors.is_empty()
    }

    fn quarantine(&mut self, record: &csv::ByteRecord, row: u64, lines: &mut Vec<QuarantineLine>) {
        for (fi, zh, en) in self.errors.drain(..) {
            let f = &self.dataset.fields[fi];
            let raw = self.source_of_field[fi]
                .and_then(|c| record.get(c))
                .unwrap_or(b"");
            let raw = self.encoding.decode(raw).map_or_else(
                || String::from_utf8_lossy(raw).into_owned(),
                Cow::into_owned,
            );
            lines.push(QuarantineLine {
                row,
                column: f.name,
                raw: mask_raw(f, &raw),
                zh,
                en,
            });
        }
    }
}
