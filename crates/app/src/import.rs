//! Importing one file as one batch, atomically.
//!
//! Order of work: refuse a duplicate (the file's SHA-256 equals a committed batch's); let
//! `ingest` write the accepted rows to a staging file and the refused ones to the
//! quarantine; register the batch as
//! `committing`; move the file into the lake; mark it `committed`; record it in the
//! ledger. Analysis reads only committed batches, and `Workspace::recover` rolls back
//! anything left half-way (and records a committed batch the ledger missed), so a batch is
//! visible whole or not at all.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::ledger::sha256_file;
use chrono::Utc;
use qinglian_ingest::{Encoding, Format, ImportRequest, ImportStats, Mapping, import_file};
use qinglian_spec::Dataset;
use qinglian_store::{BatchRecord, BatchStatus, BatchStore};
use serde::Serialize;

use crate::workspace::{LAKE_DIR, QUARANTINE_DIR, STAGING_DIR};
use crate::{AppError, Workspace};

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub mapping: Option<PathBuf>,
    pub encoding: Option<Encoding>,
    pub format: Option<Format>,
    pub sheet: Option<String>,
    pub force: bool,
    pub user: String,
}

/// What one import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub batch: BatchRecord,
    pub stats: ImportStats,
    /// Index of the batch's `import_batch` entry in the ledger.
    pub ledger_entry: u64,
}

