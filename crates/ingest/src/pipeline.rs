//! One import: read a source file, validate every row, write accepted rows to one
//! Parquet file and refused rows to the quarantine file, and count both.
//!
//! Parsing runs on the calling thread and Parquet encoding on a second one, so the two
//! cores of a small server both work on a large file.

use std::collections::HashSet;
use std::fs::File;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use qinglian_core::pseudo::Pseudonymiser;
use qinglian_spec::Dataset;

use crate::encoding::Encoding;
use crate::error::IngestError;
use crate::lake::{BatchBuilder, Cell, arrow_schema};
use crate::mapping::{Mapping, plan_columns};
use crate::normalise::{Normaliser, mask_raw};
use crate::quarantine::Quarantine;
use crate::source::{self, Format, OpenOptions, Row};

/// Rows per Arrow batch handed to the Parquet writer.
const BATCH_ROWS: usize = 65_536;
/// Rows per Parquet row group: large enough for good compression, small enough that the
/// writer's buffered group stays a few tens of megabytes.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// Everything one import needs. The caller chooses the output paths (inside the
/// workspace) and the batch id; this crate only writes there.
pub struct ImportRequest<'a> {
    pub dataset: &'static Dataset,
    pub path: &'a Path,
    pub format: Option<Format>,
    pub encoding: Option<Encoding>,
    pub sheet: Option<&'a str>,
    pub mapping: Mapping,
    pub batch_id: &'a str,
    pub pseudonymiser: Pseudonymiser,
    /// Where the accepted rows go (a temporary name the caller renames on commit).
    pub parquet_out: &'a Path,
    /// Where refused rows are described (created only if a row is refused).
    pub quarantine_out: &'a Path,
}

/// Progress reports: (done, total) in the source's unit (bytes for text, rows otherwise).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// What one import did. `rows_read == rows_accepted + rows_quarantined` always.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportStats {
    pub format: Format,
    pub encoding: Encoding,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    /// Lines in the quarantine file (a row can have several refused cells).
    pub quarantine_lines: u64,
    pub quarantine_file: Option<PathBuf>,
    /// Source header → spec field, for the columns that were used.
    pub columns_used: Vec<(String, String)>,
    /// Source headers that feed no field.
    pub columns_ignored: Vec<String>,
}

/// Runs one import. On error nothing usable is left at `parquet_out` (the caller deletes it).
pub fn import_file(
    req: ImportRequest<'_>,
    progress: Progress<'_>,
) -> Result<ImportStats, IngestError> {
    let d = req.dataset;
    req.mapping.validate(d, req.path)?;
    let format = match req.format {
        Some(f) => f,
        None => source::detect_format(req.path)?,
    };
    let mut src = source::open(
        req.path,
        format,
        &OpenOptions {
            encoding: req.encoding,
            sheet: req.sheet,
        },
    )?;
    let plan = plan_columns(d, src.headers(), &req.mapping, req.path)?;
    let encoding = src.encoding();
    let columns_used = d
        .fields
        .iter()
        .zip(&plan.source_of_field)
        .filter_map(|(f, s)| s.map(|c| (src.headers()[c].clone(), f.name.to_owned())))
        .collect();

    let (tx, rx) = mpsc::sync_channel::<RecordBatch>(2);
    let out = req.parquet_out.to_owned();
    let schema = arrow_schema(d);
    let unique: Vec<String> = d
        .key
        .iter()
        .map(|k| (*k).to_owned())
        .chain([crate::lake::ROW_COLUMN.to_owned()])
        .collect();
    let writer = std::thread::spawn(move || write_parquet(&out, schema, &unique, rx));

    let mut norm = Normaliser::new(req.pseudonymiser);
    let mut quarantine = Quarantine::new(req.quarantine_out);
    let mut builder = BatchBuilder::new(d, req.batch_id);
    let mut stats = Counts::default();
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<Cell> = Vec::with_capacity(d.fields.len());
    let mut text = String::with_capacity(512);
    let mut errors: Vec<(usize, String, String)> = Vec::new();
    let mut keys = KeySet::new(d);
    let total = src.total();

    let result: Result<(), IngestError> = (|| {
        loop {
            let row = match src.next_row(&mut record)? {
                Row::End => break,
                Row::Broken { row, zh, en, .. } => {
                    stats.read += 1;
                    stats.quarantined += 1;
                    quarantine.add(row, "", "", &zh, &en)?;
                    continue;
                }
                Row::Cells(row) => row,
            };
            stats.read += 1;
            cells.clear();
            text.clear();
            errors.clear();
            for (fi, field) in d.fields.iter().enumerate() {
                let raw = plan.source_of_field[fi]
                    .and_then(|c| record.get(c))
                    .unwrap_or(b"");
                let Some(value) = encoding.decode(raw) else {
                    errors.push((
                        fi,
                        format!(
                            "不是有效的 {} 文本，请用 --encoding 指定编码",
                            encoding.name()
                        ),
                        format!("not valid {} text; set --encoding", encoding.name()),
                    ));
                    cells.push(Cell::Null);
                    continue;
                };
                match norm.cell(field, &value, &mut text) {
                    Ok(c) => cells.push(c),
                    Err(e) => {
                        errors.push((fi, e.zh, e.en));
                        cells.push(Cell::Null);
                    }
                }
            }
            if errors.is_empty() && !keys.insert(&cells, &text) {
                errors.push((
                    usize::MAX,
                    format!("主键（{}）在本批次中重复", d.key.join("、")),
                    format!("duplicate key ({}) within this file", d.key.join(", ")),
                ));
            }
            if errors.is_empty() {
                builder.push(&cells, &text, row);
                stats.accepted += 1;
                if stats.accepted == 4096 {
                    // Size the key set once from how far 4096 rows got us, instead of
                    // rehashing it twenty times on the way to millions of keys.
                    let per_row = (src.position() / 4096).max(1);
                    keys.reserve(
                        usize::try_from(total / per_row)
                            .unwrap_or(0)
                            .min(50_000_000),
                    );
                }
                if builder.len() >= BATCH_ROWS {
                    send(&tx, builder.finish()?)?;
                    progress(src.position(), total);
                }
            } else {
                stats.quarantined += 1;
                for (fi, zh, en) in &errors {
                    let (column, raw) = match d.fields.get(*fi) {
                        Some(f) => {
                            let raw = plan.source_of_field[*fi]
                                .and_then(|c| record.get(c))
                                .unwrap_or(b"");
                            let raw = encoding.decode(raw).map_or_else(
                                || String::from_utf8_lossy(raw).into_owned(),
                                |c| c.into_owned(),
                            );
                            (f.name, mask_raw(f, &raw))
                        }
                        None => ("", String::new()),
                    };
                    quarantine.add(row, column, &raw, zh, en)?;
                }
            }
        }
        if builder.len() > 0 || stats.accepted == 0 {
            send(&tx, builder.finish()?)?;
        }
        Ok(())
    })();
    drop(tx);
    let written = writer
        .join()
        .map_err(|_| IngestError::Internal("the Parquet writer thread panicked".into()))?;
    result?;
    written?;
    progress(total, total);
    let quarantine_lines = quarantine.lines;
    let quarantine_file = quarantine.finish()?;
    debug_assert_eq!(stats.read, stats.accepted + stats.quarantined);
    Ok(ImportStats {
        format,
        encoding,
        rows_read: stats.read,
        rows_accepted: stats.accepted,
        rows_quarantined: stats.quarantined,
        quarantine_lines,
        quarantine_file,
        columns_used,
        columns_ignored: plan.ignored,
    })
}

