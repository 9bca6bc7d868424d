//! Temporal anomalies (MOD-TEMPORAL): transactions on non-working days (weekends and public
//! holidays by the State Council calendar, swapped working days counted as working), at
//! night, and months whose total is far above the unit's own history (the year-end rush).
//!
//! **Off hours.** A row is off hours when its date is not a working day
//! ([`qinglian_core::calendar::Calendar`]) or its time falls in the night window
//! [`night_start_hour`, `night_end_hour`) (wrapping midnight). Rows without a time are judged
//! on the date alone.
//!
//! **Surges.** Per unit, monthly totals form a series (months without rows count as zero
//! between the unit's first and last month). A month is compared with the unit's preceding
//! `history_months` months: with median m̃ and MAD of those totals, the modified z-score is
//! 0.6745 (S − m̃) / MAD (mean-absolute-deviation fallback when the MAD is zero, as in
//! [`crate::outliers`]). A month surges when S ≥ `surge_ratio` × m̃ and z ≥ `surge_z`, with at
//! least `min_history_months` months of history. December surges are marked year-end.
//!
//! [`night_start_hour`]: Params::night_start_hour
//! [`night_end_hour`]: Params::night_end_hour

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use qinglian_core::calendar::{Calendar, DayKind};
use qinglian_core::{Category, EvidenceRow, Finding, Money, Severity, Subject};
use serde::{Deserialize, Serialize};

use crate::emit::{Scope, evidence_at, fact, finding, model_source, num, yuan};
use crate::error::{Result, check_len};
use crate::stats;

pub const MODEL_ID: &str = "MOD-TEMPORAL";
pub const VERSION: &str = "1.0.0";

/// One dated transaction (payment approval, claim, fuel fill …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The unit whose history a month is compared with (department, vehicle, card …).
    pub unit: &'a str,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub amount_fen: i64,
    /// What the record is, in Chinese and English, when its amount says nothing (a vehicle
    /// trip: 「未经审批的出车」); `None` describes it by its amount.
    pub what: Option<[&'a str; 2]>,
}

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Default 22.
    pub night_start_hour: u32,
    /// Default 6.
    pub night_end_hour: u32,
    /// Off-hours rows below this amount (fen) are not reported. Default 0.
    pub min_amount_fen: i64,
    /// Default 2.0.
    pub surge_ratio: f64,
    /// Default 3.5.
    pub surge_z: f64,
    /// Default 12.
    pub history_months: usize,
    /// Default 6.
    pub min_history_months: usize,
    /// Compare the number of rows per month instead of the amount: a month made large by
    /// one lumpy payment (a construction instalment) is no rush, a month with five times the
    /// usual number of payments is. Default false (amounts).
    pub surge_by_rows: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            night_start_hour: 22,
            night_end_hour: 6,
            min_amount_fen: 0,
            surge_ratio: 2.0,
            surge_z: 3.5,
            history_months: 12,
            min_history_months: 6,
            surge_by_rows: false,
        }
    }
}

/// Why a row is off hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffReason {
    Weekend,
    /// Holiday name as in the calendar (春节 …).
    Holiday(String),
    Night(NaiveTime),
}

/// A row off hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffHours {
    pub index: usize,
    pub reasons: Vec<OffReason>,
}

/// A month far above the unit's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Surge {
    pub unit: String,
    pub year: i32,
    pub month: u32,
    pub total_fen: i64,
    pub baseline_fen: f64,
    pub ratio: f64,
    pub z: f64,
    pub history: usize,
    pub year_end: bool,
    /// With `surge_by_rows`: the history's median number of rows per month (`ratio` and
    /// `z` then compare row counts, `baseline_fen` is the median amount all the same).
    pub baseline_rows: Option<f64>,
    pub rows: Vec<usize>,
}

fn is_night(t: NaiveTime, p: &Params) -> bool {
    let h = t.hour();
    if p.night_start_hour <= p.night_end_hour {
        h >= p.night_start_hour && h < p.night_end_hour
    } else {
        h >= p.night_start_hour || h < p.night_end_hour
    }
}

