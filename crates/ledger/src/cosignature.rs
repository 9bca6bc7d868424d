//! C2SP tlog-cosignature, Ed25519 cosignature/v1: a witness's timestamped statement that the
//! checkpoint is the largest consistent tree it has seen for the log.
//!
//! Signed message: `cosignature/v1\ntime <secs>\n` followed by the checkpoint note text. The
//! signature line carries key id (type byte 0x04) || 8-byte big-endian timestamp || 64-byte
//! Ed25519 signature.

use crate::keys::{KeyKind, SignerKey, VerifierKey};
use crate::note::{NoteError, NoteSignature, check_signable_text};

/// Largest timestamp the spec allows (2^63 - 1).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// The exact bytes an Ed25519 cosigner signs.
pub fn cosignature_message(checkpoint_text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

/// Cosigns a checkpoint's note text (without its signature lines) at `timestamp` (POSIX
/// seconds) and returns the signature line, ending in a newline.
pub fn cosign(
    checkpoint_text: &str,
    signer: &SignerKey,
    timestamp: u64,
) -> Result<String, NoteError> {
    signer.require(KeyKind::Cosigner)?;
    check_signable_text(checkpoint_text)?;
    if timestamp > MAX_TIMESTAMP {
        return Err(NoteError::BadText(
            "cosignature timestamp must not exceed 2^63 - 1",
        ));
    }
    let sig = signer.sign_raw(&cosignature_message(checkpoint_text, timestamp));
    let mut bytes = timestamp.to_be_bytes().to_vec();
    bytes.extend_from_slice(&sig);
    let line = NoteSignature {
        name: signer.name().to_owned(),
        key_id: signer.key_id(),
        signature: bytes,
    };
    Ok(line.to_line())
}

/// Verifies one cosignature line over `checkpoint_text`; returns its timestamp.
pub fn verify_cosignature(
    checkpoint_text: &str,
    line: &str,
    key: &VerifierKey,
) -> Result<u64, NoteError> {
    let sig = NoteSignature::parse_line(line)?;
    let invalid = || NoteError::InvalidSignature {
        name: sig.name.clone(),
        key_id: sig.key_id,
    };
    if key.kind() != KeyKind::Cosigner || sig.name != key.name() || sig.key_id != key.key_id() {
        return Err(NoteError::NoTrustedSignature);
    }
    check(checkpoint_text, &sig.signature, key).ok_or_else(invalid)
}

/// `timestamp || signature` bytes against the cosigned message; `None` if they do not verify.
pub(crate) fn check(checkpoint_text: &str, bytes: &[u8], key: &VerifierKey) -> Option<u64> {
    if bytes.len() != 8 + 64 {
        return None;
    }
    let timestamp = u64::from_be_bytes(bytes[..8].try_into().ok()?);
    if timestamp > MAX_TIMESTAMP {
        return None;
    }
    key.verify_raw(
        &cosignature_message(checkpoint_text, timestamp),
        &bytes[8..],
    )
    .then_some(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{sign_note, verify_note};

    #[test]
    fn cosignature_round_trip_and_note_integration() {
        let log = SignerKey::from_seed("log.example", KeyKind::Note, [1; 32]).unwrap();
        let w = SignerKey::from_seed("witness.example", KeyKind::Cosigner, [2; 32]).unwrap();
        let text = "log.example\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let line = cosign(text, &w, 1_679_315_147).unwrap();
        assert_eq!(
            verify_cosignature(text, &line, &w.verifier()),
            Ok(1_679_315_147)
        );
        assert!(verify_cosignature("other\n", &line, &w.verifier()).is_err());
        let note = format!("{}{line}", sign_note(text, &log).unwrap());
        let v = verify_note(&note, &[log.verifier(), w.verifier()]).unwrap();
        assert_eq!(v.verified.len(), 2);
        assert_eq!(v.verified[1].timestamp, Some(1_679_315_147));
    }

    #[test]
    fn a_note_key_cannot_cosign() {
        let log = SignerKey::from_seed("log.example", KeyKind::Note, [1; 32]).unwrap();
        assert!(cosign("t\n", &log, 1).is_err());
    }
}
