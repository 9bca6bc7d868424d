//! Money as whole fen (1/100 yuan), and the parser for amounts as people write them.
//!
//! Amounts are integers so that sums over millions of rows are exact; floating point is only
//! for statistics ([`Money::yuan_f64`]). The parser accepts what finance exports and hand-kept
//! spreadsheets contain (`¥1,234.50`, `１２３４．５`, `1.5万元`, `（1,234.50）`) and rejects
//! anything it would have to guess at, with a reason that says how to fix the cell.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::width::fold_width;

/// An amount in fen. Serialises as the bare integer number of fen.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    #[must_use]
    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    #[must_use]
    pub const fn fen(self) -> i64 {
        self.0
    }

    #[must_use]
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    #[must_use]
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// The amount in yuan as a float, for statistics only; never sum these for a total.
    #[must_use]
    pub fn yuan_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Parses an amount; see the module docs for the accepted forms.
    ///
    /// Plain ASCII input such as `12345.67` is parsed without allocating.
    pub fn parse(raw: &str) -> Result<Money, AmountError> {
        let folded = fold_width(raw);
        parse_folded(crate::width::trim(&folded)).map_err(|problem| AmountError {
            raw: raw.trim().to_owned(),
            problem: refine(problem, folded.trim()),
        })
    }
}

impl FromStr for Money {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Money, AmountError> {
        Money::parse(s)
    }
}

/// `1,234.50`, `-1,234.50`; honours width and alignment (`{:>12}`) for reports.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Longest output: "-92,233,720,368,547,758.08" (26 bytes).
        let mut buf = [0u8; 32];
        let mut pos = buf.len();
        let mut put = |b: u8| {
            pos -= 1;
            buf[pos] = b;
        };
        let abs = self.0.unsigned_abs();
        let (mut yuan, fen) = (abs / 100, abs % 100);
        put(b'0' + (fen % 10) as u8);
        put(b'0' + (fen / 10) as u8);
        put(b'.');
        let mut digits = 0;
        loop {
            if digits > 0 && digits % 3 == 0 {
                put(b',');
            }
            put(b'0' + (yuan % 10) as u8);
            digits += 1;
            yuan /= 10;
            if yuan == 0 {
                break;
            }
        }
        if self.0 < 0 {
            put(b'-');
        }
        f.pad(std::str::from_utf8(&buf[pos..]).map_err(|_| fmt::Error)?)
    }
}

/// Why an amount was rejected. The variants other than `NotAnAmount` name a likely cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountProblem {
    Empty,
    /// The letter O typed for the digit 0.
    LetterO,
    /// The letter l or I typed for the digit 1.
    LetterL,
    /// The Chinese full stop `。` typed for a decimal point.
    FullStop,
    /// Written in Chinese numerals (`壹万元`, `三千`).
    ChineseNumerals,
    /// Excel's scientific display (`1.2E+05`) was exported instead of the value.
    Scientific,
    /// Thousands separators not in groups of three (`1,2345`); in some locales `1,5` is 1.5.
    Grouping,
    /// Finer than one fen after applying 万.
    TooManyDecimals,
    /// Outside what an `i64` of fen can hold.
    Overflow,
    NotAnAmount,
}

/// A rejected amount: the trimmed input as given, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message_en())]
pub struct AmountError {
    pub raw: String,
    pub problem: AmountProblem,
}

