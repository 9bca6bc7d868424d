//! The Parquet file of one import, with its columns encoded on several threads.
//!
//! Encoding (dictionaries, snappy) was the single largest cost of an import, and
//! `ArrowWriter` does it on the thread that calls `write`. Here each encoder thread owns
//! some of the columns of the current row group; the calling thread hands every batch to
//! all of them, collects their finished column chunks at the end of a row group and
//! appends them to the file in column order. The file is the same as `ArrowWriter` would
//! write (same schema, properties and Arrow metadata), only produced faster.
//!
//! It also chooses, from the first batch, which columns get no dictionary: a column whose
//! values are mostly distinct (times, amounts, invoice numbers) gains nothing from one and
//! paid for interning every value.
//!
//! Not here: which rows are written (the collector decides), and durability beyond
//! `sync_all` of the finished file (the caller renames it into the lake).

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use qinglian_spec::Dataset;

use crate::error::IngestError;
use crate::lake::arrow_schema;

/// Rows per Parquet row group: large enough for good compression, small enough that the
/// encoders' buffered group stays a few tens of megabytes.
pub(crate) const ROW_GROUP_ROWS: usize = 1 << 17;
/// Batches queued per encoder (each is shared, not copied).
const QUEUE: usize = 4;
/// A column whose sample has more distinct values than this share of its non-null values
/// is written without a dictionary.
const DISTINCT_SHARE: f64 = 0.5;
/// Below this many non-null sample values the choice is left to Parquet's default.
const MIN_SAMPLE: usize = 512;

enum Msg {
    /// The column writers of a new row group: (column index, writer).
    Start(Vec<(usize, ArrowColumnWriter)>),
    Batch(RecordBatch),
    /// Close the writers and send back the chunks.
    Finish,
}

type Chunks = Result<Vec<(usize, ArrowColumnChunk)>, ParquetError>;

struct Encoder {
    tx: mpsc::SyncSender<Msg>,
    rx: mpsc::Receiver<Chunks>,
    handle: JoinHandle<()>,
}

pub(crate) struct LakeWriter {
    file: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    encoders: Vec<Encoder>,
    /// Encoder of each column.
    owner: Vec<usize>,
    rows_in_group: usize,
    group_open: bool,
    groups: usize,
}

impl LakeWriter {
    /// Creates the file; `sample` (the first batch) decides dictionaries and how the
    /// columns are shared among `threads` encoders.
    pub(crate) fn create(
        out: &Path,
        d: &Dataset,
        unique: &[String],
        sample: &RecordBatch,
        threads: usize,
    ) -> Result<Self, IngestError> {
        let schema = arrow_schema(d);
        let file = File::create(out).map_err(|e| IngestError::io(out, e))?;
        let props = writer_props(d, unique, &no_dictionary(sample));
        let (file, factory) =
            ArrowWriter::try_new(file, schema.clone(), Some(props))?.into_serialized_writer()?;
        let threads = threads.clamp(1, schema.fields().len().max(1));
        let owner = share_columns(sample, threads);
        let encoders = (0..threads)
            .map(|_| spawn_encoder(schema.clone()))
            .collect();
        Ok(Self {
            file,
            factory,
            encoders,
            owner,
            rows_in_group: 0,
            group_open: false,
            groups: 0,
        })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), IngestError> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            if !self.group_open {
                self.start_group()?;
            }
            let take = (ROW_GROUP_ROWS - self.rows_in_group).min(batch.num_rows() - offset);
            let part = batch.slice(offset, take);
            for e in &self.encoders {
                e.tx.send(Msg::Batch(part.clone()))
                    .map_err(|_| encoder_gone())?;
            }
            self.rows_in_group += take;
            offset += take;
            if self.rows_in_group == ROW_GROUP_ROWS {
                self.finish_group()?;
            }
        }
        Ok(())
    }

    /// Writes the last row group and the footer, syncs, and stops the encoders.
    pub(crate) fn finish(mut self, out: &Path) -> Result<(), IngestError> {
        if self.group_open {
            self.finish_group()?;
        }
        for e in self.encoders.drain(..) {
            drop(e.tx);
            e.handle
                .join()
                .map_err(|_| IngestError::Internal("a Parquet encoder panicked".into()))?;
        }
        let file = self.file.into_inner()?;
        file.sync_all().map_err(|e| IngestError::io(out, e))
    }

    fn start_group(&mut self) -> Result<(), IngestError> {
        let writers = self.factory.create_column_writers(self.groups)?;
        let mut shares: Vec<Vec<(usize, ArrowColumnWriter)>> =
            self.encoders.iter().map(|_| Vec::new()).collect();
        for (i, w) in writers.into_iter().enumerate() {
            shares[self.owner[i]].push((i, w));
        }
        for (e, share) in self.encoders.iter().zip(shares) {
            e.tx.send(Msg::Start(share)).map_err(|_| encoder_gone())?;
        }
        self.group_open = true;
        self.rows_in_group = 0;
        Ok(())
    }

    fn finish_group(&mut self) -> Result<(), IngestError> {
        for e in &self.encoders {
            e.tx.send(Msg::Finish).map_err(|_| encoder_gone())?;
        }
        let mut chunks = Vec::with_capacity(self.owner.len());
        for e in &self.encoders {
            chunks.extend(e.rx.recv().map_err(|_| encoder_gone())??);
        }
        chunks.sort_by_key(|(i, _)| *i);
        let mut group = self.file.next_row_group()?;
        for (_, chunk) in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        self.group_open = false;
        self.groups += 1;
        Ok(())
    }
}

