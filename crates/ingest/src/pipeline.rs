//! One import: read a source file, validate every row, write accepted rows to one
//! Parquet file and refused rows to the quarantine file, and count both.
//!
//! Four stages run at once: the calling thread reads the source in chunks (for CSV and
//! TSV, blocks of whole records that the workers split into cells; for other formats,
//! rows); workers (one per core) validate and normalise chunks into Arrow batches; a collector
//! puts the batches back in source order, refuses keys already seen, and writes the
//! quarantine file; encoder threads (one per core, [`lake_writer`]) encode the Parquet
//! columns, which the collector appends to the file a row group at a time. Channels
//! between the stages are bounded, so memory stays flat whatever the file size.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use arrow_array::cast::AsArray;
use arrow_array::{BooleanArray, RecordBatch};
use qinglian_core::pseudo::Pseudonymiser;
use qinglian_spec::Dataset;

use crate::encoding::Encoding;
use crate::error::IngestError;
use crate::keys::KeySet;
use crate::lake::ROW_COLUMN;
use crate::mapping::{Mapping, plan_columns};
use crate::normalise::Normaliser;
use crate::quarantine::Quarantine;
use crate::source::{self, Format, OpenOptions, Row, RowSource, TextBlocks, count_newlines};
use crate::worker::{Chunk, Processed, RawRow, Worker};

mod lake_writer;

use lake_writer::LakeWriter;

