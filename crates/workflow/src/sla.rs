//! Deadlines (SLA) per level, counted in working days of the mainland calendar (holidays and
//! swapped working days included), and the day reminders start.
//!
//! A warning's clock starts on the day (Beijing time) it is raised, escalated, de-escalated or
//! reopened; its deadline is that day plus the level's working days. It is overdue from the
//! first day after its deadline.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use qinglian_core::calendar::Calendar;
use qinglian_store::Level;
use serde::{Deserialize, Serialize};

/// Working days allowed per level, and how many working days before a deadline to remind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaPolicy {
    pub department_days: u32,
    pub inspector_days: u32,
    pub committee_days: u32,
    pub remind_days_before: u32,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        Self {
            department_days: 5,
            inspector_days: 10,
            committee_days: 15,
            remind_days_before: 2,
        }
    }
}

/// The calendar day in Beijing (UTC+8, no daylight saving) of an instant.
pub fn beijing_day(at: DateTime<Utc>) -> NaiveDate {
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&cst).date_naive()
}

impl SlaPolicy {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("department_days", self.department_days),
            ("inspector_days", self.inspector_days),
            ("committee_days", self.committee_days),
        ] {
            if v == 0 || v > 250 {
                return Err(format!(
                    "{name} is {v}: give a number of working days from 1 to 250"
                ));
            }
        }
        Ok(())
    }

    pub fn days(&self, level: Level) -> u32 {
        match level {
            Level::Department => self.department_days,
            Level::Inspector => self.inspector_days,
            Level::Committee => self.committee_days,
        }
    }

    /// The deadline of a clock started on `start` at `level`.
    pub fn deadline(&self, calendar: &Calendar, start: NaiveDate, level: Level) -> NaiveDate {
        calendar.add_working_days(start, self.days(level))
    }

    /// The first day reminders go out for `deadline`: `remind_days_before` working days earlier
    /// (never before `deadline` minus a year).
    pub fn reminder_day(&self, calendar: &Calendar, deadline: NaiveDate) -> NaiveDate {
        let mut d = deadline;
        let mut left = self.remind_days_before;
        let floor = deadline - Duration::days(366);
        while left > 0 && d > floor {
            d = d.pred_opt().unwrap_or(d);
            if calendar.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// Overdue on `today`: the deadline has passed.
pub fn is_overdue(deadline: NaiveDate, today: NaiveDate) -> bool {
    today > deadline
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn deadlines_skip_national_day_and_count_the_swapped_saturday() {
        let cal = Calendar::builtin();
        let sla = SlaPolicy::default();
        // Raised Monday 2024-09-30. 1–7 Oct is the National Day holiday; Saturday 12 Oct is a
        // swapped working day. Five working days: 8, 9, 10, 11, 12 October.
        assert_eq!(
            sla.deadline(&cal, d(2024, 9, 30), Level::Department),
            d(2024, 10, 12)
        );
        // Ignoring the holiday would have given Monday 7 October (a holiday).
        assert!(!cal.is_working_day(d(2024, 10, 7)));
        // Ten working days: 8–12, 14–18 October.
        assert_eq!(
            sla.deadline(&cal, d(2024, 9, 30), Level::Inspector),
            d(2024, 10, 18)
        );
        // Raised on a holiday: the clock starts on the next working day.
        assert_eq!(
            sla.deadline(&cal, d(2024, 10, 3), Level::Department),
            d(2024, 10, 14)
        );
        // Two working days before Monday 14 October are Friday 11 and Saturday 12 (swapped).
        assert_eq!(sla.reminder_day(&cal, d(2024, 10, 14)), d(2024, 10, 11));
        // Two working days before 8 October skip the whole holiday.
        assert_eq!(sla.reminder_day(&cal, d(2024, 10, 8)), d(2024, 9, 29));
    }

    #[test]
    fn the_day_is_counted_in_beijing() {
        let late = Utc.with_ymd_and_hms(2024, 9, 30, 17, 0, 0).unwrap();
        assert_eq!(beijing_day(late), d(2024, 10, 1));
        assert!(is_overdue(d(2024, 10, 12), d(2024, 10, 13)));
        assert!(!is_overdue(d(2024, 10, 12), d(2024, 10, 12)));
    }

    #[test]
    fn bad_days_are_refused() {
        let sla = SlaPolicy {
            inspector_days: 0,
            ..SlaPolicy::default()
        };
        assert!(sla.validate().unwrap_err().contains("inspector_days"));
        assert!(SlaPolicy::default().validate().is_ok());
    }
}
