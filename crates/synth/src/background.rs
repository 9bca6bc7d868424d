//! The payments file, streamed: day by day, the structured payments of that day first,
//! then the day's share of ordinary background payments (small purchases without a
//! contract, staff reimbursements, petty cash), generated on the fly so that even ten
//! million rows never sit in memory.
//!
//! Payment ids are `FK` + date + a per-day sequence, assigned here; the structured
//! payments' ids are returned so the ground truth can name them.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use crate::SynthError;
use crate::records::Payment;
use crate::world::World;
use crate::writer::{CsvOut, Money, Record};

const PURPOSES: &[(&str, &str, &str)] = &[
    ("works", "零星维修工程款", "30213"),
    ("municipal", "零星市政维修款", "30213"),
    ("decoration", "零星装修维修款", "30213"),
    ("landscape", "绿化养护零星费用", "30213"),
    ("equipment", "设备配件采购", "30201"),
    ("it", "电脑配件及耗材采购", "30201"),
    ("office", "购买办公用品", "30201"),
    ("furniture", "办公家具维修", "30201"),
    ("property", "零星物业维修费", "30209"),
    ("consulting", "咨询服务费", "30227"),
    ("media", "资料印刷费", "30202"),
    ("vehicle_service", "车辆维修保养费", "30231"),
    ("catering", "工作餐费", "30227"),
    ("labour", "临时用工劳务费", "30227"),
    ("security", "安保服务费", "30227"),
];
const REIMBURSE: &[(&str, &str)] = &[
    ("报销差旅费", "30211"),
    ("报销市内交通费", "30211"),
    ("报销办公用品费", "30201"),
    ("报销培训费", "30216"),
    ("报销会议费", "30215"),
];

/// Draws a log-normal amount with median `median` yuan within `[lo, hi]` (redrawn, not
/// clamped, so no amount piles up at a bound).
fn lognormal(rng: &mut impl Rng, median: f64, sigma: f64, lo: f64, hi: f64) -> Money {
    loop {
        let u1: f64 = rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = rng.random();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let v = median * (sigma * z).exp();
        if (lo..=hi).contains(&v) {
            return Money::from_f64(v);
        }
    }
}

struct Pools {
    suppliers: Vec<(usize, &'static str, &'static str)>,
    staff: Vec<usize>,
    finance_head: usize,
    cfo: usize,
}

fn pools(w: &World) -> Pools {
    let cutoff = crate::world::d(2023, 6, 1);
    let suppliers = (0..w.companies.len())
        .filter(|&c| !w.cm[c].reserved && w.companies[c].founded_on.is_some_and(|f| f < cutoff))
        .filter_map(|c| {
            PURPOSES
                .iter()
                .find(|p| p.0 == w.cm[c].category)
                .map(|p| (c, p.1, p.2))
        })
        .collect();
    let staff = (0..w.persons.len())
        .filter(|&i| {
            !w.pm[i].reserved
                && !w.pm[i].ghost
                && !w.no_background_units.contains(&w.persons[i].unit_id)
        })
        .filter(|&i| w.persons[i].leave_date.is_none_or(|l| l > World::start()))
        .collect();
    Pools {
        suppliers,
        staff,
        finance_head: w.roles.unit_head["D04"],
        cfo: w.roles.cfo,
    }
}

/// Background payments per working day: `total` spread with a year-end rise.
fn quotas(w: &World, total: u64) -> Vec<u64> {
    let weight = |d: &NaiveDate| match d.month() {
        12 => 130u64,
        1 | 2 => 85,
        _ => 100,
    };
    let sum: u64 = w.workdays.iter().map(weight).sum();
    let mut acc = 0u64;
    let mut prev = 0u64;
    w.workdays
        .iter()
        .map(|d| {
            acc += weight(d);
            let upto = total * acc / sum;
            let q = upto - prev;
            prev = upto;
            q
        })
        .collect()
}

