//! The workflow end to end on a real SQLite file, with a real local SMTP sink and a real local
//! HTTP receiver started by the tests.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use qinglian_core::calendar::Calendar;
use qinglian_core::{
    Category, EvidenceRow, Finding, FindingSource, Money, Severity, SourceKind, Subject,
};
use qinglian_store::{
    Disposition, FindingFilter, FindingStore, InboxFilter, Level, NewFinding, WarningState,
    WarningStore,
};
use qinglian_store_sqlite::SqliteStore;
use qinglian_workflow::notify::{
    ChannelConfig, ChannelKind, HttpPost, HttpReply, NotifyConfig, RetryPolicy,
};
use qinglian_workflow::{
    Action, EventSink, Notifier, Raised, Request, SuppressionTarget, TransitionEvent, Workflow,
    WorkflowConfig, WorkflowError,
};

// ---------------------------------------------------------------------------------------
// Fixtures

fn finding(
    rule: &str,
    subject: &str,
    severity: Severity,
    yuan: i64,
    dept: Option<&str>,
) -> Finding {
    Finding {
        source: FindingSource {
            kind: SourceKind::Rule,
            id: rule.into(),
            version: "1.0.0".into(),
            content_hash: "h".into(),
        },
        category: Category::Fun,
        severity,
        subject: Subject {
            kind: "company".into(),
            id: subject.into(),
            name: Some(format!("{subject}公司")),
        },
        department: dept.map(str::to_owned),
        amount: Some(Money::from_fen(yuan * 100)),
        occurred_on: None,
        explanation_zh: format!("{subject} 重复付款"),
        explanation_en: format!("{subject} paid twice"),
        evidence: vec![EvidenceRow {
            dataset: "payments".into(),
            batch: "b".into(),
            row: 2,
        }],
        facts: BTreeMap::new(),
    }
}

fn config() -> WorkflowConfig {
    let mut c = WorkflowConfig::default();
    c.routing.liaisons.insert("财务部".into(), "张会计".into());
    c.routing
        .inspectors
        .insert("财务部".into(), vec!["王专员".into(), "赵专员".into()]);
    c.routing.committee = Some("党委办".into());
    c
}

/// Monday 30 September 2024, 10:00 Beijing time (the day before National Day).
fn sep30() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 9, 30, 2, 0, 0).unwrap()
}

fn beijing(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    // 10:00 Beijing = 02:00 UTC.
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn store(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("desk.sqlite"), true)
        .await
        .unwrap()
}

#[derive(Default)]
struct Recorder(Mutex<Vec<TransitionEvent>>);

impl EventSink for Recorder {
    fn record(&self, events: &[TransitionEvent]) -> Result<(), String> {
        self.0.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}

struct Failing;

impl EventSink for Failing {
    fn record(&self, _: &[TransitionEvent]) -> Result<(), String> {
        Err("ledger is locked".into())
    }
}

async fn raise(wf: &Workflow<'_, SqliteStore>, f: &Finding, now: DateTime<Utc>) -> i64 {
    match wf.raise(None, f, "system", now).await.unwrap() {
        Raised::New { warning, .. } => warning.id,
        other => panic!("expected a new warning, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Raising, policy, routing

#[tokio::test]
async fn a_finding_becomes_a_routed_warning_whose_level_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cfg = config();
    let cal = Calendar::builtin();
    let events = Recorder::default();
    let wf = Workflow::new(&s, &cfg, &cal).with_events(&events);

    let f = finding("FUN-001", "C1", Severity::Low, 200_000, Some("财务部"));
    let Raised::New {
        warning, decision, ..
    } = wf.raise(None, &f, "system", sep30()).await.unwrap()
    else {
        panic!("not raised")
    };
    // Low severity starts at level 1; ¥200,000 ≥ ¥100,000 raises it to level 2.
    assert_eq!(warning.level, Level::Inspector);
    assert_eq!(decision.reasons.len(), 2);
    assert!(
        warning.level_reason.contains("amount"),
        "{}",
        warning.level_reason
    );
    // Level 2 goes to an inspector of the department, so it starts assigned.
    assert_eq!(warning.state, WarningState::Assigned);
    assert_eq!(warning.assignee.as_deref(), Some("王专员"));
    assert_eq!(warning.department, "财务部");
    // Ten working days from 30 September 2024 skip National Day: 18 October.
    assert_eq!(warning.deadline, day(2024, 10, 18));
    let ev = events.0.lock().unwrap().clone();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].action.as_str(), ev[0].from, ev[0].to),
        ("raise", None, WarningState::Assigned)
    );

