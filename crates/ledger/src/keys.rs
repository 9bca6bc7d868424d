//! Ed25519 keys in the C2SP signed-note text formats.
//!
//! - verifier key: `name+hex(key id)+base64(type || 32-byte public key)`
//! - signer key:   `PRIVATE+KEY+name+hex(key id)+base64(type || 32-byte seed)`
//!
//! with key id = `SHA-256(name || 0x0A || type || public key)[:4]` (big-endian u32). Type 0x01
//! keys sign notes such as checkpoints; type 0x04 keys make tlog-cosignature/v1 witness
//! cosignatures. Parsing recomputes the key id and refuses a key whose id does not match.
//!
//! Keys are generated from the operating system's RNG (`getrandom`). Writing key files (mode
//! 0600) is the caller's job; a [`SignerKey`]'s `Debug` never shows the seed.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use crate::hash::sha256;

/// What a key signs, and the signature type byte of its key id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// 0x01: Ed25519 over the note text (a log signing its checkpoints).
    Note,
    /// 0x04: timestamped Ed25519 cosignature/v1 (a witness).
    Cosigner,
}

impl KeyKind {
    pub fn type_byte(self) -> u8 {
        match self {
            KeyKind::Note => 0x01,
            KeyKind::Cosigner => 0x04,
        }
    }

    fn from_type_byte(b: u8) -> Result<KeyKind, KeyError> {
        match b {
            0x01 => Ok(KeyKind::Note),
            0x04 => Ok(KeyKind::Cosigner),
            other => Err(KeyError::UnsupportedType(other)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key name {0:?} is empty or contains a space, a '+' or a control character")]
    BadName(String),
    #[error("not a key string: expected {0}")]
    Format(&'static str),
    #[error("key id is not 8 hex digits")]
    BadKeyId,
    #[error("key material is not valid base64")]
    Base64,
    #[error("signature type 0x{0:02x} is not supported (only Ed25519 0x01 and cosignature 0x04)")]
    UnsupportedType(u8),
    #[error("key material must be 33 bytes (type byte + 32-byte key), got {0}")]
    Length(usize),
    #[error("not a valid Ed25519 public key")]
    BadPublicKey,
    #[error(
        "key id {given:08x} does not match the key (expected {computed:08x}): wrong name or damaged key"
    )]
    KeyIdMismatch { given: u32, computed: u32 },
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("this is a {got:?} key, a {want:?} key is needed here")]
    WrongKind { want: KeyKind, got: KeyKind },
}

/// C2SP key id: `SHA-256(name || "\n" || type || public key)[:4]`, big-endian.
pub fn key_id(name: &str, kind: KeyKind, public: &[u8; 32]) -> u32 {
    let d = sha256(&[name.as_bytes(), b"\n", &[kind.type_byte()], public]);
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Key names: non-empty, no Unicode whitespace, no '+', no control characters.
pub fn check_key_name(name: &str) -> Result<(), KeyError> {
    let bad = |c: char| c.is_whitespace() || c == '+' || c.is_control();
    if name.is_empty() || name.chars().any(bad) {
        return Err(KeyError::BadName(name.to_owned()));
    }
    Ok(())
}

/// A public key that verifies note signatures (or cosignatures) from one named key.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    kind: KeyKind,
    key: VerifyingKey,
}

impl VerifierKey {
    pub fn new(name: &str, kind: KeyKind, public: [u8; 32]) -> Result<VerifierKey, KeyError> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| KeyError::BadPublicKey)?;
        let id = key_id(name, kind, &public);
        Ok(VerifierKey {
            name: name.to_owned(),
            id,
            kind,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.id
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Strict Ed25519 verification (rejects non-canonical and small-order encodings).
    pub(crate) fn verify_raw(&self, message: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key
            .verify_strict(message, &Signature::from_bytes(&sig))
            .is_ok()
    }
}

impl fmt::Display for VerifierKey {
    /// The C2SP vkey string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut material = vec![self.kind.type_byte()];
        material.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.id,
            STANDARD.encode(material)
        )
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<VerifierKey, KeyError> {
        let (name, id, kind, material) = parse_key_parts(s.trim(), "name+keyid+base64key")?;
        let key = VerifierKey::new(name, kind, material)?;
        check_id(id, key.id)?;
        Ok(key)
    }
}

/// A private key that signs notes (kind [`KeyKind::Note`]) or cosignatures
/// ([`KeyKind::Cosigner`]).
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    id: u32,
    kind: KeyKind,
    key: SigningKey,
}

