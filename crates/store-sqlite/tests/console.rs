//! The console's read models on a real SQLite file: the dashboard's tallies (kept by triggers)
//! against the warnings themselves, and the index each general inbox filter reads.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use qinglian_core::Severity;
use qinglian_store::{
    ConsoleFilter, ConsoleStore, Disposition, Level, MetricRow, NewWarning, Verdict, WarningState,
    WarningStore,
};
use qinglian_store_sqlite::{LoadedWarning, SqliteStore};

const STATES: [WarningState; 8] = WarningState::ALL;

/// Warning `i` of a deterministic spread over departments, rules, levels, states, dispositions,
/// months and deadlines (closed ones on time or late).
fn warning(i: u32) -> LoadedWarning {
    let state = STATES[(i % 8) as usize];
    let created =
        Utc.with_ymd_and_hms(2025, 1, 1, 20, 0, 0).unwrap() + Duration::days(i64::from(i * 3));
    let deadline = (created + Duration::days(10)).date_naive();
    let closed_at = state
        .is_closed()
        .then(|| created + Duration::days(if i.is_multiple_of(3) { 15 } else { 5 }));
    let disposition = match state {
        WarningState::Closed => Some(if i.is_multiple_of(2) {
            Disposition::Rectified
        } else {
            Disposition::Referred
        }),
        WarningState::ClosedFalsePositive => Some(
            [
                Disposition::DataError,
                Disposition::Legitimate,
                Disposition::RuleTooBroad,
                Disposition::Duplicate,
            ][(i / 8 % 4) as usize],
        ),
        WarningState::Confirmed | WarningState::Rectification => Some(Disposition::Confirmed),
        _ => None,
    };
    LoadedWarning {
        warning: NewWarning {
            finding_id: None,
            source_id: ["FUN-001", "FUN-002", "PRO-007", "COI-003"][(i % 4) as usize].into(),
            subject_kind: "company".into(),
            subject_id: format!("C{i}"),
            subject_name: None,
            department: ["财务部", "工程部", "采购部"][(i % 3) as usize].into(),
            severity: Severity::Medium,
            amount_fen: Some(i64::from(i) * 1000),
            title_zh: "预警".into(),
            title_en: "warning".into(),
            level: Level::ALL[(i % 3) as usize],
            level_reason: "{}".into(),
            state,
            assignee: None,
            deadline,
            created_at: created,
        },
        disposition,
        confirmed_at: None,
        closed_at,
        rectification: matches!(state, WarningState::Rectification)
            || (state == WarningState::Closed && i.is_multiple_of(2)),
        history: Vec::new(),
    }
}

async fn seeded(dir: &tempfile::TempDir) -> SqliteStore {
    let s = SqliteStore::open(&dir.path().join("desk.sqlite"), true)
        .await
        .unwrap();
    let items: Vec<LoadedWarning> = (0..240).map(warning).collect();
    s.load_warnings(&items).await.unwrap();
    s
}

fn beijing_month(r: &MetricRow) -> String {
    (r.created_at + Duration::hours(8))
        .format("%Y-%m")
        .to_string()
}

#[tokio::test]
async fn the_tallies_count_what_the_warnings_say() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(&dir).await;
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let from = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let rows = s
        .metric_rows(from, Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(rows.len(), 240);
    for scope in [None, Some("工程部")] {
        let rows: Vec<&MetricRow> = rows
            .iter()
            .filter(|r| scope.is_none_or(|d| r.department == d))
            .collect();
        let t = s.dashboard_tallies(scope, today).await.unwrap();

        let mut months: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        for r in &rows {
            let cat = r.source_id.split('-').next().unwrap().to_owned();
            *months
                .entry((r.department.clone(), cat, beijing_month(r)))
                .or_default() += 1;
        }
        let got: BTreeMap<_, _> = t
            .months
            .iter()
            .map(|m| {
                (
                    (m.department.clone(), m.category.clone(), m.month.clone()),
                    m.n,
                )
            })
            .collect();
        assert_eq!(got, months, "{scope:?}");

        let mut rules: BTreeMap<(String, Verdict), u64> = BTreeMap::new();
        for r in &rows {
            let v = match r.disposition {
                Some(d) if d.is_true_positive() => Verdict::TruePositive,
                Some(d) if d.is_false_positive() => Verdict::FalsePositive,
                Some(_) => Verdict::Duplicate,
                None => Verdict::Open,
            };
            *rules.entry((r.source_id.clone(), v)).or_default() += 1;
        }
        let got: BTreeMap<_, _> = t
            .rules
            .iter()
            .map(|r| ((r.source_id.clone(), r.verdict), r.n))
            .collect();
        assert_eq!(got, rules, "{scope:?}");

        let on_time = rows
            .iter()
            .filter(|r| {
                r.state.is_closed()
                    && r.closed_at
                        .is_some_and(|c| (c + Duration::hours(8)).date_naive() <= r.deadline)
            })
            .count() as u64;
        let rectified = rows
            .iter()
            .filter(|r| {
                r.rectification
                    && r.state.is_closed()
                    && r.disposition == Some(Disposition::Rectified)
            })
            .count() as u64;
        let sum = |f: &dyn Fn(&qinglian_store::StateTally) -> bool| -> u64 {
            t.states.iter().filter(|x| f(x)).map(|x| x.n).sum()
        };
        assert_eq!(sum(&|_| true), rows.len() as u64);
        assert_eq!(sum(&|x| x.on_time), on_time, "{scope:?}");
        if scope.is_none() {
            assert!(on_time > 0 && on_time < sum(&|x| x.state.is_closed()));
        }
        assert_eq!(sum(&|x| x.rectified), rectified, "{scope:?}");
        assert_eq!(
            sum(&|x| x.rectification),
            rows.iter().filter(|r| r.rectification).count() as u64
        );
        for l in Level::ALL {
            assert_eq!(
                sum(&|x| x.level == l),
                rows.iter().filter(|r| r.level == l).count() as u64
            );
        }
        let overdue = rows
            .iter()
            .filter(|r| !r.state.is_closed() && r.deadline < today)
            .count() as u64;
        assert_eq!(t.overdue, overdue, "{scope:?}");
        assert!(overdue > 0);
    }
}