#[derive(Default)]
struct Counts {
    read: u64,
    accepted: u64,
    quarantined: u64,
}

fn send(tx: &mpsc::SyncSender<RecordBatch>, batch: RecordBatch) -> Result<(), IngestError> {
    // A closed channel means the writer failed; its error is reported after join.
    tx.send(batch)
        .map_err(|_| IngestError::Internal("the Parquet writer stopped early".into()))
}

fn write_parquet(
    path: &Path,
    schema: arrow_schema::SchemaRef,
    unique: &[String],
    rx: mpsc::Receiver<RecordBatch>,
) -> Result<(), IngestError> {
    let file = File::create(path).map_err(|e| IngestError::io(path, e))?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("qinglian {}", env!("CARGO_PKG_VERSION")));
    // Key columns are unique per row: a dictionary would only cost interning time.
    for col in unique {
        props = props.set_column_dictionary_enabled(ColumnPath::from(col.as_str()), false);
    }
    let props = props.build();
    let mut w = ArrowWriter::try_new(file, schema, Some(props))?;
    for batch in rx {
        w.write(&batch)?;
    }
    let file = w.into_inner()?;
    file.sync_all().map_err(|e| IngestError::io(path, e))?;
    Ok(())
}

/// Keys seen in this file, as 64-bit hashes: ten million keys fit in ~200 MB where the
/// strings would not. A collision (odds about 1 in 400,000 at 10 million rows) would
/// quarantine a row as a duplicate, never lose it silently.
struct KeySet {
    key_fields: Vec<usize>,
    seen: HashSet<u64, std::hash::BuildHasherDefault<IdHasher>>,
}

impl KeySet {
    fn new(d: &Dataset) -> Self {
        let key_fields = d
            .key
            .iter()
            .filter_map(|k| d.fields.iter().position(|f| f.name == *k))
            .collect();
        Self {
            key_fields,
            seen: HashSet::default(),
        }
    }

    fn reserve(&mut self, expected: usize) {
        if !self.key_fields.is_empty() {
            self.seen.reserve(expected.saturating_sub(self.seen.len()));
        }
    }

    fn insert(&mut self, cells: &[Cell], text: &str) -> bool {
        if self.key_fields.is_empty() {
            return true;
        }
        let mut h = KeyHasher::default();
        for &i in &self.key_fields {
            match cells[i] {
                Cell::Text(s, e) | Cell::Personal(s, e, _, _) => h.write(&text.as_bytes()[s..e]),
                Cell::Int(v) | Cell::Fen(v) | Cell::Millis(v) => h.write_i64(v),
                Cell::Date(v) => h.write_i32(v),
                Cell::Float(v) => h.write_u64(v.to_bits()),
                Cell::Bool(v) => h.write_u8(u8::from(v)),
                Cell::Null => h.write_u8(0xff),
            }
            h.write_u8(0x1f); // separator: ("ab","c") differs from ("a","bc")
        }
        self.seen.insert(h.finish())
    }
}

/// The set's values are already hashes; hashing them again would only cost time.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _bytes: &[u8]) {
        unreachable!("IdHasher only hashes u64 keys")
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A fast 64-bit hash of key cells (multiply-xorshift over 8-byte words, finished with
/// the murmur3 avalanche). Not keyed: the keys come from the file being imported, and a
/// collision costs one needless quarantine line, never a lost row.
#[derive(Default)]
struct KeyHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl KeyHasher {
    fn mix(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(K).rotate_left(29);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    }
    fn write_u64(&mut self, v: u64) {
        self.mix(v);
    }
    fn write_i64(&mut self, v: i64) {
        self.mix(v as u64);
    }
    fn write_i32(&mut self, v: i32) {
        self.mix(u64::from(v as u32));
    }
    fn write_u8(&mut self, v: u8) {
        self.mix(u64::from(v) | 0x100);
    }
}
