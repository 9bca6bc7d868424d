//! PER — personnel and pay: ghost employees, pay after leaving, allowances outside the
//! catalogue or above it, a pay outlier, appointments with a step missing or out of
//! order, relatives in incompatible posts or in one line of command.

use std::collections::HashMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::Rng;

use super::{n, r};
use crate::org::{DEPARTMENTS, new_person};
use crate::personnel::{appoint, months, pay_item};
use crate::records::PersonRelation;
use crate::world::{World, d};
use crate::writer::Money;

fn related_colleague(
    w: &mut World,
    rng: &mut impl Rng,
    a: usize,
    unit: &str,
    relation: &'static str,
) -> (usize, usize) {
    let born = if relation == "child" {
        w.pm[a].birth_year + 26
    } else {
        w.pm[a].birth_year + rng.random_range(-3..4)
    };
    let b = new_person(w, rng, unit, "科员", "G4", born);
    w.persons[b].hire_date = Some(d(2019, 7, 1) + Days::new(rng.random_range(0..900)));
    w.pm[b].reserved = true;
    w.relations.push(PersonRelation {
        person_id: w.persons[a].person_id.clone(),
        relative_name: w.persons[b].name.clone(),
        relation,
        relative_resident_id: w.persons[b].resident_id.clone(),
        relative_person_id: w.persons[b].person_id.clone(),
        relative_phone: w.persons[b].phone.clone(),
        relative_employer: "江州市城市发展集团有限公司".into(),
        ..PersonRelation::default()
    });
    (b, w.relations.len() - 1)
}