#[tokio::test]
async fn a_change_of_state_moves_a_warning_between_tallies() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(&dir).await;
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let before = s.dashboard_tallies(None, today).await.unwrap();
    // Warning 1 (FUN-002, 工程部) is assigned: close it as legitimate.
    let w = s.get_warning(2).await.unwrap().unwrap();
    assert_eq!(w.state, WarningState::Assigned);
    let change = qinglian_store::WarningChange {
        state: WarningState::ClosedFalsePositive,
        level: w.level,
        assignee: w.assignee.clone(),
        disposition: Some(Disposition::Legitimate),
        deadline: w.deadline,
        confirmed_at: None,
        closed_at: Some(w.created_at + Duration::days(1)),
        reset_reminder: false,
    };
    let entry = qinglian_store::TransitionRecord {
        warning_id: 2,
        seq: 0,
        action: "close".into(),
        from_state: Some(w.state),
        to_state: WarningState::ClosedFalsePositive,
        from_level: Some(w.level),
        to_level: w.level,
        actor: "甲".into(),
        at: w.created_at + Duration::days(1),
        comment: None,
        disposition: Some(Disposition::Legitimate),
        attachments: Vec::new(),
    };
    s.apply_change(2, w.version, &change, &entry).await.unwrap();
    let after = s.dashboard_tallies(None, today).await.unwrap();
    let n = |t: &qinglian_store::DashboardTallies, rule: &str, v: Verdict| -> u64 {
        t.rules
            .iter()
            .filter(|r| r.source_id == rule && r.verdict == v)
            .map(|r| r.n)
            .sum()
    };
    assert_eq!(
        n(&after, "FUN-002", Verdict::FalsePositive),
        n(&before, "FUN-002", Verdict::FalsePositive) + 1
    );
    assert_eq!(
        n(&after, "FUN-002", Verdict::Open),
        n(&before, "FUN-002", Verdict::Open) - 1
    );
    let on_time = |t: &qinglian_store::DashboardTallies| -> u64 {
        t.states.iter().filter(|x| x.on_time).map(|x| x.n).sum()
    };
    assert_eq!(on_time(&after), on_time(&before) + 1);
    let total =
        |t: &qinglian_store::DashboardTallies| -> u64 { t.states.iter().map(|x| x.n).sum() };
    assert_eq!(total(&after), total(&before));
    assert_eq!(
        after.months, before.months,
        "the month and category did not change"
    );
}

#[tokio::test]
async fn every_general_inbox_filter_reads_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(&dir).await;
    let day = |m, d| Some(Utc.with_ymd_and_hms(2025, m, d, 16, 0, 0).unwrap());
    let (mut checked, mut returned) = (0, 0);
    for rule in [None, Some("FUN-001")] {
        for (created_from, created_to) in
            [(None, None), (day(2, 28), day(3, 31)), (day(3, 1), None)]
        {
            for category in [None, Some("FUN")] {
                for amount_min in [None, Some(5_000)] {
                    for (state, include_closed) in [
                        (None, false),
                        (None, true),
                        (Some(WarningState::Verifying), false),
                    ] {
                        let f = ConsoleFilter {
                            department: Some("财务部".into()),
                            source_id: rule.map(str::to_owned),
                            created_from,
                            created_to,
                            category: category.map(str::to_owned),
                            amount_min,
                            state,
                            include_closed,
                            limit: 50,
                            ..ConsoleFilter::default()
                        };
                        let plan = s.console_inbox_plan(&f).await.unwrap().join(" | ");
                        assert!(
                            plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"),
                            "{f:?}: {plan}"
                        );
                        if rule.is_some() {
                            assert!(
                                plan.contains("warnings_source_deadline")
                                    && !plan.contains("TEMP B-TREE"),
                                "{f:?}: {plan}"
                            );
                        } else if created_from.is_some() {
                            assert!(
                                plan.contains("COVERING INDEX warnings_created_cover"),
                                "{f:?}: {plan}"
                            );
                        } else {
                            assert!(
                                !plan.contains("TEMP B-TREE"),
                                "read in deadline order: {f:?}: {plan}"
                            );
                        }
                        // And the query answers what the filter asks.
                        let ids = s.console_inbox(&f).await.unwrap();
                        returned += ids.len();
                        for id in ids {
                            let w = s.get_warning(id).await.unwrap().unwrap();
                            assert_eq!(w.department, "财务部");
                            assert!(rule.is_none_or(|r| w.source_id == r));
                            assert!(
                                category.is_none_or(|c| w.source_id.starts_with(&format!("{c}-")))
                            );
                            assert!(amount_min.is_none_or(|a| w.amount_fen.unwrap() >= a));
                            assert!(created_from.is_none_or(|t| w.created_at >= t));
                            assert!(created_to.is_none_or(|t| w.created_at < t));
                            assert!(state.is_none_or(|st| w.state == st));
                            assert!(include_closed || state.is_some() || !w.state.is_closed());
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 72);
    assert!(
        returned > 100,
        "the filters found something to check: {returned}"
    );
}
