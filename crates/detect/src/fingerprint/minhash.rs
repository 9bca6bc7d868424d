//! MinHash signatures for near-duplicate text (Broder 1997): the share of equal positions in
//! two signatures estimates the Jaccard similarity of the texts' character shingle sets.
//!
//! Text is normalised first (full-width folded, lower-cased, whitespace and punctuation
//! dropped), then cut into overlapping k-character shingles — characters, not words, because
//! Chinese is not written with spaces. Hashing is FNV-1a followed by a SplitMix64 finaliser
//! per signature slot: stable across Rust versions and platforms, unlike `std`'s hasher.

use std::collections::HashSet;

/// Normalised characters of `text`.
pub fn normalise(text: &str) -> Vec<char> {
    qinglian_core::fold_width(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn fnv1a(chars: &[char]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        for b in (*c as u32).to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hashes of the k-character shingles of `text` (the whole text when shorter than k).
pub fn shingles(text: &str, k: usize) -> HashSet<u64> {
    let c = normalise(text);
    if c.is_empty() {
        return HashSet::new();
    }
    if c.len() <= k {
        return HashSet::from([fnv1a(&c)]);
    }
    c.windows(k.max(1)).map(fnv1a).collect()
}

/// Exact Jaccard similarity of two shingle sets (0 when both are empty).
pub fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// The MinHash signature of a shingle set with `slots` hash functions seeded by `seed`.
pub fn signature(set: &HashSet<u64>, slots: usize, seed: u64) -> Vec<u64> {
    let salts: Vec<u64> = (0..slots as u64)
        .map(|i| splitmix(seed ^ splitmix(i)))
        .collect();
    let mut sig = vec![u64::MAX; slots];
    for &h in set {
        for (s, salt) in sig.iter_mut().zip(&salts) {
            *s = (*s).min(splitmix(h ^ salt));
        }
    }
    sig
}

/// Estimated Jaccard similarity: the share of equal slots.
pub fn estimate(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    a.iter()
        .zip(b)
        .filter(|(x, y)| x == y && **x != u64::MAX)
        .count() as f64
        / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_width_case_and_punctuation() {
        assert_eq!(
            normalise("ＡＢ c，施工 方案!"),
            "abc施工方案".chars().collect::<Vec<_>>()
        );
    }

    #[test]
    fn estimate_tracks_jaccard() {
        let a = shingles(
            "本工程采用C30混凝土，钢筋保护层厚度不小于25毫米，施工期间设置安全警示标志。",
            4,
        );
        let b = shingles(
            "本工程采用C30混凝土，钢筋保护层厚度不小于25毫米，施工期间设置安全警示标识。",
            4,
        );
        let c = shingles(
            "投标人应当具备建筑工程施工总承包三级以上资质，并在人员、设备方面具有相应能力。",
            4,
        );
        let (sa, sb, sc) = (
            signature(&a, 256, 1),
            signature(&b, 256, 1),
            signature(&c, 256, 1),
        );
        let j = jaccard(&a, &b);
        assert!(j > 0.8, "{j}");
        assert!((estimate(&sa, &sb) - j).abs() < 0.1);
        assert!(estimate(&sa, &sc) < 0.1);
        assert_eq!(estimate(&sa, &sa), 1.0);
    }
}
