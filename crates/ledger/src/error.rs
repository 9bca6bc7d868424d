//! The crate's one error enum. Pure parsing and verification have their own small reason
//! enums ([`ProofError`], [`KeyError`], [`NoteError`], [`CheckpointError`]) that convert into
//! it; tamper findings are *not* errors but [`crate::verify::Problem`]s in a report.

use std::io;
use std::path::PathBuf;

use crate::checkpoint::CheckpointError;
use crate::keys::KeyError;
use crate::note::NoteError;
use crate::proof::ProofError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    File { path: PathBuf, source: io::Error },
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    OutOfRange(String),
    #[error(
        "entry of {len} bytes is larger than the {max}-byte limit; store large files elsewhere and log their hash"
    )]
    EntryTooLarge { len: usize, max: usize },
    #[error(
        "ledger files in {} are damaged: {detail}. Nothing was changed; run ledger verification to locate the damage",
        dir.display()
    )]
    Corrupt { dir: PathBuf, detail: String },
    #[error(
        "the ledger holds {entries} entries but its latest signed checkpoint covers {checkpoint}: acknowledged entries are missing. Nothing was changed; run ledger verification"
    )]
    BehindCheckpoint { entries: u64, checkpoint: u64 },
    #[error(
        "an earlier write failed half-way; reopen the ledger, which recovers the last complete batch"
    )]
    Poisoned,
    #[error("the ledger in {} is open for writing by another process or handle", dir.display())]
    Locked { dir: PathBuf },
    #[error("this ledger was opened read-only")]
    ReadOnly,
    #[error("refusing to sign: {0}")]
    RefuseToSign(String),
    #[error("bundle: {0}")]
    Bundle(String),
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// Attaches the file path to I/O errors, so messages say which file failed.
pub(crate) trait PathContext<T> {
    fn at(self, path: &std::path::Path) -> Result<T, Error>;
}

impl<T> PathContext<T> for io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T, Error> {
        self.map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })
    }
}