fn encoder_gone() -> IngestError {
    IngestError::Internal("a Parquet encoder stopped".into())
}

fn spawn_encoder(schema: SchemaRef) -> Encoder {
    let (tx, inbox) = mpsc::sync_channel::<Msg>(QUEUE);
    let (outbox, rx) = mpsc::channel::<Chunks>();
    let handle = std::thread::spawn(move || {
        let mut writers: Vec<(usize, ArrowColumnWriter)> = Vec::new();
        let mut failed: Option<ParquetError> = None;
        for msg in inbox {
            match msg {
                Msg::Start(w) => writers = w,
                Msg::Batch(batch) if failed.is_none() => {
                    for (i, w) in &mut writers {
                        let leaves = compute_leaves(schema.field(*i), batch.column(*i));
                        if let Err(e) = leaves.and_then(|ls| ls.iter().try_for_each(|l| w.write(l)))
                        {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                Msg::Batch(_) => {}
                Msg::Finish => {
                    let done = match failed.take() {
                        Some(e) => Err(e),
                        None => writers
                            .drain(..)
                            .map(|(i, w)| w.close().map(|c| (i, c)))
                            .collect(),
                    };
                    if outbox.send(done).is_err() {
                        return;
                    }
                }
            }
        }
    });
    Encoder { tx, rx, handle }
}

/// Shares the columns among `threads` encoders by the memory each takes in the sample, a
/// fair proxy for its encoding work: heaviest first, each to the least loaded encoder.
fn share_columns(sample: &RecordBatch, threads: usize) -> Vec<usize> {
    let mut cost: Vec<(usize, usize)> = sample
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.get_array_memory_size() + 1))
        .collect();
    cost.sort_by_key(|(i, c)| (std::cmp::Reverse(*c), *i));
    let mut load = vec![0usize; threads];
    let mut owner = vec![0usize; sample.num_columns()];
    for (i, c) in cost {
        let least = (0..threads).min_by_key(|t| load[*t]).unwrap_or(0);
        owner[i] = least;
        load[least] += c;
    }
    owner
}

/// Columns of the sample whose values are mostly distinct.
fn no_dictionary(sample: &RecordBatch) -> Vec<String> {
    let schema = sample.schema();
    sample
        .columns()
        .iter()
        .zip(schema.fields())
        .filter(|(c, _)| mostly_distinct(c.as_ref()))
        .map(|(_, f)| f.name().clone())
        .collect()
}

fn mostly_distinct(a: &dyn Array) -> bool {
    let non_null = a.len() - a.null_count();
    if non_null < MIN_SAMPLE {
        return false;
    }
    let distinct = match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            s.iter().flatten().collect::<HashSet<&str>>().len()
        }
        DataType::Boolean => return false,
        dt => {
            let Some(width) = dt.primitive_width() else {
                return false;
            };
            let data = a.to_data();
            let Some(values) = data.buffers().first() else {
                return false;
            };
            let bytes = &values.as_slice()[data.offset() * width..];
            (0..a.len())
                .filter(|i| a.is_valid(*i))
                .map(|i| &bytes[i * width..(i + 1) * width])
                .collect::<HashSet<&[u8]>>()
                .len()
        }
    };
    distinct as f64 > DISTINCT_SHARE * non_null as f64
}

