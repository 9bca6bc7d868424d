//! Keyed pseudonyms for personal identifiers, so datasets can be joined without storing them.
//!
//! A pseudonym is the first 16 bytes (32 hex characters) of
//! `HMAC-SHA256(key, kind_tag || 0x00 || normalised_value)`. It is keyed so that, unlike a plain
//! hash, nobody without the workspace key can confirm a guess by hashing every possible phone
//! number (there are only ~10^10). It is domain-separated by [`IdentKind`] so that a phone
//! number and an account number with the same digits do not collide; the `0x00` keeps the tag
//! and the value from running into each other. 128 bits keep accidental collisions out of reach
//! for any realistic number of people.
//!
//! Callers pass the normalised form (`ResidentId::as_str()`, `Phone::as_str()`, …): the same
//! identity must always yield the same bytes, or matching silently fails.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The pseudonym domain. Cards and corporate accounts share `BankAccount`, so a card number
/// matches whether it appears as a card in one dataset or as a payee account in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentKind {
    ResidentId,
    Phone,
    BankAccount,
    Email,
}

impl IdentKind {
    /// The domain-separation tag. Changing one re-keys every stored pseudonym of that kind.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            IdentKind::ResidentId => "resident_id",
            IdentKind::Phone => "phone",
            IdentKind::BankAccount => "bank_account",
            IdentKind::Email => "email",
        }
    }
}

/// Computes pseudonyms under one secret key. `Debug` does not show the key.
#[derive(Clone)]
pub struct Pseudonymiser {
    // The keyed HMAC state rather than the raw key: cloning it skips re-hashing the key's inner
    // and outer pads on every call, which halves the work per identifier.
    keyed: Hmac<Sha256>,
}

/// Bytes of the HMAC kept: 128 bits, rendered as 32 hex characters.
const PSEUDONYM_BYTES: usize = 16;

impl Pseudonymiser {
    #[must_use]
    pub fn new(key: [u8; 32]) -> Pseudonymiser {
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(&key)
            .expect("HMAC takes keys of any length, so this is a bug");
        Pseudonymiser { keyed }
    }

    /// The 32-hex-character pseudonym of `normalised_value` in the domain of `kind`.
    #[must_use]
    pub fn pseudonym(&self, kind: IdentKind, normalised_value: &str) -> String {
        let mut out = String::with_capacity(2 * PSEUDONYM_BYTES);
        self.pseudonym_into(kind, normalised_value, &mut out);
        out
    }

    /// Appends the pseudonym to `out`; reuse one buffer per batch to avoid an allocation per row.
    pub fn pseudonym_into(&self, kind: IdentKind, normalised_value: &str, out: &mut String) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut mac = self.keyed.clone();
        mac.update(kind.tag().as_bytes());
        mac.update(&[0]);
        mac.update(normalised_value.as_bytes());
        let digest = mac.finalize().into_bytes();
        out.reserve(2 * PSEUDONYM_BYTES);
        for &b in &digest[..PSEUDONYM_BYTES] {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymiser { key: <redacted> }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn matches_hmac_sha256_of_tag_nul_value() {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&KEY).unwrap();
        mac.update(b"phone\x0013800138000");
        let expected = hex::encode(&mac.finalize().into_bytes()[..16]);
        let p = Pseudonymiser::new(KEY);
        assert_eq!(p.pseudonym(IdentKind::Phone, "13800138000"), expected);
        assert_eq!(expected.len(), 32);
    }

    #[test]
    fn known_answers_from_an_independent_implementation() {
        // Computed with Python's hmac module. Any change to tag, separator or truncation
        // orphans every stored pseudonym, so it must fail here first.
        let zero = Pseudonymiser::new([0; 32]);
        assert_eq!(
            zero.pseudonym(IdentKind::ResidentId, "11010519491231002X"),
            "7ace9d38361ea70701f1b09dc63a832c"
        );
        let sevens = Pseudonymiser::new(KEY);
        assert_eq!(
            sevens.pseudonym(IdentKind::Phone, "13800138000"),
            "ca1e1f4586fd2e6089bb12c27d14c73e"
        );
    }

    #[test]
    fn kinds_are_domain_separated() {
        let p = Pseudonymiser::new(KEY);
        let as_phone = p.pseudonym(IdentKind::Phone, "13800138000");
        let as_account = p.pseudonym(IdentKind::BankAccount, "13800138000");
        assert_ne!(as_phone, as_account);
    }

    #[test]
    fn keys_matter_and_values_are_stable() {
        let a = Pseudonymiser::new(KEY);
        let b = Pseudonymiser::new([8; 32]);
        assert_eq!(
            a.pseudonym(IdentKind::Email, "x@y.cn"),
            a.pseudonym(IdentKind::Email, "x@y.cn")
        );
        assert_ne!(
            a.pseudonym(IdentKind::Email, "x@y.cn"),
            b.pseudonym(IdentKind::Email, "x@y.cn")
        );
    }

    #[test]
    fn into_appends() {
        let p = Pseudonymiser::new(KEY);
        let mut out = String::from("id=");
        p.pseudonym_into(IdentKind::Phone, "13800138000", &mut out);
        assert_eq!(
            out,
            format!("id={}", p.pseudonym(IdentKind::Phone, "13800138000"))
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let shown = format!("{:?}", Pseudonymiser::new(KEY));
        assert_eq!(shown, "Pseudonymiser { key: <redacted> }");
    }
}
