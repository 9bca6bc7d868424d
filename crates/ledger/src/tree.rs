//! Proof generation and tree roots over any [`NodeSource`] (RFC 9162 §2.1.1–§2.1.4.1), an
//! all-in-memory [`MemoryTree`], and a streaming [`Frontier`] that yields the root of every
//! prefix of a leaf sequence in O(log n) memory.
//!
//! Every hash RFC 9162 asks for, `MTH(D[a:b])`, is split here into *complete* subtrees
//! (2^level leaves starting at a multiple of 2^level). A source therefore only has to answer
//! "hash of complete subtree (level, index)"; how it does so (stored levels, a cache, or
//! hashing leaves on demand) is its own business.

use std::io;

use crate::error::Error;
use crate::hash::{Hash, empty_root, node_hash};

/// Something that knows the hash of every complete subtree of a tree of [`NodeSource::size`]
/// leaves.
pub trait NodeSource {
    /// Number of leaves.
    fn size(&self) -> u64;
    /// Hash of the complete subtree of `2^level` leaves starting at leaf `index << level`.
    /// Callers guarantee `(index + 1) << level <= self.size()`.
    fn node(&self, level: u32, index: u64) -> io::Result<Hash>;
}

/// MTH of the first `size` leaves of `src` (`size <= src.size()`).
pub fn tree_root<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<Hash, Error> {
    check_size(src, size)?;
    if size == 0 {
        return Ok(empty_root());
    }
    Ok(range_hash(src, 0, size)?)
}

/// RFC 9162 §2.1.3.1 `PATH(index, D[0:size])`: sibling hashes from the leaf up to the root.
pub fn inclusion_proof<S: NodeSource + ?Sized>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, Error> {
    check_size(src, size)?;
    if index >= size {
        return Err(Error::OutOfRange(format!(
            "leaf index {index} is not below tree size {size}"
        )));
    }
    let mut out = Vec::with_capacity(64);
    path(src, index, 0, size, &mut out)?;
    Ok(out)
}

