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
    let ev: Vec<EvidenceRow> = (0..p.len())
        .map(|i| EvidenceRow {
            dataset: "payments".into(),
            batch: "b".into(),
            row: i as i64,
        })
        .collect();
    let f = findings(&got, &p, Category::Fun, "company", &ev, &Params::default()).unwrap();
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
