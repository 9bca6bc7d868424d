//! C2SP signed notes: text ending in a newline, a blank line, then one or more lines
//! `— <key name> base64(key id || signature)`.
//!
//! Verification follows the spec's rules: signatures from unknown (name, id) pairs are
//! ignored; a known key's signature that fails rejects the whole note; at least one known
//! key must verify. Both Ed25519 note keys and cosignature/v1 witness keys are checked here,
//! so a checkpoint with its witness cosignatures attached verifies in one call.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::cosignature;
use crate::keys::{KeyError, KeyKind, SignerKey, VerifierKey, check_key_name};

/// Signature lines beyond this are refused (the spec requires accepting at least 16).
pub const MAX_SIGNATURES: usize = 100;

const DASH: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed signed note: {0}")]
    Malformed(String),
    #[error("note text cannot be signed: {0}")]
    BadText(&'static str),
    #[error(
        "the signature by known key {name}+{key_id:08x} does not verify: the note was altered or forged"
    )]
    InvalidSignature { name: String, key_id: u32 },
    #[error("no signature on the note is from a trusted key")]
    NoTrustedSignature,
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn malformed(why: impl Into<String>) -> NoteError {
    NoteError::Malformed(why.into())
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    /// The bytes after the key id (a 64-byte signature, or timestamp + signature).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// `— name base64(id || signature)\n`.
    pub fn to_line(&self) -> String {
        let mut bytes = self.key_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("{DASH}{} {}\n", self.name, STANDARD.encode(bytes))
    }

    /// Parses one line, with or without its final newline.
    pub fn parse_line(line: &str) -> Result<NoteSignature, NoteError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let rest = line
            .strip_prefix(DASH)
            .ok_or_else(|| malformed("signature line must start with '— '"))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| malformed("signature line needs a key name and a signature"))?;
        check_key_name(name)
            .map_err(|_| malformed(format!("bad key name {name:?} in signature line")))?;
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| malformed("signature is not valid base64"))?;
        if bytes.len() < 5 {
            return Err(malformed(
                "signature is shorter than a key id plus one byte",
            ));
        }
        let key_id = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Ok(NoteSignature {
            name: name.to_owned(),
            key_id,
            signature: bytes[4..].to_vec(),
        })
    }
}

/// A parsed (not yet verified) signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, including its final newline.
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    pub fn parse(note: &str) -> Result<Note, NoteError> {
        check_note_chars(note).map_err(malformed)?;
        if !note.ends_with('\n') {
            return Err(malformed("a signed note must end with a newline"));
        }
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| malformed("no blank line between text and signatures"))?;
        let (text, sig_block) = (&note[..=split], &note[split + 2..]);
        let signatures = sig_block
            .split_terminator('\n')
            .map(NoteSignature::parse_line)
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() {
            return Err(malformed("a signed note needs at least one signature line"));
        }
        if signatures.len() > MAX_SIGNATURES {
            return Err(malformed(format!("more than {MAX_SIGNATURES} signatures")));
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note in its wire form.
    pub fn to_text(&self) -> String {
        let mut s = self.text.clone();
        s.push('\n');
        for sig in &self.signatures {
            s.push_str(&sig.to_line());
        }
        s
    }
}

/// A signature that verified, and for cosignatures the time it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    pub name: String,
    pub key_id: u32,
    pub timestamp: Option<u64>,
}

/// A note whose text was verified by at least one trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    pub text: String,
    pub verified: Vec<VerifiedSignature>,
}

/// Verifies a signed note against trusted keys (see the module doc for the rules).
pub fn verify_note(note: &str, keys: &[VerifierKey]) -> Result<VerifiedNote, NoteError> {
    let parsed = Note::parse(note)?;
    let mut verified: Vec<VerifiedSignature> = Vec::new();
    for sig in &parsed.signatures {
        let Some(key) = keys
            .iter()
            .find(|k| k.name() == sig.name && k.key_id() == sig.key_id)
        else {
            continue;
        };
        if verified
            .iter()
            .any(|v| v.name == sig.name && v.key_id == sig.key_id)
        {
            return Err(malformed(format!(
                "two signatures by the same key {}",
                sig.name
            )));
        }
        let timestamp = check_signature(&parsed.text, sig, key)?;
        verified.push(VerifiedSignature {
            name: sig.name.clone(),
            key_id: sig.key_id,
            timestamp,
        });
    }
    if verified.is_empty() {
        return Err(NoteError::NoTrustedSignature);
    }
    Ok(VerifiedNote {
        text: parsed.text,
        verified,
    })
}