pub fn structure(w: &mut World) {
    let mut rng = w.rng("anomaly-per");
    let rng = &mut rng;
    for _ in 0..n(w, 2) {
        let (unit, ..) = DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())];
        let born = rng.random_range(1980..1995);
        let p = new_person(w, rng, unit, "科员", "G4", born);
        w.persons[p].hire_date = Some(d(2018, 3, 1) + Days::new(rng.random_range(0..700)));
        w.pm[p].ghost = true;
        w.pm[p].reserved = true;
        w.notes.push(("ghost", 0, p));
    }
    for k in 0..=n(w, 2) {
        let (unit, ..) = DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())];
        let born = rng.random_range(1980..1995);
        let p = new_person(w, rng, unit, "科员", "G4", born);
        w.persons[p].leave_date = Some(d(2024, 5, 10) + Days::new(rng.random_range(0..150)));
        w.persons[p].leave_reason = "resigned";
        w.pm[p].reserved = true;
        w.notes
            .push((if k == n(w, 2) { "left-ok" } else { "left" }, 0, p));
    }
    let g4: Vec<usize> = (0..w.persons.len())
        .filter(|&i| {
            w.persons[i].grade == "G4"
                && w.persons[i].leave_date.is_none()
                && !w.pm[i].reserved
                && w.active(i, d(2024, 1, 1))
        })
        .collect();
    for k in 0..n(w, 3) + n(w, 2) {
        let p = g4[(k * 13 + rng.random_range(0..5)) % g4.len()];
        w.pm[p].reserved = true;
        let rec = w.rand_workday(rng, d(2024, 3, 1), d(2025, 8, 31));
        let a = appoint(w, rng, p, rec, "主管");
        let what = if k < n(w, 3) {
            match k % 3 {
                0 => {
                    w.appointments[a].inspected_on = None;
                    "未经组织考察即任职"
                }
                1 => {
                    w.appointments[a].notice_start_on = None;
                    w.appointments[a].notice_end_on = None;
                    "未经任前公示即任职"
                }
                _ => {
                    w.decisions.pop();
                    w.appointments[a].decision_id.clear();
                    "未经党委会集体讨论决定即任职"
                }
            }
        } else {
            let ns = w.appointments[a].notice_start_on.expect("set");
            w.appointments[a].effective_on = w.add_wd(ns, 1);
            "公示期未满即发文任职"
        };
        let kind = if k < n(w, 3) {
            "per_procedure_skipped"
        } else {
            "per_procedure_out_of_order"
        };
        w.anomaly(
            kind,
            what.into(),
            ("appointment", w.appointments[a].appointment_id.clone()),
            vec![r(&w.appointments[a])],
        );
    }
    let finance: Vec<usize> = w
        .staff_of("D04")
        .into_iter()
        .filter(|&i| w.persons[i].leave_date.is_none() && !w.pm[i].reserved)
        .collect();
    for k in 0..=n(w, 2) {
        let lookalike = k == n(w, 2);
        let a = if lookalike {
            w.staff_of("D13")[1]
        } else {
            finance[k % finance.len()]
        };
        let unit = if lookalike {
            "D11"
        } else if k % 2 == 0 {
            "D04"
        } else {
            "D05"
        };
        let (b, rel) = related_colleague(w, rng, a, unit, "spouse");
        let rows = vec![r(&w.relations[rel]), r(&w.persons[a]), r(&w.persons[b])];
        if lookalike {
            w.lookalike(
                "per_relatives_incompatible_posts",
                "夫妻分别在信息中心和安全生产部，岗位不相容无关（正常）".into(),
                ("person", w.persons[a].person_id.clone()),
                rows,
            );
        } else {
            let desc = format!(
                "财务人员{}的配偶{}在{}任职，形成不相容岗位亲属关系",
                w.persons[a].name,
                w.persons[b].name,
                if unit == "D04" {
                    "财务部"
                } else {
                    "审计部"
                }
            );
            w.anomaly(
                "per_relatives_incompatible_posts",
                desc,
                ("person", w.persons[a].person_id.clone()),
                rows,
            );
        }
    }
    let mut heads: Vec<(String, usize)> = w
        .roles
        .unit_head
        .iter()
        .filter(|(u, _)| u.starts_with('D'))
        .map(|(u, &p)| (u.clone(), p))
        .collect();
    heads.sort();
    heads.sort_by_key(|(_, p)| w.pm[*p].birth_year);
    for k in 0..n(w, 2) {
        let (unit, a) = heads[k % heads.len()].clone();
        let relation = if w.pm[a].birth_year <= 1973 {
            "child"
        } else {
            "sibling"
        };
        let (b, rel) = related_colleague(w, rng, a, &unit, relation);
        let desc = format!(
            "部门负责人{}的{}{}在本部门工作，形成直接上下级关系",
            w.persons[a].name,
            if relation == "child" {
                "子女"
            } else {
                "兄弟姐妹"
            },
            w.persons[b].name
        );
        w.anomaly(
            "per_relatives_superior_subordinate",
            desc,
            ("person", w.persons[a].person_id.clone()),
            vec![r(&w.relations[rel]), r(&w.persons[a]), r(&w.persons[b])],
        );
    }
}

/// Payroll rows by (person id, period, item), as generated.
type PayIndex = HashMap<(String, NaiveDate, String), usize>;

fn payroll_row(
    w: &World,
    index: &PayIndex,
    p: usize,
    period: NaiveDate,
    item: &str,
) -> Option<usize> {
    index
        .get(&(w.persons[p].person_id.clone(), period, item.to_owned()))
        .copied()
}

