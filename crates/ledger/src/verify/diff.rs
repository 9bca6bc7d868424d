//! Streaming comparison of recomputed leaf hashes with the stored leaf-hash file, and the
//! classification of the first difference.
//!
//! After the first mismatch at entry `i`, four explanations are tracked in parallel, each
//! needing one stored leaf per entry: *altered* (everything after `i` still lines up),
//! *removed* (entries are shifted one back), *inserted* (shifted one forward), *reordered*
//! (exactly one later entry `j` has swapped places with `i`). The file lengths then decide.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::Problem;
use crate::error::{Error, PathContext};
use crate::hash::Hash;
use crate::log::read_at;

/// A file of fixed-width items read through a sliding window.
pub(super) struct FixedFile {
    file: File,
    path: PathBuf,
    width: usize,
    count: u64,
    window_start: u64,
    window: Vec<u8>,
}

const WINDOW_ITEMS: u64 = 8192;

impl FixedFile {
    /// `None` if the file does not exist (bundles carry no index files).
    pub(super) fn open(path: &Path, width: usize) -> Result<Option<FixedFile>, Error> {
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
        let count = file.metadata().at(path)?.len() / width as u64;
        Ok(Some(FixedFile {
            file,
            path: path.to_path_buf(),
            width,
            count,
            window_start: 0,
            window: Vec::new(),
        }))
    }

    pub(super) fn count(&self) -> u64 {
        self.count
    }

    /// Item `k`, or `None` past the end. Accesses move forward, so the window is reloaded
    /// starting a little before `k`, keeping `k - 1` available.
    pub(super) fn get(&mut self, k: u64) -> Result<Option<&[u8]>, Error> {
        if k >= self.count {
            return Ok(None);
        }
        let loaded = self.window.len() as u64 / self.width as u64;
        if k < self.window_start || k >= self.window_start + loaded {
            self.window_start = k.saturating_sub(2);
            let items = WINDOW_ITEMS.min(self.count - self.window_start);
            self.window.resize(items as usize * self.width, 0);
            read_at(
                &self.file,
                &mut self.window,
                self.window_start * self.width as u64,
            )
            .at(&self.path)?;
        }
        let at = (k - self.window_start) as usize * self.width;
        Ok(Some(&self.window[at..at + self.width]))
    }

    fn hash(&mut self, k: u64) -> Result<Option<Hash>, Error> {
        Ok(self
            .get(k)?
            .map(|b| Hash::from_slice(b).expect("32-byte items")))
    }
}

#[derive(Clone, Copy)]
enum Swap {
    Pending,
    Found(u64),
    Dead,
}

struct Divergence {
    at: u64,
    recomputed: Hash,
    stored: Option<Hash>,
    altered: bool,
    removed: bool,
    inserted: bool,
    swap: Swap,
}

pub(super) struct LeafDiff {
    leaves: Option<FixedFile>,
    divergence: Option<Divergence>,
}

impl LeafDiff {
    pub(super) fn new(leaves: Option<FixedFile>) -> LeafDiff {
        LeafDiff {
            leaves,
            divergence: None,
        }
    }

    /// Compares recomputed leaf `k` (fed in order) with the stored one.
    pub(super) fn feed(&mut self, k: u64, leaf: &Hash) -> Result<(), Error> {
        let Some(file) = self.leaves.as_mut() else {
            return Ok(());
        };
        let stored = file.hash(k)?;
        match self.divergence.as_mut() {
            None if stored == Some(*leaf) || stored.is_none() => {}
            None => {
                let removed = file.hash(k + 1)? == Some(*leaf);
                self.divergence = Some(Divergence {
                    at: k,
                    recomputed: *leaf,
                    stored,
                    altered: true,
                    removed,
                    inserted: true,
                    swap: Swap::Pending,
                });
            }
            Some(d) => {
                d.altered &= stored == Some(*leaf);
                if d.removed {
                    d.removed = file.hash(k + 1)? == Some(*leaf);
                }
                if d.inserted {
                    d.inserted = file.hash(k - 1)? == Some(*leaf);
                }
                d.swap = match d.swap {
                    Swap::Pending if stored == Some(*leaf) => Swap::Pending,
                    Swap::Pending if Some(*leaf) == d.stored && stored == Some(d.recomputed) => {
                        Swap::Found(k)
                    }
                    Swap::Found(j) if stored == Some(*leaf) => Swap::Found(j),
                    _ => Swap::Dead,
                };
            }
        }
        Ok(())
    }

    /// The classified first difference, once all `count` entries were fed.
    pub(super) fn finish(&mut self, count: u64) -> Result<Option<Problem>, Error> {
        let Some(file) = self.leaves.as_ref() else {
            return Ok(None);
        };
        let stored = file.count();
        let Some(d) = self.divergence.as_ref() else {
            return Ok(match stored.cmp(&count) {
                std::cmp::Ordering::Greater => Some(Problem::Truncated {
                    entries: count,
                    expected: stored,
                }),
                std::cmp::Ordering::Less => Some(Problem::InsertedEntry { index: stored }),
                std::cmp::Ordering::Equal => None,
            });
        };
        let i = d.at;
        Ok(Some(match d.swap {
            Swap::Found(j) if stored == count => Problem::ReorderedEntries {
                first: i,
                second: j,
            },
            _ if d.altered && stored == count => Problem::AlteredEntry { index: i },
            _ if d.removed && stored == count + 1 => Problem::RemovedEntry { index: i },
            _ if d.inserted && stored + 1 == count => Problem::InsertedEntry { index: i },
            _ => Problem::AlteredEntry { index: i },
        }))
    }
}
