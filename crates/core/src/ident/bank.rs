//! Bank card numbers (Luhn-checked) and corporate bank account numbers (not checked).
//!
//! Personal cards follow ISO/IEC 7812 and carry a Luhn check digit. Corporate settlement
//! accounts (对公账户) are bank-internal numbers of 6–32 digits with no common checksum, so
//! checking them with Luhn would quarantine good rows. Both normalise to bare digits, so the
//! same number in a payments export and in an HR export pseudonymises alike.

use std::fmt;

use super::{IdentError, IdentType, mask, normalise, require_digits};

/// Spaces and hyphens are how people group account digits; they carry no meaning.
const SEPARATORS: &[char] = &[' ', '-'];

/// The Luhn sum of digits given right to left, doubling every second one starting with the
/// first when `double_first`.
fn luhn_sum(reversed: impl Iterator<Item = u8>, double_first: bool) -> u32 {
    reversed
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 0) == double_first {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum()
}

/// True when `digits` (ASCII digits only, at least two) passes the Luhn check.
#[must_use]
pub fn luhn_valid(digits: &str) -> bool {
    digits.len() >= 2
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_sum(digits.bytes().rev(), false).is_multiple_of(10)
}

/// The digit to append to `payload` so that the whole passes Luhn; `None` unless `payload` is
/// non-empty ASCII digits.
#[must_use]
pub fn luhn_check_digit(payload: &str) -> Option<char> {
    if payload.is_empty() || !payload.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum = luhn_sum(payload.bytes().rev(), true);
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// Bare digits, of a length in `range`, or the error saying which rule failed.
fn digits_of(
    ty: IdentType,
    raw: &str,
    range: std::ops::RangeInclusive<usize>,
    expected: &'static str,
) -> Result<String, IdentError> {
    let s = normalise(raw, SEPARATORS);
    if s.is_empty() {
        return Err(IdentError::Empty { ty });
    }
    require_digits(ty, &s)?;
    if !range.contains(&s.len()) {
        return Err(IdentError::WrongLength {
            ty,
            found: s.len(),
            expected,
        });
    }
    Ok(s.into_owned())
}

/// First four and last four digits; numbers too short for that show only their last third,
/// so a mask never reveals most of a number.
fn mask_account(digits: &str) -> String {
    if digits.len() >= 12 {
        mask(digits, 4, 4)
    } else {
        mask(digits, 0, digits.len() / 3)
    }
}

/// A personal bank card number: 12–19 digits passing Luhn.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BankCard(String);

impl BankCard {
    pub fn parse(raw: &str) -> Result<BankCard, IdentError> {
        let digits = digits_of(IdentType::BankCard, raw, 12..=19, "12–19")?;
        if !luhn_valid(&digits) {
            return Err(IdentError::CheckMismatch {
                ty: IdentType::BankCard,
            });
        }
        Ok(BankCard(digits))
    }

    /// The bare digits; for pseudonymising, never for display.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `6222********1234`.
    #[must_use]
    pub fn masked(&self) -> String {
        mask_account(&self.0)
    }
}

impl fmt::Debug for BankCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BankCard").field(&self.masked()).finish()
    }
}

/// A bank account number of 6–32 digits, such as a corporate settlement account. Unchecked
/// beyond its shape, because such accounts have no common checksum.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BankAccount(String);

impl BankAccount {
    pub fn parse(raw: &str) -> Result<BankAccount, IdentError> {
        digits_of(IdentType::BankAccount, raw, 6..=32, "6–32").map(BankAccount)
    }

    /// The bare digits; for pseudonymising, never for display.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `3502********5678`; accounts under 12 digits show only their last third.
    #[must_use]
    pub fn masked(&self) -> String {
        mask_account(&self.0)
    }
}

impl fmt::Debug for BankAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BankAccount").field(&self.masked()).finish()
    }
}

/// Every card is an account, so a card can be stored where accounts are expected.
impl From<BankCard> for BankAccount {
    fn from(card: BankCard) -> BankAccount {
        BankAccount(card.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_known_answers() {
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        assert!(!luhn_valid("7992739871x"));
        assert!(!luhn_valid("0"));
        assert_eq!(luhn_check_digit("7992739871"), Some('3'));
        assert_eq!(luhn_check_digit(""), None);
        assert_eq!(luhn_check_digit("12a"), None);
    }

    #[test]
    fn card_with_spaces() {
        let payload = "622202001234567";
        let check = luhn_check_digit(payload).unwrap();
        let card = BankCard::parse(&format!("6222 0200 1234 567{check}")).unwrap();
        assert_eq!(card.as_str(), format!("{payload}{check}"));
        assert_eq!(card.masked(), format!("6222********567{check}"));
        assert_eq!(
            format!("{card:?}"),
            format!("BankCard(\"6222********567{check}\")")
        );
    }

    #[test]
    fn card_rejections() {
        let check = luhn_check_digit("622202001234567")
            .unwrap()
            .to_digit(10)
            .unwrap();
        let wrong = format!("6222 0200 1234 567{}", (check + 1) % 10);
        assert_eq!(
            BankCard::parse(&wrong),
            Err(IdentError::CheckMismatch {
                ty: IdentType::BankCard
            })
        );
        assert_eq!(
            BankCard::parse("79927398713"),
            Err(IdentError::WrongLength {
                ty: IdentType::BankCard,
                found: 11,
                expected: "12–19"
            })
        );
        assert_eq!(
            BankCard::parse("6222 O200 1234 5678"),
            Err(IdentError::BadChar {
                ty: IdentType::BankCard,
                position: 5,
                found: 'O'
            })
        );
        assert_eq!(
            BankCard::parse(" - "),
            Err(IdentError::Empty {
                ty: IdentType::BankCard
            })
        );
    }

    #[test]
    fn corporate_accounts_are_not_luhn_checked() {
        let account = BankAccount::parse("3501-0160-0010-5000-0002").unwrap();
        assert_eq!(account.as_str(), "35010160001050000002");
        assert!(!luhn_valid(account.as_str()));
        assert_eq!(account.masked(), "3501************0002");
        assert_eq!(BankAccount::parse("123456").unwrap().masked(), "****56");
        assert_eq!(
            BankAccount::parse("12345"),
            Err(IdentError::WrongLength {
                ty: IdentType::BankAccount,
                found: 5,
                expected: "6–32"
            })
        );
        assert!(BankAccount::parse(&"1".repeat(33)).is_err());
    }
}
