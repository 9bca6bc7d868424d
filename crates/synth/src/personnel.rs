//! Personnel and pay: leave, daily attendance, the approved allowance catalogue, monthly
//! payroll (stopping in the month a person leaves), cadre appointments with every
//! procedure step in order, and the public benefit list of the city.

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::Rng;

use crate::governance::{self, Body, Matter};
use crate::ids;
use crate::names;
use crate::records::{Allowance, Appointment, Attendance, Benefit, Payroll};
use crate::world::{World, d};
use crate::writer::Money;

/// Allowance items: code, name, monthly maximum by grade G1..G4, summer only.
pub const ALLOWANCES: &[(&str, &str, [i64; 4], bool)] = &[
    ("transport", "交通补贴", [1800, 1200, 800, 600], false),
    ("meal", "午餐补贴", [600, 600, 600, 600], false),
    ("comm", "通讯补贴", [500, 300, 200, 200], false),
    ("heat", "高温补贴", [300, 300, 300, 300], true),
];

fn grade_index(grade: &str) -> usize {
    match grade {
        "G1" => 0,
        "G2" => 1,
        "G3" => 2,
        _ => 3,
    }
}

/// Annual and sick leave (only on days without a trip).
pub fn leaves(w: &mut World) {
    let mut rng = w.rng("leave");
    let n = w.workdays.len();
    for p in 0..w.persons.len() {
        for _ in 0..rng.random_range(2..7) {
            let first = rng.random_range(0..n - 5);
            let len = rng.random_range(1..6);
            if (first..first + len).all(|k| w.status[p][k] == 0) {
                for k in first..first + len {
                    w.status[p][k] = 1;
                }
            }
        }
        if rng.random_bool(0.05) {
            let k = rng.random_range(0..n);
            if w.status[p][k] == 0 {
                w.status[p][k] = 3;
            }
        }
    }
}

/// Attendance rows for every working day each person was on the staff (ghosts have none).
pub fn attendance(w: &mut World) {
    const CODES: [&str; 5] = ["present", "leave", "business_trip", "absent", "present"];
    for p in 0..w.persons.len() {
        if w.pm[p].ghost {
            continue;
        }
        for (k, &day) in w.workdays.iter().enumerate() {
            if w.active(p, day) {
                w.attendance.push(Attendance {
                    person_id: w.persons[p].person_id.clone(),
                    date: day,
                    status: CODES[w.status[p][k] as usize],
                });
            }
        }
    }
}

/// The allowance catalogue rows.
pub fn catalogue(w: &mut World) {
    for (item, name, max, _) in ALLOWANCES {
        for (g, m) in ["G1", "G2", "G3", "G4"].iter().zip(max) {
            w.allowances.push(Allowance {
                item: (*item).into(),
                name: (*name).into(),
                grade: (*g).into(),
                monthly_max: Money::yuan(*m),
            });
        }
    }
}

/// Months of the period (first days).
pub fn months() -> Vec<NaiveDate> {
    (0..24).map(|m| d(2024, 1, 1) + Months::new(m)).collect()
}

/// Adds one payroll row.
pub fn pay_item(w: &mut World, p: usize, month: NaiveDate, item: &str, amount: Money) -> usize {
    let paid = w.workday_from(month + Days::new(9));
    w.payroll.push(Payroll {
        person_id: w.persons[p].person_id.clone(),
        period: month,
        item: item.into(),
        amount,
        paid_on: Some(paid),
        bank_account: w.persons[p].bank_account.clone(),
    });
    w.payroll.len() - 1
}