/// RFC 9162 §2.1.4.1 `PROOF(old, D[0:new])`; empty when `old == new`. `old == 0` is refused
/// because the verifier refuses it too (see [`crate::proof::verify_consistency`]).
pub fn consistency_proof<S: NodeSource + ?Sized>(
    src: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, Error> {
    check_size(src, new)?;
    if old == 0 || old > new {
        return Err(Error::OutOfRange(format!(
            "no consistency proof from size {old} to size {new}: need 0 < old <= new"
        )));
    }
    let mut out = Vec::with_capacity(64);
    if old < new {
        subproof(src, old, 0, new, true, &mut out)?;
    }
    Ok(out)
}

fn check_size<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<(), Error> {
    if size > src.size() {
        return Err(Error::OutOfRange(format!(
            "tree size {size} is larger than the log ({} entries)",
            src.size()
        )));
    }
    Ok(())
}

/// Largest power of two strictly below `n` (`n >= 2`): RFC 9162's split point `k`.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// MTH(D[start:end]) for a range that occurs in the RFC recursion (start aligned to the
/// largest complete subtree it begins): the left-to-right complete subtrees, folded from the
/// right.
fn range_hash<S: NodeSource + ?Sized>(src: &S, start: u64, end: u64) -> io::Result<Hash> {
    let mut parts = Vec::with_capacity(64);
    let mut at = start;
    while at < end {
        let n = end - at;
        let width = if n.is_power_of_two() {
            n
        } else {
            split_point(n)
        };
        let level = width.trailing_zeros();
        parts.push(src.node(level, at >> level)?);
        at += width;
    }
    let mut acc = parts.pop().expect("non-empty range");
    while let Some(left) = parts.pop() {
        acc = node_hash(&left, &acc);
    }
    Ok(acc)
}

fn path<S: NodeSource + ?Sized>(
    src: &S,
    m: u64,
    start: u64,
    end: u64,
    out: &mut Vec<Hash>,
) -> io::Result<()> {
    let n = end - start;
    if n == 1 {
        return Ok(());
    }
    let k = split_point(n);
    if m < k {
        path(src, m, start, start + k, out)?;
        out.push(range_hash(src, start + k, end)?);
    } else {
        path(src, m - k, start + k, end, out)?;
        out.push(range_hash(src, start, start + k)?);
    }
    Ok(())
}

fn subproof<S: NodeSource + ?Sized>(
    src: &S,
    m: u64,
    start: u64,
    end: u64,
    whole_old_tree: bool,
    out: &mut Vec<Hash>,
) -> io::Result<()> {
    let n = end - start;
    if m == n {
        // The verifier already knows the old root, so it is only sent for inner subtrees.
        if !whole_old_tree {
            out.push(range_hash(src, start, end)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(src, m, start, start + k, whole_old_tree, out)?;
        out.push(range_hash(src, start + k, end)?);
    } else {
        subproof(src, m - k, start + k, end, false, out)?;
        out.push(range_hash(src, start, start + k)?);
    }
    Ok(())
}

/// Root of a power-of-two run of hashes (a complete subtree), reduced pairwise in place.
pub(crate) fn fold_complete(hashes: &mut [Hash]) -> Hash {
    debug_assert!(hashes.len().is_power_of_two());
    let mut n = hashes.len();
    while n > 1 {
        for i in 0..n / 2 {
            hashes[i] = node_hash(&hashes[2 * i], &hashes[2 * i + 1]);
        }
        n /= 2;
    }
    hashes[0]
}

/// Every level of the tree in memory: `levels[0]` are the leaf hashes, `levels[h][i]` the
/// complete subtree (h, i). About 64 bytes per leaf; used for tests, small trees and, one
/// level up, as the upper part of the on-disk log's cache.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree {
            levels: vec![Vec::new()],
        }
    }

    pub fn from_leaf_hashes(leaves: impl IntoIterator<Item = Hash>) -> MemoryTree {
        let mut t = MemoryTree::new();
        for h in leaves {
            t.push(h);
        }
        t
    }

    /// Appends a leaf hash and every complete subtree it closes.
    pub fn push(&mut self, leaf: Hash) {
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if row.len() % 2 == 1 {
                return;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels[0].get(usize::try_from(index).ok()?).copied()
    }

    pub fn root(&self) -> Hash {
        tree_root(self, self.size()).expect("in-memory tree cannot fail")
    }
}

impl NodeSource for MemoryTree {
    fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    fn node(&self, level: u32, index: u64) -> io::Result<Hash> {
        self.levels
            .get(level as usize)
            .and_then(|row| row.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or_else(|| {
                io::Error::other(format!(
                    "no complete subtree ({level}, {index}): this is a bug"
                ))
            })
    }
}

/// The right edge of a growing tree: one complete-subtree hash per set bit of the size,
/// largest first. Pushing leaves one at a time gives the root of every prefix without
/// keeping the leaves.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// (level, hash), levels strictly decreasing.
    stack: Vec<(u32, Hash)>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; `on_node(level, index, hash)` sees every complete subtree this closes
    /// (level >= 1), e.g. to check a stored cache level while streaming.
    pub fn push_with(&mut self, leaf: Hash, mut on_node: impl FnMut(u32, u64, &Hash)) {
        let mut level = 0;
        let mut hash = leaf;
        while let Some(&(top_level, top)) = self.stack.last() {
            if top_level != level {
                break;
            }
            self.stack.pop();
            hash = node_hash(&top, &hash);
            level += 1;
            on_node(level, self.size >> level, &hash);
        }
        self.stack.push((level, hash));
        self.size += 1;
    }

    pub fn push(&mut self, leaf: Hash) {
        self.push_with(leaf, |_, _, _| {});
    }

    /// MTH of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else {
            return empty_root();
        };
        for (_, left) in iter {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// MTH straight from the RFC's recursive definition, as an oracle.
    fn mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_root(),
            1 => d[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&d[..k]), &mth(&d[k..]))
            }
        }
    }

    #[test]
    fn memory_tree_and_frontier_agree_with_the_definition() {
        let all = leaves(70);
        let mut f = Frontier::new();
        for n in 0..=70usize {
            let t = MemoryTree::from_leaf_hashes(all[..n].iter().copied());
            assert_eq!(t.root(), mth(&all[..n]), "size {n}");
            assert_eq!(f.root(), mth(&all[..n]), "frontier size {n}");
            if n < 70 {
                f.push(all[n]);
            }
        }
    }

    #[test]
    fn frontier_reports_closed_subtrees() {
        let all = leaves(8);
        let t = MemoryTree::from_leaf_hashes(all.iter().copied());
        let mut f = Frontier::new();
        let mut seen = Vec::new();
        for h in &all {
            f.push_with(*h, |level, index, hash| seen.push((level, index, *hash)));
        }
        assert_eq!(seen.len(), 7);
        for (level, index, hash) in seen {
            assert_eq!(t.node(level, index).unwrap(), hash);
        }
    }

    #[test]
    fn fold_complete_matches_tree() {
        let mut all = leaves(16);
        let want = mth(&all);
        assert_eq!(fold_complete(&mut all), want);
    }

    #[test]
    fn proof_generation_refuses_bad_arguments() {
        let t = MemoryTree::from_leaf_hashes(leaves(5));
        assert!(inclusion_proof(&t, 5, 5).is_err());
        assert!(inclusion_proof(&t, 0, 6).is_err());
        assert!(consistency_proof(&t, 0, 5).is_err());
        assert!(consistency_proof(&t, 4, 3).is_err());
        assert_eq!(consistency_proof(&t, 5, 5).unwrap(), Vec::<Hash>::new());
    }
}
