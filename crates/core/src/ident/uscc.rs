//! GB 32100-2015 unified social credit codes (统一社会信用代码), the 18-character identifier
//! of every company, public institution and social organisation; suppliers are matched on it.

use std::fmt;

use super::{IdentError, IdentType, normalise};

/// The 31 characters a USCC may contain; I, O, Z, S and V are left out as look-alikes.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(b: u8) -> Option<u32> {
    CHARSET
        .iter()
        .position(|&c| c == b)
        .and_then(|i| u32::try_from(i).ok())
}

/// The check character for the first 17 characters (upper-case), or `None` if any of them is
/// outside the USCC character set or there are not exactly 17.
#[must_use]
pub fn uscc_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in first17.bytes().zip(WEIGHTS) {
        sum += value_of(b)? * w;
    }
    Some(char::from(CHARSET[((31 - sum % 31) % 31) as usize]))
}

/// A verified unified social credit code, upper-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(raw: &str) -> Result<Uscc, IdentError> {
        const TY: IdentType = IdentType::Uscc;
        let s = normalise(raw, &[]).to_ascii_uppercase();
        let len = s.chars().count();
        if len == 0 {
            return Err(IdentError::Empty { ty: TY });
        }
        if len != 18 {
            return Err(IdentError::WrongLength {
                ty: TY,
                found: len,
                expected: "18",
            });
        }
        for (i, c) in s.chars().enumerate() {
            let position = i + 1;
            if matches!(c, 'I' | 'O' | 'Z' | 'S' | 'V') {
                return Err(IdentError::UsccForbiddenLetter {
                    position,
                    letter: c,
                });
            }
            if !c.is_ascii() || value_of(c as u8).is_none() {
                return Err(IdentError::BadChar {
                    ty: TY,
                    position,
                    found: c,
                });
            }
        }
        if uscc_check_char(&s[..17]) != s[17..].chars().next() {
            return Err(IdentError::CheckMismatch { ty: TY });
        }
        Ok(Uscc(s))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters 3–8: the administrative division code of the registering authority.
    #[must_use]
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }
}

/// A USCC is public registration data, so unlike personal identifiers it may be displayed.
impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "91350100M000100Y43";

    #[test]
    fn known_valid_code() {
        let code = Uscc::parse(VALID).unwrap();
        assert_eq!(code.as_str(), VALID);
        assert_eq!(code.region_code(), "350100");
        assert_eq!(code.to_string(), VALID);
        assert_eq!(uscc_check_char(&VALID[..17]), Some('3'));
    }

    #[test]
    fn lower_case_and_full_width_are_accepted() {
        assert_eq!(Uscc::parse(" 91350100m000100y43 ").unwrap().as_str(), VALID);
        assert_eq!(
            Uscc::parse("９１３５０１００Ｍ０００１００Ｙ４３")
                .unwrap()
                .as_str(),
            VALID
        );
    }

    #[test]
    fn look_alike_letters_are_named() {
        let err = Uscc::parse("91350100M0O0100Y43").unwrap_err();
        assert_eq!(
            err,
            IdentError::UsccForbiddenLetter {
                position: 11,
                letter: 'O'
            }
        );
        assert!(
            err.to_string()
                .contains("never occur in a USCC, so it is probably 0"),
            "{err}"
        );
        assert!(
            err.message_zh().contains("不会出现 I、O、Z、S、V"),
            "{}",
            err.message_zh()
        );
    }

    #[test]
    fn other_rejections() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(IdentError::CheckMismatch {
                ty: IdentType::Uscc
            })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y4"),
            Err(IdentError::WrongLength {
                ty: IdentType::Uscc,
                found: 17,
                expected: "18"
            })
        );
        assert_eq!(
            Uscc::parse("91350100M000100-43"),
            Err(IdentError::BadChar {
                ty: IdentType::Uscc,
                position: 16,
                found: '-'
            })
        );
        assert_eq!(
            Uscc::parse(" "),
            Err(IdentError::Empty {
                ty: IdentType::Uscc
            })
        );
        assert!(Uscc::parse("91350100M000100Y4张").is_err());
    }

    #[test]
    fn check_char_rejects_bad_payloads() {
        assert_eq!(uscc_check_char("91350100M000100Y"), None);
        assert_eq!(uscc_check_char("91350100M00010OY4"), None);
    }
}
