//! Duplicate-key detection within one file, by 64-bit hashes of the key cells.

use std::hash::Hasher;

use qinglian_spec::Dataset;

use crate::lake::{Cell, span};

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
                Cell::Text(s, e) | Cell::Personal(s, e, _) => h.write(&text.as_bytes()[span(s, e)]),
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

/// Keys seen in this file, as 64-bit hashes: ten million keys fit in 128 MiB where the
/// strings would not. A collision (odds about 1 in 400,000 at 10 million rows) would
/// quarantine a row as a duplicate, never lose it silently.
///
/// An open-addressed table of the hashes themselves (linear probing, at most three quarters
/// full): an insert touches one cache line, where a `HashSet` read its control bytes and
/// its bucket in two places — at ten million random keys each of those is a miss to memory.
#[derive(Default)]
pub(crate) struct KeySet {
    /// Power of two long (or empty); `EMPTY` marks an empty slot, so that hash is kept aside.
    slots: Vec<u64>,
    len: usize,
    has_empty: bool,
}

impl KeySet {
    pub(crate) fn reserve(&mut self, expected: usize) {
        if expected > self.capacity() {
            self.resize(expected);
        }
    }

    /// Records a key; false if it was seen before in this file.
    pub(crate) fn insert(&mut self, hash: u64) -> bool {
        if hash == EMPTY {
            return !std::mem::replace(&mut self.has_empty, true);
        }
        if self.len >= self.capacity() {
            self.resize(self.len + 1);
        }
        let fresh = place(&mut self.slots, hash);
        self.len += usize::from(fresh);
        fresh
    }

    /// Keys the table holds before it has to grow.
    fn capacity(&self) -> usize {
        self.slots.len() / 4 * 3
    }

    /// Makes room for `keys` keys (at least doubling, so growth stays amortised).
    fn resize(&mut self, keys: usize) {
        let len = (keys.max(2 * self.capacity()) * 4 / 3 + 1)
            .next_power_of_two()
            .max(1024);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; len]);
        for h in old.into_iter().filter(|h| *h != EMPTY) {
            place(&mut self.slots, h);
        }
    }
}

/// Marks an empty slot. Not 0: a table of zeros is allocated as untouched zero pages, and each
/// page then faulted twice, once read and once copied on the first write, the copy flushing
/// both cores' TLBs (4% of an import's samples). Filling with this value writes every page
/// once, up front.
const EMPTY: u64 = u64::MAX;

/// Puts `hash` (not `EMPTY`) into `slots` unless it is there; true if it was not.
fn place(slots: &mut [u64], hash: u64) -> bool {
    let mask = slots.len() - 1;
    // The hashes are SipHash output: their low bits choose a slot as well as any others.
    let mut i = hash as usize & mask;
    loop {
        match slots[i] {
            EMPTY => {
                slots[i] = hash;
                return true;
            }
            h if h == hash => return false,
            _ => i = (i + 1) & mask,
        }
    }
}

/// A 64-bit hash of key cells: SipHash-1-3 (the standard library's `DefaultHasher`, fixed
/// keys, so a file hashes the same in every run). An earlier hand-written multiply-rotate hash
/// collided on structured ids (`FK2024010209000` and `FK2024090202000`) and quarantined about
/// 1% of a ten-million-row payments file as "duplicates"; a well-mixed hash is worth its
/// ~20 ns per key. Each text cell is prefixed by its length, so ("ab","c") ≠ ("a","bc").
#[derive(Default)]
pub(crate) struct KeyHasher(std::hash::DefaultHasher);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write_usize(bytes.len());
        self.0.write(bytes);
    }
    fn write_u64(&mut self, v: u64) {
        self.0.write_u64(v);
    }
    fn write_i64(&mut self, v: i64) {
        self.0.write_i64(v);
    }
    fn write_i32(&mut self, v: i32) {
        self.0.write_i32(v);
    }
    fn write_u8(&mut self, v: u8) {
        self.0.write_u8(v);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn text_key(s: &str) -> u64 {
        let mut h = KeyHasher::default();
        h.write(s.as_bytes());
        h.write_u8(0x1f);
        h.finish()
    }

    #[test]
    fn structured_ids_do_not_collide() {
        // The pair that collided under the old hash, from the large demo's payments.
        assert_ne!(text_key("FK2024010209000"), text_key("FK2024090202000"));
        // Every id of that shape for two years of days and 20,000 payments a day.
        let mut seen = HashSet::new();
        for month in 1..=24u32 {
            for day in 1..=28u32 {
                for seq in (0..20_000u32).step_by(7) {
                    let id = format!(
                        "FK{:04}{:02}{day:02}{seq:05}",
                        2024 + (month - 1) / 12,
                        (month - 1) % 12 + 1
                    );
                    assert!(seen.insert(text_key(&id)), "collision at {id}");
                }
            }
        }
    }

    #[test]
    fn the_key_set_refuses_exactly_the_keys_seen_before() {
        let mut set = KeySet::default();
        let mut reference = HashSet::new();
        // Growth from empty, hashes equal in their low bits (long probe runs), 0, and the hash
        // that marks empty slots.
        let keys = (0..5_000u64).map(|i| ((i % 2_000) << 40) | (i % 7)).chain([
            0,
            0,
            1 << 40,
            u64::MAX,
            u64::MAX,
        ]);
        for k in keys {
            assert_eq!(set.insert(k), reference.insert(k), "key {k:#x}");
        }
        assert_eq!(set.len + usize::from(set.has_empty), reference.len());
        // A table reserved up front does not grow and says the same.
        let mut reserved = KeySet::default();
        reserved.reserve(100_000);
        let slots = reserved.slots.len();
        for round in 0..2 {
            for k in 0..30_000u64 {
                assert_eq!(
                    reserved.insert(k.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                    round == 0
                );
            }
        }
        assert_eq!(reserved.slots.len(), slots);
    }

    #[test]
    fn cell_boundaries_count() {
        let two = |a: &str, b: &str| {
            let mut h = KeyHasher::default();
            h.write(a.as_bytes());
            h.write(b.as_bytes());
            h.finish()
        };
        assert_ne!(two("ab", "c"), two("a", "bc"));
    }
}
