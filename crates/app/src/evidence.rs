//! The evidence store (证据存证): files such as bid documents, evaluation records and
//! meeting minutes, kept in the workspace under their SHA-256 and registered in the ledger,
//! so that nobody can alter or swap one unseen.
//!
//! `evidence/<sha256>` holds each distinct content once, read-only; registering the same
//! content again (for another reference, say) adds another ledger entry but no second copy.
//! The receipt returned proves the registration offline: leaf index, leaf hash, signed
//! checkpoint and inclusion proof, checkable with the log's public key alone.
//!
//! Not here: reading or indexing the documents' contents.

use std::fs;
use std::path::{Path, PathBuf};

use qinglian_ledger::Receipt;
use serde::Serialize;

use crate::ledger::{
    EVIDENCE_DIR, EvidenceFileEvent, EvidenceKind, LedgerEvent, record, sha256_file, verifier_key,
};
use crate::{AppError, Workspace};

/// What `evidence add` did.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceReceipt {
    pub event: EvidenceFileEvent,
    /// The stored copy.
    pub stored: PathBuf,
    /// The content was already in the evidence store.
    pub already_stored: bool,
    pub receipt: Receipt,
    /// The log's public key the receipt's checkpoint verifies with.
    pub verifier_key: String,
}

/// Copies `file` into the evidence store and records it in the ledger.
pub fn add_evidence(
    ws: &Workspace,
    file: &Path,
    kind: EvidenceKind,
    ref_id: Option<&str>,
    user: &str,
) -> Result<EvidenceReceipt, AppError> {
    if !file.is_file() {
        return Err(AppError::LedgerInput(format!(
            "{} is not a file / 找不到文件",
            file.display()
        )));
    }
    if let Some(r) = ref_id
        && (r.is_empty() || r.chars().any(char::is_control))
    {
        return Err(AppError::LedgerInput(
            "--ref must be a non-empty id without control characters".into(),
        ));
    }
    let (sha256, size) = sha256_file(file)?;
    let dir = ws.root.join(EVIDENCE_DIR);
    fs::create_dir_all(&dir).map_err(|e| AppError::io(&dir, e))?;
    let stored = dir.join(&sha256);
    let already_stored = stored.exists();
    if already_stored {
        let (have, _) = sha256_file(&stored)?;
        if have != sha256 {
            return Err(AppError::Internal(format!(
                "{} does not hold the content its name says (altered?); run `qinglian ledger verify`",
                stored.display()
            )));
        }
    } else {
        store_copy(file, &dir, &stored, &sha256)?;
    }
    let event = EvidenceFileEvent {
        kind,
        sha256: sha256.clone(),
        size,
        original_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        stored_path: format!("{EVIDENCE_DIR}/{sha256}"),
        ref_id: ref_id.map(str::to_owned),
        registered_by: user.to_owned(),
    };
    let receipt = record(ws, &[LedgerEvent::EvidenceFile(event.clone())])?
        .pop()
        .ok_or_else(|| AppError::Internal("no receipt for the evidence entry".into()))?;
    Ok(EvidenceReceipt {
        event,
        stored,
        already_stored,
        receipt,
        verifier_key: verifier_key(ws)?.to_string(),
    })
}

/// Copy to a temporary name, fsync, make read-only, rename, fsync the folder; checks the
/// copy's hash so a file changing under us is not stored under the wrong name.
fn store_copy(src: &Path, dir: &Path, dest: &Path, sha256: &str) -> Result<(), AppError> {
    let mut r = [0u8; 4];
    let _ = getrandom::fill(&mut r);
    let tmp = dir.join(format!(".tmp-{sha256}-{}", hex::encode(r)));
    let result = (|| {
        fs::copy(src, &tmp).map_err(|e| AppError::io(&tmp, e))?;
        let f = fs::OpenOptions::new()
            .append(true)
            .open(&tmp)
            .map_err(|e| AppError::io(&tmp, e))?;
        f.sync_all().map_err(|e| AppError::io(&tmp, e))?;
        drop(f);
        let (copied, _) = sha256_file(&tmp)?;
        if copied != sha256 {
            return Err(AppError::LedgerInput(format!(
                "{} changed while it was being copied; try again when nothing writes to it",
                src.display()
            )));
        }
        let mut perms = fs::metadata(&tmp)
            .map_err(|e| AppError::io(&tmp, e))?
            .permissions();
        perms.set_readonly(true);
        fs::set_permissions(&tmp, perms).map_err(|e| AppError::io(&tmp, e))?;
        fs::rename(&tmp, dest).map_err(|e| AppError::io(dest, e))?;
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| AppError::io(dir, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
