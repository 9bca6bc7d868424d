//! The working-day calendar of mainland China: weekends, public holidays and swapped
//! working days (调休上班), from the State Council's yearly notices.
//!
//! The built-in table ships in the binary (`data/cn_calendar.csv`, public facts); a
//! workspace can add next year's notice in the same `date,kind,name` form.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

const BUILTIN: &str = include_str!("../data/cn_calendar.csv");

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// Monday to Friday, no holiday.
    Workday,
    /// Saturday or Sunday, no notice.
    Weekend,
    /// A day of an official holiday period.
    Holiday(String),
    /// A weekend day made a working day (调休上班).
    SwappedWorkday(String),
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, Self::Workday | Self::SwappedWorkday(_))
    }
}

/// A calendar line that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("calendar line {line}: {reason} / 日历第 {line} 行：{reason_zh}")]
pub struct CalendarError {
    pub line: usize,
    pub reason: String,
    pub reason_zh: String,
}

/// Holidays and swapped working days by date.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    special: BTreeMap<NaiveDate, (bool, String)>, // (is_holiday, name)
}

impl Calendar {
    /// The calendar that ships with the platform (2024–2026 notices).
    pub fn builtin() -> Self {
        Self::from_csv(BUILTIN).expect("the built-in calendar parses (this is a bug)")
    }

    /// Parses `date,kind,name` lines, kind `holiday` or `workday`; a header line is skipped.
    pub fn from_csv(text: &str) -> Result<Self, CalendarError> {
        let mut cal = Self::default();
        cal.merge_csv(text)?;
        Ok(cal)
    }

    /// Adds (or overrides) days from another table, e.g. next year's notice.
    pub fn merge_csv(&mut self, text: &str) -> Result<(), CalendarError> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') || (i == 0 && line.starts_with("date")) {
                continue;
            }
            let err = |reason: &str, zh: &str| CalendarError {
                line: i + 1,
                reason: reason.into(),
                reason_zh: zh.into(),
            };
            let mut parts = line.splitn(3, ',');
            let date = parts.next().unwrap_or_default().trim();
            let kind = parts.next().unwrap_or_default().trim();
            let name = parts.next().unwrap_or_default().trim().to_owned();
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| err("date must be YYYY-MM-DD", "日期应为 YYYY-MM-DD"))?;
            let holiday = match kind {
                "holiday" => true,
                "workday" => false,
                _ => {
                    return Err(err(
                        "kind must be holiday or workday",
                        "类型应为 holiday 或 workday",
                    ));
                }
            };
            self.special.insert(date, (holiday, name));
        }
        Ok(())
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        match self.special.get(&date) {
            Some((true, name)) => DayKind::Holiday(name.clone()),
            Some((false, name)) => DayKind::SwappedWorkday(name.clone()),
            None if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) => DayKind::Weekend,
            None => DayKind::Workday,
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.special.get(&date) {
            Some((holiday, _)) => !holiday,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `n` working days after `date` (n = 0 gives `date` itself if it is a working day,
    /// else the next working day). Used for deadlines counted in working days.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        while !self.is_working_day(d) {
            d = d.succ_opt().expect("date in range");
        }
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().expect("date in range");
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Years for which the calendar holds an official notice; outside them only weekends count.
    pub fn years_covered(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self.special.keys().map(|d| d.year()).collect();
        years.dedup();
        years
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn spring_festival_and_swapped_days() {
        let c = Calendar::builtin();
        assert_eq!(c.day_kind(d(2024, 2, 10)), DayKind::Holiday("春节".into()));
        assert!(
            c.is_working_day(d(2024, 2, 4)),
            "2024-02-04 was a Sunday made a working day"
        );
        assert!(!c.is_working_day(d(2024, 3, 9)), "an ordinary Saturday");
        assert!(c.is_working_day(d(2024, 3, 11)), "an ordinary Monday");
        assert_eq!(c.years_covered(), vec![2024, 2025, 2026]);
    }

    #[test]
    fn working_days_skip_holidays() {
        let c = Calendar::builtin();
        // Friday 2024-09-13, then the Mid-Autumn break 14-17 with Saturday 14 a swapped workday.
        assert_eq!(c.add_working_days(d(2024, 9, 13), 1), d(2024, 9, 14));
        assert_eq!(c.add_working_days(d(2024, 9, 14), 1), d(2024, 9, 18));
    }

    #[test]
    fn bad_lines_are_named() {
        let e = Calendar::from_csv("date,kind,name\n2027-13-01,holiday,x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(Calendar::from_csv("2027-01-01,party,x").is_err());
    }
}