fn writer_props(d: &Dataset, unique: &[String], no_dict: &[String]) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("qinglian {}", env!("CARGO_PKG_VERSION")));
    // Key columns are unique per row: a dictionary would only cost interning time.
    for col in unique.iter().chain(no_dict) {
        props = props.set_column_dictionary_enabled(ColumnPath::from(col.as_str()), false);
    }
    // Min/max of text prune nothing except on the key (ids, names, keyed hashes and masks, the
    // one batch id are spread over every row group), and computing them compared every value:
    // two string comparisons per cell of each text column. Numbers, dates, times and the key
    // keep theirs.
    let no_stats = arrow_schema(d)
        .fields()
        .iter()
        .filter(|f| f.data_type() == &DataType::Utf8 && !d.key.contains(&f.name().as_str()))
        .map(|f| f.name().clone())
        .collect::<Vec<_>>();
    for col in no_stats {
        props = props.set_column_statistics_enabled(ColumnPath::from(col), EnabledStatistics::None);
    }
    props.build()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    fn sample(rows: usize) -> RecordBatch {
        let d = qinglian_spec::dataset("org_units").unwrap();
        let schema = arrow_schema(d);
        let cols = schema
            .fields()
            .iter()
            .map(|f| -> arrow_array::ArrayRef {
                match f.data_type() {
                    DataType::Int64 => Arc::new(Int64Array::from_iter_values(0..rows as i64)),
                    _ if f.name() == "unit_id" => Arc::new(StringArray::from_iter_values(
                        (0..rows).map(|i| format!("U{i:06}")),
                    )),
                    _ if f.is_nullable() => arrow_array::new_null_array(f.data_type(), rows),
                    _ => Arc::new(StringArray::from_iter_values(
                        (0..rows).map(|i| ["甲", "乙", "丙"][i % 3]),
                    )),
                }
            })
            .collect();
        RecordBatch::try_new(schema, cols).unwrap()
    }

    #[test]
    fn mostly_distinct_columns_lose_their_dictionary_only() {
        let b = sample(4096);
        let off = no_dictionary(&b);
        assert!(off.contains(&"unit_id".to_owned()), "{off:?}");
        assert!(off.contains(&"_row".to_owned()), "{off:?}");
        assert!(!off.iter().any(|c| c == "name"), "{off:?}");
        // A small sample decides nothing.
        assert!(no_dictionary(&sample(100)).is_empty());
    }

    #[test]
    fn only_the_key_and_non_text_columns_keep_min_max() {
        let d = qinglian_spec::dataset("payments").unwrap();
        let props = writer_props(d, &[], &[]);
        let stats = |c: &str| props.statistics_enabled(&ColumnPath::from(c));
        for kept in ["payment_id", "paid_on", "approved_at", "amount", "_row"] {
            assert_ne!(stats(kept), EnabledStatistics::None, "{kept}");
        }
        for dropped in [
            "unit_id",
            "payee_name",
            "payee_account",
            "payee_account_masked",
            "_batch",
        ] {
            assert_eq!(stats(dropped), EnabledStatistics::None, "{dropped}");
        }
    }

    #[test]
    fn the_file_holds_every_row_in_order_across_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.parquet");
        let d = qinglian_spec::dataset("org_units").unwrap();
        let b = sample(50_000);
        let mut w = LakeWriter::create(&out, d, &[], &b, 2).unwrap();
        // 150,000 rows: two row groups, the first one cut inside the third batch.
        for _ in 0..3 {
            w.write(&b).unwrap();
        }
        w.finish(&out).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).unwrap()).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
        assert_eq!(
            reader.metadata().row_group(0).num_rows(),
            ROW_GROUP_ROWS as i64
        );
        let mut ids = Vec::new();
        for batch in reader.build().unwrap() {
            let batch = batch.unwrap();
            let col = batch.column_by_name("unit_id").unwrap().as_string::<i32>();
            ids.extend(col.iter().map(|v| v.unwrap().to_owned()));
        }
        assert_eq!(ids.len(), 150_000);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(id, &format!("U{:06}", i % 50_000));
        }
    }
}
