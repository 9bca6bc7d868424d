//! Dates and date-times as Chinese office systems export them.
//!
//! Accepted dates: `2024-03-05`, `2024/3/5`, `2024.3.5`, `2024年3月5日` (or `日` → `号`),
//! `20240305`, and Excel serial numbers (`45356`, `45356.75`). A time may follow after spaces or
//! `T` (or directly after `日`): `14:30`, `14:30:05`, `14:30:05.123`, `14时30分`, `14时30分5秒`
//! (`点` for `时` too). Full-width digits are folded first.
//!
//! Excel serials use the 1900 date system, which inherited Lotus 1-2-3's belief that 1900 was a
//! leap year: serial 1 is 1900-01-01, serial 60 is the non-existent 1900-02-29 (rejected), and
//! from 61 on every serial is one day later than a plain count would give. To keep `20240305`
//! a date rather than a serial in the year 7400, a serial must be exactly five digits or carry a
//! fraction. A fraction is the time of day and is rounded to the nearest second, which absorbs
//! the floating-point noise in exported values (`0.604166666667` is 14:30:00).

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use crate::width::fold_width;

/// The largest serial Excel accepts: 9999-12-31.
pub const EXCEL_MAX_SERIAL: u32 = 2_958_465;

/// Parses a date; a date-time is accepted and its time dropped.
///
/// `2024-03-05` is parsed without allocating.
pub fn parse_date(s: &str) -> Result<NaiveDate, DateError> {
    parse_datetime(s).map(|dt| dt.date())
}

/// Parses a date-time; a date alone means midnight.
///
/// `2024-03-05 14:30:00` is parsed without allocating.
pub fn parse_datetime(s: &str) -> Result<NaiveDateTime, DateError> {
    let folded = fold_width(s);
    parse_folded(crate::width::trim(&folded)).map_err(|problem| DateError {
        raw: s.trim().to_owned(),
        problem,
    })
}

/// Why a date was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateProblem {
    Empty,
    /// Not in any accepted form.
    Unrecognised,
    NoSuchMonth {
        month: u32,
    },
    NoSuchDay {
        year: i32,
        month: u32,
        day: u32,
        days_in_month: u32,
    },
    NoSuchTime {
        hour: u32,
        minute: u32,
        second: u32,
    },
    /// Excel serial 60, the 1900-02-29 that never was.
    ExcelLeapDay,
    SerialOutOfRange {
        serial: u32,
    },
}

/// A rejected date: the trimmed input as given, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message_en())]
pub struct DateError {
    pub raw: String,
    pub problem: DateProblem,
}

impl DateError {
    /// A stable, dotted code such as `amount.letter_o`; safe to store and to group by.
    pub fn code(&self) -> &'static str {
        match self.problem {
            DateProblem::Empty => "date.empty",
            DateProblem::Unrecognised => "date.unrecognised",
            DateProblem::NoSuchMonth { .. } => "date.no_such_month",
            DateProblem::NoSuchDay { .. } => "date.no_such_day",
            DateProblem::NoSuchTime { .. } => "date.no_such_time",
            DateProblem::ExcelLeapDay => "date.excel_leap_day",
            DateProblem::SerialOutOfRange { .. } => "date.serial_out_of_range",
        }
    }

    /// The reason in English, saying what to do; also the `Display` text.
    pub fn message_en(&self) -> String {
        let raw = &self.raw;
        match self.problem {
            DateProblem::Empty => "the date is empty; enter a date such as 2024-03-05".into(),
            DateProblem::Unrecognised => format!(
                "'{raw}' is not a date; write it as 2024-03-05, 2024/3/5, 2024年3月5日 or \
                 20240305, optionally followed by a time such as 14:30:05"
            ),
            DateProblem::NoSuchMonth { month } => {
                format!("'{raw}' is not a real date: there is no month {month}")
            }
            DateProblem::NoSuchDay {
                year,
                month,
                days_in_month,
                ..
            } => format!(
                "'{raw}' is not a real date: {year}-{month:02} has only {days_in_month} days"
            ),
            DateProblem::NoSuchTime {
                hour,
                minute,
                second,
            } => format!(
                "'{raw}' is not a real time of day: {hour:02}:{minute:02}:{second:02} \
                 (hours run 0–23, minutes and seconds 0–59)"
            ),
            DateProblem::ExcelLeapDay => format!(
                "'{raw}' is Excel serial 60, the 29 February 1900 that Excel counts but that \
                 never existed; check the source cell"
            ),
            DateProblem::SerialOutOfRange { serial } => format!(
                "'{raw}' looks like an Excel date serial, but {serial} is outside \
                 1..={EXCEL_MAX_SERIAL}; format the column as a date and export again"
            ),
        }
    }

    /// The reason in Chinese, saying what to do.
    pub fn message_zh(&self) -> String {
        let raw = &self.raw;
        match self.problem {
            DateProblem::Empty => "日期为空，请填写日期，例如 2024-03-05".into(),
            DateProblem::Unrecognised => format!(
                "“{raw}”不是日期，请写成 2024-03-05、2024/3/5、2024年3月5日 或 20240305，\
                 可在后面加时间，例如 14:30:05"
            ),
            DateProblem::NoSuchMonth { month } => {
                format!("“{raw}”不是有效日期：不存在{month}月")
            }
            DateProblem::NoSuchDay {
                year,
                month,
                days_in_month,
                ..
            } => {
                format!("“{raw}”不是有效日期：{year}年{month}月只有{days_in_month}天")
            }
            DateProblem::NoSuchTime {
                hour,
                minute,
                second,
            } => format!(
                "“{raw}”不是有效时间：{hour:02}:{minute:02}:{second:02}\
                 （小时应为0–23，分、秒应为0–59）"
            ),
            DateProblem::ExcelLeapDay => format!(
                "“{raw}”是 Excel 日期序号 60，即 Excel 误认的 1900年2月29日，该日不存在，请核对原单元格"
            ),
            DateProblem::SerialOutOfRange { serial } => format!(
                "“{raw}”像是 Excel 日期序号，但 {serial} 超出 1–{EXCEL_MAX_SERIAL} 的范围，\
                 请将该列设置为日期格式后重新导出"
            ),
        }
    }
}

