//! Official spending: reimbursement standards by grade and city tier, business trips
//! (which also mark attendance as `business_trip`), local meals, receptions, taxis and
//! office supplies, and the departments' budgets with the three-public-expense lines.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use crate::funds::invoice_no;
use crate::names;
use crate::records::{Budget, ExpenseClaim, ExpenseStandard};
use crate::world::World;
use crate::writer::Money;

/// Cities by tier: (city, tier, typical train or air fare).
pub const CITIES: &[(&str, &str, i64)] = &[
    ("北京", "T1", 1300),
    ("上海", "T1", 240),
    ("广州", "T1", 1400),
    ("深圳", "T1", 1500),
    ("南京", "T2", 300),
    ("武汉", "T2", 700),
    ("成都", "T2", 1600),
    ("西安", "T2", 1400),
    ("合肥", "T2", 380),
    ("温州", "T3", 280),
    ("金华", "T3", 120),
    ("黄山", "T3", 220),
    ("丽水", "T3", 180),
    ("台州", "T3", 200),
];
pub const HOME_CITY: &str = "江州";

/// Hotel standard per night by grade and tier.
pub fn hotel_standard(grade: &str, tier: &str) -> i64 {
    let t = match tier {
        "T1" => 0,
        "T2" => 1,
        _ => 2,
    };
    match grade {
        "G1" => [1100, 800, 600][t],
        "G2" => [650, 500, 450][t],
        _ => [500, 400, 350][t],
    }
}
pub const MEAL_STANDARD: i64 = 100;
pub const RECEPTION_PER_GUEST: i64 = 150;

const HOTELS: &[&str] = &[
    "全季酒店",
    "汉庭酒店",
    "如家商旅酒店",
    "亚朵酒店",
    "维也纳酒店",
    "锦江之星",
];
const RESTAURANTS: &[&str] = &[
    "江州人家",
    "老街饭店",
    "知味馆",
    "外婆家",
    "新丰小吃",
    "湖畔餐厅",
    "职工食堂",
];
const OFFICE_SHOPS: &[&str] = &[
    "江州市文达办公用品商行",
    "得力办公江州专营店",
    "江州晨光文具店",
];

/// The claim approver: the unit head, or a leader for heads and leaders (never oneself).
pub fn claim_approver(w: &World, person: usize) -> usize {
    let unit = &w.persons[person].unit_id;
    match w.roles.unit_head.get(unit.as_str()) {
        Some(&h) if h != person => h,
        _ if person == w.roles.gm => w.roles.head,
        _ => w.roles.gm,
    }
}

/// Adds a claim; returns its index.
#[allow(clippy::too_many_arguments)]
pub fn claim(
    w: &mut World,
    rng: &mut impl Rng,
    person: usize,
    day: NaiveDate,
    kind: &'static str,
    amount: Money,
    merchant: &str,
    mcat: &str,
    city: &str,
) -> usize {
    let id = w.next_id("BX", 6);
    let invoice = invoice_no(w, rng, day, 3);
    let claimed = w.add_wd(day, rng.random_range(1..12)).min(World::end());
    let appr = claim_approver(w, person);
    if let Some(k) = w.wd_index(day)
        && w.status[person][k] == 0
    {
        w.status[person][k] = 4;
    }
    w.claims.push(ExpenseClaim {
        claim_id: id,
        person_id: w.persons[person].person_id.clone(),
        unit_id: w.persons[person].unit_id.clone(),
        claimed_on: claimed.max(day),
        expense_date: day,
        kind,
        amount,
        merchant: merchant.into(),
        merchant_category: mcat.into(),
        invoice_no: invoice,
        city: city.into(),
        approver_id: w.persons[appr].person_id.clone(),
        ..ExpenseClaim::default()
    });
    w.claims.len() - 1
}

/// A business trip: marks the days, claims fares and hotel within the standard.
/// Returns the claim indexes, or nothing when the days are not free.
pub fn trip(
    w: &mut World,
    rng: &mut impl Rng,
    person: usize,
    first: usize,
    days: usize,
    city: usize,
) -> Vec<usize> {
    let last = first + days - 1;
    if last >= w.workdays.len()
        || (first..=last).any(|k| w.status[person][k] != 0 || !w.active(person, w.workdays[k]))
    {
        return Vec::new();
    }
    for k in first..=last {
        w.status[person][k] = 2;
    }
    let (cname, tier, fare) = CITIES[city];
    let (d0, d1) = (w.workdays[first], w.workdays[last]);
    let mut out = Vec::new();
    let fare = Money::yuan(fare * 2).scale(rng.random_range(0.9..1.1));
    let k = claim(
        w,
        rng,
        person,
        d0,
        "travel",
        fare,
        "中国铁路12306",
        "transport",
        cname,
    );
    w.claims[k].description = format!("赴{cname}出差往返交通费");
    out.push(k);
    let nights = (d1 - d0).num_days().max(1);
    let rate = hotel_standard(&w.persons[person].grade, tier) as f64 * rng.random_range(0.6..0.98);
    let hotel = names::pick(rng, HOTELS);
    let k = claim(
        w,
        rng,
        person,
        d0,
        "hotel",
        Money::from_f64(rate.round() * nights as f64),
        &format!("{}({cname}店)", hotel),
        "hotel",
        cname,
    );
    w.claims[k].nights = Some(nights);
    w.claims[k].description = format!("赴{cname}出差住宿费");
    out.push(k);
    out
}