impl AmountError {
    /// A stable, dotted code such as `amount.letter_o`; safe to store and to group by.
    pub fn code(&self) -> &'static str {
        match self.problem {
            AmountProblem::Empty => "amount.empty",
            AmountProblem::LetterO => "amount.letter_o",
            AmountProblem::LetterL => "amount.letter_l",
            AmountProblem::FullStop => "amount.full_stop",
            AmountProblem::ChineseNumerals => "amount.chinese_numerals",
            AmountProblem::Scientific => "amount.scientific",
            AmountProblem::Grouping => "amount.grouping",
            AmountProblem::TooManyDecimals => "amount.too_many_decimals",
            AmountProblem::Overflow => "amount.overflow",
            AmountProblem::NotAnAmount => "amount.not_an_amount",
        }
    }

    /// The reason in English, saying what to do; also the `Display` text.
    pub fn message_en(&self) -> String {
        let raw = &self.raw;
        match self.problem {
            AmountProblem::Empty => "the amount is empty; enter a number such as 1,234.50".into(),
            AmountProblem::LetterO => format!(
                "'{raw}' is not an amount: it contains the letter O where a zero belongs; \
                 retype it with the digit 0"
            ),
            AmountProblem::LetterL => format!(
                "'{raw}' is not an amount: it contains the letter l or I where a one belongs; \
                 retype it with the digit 1"
            ),
            AmountProblem::FullStop => format!(
                "'{raw}' is not an amount: the Chinese full stop 。 is used as a decimal point; \
                 use '.' instead"
            ),
            AmountProblem::ChineseNumerals => format!(
                "'{raw}' is not an amount: it is written in Chinese numerals; \
                 write it in digits, e.g. 1234.50"
            ),
            AmountProblem::Scientific => format!(
                "'{raw}' is in scientific notation, which Excel shows for long numbers; \
                 format the column as a number with two decimals and export again"
            ),
            AmountProblem::Grouping => format!(
                "'{raw}' is not an amount: thousands separators must split the digits into \
                 groups of three, e.g. 1,234,567.00"
            ),
            AmountProblem::TooManyDecimals => format!(
                "'{raw}' has more than two decimal places (fen is the smallest unit); \
                 round it to fen"
            ),
            AmountProblem::Overflow => {
                format!("'{raw}' is too large to be an amount; check for extra digits")
            }
            AmountProblem::NotAnAmount => format!(
                "'{raw}' is not an amount; write it like 1,234.50, ¥1234.5, 1.5万元, \
                 or (1,234.50) for a negative amount"
            ),
        }
    }

    /// The reason in Chinese, saying what to do.
    pub fn message_zh(&self) -> String {
        let raw = &self.raw;
        match self.problem {
            AmountProblem::Empty => "金额为空，请填写数字，例如 1,234.50".into(),
            AmountProblem::LetterO => {
                format!("“{raw}”不是金额：其中含有字母 O，应为数字 0，请改正")
            }
            AmountProblem::LetterL => {
                format!("“{raw}”不是金额：其中含有字母 l 或 I，应为数字 1，请改正")
            }
            AmountProblem::FullStop => {
                format!("“{raw}”不是金额：句号“。”被当作小数点，请改用“.”")
            }
            AmountProblem::ChineseNumerals => {
                format!("“{raw}”不是金额：使用了中文数字，请改用阿拉伯数字，例如 1234.50")
            }
            AmountProblem::Scientific => format!(
                "“{raw}”是科学计数法（Excel 对长数字的显示方式），\
                 请将该列设置为保留两位小数的数值格式后重新导出"
            ),
            AmountProblem::Grouping => {
                format!("“{raw}”不是金额：千位分隔符应每三位一组，例如 1,234,567.00")
            }
            AmountProblem::TooManyDecimals => {
                format!("“{raw}”的小数超过两位（最小单位为分），请四舍五入到分")
            }
            AmountProblem::Overflow => {
                format!("“{raw}”数值过大，超出金额范围，请检查是否多输了数字")
            }
            AmountProblem::NotAnAmount => format!(
                "“{raw}”不是金额，请按 1,234.50、¥1234.5、1.5万元 或 (1,234.50)（负数）的格式填写"
            ),
        }
    }
}

/// Parses width-folded, trimmed input. Errors here are coarse; [`refine`] names the cause.
fn parse_folded(s: &str) -> Result<Money, AmountProblem> {
    if s.is_empty() {
        return Err(AmountProblem::Empty);
    }
    let (in_parens, s) = match s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => (false, s),
    };
    // Sign and currency come in either order: `-¥12`, `¥-12`.
    let (sign, s) = strip_sign(s);
    let s = strip_currency(s);
    let (sign, s) = match sign {
        Some(_) => (sign, s),
        None => strip_sign(s),
    };
    let negative = match (in_parens, sign) {
        (true, Some(_)) => return Err(AmountProblem::NotAnAmount),
        (true, None) | (false, Some(true)) => true,
        (false, _) => false,
    };
    let (s, ten_thousands) = strip_unit(s);
    let magnitude = parse_decimal(s.trim_end(), if ten_thousands { 6 } else { 2 })?;
    let fen = if negative { -magnitude } else { magnitude };
    i64::try_from(fen)
        .map(Money)
        .map_err(|_| AmountProblem::Overflow)
}

/// `Some(true)` for a minus sign, `Some(false)` for a plus sign.
fn strip_sign(s: &str) -> (Option<bool>, &str) {
    if let Some(r) = s.strip_prefix('-') {
        (Some(true), r.trim_start())
    } else if let Some(r) = s.strip_prefix('+') {
        (Some(false), r.trim_start())
    } else {
        (None, s)
    }
}