fn parse_folded(s: &str) -> Result<NaiveDateTime, DateProblem> {
    if s.is_empty() {
        return Err(DateProblem::Empty);
    }
    if let Some((whole, fraction)) = excel_serial(s) {
        return from_excel_serial(whole, fraction);
    }
    let mut c = Cursor(s);
    let (year, month, day, cjk) = date_part(&mut c).ok_or(DateProblem::Unrecognised)?;
    let date = make_date(year, month, day)?;
    if c.0.is_empty() {
        return Ok(date.and_time(NaiveTime::MIN));
    }
    let separated = c.skip_spaces() || c.eat("T") || c.eat("t");
    if !separated && !cjk {
        return Err(DateProblem::Unrecognised);
    }
    let (hour, minute, second, nano) = time_part(&mut c).ok_or(DateProblem::Unrecognised)?;
    if !c.0.is_empty() {
        return Err(DateProblem::Unrecognised);
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
        .map(|t| date.and_time(t))
        .ok_or(DateProblem::NoSuchTime {
            hour,
            minute,
            second,
        })
}

/// A tiny forward-only reader over the remaining input.
struct Cursor<'a>(&'a str);

impl Cursor<'_> {
    /// Reads `min..=max` ASCII digits, greedily.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let n = self
            .0
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if n < min {
            return None;
        }
        let (digits, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(
            digits
                .bytes()
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0')),
        )
    }

    fn eat(&mut self, prefix: &str) -> bool {
        match self.0.strip_prefix(prefix) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }

    fn skip_spaces(&mut self) -> bool {
        let rest = self.0.trim_start_matches(' ');
        let skipped = rest.len() < self.0.len();
        self.0 = rest;
        skipped
    }

    fn next_is_digit(&self) -> bool {
        self.0.bytes().next().is_some_and(|b| b.is_ascii_digit())
    }
}

/// Year, month, day, and whether the date was written with 年月日 (a time may then follow
/// without a separator).
fn date_part(c: &mut Cursor<'_>) -> Option<(i32, u32, u32, bool)> {
    let year = c.digits(4, 4)?;
    let year = i32::try_from(year).ok()?;
    if c.next_is_digit() {
        let month = c.digits(2, 2)?;
        let day = c.digits(2, 2)?;
        return (!c.next_is_digit()).then_some((year, month, day, false));
    }
    if c.eat("年") {
        let month = c.digits(1, 2)?;
        c.eat("月").then_some(())?;
        let day = c.digits(1, 2)?;
        (c.eat("日") || c.eat("号")).then_some(())?;
        return Some((year, month, day, true));
    }
    let sep = ["-", "/", "."].into_iter().find(|sep| c.eat(sep))?;
    let month = c.digits(1, 2)?;
    c.eat(sep).then_some(())?;
    let day = c.digits(1, 2)?;
    Some((year, month, day, false))
}

