//! Opening a log: create missing files, find the last committed batch, truncate anything
//! after it, and rebuild the in-memory part of the subtree cache.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

use super::files::{self, CHECKPOINTS_FILE, read_at, read_journal, sync_dir, truncate_to};
use super::{BLOCK, ENTRIES_FILE, LEAVES_FILE, Log, OFFSETS_FILE, SUBTREES_FILE};
use crate::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::error::{Error, PathContext};
use crate::hash::{HASH_LEN, Hash, leaf_hash};
use crate::note::Note;
use crate::record::{FLAG_BATCH_END, HEADER_LEN, MAGIC, parse_prefix, record_len};
use crate::tree::{MemoryTree, fold_complete};

struct Files {
    entries: File,
    leaves: File,
    offsets: File,
    subtrees: File,
}

/// Writable opens create, lock, repair and may rebuild the cache file; read-only opens
/// change nothing and see the last committed batch (a concurrent append stays invisible).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Write,
    ReadOnly,
}

pub(super) fn open(dir: &Path, mode: Mode) -> Result<Log, Error> {
    if mode == Mode::Write {
        fs::create_dir_all(dir).at(dir)?;
    }
    let f = open_files(dir, mode)?;
    let latest = load_latest_checkpoint(dir, mode)?;
    let floor = latest.as_ref().map_or(0, |c| c.checkpoint.size);
    let (size, entries_len) = committed_state(dir, &f, floor)?;
    if mode == Mode::Write {
        truncate_to(&f.entries, entries_len, &dir.join(ENTRIES_FILE))?;
        truncate_to(&f.leaves, size * HASH_LEN as u64, &dir.join(LEAVES_FILE))?;
        truncate_to(&f.offsets, size * 8, &dir.join(OFFSETS_FILE))?;
    }
    let (upper, tail) = load_cache(dir, &f, size, mode)?;
    Ok(Log {
        dir: dir.to_path_buf(),
        entries: f.entries,
        leaves: f.leaves,
        offsets: f.offsets,
        subtrees: f.subtrees,
        size,
        entries_len,
        upper,
        tail,
        latest,
        poisoned: false,
        read_only: mode == Mode::ReadOnly,
    })
}

fn open_files(dir: &Path, mode: Mode) -> Result<Files, Error> {
    if mode == Mode::ReadOnly {
        let open = |name: &str| File::open(dir.join(name)).at(&dir.join(name));
        return Ok(Files {
            entries: open(ENTRIES_FILE)?,
            leaves: open(LEAVES_FILE)?,
            offsets: open(OFFSETS_FILE)?,
            subtrees: open(SUBTREES_FILE)?,
        });
    }
    let mut created = false;
    let mut f = Files {
        entries: files::open_append(&dir.join(ENTRIES_FILE), &mut created)?,
        leaves: files::open_append(&dir.join(LEAVES_FILE), &mut created)?,
        offsets: files::open_append(&dir.join(OFFSETS_FILE), &mut created)?,
        subtrees: files::open_append(&dir.join(SUBTREES_FILE), &mut created)?,
    };
    // One writer per log: a second process appending would interleave records.
    f.entries.try_lock().map_err(|_| Error::Locked {
        dir: dir.to_path_buf(),
    })?;
    ensure_header(dir, &mut f.entries)?;
    if created {
        sync_dir(dir)?;
    }
    Ok(f)
}

/// A new (or torn-at-creation) entries file gets its magic header; a foreign file is refused.
fn ensure_header(dir: &Path, entries: &mut File) -> Result<(), Error> {
    let path = dir.join(ENTRIES_FILE);
    let len = entries.metadata().at(&path)?.len();
    if len >= HEADER_LEN {
        let mut head = [0u8; 8];
        read_at(entries, &mut head, 0).at(&path)?;
        if &head != MAGIC {
            return Err(Error::Corrupt {
                dir: dir.to_path_buf(),
                detail: format!("{ENTRIES_FILE} is not a ledger entries file"),
            });
        }
        return Ok(());
    }
    entries.set_len(0).at(&path)?;
    files::append_synced(entries, MAGIC, &path)
}

/// Repairs a torn last line of the checkpoint journal and returns the latest checkpoint
/// (parsed, not verified: opening needs no key; signing verifies it).
fn load_latest_checkpoint(dir: &Path, mode: Mode) -> Result<Option<SignedCheckpoint>, Error> {
    let path = dir.join(CHECKPOINTS_FILE);
    let journal = read_journal(&path)?;
    if mode == Mode::Write && journal.file_len > journal.complete_len {
        let file = fs::OpenOptions::new().write(true).open(&path).at(&path)?;
        truncate_to(&file, journal.complete_len, &path)?;
    }
    let Some(last) = journal.lines.last() else {
        return Ok(None);
    };
    let corrupt = |d: String| Error::Corrupt {
        dir: dir.to_path_buf(),
        detail: format!("{CHECKPOINTS_FILE}, last line: {d}"),
    };
    let line: super::CheckpointLine =
        serde_json::from_str(last).map_err(|e| corrupt(e.to_string()))?;
    let note = Note::parse(&line.note).map_err(|e| corrupt(e.to_string()))?;
    let checkpoint = Checkpoint::parse_text(&note.text).map_err(|e| corrupt(e.to_string()))?;
    Ok(Some(SignedCheckpoint {
        checkpoint,
        note: line.note,
    }))
}