/// Writes `payments.csv`; returns the row count and the ids of the structured payments.
pub fn write(
    w: &World,
    dir: &Path,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<(u64, Vec<String>), SynthError> {
    let mut out = CsvOut::create(dir, Payment::DATASET, Payment::COLUMNS)?;
    let mut order: Vec<usize> = (0..w.payments.len()).collect();
    order.sort_by_key(|&i| (w.payments[i].paid_on, w.payments[i].approved_at, i));
    let mut ids = vec![String::new(); w.payments.len()];
    let quotas = quotas(w, w.p.background_payments);
    let pools = pools(w);
    let mut rng = w.rng("background");
    let first = order.first().map_or(World::start(), |&i| {
        w.payments[i].paid_on.min(World::start())
    });
    let last = order
        .last()
        .map_or(World::end(), |&i| w.payments[i].paid_on.max(World::end()));
    let mut next = 0usize;
    let mut row = Payment::default();
    let mut invoice_seq: u64 = 0;
    for day in first.iter_days().take_while(|x| *x <= last) {
        let ymd = format!("FK{:04}{:02}{:02}", day.year(), day.month(), day.day());
        let mut seq = 0u32;
        while next < order.len() && w.payments[order[next]].paid_on == day {
            seq += 1;
            let i = order[next];
            let mut p = w.payments[i].clone();
            p.payment_id = format!("{ymd}{seq:05}");
            ids[i].clone_from(&p.payment_id);
            out.row(&p)?;
            next += 1;
        }
        let Some(k) = w.wd_index(day) else { continue };
        for _ in 0..quotas[k] {
            seq += 1;
            row.payment_id.clear();
            let _ = write!(row.payment_id, "{ymd}{seq:05}");
            invoice_seq += 1;
            background_row(w, &pools, &mut rng, day, invoice_seq, &mut row);
            out.row(&row)?;
            if out.rows() % 65_536 == 0 {
                progress("payments", out.rows());
            }
        }
    }
    let n = out.finish()?;
    progress("payments", n);
    Ok((n, ids))
}

fn set(s: &mut String, v: &str) {
    s.clear();
    s.push_str(v);
}

fn background_row(
    w: &World,
    pools: &Pools,
    rng: &mut impl Rng,
    day: NaiveDate,
    seq: u64,
    row: &mut Payment,
) {
    let mut app = pools.staff[rng.random_range(0..pools.staff.len())];
    for _ in 0..8 {
        if w.active(app, day) {
            break;
        }
        app = pools.staff[rng.random_range(0..pools.staff.len())];
    }
    if !w.active(app, day) {
        app = pools.finance_head;
    }
    let appr = if app == pools.finance_head {
        pools.cfo
    } else {
        pools.finance_head
    };
    let person = &w.persons[app];
    set(&mut row.unit_id, &person.unit_id);
    row.paid_on = day;
    row.approved_at = Some(World::office_time(rng, day));
    set(&mut row.applicant_id, &person.person_id);
    set(&mut row.approver_id, &w.persons[appr].person_id);
    row.contract_id.clear();
    row.payee_person_id.clear();
    row.payee_company_id.clear();
    row.invoice_no.clear();
    let r: f64 = rng.random();
    if r < 0.35 {
        let (purpose, line) = REIMBURSE[rng.random_range(0..REIMBURSE.len())];
        row.amount = lognormal(rng, 650.0, 0.9, 20.0, 20_000.0);
        set(&mut row.payee_name, &person.name);
        set(&mut row.payee_person_id, &person.person_id);
        set(&mut row.payee_account, &person.bank_account);
        set(&mut row.purpose, purpose);
        set(&mut row.budget_line, line);
        row.method = "transfer";
        return;
    }
    let (c, purpose, line) = pools.suppliers[rng.random_range(0..pools.suppliers.len())];
    let company = &w.companies[c];
    set(&mut row.payee_name, &company.name);
    set(&mut row.payee_company_id, &company.company_id);
    set(&mut row.payee_account, &company.bank_account);
    // An affine bijection of the counter modulo 10^15: unique, but not in order.
    let mixed =
        ((u128::from(seq) * 738_552_793_191_113 + 91_357_211) % 1_000_000_000_000_000) as u64;
    let _ = write!(row.invoice_no, "{:02}332{mixed:015}", day.year() % 100);
    if r < 0.975 {
        row.amount = lognormal(rng, 4_000.0, 1.1, 50.0, 48_000.0);
        set(&mut row.purpose, purpose);
        set(&mut row.budget_line, line);
        row.method = "transfer";
    } else {
        row.amount = lognormal(rng, 300.0, 0.6, 20.0, 1_000.0);
        set(&mut row.purpose, "零星购置（备用金）");
        set(&mut row.budget_line, "30201");
        row.method = "cash";
        set(&mut row.payee_account, "");
    }
}
