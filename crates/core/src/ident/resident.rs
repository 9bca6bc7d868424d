//! GB 11643-1999 citizen (resident) identity numbers: six digits of region, eight of birth
//! date, three of sequence (odd for men), and a check character.

use std::fmt;

use chrono::NaiveDate;

use super::{IdentError, IdentType, mask, normalise};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The check character for the first 17 digits, or `None` if they are not 17 ASCII digits.
#[must_use]
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
}

/// A verified 18-character resident identity number; the check character is upper-case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId {
    value: String,
    birth: NaiveDate,
}

impl ResidentId {
    pub fn parse(raw: &str) -> Result<ResidentId, IdentError> {
        const TY: IdentType = IdentType::ResidentId;
        let s = normalise(raw, &[]);
        let len = s.chars().count();
        if len == 0 {
            return Err(IdentError::Empty { ty: TY });
        }
        if len == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentError::FifteenDigitResidentId);
        }
        if len != 18 {
            return Err(IdentError::WrongLength {
                ty: TY,
                found: len,
                expected: "18",
            });
        }
        for (i, c) in s.chars().enumerate() {
            if !(c.is_ascii_digit() || (i == 17 && matches!(c, 'x' | 'X'))) {
                return Err(IdentError::BadChar {
                    ty: TY,
                    position: i + 1,
                    found: c,
                });
            }
        }
        // All 18 characters are ASCII now, so byte offsets are character offsets.
        let (first17, last) = s.split_at(17);
        let check = last.chars().next().unwrap_or('X').to_ascii_uppercase();
        let birth = birth_date(&first17[6..14])?;
        if resident_id_check_char(first17) != Some(check) {
            return Err(IdentError::CheckMismatch { ty: TY });
        }
        let mut value = String::with_capacity(18);
        value.push_str(first17);
        value.push(check);
        Ok(ResidentId { value, birth })
    }

    /// The full number; for pseudonymising, never for display.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.value
    }

    #[must_use]
    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// The 17th digit (the end of the sequence number) is odd for men, even for women.
    #[must_use]
    pub fn is_male(&self) -> bool {
        self.value.as_bytes()[16] % 2 == 1
    }

    /// The six-digit administrative division code of the place of first registration.
    #[must_use]
    pub fn region_code(&self) -> &str {
        &self.value[..6]
    }

    /// `110105********123X`: region and the last four, which staff use to tell people apart.
    #[must_use]
    pub fn masked(&self) -> String {
        mask(&self.value, 6, 4)
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

fn birth_date(yyyymmdd: &str) -> Result<NaiveDate, IdentError> {
    let n = |r: std::ops::Range<usize>| yyyymmdd[r].parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (n(0..4), n(4..6), n(6..8)) else {
        return Err(IdentError::BirthDateInvalid);
    };
    // The clock is not read in this crate, so "not in the future" becomes a fixed bound.
    if !(1900..=2100).contains(&y) {
        return Err(IdentError::BirthDateOutOfRange);
    }
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or(IdentError::BirthDateInvalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "11010519491231002X";

    #[test]
    fn known_valid_number() {
        let id = ResidentId::parse(VALID).unwrap();
        assert_eq!(id.as_str(), VALID);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!id.is_male());
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "ResidentId(\"110105********002X\")");
        assert_eq!(resident_id_check_char(&VALID[..17]), Some('X'));
    }

    #[test]
    fn lower_case_x_and_full_width_are_accepted() {
        let id = ResidentId::parse(" １１０１０５１９４９１２３１００２ｘ ").unwrap();
        assert_eq!(id.as_str(), VALID);
        assert_eq!(
            ResidentId::parse("11010519491231002x").unwrap().as_str(),
            VALID
        );
    }

    #[test]
    fn male_number() {
        let first17 = "44030419900101001";
        let check = resident_id_check_char(first17).unwrap();
        let id = ResidentId::parse(&format!("{first17}{check}")).unwrap();
        assert!(id.is_male());
    }

    #[test]
    fn wrong_check_character() {
        let err = ResidentId::parse("110105194912310021").unwrap_err();
        assert_eq!(
            err,
            IdentError::CheckMismatch {
                ty: IdentType::ResidentId
            }
        );
        assert!(err.to_string().contains("check-character"), "{err}");
        assert!(err.message_zh().contains("身份证号校验位不符"));
    }

    #[test]
    fn fifteen_digits_must_be_converted() {
        let err = ResidentId::parse("110105491231002").unwrap_err();
        assert_eq!(err, IdentError::FifteenDigitResidentId);
        assert!(
            err.to_string().contains("convert it to the 18-digit form"),
            "{err}"
        );
        assert!(err.message_zh().contains("转换为18位"));
    }

    #[test]
    fn other_rejections() {
        let wrong_len = IdentError::WrongLength {
            ty: IdentType::ResidentId,
            found: 17,
            expected: "18",
        };
        assert_eq!(ResidentId::parse("11010519491231002"), Err(wrong_len));
        assert_eq!(
            ResidentId::parse(""),
            Err(IdentError::Empty {
                ty: IdentType::ResidentId
            })
        );
        assert_eq!(
            ResidentId::parse("1101O519491231002X"),
            Err(IdentError::BadChar {
                ty: IdentType::ResidentId,
                position: 5,
                found: 'O'
            })
        );
        assert_eq!(
            ResidentId::parse("11010519491231002Y"),
            Err(IdentError::BadChar {
                ty: IdentType::ResidentId,
                position: 18,
                found: 'Y'
            })
        );
        assert_eq!(
            ResidentId::parse("11010519490231002X"),
            Err(IdentError::BirthDateInvalid)
        );
        assert_eq!(
            ResidentId::parse("11010518991231002X"),
            Err(IdentError::BirthDateOutOfRange)
        );
        assert!(ResidentId::parse("11010519491231002张").is_err());
        assert!(ResidentId::parse("张10519491231002XX").is_err());
    }

    #[test]
    fn check_char_needs_seventeen_digits() {
        assert_eq!(resident_id_check_char("1101051949123100"), None);
        assert_eq!(resident_id_check_char("1101051949123100X"), None);
    }
}
