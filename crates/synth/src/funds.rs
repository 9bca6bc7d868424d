//! Structured payments: contract instalments and other payments the generator needs to
//! know individually (anomalies, look-alikes). Each is made on a working day, applied
//! for by someone in the paying unit and approved by finance (the chief accountant for
//! large amounts), never by the applicant.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use crate::records::Payment;
use crate::suppliers::category_info;
use crate::world::{GROUP, World};
use crate::writer::Money;

/// A 20-digit fully digital invoice number (全电发票), unique; `series` keeps the
/// payment, claim and background ranges apart.
pub fn invoice_no(w: &mut World, rng: &mut impl Rng, day: NaiveDate, series: u8) -> String {
    let yy = day.year() % 100;
    w.unique(|| {
        format!(
            "{yy:02}33{series}{:015}",
            rng.random_range(0..1_000_000_000_000_000u64)
        )
    })
}

/// Picks an applicant in `unit` active on `day` (falls back to the unit head).
pub fn applicant(w: &World, rng: &mut impl Rng, unit: &str, day: NaiveDate, not: usize) -> usize {
    let staff: Vec<usize> = w
        .staff_of(unit)
        .into_iter()
        .filter(|&i| i != not && w.active(i, day) && !w.pm[i].reserved)
        .collect();
    if staff.is_empty() {
        return w.roles.unit_head.get(unit).copied().unwrap_or(w.roles.gm);
    }
    staff[rng.random_range(0..staff.len())]
}

/// The approver of a payment: the chief accountant above 200,000 yuan, else the head of finance.
pub fn approver(w: &World, amount: Money) -> usize {
    if amount >= Money::yuan(200_000) {
        w.roles.cfo
    } else {
        w.roles.unit_head["D04"]
    }
}

/// Adds a payment to a company; returns its index among the structured payments.
#[allow(clippy::too_many_arguments)]
pub fn pay_company(
    w: &mut World,
    rng: &mut impl Rng,
    unit: &str,
    day: NaiveDate,
    amount: Money,
    company: usize,
    purpose: String,
    budget_line: &str,
    contract_id: &str,
) -> usize {
    let appr = approver(w, amount);
    let app = applicant(w, rng, unit, day, appr);
    let invoice = invoice_no(w, rng, day, 1);
    let c = &w.companies[company];
    w.payments.push(Payment {
        unit_id: unit.into(),
        paid_on: day,
        approved_at: Some(World::office_time(rng, day)),
        amount,
        payee_name: c.name.clone(),
        payee_company_id: c.company_id.clone(),
        payee_account: c.bank_account.clone(),
        purpose,
        budget_line: budget_line.into(),
        contract_id: contract_id.into(),
        invoice_no: invoice,
        method: "transfer",
        applicant_id: w.persons[app].person_id.clone(),
        approver_id: w.persons[appr].person_id.clone(),
        ..Payment::default()
    });
    w.payments.len() - 1
}

/// Pays a goods or services contract on its usual schedule; returns the payment indexes.
pub fn contract_schedule(w: &mut World, rng: &mut impl Rng, contract: usize) -> Vec<usize> {
    let c = w.contracts[contract].clone();
    let company = w
        .company_index(&c.supplier_company_id)
        .expect("contract supplier exists");
    let category = w.cm[company].category;
    let (_, line) = category_info(category);
    let start = c.start_on.unwrap_or(c.signed_on);
    let mut out = Vec::new();
    let end = World::end();
    match c.kind {
        "services" => {
            let n = 4;
            let part = Money(c.amount.0 / n);
            for q in 1..=n {
                let due = start + chrono::Days::new(91 * q as u64);
                if due > end - chrono::Days::new(10) {
                    break;
                }
                let day = w.workday_from(due);
                let amt = if q == n {
                    c.amount - Money(part.0 * (n - 1))
                } else {
                    part
                };
                out.push(pay_company(
                    w,
                    rng,
                    &c.unit_id,
                    day,
                    amt,
                    company,
                    format!("{}服务费（第{q}期）", c.title),
                    line,
                    &c.contract_id,
                ));
            }
        }
        _ => {
            let mut paid = Money(0);
            if c.amount >= Money::yuan(100_000) {
                let adv = c.amount.scale(0.3);
                let day = w.add_wd(c.signed_on, rng.random_range(3..10));
                out.push(pay_company(
                    w,
                    rng,
                    &c.unit_id,
                    day,
                    adv,
                    company,
                    format!("{}预付款", c.title),
                    line,
                    &c.contract_id,
                ));
                paid = adv;
            }
            if let Some(done) = c.completed_on {
                let day = w.add_wd(done, rng.random_range(5..20));
                if day <= end {
                    out.push(pay_company(
                        w,
                        rng,
                        &c.unit_id,
                        day,
                        c.amount - paid,
                        company,
                        format!("{}验收款", c.title),
                        line,
                        &c.contract_id,
                    ));
                }
            }
        }
    }
    out
}

/// The unit that buys a category.
pub fn buyer_of(rng: &mut impl Rng, category: &str) -> &'static str {
    let choices: &[&str] = match category {
        "works" | "municipal" => &["D08", "D16", "S01"],
        "decoration" | "landscape" => &["D10", "D14", "S03"],
        "equipment" => &["D10", "D11", "S01"],
        "it" => &["D13"],
        "office" | "furniture" => &["D01", "D14"],
        "property" | "security" => &["S02", "D14"],
        "consulting" => &["D08", "D09", "D16"],
        "media" => &["D02", "D15"],
        "vehicle_service" => &["D14"],
        "catering" => &["D14", "D01"],
        "labour" => &["D03", "S02"],
        _ => &[GROUP],
    };
    choices[rng.random_range(0..choices.len())]
}