/// Rows per chunk: one Arrow batch each.
const CHUNK_ROWS: usize = 8_192;
/// Chunks in flight between the stages (bounds memory to a few tens of megabytes).
const IN_FLIGHT: usize = 4;

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
    /// SHA-256 (hex) and length of the source file when the reader hashed it on the way
    /// (CSV and TSV); `None` for formats read otherwise.
    #[serde(skip)]
    pub source_digest: Option<(String, u64)>,
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

    // Delimited text is cut into blocks of whole records here and split on the workers.
    let mut blocks = match src.text_blocks() {
        Some(b) => Some(b?),
        None => None,
    };
    let text_format = blocks
        .as_ref()
        .map(|(_, delimiter)| (*delimiter, src.headers().len()));

    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 4);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(IN_FLIGHT);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<Result<Processed, IngestError>>(IN_FLIGHT);
    let (spent_tx, spent_rx) = mpsc::channel::<Chunk>();
    let (estimate_tx, estimate_rx) = mpsc::channel::<usize>();

    let mut handles = Vec::new();
    for _ in 0..workers {
        let rx = Arc::clone(&work_rx);
        let tx = done_tx.clone();
        let mut w = Worker::new(
            d,
            plan.source_of_field.clone(),
            encoding,
            Normaliser::new(req.pseudonymiser.clone()),
            req.batch_id,
            text_format,
        );
        handles.push(std::thread::spawn(move || {
            loop {
                // Hold the lock only to take a chunk, not while working on it.
                let next = rx.lock().map(|r| r.recv());
                let Ok(Ok(chunk)) = next else { break };
                if tx.send(w.process(chunk)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(done_tx);

    let collector = {
        let out = req.parquet_out.to_owned();
        let quarantine = Quarantine::new(req.quarantine_out);
        let unique: Vec<String> = d
            .key
            .iter()
            .map(|k| (*k).to_owned())
            .chain([ROW_COLUMN.to_owned()])
            .collect();
        let key_names = d.key.join(", ");
        std::thread::spawn(move || {
            collect(
                d,
                &out,
                &unique,
                quarantine,
                &key_names,
                done_rx,
                spent_tx,
                estimate_rx,
                workers,
            )
        })
    };

    let read = match &mut blocks {
        Some((b, _)) => read_blocks(b, &work_tx, &spent_rx, &estimate_tx, progress).map(|()| None),
        None => read_chunks(src.as_mut(), &work_tx, &spent_rx, &estimate_tx, progress).map(Some),
    };
    drop(work_tx);
    drop(estimate_tx);
    for h in handles {
        h.join()
            .map_err(|_| IngestError::Internal("an import worker panicked".into()))?;
    }
    let collected = collector
        .join()
        .map_err(|_| IngestError::Internal("the Parquet writer panicked".into()))?;
    let read = read?;
    let c = collected?;
    let source_digest = match &blocks {
        Some((b, _)) => Some(b.digest()),
        None => src.digest(),
    };
    progress(src.total(), src.total());
    // Rows of text blocks are counted by the workers only.
    if let Some(read) = read.filter(|r| *r != c.read) {
        return Err(IngestError::Internal(format!(
            "{read} rows read but {} reached the writer",
            c.read
        )));
    }
    Ok(ImportStats {
        format,
        encoding,
        rows_read: c.read,
        rows_accepted: c.read - c.quarantined,
        rows_quarantined: c.quarantined,
        quarantine_lines: c.lines,
        quarantine_file: c.file,
        columns_used,
        columns_ignored: plan.ignored,
        source_digest,
    })
}

/// The reader stage: fills chunks from the source and hands them to the workers.
/// Returns the number of rows read.
fn read_chunks(
    src: &mut dyn RowSource,
    work: &mpsc::SyncSender<Chunk>,
    spent: &mpsc::Receiver<Chunk>,
    estimate: &mpsc::Sender<usize>,
    progress: Progress<'_>,
) -> Result<u64, IngestError> {
    let total = src.total();
    let mut read = 0u64;
    for seq in 0.. {
        let mut chunk = spent.try_recv().unwrap_or_else(|_| Chunk::new(seq));
        chunk.seq = seq;
        chunk.kinds.clear();
        chunk.text_line = None;
        let mut at_end = false;
        while chunk.kinds.len() < CHUNK_ROWS {
            let i = chunk.kinds.len();
            if chunk.records.len() <= i {
                chunk.records.push(csv::ByteRecord::new());
            }
            match src.next_row(&mut chunk.records[i])? {
                Row::End => {
                    at_end = true;
                    break;
                }
                Row::Cells(row) => chunk.kinds.push(RawRow::Cells(row)),
                Row::Broken { row, zh, en } => chunk.kinds.push(RawRow::Broken { row, zh, en }),
            }
        }
        read += chunk.kinds.len() as u64;
        if seq == 0 && !at_end && read > 0 {
            let per_row = (src.position() / read).max(1);
            let _ = estimate.send(
                usize::try_from(total / per_row)
                    .unwrap_or(0)
                    .min(50_000_000),
            );
        }
        // The first chunk goes even when empty, so an empty file still gets its (empty) Parquet file.
        if (!chunk.kinds.is_empty() || seq == 0) && work.send(chunk).is_err() {
            break; // the collector failed; its error is reported by the caller
        }
        progress(src.position(), total);
        if at_end {
            break;
        }
    }
    Ok(read)
}

/// The reader stage for delimited text: hands blocks of whole records to the workers.
fn read_blocks(
    blocks: &mut TextBlocks,
    work: &mpsc::SyncSender<Chunk>,
    spent: &mpsc::Receiver<Chunk>,
    estimate: &mpsc::Sender<usize>,
    progress: Progress<'_>,
) -> Result<(), IngestError> {
    let total = blocks.total();
    for seq in 0.. {
        let mut chunk = spent.try_recv().unwrap_or_else(|_| Chunk::new(seq));
        chunk.seq = seq;
        chunk.kinds.clear();
        chunk.text_line = blocks.next_block(&mut chunk.text)?;
        let at_end = chunk.text_line.is_none();
        if seq == 0 && !at_end {
            let lines = count_newlines(&chunk.text).max(1);
            let per_row = (chunk.text.len() as u64 / lines).max(1);
            let _ = estimate.send(
                usize::try_from(total / per_row)
                    .unwrap_or(0)
                    .min(50_000_000),
            );
        }
        // The first chunk goes even when empty, so an empty file still gets its (empty) Parquet file.
        if seq == 0 && at_end {
            chunk.text.clear();
            chunk.text_line = Some(0);
        }
        if (!at_end || seq == 0) && work.send(chunk).is_err() {
            break; // the collector failed; its error is reported by the caller
        }
        progress(blocks.position(), total);
        if at_end {
            break;
        }
    }
    Ok(())
}

struct Collected {
    read: u64,
    quarantined: u64,
    lines: u64,
    file: Option<PathBuf>,
}

/// The collector stage: restores source order, refuses duplicate keys, writes files.
#[allow(clippy::too_many_arguments)] // the stage's channels and outputs; called once
#[allow(clippy::needless_pass_by_value)] // owns the channel ends so they close when it returns
fn collect(
    d: &'static Dataset,
    out: &Path,
    unique: &[String],
    mut quarantine: Quarantine,
    key_names: &str,
    done: mpsc::Receiver<Result<Processed, IngestError>>,
    spent: mpsc::Sender<Chunk>,
    estimate: mpsc::Receiver<usize>,
    encoders: usize,
) -> Result<Collected, IngestError> {
    // Created with the first batch, which decides the columns' dictionaries.
    let mut writer: Option<LakeWriter> = None;
    let mut keys = KeySet::default();
    let mut pending: BTreeMap<u64, Processed> = BTreeMap::new();
    let (mut next, mut read, mut quarantined) = (0u64, 0u64, 0u64);
    for result in done {
        let p = result?;
        pending.insert(p.seq, p);
        while let Some(p) = pending.remove(&next) {
            next += 1;
            if let Ok(n) = estimate.try_recv() {
                keys.reserve(n);
            }
            read += p.read;
            quarantined += p.refused;
            for l in &p.lines {
                quarantine.add(l.row, l.column, &l.raw, &l.zh, &l.en)?;
            }
            let batch = drop_duplicates(&p, &mut keys, &mut quarantine, key_names)?;
            quarantined += (p.batch.num_rows() - batch.num_rows()) as u64;
            let w = match &mut writer {
                Some(w) => w,
                None => writer.insert(LakeWriter::create(out, d, unique, &batch, encoders)?),
            };
            w.write(&batch)?;
            let _ = spent.send(p.chunk);
        }
    }
    if !pending.is_empty() {
        return Err(IngestError::Internal(
            "an import worker stopped before finishing its chunk".into(),
        ));
    }
    match writer {
        Some(w) => w.finish(out)?,
        None => {
            return Err(IngestError::Internal(
                "the import ended before its first chunk".into(),
            ));
        }
    }
    let lines = quarantine.lines;
    Ok(Collected {
        read,
        quarantined,
        lines,
        file: quarantine.finish()?,
    })
}

/// Removes rows whose key was already seen in this file and quarantines them.
fn drop_duplicates(
    p: &Processed,
    keys: &mut KeySet,
    quarantine: &mut Quarantine,
    key_names: &str,
) -> Result<RecordBatch, IngestError> {
    if p.keys.is_empty() {
        return Ok(p.batch.clone());
    }
    let fresh: Vec<bool> = p.keys.iter().map(|h| keys.insert(*h)).collect();
    if fresh.iter().all(|f| *f) {
        return Ok(p.batch.clone());
    }
    let rows = p
        .batch
        .column_by_name(ROW_COLUMN)
        .map(|c| c.as_primitive::<arrow_array::types::Int64Type>().clone());
    for (i, ok) in fresh.iter().enumerate() {
        if !ok {
            let row = rows
                .as_ref()
                .map_or(0, |r| u64::try_from(r.value(i)).unwrap_or(0));
            quarantine.add(
                row,
                "",
                "",
                &format!("主键（{key_names}）在本文件中重复"),
                &format!("duplicate key ({key_names}) within this file"),
            )?;
        }
    }
    Ok(arrow_select::filter::filter_record_batch(
        &p.batch,
        &BooleanArray::from(fresh),
    )?)
}
