//! Metrics for the console and the reports, computed from one row per warning.
//!
//! - **Closure rate on time (办结率)**: warnings closed on or before their deadline, over the
//!   warnings that were due: closed ones plus open ones already overdue.
//! - **Time to close** per level (the level at closing): mean and median, in calendar days.
//! - **Overdue**: open warnings past their deadline.
//! - **Rectification rate (整改率)**: of the warnings that went into rectification, the share
//!   closed as rectified.
//! - **Lead conversion rate (线索转化率)**: of the warnings with a verdict, the share confirmed
//!   (confirmed, rectified or referred).
//! - **Precision per rule or model**: confirmed / (confirmed + false positives); duplicates
//!   count for neither. With volume and mean days to close.
//! - **Warnings per department per month** (by the month, Beijing time, they were raised).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use qinglian_store::{Disposition, Level, MetricRow, WarningState};
use serde::Serialize;

use crate::sla::beijing_day;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelTimes {
    pub level: Level,
    pub closed: u64,
    pub mean_days: Option<f64>,
    pub median_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStats {
    pub source_id: String,
    pub volume: u64,
    pub confirmed: u64,
    pub false_positive: u64,
    pub duplicate: u64,
    pub precision: Option<f64>,
    pub mean_days_to_close: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentMonth {
    pub department: String,
    /// `YYYY-MM`.
    pub month: String,
    pub warnings: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub total: u64,
    pub open: u64,
    pub closed: u64,
    pub due: u64,
    pub closed_on_time: u64,
    pub closure_rate_on_time: Option<f64>,
    pub overdue: u64,
    pub time_to_close: Vec<LevelTimes>,
    pub rectification_rate: Option<f64>,
    pub lead_conversion_rate: Option<f64>,
    pub per_source: Vec<SourceStats>,
    pub per_department: Vec<DepartmentMonth>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        f64::midpoint(v[m - 1], v[m])
    })
}

