//! The durable log: a directory of append-only files.
//!
//! | file                 | content                                                    |
//! |----------------------|------------------------------------------------------------|
//! | `entries.log`        | header + records (see [`crate::record`]), the source of truth |
//! | `leaves.bin`         | 32-byte leaf hash per entry                                 |
//! | `offsets.bin`        | 8-byte big-endian offset of each record in `entries.log`    |
//! | `subtrees.bin`       | 32-byte root of every complete 256-leaf block               |
//! | `checkpoints.jsonl`  | every signed checkpoint, one JSON object per line           |
//! | `cosignatures.jsonl` | witness cosignature lines, one JSON object per line         |
//!
//! **Durability.** [`Log::append_batch`] writes and `sync_data`s the files in the order
//! entries → subtrees → leaves → offsets, once each per batch, and only then returns. The
//! index files never run ahead of synced data, so after a crash [`Log::open`] finds the last
//! record that ends a batch, is complete, and agrees with its leaf hash, and truncates every
//! file back to it: a batch is all or nothing, acknowledged batches survive.
//!
//! **One writer.** [`Log::open`] takes an exclusive OS lock on `entries.log`; a second
//! writable open fails with [`Error::Locked`]. [`Log::open_read_only`] changes nothing and
//! may run beside the writer (a CLI proving entries while the server appends).
//!
//! **Proof speed.** Why a 256-leaf block cache: a proof at 10 million entries needs about 24
//! subtree hashes. Storing every tree level would double the disk footprint (~640 MB at 10M);
//! hashing on demand would touch millions of leaves. Instead the root of every complete block
//! of 256 leaves is persisted (1/256 of the leaf file, ~1.25 MB at 10M), all levels above it
//! are kept in memory (rebuilt from that file in milliseconds at open), and a subtree below
//! block level is hashed from at most 255 leaf hashes read with one positional read. A proof
//! then costs at most a few hundred SHA-256 compressions and two small reads: microseconds.

mod files;
mod recover;
mod sign;

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::checkpoint::SignedCheckpoint;
use crate::error::{Error, PathContext};
use crate::hash::{HASH_LEN, Hash, leaf_hash};
use crate::record::{self, MAX_ENTRY_LEN, PREFIX_LEN, parse_prefix, record_len};
use crate::tree::{self, MemoryTree, NodeSource, fold_complete};

pub use files::{
    CHECKPOINTS_FILE, COSIGNATURES_FILE, CheckpointLine, CosignatureLine, ENTRIES_FILE,
    LEAVES_FILE, OFFSETS_FILE, SUBTREES_FILE, read_checkpoint_lines, read_cosignature_lines,
};
pub(crate) use files::{journal_complete_len, read_at, sync_dir};

/// Leaves per cached block, as a power of two.
pub const BLOCK_LEVEL: u32 = 8;
pub(crate) const BLOCK: u64 = 1 << BLOCK_LEVEL;

/// An open log. One writer per directory (an OS file lock enforces it across processes);
/// mutation takes `&mut self`, so share it behind a mutex. Any number of read-only opens may
/// run beside the writer.
pub struct Log {
    dir: PathBuf,
    entries: File,
    leaves: File,
    offsets: File,
    subtrees: File,
    size: u64,
    entries_len: u64,
    /// A tree whose leaves are the roots of complete 256-leaf blocks: levels 8 and up.
    upper: MemoryTree,
    /// Leaf hashes after the last complete block (fewer than 256).
    tail: Vec<Hash>,
    latest: Option<SignedCheckpoint>,
    poisoned: bool,
    read_only: bool,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("dir", &self.dir)
            .field("size", &self.size)
            .field(
                "latest_checkpoint",
                &self.latest.as_ref().map(|c| c.checkpoint.size),
            )
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// What one batch will write, computed before touching any file.
struct BatchPlan {
    entries: Vec<u8>,
    leaves: Vec<u8>,
    offsets: Vec<u8>,
    subtrees: Vec<u8>,
    new_blocks: Vec<Hash>,
    tail: Vec<Hash>,
    entries_len: u64,
    count: u64,
}

impl Log {
    /// Opens the log in `dir`, creating it if needed, and recovers from an interrupted
    /// append (see the module doc). Refuses, without changing anything, if the files are
    /// damaged in a way a crash cannot explain or hold fewer entries than the latest signed
    /// checkpoint.
    pub fn open(dir: impl AsRef<Path>) -> Result<Log, Error> {
        recover::open(dir.as_ref(), recover::Mode::Write)
    }

