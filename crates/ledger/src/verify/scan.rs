//! The single streaming pass over the entries file.
//!
//! Two threads: one reads records and hashes their payloads (the bulk of the work), the other
//! builds the tree and compares with the stored files. Batches of records go between them
//! through a bounded channel, so memory stays constant.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

use super::Problem;
use super::diff::{FixedFile, LeafDiff};
use crate::error::{Error, PathContext};
use crate::hash::{HASH_LEN, Hash};
use crate::log::{BLOCK_LEVEL, ENTRIES_FILE, LEAVES_FILE, OFFSETS_FILE, SUBTREES_FILE};
use crate::record::{HEADER_LEN, MAGIC, ReadStop, RecordReader};
use crate::tree::Frontier;

const BATCH: usize = 4096;

/// Everything one pass over the entries file learns.
pub(super) struct Scan {
    pub count: u64,
    pub root: Hash,
    /// (size, recomputed root) for every requested size the entries reach.
    pub roots: Vec<(u64, Hash)>,
    pub first_bad_checksum: Option<u64>,
    /// The file ends inside a record.
    pub torn: bool,
    /// A record that cannot be read (not an entries file from there on).
    pub stop: Option<Problem>,
    pub diff: Option<Problem>,
    pub leaf_count: Option<u64>,
    pub index_problem: Option<Problem>,
}

impl Scan {
    pub(super) fn root_at(&self, size: u64) -> Option<Hash> {
        self.roots.iter().find(|(s, _)| *s == size).map(|(_, r)| *r)
    }
}

/// What the reading thread hands over per record.
struct Item {
    offset: u64,
    leaf: Hash,
    checksum_ok: bool,
}

/// How the reading thread's pass ended.
enum End {
    Clean,
    Torn,
    Corrupt { offset: u64, detail: String },
}

/// The comparing side: tree, stored-file checks, requested roots.
struct Checker {
    scan: Scan,
    targets: Vec<u64>,
    next_target: usize,
    frontier: Frontier,
    diff: LeafDiff,
    offsets: Option<FixedFile>,
    subtrees: Option<FixedFile>,
}

pub(super) fn scan_entries(dir: &Path, mut targets: Vec<u64>) -> Result<Scan, Error> {
    targets.sort_unstable();
    targets.dedup();
    let mut c = Checker::new(dir, targets)?;
    let path = dir.join(ENTRIES_FILE);
    let Some(reader) = open_entries(&path, &mut c.scan)? else {
        return c.finish();
    };
    let (tx, rx) = sync_channel::<Vec<Item>>(4);
    let end = std::thread::scope(|s| -> Result<End, Error> {
        let producer = s.spawn(|| produce(reader, tx, &path));
        let mut consumed: Result<(), Error> = Ok(());
        for batch in rx {
            // On a read error keep draining so the producer never blocks; report it after.
            if consumed.is_ok() {
                consumed = batch.iter().try_for_each(|item| c.take(item));
            }
        }
        let end = producer
            .join()
            .expect("entries reader thread panicked: this is a bug")?;
        consumed.map(|()| end)
    })?;
    match end {
        End::Clean => {}
        End::Torn => c.scan.torn = true,
        End::Corrupt { offset, detail } => {
            c.scan.stop = Some(Problem::CorruptRecord {
                index: c.scan.count,
                offset,
                detail,
            });
        }
    }
    c.finish()
}