/// Rows on non-working days or at night.
pub fn off_hours(events: &[Event<'_>], calendar: &Calendar, p: &Params) -> Vec<OffHours> {
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.amount_fen >= p.min_amount_fen)
        .filter_map(|(index, e)| {
            let mut reasons = Vec::new();
            match calendar.day_kind(e.date) {
                DayKind::Weekend => reasons.push(OffReason::Weekend),
                DayKind::Holiday(name) => reasons.push(OffReason::Holiday(name)),
                DayKind::Workday | DayKind::SwappedWorkday(_) => {}
            }
            if let Some(t) = e.time.filter(|t| is_night(*t, p)) {
                reasons.push(OffReason::Night(t));
            }
            (!reasons.is_empty()).then_some(OffHours { index, reasons })
        })
        .collect()
}

fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// Months far above each unit's own history, ordered by unit and month.
pub fn surges(events: &[Event<'_>], p: &Params) -> Vec<Surge> {
    let mut units: BTreeMap<&str, BTreeMap<i64, (i64, Vec<usize>)>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let m = units
            .entry(e.unit)
            .or_default()
            .entry(month_index(e.date))
            .or_default();
        m.0 += e.amount_fen;
        m.1.push(i);
    }
    let mut out = Vec::new();
    for (unit, months) in units {
        let (Some(&first), Some(&last)) = (months.keys().next(), months.keys().next_back()) else {
            continue;
        };
        let amounts: Vec<f64> = (first..=last)
            .map(|m| months.get(&m).map_or(0.0, |x| x.0 as f64))
            .collect();
        let counts: Vec<f64> = (first..=last)
            .map(|m| months.get(&m).map_or(0.0, |x| x.1.len() as f64))
            .collect();
        let series = if p.surge_by_rows { &counts } else { &amounts };
        for (k, &total) in series.iter().enumerate() {
            let hist = &series[k.saturating_sub(p.history_months)..k];
            if hist.len() < p.min_history_months || total <= 0.0 {
                continue;
            }
            let med = stats::median(hist).unwrap_or(0.0);
            let mad = stats::mad(hist, med).unwrap_or(0.0);
            let scale = if mad > 0.0 {
                mad / 0.6745
            } else {
                1.253_314 * stats::mean_abs_dev(hist, med).unwrap_or(0.0)
            };
            let z = if scale > 0.0 {
                (total - med) / scale
            } else {
                f64::INFINITY
            };
            let ratio = if med > 0.0 {
                total / med
            } else {
                f64::INFINITY
            };
            if ratio >= p.surge_ratio && z >= p.surge_z {
                let m = first + k as i64;
                let (year, month) = ((m.div_euclid(12)) as i32, (m.rem_euclid(12) + 1) as u32);
                let amount_hist = &amounts[k.saturating_sub(p.history_months)..k];
                out.push(Surge {
                    unit: unit.to_owned(),
                    year,
                    month,
                    total_fen: amounts[k] as i64,
                    baseline_fen: if p.surge_by_rows {
                        stats::median(amount_hist).unwrap_or(0.0)
                    } else {
                        med
                    },
                    baseline_rows: p.surge_by_rows.then_some(med),
                    ratio,
                    z,
                    history: hist.len(),
                    year_end: month == 12,
                    rows: months.get(&m).map(|x| x.1.clone()).unwrap_or_default(),
                });
            }
        }
    }
    out
}

