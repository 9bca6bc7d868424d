//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 30-second steps,
//! 6 digits — what every authenticator app speaks — and the `otpauth://` URI they scan.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;

/// The HOTP value of `counter` with `digits` digits (RFC 4226, section 5.3).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[off]) & 0x7f) << 24
        | u32::from(h[off + 1]) << 16
        | u32::from(h[off + 2]) << 8
        | u32::from(h[off + 3]);
    bin % 10u32.pow(digits)
}

/// The step a Unix time falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code of a step, zero-padded.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let v = hotp(secret, u64::try_from(step).unwrap_or(0), DIGITS);
    format!("{v:0width$}", width = DIGITS as usize)
}

/// Checks `code` at `unix_seconds`, allowing one step of clock drift either way, and only
/// steps after `last_step` (a code is accepted once). Returns the matching step.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    (now - 1..=now + 1)
        .filter(|s| last_step.is_none_or(|l| *s > l))
        .find(|s| constant_time_eq(code_at_step(secret, *s).as_bytes(), code.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case, spaces and padding ignored); `None` for other characters.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' || c == b' ' || c == b'-' {
            continue;
        }
        let v = B32.iter().position(|x| *x == c.to_ascii_uppercase())?;
        buf = (buf << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://totp/…` URI an authenticator app scans or takes pasted.
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        pct(issuer),
        pct(account),
        pct(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B, the SHA-1 rows (seed "12345678901234567890", 8 digits).
    #[test]
    fn rfc_6238_test_vectors_pass() {
        let seed = b"12345678901234567890";
        for (t, expected) in [
            (59_i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let counter = u64::try_from(step_of(t)).unwrap();
            assert_eq!(
                format!("{:08}", hotp(seed, counter, 8)),
                expected,
                "T = {t}"
            );
            // The 6-digit code is the same value's last six digits.
            assert_eq!(code_at_step(seed, step_of(t)), expected[2..], "T = {t}");
        }
    }

    /// RFC 4226, appendix D.
    #[test]
    fn rfc_4226_hotp_values_pass() {
        let seed = b"12345678901234567890";
        let expected = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (i, e) in expected.into_iter().enumerate() {
            assert_eq!(hotp(seed, i as u64, 6), e, "count {i}");
        }
    }

    #[test]
    fn a_code_is_accepted_within_one_step_of_drift_and_only_once() {
        let seed = b"12345678901234567890";
        let t = 1_111_111_111;
        let code = code_at_step(seed, step_of(t));
        assert_eq!(verify(seed, &code, t, None), Some(step_of(t)));
        assert_eq!(verify(seed, &code, t + 30, None), Some(step_of(t)));
        assert_eq!(verify(seed, &code, t + 90, None), None);
        assert_eq!(verify(seed, &code, t, Some(step_of(t))), None, "replayed");
        assert_eq!(verify(seed, "12345", t, None), None);
        assert_eq!(verify(seed, "abcdef", t, None), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw 6ytb oi").unwrap(), b"foobar");
        assert!(base32_decode("MZ1W").is_none());
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn the_uri_encodes_chinese_names() {
        let uri = otpauth_uri("qinglian", "张会计", "JBSWY3DPEHPK3PXP");
        assert!(
            uri.starts_with("otpauth://totp/qinglian:%E5%BC%A0"),
            "{uri}"
        );
        assert!(uri.contains("secret=JBSWY3DPEHPK3PXP&issuer=qinglian"));
    }
}
