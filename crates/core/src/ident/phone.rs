//! Mainland China phone numbers: mobiles (11 digits, `1[3-9]…`) and landlines (area code
//! starting with 0, then a 7- or 8-digit local number).
//!
//! A mobile written with the country code (`+86 138 0013 8000`, `0086…`, `86…`) normalises to
//! the same 11 digits, so it pseudonymises the same. Landlines keep their leading 0 and area
//! code. Extensions and foreign numbers are not accepted.

use std::fmt;

use super::{IdentError, IdentType, mask, normalise, require_digits};

/// How people punctuate phone numbers: `010-12345678`, `(010) 12345678`, `138 0013 8000`.
const SEPARATORS: &[char] = &[' ', '-', '(', ')'];

/// Normalised digits; mobiles are 11 digits, landlines start with 0.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, IdentError> {
        let s = normalise(raw, SEPARATORS);
        if s.is_empty() {
            return Err(IdentError::Empty {
                ty: IdentType::Phone,
            });
        }
        let national = match s.strip_prefix("+86").or_else(|| s.strip_prefix("0086")) {
            Some(rest) => rest,
            None if s.len() == 13 && s.starts_with("861") => &s[2..],
            // Another country code: reject as a whole rather than point at the '+'.
            None if s.starts_with('+') => return Err(IdentError::NotAPhone),
            None => &s,
        };
        require_digits(IdentType::Phone, national)?;
        if is_mobile(national) || area_code_len(national).is_some() {
            Ok(Phone(national.to_owned()))
        } else {
            Err(IdentError::NotAPhone)
        }
    }

    /// The normalised digits; for pseudonymising, never for display.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn is_mobile(&self) -> bool {
        is_mobile(&self.0)
    }

    /// `138****5678` for mobiles; landlines keep the area code: `010****5678`.
    #[must_use]
    pub fn masked(&self) -> String {
        let front = area_code_len(&self.0).unwrap_or(3);
        mask(&self.0, front, 4)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// The area code's length if `digits` is a landline: 010 and 02x are followed by 8 digits,
/// every other (four-digit) area code by 7 or 8.
fn area_code_len(digits: &str) -> Option<usize> {
    let b = digits.as_bytes();
    if b.len() < 3 || b[0] != b'0' || b[1] == b'0' {
        return None;
    }
    let three_digit = b[1] == b'2' || (b[1] == b'1' && b[2] == b'0');
    match (three_digit, b.len()) {
        (true, 11) => Some(3),
        (false, 11 | 12) if b[1] != b'1' => Some(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(raw: &str) -> String {
        match Phone::parse(raw) {
            Ok(p) => p.as_str().to_owned(),
            Err(e) => panic!("{raw:?} should parse: {e}"),
        }
    }

    #[test]
    fn mobile_forms_normalise_alike() {
        for raw in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "008613800138000",
            "8613800138000",
            "１３８００１３８０００",
        ] {
            assert_eq!(digits(raw), "13800138000", "{raw}");
        }
        let phone = Phone::parse("13812345678").unwrap();
        assert!(phone.is_mobile());
        assert_eq!(phone.masked(), "138****5678");
        assert_eq!(format!("{phone:?}"), "Phone(\"138****5678\")");
    }

    #[test]
    fn landlines() {
        assert_eq!(digits("010-12345678"), "01012345678");
        assert_eq!(digits("(021) 1234 5678"), "02112345678");
        assert_eq!(digits("0571-1234567"), "05711234567");
        assert_eq!(digits("0571-12345678"), "057112345678");
        let phone = Phone::parse("010-12345678").unwrap();
        assert!(!phone.is_mobile());
        assert_eq!(phone.masked(), "010****5678");
        assert_eq!(
            Phone::parse("0571-12345678").unwrap().masked(),
            "0571****5678"
        );
    }

    #[test]
    fn rejections() {
        for raw in [
            "12800138000",
            "1380013800",
            "138001380001",
            "010-1234567",
            "010-123456789",
            "0571-123456",
            "0012345678",
            "+852 9123 4567",
            "013-12345678",
        ] {
            assert_eq!(Phone::parse(raw), Err(IdentError::NotAPhone), "{raw}");
        }
        assert_eq!(
            Phone::parse("138OO138000"),
            Err(IdentError::BadChar {
                ty: IdentType::Phone,
                position: 4,
                found: 'O'
            })
        );
        assert_eq!(
            Phone::parse(""),
            Err(IdentError::Empty {
                ty: IdentType::Phone
            })
        );
        let err = Phone::parse("12345").unwrap_err();
        assert!(
            err.to_string().contains("not a mainland mobile number"),
            "{err}"
        );
        assert!(err.message_zh().contains("不是有效的手机号"));
    }
}
