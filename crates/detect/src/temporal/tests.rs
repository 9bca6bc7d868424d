use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ev(date: NaiveDate, time: Option<(u32, u32)>, fen: i64) -> Event<'static> {
    Event {
        unit: "财务处",
        date,
        time: time.map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap()),
        amount_fen: fen,
        what: None,
    }
}

#[test]
fn weekends_holidays_swapped_days_and_nights() {
    let cal = Calendar::builtin();
    let e = vec![
        ev(d(2024, 3, 9), None, 100),            // Saturday
        ev(d(2024, 2, 12), Some((10, 0)), 100),  // Spring Festival
        ev(d(2024, 2, 4), Some((10, 0)), 100),   // Sunday made a working day
        ev(d(2024, 3, 11), Some((23, 30)), 100), // Monday night
        ev(d(2024, 3, 11), Some((9, 0)), 100),   // ordinary
        ev(d(2024, 3, 12), Some((5, 59)), 100),  // before six
    ];
    let o = off_hours(&e, &cal, &Params::default());
    let idx: Vec<usize> = o.iter().map(|x| x.index).collect();
    assert_eq!(idx, vec![0, 1, 3, 5]);
    assert_eq!(o[1].reasons, vec![OffReason::Holiday("春节".into())]);
    let subjects: Vec<Subject> = (0..e.len())
        .map(|i| Subject {
            kind: "payment".into(),
            id: format!("P{i}"),
            name: None,
        })
        .collect();
    let rows: Vec<EvidenceRow> = (0..e.len())
        .map(|i| EvidenceRow {
            dataset: "payments".into(),
            batch: "b".into(),
            row: i as i64,
        })
        .collect();
    let f = findings(
        &o,
        &[],
        &e,
        &subjects,
        Category::Fun,
        &rows,
        &Params::default(),
    )
    .unwrap();
    assert!(
        f[1].explanation_zh.contains("法定节假日（春节）"),
        "{}",
        f[1].explanation_zh
    );
    assert_eq!(f[1].severity, Severity::Medium);
    assert!(f[1].explanation_zh.contains("金额 1.00 元的业务"));
    assert_eq!(f[1].amount.map(|m| m.fen()), Some(e[1].amount_fen));
    // A record without an amount (a vehicle trip) is named by what it is, not as "0.00 yuan".
    let trips: Vec<Event<'_>> = e
        .iter()
        .map(|x| Event {
            amount_fen: 0,
            what: Some(["未经审批的出车", "An unapproved vehicle trip"]),
            ..*x
        })
        .collect();
    let t = findings(
        &o,
        &[],
        &trips,
        &subjects,
        Category::Ast,
        &rows,
        &Params::default(),
    )
    .unwrap();
    assert!(
        t[1].explanation_zh
            .starts_with("P1 2024-02-12 未经审批的出车发生在法定节假日（春节）"),
        "{}",
        t[1].explanation_zh
    );
    assert!(
        t[1].explanation_en
            .starts_with("An unapproved vehicle trip of P1 on")
    );
    assert!(!t[1].explanation_zh.contains("0.00"));
    assert_eq!(t[1].amount, None);
}

#[test]
fn a_december_rush_is_a_year_end_surge() {
    let mut e = Vec::new();
    for m in 1..=11 {
        e.push(ev(d(2024, m, 10), None, 1_000_000 + i64::from(m) * 10_000));
    }
    e.push(ev(d(2024, 12, 20), None, 5_000_000));
    let s = surges(&e, &Params::default());
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!((s[0].year, s[0].month), (2024, 12));
    assert!(s[0].year_end);
    assert!((s[0].ratio - 5_000_000.0 / 1_060_000.0).abs() < 1e-9);
    assert_eq!(s[0].history, 11);
}

#[test]
fn steady_or_short_histories_stay_silent() {
    let steady: Vec<Event<'_>> = (1..=12)
        .map(|m| ev(d(2024, m, 10), None, 1_000_000 + i64::from(m % 3) * 100_000))
        .collect();
    assert!(surges(&steady, &Params::default()).is_empty());
    let short: Vec<Event<'_>> = vec![
        ev(d(2024, 1, 1), None, 100),
        ev(d(2024, 2, 1), None, 100_000),
    ];
    assert!(surges(&short, &Params::default()).is_empty());
}

#[test]
fn by_rows_a_lumpy_payment_is_no_rush_but_five_times_the_payments_are() {
    let by_rows = Params {
        surge_by_rows: true,
        ..Params::default()
    };
    // One payment a month, then one huge instalment: a surge of amount, not of rows.
    let mut lumpy: Vec<Event<'_>> = (1..=11)
        .map(|m| ev(d(2024, m, 10), None, 1_000_000))
        .collect();
    lumpy.push(ev(d(2024, 12, 10), None, 90_000_000));
    assert_eq!(surges(&lumpy, &Params::default()).len(), 1);
    assert!(surges(&lumpy, &by_rows).is_empty());
    // Two or three payments a month, then fifteen small ones in December.
    let mut rush: Vec<Event<'_>> = (1..=11)
        .flat_map(|m| (0..2 + m % 2).map(move |k| ev(d(2024, m, 3 + k), None, 500_000)))
        .collect();
    rush.extend((0..15).map(|k| ev(d(2024, 12, 1 + k), None, 100_000)));
    let s = surges(&rush, &by_rows);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].rows.len(), 15);
    assert_eq!(
        s[0].baseline_rows,
        Some(3.0),
        "six months of three, five of two"
    );
    assert_eq!(s[0].total_fen, 1_500_000, "the amount is still the month's");
    let subjects: Vec<Subject> = rush
        .iter()
        .map(|_| Subject {
            kind: "department".into(),
            id: "财务处".into(),
            name: None,
        })
        .collect();
    let evidence: Vec<EvidenceRow> = (0..rush.len())
        .map(|i| EvidenceRow {
            dataset: "payments".into(),
            batch: "b".into(),
            row: i as i64 + 2,
        })
        .collect();
    let f = findings(
        &[],
        &s,
        &rush,
        &subjects,
        Category::Fun,
        &evidence,
        &by_rows,
    );
    let f = f.expect("findings");
    assert!(
        f[0].explanation_zh.contains("发生 15 笔"),
        "{}",
        f[0].explanation_zh
    );
    assert_eq!(f[0].facts["rows"], "15");
}