fn check_signature(
    text: &str,
    sig: &NoteSignature,
    key: &VerifierKey,
) -> Result<Option<u64>, NoteError> {
    let invalid = || NoteError::InvalidSignature {
        name: sig.name.clone(),
        key_id: sig.key_id,
    };
    match key.kind() {
        KeyKind::Note => key
            .verify_raw(text.as_bytes(), &sig.signature)
            .then_some(None)
            .ok_or_else(invalid),
        KeyKind::Cosigner => cosignature::check(text, &sig.signature, key)
            .map(Some)
            .ok_or_else(invalid),
    }
}

/// Signs `text` with a note key and returns the complete signed note.
pub fn sign_note(text: &str, signer: &SignerKey) -> Result<String, NoteError> {
    signer.require(KeyKind::Note)?;
    check_signable_text(text)?;
    let sig = NoteSignature {
        name: signer.name().to_owned(),
        key_id: signer.key_id(),
        signature: signer.sign_raw(text.as_bytes()).to_vec(),
    };
    Ok(format!("{text}\n{}", sig.to_line()))
}

pub(crate) fn check_signable_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::BadText(
            "note text must be non-empty and end with a newline",
        ));
    }
    check_note_chars(text).map_err(NoteError::BadText)
}

fn check_note_chars(s: &str) -> Result<(), &'static str> {
    if s.chars().any(|c| c < ' ' && c != '\n') {
        return Err("control characters other than newline are not allowed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, seed: u8) -> SignerKey {
        SignerKey::from_seed(name, KeyKind::Note, [seed; 32]).unwrap()
    }

    #[test]
    fn sign_then_verify() {
        let k = key("a.example/log", 1);
        let note = sign_note("hello\nworld\n", &k).unwrap();
        let v = verify_note(&note, &[k.verifier()]).unwrap();
        assert_eq!(v.text, "hello\nworld\n");
        assert_eq!(Note::parse(&note).unwrap().to_text(), note);
    }

    #[test]
    fn unknown_keys_are_ignored_but_one_trusted_key_is_required() {
        let (a, b) = (key("a", 1), key("b", 2));
        let note = sign_note("t\n", &a).unwrap();
        assert_eq!(
            verify_note(&note, &[b.verifier()]),
            Err(NoteError::NoTrustedSignature)
        );
        // Same name, different key: different id, so it is an unknown key, not a failure.
        let a2 = key("a", 3);
        assert_eq!(
            verify_note(&note, &[a2.verifier()]),
            Err(NoteError::NoTrustedSignature)
        );
        assert!(verify_note(&note, &[b.verifier(), a.verifier()]).is_ok());
    }

    #[test]
    fn a_failing_known_signature_rejects_the_note() {
        let (a, b) = (key("a", 1), key("b", 2));
        let note = sign_note("t\n", &a).unwrap();
        let b_line = sign_note("other\n", &b).unwrap();
        let b_line = b_line.lines().last().unwrap();
        let both = format!("{note}{b_line}\n");
        assert!(matches!(
            verify_note(&both, &[a.verifier(), b.verifier()]),
            Err(NoteError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn malformed_notes_are_refused() {
        let k = key("a", 1);
        let note = sign_note("t\n", &k).unwrap();
        for bad in [
            note.trim_end().to_string(),
            note.replace("\n\n", "\n"),
            note.replace('\u{2014}', "-"),
            format!("x\u{7}{note}"),
            "t\n\n".to_string(),
        ] {
            assert!(verify_note(&bad, &[k.verifier()]).is_err(), "{bad:?}");
        }
        assert!(sign_note("no newline", &k).is_err());
        assert!(sign_note("tab\there\n", &k).is_err());
    }
}
