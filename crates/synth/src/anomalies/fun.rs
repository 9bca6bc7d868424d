//! FUN — funds and payments: duplicates, payments without or above a contract, payments
//! on non-working days, self-approval, money to staff or relatives' accounts, large
//! cash, a monthly surge, a fabricated payee breaking Benford, round amounts.

use chrono::{Days, NaiveDate};
use qinglian_core::calendar::DayKind;
use rand::Rng;

use super::{fresh_company, n, r};
use crate::funds::pay_company;
use crate::procurement;
use crate::suppliers::{CATEGORIES, regular_of};
use crate::truth::RowRef;
use crate::world::{World, d};
use crate::writer::Money;

/// A small purchase without contract (like the background ones), structured.
fn small(
    w: &mut World,
    rng: &mut impl Rng,
    unit: &str,
    day: NaiveDate,
    company: usize,
    amount: Money,
) -> usize {
    let cat = w.cm[company].category;
    let line = CATEGORIES
        .iter()
        .find(|c| c.0 == cat)
        .map_or("30201", |c| c.3);
    let purpose = format!(
        "{}零星采购",
        CATEGORIES.iter().find(|c| c.0 == cat).map_or("", |c| c.1)
    );
    pay_company(w, rng, unit, day, amount, company, purpose, line, "")
}

fn any_regular(w: &World, rng: &mut impl Rng) -> usize {
    let pool = regular_of(
        w,
        crate::names::pick(
            rng,
            &["office", "it", "media", "vehicle_service", "catering"],
        ),
    );
    pool[rng.random_range(0..pool.len())]
}

fn amount(rng: &mut impl Rng, lo: i64, hi: i64) -> Money {
    Money(rng.random_range(lo * 100..hi * 100))
}

fn pay_id(w: &World, k: usize) -> (&'static str, String) {
    ("payee", w.payments[k].payee_name.clone())
}

pub fn inject(w: &mut World) {
    let mut rng = w.rng("anomaly-fun");
    let rng = &mut rng;
    for _ in 0..n(w, 3) {
        let c = any_regular(w, rng);
        let day = w.rand_workday(rng, d(2024, 1, 10), d(2025, 11, 30));
        let amt = amount(rng, 8_000, 45_000);
        let a = small(w, rng, "D01", day, c, amt);
        let mut dup = w.payments[a].clone();
        dup.paid_on = w.add_wd(day, rng.random_range(3..12));
        dup.approved_at = Some(World::office_time(rng, dup.paid_on));
        w.payments.push(dup);
        let b = w.payments.len() - 1;
        w.anomaly(
            "fun_duplicate_payment",
            "同一收款人、同一金额、同一发票号在数日内支付两次".into(),
            pay_id(w, a),
            vec![RowRef::Payment(a), RowRef::Payment(b)],
        );
    }
    monthly_fee_lookalike(w, rng);
    for _ in 0..n(w, 3) {
        let cat = crate::names::pick(rng, &["equipment", "works"]);
        let c = fresh_company(w, rng, cat);
        let day = w.rand_workday(rng, d(2024, 1, 10), d(2025, 11, 30));
        let amt = amount(rng, 150_000, 450_000);
        let k = pay_company(
            w,
            rng,
            "D10",
            day,
            amt,
            c,
            "设备及安装款".into(),
            "31002",
            "",
        );
        w.anomaly(
            "fun_no_contract",
            "向无任何合同的供应商支付大额款项".into(),
            pay_id(w, k),
            vec![RowRef::Payment(k)],
        );
    }
    for _ in 0..n(w, 2) {
        let cat = crate::names::pick(rng, &["office", "furniture"]);
        let est = Money::yuan(rng.random_range(300..800) * 1000);
        let published = w.rand_workday(rng, d(2024, 2, 1), d(2024, 10, 31));
        let p = procurement::normal_plan(w, rng, cat, est, published);
        let o = procurement::run(w, rng, &p);
        let c = o.contract.expect("awarded");
        let last = o
            .payments
            .last()
            .map_or(w.contracts[c].signed_on, |&k| w.payments[k].paid_on);
        let company = w
            .company_index(&w.contracts[c].supplier_company_id)
            .expect("exists");
        let (cid, extra) = (
            w.contracts[c].contract_id.clone(),
            w.contracts[c].amount.scale(rng.random_range(0.15..0.25)),
        );
        let day = w.add_wd(last, 20);
        let k = pay_company(
            w,
            rng,
            &p.unit,
            day,
            extra,
            company,
            format!("{}补充货款", p.title),
            "31002",
            &cid,
        );
        let mut rows = vec![r(&w.contracts[c])];
        rows.extend(o.payments.iter().chain([&k]).map(|&x| RowRef::Payment(x)));
        w.anomaly(
            "fun_over_contract",
            "累计支付金额超过合同金额且无变更".into(),
            ("contract", cid),
            rows,
        );
    }
    nonworking(w, rng);
    for _ in 0..n(w, 3) {
        let c = any_regular(w, rng);
        let day = w.rand_workday(rng, d(2024, 1, 10), d(2025, 11, 30));
        let amt = amount(rng, 3_000, 40_000);
        let k = small(w, rng, "D04", day, c, amt);
        w.payments[k].applicant_id = w.payments[k].approver_id.clone();
        w.anomaly(
            "fun_self_approval",
            "经办人与审批人为同一人".into(),
            pay_id(w, k),
            vec![RowRef::Payment(k)],
        );
    }
    staff_accounts(w, rng);
    for _ in 0..n(w, 3) {
        let c = any_regular(w, rng);
        let day = w.rand_workday(rng, d(2024, 1, 10), d(2025, 11, 30));
        let amt = amount(rng, 52_000, 98_000);
        let k = small(w, rng, "D14", day, c, amt);
        w.payments[k].method = "cash";
        w.payments[k].payee_account.clear();
        w.payments[k].purpose = "现金支付材料款".into();
        w.anomaly(
            "fun_large_cash",
            "大额现金支付".into(),
            pay_id(w, k),
            vec![RowRef::Payment(k)],
        );
    }
    surge(w, rng);
    patterned(w, rng);
}