/// (entries, entries-file length) of the last committed batch.
///
/// Walks back from the shortest index file to the first record that is complete, ends a
/// batch, and hashes to both its checksum and its leaf. Under the write order of
/// `append_batch` only the batch being written at the crash can fail that test, so the walk
/// stops at the last acknowledged batch; it never goes below the latest signed checkpoint.
fn committed_state(dir: &Path, f: &Files, floor: u64) -> Result<(u64, u64), Error> {
    let e_len = f.entries.metadata().at(&dir.join(ENTRIES_FILE))?.len();
    if e_len < HEADER_LEN {
        // Only possible for a file whose creation was interrupted (a read-only open sees it).
        return if floor == 0 {
            Ok((0, HEADER_LEN))
        } else {
            Err(Error::BehindCheckpoint {
                entries: 0,
                checkpoint: floor,
            })
        };
    }
    let n_leaves = f.leaves.metadata().at(&dir.join(LEAVES_FILE))?.len() / HASH_LEN as u64;
    let n_offsets = f.offsets.metadata().at(&dir.join(OFFSETS_FILE))?.len() / 8;
    let mut k = n_leaves.min(n_offsets);
    if k < floor {
        return Err(Error::BehindCheckpoint {
            entries: k,
            checkpoint: floor,
        });
    }
    while k > 0 {
        if let Some(end) = committed_end(dir, f, k - 1, e_len)? {
            return Ok((k, end));
        }
        if k == floor {
            let detail = format!(
                "entry {}, the last one under the latest signed checkpoint, is incomplete or does not match its leaf hash",
                k - 1
            );
            return Err(Error::Corrupt {
                dir: dir.to_path_buf(),
                detail,
            });
        }
        k -= 1;
    }
    Ok((0, HEADER_LEN))
}

/// End offset of record `i` if it is a complete, self-consistent batch end matching leaf `i`.
fn committed_end(dir: &Path, f: &Files, i: u64, e_len: u64) -> Result<Option<u64>, Error> {
    let mut off = [0u8; 8];
    read_at(&f.offsets, &mut off, i * 8).at(&dir.join(OFFSETS_FILE))?;
    let off = u64::from_be_bytes(off);
    if off < HEADER_LEN || off.saturating_add(5) > e_len {
        return Ok(None);
    }
    let path = dir.join(ENTRIES_FILE);
    let mut prefix = [0u8; 5];
    read_at(&f.entries, &mut prefix, off).at(&path)?;
    let Ok((len, flags)) = parse_prefix(prefix) else {
        return Ok(None);
    };
    let end = off + record_len(len);
    if flags & FLAG_BATCH_END == 0 || end > e_len {
        return Ok(None);
    }
    let mut body = vec![0u8; len + HASH_LEN];
    read_at(&f.entries, &mut body, off + 5).at(&path)?;
    let mut leaf = [0u8; HASH_LEN];
    read_at(&f.leaves, &mut leaf, i * HASH_LEN as u64).at(&dir.join(LEAVES_FILE))?;
    let recomputed = leaf_hash(&body[..len]);
    Ok((body[len..] == recomputed.0 && leaf == recomputed.0).then_some(end))
}

/// Loads block roots (computing any missing ones from the leaf file) and the tail leaves.
fn load_cache(
    dir: &Path,
    f: &Files,
    size: u64,
    mode: Mode,
) -> Result<(MemoryTree, Vec<Hash>), Error> {
    let sub_path = dir.join(SUBTREES_FILE);
    let blocks = size / BLOCK;
    if mode == Mode::Write {
        truncate_to(&f.subtrees, blocks * HASH_LEN as u64, &sub_path)?;
    }
    let mut stored = Vec::new();
    (&f.subtrees)
        .take(blocks * HASH_LEN as u64)
        .read_to_end(&mut stored)
        .at(&sub_path)?;
    let mut roots: Vec<Hash> = stored
        .chunks_exact(HASH_LEN)
        .map(|c| Hash::from_slice(c).expect("32"))
        .collect();
    let missing = rebuild_blocks(dir, f, roots.len() as u64, blocks)?;
    if mode == Mode::Write && !missing.is_empty() {
        let bytes: Vec<u8> = missing.iter().flat_map(|h| h.0).collect();
        let mut sub = &f.subtrees;
        std::io::Write::write_all(&mut sub, &bytes).at(&sub_path)?;
        f.subtrees.sync_data().at(&sub_path)?;
    }
    roots.extend(missing);
    let tail = read_leaf_range(dir, f, blocks * BLOCK, size)?;
    Ok((MemoryTree::from_leaf_hashes(roots), tail))
}

/// Roots of blocks `from..to`, hashed from the leaf file (a missing or short cache file).
fn rebuild_blocks(dir: &Path, f: &Files, from: u64, to: u64) -> Result<Vec<Hash>, Error> {
    (from..to)
        .map(|b| {
            let mut leaves = read_leaf_range(dir, f, b * BLOCK, (b + 1) * BLOCK)?;
            Ok(fold_complete(&mut leaves))
        })
        .collect()
}

fn read_leaf_range(dir: &Path, f: &Files, start: u64, end: u64) -> Result<Vec<Hash>, Error> {
    let mut buf = vec![0u8; ((end - start) as usize) * HASH_LEN];
    read_at(&f.leaves, &mut buf, start * HASH_LEN as u64).at(&dir.join(LEAVES_FILE))?;
    Ok(buf
        .chunks_exact(HASH_LEN)
        .map(|c| Hash::from_slice(c).expect("32"))
        .collect())
}
