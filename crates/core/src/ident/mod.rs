//! Personal and organisational identifiers, checked as their standards define them.
//!
//! Each type is only constructed by `parse`, so holding one means the check character, length
//! and embedded date were verified. Input is width-folded and trimmed first.
//!
//! These values are personal data. The types therefore do not implement `Display` or serde, and
//! their `Debug` prints the masked form, so an identifier cannot slip into a log line or a JSON
//! response by accident: callers choose `as_str()` (for pseudonymising), or `masked()` (for
//! display). For the same reason [`IdentError`] never repeats the value it rejected.
//! The USCC identifies an organisation, is public, and is the exception.

mod bank;
mod phone;
mod resident;
mod uscc;

pub use bank::{BankAccount, BankCard, luhn_check_digit, luhn_valid};
pub use phone::Phone;
pub use resident::{ResidentId, resident_id_check_char};
pub use uscc::{Uscc, uscc_check_char};

use std::borrow::Cow;

use crate::width::fold_width;

/// Which identifier an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentType {
    ResidentId,
    Uscc,
    BankCard,
    BankAccount,
    Phone,
}

impl IdentType {
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            IdentType::ResidentId => "身份证号",
            IdentType::Uscc => "统一社会信用代码",
            IdentType::BankCard => "银行卡号",
            IdentType::BankAccount => "银行账号",
            IdentType::Phone => "电话号码",
        }
    }

    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            IdentType::ResidentId => "resident identity number",
            IdentType::Uscc => "unified social credit code",
            IdentType::BankCard => "bank card number",
            IdentType::BankAccount => "bank account number",
            IdentType::Phone => "phone number",
        }
    }
}

/// A rejected identifier. Positions are 1-based, counted after spaces and hyphens are removed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message_en())]
pub enum IdentError {
    Empty {
        ty: IdentType,
    },
    WrongLength {
        ty: IdentType,
        found: usize,
        expected: &'static str,
    },
    /// A pre-1999 15-digit resident identity number.
    FifteenDigitResidentId,
    BadChar {
        ty: IdentType,
        position: usize,
        found: char,
    },
    /// One of I, O, Z, S, V, which GB 32100 leaves out because they look like 1, 0, 2, 5, U.
    UsccForbiddenLetter {
        position: usize,
        letter: char,
    },
    CheckMismatch {
        ty: IdentType,
    },
    BirthDateInvalid,
    /// Before 1900 or after 2100.
    BirthDateOutOfRange,
    NotAPhone,
}

impl IdentError {
    /// A stable, dotted code such as `amount.letter_o`; safe to store and to group by.
    pub fn code(&self) -> &'static str {
        match self {
            IdentError::Empty { .. } => "ident.empty",
            IdentError::WrongLength { .. } => "ident.wrong_length",
            IdentError::FifteenDigitResidentId => "ident.fifteen_digit_resident_id",
            IdentError::BadChar { .. } => "ident.bad_char",
            IdentError::UsccForbiddenLetter { .. } => "ident.uscc_forbidden_letter",
            IdentError::CheckMismatch { .. } => "ident.check_mismatch",
            IdentError::BirthDateInvalid => "ident.birth_date_invalid",
            IdentError::BirthDateOutOfRange => "ident.birth_date_out_of_range",
            IdentError::NotAPhone => "ident.not_a_phone",
        }
    }

    /// The reason in English, saying what to do; also the `Display` text.
    pub fn message_en(&self) -> String {
        match *self {
            IdentError::Empty { ty } => format!("the {} is empty", ty.name_en()),
            IdentError::WrongLength {
                ty,
                found,
                expected,
            } => format!(
                "a {} has {expected} characters but this one has {found}; \
                 check for missing or extra characters",
                ty.name_en()
            ),
            IdentError::FifteenDigitResidentId => "this is an old 15-digit resident identity \
                number; convert it to the 18-digit form (insert 19 before the birth year and \
                append the check character) before importing"
                .into(),
            IdentError::BadChar {
                ty,
                position,
                found,
            } => format!(
                "character {position} of the {} is '{found}', which cannot occur there; {}{}",
                ty.name_en(),
                allowed_en(ty),
                lookalike_en(found)
            ),
            IdentError::UsccForbiddenLetter { position, letter } => format!(
                "character {position} of the unified social credit code is the letter {letter}; \
                 the letters I, O, Z, S and V never occur in a USCC, so it is probably {}",
                uscc_lookalike(letter)
            ),
            IdentError::CheckMismatch { ty } => format!(
                "the {} fails its check-character test: a character was probably mistyped or \
                 two neighbouring characters swapped",
                ty.name_en()
            ),
            IdentError::BirthDateInvalid => "characters 7–14 of the resident identity number \
                are not a real birth date; check them against the ID card"
                .into(),
            IdentError::BirthDateOutOfRange => "the birth date in the resident identity number \
                is before 1900 or after 2100; check characters 7–14 against the ID card"
                .into(),
            IdentError::NotAPhone => "not a mainland mobile number (11 digits starting 13–19) \
                or landline number (area code starting with 0, e.g. 010-12345678)"
                .into(),
        }
    }

    /// The reason in Chinese, saying what to do.
    pub fn message_zh(&self) -> String {
        match *self {
            IdentError::Empty { ty } => format!("{}为空", ty.name_zh()),
            IdentError::WrongLength {
                ty,
                found,
                expected,
            } => format!(
                "{}应为{expected}位，实际为{found}位，请检查是否漏填或多填",
                ty.name_zh()
            ),
            IdentError::FifteenDigitResidentId => "这是旧版15位身份证号，请先转换为18位\
                （在出生年份前加“19”并补上校验码）再导入"
                .into(),
            IdentError::BadChar {
                ty,
                position,
                found,
            } => format!(
                "{}第{position}位“{found}”无效；{}{}",
                ty.name_zh(),
                allowed_zh(ty),
                lookalike_zh(found)
            ),
            IdentError::UsccForbiddenLetter { position, letter } => format!(
                "统一社会信用代码第{position}位是字母 {letter}；代码中不会出现 I、O、Z、S、V，\
                 此处应为 {}",
                uscc_lookalike(letter)
            ),
            IdentError::CheckMismatch { ty } => {
                format!("{}校验位不符，可能有字符输错或相邻两位颠倒", ty.name_zh())
            }
            IdentError::BirthDateInvalid => {
                "身份证号第7–14位不是有效的出生日期，请与身份证核对".into()
            }
            IdentError::BirthDateOutOfRange => {
                "身份证号中的出生日期早于1900年或晚于2100年，请与身份证核对第7–14位".into()
            }
            IdentError::NotAPhone => "不是有效的手机号（以13–19开头的11位数字）\
                或固定电话（以0开头的区号，例如 010-12345678）"
                .into(),
        }
    }
}