/// Standards, trips, local spending and budgets for everyone on the staff.
pub fn build(w: &mut World) {
    let mut rng = w.rng("expenses");
    for grade in ["G1", "G2", "G3", "G4"] {
        for tier in ["T1", "T2", "T3"] {
            w.standards.push(ExpenseStandard {
                kind: "hotel",
                grade: grade.into(),
                city_tier: tier.into(),
                daily_max: Money::yuan(hotel_standard(grade, tier)),
            });
        }
    }
    w.standards.push(ExpenseStandard {
        kind: "meal",
        grade: "*".into(),
        city_tier: "*".into(),
        daily_max: Money::yuan(MEAL_STANDARD),
    });
    w.standards.push(ExpenseStandard {
        kind: "reception",
        grade: "*".into(),
        city_tier: "*".into(),
        daily_max: Money::yuan(RECEPTION_PER_GUEST),
    });
    let n = w.workdays.len();
    for p in 0..w.persons.len() {
        if w.pm[p].reserved
            || w.pm[p].ghost
            || w.persons[p].leave_date.is_some_and(|l| l < World::start())
        {
            continue;
        }
        let g = w.persons[p].grade.clone();
        let per_year = match g.as_str() {
            "G1" => 8,
            "G2" => 5,
            _ => 2,
        };
        for _ in 0..per_year * 2 {
            let first = rng.random_range(0..n - 5);
            let days = rng.random_range(1..5);
            let city = rng.random_range(0..CITIES.len());
            trip(w, &mut rng, p, first, days, city);
        }
        let locals = if g == "G4" { 8 } else { 14 };
        for _ in 0..locals {
            let k = rng.random_range(0..n);
            let day = w.workdays[k];
            if w.status[p][k] != 0 || !w.active(p, day) {
                continue;
            }
            local(w, &mut rng, p, day, &g);
        }
    }
    budgets(w);
}

fn local(w: &mut World, rng: &mut impl Rng, p: usize, day: NaiveDate, grade: &str) {
    let r: f64 = rng.random();
    if r < 0.35 && grade != "G4" {
        let guests = rng.random_range(3..9);
        let amt = Money::yuan(guests * rng.random_range(60..RECEPTION_PER_GUEST));
        let restaurant = names::pick(rng, RESTAURANTS);
        let k = claim(
            w,
            rng,
            p,
            day,
            "reception",
            amt,
            restaurant,
            "restaurant",
            HOME_CITY,
        );
        w.claims[k].guests = Some(guests);
        w.claims[k].description = "接待来访单位工作餐".into();
    } else if r < 0.6 {
        let amt = Money::from_f64(rng.random_range(30.0f64..1800.0).round());
        let shop = names::pick(rng, OFFICE_SHOPS);
        let k = claim(
            w,
            rng,
            p,
            day,
            "office_supplies",
            amt,
            shop,
            "office",
            HOME_CITY,
        );
        w.claims[k].description = "购买办公用品".into();
    } else {
        let amt = Money::from_f64(rng.random_range(18.0f64..160.0));
        let k = claim(
            w,
            rng,
            p,
            day,
            "transport",
            amt,
            "江州出租汽车",
            "transport",
            HOME_CITY,
        );
        w.claims[k].description = "市内公务交通".into();
    }
}

/// Budget lines per department and year, with warning lines on the three public expenses.
fn budgets(w: &mut World) {
    let mut spent: std::collections::HashMap<(String, i32, &str), i64> =
        std::collections::HashMap::new();
    for c in &w.claims {
        let line = match c.kind {
            "reception" => "30217",
            "travel" | "hotel" => "30211",
            _ => "30201",
        };
        *spent
            .entry((c.unit_id.clone(), c.expense_date.year(), line))
            .or_default() += c.amount.0;
    }
    let units: Vec<String> = w.units.iter().map(|u| u.unit_id.clone()).collect();
    for u in units {
        for year in [2024, 2025] {
            for (line, cat, base) in [
                ("30201", "", 60_000),
                ("30211", "", 120_000),
                ("30217", "three_public_reception", 30_000),
                ("30231", "three_public_vehicle", 40_000),
                ("30216", "", 20_000),
            ] {
                let used = spent.get(&(u.clone(), year, line)).copied().unwrap_or(0) / 100;
                let amount = (used * 13 / 10).max(base) / 1000 * 1000 + 1000;
                w.budgets.push(Budget {
                    unit_id: u.clone(),
                    year: i64::from(year),
                    budget_line: line.into(),
                    category: cat.into(),
                    amount: Money::yuan(amount),
                    warning_line: (!cat.is_empty()).then(|| Money::yuan(amount * 9 / 10)),
                });
            }
        }
    }
}
