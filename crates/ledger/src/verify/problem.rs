//! The typed findings of a verification, each with a message that says what it means.

use std::fmt;

/// One thing wrong with a stored log. Entry indices are 0-based; `seq` numbers checkpoint or
/// cosignature lines from 0 in file order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The entry's bytes changed after it was written.
    AlteredEntry { index: u64 },
    /// The entry that stood at `index` is gone; later entries moved up.
    RemovedEntry { index: u64 },
    /// An entry that was never appended now stands at `index`.
    InsertedEntry { index: u64 },
    /// Entries `first` and `second` changed places.
    ReorderedEntries { first: u64, second: u64 },
    /// The record at `index` cannot be read; nothing after it can be checked.
    CorruptRecord {
        index: u64,
        offset: u64,
        detail: String,
    },
    /// The log ends after `entries` entries but `expected` were acknowledged or signed.
    Truncated { entries: u64, expected: u64 },
    /// A checkpoint line that is not a well-formed checkpoint of this log.
    MalformedCheckpoint { seq: usize, detail: String },
    /// A checkpoint whose signature does not verify with the log key.
    ForgedCheckpoint {
        seq: usize,
        size: Option<u64>,
        detail: String,
    },
    /// A checkpoint for a smaller tree than an earlier one.
    CheckpointRollback {
        seq: usize,
        size: u64,
        previous: u64,
    },
    /// A checkpoint whose root differs from the entries' root at its size; the first
    /// `intact_before` entries are vouched for by an earlier checkpoint.
    CheckpointMismatch {
        seq: usize,
        size: u64,
        intact_before: u64,
    },
    /// A stored cosignature from a trusted witness that does not verify.
    ForgedCosignature {
        seq: usize,
        size: Option<u64>,
        witness: String,
        detail: String,
    },
    /// The log is smaller than a checkpoint remembered outside it: it was rolled back.
    Rollback { entries: u64, remembered: u64 },
    /// The log's root at `size` differs from a checkpoint remembered outside it.
    Fork { size: u64 },
    /// A derived index file disagrees with the entries from `index` on; rebuild it.
    IndexMismatch { file: String, index: u64 },
}

impl Problem {
    /// The entry a problem is located at, for problems located at one.
    pub fn entry_index(&self) -> Option<u64> {
        match self {
            Problem::AlteredEntry { index }
            | Problem::RemovedEntry { index }
            | Problem::InsertedEntry { index }
            | Problem::CorruptRecord { index, .. } => Some(*index),
            Problem::ReorderedEntries { first, .. } => Some(*first),
            Problem::Truncated { entries, .. } => Some(*entries),
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::AlteredEntry { index } => {
                write!(f, "entry {index} was altered after it was recorded")
            }
            Problem::RemovedEntry { index } => write!(
                f,
                "entry {index} was removed; the entries after it moved up"
            ),
            Problem::InsertedEntry { index } => {
                write!(f, "an entry was inserted at position {index}")
            }
            Problem::ReorderedEntries { first, second } => {
                write!(f, "entries {first} and {second} were swapped")
            }
            Problem::CorruptRecord {
                index,
                offset,
                detail,
            } => {
                write!(
                    f,
                    "entry {index} (byte {offset}) cannot be read: {detail}; nothing after it was checked"
                )
            }
            Problem::Truncated { entries, expected } => {
                write!(
                    f,
                    "the log was truncated: it ends after {entries} entries but {expected} were recorded"
                )
            }
            Problem::MalformedCheckpoint { seq, detail } => {
                write!(f, "checkpoint #{seq} is malformed: {detail}")
            }
            Problem::ForgedCheckpoint { seq, size, detail } => match size {
                Some(s) => write!(
                    f,
                    "checkpoint #{seq} (size {s}) has a forged signature: {detail}"
                ),
                None => write!(f, "checkpoint #{seq} has a forged signature: {detail}"),
            },
            Problem::CheckpointRollback {
                seq,
                size,
                previous,
            } => {
                write!(
                    f,
                    "checkpoint #{seq} is for {size} entries, fewer than the {previous} an earlier checkpoint signed"
                )
            }
            Problem::CheckpointMismatch {
                seq,
                size,
                intact_before,
            } => write!(
                f,
                "checkpoint #{seq} (size {size}) does not match the stored entries: an entry between {intact_before} and {} was changed",
                size.saturating_sub(1)
            ),
            Problem::ForgedCosignature {
                seq,
                size,
                witness,
                detail,
            } => {
                write!(
                    f,
                    "cosignature #{seq} by {witness:?} (size {size:?}) does not verify: {detail}"
                )
            }
            Problem::Rollback {
                entries,
                remembered,
            } => write!(
                f,
                "the log was rolled back: it has {entries} entries but a checkpoint for {remembered} is known from outside"
            ),
            Problem::Fork { size } => {
                write!(
                    f,
                    "the log's tree at size {size} differs from a checkpoint known from outside: its history was rewritten"
                )
            }
            Problem::IndexMismatch { file, index } => {
                write!(
                    f,
                    "{file} disagrees with the entries from entry {index} on; the entries are intact, rebuild the index"
                )
            }
        }
    }
}