    /// Opens an existing log for reading (proofs, entries, checkpoints) without locking or
    /// changing any file, e.g. from a CLI while a server holds the writable log. It sees the
    /// last batch committed when it was opened.
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Log, Error> {
        recover::open(dir.as_ref(), recover::Mode::ReadOnly)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `entries` as one batch; returns their indices once they are durable.
    pub fn append_batch<T: AsRef<[u8]>>(&mut self, entries: &[T]) -> Result<Range<u64>, Error> {
        self.check_writable()?;
        let start = self.size;
        if entries.is_empty() {
            return Ok(start..start);
        }
        if let Some(big) = entries.iter().find(|e| e.as_ref().len() > MAX_ENTRY_LEN) {
            return Err(Error::EntryTooLarge {
                len: big.as_ref().len(),
                max: MAX_ENTRY_LEN,
            });
        }
        let plan = self.plan_batch(entries);
        if let Err(e) = self.write_batch(&plan) {
            // Part of the batch may be on disk; only a reopen (recovery) may append again.
            self.poisoned = true;
            return Err(e);
        }
        self.size += plan.count;
        self.entries_len = plan.entries_len;
        self.tail = plan.tail;
        for root in plan.new_blocks {
            self.upper.push(root);
        }
        Ok(start..self.size)
    }

    fn check_writable(&self) -> Result<(), Error> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        Ok(())
    }

    /// Runs a journal write; a failure may leave half a line, so the log must be reopened.
    fn journal_write(
        &mut self,
        write: impl FnOnce(&Path) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let result = write(&self.dir);
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    fn plan_batch<T: AsRef<[u8]>>(&self, entries: &[T]) -> BatchPlan {
        let n = entries.len();
        let bytes: usize = entries.iter().map(|e| e.as_ref().len()).sum();
        let mut plan = BatchPlan {
            entries: Vec::with_capacity(bytes + n * (PREFIX_LEN as usize + HASH_LEN)),
            leaves: Vec::with_capacity(n * HASH_LEN),
            offsets: Vec::with_capacity(n * 8),
            subtrees: Vec::new(),
            new_blocks: Vec::new(),
            tail: self.tail.clone(),
            entries_len: self.entries_len,
            count: n as u64,
        };
        for (i, entry) in entries.iter().enumerate() {
            let data = entry.as_ref();
            let leaf = leaf_hash(data);
            record::encode(&mut plan.entries, data, &leaf, i + 1 == n);
            plan.offsets
                .extend_from_slice(&plan.entries_len.to_be_bytes());
            plan.entries_len += record_len(data.len());
            plan.leaves.extend_from_slice(leaf.as_bytes());
            plan.tail.push(leaf);
            if plan.tail.len() as u64 == BLOCK {
                let root = fold_complete(&mut plan.tail);
                plan.tail.clear();
                plan.subtrees.extend_from_slice(root.as_bytes());
                plan.new_blocks.push(root);
            }
        }
        plan
    }

    /// Entries first: the index files must never describe data that is not yet durable.
    /// Subtrees before leaves and offsets: recovery trusts block roots for committed batches.
    fn write_batch(&mut self, plan: &BatchPlan) -> Result<(), Error> {
        let dir = self.dir.clone();
        files::append_synced(&mut self.entries, &plan.entries, &dir.join(ENTRIES_FILE))?;
        if !plan.subtrees.is_empty() {
            files::append_synced(&mut self.subtrees, &plan.subtrees, &dir.join(SUBTREES_FILE))?;
        }
        files::append_synced(&mut self.leaves, &plan.leaves, &dir.join(LEAVES_FILE))?;
        files::append_synced(&mut self.offsets, &plan.offsets, &dir.join(OFFSETS_FILE))?;
        Ok(())
    }

    fn check_index(&self, index: u64) -> Result<(), Error> {
        if index >= self.size {
            return Err(Error::OutOfRange(format!(
                "entry {index} does not exist: the log has {} entries",
                self.size
            )));
        }
        Ok(())
    }

    /// The leaf hash of entry `index`.
    pub fn leaf_hash(&self, index: u64) -> Result<Hash, Error> {
        self.check_index(index)?;
        Ok(self.read_leaves(index, 1)?[0])
    }

    /// The stored bytes of entry `index`, checked against their checksum and leaf hash.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, Error> {
        self.check_index(index)?;
        let path = self.dir.join(ENTRIES_FILE);
        let mut off = [0u8; 8];
        files::read_at(&self.offsets, &mut off, index * 8).at(&self.dir.join(OFFSETS_FILE))?;
        let off = u64::from_be_bytes(off);
        let mut prefix = [0u8; 5];
        files::read_at(&self.entries, &mut prefix, off).at(&path)?;
        let (len, _) =
            parse_prefix(prefix).map_err(|d| self.corrupt(format!("entry {index}: {d}")))?;
        let mut body = vec![0u8; len + HASH_LEN];
        files::read_at(&self.entries, &mut body, off + PREFIX_LEN).at(&path)?;
        let data_hash = leaf_hash(&body[..len]);
        if body[len..] != data_hash.0 || data_hash != self.leaf_hash(index)? {
            return Err(self.corrupt(format!(
                "entry {index} does not match its checksum or leaf hash"
            )));
        }
        body.truncate(len);
        Ok(body)
    }