/// A monthly cleaning fee: same payee and amount every month, different invoices (normal).
fn monthly_fee_lookalike(w: &mut World, rng: &mut impl Rng) {
    let p = procurement::Plan {
        pay: false,
        ..procurement::normal_plan(w, rng, "property", Money::yuan(216_000), d(2024, 1, 15))
    };
    let o = procurement::run(w, rng, &p);
    let c = o.contract.expect("awarded");
    let company = w
        .company_index(&w.contracts[c].supplier_company_id)
        .expect("exists");
    let (cid, fee) = (
        w.contracts[c].contract_id.clone(),
        Money(w.contracts[c].amount.0 / 12),
    );
    let start = w.contracts[c].start_on.expect("set");
    let mut ks = Vec::new();
    for m in 1..=12 {
        let day = w.workday_from(start + chrono::Months::new(m));
        if day < World::end() {
            ks.push(pay_company(
                w,
                rng,
                &p.unit,
                day,
                fee,
                company,
                format!("保洁服务费（{m}月）"),
                "30209",
                &cid,
            ));
        }
    }
    w.lookalike(
        "fun_duplicate_payment",
        "按月支付的保洁服务费金额相同但发票不同（正常）".into(),
        ("contract", cid),
        vec![RowRef::Payment(ks[0]), RowRef::Payment(ks[1])],
    );
}

fn nonworking(w: &mut World, rng: &mut impl Rng) {
    let days: Vec<(NaiveDate, DayKind)> = World::start()
        .iter_days()
        .take_while(|x| *x < World::end())
        .map(|x| (x, w.cal.day_kind(x)))
        .collect();
    let weekends: Vec<NaiveDate> = days
        .iter()
        .filter(|x| x.1 == DayKind::Weekend)
        .map(|x| x.0)
        .collect();
    let holidays: Vec<NaiveDate> = days
        .iter()
        .filter(|x| matches!(x.1, DayKind::Holiday(_)))
        .map(|x| x.0)
        .collect();
    let swapped: Vec<NaiveDate> = days
        .iter()
        .filter(|x| matches!(x.1, DayKind::SwappedWorkday(_)))
        .map(|x| x.0)
        .collect();
    for i in 0..n(w, 4) {
        let (day, what) = if i % 2 == 0 {
            (weekends[rng.random_range(0..weekends.len())], "周末")
        } else {
            (holidays[rng.random_range(0..holidays.len())], "法定节假日")
        };
        let c = any_regular(w, rng);
        let amt = amount(rng, 5_000, 45_000);
        let k = small(w, rng, "D01", day, c, amt);
        w.anomaly(
            "fun_nonworking_day_payment",
            format!("{what}（{day}）审批并支付，无应急决策"),
            pay_id(w, k),
            vec![RowRef::Payment(k)],
        );
    }
    let day = swapped[rng.random_range(0..swapped.len())];
    let c = any_regular(w, rng);
    let amt = amount(rng, 5_000, 45_000);
    let k = small(w, rng, "D01", day, c, amt);
    w.lookalike(
        "fun_nonworking_day_payment",
        format!("{day}为调休上班日，属工作日（正常）"),
        pay_id(w, k),
        vec![RowRef::Payment(k)],
    );
}

