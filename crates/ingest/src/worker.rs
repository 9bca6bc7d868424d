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
use crate::source::cell_count_problem;

/// One raw row as the reader produced it.
pub(crate) enum RawRow {
    Cells(u64),
    Broken { row: u64, zh: String, en: String },
}

/// Rows handed from the reader to a worker: either rows already split into `records`
/// (spreadsheets, JSON Lines, Parquet), or for CSV and TSV a block of raw `text` holding
/// whole records, which the worker splits itself. Buffers are reused: the collector sends
/// spent chunks back so steady state allocates nothing per row.
pub(crate) struct Chunk {
    pub seq: u64,
    pub kinds: Vec<RawRow>,
    pub records: Vec<csv::ByteRecord>,
    pub text: Vec<u8>,
    /// Source line number of the first byte of `text`; `None`: the rows are in `records`.
    pub text_line: Option<u64>,
}

impl Chunk {
    pub(crate) fn new(seq: u64) -> Self {
        Self {
            seq,
            kinds: Vec::new(),
            records: Vec::new(),
            text: Vec::new(),
            text_line: None,
        }
    }
}

/// The cells of one row: `bytes` and each cell's range in it.
#[derive(Clone, Copy)]
pub(crate) struct Cells<'a> {
    bytes: &'a [u8],
    bounds: &'a [(u32, u32)],
}

impl<'a> Cells<'a> {
    fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.range(i).map(|r| &self.bytes[r])
    }

    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        self.bounds.get(i).map(|&(s, e)| s as usize..e as usize)
    }
}

/// Fills `bounds` with the cell ranges of a record (ranges into `record.as_slice()`).
fn record_bounds(record: &csv::ByteRecord, bounds: &mut Vec<(u32, u32)>) {
    bounds.clear();
    bounds.extend((0..record.len()).filter_map(|i| record.range(i)).map(|r| {
        (
            u32::try_from(r.start).unwrap_or(u32::MAX),
            u32::try_from(r.end).unwrap_or(u32::MAX),
        )
    }));
}

/// Calls `f(line, cell ranges in it, newlines before it)` for every non-blank line of
/// `text` (which holds no quotes or carriage returns).
///
/// Looks at eight bytes at a time: a word without a delimiter or newline (most of a cell's
/// text) costs a few instructions instead of a comparison per byte. The bit trick marks
/// exactly the bytes of a word equal to a given byte (no false positives, unlike the
/// shorter `(v - 0x01…) & !v` form).
fn for_each_line(
    text: &[u8],
    delimiter: u8,
    bounds: &mut Vec<(u32, u32)>,
    mut f: impl FnMut(&[u8], &[(u32, u32)], u64),
) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let zero_bytes = |v: u64| !(((v & LOW7).wrapping_add(LOW7)) | v | LOW7);
    let (d, n) = (ONES * u64::from(delimiter), ONES * u64::from(b'\n'));
    let (mut line_start, mut cell_start, mut newlines) = (0usize, 0usize, 0u64);
    bounds.clear();
    let mut hit = |j: usize, bounds: &mut Vec<(u32, u32)>| {
        bounds.push(((cell_start - line_start) as u32, (j - line_start) as u32));
        cell_start = j + 1;
        if text[j] == b'\n' {
            if j > line_start {
                f(&text[line_start..j], bounds, newlines);
            }
            bounds.clear();
            newlines += 1;
            line_start = j + 1;
        }
    };
    let words = text.len() / 8 * 8;
    let mut i = 0;
    while i < words {
        let mut w = [0u8; 8];
        w.copy_from_slice(&text[i..i + 8]);
        let w = u64::from_le_bytes(w);
        let mut m = zero_bytes(w ^ d) | zero_bytes(w ^ n);
        while m != 0 {
            hit(i + (m.trailing_zeros() / 8) as usize, bounds);
            m &= m - 1;
        }
        i += 8;
    }
    for (j, &c) in text.iter().enumerate().skip(words) {
        if c == delimiter || c == b'\n' {
            hit(j, bounds);
        }
    }
    if line_start < text.len() {
        bounds.push((
            (cell_start - line_start) as u32,
            (text.len() - line_start) as u32,
        ));
        f(&text[line_start..], bounds, newlines);
    }
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