/// Findings: one per off-hours row (subject `subjects[i]`, severity low, medium on a public
/// holiday or at night on a non-working day) and one per surge (subject: the unit as a
/// department, severity medium, high at 4× the baseline).
pub fn findings(
    off: &[OffHours],
    surges: &[Surge],
    events: &[Event<'_>],
    subjects: &[Subject],
    category: Category,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("temporal subjects", events.len(), subjects.len())?;
    check_len("temporal evidence", events.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let mut out = Vec::new();
    for o in off {
        let e = &events[o.index];
        let (mut zh, mut en) = (Vec::new(), Vec::new());
        for r in &o.reasons {
            match r {
                OffReason::Weekend => {
                    zh.push("周末".to_owned());
                    en.push("a weekend".to_owned());
                }
                OffReason::Holiday(name) => {
                    zh.push(format!("法定节假日（{name}）"));
                    en.push(format!("a public holiday ({name})"));
                }
                OffReason::Night(t) => {
                    zh.push(format!("夜间 {}", t.format("%H:%M")));
                    en.push(format!("at night ({})", t.format("%H:%M")));
                }
            }
        }
        let sev = if o.reasons.len() > 1
            || o.reasons.iter().any(|r| matches!(r, OffReason::Holiday(_)))
        {
            Severity::Medium
        } else {
            Severity::Low
        };
        let scope = Scope {
            subject: subjects[o.index].clone(),
            category,
            department: Some(e.unit.to_owned()),
        };
        let mut f = finding(
            &source,
            &scope,
            sev,
            match e.what {
                Some([what, _]) => format!(
                    "{} {} {}发生在{}",
                    scope.subject.id,
                    e.date,
                    what,
                    zh.join("、")
                ),
                None => format!(
                    "{} 金额 {} 元的业务发生在{}",
                    e.date,
                    yuan(e.amount_fen),
                    zh.join("、")
                ),
            },
            match e.what {
                Some([_, what]) => format!(
                    "{} of {} on {} took place on {}",
                    what,
                    scope.subject.id,
                    e.date,
                    en.join(" and ")
                ),
                None => format!(
                    "A transaction of {} yuan on {} took place on {}",
                    yuan(e.amount_fen),
                    e.date,
                    en.join(" and ")
                ),
            },
        );
        if e.what.is_none() {
            f.amount = Some(Money::from_fen(e.amount_fen));
        }
        f.occurred_on = Some(e.date);
        f.evidence = evidence_at(evidence, [o.index], 1);
        fact(&mut f.facts, "reasons", zh.join(","));
        out.push(f);
    }
    for s in surges {
        let scope = Scope {
            subject: Subject {
                kind: "department".into(),
                id: s.unit.clone(),
                name: None,
            },
            category,
            department: Some(s.unit.clone()),
        };
        let ye = if s.year_end {
            ("（年末突击）", " (year-end rush)")
        } else {
            ("", "")
        };
        let severity = if s.ratio >= 4.0 {
            Severity::High
        } else {
            Severity::Medium
        };
        let mut f = if let Some(base) = s.baseline_rows {
            finding(
                &source,
                &scope,
                severity,
                format!(
                    "{} 在 {} 年 {} 月发生 {} 笔（合计 {} 元），为此前 {} 个月中位数 {} 笔的 {} 倍（稳健 z={}）{}",
                    s.unit,
                    s.year,
                    s.month,
                    s.rows.len(),
                    yuan(s.total_fen),
                    s.history,
                    num(base, 1),
                    num(s.ratio, 1),
                    num(s.z, 1),
                    ye.0
                ),
                format!(
                    "{} had {} transactions ({} yuan) in {}-{:02}, {}× the median {} of its previous {} months (modified z={}){}",
                    s.unit,
                    s.rows.len(),
                    yuan(s.total_fen),
                    s.year,
                    s.month,
                    num(s.ratio, 1),
                    num(base, 1),
                    s.history,
                    num(s.z, 1),
                    ye.1
                ),
            )
        } else {
            finding(
                &source,
                &scope,
                severity,
                format!(
                    "{} 在 {} 年 {} 月的金额合计 {} 元，为此前 {} 个月中位数 {} 元的 {} 倍（稳健 z={}）{}",
                    s.unit,
                    s.year,
                    s.month,
                    yuan(s.total_fen),
                    s.history,
                    yuan(s.baseline_fen as i64),
                    num(s.ratio, 1),
                    num(s.z, 1),
                    ye.0
                ),
                format!(
                    "{} spent {} yuan in {}-{:02}, {}× the median {} yuan of its previous {} months (modified z={}){}",
                    s.unit,
                    yuan(s.total_fen),
                    s.year,
                    s.month,
                    num(s.ratio, 1),
                    yuan(s.baseline_fen as i64),
                    s.history,
                    num(s.z, 1),
                    ye.1
                ),
            )
        };
        f.amount = Some(Money::from_fen(s.total_fen));
        f.occurred_on = NaiveDate::from_ymd_opt(s.year, s.month, 1);
        f.evidence = evidence_at(evidence, s.rows.iter().copied(), 500);
        fact(&mut f.facts, "total_fen", s.total_fen);
        fact(&mut f.facts, "baseline_fen", num(s.baseline_fen, 0));
        fact(&mut f.facts, "ratio", num(s.ratio, 2));
        fact(&mut f.facts, "z", num(s.z, 2));
        fact(&mut f.facts, "year_end", s.year_end);
        if let Some(base) = s.baseline_rows {
            fact(&mut f.facts, "rows", s.rows.len());
            fact(&mut f.facts, "baseline_rows", num(base, 1));
        }
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
