//! The warning store contract on a real SQLite file: version locking, append-only history,
//! suppression checks.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use qinglian_core::Severity;
use qinglian_store::{
    Disposition, InboxFilter, Level, NewSuppression, NewWarning, StoreError, TransitionRecord,
    WarningChange, WarningState, WarningStore,
};
use qinglian_store_sqlite::SqliteStore;

fn new_warning(subject: &str, dept: &str, deadline: NaiveDate) -> NewWarning {
    NewWarning {
        finding_id: None,
        source_id: "FUN-001".into(),
        subject_kind: "company".into(),
        subject_id: subject.into(),
        subject_name: None,
        department: dept.into(),
        severity: Severity::High,
        amount_fen: Some(100),
        title_zh: "重复付款".into(),
        title_en: "paid twice".into(),
        level: Level::Department,
        level_reason: "{}".into(),
        state: WarningState::New,
        assignee: None,
        deadline,
        created_at: Utc.with_ymd_and_hms(2025, 3, 3, 1, 0, 0).unwrap(),
    }
}

fn entry(action: &str, to: WarningState) -> TransitionRecord {
    TransitionRecord {
        warning_id: 0,
        seq: 0,
        action: action.into(),
        from_state: None,
        to_state: to,
        from_level: None,
        to_level: Level::Department,
        actor: "甲".into(),
        at: Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap(),
        comment: Some("说明".into()),
        disposition: None,
        attachments: vec!["sha256:ab".into()],
    }
}

fn change(state: WarningState, deadline: NaiveDate) -> WarningChange {
    WarningChange {
        state,
        level: Level::Department,
        assignee: Some("甲".into()),
        disposition: None,
        deadline,
        confirmed_at: None,
        closed_at: None,
        reset_reminder: false,
    }
}

async fn store(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("desk.sqlite"), true)
        .await
        .unwrap()
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, day).unwrap()
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let w = s
        .insert_warning(
            &new_warning("C1", "财务部", d(3, 10)),
            &entry("raise", WarningState::New),
        )
        .await
        .unwrap();
    assert_eq!(w.version, 1);
    let a = s
        .apply_change(
            w.id,
            1,
            &change(WarningState::Assigned, d(3, 10)),
            &entry("assign", WarningState::Assigned),
        )
        .await
        .unwrap();
    assert_eq!((a.version, a.state), (2, WarningState::Assigned));
    let e = s
        .apply_change(
            w.id,
            1,
            &change(WarningState::Responded, d(3, 10)),
            &entry("respond", WarningState::Responded),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(matches!(
        s.apply_change(
            77,
            1,
            &change(WarningState::Assigned, d(3, 10)),
            &entry("assign", WarningState::Assigned)
        )
        .await,
        Err(StoreError::NotFound(_))
    ));
    let h = s.history(w.id).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].seq, 2);
    assert_eq!(h[1].attachments, ["sha256:ab"]);
    assert_eq!(
        s.get_warning(w.id).await.unwrap().unwrap().state,
        WarningState::Assigned
    );
}