/// The line (1-based, within `text`) where a record starts. The csv crate stamps a record
/// with its reader's position before it skips the line ends in front of the record: the
/// `\n` of a `\r\n` (it ends a record at the `\r`) and blank lines. Counting the newlines
/// among those skipped bytes gives the line a person sees the record on.
fn record_line(text: &[u8], pos: Option<&csv::Position>) -> u64 {
    let Some(pos) = pos else { return 1 };
    let from = usize::try_from(pos.byte())
        .unwrap_or(text.len())
        .min(text.len());
    let skipped = text[from..]
        .iter()
        .take_while(|&&c| c == b'\r' || c == b'\n')
        .filter(|&&c| c == b'\n')
        .count();
    pos.line() + skipped as u64
}

pub(crate) struct Worker {
    pub dataset: &'static Dataset,
    pub source_of_field: Vec<Option<usize>>,
    pub encoding: Encoding,
    pub norm: Normaliser,
    pub builder: BatchBuilder,
    pub key_columns: KeyColumns,
    /// For text chunks: the delimiter and the header's column count.
    text_format: Option<(u8, usize)>,
    cells: Vec<Cell>,
    text: String,
    errors: Vec<(usize, String, String)>,
    bounds: Vec<(u32, u32)>,
    record: csv::ByteRecord,
}

/// What a chunk produced so far.
#[derive(Default)]
struct Tally {
    keys: Vec<u64>,
    lines: Vec<QuarantineLine>,
    read: u64,
    refused: u64,
}

impl Tally {
    fn broken(&mut self, row: u64, zh: String, en: String) {
        self.read += 1;
        self.refused += 1;
        self.lines.push(QuarantineLine {
            row,
            column: "",
            raw: String::new(),
            zh,
            en,
        });
    }
}

impl Worker {
    pub(crate) fn new(
        dataset: &'static Dataset,
        source_of_field: Vec<Option<usize>>,
        encoding: Encoding,
        norm: Normaliser,
        batch_id: &str,
        text_format: Option<(u8, usize)>,
    ) -> Self {
        Self {
            dataset,
            source_of_field,
            encoding,
            norm,
            builder: BatchBuilder::new(dataset, batch_id),
            key_columns: KeyColumns::new(dataset),
            text_format,
            cells: Vec::with_capacity(dataset.fields.len()),
            text: String::with_capacity(512),
            errors: Vec::new(),
            bounds: Vec::new(),
            record: csv::ByteRecord::new(),
        }
    }

    pub(crate) fn process(&mut self, chunk: Chunk) -> Result<Processed, IngestError> {
        let mut t = Tally {
            keys: Vec::with_capacity(chunk.kinds.len().max(8192)),
            ..Tally::default()
        };
        match (chunk.text_line, self.text_format) {
            (Some(line), Some((delimiter, columns))) => {
                self.text_chunk(&chunk.text, line, delimiter, columns, &mut t)?;
            }
            _ => {
                let mut bounds = std::mem::take(&mut self.bounds);
                for (kind, record) in chunk.kinds.iter().zip(&chunk.records) {
                    match kind {
                        RawRow::Broken { row, zh, en } => t.broken(*row, zh.clone(), en.clone()),
                        RawRow::Cells(row) => {
                            record_bounds(record, &mut bounds);
                            let cells = Cells {
                                bytes: record.as_slice(),
                                bounds: &bounds,
                            };
                            self.accept_or_refuse(cells, *row, &mut t);
                        }
                    }
                }
                self.bounds = bounds;
            }
        }
        let batch = self.builder.finish()?;
        Ok(Processed {
            seq: chunk.seq,
            batch,
            keys: t.keys,
            lines: t.lines,
            read: t.read,
            refused: t.refused,
            chunk,
        })
    }