    // The same rule on the same subject again: repetition counts (threshold 2 by default).
    let small = finding("FUN-001", "C1", Severity::Low, 10, Some("财务部"));
    let second = raise(&wf, &small, sep30()).await;
    assert_eq!(wf.get(second).await.unwrap().level, Level::Department);
    let third = raise(&wf, &small, sep30()).await;
    let w3 = wf.get(third).await.unwrap();
    assert_eq!(w3.level, Level::Inspector, "{}", w3.level_reason);
    assert!(w3.level_reason.contains("repeats"));
    // Load balancing: 王 holds one open warning, so 赵 gets the next inspector warning.
    assert_eq!(w3.assignee.as_deref(), Some("赵专员"));
    // Level 1 goes to the liaison.
    assert_eq!(
        wf.get(second).await.unwrap().assignee.as_deref(),
        Some("张会计")
    );
}

#[tokio::test]
async fn a_finding_is_raised_once_and_suppressions_hold_it_back_until_lifted() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cfg = config();
    let cal = Calendar::builtin();
    let wf = Workflow::new(&s, &cfg, &cal);
    let now = sep30();
    let f = finding("PRO-002", "C9", Severity::Medium, 0, None);

    // A stored finding is raised once, however often it is offered.
    let stored = finding("FUN-009", "C8", Severity::Low, 1, None);
    s.sync_findings(
        SourceKind::Rule,
        "FUN-009",
        &[NewFinding {
            fingerprint: stored.fingerprint(&[]),
            finding: stored.clone(),
        }],
        now,
    )
    .await
    .unwrap();
    let fid = s.list_findings(&FindingFilter::default()).await.unwrap()[0].id;
    let Raised::New { warning, .. } = wf.raise(Some(fid), &stored, "system", now).await.unwrap()
    else {
        panic!("not raised")
    };
    assert_eq!(warning.finding_id, Some(fid));
    assert!(matches!(
        wf.raise(Some(fid), &stored, "system", now).await.unwrap(),
        Raised::Already { warning: w } if w == warning.id
    ));

    let sup = wf
        .suppress(
            &SuppressionTarget {
                source_id: Some("PRO-002".into()),
                subject: None,
            },
            "rule under review after the 2024 audit",
            beijing(2024, 12, 31),
            "李主任",
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        wf.raise(None, &f, "system", now).await.unwrap(),
        Raised::Suppressed { suppression } if suppression.id == sup.id
    ));
    // Another rule on the same subject is not covered.
    let other = finding("PRO-003", "C9", Severity::Medium, 0, None);
    assert!(matches!(
        wf.raise(None, &other, "system", now).await.unwrap(),
        Raised::New { .. }
    ));
    // After expiry it fires again; lifting also ends it early, and both stay listed.
    assert!(matches!(
        wf.raise(None, &f, "system", beijing(2025, 1, 2))
            .await
            .unwrap(),
        Raised::New { .. }
    ));
    wf.lift(sup.id, "review finished", "李主任", now)
        .await
        .unwrap();
    let listed = s.list_suppressions().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].lift_reason.as_deref(), Some("review finished"));
    assert!(!listed[0].is_active(now));

    // Bad input: nothing named, no reason, expiry in the past, lifting twice.
    let none = wf
        .suppress(
            &SuppressionTarget::default(),
            "x",
            beijing(2024, 12, 1),
            "a",
            now,
        )
        .await
        .unwrap_err();
    assert!(none.to_string().contains("--rule"), "{none}");
    let target = SuppressionTarget {
        source_id: None,
        subject: Some(("company".into(), "C9".into())),
    };
    assert!(matches!(
        wf.suppress(&target, "  ", beijing(2024, 12, 1), "a", now)
            .await,
        Err(WorkflowError::ReasonRequired { .. })
    ));
    assert!(
        wf.suppress(&target, "r", beijing(2024, 1, 1), "a", now)
            .await
            .is_err()
    );
    assert!(matches!(
        wf.lift(sup.id, "again", "a", now).await,
        Err(WorkflowError::NotFound { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Transitions, history, events

#[tokio::test]
async fn the_full_path_is_recorded_step_by_step_and_emitted() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cfg = config();
    let cal = Calendar::builtin();
    let events = Recorder::default();
    let wf = Workflow::new(&s, &cfg, &cal).with_events(&events);
    let id = raise(
        &wf,
        &finding("FUN-001", "C2", Severity::Low, 5, Some("财务部")),
        sep30(),
    )
    .await;

    let t = beijing(2024, 10, 8);
    let steps = [
        (Action::Respond, WarningState::Responded),
        (Action::Verify, WarningState::Verifying),
        (Action::Confirm, WarningState::Confirmed),
        (Action::Rectify, WarningState::Rectification),
        (
            Action::Close {
                code: Disposition::Rectified,
            },
            WarningState::Closed,
        ),
    ];
    for (action, state) in steps {
        let req = Request::new(action, "张会计").comment("见附件");
        let acted = wf.act(id, &req, t).await.unwrap();
        assert_eq!(acted.warning.state, state);
    }
    let (w, history) = wf.show(id).await.unwrap();
    assert_eq!(w.disposition, Some(Disposition::Rectified));
    assert!(w.closed_at.is_some() && w.confirmed_at.is_some());
    assert_eq!(w.version, 6);
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        ["raise", "respond", "verify", "confirm", "rectify", "close"]
    );
    assert_eq!(
        history.iter().map(|h| h.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(history[5].disposition, Some(Disposition::Rectified));
    assert_eq!(events.0.lock().unwrap().len(), 6);

    // A closed warning takes only reopen, and reopen needs a reason.
    let e = wf
        .act(id, &Request::new(Action::Respond, "张会计"), t)
        .await
        .unwrap_err();
    assert!(e.is_user_error());
    assert!(e.to_string().contains("Allowed now: reopen"), "{e}");
    assert!(matches!(
        wf.act(id, &Request::new(Action::Reopen, "李主任"), t).await,
        Err(WorkflowError::ReasonRequired { action: "reopen" })
    ));
    let reopened = wf
        .act(
            id,
            &Request::new(Action::Reopen, "李主任").comment("新的举报"),
            beijing(2024, 10, 9),
        )
        .await
        .unwrap()
        .warning;
    assert_eq!(reopened.state, WarningState::Verifying);
    assert_eq!((reopened.disposition, reopened.closed_at), (None, None));
    // The clock restarts at the level's length (5 working days from 9 October).
    assert_eq!(reopened.deadline, day(2024, 10, 15));
}

#[tokio::test]
async fn illegal_and_bad_requests_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let mut cfg = config();
    cfg.routing.liaisons.clear();
    let cal = Calendar::builtin();
    let wf = Workflow::new(&s, &cfg, &cal);
    let id = raise(
        &wf,
        &finding("FUN-001", "C3", Severity::Low, 5, Some("财务部")),
        sep30(),
    )
    .await;
    // No liaison configured: the warning waits, unassigned.
    assert_eq!(wf.get(id).await.unwrap().state, WarningState::New);

    let e = wf
        .act(id, &Request::new(Action::Respond, "x"), sep30())
        .await
        .unwrap_err();
    let WorkflowError::IllegalTransition { allowed, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(allowed, "assign, escalate");
    assert!(qinglian_core::Bilingual::message_zh(&e).contains("新建"));
    let e = wf
        .act(
            id,
            &Request::new(Action::DeEscalate, "x").comment("r"),
            sep30(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, WorkflowError::LevelLimit { .. }), "{e:?}");
    let e = wf
        .act(
            id,
            &Request::new(Action::Assign { to: "".into() }, "x"),
            sep30(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, WorkflowError::BadInput(_)));
    let e = wf
        .act(
            id,
            &Request::new(Action::Assign { to: "甲".into() }, " "),
            sep30(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--user"));
    let e = wf
        .act(999, &Request::new(Action::Respond, "x"), sep30())
        .await
        .unwrap_err();
    assert!(matches!(e, WorkflowError::NotFound { .. }));
    // Nothing was written by the refusals.
    assert_eq!(s.history(id).await.unwrap().len(), 1);
    assert_eq!(wf.get(id).await.unwrap().version, 1);

    // A failing ledger hook is reported as a fault, after the change was saved.
    let wf_failing = Workflow::new(&s, &cfg, &cal).with_events(&Failing);
    let e = wf_failing
        .act(
            id,
            &Request::new(Action::Assign { to: "甲".into() }, "x"),
            sep30(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, WorkflowError::Event { .. }) && !e.is_user_error());
    assert_eq!(wf.get(id).await.unwrap().state, WarningState::Assigned);
}

#[tokio::test]
async fn two_people_acting_at_once_one_wins_the_other_gets_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cfg = config();
    let cal = Calendar::builtin();
    let wf = Workflow::new(&s, &cfg, &cal);
    let id = raise(
        &wf,
        &finding("FUN-001", "C4", Severity::Low, 5, Some("财务部")),
        sep30(),
    )
    .await;
    let seen = wf.get(id).await.unwrap().version;

    for round in 0..5 {
        let w = wf.get(id).await.unwrap();
        let v = w.version;
        let to_a = Request::new(
            Action::Assign {
                to: format!("甲{round}"),
            },
            "甲",
        )
        .at_version(v);
        let to_b = Request::new(
            Action::Assign {
                to: format!("乙{round}"),
            },
            "乙",
        )
        .at_version(v);
        let (a, b) = tokio::join!(wf.act(id, &to_a, sep30()), wf.act(id, &to_b, sep30()));
        let loser = match (a, b) {
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
            other => panic!("round {round}: exactly one must win: {other:?}"),
        };
        assert!(
            matches!(loser, WorkflowError::Conflict { warning, expected, actual } if warning == id && expected == v && actual == v + 1),
            "{loser:?}"
        );
        assert!(loser.to_string().contains("qinglian warnings show"));
    }
    // Nothing lost, nothing doubled: exactly one entry per successful action.
    let h = s.history(id).await.unwrap();
    assert_eq!(h.len(), 6);
    assert_eq!(wf.get(id).await.unwrap().version, seen + 5);
    // A stale version is refused even when nobody races.
    let stale = Request::new(Action::Respond, "甲").at_version(seen);
    assert!(matches!(
        wf.act(id, &stale, sep30()).await,
        Err(WorkflowError::Conflict { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Deadlines over National Day 2024

#[tokio::test]
async fn reminders_and_breach_escalation_follow_working_days_over_national_day() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cfg = config();
    let cal = Calendar::builtin();
    let events = Recorder::default();
    let wf = Workflow::new(&s, &cfg, &cal).with_events(&events);
    let id = raise(
        &wf,
        &finding("FUN-001", "C5", Severity::Low, 5, Some("财务部")),
        sep30(),
    )
    .await;
    // Five working days from 30 September: 8–12 October (12th is a swapped Saturday).
    assert_eq!(wf.get(id).await.unwrap().deadline, day(2024, 10, 12));

    // During the holiday nothing is due yet.
    let r = wf.sweep(beijing(2024, 10, 5)).await.unwrap();
    assert!(r.reminded.is_empty() && r.escalated.is_empty(), "{r:?}");
    // Reminders start two working days before: Thursday 10 October.
    assert!(
        wf.sweep(beijing(2024, 10, 9))
            .await
            .unwrap()
            .reminded
            .is_empty()
    );
    assert_eq!(
        wf.sweep(beijing(2024, 10, 10)).await.unwrap().reminded,
        [id]
    );
    // Once per deadline.
    assert!(
        wf.sweep(beijing(2024, 10, 11))
            .await
            .unwrap()
            .reminded
            .is_empty()
    );
    // Saturday 12 October is a working day and the deadline itself: not yet overdue.
    let r = wf.sweep(beijing(2024, 10, 12)).await.unwrap();
    assert!(r.escalated.is_empty(), "{r:?}");
    // Sunday 13 October: breached, escalated to level 2 and routed to an inspector.
    let r = wf.sweep(beijing(2024, 10, 13)).await.unwrap();
    assert_eq!(r.escalated, [id]);
    let w = wf.get(id).await.unwrap();
    assert_eq!(
        (w.level, w.state),
        (Level::Inspector, WarningState::Assigned)
    );
    assert_eq!(w.assignee.as_deref(), Some("王专员"));
    // The new clock starts on the 13th (a Sunday), so on Monday 14th: ten working days
    // after it are 15–18 and 21–25 October and Monday 28th.
    assert_eq!(w.deadline, day(2024, 10, 28));
    assert_eq!(w.reminded_on, None);
    let (_, h) = wf.show(id).await.unwrap();
    let last = h.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("escalate", "system")
    );
    assert!(last.comment.as_deref().unwrap().contains("2024-10-12"));
    // The overdue inbox of the 28th does not show it; that of the 29th does.
    let overdue = |d| InboxFilter {
        overdue_on: Some(d),
        ..InboxFilter::default()
    };
    assert!(
        wf.inbox(&overdue(day(2024, 10, 28)))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        wf.inbox(&overdue(day(2024, 10, 29))).await.unwrap()[0].id,
        id
    );
    // At the committee there is no level left: a daily overdue notice instead.
    for _ in 0..2 {
        wf.sweep(beijing(2024, 10, 29)).await.unwrap();
    }
    let w = wf.get(id).await.unwrap();
    assert_eq!(w.level, Level::Committee);
    let far = beijing(2025, 3, 1);
    assert_eq!(wf.sweep(far).await.unwrap().overdue_at_top, [id]);
    assert!(wf.sweep(far).await.unwrap().overdue_at_top.is_empty());
}

// ---------------------------------------------------------------------------------------
// Cases, inbox, metrics

#[tokio::test]
async fn related_warnings_merge_into_a_case_and_split_again() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cfg = config();
    let cal = Calendar::builtin();
    let wf = Workflow::new(&s, &cfg, &cal);
    let a = raise(
        &wf,
        &finding("PRO-001", "C6", Severity::Low, 5, None),
        sep30(),
    )
    .await;
    let b = raise(
        &wf,
        &finding("PRO-002", "C6", Severity::Low, 5, None),
        sep30(),
    )
    .await;
    let c = raise(
        &wf,
        &finding("PRO-003", "C6", Severity::Low, 5, None),
        sep30(),
    )
    .await;

    let case = wf
        .merge(&[a, b, c, b], "C6 围标线索", "李主任", sep30())
        .await
        .unwrap();
    assert_eq!(case.warnings, [a, b, c]);
    s.add_report_to_case(case.id, "R-2024-0007", "李主任", sep30())
        .await
        .unwrap();
    let in_case = wf
        .inbox(&InboxFilter {
            case_id: Some(case.id),
            ..InboxFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(in_case.len(), 3);
    let new_case = wf
        .split(case.id, &[c], Some("C6 另案"), "李主任", sep30())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new_case.warnings, [c]);
    let old = s.get_case(case.id).await.unwrap().unwrap();
    assert_eq!(old.warnings, [a, b]);
    assert_eq!(old.reports, ["R-2024-0007"]);
    assert_eq!(wf.get(c).await.unwrap().case_id, Some(new_case.id));
    let (_, h) = wf.show(c).await.unwrap();
    assert_eq!(
        h.iter().map(|t| t.action.as_str()).collect::<Vec<_>>(),
        ["raise", "merge", "split"]
    );

    assert!(wf.merge(&[a], "x", "l", sep30()).await.is_err());
    assert!(wf.merge(&[a, b], " ", "l", sep30()).await.is_err());
    assert!(matches!(
        wf.merge(&[a, 404], "x", "l", sep30()).await,
        Err(WorkflowError::NotFound { .. })
    ));
    assert!(wf.split(case.id, &[c], None, "l", sep30()).await.is_err());
}

#[tokio::test]
async fn the_inbox_filters_and_orders_by_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cfg = config();
    let cal = Calendar::builtin();
    let wf = Workflow::new(&s, &cfg, &cal);
    let mut ids = Vec::new();
    for (i, (sev, dept)) in [
        (Severity::Low, "财务部"),
        (Severity::High, "财务部"),
        (Severity::Low, "采购部"),
        (Severity::Critical, "采购部"),
    ]
    .into_iter()
    .enumerate()
    {
        let f = finding("FUN-001", &format!("S{i}"), sev, 1, Some(dept));
        ids.push(raise(&wf, &f, beijing(2024, 11, 4 + i as u32)).await);
    }
    let wfr = &wf;
    let q = move |f: InboxFilter| async move {
        wfr.inbox(&f)
            .await
            .unwrap()
            .iter()
            .map(|w| w.id)
            .collect::<Vec<_>>()
    };
    // Deadlines: 11-11 (level 1), 11-19 (level 2), 11-13 (level 1), 11-28 (level 3).
    assert_eq!(
        q(InboxFilter::default()).await,
        [ids[0], ids[2], ids[1], ids[3]]
    );
    assert_eq!(
        q(InboxFilter {
            department: Some("财务部".into()),
            ..Default::default()
        })
        .await,
        [ids[0], ids[1]]
    );
    assert_eq!(
        q(InboxFilter {
            level: Some(Level::Department),
            ..Default::default()
        })
        .await,
        [ids[0], ids[2]]
    );
    assert_eq!(
        q(InboxFilter {
            department: Some("采购部".into()),
            level: Some(Level::Committee),
            state: Some(WarningState::Assigned),
            ..Default::default()
        })
        .await,
        [ids[3]]
    );
    assert_eq!(
        q(InboxFilter {
            limit: 2,
            offset: 1,
            ..Default::default()
        })
        .await,
        [ids[2], ids[1]]
    );
    // Close one as a false positive: gone from the open inbox, back with include_closed.
    wf.act(
        ids[1],
        &Request::new(Action::Verify, "王专员"),
        beijing(2024, 11, 8),
    )
    .await
    .unwrap();
    wf.act(
        ids[1],
        &Request::new(
            Action::Close {
                code: Disposition::Legitimate,
            },
            "王专员",
        ),
        beijing(2024, 11, 8),
    )
    .await
    .unwrap();
    assert_eq!(q(InboxFilter::default()).await, [ids[0], ids[2], ids[3]]);
    assert_eq!(
        q(InboxFilter {
            include_closed: true,
            ..Default::default()
        })
        .await,
        [ids[0], ids[2], ids[1], ids[3]],
        "open and closed merged in deadline order"
    );
    // Overdue means open: asking for closed ones too, or for a closed state, adds nothing.
    let late = day(2024, 12, 31);
    assert_eq!(
        q(InboxFilter {
            include_closed: true,
            overdue_on: Some(late),
            ..Default::default()
        })
        .await,
        [ids[0], ids[2], ids[3]]
    );
    assert!(
        q(InboxFilter {
            state: Some(WarningState::ClosedFalsePositive),
            overdue_on: Some(late),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert_eq!(
        q(InboxFilter {
            assignee: Some("张会计".into()),
            ..Default::default()
        })
        .await,
        [ids[0]]
    );

    let m = wf
        .metrics(
            beijing(2024, 1, 1),
            beijing(2025, 1, 1),
            beijing(2024, 11, 8),
        )
        .await
        .unwrap();
    assert_eq!((m.total, m.closed, m.closed_on_time), (4, 1, 1));
    assert_eq!(m.per_source[0].precision, Some(0.0));
    assert_eq!(m.per_department.len(), 2);
}

// ---------------------------------------------------------------------------------------
// Notifications against real local servers

/// A tiny SMTP sink: accepts every message and keeps its DATA.
fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(stream) = stream else { continue };
            let keep = keep.clone();
            std::thread::spawn(move || smtp_session(stream, &keep));
        }
    });
    (port, got)
}

fn smtp_session(stream: TcpStream, keep: &Mutex<Vec<String>>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let _ = out.write_all(b"220 sink ESMTP\r\n");
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if cmd.starts_with("DATA") {
            let _ = out.write_all(b"354 go ahead\r\n");
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(&line);
            }
            keep.lock().unwrap().push(data);
            b"250 queued\r\n"
        } else if cmd.starts_with("QUIT") {
            let _ = out.write_all(b"221 bye\r\n");
            return;
        } else {
            b"250 ok\r\n"
        };
        let _ = out.write_all(reply);
    }
}

/// A tiny HTTP receiver: keeps each request's path and body and answers with `status` and
/// `body`.
/// (path, body) of each request received.
type Received = Arc<Mutex<Vec<(String, String)>>>;

fn http_receiver(status: u16, body: &'static str) -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut buf = vec![0; length];
            reader.read_exact(&mut buf).unwrap();
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_owned();
            keep.lock()
                .unwrap()
                .push((path, String::from_utf8(buf).unwrap()));
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (format!("http://{addr}"), got)
}

/// The HTTP side as the composition root gives it (ureq, like the `web` crate).
struct Ureq;

impl HttpPost for Ureq {
    fn post_json(&self, url: &str, body: &str, timeout: Duration) -> Result<HttpReply, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        let mut r = agent
            .post(url)
            .header("content-type", "application/json")
            .send(body)
            .map_err(|e| e.to_string())?;
        Ok(HttpReply {
            status: r.status().as_u16(),
            body: r.body_mut().read_to_string().map_err(|e| e.to_string())?,
        })
    }
}

fn channel(name: &str, kind: ChannelKind) -> ChannelConfig {
    ChannelConfig {
        name: name.into(),
        kind,
        departments: vec![],
        levels: vec![],
        url: None,
        smtp_host: None,
        smtp_port: None,
        from: None,
        to: vec![],
    }
}

fn decode_body(data: &str) -> String {
    use base64::Engine;
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    if head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        let clean: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .unwrap(),
        )
        .unwrap()
    } else {
        body.to_owned()
    }
}

#[tokio::test]
async fn notifications_reach_smtp_and_robots_and_a_dead_channel_never_blocks() {
    let (smtp_port, mails) = smtp_sink();
    let (generic_url, generic) = http_receiver(200, "{}");
    let (ding_url, ding) = http_receiver(200, r#"{"errcode":0,"errmsg":"ok"}"#);
    let (wecom_url, wecom) =
        http_receiver(200, r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#);
    let (broken_url, broken) = http_receiver(500, "oops");
    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let mut mail = channel("mail", ChannelKind::Email);
    mail.smtp_host = Some("127.0.0.1".into());
    mail.smtp_port = Some(smtp_port);
    mail.from = Some("qinglian <qinglian@example.org>".into());
    mail.to = vec!["jijian@example.org".into()];
    mail.departments = vec!["财务部".into()];
    let mut dead_mail = mail.clone();
    dead_mail.name = "dead-mail".into();
    dead_mail.smtp_port = Some(closed);
    let mut hook = channel("hook", ChannelKind::Webhook);
    hook.url = Some(format!("{generic_url}/hooks/qinglian"));
    let mut dingtalk = channel("ding", ChannelKind::Dingtalk);
    dingtalk.url = Some(format!("{ding_url}/robot/send?access_token=t"));
    dingtalk.levels = vec![Level::Committee];
    let mut wecom_ch = channel("wecom", ChannelKind::Wecom);
    wecom_ch.url = Some(format!("{wecom_url}/cgi-bin/webhook/send?key=k"));
    let mut broken_ch = channel("broken", ChannelKind::Webhook);
    broken_ch.url = Some(broken_url);

    let mut cfg = config();
    cfg.notify = NotifyConfig {
        channels: vec![mail, dead_mail, hook, dingtalk, wecom_ch, broken_ch],
        retry: RetryPolicy {
            attempts: 3,
            backoff_ms: 20,
            timeout_secs: 5,
        },
    };
    cfg.validate().unwrap();
    let notifier = Notifier::new(cfg.notify.clone(), Some(Arc::new(Ureq)));
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let cal = Calendar::builtin();
    let wf = Workflow::new(&s, &cfg, &cal).with_notifier(&notifier);

    // ¥2,000,000 goes straight to the committee, so the DingTalk channel matches too.
    let f = finding("FUN-001", "C7", Severity::Low, 2_000_000, Some("财务部"));
    let Raised::New {
        warning,
        deliveries,
        ..
    } = wf.raise(None, &f, "system", sep30()).await.unwrap()
    else {
        panic!()
    };
    // The warning was saved whatever the channels did.
    assert_eq!(wf.get(warning.id).await.unwrap().level, Level::Committee);
    let by: BTreeMap<&str, _> = deliveries.iter().map(|d| (d.channel.as_str(), d)).collect();
    assert_eq!(by.len(), 6, "{deliveries:?}");
    assert!(
        by["mail"].ok && by["hook"].ok && by["ding"].ok,
        "{deliveries:?}"
    );
    assert_eq!(by["mail"].attempts, 1);
    for failed in ["dead-mail", "wecom", "broken"] {
        assert!(!by[failed].ok, "{failed}: {:?}", by[failed]);
        assert_eq!(by[failed].attempts, 3);
    }
    assert!(by["wecom"].error.as_deref().unwrap().contains("93000"));
    assert!(by["broken"].error.as_deref().unwrap().contains("500"));
    assert_eq!(broken.lock().unwrap().len(), 3, "three tries");
    assert_eq!(wecom.lock().unwrap().len(), 3);

    {
        let mails = mails.lock().unwrap();
        assert_eq!(mails.len(), 1);
        let text = decode_body(&mails[0]);
        assert!(
            text.contains("C7 重复付款") && text.contains("C7 paid twice"),
            "{text}"
        );
        assert!(mails[0].contains("jijian@example.org"));
        let generic = generic.lock().unwrap();
        assert_eq!(generic[0].0, "/hooks/qinglian");
        let g: serde_json::Value = serde_json::from_str(&generic[0].1).unwrap();
        assert_eq!(g["notification"]["warning"], warning.id);
        assert_eq!(g["notification"]["kind"], "raised");
        let ding = ding.lock().unwrap();
        assert!(ding[0].0.starts_with("/robot/send?access_token="));
        let d: serde_json::Value = serde_json::from_str(&ding[0].1).unwrap();
        assert_eq!(d["msgtype"], "markdown");
        assert!(d["markdown"]["text"].as_str().unwrap().contains("三级预警"));
    }

    // A digest of the department goes through the department's channels.
    let (digest, deliveries) = wf.digest("财务部", sep30()).await.unwrap();
    assert!(digest.title_zh.contains("待办 1 条"), "{}", digest.title_zh);
    assert!(deliveries.iter().any(|d| d.channel == "mail" && d.ok));
}
