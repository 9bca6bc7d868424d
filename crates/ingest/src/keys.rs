//! Duplicate-key detection within one file, by 64-bit hashes of the key cells.

use std::collections::HashSet;
use std::hash::Hasher;

use qinglian_spec::Dataset;

use crate::lake::Cell;

/// Which cells make a dataset's key, and how to hash them.
pub(crate) struct KeyColumns {
    key_fields: Vec<usize>,
}

impl KeyColumns {
    pub(crate) fn new(d: &Dataset) -> Self {
        let key_fields = d
            .key
            .iter()
            .filter_map(|k| d.fields.iter().position(|f| f.name == *k))
            .collect();
        Self { key_fields }
    }

    /// The hash of a row's key, or `None` for a dataset without key.
    pub(crate) fn hash(&self, cells: &[Cell], text: &str) -> Option<u64> {
        if self.key_fields.is_empty() {
            return None;
        }
        let mut h = KeyHasher::default();
        for &i in &self.key_fields {
            match cells[i] {
                Cell::Text(s, e) | Cell::Personal(s, e, _, _) => h.write(&text.as_bytes()[s..e]),
                Cell::Int(v) | Cell::Fen(v) | Cell::Millis(v) => h.write_i64(v),
                Cell::Date(v) => h.write_i32(v),
                Cell::Float(v) => h.write_u64(v.to_bits()),
                Cell::Bool(v) => h.write_u8(u8::from(v)),
                Cell::Null => h.write_u8(0xff),
            }
            h.write_u8(0x1f); // separator: ("ab","c") differs from ("a","bc")
        }
        Some(h.finish())
    }
}

/// Keys seen in this file, as 64-bit hashes: ten million keys fit in ~200 MB where the
/// strings would not. A collision (odds about 1 in 400,000 at 10 million rows) would
/// quarantine a row as a duplicate, never lose it silently.
#[derive(Default)]
pub(crate) struct KeySet {
    seen: HashSet<u64, std::hash::BuildHasherDefault<IdHasher>>,
}

impl KeySet {
    pub(crate) fn reserve(&mut self, expected: usize) {
        self.seen.reserve(expected.saturating_sub(self.seen.len()));
    }

    /// Records a key; false if it was seen before in this file.
    pub(crate) fn insert(&mut self, hash: u64) -> bool {
        self.seen.insert(hash)
    }
}

/// The set's values are already hashes; hashing them again would only cost time.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _bytes: &[u8]) {
        unreachable!("IdHasher only hashes u64 keys")
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A fast 64-bit hash of key cells (multiply-xorshift over 8-byte words, finished with
/// the murmur3 avalanche). Not keyed: the keys come from the file being imported, and a
/// collision costs one needless quarantine line, never a lost row.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl KeyHasher {
    fn mix(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(K).rotate_left(29);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    }
    fn write_u64(&mut self, v: u64) {
        self.mix(v);
    }
    fn write_i64(&mut self, v: i64) {
        self.mix(v as u64);
    }
    fn write_i32(&mut self, v: i32) {
        self.mix(u64::from(v as u32));
    }
    fn write_u8(&mut self, v: u8) {
        self.mix(u64::from(v) | 0x100);
    }
}