    fn corrupt(&self, detail: String) -> Error {
        Error::Corrupt {
            dir: self.dir.clone(),
            detail,
        }
    }

    /// Root of the current tree.
    pub fn root(&self) -> Result<Hash, Error> {
        tree::tree_root(self, self.size)
    }

    /// Root of the tree made of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, Error> {
        tree::tree_root(self, size)
    }

    /// Inclusion proof of entry `index` in the tree of the first `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
        tree::inclusion_proof(self, index, size)
    }

    /// Consistency proof from the tree of `old` entries to the tree of `new` entries.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, Error> {
        tree::consistency_proof(self, old, new)
    }

    /// Bytes of the entries file that hold committed records.
    pub(crate) fn entries_len(&self) -> u64 {
        self.entries_len
    }

    /// The latest signed checkpoint, if any.
    pub fn latest_checkpoint(&self) -> Option<&SignedCheckpoint> {
        self.latest.as_ref()
    }

    /// `count` consecutive leaf hashes from `start`, all inside one block or inside the tail.
    fn read_leaves(&self, start: u64, count: u64) -> io::Result<Vec<Hash>> {
        let tail_start = self.size - self.tail.len() as u64;
        if start >= tail_start {
            let i = (start - tail_start) as usize;
            return Ok(self.tail[i..i + count as usize].to_vec());
        }
        let mut buf = vec![0u8; count as usize * HASH_LEN];
        files::read_at(&self.leaves, &mut buf, start * HASH_LEN as u64)?;
        Ok(buf
            .chunks_exact(HASH_LEN)
            .map(|c| Hash::from_slice(c).expect("32 bytes"))
            .collect())
    }
}

impl NodeSource for Log {
    fn size(&self) -> u64 {
        self.size
    }

    fn node(&self, level: u32, index: u64) -> io::Result<Hash> {
        if level >= BLOCK_LEVEL {
            return self.upper.node(level - BLOCK_LEVEL, index);
        }
        let mut leaves = self.read_leaves(index << level, 1 << level)?;
        Ok(fold_complete(&mut leaves))
    }
}