fn strip_currency(s: &str) -> &str {
    for symbol in ["¥", "￥"] {
        if let Some(r) = s.strip_prefix(symbol) {
            return r.trim_start();
        }
    }
    for code in ["RMB", "CNY"] {
        if s.len() >= 3 && s.is_char_boundary(3) && s[..3].eq_ignore_ascii_case(code) {
            return s[3..].trim_start();
        }
    }
    s
}

/// Strips `元`, `万元` or `万`; the flag is true when the amount is in units of 10,000 yuan.
fn strip_unit(s: &str) -> (&str, bool) {
    if let Some(r) = s.strip_suffix("万元").or_else(|| s.strip_suffix('万')) {
        (r, true)
    } else if let Some(r) = s.strip_suffix('元') {
        (r, false)
    } else {
        (s, false)
    }
}

/// Parses `1,234.5` into units of 10^-`places` (so fen when `places` is 2, plus 4 for 万).
fn parse_decimal(s: &str, places: usize) -> Result<i128, AmountProblem> {
    let (int_part, frac_part) = s.split_once('.').unwrap_or((s, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(AmountProblem::NotAnAmount);
    }
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountProblem::NotAnAmount);
    }
    check_grouping(int_part)?;
    let mut value: i128 = 0;
    let int_digits = int_part.bytes().filter(|&b| b != b',');
    let frac_digits = frac_part
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(places);
    for b in int_digits.chain(frac_digits) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(b - b'0')))
            .ok_or(AmountProblem::Overflow)?;
    }
    // Trailing zeros beyond a fen (`1.500`) are harmless; anything else would be rounded away.
    if frac_part.bytes().skip(places).any(|b| b != b'0') {
        return Err(AmountProblem::TooManyDecimals);
    }
    Ok(value)
}

/// Digits only, or digits split by commas into groups of three after a first group of 1–3.
fn check_grouping(int_part: &str) -> Result<(), AmountProblem> {
    if !int_part.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(AmountProblem::NotAnAmount);
    }
    if !int_part.contains(',') {
        return Ok(());
    }
    let mut groups = int_part.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    if first_ok && groups.all(|g| g.len() == 3) {
        Ok(())
    } else {
        Err(AmountProblem::Grouping)
    }
}

/// Turns a generic rejection into a specific hint by looking for the usual typing mistakes.
fn refine(problem: AmountProblem, s: &str) -> AmountProblem {
    if problem != AmountProblem::NotAnAmount {
        return problem;
    }
    const CHINESE_NUMERALS: &str = "零〇一二三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟";
    // A letter among digits is a typo; a word such as "NULL" or "OK" is just not an amount.
    let has_digit = s.bytes().any(|b| b.is_ascii_digit());
    if has_digit && s.contains(['O', 'o']) {
        AmountProblem::LetterO
    } else if has_digit && s.contains(['l', 'I']) {
        AmountProblem::LetterL
    } else if s.contains('。') {
        AmountProblem::FullStop
    } else if s.chars().any(|c| CHINESE_NUMERALS.contains(c)) {
        AmountProblem::ChineseNumerals
    } else if looks_scientific(s) {
        AmountProblem::Scientific
    } else {
        AmountProblem::NotAnAmount
    }
}

