use chrono::NaiveDate;
use qinglian_core::{Category, EvidenceRow, Severity};

use super::*;

fn d(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap() + chrono::Days::new(u64::from(day))
}

fn pay<'a>(payee: &'a str, yuan: i64, day: u32, invoice: Option<&'a str>) -> Payment<'a> {
    Payment {
        payee,
        amount_fen: yuan * 100,
        date: d(day),
        invoice,
    }
}

fn ev(n: usize) -> Vec<EvidenceRow> {
    crate::emit::test_evidence("payments", n)
}

#[test]
fn edit_distance_counts_typos_and_swaps() {
    assert_eq!(osa_distance("04412345", "04412345", 1), 0);
    assert_eq!(osa_distance("04412345", "04412845", 1), 1, "substitution");
    assert_eq!(osa_distance("04412345", "0441345", 1), 1, "deletion");
    assert_eq!(osa_distance("04412345", "04413245", 1), 1, "transposition");
    assert_eq!(
        osa_distance("04412345", "04421354", 1),
        2,
        "two edits exceed the limit"
    );
    assert_eq!(osa_distance("ab", "abcd", 1), 2);
    assert_eq!(osa_distance("发票一", "发票二", 2), 1);
}

#[test]
fn invoices_are_normalised() {
    assert_eq!(normalise_invoice(" ｎｏ.044-123 45 "), "NO04412345");
}

#[test]
fn finds_each_kind_once() {
    let p = vec![
        pay("A", 100, 0, Some("INV-001")),
        pay("A", 250, 40, Some("inv 001")), // same invoice, other amount
        pay("B", 5_000, 0, Some("88123456")),
        pay("B", 5_000, 30, Some("88123465")), // typo (swap)
        pay("C", 700, 0, Some("10000007")),
        pay("C", 700, 2, Some("10000008")), // consecutive
        pay("D", 9_999, 0, None),
        pay("D", 9_999, 10, None), // same amount in window
    ];
    let got = find(&p, &Params::default());
    let kinds: Vec<_> = got.iter().map(|x| (x.first, x.second, x.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (0, 1, DuplicateKind::SameInvoice),
            (2, 3, DuplicateKind::InvoiceTypo),
            (4, 5, DuplicateKind::ConsecutiveInvoices),
            (6, 7, DuplicateKind::SameAmount),
        ]
    );
    let f = findings(
        &got,
        &p,
        Category::Fun,
        "company",
        &ev(p.len()),
        &Params::default(),
    )
    .unwrap();
    assert_eq!(f[1].severity, Severity::High);
    assert_eq!(f[1].subject.id, "B");
    assert_eq!(f[1].evidence.len(), 2);
    assert!(
        f[1].explanation_zh.contains("发票号仅差一个字符"),
        "{}",
        f[1].explanation_zh
    );
    assert!(f[1].explanation_en.contains("30 days apart"));
    assert_eq!(f[3].severity, Severity::Medium);
}

#[test]
fn honest_look_alikes_stay_silent() {
    let p = vec![
        // Monthly rent: same payee and amount, a month apart, distinct invoices.
        pay("L", 30_000, 0, Some("51000001")),
        pay("L", 30_000, 31, Some("51000917")),
        // Same amount, different payees.
        pay("X", 1_000, 0, Some("1")),
        pay("Y", 1_000, 0, Some("2")),
        // Similar invoice number, different amount.
        pay("Z", 10, 0, Some("77000001")),
        pay("Z", 11, 1, Some("77000011")),
        // Same invoice, beyond a year.
        pay("W", 10, 0, Some("Q1")),
        pay("W", 10, 400, Some("Q1")),
    ];
    assert!(find(&p, &Params::default()).is_empty());
}

#[test]
fn small_amounts_can_be_ignored() {
    let p = vec![pay("A", 5, 0, None), pay("A", 5, 1, None)];
    let params = Params {
        min_amount_fen: 10_000,
        ..Params::default()
    };
    assert!(find(&p, &params).is_empty());
    assert_eq!(find(&p, &Params::default()).len(), 1);
}

#[test]
fn a_run_of_consecutive_invoices_on_different_days_is_reported_once() {
    let p = vec![
        pay("E1", 432, 200, Some("25334611520415948506")),
        pay("E1", 718, 120, Some("25334611520415948507")),
        pay("E2", 300, 5, Some("25334611520415948508")), // another claimant: not in E1's run
        pay("E1", 307, 150, Some("25334611520415948508")),
        pay("E1", 366, 10, Some("2533461152 0415948509")), // spaces are normalised away
        pay("E1", 90, 11, Some("25334611520415948777")),   // a gap ends the run
    ];
    let runs = invoice_runs(&p, 3);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let r = &runs[0];
    assert_eq!(r.rows, vec![0, 1, 3, 4]);
    assert_eq!((r.numbers, r.days), (4, 4));
    assert_eq!(r.first, "25334611520415948506");
    assert_eq!(r.last, "25334611520415948509");
    let f = run_findings(
        &runs,
        &p,
        Category::Exp,
        "person",
        &ev(p.len()),
        &Params::default(),
    )
    .unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence.len(), 4);
    assert_eq!(f[0].amount.unwrap().fen(), (432 + 718 + 307 + 366) * 100);
    assert_eq!(f[0].severity, Severity::Medium);
    assert!(f[0].explanation_zh.contains("持有 4 张号码相连的发票"));
    assert_eq!(f[0].facts["kind"], "InvoiceRun");
}

#[test]
fn short_runs_same_day_runs_and_a_zero_minimum_stay_silent() {
    let two = vec![
        pay("E1", 10, 1, Some("BX-0007")),
        pay("E1", 20, 9, Some("BX-0008")),
    ];
    assert!(invoice_runs(&two, 3).is_empty(), "two numbers are no run");
    let same_day = vec![
        pay("E1", 10, 1, Some("BX0007")),
        pay("E1", 20, 1, Some("BX0008")),
        pay("E1", 30, 1, Some("BX0009")),
    ];
    assert!(
        invoice_runs(&same_day, 3).is_empty(),
        "one meal's invoices are issued together"
    );
    let prefixes = vec![
        pay("E1", 10, 1, Some("AX0007")),
        pay("E1", 20, 5, Some("BX0008")),
        pay("E1", 30, 9, Some("CX0009")),
    ];
    assert!(
        invoice_runs(&prefixes, 3).is_empty(),
        "three different pads"
    );
    let mut run = same_day.clone();
    run[2].date = d(4);
    assert_eq!(invoice_runs(&run, 3).len(), 1, "letters before the serial");
    assert!(invoice_runs(&run, 0).is_empty(), "off");
    assert!(
        invoice_runs(&[pay("E1", 1, 1, Some("X")), pay("E1", 1, 2, None)], 2).is_empty(),
        "no serial, no invoice"
    );
}