/// The metrics of `rows` as of `today` (Beijing date).
pub fn compute(rows: &[MetricRow], today: NaiveDate) -> Metrics {
    let mut m = Metrics {
        total: rows.len() as u64,
        open: 0,
        closed: 0,
        due: 0,
        closed_on_time: 0,
        closure_rate_on_time: None,
        overdue: 0,
        time_to_close: Vec::new(),
        rectification_rate: None,
        lead_conversion_rate: None,
        per_source: Vec::new(),
        per_department: Vec::new(),
    };
    let mut days_by_level: BTreeMap<Level, Vec<f64>> = BTreeMap::new();
    let (mut rect_entered, mut rect_done) = (0u64, 0u64);
    let (mut verdicts, mut converted) = (0u64, 0u64);
    let mut sources: BTreeMap<&str, (SourceStats, Vec<f64>)> = BTreeMap::new();
    let mut depts: BTreeMap<(&str, String), u64> = BTreeMap::new();
    for r in rows {
        let src = sources.entry(&r.source_id).or_insert_with(|| {
            (
                SourceStats {
                    source_id: r.source_id.clone(),
                    volume: 0,
                    confirmed: 0,
                    false_positive: 0,
                    duplicate: 0,
                    precision: None,
                    mean_days_to_close: None,
                },
                Vec::new(),
            )
        });
        src.0.volume += 1;
        *depts
            .entry((
                &r.department,
                beijing_day(r.created_at).format("%Y-%m").to_string(),
            ))
            .or_default() += 1;
        let closed = r.state.is_closed();
        if closed {
            m.closed += 1;
            m.due += 1;
            if let Some(at) = r.closed_at {
                if beijing_day(at) <= r.deadline {
                    m.closed_on_time += 1;
                }
                let days = (at - r.created_at).num_seconds() as f64 / 86_400.0;
                days_by_level.entry(r.level).or_default().push(days);
                src.1.push(days);
            }
        } else {
            m.open += 1;
            if today > r.deadline {
                m.overdue += 1;
                m.due += 1;
            }
        }
        if r.rectification {
            rect_entered += 1;
            if r.disposition == Some(Disposition::Rectified) && closed {
                rect_done += 1;
            }
        }
        let verdict = r.disposition.or(matches!(
            r.state,
            WarningState::Confirmed | WarningState::Rectification
        )
        .then_some(Disposition::Confirmed));
        if let Some(d) = verdict {
            verdicts += 1;
            if d.is_true_positive() {
                converted += 1;
                src.0.confirmed += 1;
            } else if d.is_false_positive() {
                src.0.false_positive += 1;
            } else {
                src.0.duplicate += 1;
            }
        }
    }
    m.closure_rate_on_time = ratio(m.closed_on_time, m.due);
    m.rectification_rate = ratio(rect_done, rect_entered);
    m.lead_conversion_rate = ratio(converted, verdicts);
    m.time_to_close = Level::ALL
        .iter()
        .map(|&level| {
            let mut v = days_by_level.remove(&level).unwrap_or_default();
            LevelTimes {
                level,
                closed: v.len() as u64,
                mean_days: mean(&v),
                median_days: median(&mut v),
            }
        })
        .collect();
    m.per_source = sources
        .into_values()
        .map(|(mut s, days)| {
            s.precision = ratio(s.confirmed, s.confirmed + s.false_positive);
            s.mean_days_to_close = mean(&days);
            s
        })
        .collect();
    m.per_department = depts
        .into_iter()
        .map(|((d, month), n)| DepartmentMonth {
            department: d.to_owned(),
            month,
            warnings: n,
        })
        .collect();
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn row(
        src: &str,
        state: WarningState,
        disp: Option<Disposition>,
        days_open: Option<i64>,
        deadline_days: i64,
    ) -> MetricRow {
        let created = Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap();
        MetricRow {
            source_id: src.into(),
            department: "财务部".into(),
            level: Level::Inspector,
            state,
            disposition: disp,
            deadline: beijing_day(created) + Duration::days(deadline_days),
            created_at: created,
            confirmed_at: None,
            closed_at: days_open.map(|d| created + Duration::days(d)),
            rectification: disp == Some(Disposition::Rectified)
                || state == WarningState::Rectification,
        }
    }

    #[test]
    fn rates_precision_and_times_follow_their_definitions() {
        use Disposition::{Duplicate, Legitimate, Rectified};
        use WarningState::{Closed, ClosedFalsePositive, Rectification, Verifying};
        let rows = vec![
            row("A", Closed, Some(Rectified), Some(4), 7), // on time, TP
            row("A", ClosedFalsePositive, Some(Legitimate), Some(10), 7), // late, FP
            row("A", ClosedFalsePositive, Some(Duplicate), Some(2), 7), // on time, dup
            row("B", Rectification, Some(Disposition::Confirmed), None, 7), // open, overdue
            row("B", Verifying, None, None, 30),           // open, not due
        ];
        let today = NaiveDate::from_ymd_opt(2025, 3, 20).unwrap();
        let m = compute(&rows, today);
        assert_eq!((m.total, m.open, m.closed, m.overdue), (5, 2, 3, 1));
        assert_eq!((m.closed_on_time, m.due), (2, 4));
        assert_eq!(m.closure_rate_on_time, Some(0.5));
        // Two went into rectification; one finished.
        assert_eq!(m.rectification_rate, Some(0.5));
        // Verdicts: rectified, legitimate, duplicate, confirmed → 2 of 4 converted.
        assert_eq!(m.lead_conversion_rate, Some(0.5));
        let a = &m.per_source[0];
        assert_eq!(
            (a.volume, a.confirmed, a.false_positive, a.duplicate),
            (3, 1, 1, 1)
        );
        assert_eq!(a.precision, Some(0.5));
        assert_eq!(m.per_source[1].precision, Some(1.0));
        let l2 = &m.time_to_close[1];
        assert_eq!(l2.closed, 3);
        assert_eq!(l2.median_days, Some(4.0));
        assert!((l2.mean_days.unwrap() - 16.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.time_to_close[0].mean_days, None);
        assert_eq!(
            m.per_department,
            vec![DepartmentMonth {
                department: "财务部".into(),
                month: "2025-03".into(),
                warnings: 5
            }]
        );
        let empty = compute(&[], today);
        assert_eq!(empty.closure_rate_on_time, None);
    }
}
