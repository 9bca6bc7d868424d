//! C2SP tlog-checkpoint: the note text `origin\nsize\nbase64(root)\n[extension lines]`,
//! signed as a C2SP signed note.
//!
//! Parsing is strict: at least three non-empty lines, a non-empty origin, a decimal size with
//! no leading zeros, a 32-byte root, non-empty extension lines.

use crate::hash::Hash;
use crate::keys::{SignerKey, VerifierKey};
use crate::note::{NoteError, VerifiedNote, sign_note, verify_note};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    #[error(transparent)]
    Note(#[from] NoteError),
}

fn malformed(why: impl Into<String>) -> CheckpointError {
    CheckpointError::Malformed(why.into())
}

/// A tree head: the log's identity, its size, and the root hash at that size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text (ends with a newline).
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for ext in &self.extensions {
            s.push_str(ext);
            s.push('\n');
        }
        s
    }

    pub fn parse_text(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| malformed("text must end with a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(malformed("needs origin, size and root hash lines"));
        }
        if lines.iter().any(|l| l.is_empty()) {
            return Err(malformed("lines must not be empty"));
        }
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size: parse_size(lines[1])?,
            root: Hash::from_base64(lines[2]).map_err(|e| malformed(format!("root hash: {e}")))?,
            extensions: lines[3..].iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// Signs the checkpoint text; returns the signed note.
    pub fn sign(&self, signer: &SignerKey) -> Result<String, CheckpointError> {
        Ok(sign_note(&self.to_text(), signer)?)
    }

    /// Verifies a signed checkpoint with `key` and parses it.
    pub fn from_signed_note(note: &str, key: &VerifierKey) -> Result<Checkpoint, CheckpointError> {
        Ok(Checkpoint::open(note, std::slice::from_ref(key))?.0)
    }

    /// Verifies with any of `keys` (for example a log key and witness keys) and parses.
    pub fn open(
        note: &str,
        keys: &[VerifierKey],
    ) -> Result<(Checkpoint, VerifiedNote), CheckpointError> {
        let verified = verify_note(note, keys)?;
        Ok((Checkpoint::parse_text(&verified.text)?, verified))
    }
}

fn parse_size(s: &str) -> Result<u64, CheckpointError> {
    let digits_ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok || (s.len() > 1 && s.starts_with('0')) {
        return Err(malformed(format!(
            "tree size {s:?} is not a decimal without leading zeros"
        )));
    }
    s.parse()
        .map_err(|_| malformed(format!("tree size {s:?} is too large")))
}

/// A checkpoint together with the signed note it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::keys::KeyKind;

    #[test]
    fn text_round_trip_with_extensions() {
        let mut c = Checkpoint::new("example.com/log", 20852163, leaf_hash(b"x"));
        c.extensions.push("ext one".into());
        assert_eq!(Checkpoint::parse_text(&c.to_text()), Ok(c));
    }

    #[test]
    fn spec_example_body_parses() {
        let c = Checkpoint::parse_text(
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        )
        .unwrap();
        assert_eq!(c.size, 20852163);
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let root = leaf_hash(b"x").to_base64();
        for bad in [
            format!("o\n01\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n1\n{root}\n\n"),
            "o\n1\nAAAA\n".to_string(),
            "o\n1\n".to_string(),
            format!("o\n99999999999999999999999\n{root}\n"),
        ] {
            assert!(Checkpoint::parse_text(&bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Checkpoint::parse_text(&format!("o\n0\n{root}\n"))
                .unwrap()
                .size,
            0
        );
    }

    #[test]
    fn sign_and_open() {
        let k = SignerKey::from_seed("example.com/log", KeyKind::Note, [9; 32]).unwrap();
        let c = Checkpoint::new("example.com/log", 3, leaf_hash(b"r"));
        let note = c.sign(&k).unwrap();
        assert_eq!(Checkpoint::from_signed_note(&note, &k.verifier()), Ok(c));
    }
}