impl SignerKey {
    /// A fresh key from the OS random number generator.
    pub fn generate(name: &str, kind: KeyKind) -> Result<SignerKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        SignerKey::from_seed(name, kind, seed)
    }

    /// Deterministic construction, for tests and for keys restored from a file.
    pub fn from_seed(name: &str, kind: KeyKind, seed: [u8; 32]) -> Result<SignerKey, KeyError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, kind, key.verifying_key().as_bytes());
        Ok(SignerKey {
            name: name.to_owned(),
            id,
            kind,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.id
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            kind: self.kind,
            key: self.key.verifying_key(),
        }
    }

    /// The private key string `PRIVATE+KEY+name+hex(id)+base64(type||seed)`. Deliberately not
    /// `Display`, so a secret never lands in a log line by accident.
    pub fn to_key_string(&self) -> String {
        let mut material = vec![self.kind.type_byte()];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            STANDARD.encode(material)
        )
    }

    pub(crate) fn require(&self, want: KeyKind) -> Result<(), KeyError> {
        if self.kind != want {
            return Err(KeyError::WrongKind {
                want,
                got: self.kind,
            });
        }
        Ok(())
    }

    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SignerKey({}+{:08x}, {:?}, seed hidden)",
            self.name, self.id, self.kind
        )
    }
}

impl FromStr for SignerKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<SignerKey, KeyError> {
        const WANT: &str = "PRIVATE+KEY+name+keyid+base64seed";
        let rest = s
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(KeyError::Format(WANT))?;
        let (name, id, kind, seed) = parse_key_parts(rest, WANT)?;
        let key = SignerKey::from_seed(name, kind, seed)?;
        check_id(id, key.id)?;
        Ok(key)
    }
}

/// Splits `name+hexid+base64` from the left: names and ids have no '+', base64 may.
fn parse_key_parts<'a>(
    s: &'a str,
    want: &'static str,
) -> Result<(&'a str, u32, KeyKind, [u8; 32]), KeyError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyError::Format(want));
    };
    check_key_name(name)?;
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::BadKeyId);
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| KeyError::BadKeyId)?;
    let bytes = STANDARD.decode(material).map_err(|_| KeyError::Base64)?;
    if bytes.len() != 33 {
        return Err(KeyError::Length(bytes.len()));
    }
    let kind = KeyKind::from_type_byte(bytes[0])?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[1..]);
    Ok((name, id, kind, key))
}

fn check_id(given: u32, computed: u32) -> Result<(), KeyError> {
    if given != computed {
        return Err(KeyError::KeyIdMismatch { given, computed });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_strings_round_trip() {
        let s = SignerKey::from_seed("example.com/log", KeyKind::Note, [7; 32]).unwrap();
        let parsed: SignerKey = s.to_key_string().parse().unwrap();
        assert_eq!(parsed.verifier(), s.verifier());
        let v: VerifierKey = s.verifier().to_string().parse().unwrap();
        assert_eq!(v, s.verifier());
        assert!(!format!("{s:?}").contains(&s.to_key_string()[30..]));
    }

    #[test]
    fn c2sp_example_key_id() {
        let v: VerifierKey =
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
                .parse()
                .unwrap();
        assert_eq!(v.key_id(), 0x530d903a);
        assert_eq!(v.kind(), KeyKind::Note);
    }

    #[test]
    fn bad_key_strings_are_refused() {
        let good = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
        assert!(matches!(
            good.replace("530d903a", "530d903b").parse::<VerifierKey>(),
            Err(KeyError::KeyIdMismatch { .. })
        ));
        assert!(good.replace("foo", "f o").parse::<VerifierKey>().is_err());
        assert!("nonsense".parse::<VerifierKey>().is_err());
        assert!("PRIVATE+KEY+x".parse::<SignerKey>().is_err());
        assert!(check_key_name("a+b").is_err());
        assert!(check_key_name("").is_err());
    }

    #[test]
    fn key_material_with_plus_signs_parses() {
        // Regression: base64 may contain '+', so the string is split from the left.
        let s = (0u8..=255)
            .map(|b| SignerKey::from_seed("n", KeyKind::Note, [b; 32]).unwrap())
            .find(|k| k.to_key_string().matches('+').count() > 4)
            .expect("some seed encodes with a '+'");
        let parsed: SignerKey = s.to_key_string().parse().unwrap();
        assert_eq!(parsed.verifier(), s.verifier());
        assert_eq!(
            s.verifier().to_string().parse::<VerifierKey>().unwrap(),
            s.verifier()
        );
    }

    #[test]
    fn kinds_give_different_ids() {
        let a = SignerKey::from_seed("w", KeyKind::Note, [1; 32]).unwrap();
        let b = SignerKey::from_seed("w", KeyKind::Cosigner, [1; 32]).unwrap();
        assert_ne!(a.key_id(), b.key_id());
    }
}