/// Hour, minute, second, nanosecond; range checks are left to the caller.
fn time_part(c: &mut Cursor<'_>) -> Option<(u32, u32, u32, u32)> {
    let hour = c.digits(1, 2)?;
    if c.eat(":") {
        let minute = c.digits(2, 2)?;
        if !c.eat(":") {
            return Some((hour, minute, 0, 0));
        }
        let second = c.digits(2, 2)?;
        if !c.eat(".") {
            return Some((hour, minute, second, 0));
        }
        let before = c.0.len();
        let fraction = c.digits(1, 9)?;
        let width = u32::try_from(before - c.0.len()).ok()?;
        return Some((hour, minute, second, fraction * 10u32.pow(9 - width)));
    }
    (c.eat("时") || c.eat("点")).then_some(())?;
    let minute = c.digits(1, 2)?;
    c.eat("分").then_some(())?;
    if c.0.is_empty() {
        return Some((hour, minute, 0, 0));
    }
    let second = c.digits(1, 2)?;
    c.eat("秒").then_some((hour, minute, second, 0))
}

fn make_date(year: i32, month: u32, day: u32) -> Result<NaiveDate, DateProblem> {
    if !(1..=12).contains(&month) {
        return Err(DateProblem::NoSuchMonth { month });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateProblem::NoSuchDay {
        year,
        month,
        day,
        days_in_month: days_in_month(year, month),
    })
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if NaiveDate::from_ymd_opt(year, 2, 29).is_some() => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Splits `45356` or `45356.75` into whole and fraction digits; `None` if not serial-shaped.
fn excel_serial(s: &str) -> Option<(&str, &str)> {
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        None => (s.len() == 5 && all_digits(s)).then_some((s, "")),
        Some((whole, fraction)) => (whole.len() <= 7 && all_digits(whole) && all_digits(fraction))
            .then_some((whole, fraction)),
    }
}

fn from_excel_serial(whole: &str, fraction: &str) -> Result<NaiveDateTime, DateProblem> {
    // At most 7 digits, so this cannot fail; the fallback only keeps the function total.
    let serial: u32 = whole.parse().unwrap_or(u32::MAX);
    if serial == 60 {
        return Err(DateProblem::ExcelLeapDay);
    }
    if !(1..=EXCEL_MAX_SERIAL).contains(&serial) {
        return Err(DateProblem::SerialOutOfRange { serial });
    }
    // Before the phantom leap day a serial counts from 1899-12-31, after it from 1899-12-30.
    let epoch = if serial < 60 {
        (1899, 12, 31)
    } else {
        (1899, 12, 30)
    };
    let out_of_range = DateProblem::SerialOutOfRange { serial };
    let date = NaiveDate::from_ymd_opt(epoch.0, epoch.1, epoch.2)
        .and_then(|d| d.checked_add_days(Days::new(u64::from(serial))))
        .ok_or(out_of_range)?;
    let seconds = fraction_of_day_in_seconds(fraction);
    date.and_time(NaiveTime::MIN)
        .checked_add_signed(TimeDelta::seconds(seconds))
        .ok_or(out_of_range)
}