fn staff_accounts(w: &mut World, rng: &mut impl Rng) {
    let staff: Vec<usize> = (0..w.persons.len())
        .filter(|&i| {
            w.persons[i].grade == "G4" && w.persons[i].leave_date.is_none() && !w.pm[i].reserved
        })
        .collect();
    for _ in 0..n(w, 2) {
        let p = staff[rng.random_range(0..staff.len())];
        let day = w.rand_workday(rng, d(2024, 3, 1), d(2025, 11, 30));
        let c = any_regular(w, rng);
        let amt = amount(rng, 20_000, 48_000);
        let k = small(w, rng, "D09", day, c, amt);
        let pay = &mut w.payments[k];
        pay.payee_name = w.persons[p].name.clone();
        pay.payee_company_id.clear();
        pay.payee_account = w.persons[p].bank_account.clone();
        pay.purpose = "技术咨询服务费".into();
        pay.budget_line = "30227".into();
        w.anomaly(
            "fun_payee_is_employee",
            format!("以咨询服务费名义付款给本单位职工{}", w.persons[p].name),
            ("person", w.persons[p].person_id.clone()),
            vec![RowRef::Payment(k), r(&w.persons[p])],
        );
    }
    for _ in 0..n(w, 2) {
        let p = staff[rng.random_range(0..staff.len())];
        let c = fresh_company(w, rng, "media");
        let day = w.rand_workday(rng, d(2024, 3, 1), d(2025, 11, 30));
        let amt = amount(rng, 20_000, 48_000);
        let k = small(w, rng, "D15", day, c, amt);
        w.payments[k].payee_account = w.persons[p].bank_account.clone();
        w.anomaly(
            "fun_payee_account_staff",
            format!("供应商款项打入职工{}的工资卡", w.persons[p].name),
            ("person", w.persons[p].person_id.clone()),
            vec![RowRef::Payment(k), r(&w.persons[p])],
        );
    }
    let rels: Vec<usize> = (0..w.relations.len())
        .filter(|&i| !w.relations[i].relative_bank_account.is_empty())
        .collect();
    for _ in 0..n(w, 2) {
        let rel = rels[rng.random_range(0..rels.len())];
        let c = fresh_company(w, rng, "catering");
        let day = w.rand_workday(rng, d(2024, 3, 1), d(2025, 11, 30));
        let amt = amount(rng, 20_000, 48_000);
        let k = small(w, rng, "D01", day, c, amt);
        w.payments[k].payee_account = w.relations[rel].relative_bank_account.clone();
        let desc = format!(
            "供应商款项打入{}的特定关系人{}的账户",
            w.relations[rel].person_id, w.relations[rel].relative_name
        );
        w.anomaly(
            "fun_payee_account_relative",
            desc,
            ("person", w.relations[rel].person_id.clone()),
            vec![RowRef::Payment(k), r(&w.relations[rel])],
        );
    }
}

/// 党群工作部: all its payments are structured; December 2025 is five times its usual.
fn surge(w: &mut World, rng: &mut impl Rng) {
    w.no_background_units.insert("D02".into());
    let mut rows = Vec::new();
    for m in 0..24 {
        let first = d(2024, 1, 1) + chrono::Months::new(m);
        let last = first + chrono::Months::new(1) - Days::new(1);
        let count = if m == 23 { 45 } else { rng.random_range(6..11) };
        for _ in 0..count {
            let c = any_regular(w, rng);
            let day = w.rand_workday(rng, first, last);
            let amt = amount(rng, 1_000, 30_000);
            let k = small(w, rng, "D02", day, c, amt);
            if m == 23 {
                rows.push(RowRef::Payment(k));
            }
        }
    }
    w.anomaly(
        "fun_monthly_surge",
        "党群工作部2025年12月支付笔数和金额约为平时的5倍（年底突击花钱）".into(),
        ("unit_month", "D02|2025-12".into()),
        rows,
    );
}

/// A fabricated payee whose amounts start with 4 and 9, and a payee paid only round sums.
fn patterned(w: &mut World, rng: &mut impl Rng) {
    let c = fresh_company(w, rng, "office");
    let mut rows = Vec::new();
    for _ in 0..80 {
        let day = w.rand_workday(rng, d(2024, 1, 8), d(2025, 12, 20));
        let a = if rng.random_bool(0.6) {
            Money::yuan(rng.random_range(45_000..49_800))
        } else {
            Money::yuan(rng.random_range(9_000..9_950))
        };
        rows.push(RowRef::Payment(small(w, rng, "D01", day, c, a)));
    }
    let id = w.companies[c].company_id.clone();
    w.anomaly(
        "fun_benford_fabricated",
        "同一收款方80笔付款金额首位集中于4和9，紧贴审批限额，明显偏离本福特分布".into(),
        ("company", id),
        rows,
    );
    let c = fresh_company(w, rng, "consulting");
    let mut rows = Vec::new();
    for _ in 0..24 {
        let day = w.rand_workday(rng, d(2024, 1, 8), d(2025, 12, 20));
        let tens = rng.random_range(1..5);
        let k = small(w, rng, "D09", day, c, Money::yuan(tens * 10_000));
        w.payments[k].purpose = "咨询费".into();
        rows.push(RowRef::Payment(k));
    }
    let id = w.companies[c].company_id.clone();
    w.anomaly(
        "fun_round_amounts",
        "同一收款方24笔付款全部为整万元".into(),
        ("company", id),
        rows,
    );
}