/// Pay anomalies, once the payroll is written.
pub fn pay(w: &mut World) {
    let mut rng = w.rng("anomaly-per-pay");
    let index: PayIndex = w
        .payroll
        .iter()
        .enumerate()
        .map(|(i, x)| ((x.person_id.clone(), x.period, x.item.clone()), i))
        .collect();
    let index = &index;
    for (tag, _, p) in w.notes.clone() {
        let pid = w.persons[p].person_id.clone();
        match tag {
            "ghost" => {
                let mut rows = vec![r(&w.persons[p])];
                rows.extend(
                    w.payroll
                        .iter()
                        .filter(|x| x.person_id == pid && x.item == "base")
                        .map(r),
                );
                w.anomaly(
                    "per_ghost_employee",
                    format!("{}按月领取工资，但两年内无任何考勤记录", w.persons[p].name),
                    ("person", pid),
                    rows,
                );
            }
            "left" | "left-ok" => {
                let left = w.persons[p].leave_date.expect("set");
                let month = NaiveDate::from_ymd_opt(left.year(), left.month(), 1).expect("valid");
                if tag == "left-ok" {
                    let k = payroll_row(w, index, p, month, "base")
                        .expect("paid in the month of leaving");
                    w.lookalike(
                        "per_paid_after_leaving",
                        "离职当月发放当月工资（正常）".into(),
                        ("person", pid),
                        vec![r(&w.persons[p]), r(&w.payroll[k])],
                    );
                    continue;
                }
                let mut rows = vec![r(&w.persons[p])];
                for m in 1..=rng.random_range(3..6) {
                    let period = month + Months::new(m);
                    for (item, amt) in [("base", 4_600), ("post", 2_200), ("performance", 2_400)] {
                        let k = pay_item(w, p, period, item, Money::yuan(amt));
                        rows.push(r(&w.payroll[k]));
                    }
                }
                w.anomaly(
                    "per_paid_after_leaving",
                    format!("{}已于{left}离职，此后仍连续发放工资", w.persons[p].name),
                    ("person", pid),
                    rows,
                );
            }
            _ => {}
        }
    }
    let batches = [d(2024, 9, 1), d(2025, 1, 1), d(2024, 2, 1), d(2025, 9, 1)]
        .into_iter()
        .flat_map(|m| ["D08", "D15", "D09", "D11"].map(|u| (u, m)));
    for (unit, period) in batches.take(n(w, 2)) {
        let staff: Vec<usize> = w
            .staff_of(unit)
            .into_iter()
            .filter(|&i| {
                !w.pm[i].reserved
                    && w.active(i, period)
                    && payroll_row(w, index, i, period, "base").is_some()
            })
            .collect();
        let added: Vec<usize> = staff
            .iter()
            .map(|&i| pay_item(w, i, period, "holiday_gift", Money::yuan(2_000)))
            .collect();
        let rows: Vec<_> = added.iter().map(|&x| r(&w.payroll[x])).collect();
        let desc = format!("{unit}向全体人员发放目录外“过节费”每人2000元");
        w.anomaly(
            "per_allowance_not_in_catalogue",
            desc,
            ("unit_month", format!("{unit}|{}", &period.to_string()[..7])),
            rows,
        );
    }
    let g4: Vec<usize> = (0..w.persons.len())
        .filter(|&i| {
            w.persons[i].grade == "G4"
                && !w.pm[i].reserved
                && w.persons[i].leave_date.is_none()
                && w.active(i, d(2024, 1, 1))
        })
        .collect();
    for k in 0..n(w, 2) {
        let p = g4[(k * 17 + 3) % g4.len()];
        w.pm[p].reserved = true;
        let mut rows = Vec::new();
        for m in months().into_iter().skip(6).take(6) {
            if let Some(x) = payroll_row(w, index, p, m, "comm") {
                w.payroll[x].amount = Money::yuan(1_500);
                rows.push(r(&w.payroll[x]));
            }
        }
        w.anomaly(
            "per_allowance_above_standard",
            format!(
                "{}通讯补贴每月1500元，超过其职级标准200元",
                w.persons[p].name
            ),
            ("person", w.persons[p].person_id.clone()),
            rows,
        );
    }
    let g3: Vec<usize> = (0..w.persons.len())
        .filter(|&i| {
            w.persons[i].grade == "G3"
                && !w.pm[i].reserved
                && w.persons[i].leave_date.is_none()
                && w.active(i, d(2024, 1, 1))
        })
        .collect();
    for k in 0..n(w, 1) {
        let p = g3[(k * 11 + 5) % g3.len()];
        w.pm[p].reserved = true;
        let mut rows = Vec::new();
        for m in months().into_iter().skip(12) {
            if let Some(x) = payroll_row(w, index, p, m, "performance") {
                w.payroll[x].amount = w.payroll[x].amount.scale(5.0);
                rows.push(r(&w.payroll[x]));
            }
        }
        w.anomaly(
            "per_pay_outlier",
            format!("{}2025年绩效工资为同职级人员的5倍左右", w.persons[p].name),
            ("person", w.persons[p].person_id.clone()),
            rows,
        );
    }
}