    /// Splits a block of whole CSV records into rows and cells. Blocks without quotes or
    /// carriage returns (nearly all of a machine export) are split here line by line;
    /// others go through the csv crate, whose rules the block reader follows.
    fn text_chunk(
        &mut self,
        text: &[u8],
        first_line: u64,
        delimiter: u8,
        columns: usize,
        t: &mut Tally,
    ) -> Result<(), IngestError> {
        let mut bounds = std::mem::take(&mut self.bounds);
        if !text.contains(&b'"') && !text.contains(&b'\r') {
            for_each_line(text, delimiter, &mut bounds, |line, cells, newlines| {
                let cells = Cells {
                    bytes: line,
                    bounds: cells,
                };
                self.text_row(cells, first_line + newlines, columns, t);
            });
        } else {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(text);
            let mut record = std::mem::take(&mut self.record);
            loop {
                match reader.read_byte_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        let line = first_line + record_line(text, record.position()) - 1;
                        record_bounds(&record, &mut bounds);
                        let cells = Cells {
                            bytes: record.as_slice(),
                            bounds: &bounds,
                        };
                        self.text_row(cells, line, columns, t);
                    }
                    Err(e) => {
                        let line = first_line + e.position().map_or(1, csv::Position::line) - 1;
                        t.broken(
                            line,
                            format!("CSV 格式错误：{e}"),
                            format!("malformed CSV: {e}"),
                        );
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            break;
                        }
                    }
                }
            }
            self.record = record;
        }
        self.bounds = bounds;
        Ok(())
    }

    fn text_row(&mut self, cells: Cells<'_>, row: u64, columns: usize, t: &mut Tally) {
        let last_empty = cells.get(columns) == Some(b"");
        match cell_count_problem(cells.bounds.len(), columns, last_empty) {
            Some((zh, en)) => t.broken(row, zh, en),
            None => self.accept_or_refuse(cells, row, t),
        }
    }

    fn accept_or_refuse(&mut self, cells: Cells<'_>, row: u64, t: &mut Tally) {
        t.read += 1;
        if self.row(cells) {
            if let Some(h) = self.key_columns.hash(&self.cells, &self.text) {
                t.keys.push(h);
            }
            self.builder.push(&self.cells, &self.text, row);
        } else {
            t.refused += 1;
            self.quarantine(cells, row, &mut t.lines);
        }
    }

    /// Parses one row into `self.cells`; false if any cell was refused (see `self.errors`).
    fn row(&mut self, record: Cells<'_>) -> bool {
        self.cells.clear();
        self.text.clear();
        self.errors.clear();
        // One UTF-8 check for the whole row instead of one per cell; cells are then sliced
        // out of it (delimiters are ASCII, so cell bounds are character bounds).
        let whole = match self.encoding {
            // simdutf8: the same check, several times faster on long rows.
            Encoding::Utf8 => simdutf8::basic::from_utf8(record.bytes).ok(),
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
                    let e = *e;
                    self.errors.push((fi, e.zh, e.en));
                    self.cells.push(Cell::Null);
                }
            }
        }
        self.errors.is_empty()
    }

    fn quarantine(&mut self, record: Cells<'_>, row: u64, lines: &mut Vec<QuarantineLine>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain reading of a quote-free text: lines split on newlines, cells on the delimiter.
    fn naive(text: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        text.split(|&c| c == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(k, l)| {
                (
                    k as u64,
                    l.split(|&c| c == delimiter).map(<[u8]>::to_vec).collect(),
                )
            })
            .collect()
    }

    fn fast(text: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        let mut bounds = Vec::new();
        for_each_line(text, delimiter, &mut bounds, |line, cells, k| {
            let cells = cells
                .iter()
                .map(|&(s, e)| line[s as usize..e as usize].to_vec());
            out.push((k, cells.collect()));
        });
        out
    }

    proptest::proptest! {
        #[test]
        fn word_at_a_time_splitting_equals_the_plain_reading(
            text in proptest::collection::vec(
                proptest::prop_oneof![
                    Just(b','), Just(b'\n'), Just(b'\t'), Just(b'a'), Just(0x80u8), Just(0xffu8),
                    proptest::num::u8::ANY
                ].prop_filter("no quotes or CR", |c| *c != b'"' && *c != b'\r'),
                0..200,
            ),
        ) {
            proptest::prop_assert_eq!(fast(&text, b','), naive(&text, b','));
            proptest::prop_assert_eq!(fast(&text, b'\t'), naive(&text, b'\t'));
        }
    }

    use proptest::strategy::{Just, Strategy};

    #[test]
    fn lines_know_how_many_newlines_precede_them() {
        let got = fast(b"a,b\n\n\nc,,d\ne", b',');
        assert_eq!(
            got,
            vec![
                (0, vec![b"a".to_vec(), b"b".to_vec()]),
                (3, vec![b"c".to_vec(), vec![], b"d".to_vec()]),
                (4, vec![b"e".to_vec()]),
            ]
        );
    }
}
