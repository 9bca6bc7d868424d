//! Rule oracles: the simplest form of some rules, run over `small`, may only hit rows the
//! ground truth names, so that measured precision reflects the rules, not generator noise.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::{read, small, truth};

#[test]
fn normal_activity_does_not_trip_simple_rules() {
    let g = small();
    let dir = g.dir.path();
    let labelled: HashSet<(String, String)> = truth(dir)
        .iter()
        .flat_map(|l| {
            l["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["dataset"].as_str().unwrap().to_owned(),
                        r["key"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let is = |ds: &str, key: &str| labelled.contains(&(ds.to_owned(), key.to_owned()));
    let cal = qinglian_core::calendar::Calendar::builtin();
    let pay = read(dir, "payments");
    let (id, paid, app, appr, amount) = (
        pay.col("payment_id"),
        pay.col("paid_on"),
        pay.col("applicant_id"),
        pay.col("approver_id"),
        pay.col("amount"),
    );
    let mut large = 0;
    for r in &pay.rows {
        let day = NaiveDate::parse_from_str(&r[paid], "%Y-%m-%d").unwrap();
        if !cal.is_working_day(day) || r[app] == r[appr] {
            assert!(
                is("payments", &r[id]),
                "unlabelled payment {} on {day} or self-approved",
                r[id]
            );
        }
        large += usize::from(r[amount].parse::<f64>().unwrap() >= 500_000.0);
    }
    assert!(large > 10, "large payments exist");
    let bids = read(dir, "bids");
    let tenders = read(dir, "tenders");
    let deadline: HashMap<&str, &str> = tenders
        .values("tender_id")
        .zip(tenders.values("deadline_at"))
        .collect();
    for (n, r) in bids.rows.iter().enumerate() {
        let late =
            r[bids.col("submitted_at")].as_str() > deadline[r[bids.col("tender_id")].as_str()];
        if late {
            assert!(
                is("bids", &r[bids.col("bid_id")]),
                "unlabelled late bid at row {n}"
            );
        }
    }
    let mut prices: HashMap<(&str, &str), usize> = HashMap::new();
    for r in &bids.rows {
        *prices
            .entry((
                r[bids.col("tender_id")].as_str(),
                r[bids.col("amount")].as_str(),
            ))
            .or_default() += 1;
    }
    for r in &bids.rows {
        if prices[&(
            r[bids.col("tender_id")].as_str(),
            r[bids.col("amount")].as_str(),
        )] > 1
        {
            assert!(
                is("bids", &r[bids.col("bid_id")]),
                "unlabelled identical bid price"
            );
        }
    }
    let attendance = read(dir, "attendance");
    let on_leave: HashSet<(&str, &str)> = attendance
        .rows
        .iter()
        .filter(|r| r[attendance.col("status")] == "leave")
        .map(|r| {
            (
                r[attendance.col("person_id")].as_str(),
                r[attendance.col("date")].as_str(),
            )
        })
        .collect();
    let claims = read(dir, "expense_claims");
    for r in &claims.rows {
        if on_leave.contains(&(
            r[claims.col("person_id")].as_str(),
            r[claims.col("expense_date")].as_str(),
        )) {
            assert!(
                is("expense_claims", &r[claims.col("claim_id")]),
                "unlabelled claim on leave"
            );
        }
    }
    let persons = read(dir, "persons");
    let left: HashMap<&str, &str> = persons
        .values("person_id")
        .zip(persons.values("leave_date"))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let payroll = read(dir, "payroll");
    for (key, r) in payroll.keys("payroll").iter().zip(&payroll.rows) {
        let after = left
            .get(r[payroll.col("person_id")].as_str())
            .is_some_and(|l| r[payroll.col("period")][..7] > l[..7]);
        if after {
            assert!(is("payroll", key), "unlabelled pay after leaving: {key}");
        }
    }
    let vehicles = read(dir, "vehicles");
    let tank: HashMap<&str, f64> = vehicles
        .values("vehicle_id")
        .zip(vehicles.values("tank_liters").map(|v| v.parse().unwrap()))
        .collect();
    let fuel = read(dir, "fuel_transactions");
    for r in &fuel.rows {
        let liters: f64 = r[fuel.col("liters")].parse().unwrap();
        if liters > tank[r[fuel.col("vehicle_id")].as_str()] || r[fuel.col("product")] == "non_fuel"
        {
            assert!(is("fuel_transactions", &r[fuel.col("txn_id")]));
        }
    }
}