fn allowed_en(ty: IdentType) -> &'static str {
    match ty {
        IdentType::ResidentId => "only digits may occur, and X only as the last character",
        IdentType::Uscc => {
            "a USCC uses digits and the capital letters A–H, J–N, P, Q, R, T, U, \
                            W, X, Y"
        }
        IdentType::BankCard | IdentType::BankAccount | IdentType::Phone => "only digits may occur",
    }
}

fn allowed_zh(ty: IdentType) -> &'static str {
    match ty {
        IdentType::ResidentId => "只能是数字，末位可以是 X",
        IdentType::Uscc => "只能是数字和大写字母 A–H、J–N、P、Q、R、T、U、W、X、Y",
        IdentType::BankCard | IdentType::BankAccount | IdentType::Phone => "只能是数字",
    }
}

fn lookalike_en(c: char) -> &'static str {
    match c {
        'O' | 'o' => " (the letter O? type the digit 0)",
        'l' | 'I' | 'i' => " (the letter l or I? type the digit 1)",
        _ => "",
    }
}

fn lookalike_zh(c: char) -> &'static str {
    match c {
        'O' | 'o' => "（是否把数字 0 输成了字母 O？）",
        'l' | 'I' | 'i' => "（是否把数字 1 输成了字母 l 或 I？）",
        _ => "",
    }
}

fn uscc_lookalike(letter: char) -> char {
    match letter {
        'I' => '1',
        'O' => '0',
        'Z' => '2',
        'S' => '5',
        _ => 'U',
    }
}

/// Width-folds and trims; then removes the given separators, borrowing when there are none.
fn normalise<'a>(raw: &'a str, separators: &[char]) -> Cow<'a, str> {
    let folded = match fold_width(raw) {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
    };
    if folded.contains(separators) {
        Cow::Owned(folded.chars().filter(|c| !separators.contains(c)).collect())
    } else {
        folded
    }
}

/// The first character that is not an ASCII digit, as an error.
fn require_digits(ty: IdentType, s: &str) -> Result<(), IdentError> {
    match s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, found)) => Err(IdentError::BadChar {
            ty,
            position: i + 1,
            found,
        }),
        None => Ok(()),
    }
}

/// `keep_front` characters, then `*`s, then `keep_back`; the input is ASCII.
fn mask(s: &str, keep_front: usize, keep_back: usize) -> String {
    let stars = s.len().saturating_sub(keep_front + keep_back);
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..keep_front.min(s.len())]);
    out.extend(std::iter::repeat_n('*', stars));
    out.push_str(
        &s[s.len()
            .saturating_sub(keep_back)
            .max(keep_front.min(s.len()))..],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_folds_trims_and_strips() {
        assert_eq!(
            normalise(" ６２２２ 0200-1234 ", &[' ', '-']),
            "622202001234"
        );
        assert!(matches!(
            normalise(" 13800138000 ", &[' ']),
            Cow::Borrowed("13800138000")
        ));
    }

    #[test]
    fn mask_keeps_the_ends() {
        assert_eq!(mask("6222020012341234", 4, 4), "6222********1234");
        assert_eq!(mask("123456", 0, 2), "****56");
        assert_eq!(mask("12", 4, 4), "12");
    }

    #[test]
    fn bad_char_suggests_the_digit() {
        let err = IdentError::BadChar {
            ty: IdentType::BankCard,
            position: 3,
            found: 'O',
        };
        assert!(err.message_en().contains("type the digit 0"), "{err}");
        assert!(
            err.message_zh().contains("银行卡号第3位“O”无效"),
            "{}",
            err.message_zh()
        );
    }
}