fn looks_scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.trim_start_matches(['+', '-']);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(s: &str) -> i64 {
        match Money::parse(s) {
            Ok(m) => m.fen(),
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn problem(s: &str) -> AmountProblem {
        match Money::parse(s) {
            Ok(m) => panic!("{s:?} should be rejected, got {m}"),
            Err(e) => e.problem,
        }
    }

    #[test]
    fn plain_and_grouped_forms() {
        assert_eq!(fen("1234.5"), 123_450);
        assert_eq!(fen("1,234.50"), 123_450);
        assert_eq!(fen("1，234.50"), 123_450);
        assert_eq!(fen("  12345.67 "), 1_234_567);
        assert_eq!(fen("0"), 0);
        assert_eq!(fen(".5"), 50);
        assert_eq!(fen("5."), 500);
        assert_eq!(fen("1,234,567"), 123_456_700);
    }

    #[test]
    fn full_width_currency_and_units() {
        assert_eq!(fen("１，２３４．５０"), 123_450);
        assert_eq!(fen("¥1,234.50"), 123_450);
        assert_eq!(fen("￥ 1234.5元"), 123_450);
        assert_eq!(fen("RMB 100"), 10_000);
        assert_eq!(fen("rmb100"), 10_000);
        assert_eq!(fen("100元"), 10_000);
        assert_eq!(fen("1.5万元"), 1_500_000);
        assert_eq!(fen("1.5万"), 1_500_000);
        assert_eq!(fen("1.234567万元"), 1_234_567);
    }

    #[test]
    fn negatives() {
        assert_eq!(fen("（1,234.50）"), -123_450);
        assert_eq!(fen("(1,234.50)"), -123_450);
        assert_eq!(fen("-1,234.50"), -123_450);
        assert_eq!(fen("-¥12"), -1_200);
        assert_eq!(fen("¥-12"), -1_200);
        assert_eq!(fen("(¥12元)"), -1_200);
        assert_eq!(problem("(-12)"), AmountProblem::NotAnAmount);
    }

    #[test]
    fn decimals_beyond_fen_are_rejected_unless_zero() {
        assert_eq!(fen("1.500"), 150);
        assert_eq!(fen("1.2345670万"), 1_234_567);
        assert_eq!(problem("1.234"), AmountProblem::TooManyDecimals);
        assert_eq!(problem("1.2345678万元"), AmountProblem::TooManyDecimals);
    }

    #[test]
    fn limits() {
        assert_eq!(fen("92,233,720,368,547,758.07"), i64::MAX);
        assert_eq!(fen("-92233720368547758.08"), i64::MIN);
        assert_eq!(problem("92233720368547758.08"), AmountProblem::Overflow);
        assert_eq!(problem("9".repeat(60).as_str()), AmountProblem::Overflow);
    }

    #[test]
    fn letter_o_is_named_in_both_languages() {
        let err = Money::parse("12,3O0").unwrap_err();
        assert_eq!(err.problem, AmountProblem::LetterO);
        assert_eq!(err.code(), "amount.letter_o");
        assert!(err.to_string().contains("'12,3O0'"), "{err}");
        assert!(err.message_en().contains("letter O"), "{err}");
        assert!(err.message_zh().contains("字母 O"), "{}", err.message_zh());
    }

    #[test]
    fn other_hints() {
        assert_eq!(problem("1l00"), AmountProblem::LetterL);
        assert_eq!(problem("I00"), AmountProblem::LetterL);
        assert_eq!(problem("12。50"), AmountProblem::FullStop);
        assert_eq!(problem("壹万元"), AmountProblem::ChineseNumerals);
        assert_eq!(problem("1.2E+05"), AmountProblem::Scientific);
        assert_eq!(problem("1,2345"), AmountProblem::Grouping);
        assert_eq!(problem("1,5"), AmountProblem::Grouping);
        assert_eq!(problem("1234,567"), AmountProblem::Grouping);
        assert_eq!(problem(",123"), AmountProblem::Grouping);
        assert_eq!(problem("1,234,"), AmountProblem::Grouping);
        assert_eq!(problem(""), AmountProblem::Empty);
        assert_eq!(problem("  　"), AmountProblem::Empty);
        assert_eq!(problem("."), AmountProblem::NotAnAmount);
        assert_eq!(problem("1.2.3"), AmountProblem::NotAnAmount);
        assert_eq!(problem("¥"), AmountProblem::NotAnAmount);
        assert_eq!(problem("NULL"), AmountProblem::NotAnAmount);
        assert_eq!(problem("OK"), AmountProblem::NotAnAmount);
    }

    #[test]
    fn generic_message_quotes_the_input() {
        let err = Money::parse("abc").unwrap_err();
        assert_eq!(
            err.message_en().split(';').next(),
            Some("'abc' is not an amount")
        );
        assert!(err.message_zh().starts_with("“abc”不是金额"));
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Money::from_fen(123_450).to_string(), "1,234.50");
        assert_eq!(Money::from_fen(-123_450).to_string(), "-1,234.50");
        assert_eq!(Money::from_fen(5).to_string(), "0.05");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
        assert_eq!(Money::from_fen(100_000_000).to_string(), "1,000,000.00");
        assert_eq!(
            Money::from_fen(i64::MIN).to_string(),
            "-92,233,720,368,547,758.08"
        );
        assert_eq!(format!("{:>10}", Money::from_fen(100)), "      1.00");
    }

    #[test]
    fn serde_is_bare_fen() {
        let m: Money = serde::de::Deserialize::deserialize(serde::de::value::I64Deserializer::<
            serde::de::value::Error,
        >::new(42))
        .unwrap();
        assert_eq!(m, Money::from_fen(42));
    }
}