/// `0.75` → 64800; rounds to the nearest second. Digits past the 15th are noise and ignored.
fn fraction_of_day_in_seconds(fraction: &str) -> i64 {
    let digits = &fraction[..fraction.len().min(15)];
    let numerator = digits
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    let denominator = 10u64.pow(u32::try_from(digits.len()).unwrap_or(0));
    let scaled = u128::from(numerator) * 86_400;
    let rounded = (scaled + u128::from(denominator) / 2) / u128::from(denominator);
    i64::try_from(rounded).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dt(y: i32, m: u32, day: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, mi, s).unwrap()
    }

    fn problem(s: &str) -> DateProblem {
        match parse_datetime(s) {
            Ok(v) => panic!("{s:?} should be rejected, got {v}"),
            Err(e) => e.problem,
        }
    }

    #[test]
    fn date_forms() {
        for s in [
            "2024-03-05",
            "2024/3/5",
            "2024.3.5",
            "2024年3月5日",
            "2024年03月05号",
            "20240305",
            "２０２４－０３－０５",
            " 2024-3-05 ",
            "45356",
        ] {
            assert_eq!(parse_date(s), Ok(d(2024, 3, 5)), "{s}");
        }
    }

    #[test]
    fn time_forms() {
        let at = |h, mi, s| dt(2024, 3, 5, h, mi, s);
        assert_eq!(parse_datetime("2024-03-05"), Ok(at(0, 0, 0)));
        assert_eq!(parse_datetime("2024-03-05 14:30"), Ok(at(14, 30, 0)));
        assert_eq!(parse_datetime("2024-03-05T14:30:05"), Ok(at(14, 30, 5)));
        assert_eq!(parse_datetime("2024/3/5  9:05:00"), Ok(at(9, 5, 0)));
        assert_eq!(parse_datetime("2024年3月5日14时30分"), Ok(at(14, 30, 0)));
        assert_eq!(
            parse_datetime("2024年3月5日 14时30分5秒"),
            Ok(at(14, 30, 5))
        );
        assert_eq!(parse_datetime("20240305 14点30分"), Ok(at(14, 30, 0)));
        assert_eq!(parse_datetime("45356.75"), Ok(at(18, 0, 0)));
        let millis = parse_datetime("2024-03-05 14:30:05.123").unwrap();
        assert_eq!(millis, at(14, 30, 5) + TimeDelta::milliseconds(123));
        assert_eq!(parse_date("2024-03-05 14:30:05"), Ok(d(2024, 3, 5)));
    }

    #[test]
    fn excel_serials_follow_the_1900_system() {
        assert_eq!(parse_date("1.0"), Ok(d(1900, 1, 1)));
        assert_eq!(parse_date("59.0"), Ok(d(1900, 2, 28)));
        assert_eq!(parse_date("61.0"), Ok(d(1900, 3, 1)));
        assert_eq!(parse_date("45356"), Ok(d(2024, 3, 5)));
        assert_eq!(parse_date("2958465.0"), Ok(d(9999, 12, 31)));
        assert_eq!(problem("60.0"), DateProblem::ExcelLeapDay);
        assert_eq!(problem("0.5"), DateProblem::SerialOutOfRange { serial: 0 });
        assert_eq!(
            problem("2958466.0"),
            DateProblem::SerialOutOfRange { serial: 2_958_466 }
        );
        // Floating-point noise from Excel rounds to the intended second.
        assert_eq!(
            parse_datetime("45356.604166666664"),
            Ok(dt(2024, 3, 5, 14, 30, 0))
        );
    }

    #[test]
    fn impossible_dates_name_the_reason() {
        let err = parse_date("2024-02-30").unwrap_err();
        assert_eq!(
            err.problem,
            DateProblem::NoSuchDay {
                year: 2024,
                month: 2,
                day: 30,
                days_in_month: 29
            }
        );
        assert!(
            err.message_en().contains("2024-02 has only 29 days"),
            "{err}"
        );
        assert!(
            err.message_zh().contains("2024年2月只有29天"),
            "{}",
            err.message_zh()
        );
        assert_eq!(
            parse_date("2023-02-29").unwrap_err().code(),
            "date.no_such_day"
        );
        assert_eq!(
            problem("2024-13-01"),
            DateProblem::NoSuchMonth { month: 13 }
        );
        assert_eq!(problem("2024-00-01"), DateProblem::NoSuchMonth { month: 0 });
        assert_eq!(
            problem("2024-03-05 24:00"),
            DateProblem::NoSuchTime {
                hour: 24,
                minute: 0,
                second: 0
            }
        );
        assert_eq!(
            problem("2024-03-05 12:60"),
            DateProblem::NoSuchTime {
                hour: 12,
                minute: 60,
                second: 0
            }
        );
    }

    #[test]
    fn unrecognised_forms() {
        for s in [
            "2024-03",
            "2024-03/05",
            "24-03-05",
            "2024030",
            "202403051",
            "1234",
            "2024-03-05 14",
            "2024-03-05 14:3",
            "2024-03-05x",
            "2024-03-0514:30",
            "2024年3月5",
            "March 5, 2024",
            "2024-03-05 14:30:05.1234567890",
        ] {
            assert_eq!(problem(s), DateProblem::Unrecognised, "{s}");
        }
        assert_eq!(problem(""), DateProblem::Empty);
        let err = parse_date("next Tuesday").unwrap_err();
        assert!(
            err.to_string().starts_with("'next Tuesday' is not a date"),
            "{err}"
        );
        assert!(err.message_zh().starts_with("“next Tuesday”不是日期"));
    }
}
