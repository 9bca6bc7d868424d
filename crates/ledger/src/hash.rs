//! RFC 9162 §2.1.1 hashing: the 32-byte [`Hash`](struct@Hash), leaf and interior-node hashes, and the
//! root of the empty tree.
//!
//! The 0x00 / 0x01 prefixes are the domain separation that stops a leaf from being passed
//! off as an interior node (second-preimage attack); never hash tree data without them.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Length in bytes of every hash in the tree (SHA-256).
pub const HASH_LEN: usize = 32;

/// A SHA-256 value: a leaf hash, a subtree hash or a tree root.
///
/// `Display`, `Debug` and serde use lowercase hex; checkpoints and proofs on the wire use
/// base64 through [`Hash::to_base64`] and [`Hash::from_base64`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; HASH_LEN]);

/// Why a byte string or text is not a [`Hash`](struct@Hash).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("a hash must be 32 bytes, this one has {0}")]
    Length(usize),
    #[error("not valid base64 (standard alphabet, padded)")]
    Base64,
    #[error("not valid hex")]
    Hex,
}

impl Hash {
    /// Accepts exactly 32 bytes; anything else is rejected, as RFC 9162 verifiers must.
    pub fn from_slice(bytes: &[u8]) -> Result<Hash, HashError> {
        let arr: [u8; HASH_LEN] = bytes
            .try_into()
            .map_err(|_| HashError::Length(bytes.len()))?;
        Ok(Hash(arr))
    }

    /// Parses standard padded base64 (RFC 4648 §4), the encoding of checkpoints and proofs.
    pub fn from_base64(text: &str) -> Result<Hash, HashError> {
        let bytes = STANDARD.decode(text).map_err(|_| HashError::Base64)?;
        Hash::from_slice(&bytes)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn from_hex(text: &str) -> Result<Hash, HashError> {
        let bytes = hex::decode(text).map_err(|_| HashError::Hex)?;
        Hash::from_slice(&bytes)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = HashError;
    /// Hex, the `Display` form.
    fn from_str(s: &str) -> Result<Hash, HashError> {
        Hash::from_hex(s)
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        let text = String::deserialize(d)?;
        Hash::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// RFC 9162 leaf hash: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    Hash(h.finalize().into())
}

/// RFC 9162 interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    hash_children(&left.0, &right.0)
}

/// [`node_hash`] over raw byte strings, for test vectors whose children are not 32 bytes.
pub fn hash_children(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    Hash(h.finalize().into())
}

/// Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// SHA-256 of arbitrary bytes (key ids, entry checksums are leaf hashes instead).
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn from_slice_rejects_wrong_lengths() {
        assert_eq!(Hash::from_slice(&[0; 12]), Err(HashError::Length(12)));
        assert_eq!(Hash::from_slice(&[]), Err(HashError::Length(0)));
        assert!(Hash::from_slice(&[7; 32]).is_ok());
    }

    #[test]
    fn base64_and_hex_round_trip() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert_eq!(h.to_hex().parse::<Hash>(), Ok(h));
        assert_eq!(Hash::from_base64("not base64!"), Err(HashError::Base64));
    }
}