#[tokio::test]
async fn many_writers_on_one_version_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let w = s
        .insert_warning(
            &new_warning("C1", "财务部", d(3, 10)),
            &entry("raise", WarningState::New),
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = change(WarningState::Assigned, d(3, 10));
            c.assignee = Some(format!("人{i}"));
            s.apply_change(w.id, 1, &c, &entry("assign", WarningState::Assigned))
                .await
        }));
    }
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(s.history(w.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn history_is_append_only_in_the_database_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite");
    let s = SqliteStore::open(&path, true).await.unwrap();
    s.insert_warning(
        &new_warning("C1", "财务部", d(3, 10)),
        &entry("raise", WarningState::New),
    )
    .await
    .unwrap();
    s.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let upd = sqlx::query("UPDATE warning_transitions SET actor = 'someone else'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(upd.to_string().contains("append-only"), "{upd}");
    let del = sqlx::query("DELETE FROM warning_transitions")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(del.to_string().contains("append-only"), "{del}");
    let sup = sqlx::query("DELETE FROM suppressions").execute(&pool).await;
    assert!(sup.is_ok(), "deleting nothing is fine");
}

#[tokio::test]
async fn suppressions_need_a_target_and_a_reason_and_match_by_scope() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let now = Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap();
    let base = NewSuppression {
        source_id: None,
        subject_kind: None,
        subject_id: None,
        reason: "why".into(),
        created_by: "甲".into(),
        created_at: now,
        expires_at: now + Duration::days(30),
    };
    assert!(s.add_suppression(&base).await.is_err(), "no target");
    assert!(
        s.add_suppression(&NewSuppression {
            source_id: Some("R".into()),
            reason: " ".into(),
            ..base.clone()
        })
        .await
        .is_err(),
        "blank reason"
    );
    let subj = s
        .add_suppression(&NewSuppression {
            subject_kind: Some("company".into()),
            subject_id: Some("C1".into()),
            ..base.clone()
        })
        .await
        .unwrap();
    let hit = s
        .active_suppression("ANY-1", "company", "C1", now)
        .await
        .unwrap();
    assert_eq!(hit.map(|h| h.id), Some(subj.id));
    assert!(
        s.active_suppression("ANY-1", "person", "C1", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.active_suppression("ANY-1", "company", "C1", now + Duration::days(31))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
}

#[tokio::test]
async fn due_lists_and_reminders_and_subject_history() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let a = s
        .insert_warning(
            &new_warning("C1", "财务部", d(3, 5)),
            &entry("raise", WarningState::New),
        )
        .await
        .unwrap();
    let b = s
        .insert_warning(
            &new_warning("C1", "采购部", d(3, 20)),
            &entry("raise", WarningState::New),
        )
        .await
        .unwrap();
    let due: Vec<i64> = s
        .open_due_by(d(3, 10), 0)
        .await
        .unwrap()
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(due, [a.id]);
    s.mark_reminded(a.id, d(3, 4)).await.unwrap();
    assert_eq!(
        s.get_warning(a.id).await.unwrap().unwrap().reminded_on,
        Some(d(3, 4))
    );
    let mut c = change(WarningState::ClosedFalsePositive, d(3, 5));
    c.disposition = Some(Disposition::Confirmed);
    c.closed_at = Some(Utc::now());
    s.apply_change(
        b.id,
        1,
        &c,
        &entry("close", WarningState::ClosedFalsePositive),
    )
    .await
    .unwrap();
    let h = s.subject_history("company", "C1", "FUN-001").await.unwrap();
    assert_eq!((h.all, h.same_source, h.confirmed), (2, 2, 1));
    let h = s.subject_history("company", "C1", "OTHER").await.unwrap();
    assert_eq!((h.all, h.same_source), (2, 0));
    let open = s.inbox(&InboxFilter::default()).await.unwrap();
    assert_eq!(open.len(), 1);
    let load = s.open_load(&["甲".into(), "乙".into()]).await.unwrap();
    assert_eq!(load, [("甲".to_owned(), 0), ("乙".to_owned(), 0)]);
}

/// Performance guard without timing: every inbox filter combination reads an index in
/// deadline order (a page of 50 stops early) instead of sorting the table.
#[tokio::test]
async fn every_inbox_filter_reads_an_index_in_deadline_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    for i in 0..30 {
        let dept = if i % 2 == 0 { "财务部" } else { "采购部" };
        s.insert_warning(
            &new_warning(&format!("C{i}"), dept, d(3, 1 + i % 28)),
            &entry("raise", WarningState::New),
        )
        .await
        .unwrap();
    }
    let mut checked = 0;
    for dept in [None, Some("财务部".to_owned())] {
        for level in [None, Some(Level::Inspector)] {
            for (state, include_closed) in [
                (None, false),
                (None, true),
                (Some(WarningState::Verifying), false),
                (Some(WarningState::Closed), true),
            ] {
                for overdue_on in [None, Some(d(3, 15))] {
                    let f = InboxFilter {
                        department: dept.clone(),
                        level,
                        state,
                        include_closed,
                        overdue_on,
                        ..InboxFilter::default()
                    };
                    let plan = s.inbox_plan(&f).await.unwrap();
                    if state == Some(WarningState::Closed) && overdue_on.is_some() {
                        assert!(plan.is_empty(), "nothing to ask: {plan:?}");
                        continue;
                    }
                    assert!(
                        plan.iter().any(
                            |l| l.contains("USING INDEX") || l.contains("USING COVERING INDEX")
                        ),
                        "{f:?}: {plan:?}"
                    );
                    assert!(
                        !plan
                            .iter()
                            .any(|l| l.contains("TEMP B-TREE") || l.starts_with("SCAN warnings")),
                        "{f:?} sorts or scans the table: {plan:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 28);
}