/// Monthly pay for each person on the staff at some point of the month.
pub fn payroll(w: &mut World) {
    let mut rng = w.rng("payroll");
    for p in 0..w.persons.len() {
        let g = grade_index(&w.persons[p].grade);
        let base: i64 = [9800, 7200, 5600, 4300][g] + rng.random_range(0..8) * 100;
        let post: i64 = [8000, 5000, 3000, 2000][g] + rng.random_range(0..5) * 100;
        for month in months() {
            let month_end = month + Months::new(1) - Days::new(1);
            let on = w.persons[p].hire_date.is_none_or(|h| h <= month_end)
                && w.persons[p].leave_date.is_none_or(|l| l >= month);
            if !on {
                continue;
            }
            pay_item(w, p, month, "base", Money::yuan(base));
            pay_item(w, p, month, "post", Money::yuan(post));
            let perf = (post as f64 * rng.random_range(0.8..1.3)).round() as i64;
            pay_item(w, p, month, "performance", Money::yuan(perf));
            for (item, _, max, summer) in ALLOWANCES {
                if *summer && !(6..=9).contains(&month.month()) {
                    continue;
                }
                pay_item(w, p, month, item, Money::yuan(max[g]));
            }
        }
    }
}

/// Promotions with recommendation, inspection, collective decision, public notice.
pub fn appointments(w: &mut World) {
    let mut rng = w.rng("appointments");
    let n = (w.persons.len() / 18).max(8);
    for _ in 0..n {
        let p = rng.random_range(0..w.persons.len());
        if w.persons[p].grade != "G4" || w.pm[p].reserved || w.persons[p].leave_date.is_some() {
            continue;
        }
        let rec = w.rand_workday(&mut rng, World::start(), d(2025, 9, 30));
        appoint(w, &mut rng, p, rec, "主管");
    }
}

/// Runs one appointment through every step from `recommended`; returns its index.
pub fn appoint(
    w: &mut World,
    rng: &mut impl Rng,
    p: usize,
    recommended: NaiveDate,
    to: &str,
) -> usize {
    let inspected = w.add_wd(recommended, rng.random_range(5..15));
    let title = format!("关于{}同志任职的议题", w.persons[p].name);
    let k = governance::decide(
        w,
        Body::PartyCommittee,
        inspected + Days::new(1),
        Matter {
            category: "key_appointment",
            title,
            ..Matter::default()
        },
    );
    let decided = w.decisions[k].decided_on;
    let notice_start = w.add_wd(decided, rng.random_range(1..4));
    let notice_end = w.add_wd(notice_start, 5);
    let effective = w.add_wd(notice_end, rng.random_range(2..10));
    let id = w.next_id("RM", 4);
    w.appointments.push(Appointment {
        appointment_id: id,
        person_id: w.persons[p].person_id.clone(),
        unit_id: w.persons[p].unit_id.clone(),
        from_position: w.persons[p].position.clone(),
        to_position: to.into(),
        effective_on: effective,
        recommended_on: Some(recommended),
        inspected_on: Some(inspected),
        notice_start_on: Some(notice_start),
        notice_end_on: Some(notice_end),
        decision_id: w.decisions[k].decision_id.clone(),
    });
    w.appointments.len() - 1
}

/// The city's minimum-living-allowance (低保) list, paid monthly.
pub fn benefits(w: &mut World) {
    let mut rng = w.rng("benefits");
    for _ in 0..w.p.benefit_recipients {
        let male = rng.random_bool(0.5);
        let born = rng.random_range(1940..1990);
        let birth = NaiveDate::from_yo_opt(born, rng.random_range(1..366)).expect("valid day");
        let region = ids::HOME_REGIONS[rng.random_range(0..ids::HOME_REGIONS.len())];
        let rid = w.unique(|| ids::resident_id(&mut rng, region, birth, male));
        let name = names::person(&mut rng, male, born);
        let from = rng.random_range(0..12);
        let amount = Money::yuan(rng.random_range(8..14) * 100);
        benefit_series(w, &name, &rid, from, amount);
    }
}

/// Pays a benefit monthly from month `from` (0 = January 2024); returns the row indexes.
pub fn benefit_series(
    w: &mut World,
    name: &str,
    rid: &str,
    from: usize,
    amount: Money,
) -> Vec<usize> {
    let mut out = Vec::new();
    for month in months().into_iter().skip(from) {
        let id = w.next_id("DB", 7);
        let paid = w.workday_from(month + Days::new(4));
        w.benefits.push(Benefit {
            benefit_id: id,
            recipient_name: name.into(),
            recipient_resident_id: rid.into(),
            program: "城乡居民最低生活保障".into(),
            amount,
            paid_on: paid,
        });
        out.push(w.benefits.len() - 1);
    }
    out
}