pub fn find_dataset(name: &str) -> Result<&'static Dataset, AppError> {
    qinglian_spec::dataset(name).ok_or_else(|| AppError::UnknownDataset {
        name: name.to_owned(),
        known: qinglian_spec::DATASETS
            .iter()
            .map(|d| d.name)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The names of every dataset a file can be imported into.
pub fn dataset_names() -> Vec<&'static str> {
    qinglian_spec::DATASETS.iter().map(|d| d.name).collect()
}

/// Import batches in any state, newest first.
pub async fn batches(ws: &Workspace) -> Result<Vec<BatchRecord>, AppError> {
    Ok(ws.store.list_batches(None).await?)
}

/// One batch by id.
pub async fn batch(ws: &Workspace, id: &str) -> Result<Option<BatchRecord>, AppError> {
    Ok(batches(ws).await?.into_iter().find(|b| b.id == id))
}

/// The refused cells of a batch (empty when it refused none or its file is gone with a
/// failed batch).
pub fn quarantine_lines(
    ws: &Workspace,
    batch: &BatchRecord,
) -> Result<Vec<qinglian_ingest::QuarantineLine>, AppError> {
    match &batch.quarantine_file {
        Some(rel) if ws.path(rel).is_file() => Ok(qinglian_ingest::read_quarantine(&ws.path(rel))?),
        _ => Ok(Vec::new()),
    }
}

/// Imports `file` into `dataset`. `progress(done, total)` is called from a worker thread.
pub async fn import(
    ws: &Workspace,
    dataset: &str,
    file: &Path,
    opts: &ImportOptions,
    progress: Box<dyn FnMut(u64, u64) + Send>,
) -> Result<ImportOutcome, AppError> {
    let d = find_dataset(dataset)?;
    // One import at a time per workspace; and while it runs, no `open` elsewhere rolls it back.
    let _lock = crate::workspace::ImportLock::acquire(&ws.root)?;
    if !file.is_file() {
        return Err(AppError::io(
            file,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let mapping = match &opts.mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::default(),
    };
    // Same content means same size: only when a committed batch of this dataset has this
    // file's size is the file hashed before the import, to refuse a duplicate at once.
    // Otherwise the CSV reader hashes it on the way (one pass instead of two) and the check
    // runs again before the batch is registered, which also catches a concurrent twin.
    let size = std::fs::metadata(file)
        .map_err(|e| AppError::io(file, e))?
        .len();
    let mut early = None;
    if !opts.force && same_size_committed(ws, d, size).await? {
        let (sha, bytes) = sha256_file(file)?;
        refuse_duplicate(ws, d, &sha).await?;
        early = Some((sha, bytes));
    }

    let batch_id = new_batch_id(d.name);
    let staging = ws.path(STAGING_DIR).join(format!("{batch_id}.parquet"));
    let quarantine_rel = format!("{QUARANTINE_DIR}/{batch_id}.csv");
    let lake_rel = format!("{LAKE_DIR}/{}/{batch_id}.parquet", d.name);
    std::fs::create_dir_all(ws.path(STAGING_DIR))
        .map_err(|e| AppError::io(&ws.path(STAGING_DIR), e))?;
    std::fs::create_dir_all(ws.path(QUARANTINE_DIR))
        .map_err(|e| AppError::io(&ws.path(QUARANTINE_DIR), e))?;

    let stats = run_ingest(
        ws,
        d,
        file,
        opts,
        mapping,
        &batch_id,
        &staging,
        ws.path(&quarantine_rel),
        progress,
    )
    .await;
    let checked = match stats {
        Ok(stats) => {
            let digest = match (early, &stats.source_digest) {
                (Some(d), _) => Ok(d),
                (None, Some(d)) => Ok(d.clone()),
                (None, None) => sha256_file(file),
            };
            match digest {
                Ok((sha, bytes)) if opts.force => Ok((stats, sha, bytes)),
                Ok((sha, bytes)) => refuse_duplicate(ws, d, &sha)
                    .await
                    .map(|()| (stats, sha, bytes)),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let (stats, sha, bytes) = match checked {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            let _ = std::fs::remove_file(ws.path(&quarantine_rel));
            return Err(e);
        }
    };

    let mut batch = BatchRecord {
        id: batch_id.clone(),
        dataset: d.name.into(),
        source_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        source_sha256: sha,
        source_bytes: bytes,
        format: stats.format.name().into(),
        encoding: stats.encoding.name().into(),
        rows_read: stats.rows_read,
        rows_accepted: stats.rows_accepted,
        rows_quarantined: stats.rows_quarantined,
        mapping: serde_json::to_string(&stats.columns_used).unwrap_or_default(),
        lake_file: lake_rel.clone(),
        quarantine_file: stats.quarantine_file.as_ref().map(|_| quarantine_rel),
        imported_at: Utc::now(),
        imported_by: opts.user.clone(),
        status: BatchStatus::Committing,
        note: None,
    };
    ws.store.begin_batch(&batch).await?;
    let target = ws.path(&lake_rel);
    let moved = move_into_lake(&staging, &target);
    if let Err(e) = moved {
        ws.store.fail_batch(&batch.id, &e.to_string()).await?;
        return Err(e);
    }
    ws.store.commit_batch(&batch.id).await?;
    batch.status = BatchStatus::Committed;
    // A crash before this line leaves the batch committed but unrecorded; the next
    // `Workspace::open` records it (crate::ledger::recover_imports).
    let ledger_entry = crate::ledger::record_import(ws, &batch)?;
    Ok(ImportOutcome {
        batch,
        stats,
        ledger_entry,
    })
}

#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename the list
async fn run_ingest(
    ws: &Workspace,
    d: &'static Dataset,
    file: &Path,
    opts: &ImportOptions,
    mapping: Mapping,
    batch_id: &str,
    staging: &Path,
    quarantine: PathBuf,
    mut progress: Box<dyn FnMut(u64, u64) + Send>,
) -> Result<ImportStats, AppError> {
    let file = file.to_owned();
    let staging = staging.to_owned();
    let batch_id = batch_id.to_owned();
    let pseudonymiser = ws.pseudonymiser();
    let (encoding, format, sheet) = (opts.encoding, opts.format, opts.sheet.clone());
    tokio::task::spawn_blocking(move || {
        let req = ImportRequest {
            dataset: d,
            path: &file,
            format,
            encoding,
            sheet: sheet.as_deref(),
            mapping,
            batch_id: &batch_id,
            pseudonymiser,
            parquet_out: &staging,
            quarantine_out: &quarantine,
        };
        import_file(req, &mut *progress)
    })
    .await
    .map_err(|e| AppError::Internal(format!("import worker failed: {e}")))?
    .map_err(AppError::from)
}

fn move_into_lake(staging: &Path, target: &Path) -> Result<(), AppError> {
    let dir = target.parent().expect("lake file has a folder");
    std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    std::fs::rename(staging, target).map_err(|e| AppError::io(target, e))?;
    // The rename is durable only once the folder's entry is on disk.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| AppError::io(dir, e))
}

async fn same_size_committed(ws: &Workspace, d: &Dataset, size: u64) -> Result<bool, AppError> {
    Ok(ws
        .store
        .list_batches(Some(d.name))
        .await?
        .iter()
        .any(|b| b.status == BatchStatus::Committed && b.source_bytes == size))
}

async fn refuse_duplicate(ws: &Workspace, d: &Dataset, sha: &str) -> Result<(), AppError> {
    match ws.store.find_committed_by_hash(d.name, sha).await? {
        Some(prev) => Err(AppError::Duplicate {
            dataset: d.name.into(),
            batch: prev.id,
            at: prev.imported_at.to_rfc3339(),
        }),
        None => Ok(()),
    }
}

/// `payments-20240305T143000-3f9a0c1b2d4e`: the dataset, the time, 48 random bits.
fn new_batch_id(dataset: &str) -> String {
    let mut r = [0u8; 6];
    let _ = getrandom::fill(&mut r);
    format!(
        "{dataset}-{}-{}",
        Utc::now().format("%Y%m%dT%H%M%S"),
        hex::encode(r)
    )
}