/// Reads and hashes records, sending them in batches; returns how the file ended.
fn produce(
    mut reader: RecordReader<BufReader<File>>,
    tx: SyncSender<Vec<Item>>,
    path: &Path,
) -> Result<End, Error> {
    let mut batch = Vec::with_capacity(BATCH);
    let end = loop {
        match reader.next_record() {
            Ok(Some(r)) => {
                batch.push(Item {
                    offset: r.offset,
                    leaf: r.leaf,
                    checksum_ok: r.checksum_ok(),
                });
                if batch.len() == BATCH
                    && tx
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_err()
                {
                    return Ok(End::Clean); // the checker stopped; it reports why
                }
            }
            Ok(None) => break End::Clean,
            Err(ReadStop::Torn { .. }) => break End::Torn,
            Err(ReadStop::Corrupt { offset, detail }) => break End::Corrupt { offset, detail },
            Err(ReadStop::Io(e)) => {
                return Err(Error::File {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        }
    };
    let _ = tx.send(batch);
    Ok(end)
}

impl Checker {
    fn new(dir: &Path, targets: Vec<u64>) -> Result<Checker, Error> {
        let leaves = FixedFile::open(&dir.join(LEAVES_FILE), HASH_LEN)?;
        let mut c = Checker {
            scan: Scan {
                count: 0,
                root: Frontier::new().root(),
                roots: Vec::new(),
                first_bad_checksum: None,
                torn: false,
                stop: None,
                diff: None,
                leaf_count: leaves.as_ref().map(FixedFile::count),
                index_problem: None,
            },
            targets,
            next_target: 0,
            frontier: Frontier::new(),
            diff: LeafDiff::new(leaves),
            offsets: FixedFile::open(&dir.join(OFFSETS_FILE), 8)?,
            subtrees: FixedFile::open(&dir.join(SUBTREES_FILE), HASH_LEN)?,
        };
        c.record_roots();
        Ok(c)
    }

    /// Stores the root for every requested size equal to the current count.
    fn record_roots(&mut self) {
        while self.targets.get(self.next_target) == Some(&self.scan.count) {
            self.scan
                .roots
                .push((self.scan.count, self.frontier.root()));
            self.next_target += 1;
        }
    }

    fn take(&mut self, item: &Item) -> Result<(), Error> {
        let i = self.scan.count;
        if !item.checksum_ok && self.scan.first_bad_checksum.is_none() {
            self.scan.first_bad_checksum = Some(i);
        }
        self.diff.feed(i, &item.leaf)?;
        self.check_offset(i, item.offset)?;
        let mut block = None;
        self.frontier.push_with(item.leaf, |level, index, hash| {
            if level == BLOCK_LEVEL {
                block = Some((index, *hash));
            }
        });
        if let Some((index, hash)) = block {
            self.check_block(index, &hash)?;
        }
        self.scan.count += 1;
        self.record_roots();
        Ok(())
    }

    fn index_mismatch(&mut self, file: &str, index: u64) {
        if self.scan.index_problem.is_none() {
            self.scan.index_problem = Some(Problem::IndexMismatch {
                file: file.to_owned(),
                index,
            });
        }
    }

    fn check_offset(&mut self, i: u64, offset: u64) -> Result<(), Error> {
        let Some(f) = self.offsets.as_mut() else {
            return Ok(());
        };
        let stored = f
            .get(i)?
            .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
        if stored != Some(offset) {
            self.index_mismatch(OFFSETS_FILE, i);
        }
        Ok(())
    }

    fn check_block(&mut self, block: u64, root: &Hash) -> Result<(), Error> {
        let Some(f) = self.subtrees.as_mut() else {
            return Ok(());
        };
        if f.get(block)? != Some(root.as_bytes().as_slice()) {
            self.index_mismatch(SUBTREES_FILE, block << BLOCK_LEVEL);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Scan, Error> {
        let count = self.scan.count;
        self.scan.root = self.frontier.root();
        self.scan.diff = self.diff.finish(count)?;
        if let Some(n) = self
            .offsets
            .as_ref()
            .map(FixedFile::count)
            .filter(|&n| n != count)
        {
            self.index_mismatch(OFFSETS_FILE, n.min(count));
        }
        let blocks = count >> BLOCK_LEVEL;
        if let Some(n) = self
            .subtrees
            .as_ref()
            .map(FixedFile::count)
            .filter(|&n| n != blocks)
        {
            self.index_mismatch(SUBTREES_FILE, n.min(blocks) << BLOCK_LEVEL);
        }
        Ok(self.scan)
    }
}

/// Opens the entries file past its header; `None` (with `scan.stop` set if damaged) when
/// there is nothing to read.
fn open_entries(
    path: &Path,
    scan: &mut Scan,
) -> Result<Option<RecordReader<BufReader<File>>>, Error> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::File {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut head = Vec::with_capacity(8);
    (&mut reader)
        .take(HEADER_LEN)
        .read_to_end(&mut head)
        .at(path)?;
    if head.is_empty() {
        return Ok(None);
    }
    if head.as_slice() != MAGIC {
        let detail = "the file does not start with the ledger header".to_owned();
        scan.stop = Some(Problem::CorruptRecord {
            index: 0,
            offset: 0,
            detail,
        });
        return Ok(None);
    }
    Ok(Some(RecordReader::new(reader)))
}
