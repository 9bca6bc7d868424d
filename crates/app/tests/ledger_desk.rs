//! `ledger verify` against findings and warning histories: a run's findings and every
//! warning change are in the ledger, and an edit, deletion or insertion behind the
//! application's back in the desk is pinpointed.

use std::path::Path;

use chrono::Utc;
use qinglian_app::analysis::{RunOptions, run_rules};
use qinglian_app::ledger::{self, LedgerEvent, Verification};
use qinglian_app::warnings::{self, Channels};
use qinglian_app::{Config, ImportOptions, Workspace, import, init_workspace};
use qinglian_workflow::{Action, Request};

/// Two cash payments above the limit (FUN-009 fires twice), one small transfer.
const PAYMENTS: &str = "payment_id,unit_id,paid_on,amount,payee_name,method,purpose\n\
    P1,D1,2025-03-04,86000,甲公司,cash,材料款\n\
    P2,D1,2025-03-05,900,乙公司,transfer,文具\n\
    P3,D2,2025-03-06,45000,丙公司,cash,维修费\n";

async fn workspace(dir: &Path) -> Workspace {
    let ws = init_workspace(&dir.join("ws"), Config::default())
        .await
        .unwrap();
    let file = dir.join("payments.csv");
    std::fs::write(&file, PAYMENTS).unwrap();
    let opts = ImportOptions {
        user: "tester".into(),
        ..ImportOptions::default()
    };
    import(&ws, "payments", &file, &opts, Box::new(|_, _| {}))
        .await
        .unwrap();
    ws
}

/// A workspace with findings, their warnings, and one warning assigned.
async fn analysed(dir: &Path) -> (Workspace, Vec<i64>) {
    let ws = workspace(dir).await;
    let run = run_rules(&ws, &RunOptions::default()).await.unwrap();
    assert_eq!(run.failed, 0, "{:?}", run.rules);
    assert!(run.recorded >= 2, "two cash findings recorded: {run:?}");
    let raised = warnings::raise_from_findings(&ws, "system", Utc::now(), &Channels::default())
        .await
        .unwrap();
    assert!(raised.raised.len() >= 2, "{raised:?}");
    let assign = Request::new(
        Action::Assign {
            to: "王科长".into(),
        },
        "李主任",
    );
    warnings::act(
        &ws,
        raised.raised[0],
        &assign,
        Utc::now(),
        &Channels::default(),
    )
    .await
    .unwrap();
    (ws, raised.raised)
}

async fn verify(ws: &Workspace) -> Verification {
    ledger::verify(ws, None, &[], &[]).await.unwrap()
}

/// Runs SQL on the desk directly, as someone bypassing the application would.
async fn tamper(ws: &Workspace, sql: &[&str]) {
    use sqlx::Connection;
    // One connection, so a PRAGMA holds for the statements after it.
    let url = format!("sqlite://{}", ws.root.join("desk.sqlite").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for s in sql {
        // Test-only SQL written here, as an attacker with the file would.
        sqlx::query(sqlx::AssertSqlSafe(s.to_string()))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}

/// The ledger index of the last entry for which `pick` holds.
fn last_entry(ws: &Workspace, pick: impl Fn(&LedgerEvent) -> bool) -> u64 {
    let log = qinglian_ledger::Log::open_read_only(ws.root.join(ledger::LEDGER_DIR)).unwrap();
    (0..log.size())
        .filter(|&i| {
            let e = ledger::LedgerEntry::parse(&log.entry(i).unwrap()).unwrap();
            pick(&e.event)
        })
        .last()
        .expect("an entry of that kind")
}

#[tokio::test]
async fn findings_and_warning_changes_verify_against_the_desk() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = analysed(dir.path()).await;
    let v = verify(&ws).await;
    assert!(v.ok, "{:?}", v.problem);
    assert!(v.events.get("finding").copied().unwrap_or(0) >= 2, "{v:?}");
    let changes = v.events.get("warning_transition").copied().unwrap_or(0);
    assert!(changes >= 3, "two raises and an assignment: {v:?}");
    // The import batch, the findings and every warning change were checked.
    assert!(v.records_checked >= 1 + 2 + changes, "{v:?}");

    // A rerun over the same data changes nothing, so it records nothing new.
    let again = run_rules(&ws, &RunOptions::default()).await.unwrap();
    assert_eq!(again.recorded, 0, "{again:?}");
    assert!(verify(&ws).await.ok);
}

#[tokio::test]
async fn a_finding_altered_in_the_desk_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = analysed(dir.path()).await;
    tamper(
        &ws,
        &["UPDATE findings SET amount_fen = 100 WHERE id = (SELECT MIN(id) FROM findings)"],
    )
    .await;
    let v = verify(&ws).await;
    assert!(!v.ok);
    let p = v.problem.unwrap();
    assert_eq!(p.kind, "record", "{p:?}");
    assert!(p.message.contains("was altered in the desk"), "{p:?}");
    let entry = last_entry(
        &ws,
        |e| matches!(e, LedgerEvent::Finding(f) if f.finding == "1"),
    );
    assert_eq!(p.entry, Some(entry), "{p:?}");
}

#[tokio::test]
async fn a_deleted_or_inserted_finding_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = analysed(dir.path()).await;
    // Inserted: a finding nobody recorded.
    tamper(
        &ws,
        &["INSERT INTO findings (fingerprint, source_kind, source_id, source_version, content_hash, \
           category, severity, subject_kind, subject_id, explanation_zh, explanation_en, facts, \
           status, first_seen, last_seen) VALUES ('forged', 'rule', 'FUN-009', '1.0.0', 'x', 'FUN', \
           'high', 'payee', '丁公司', '伪造', 'forged', '{}', 'open', '2025-01-01T00:00:00Z', \
           '2025-01-01T00:00:00Z')"],
    )
    .await;
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!(p.kind, "unrecorded", "{p:?}");
    assert!(p.message.contains("has no ledger entry"), "{p:?}");

    // Deleted: the warnings that point at it go too, so drop the guards first.
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = analysed(dir.path()).await;
    tamper(
        &ws,
        &[
            "PRAGMA foreign_keys = OFF",
            "DELETE FROM findings WHERE id = 2",
        ],
    )
    .await;
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!(p.kind, "record", "{p:?}");
    assert!(p.message.contains("finding 2, which is missing"), "{p:?}");
}

/// As an attacker would: the actor of warning `w`'s assignment (its second change) becomes
/// 张三 in the desk, with the trigger that forbids it dropped.
async fn alter_assignment_actor(ws: &Workspace, w: i64) {
    tamper(
        ws,
        &[
            "DROP TRIGGER warning_transitions_no_update",
            &format!(
                "UPDATE warning_transitions SET actor = '张三' WHERE warning_id = {w} AND seq = 2"
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_warning_change_altered_or_removed_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, raised) = analysed(dir.path()).await;
    let w = raised[0];
    // Altered: who assigned it.
    alter_assignment_actor(&ws, w).await;
    let v = verify(&ws).await;
    let p = v.problem.unwrap();
    assert_eq!(p.kind, "record", "{p:?}");
    assert!(
        p.message.contains(&format!("of warning {w} was altered")),
        "{p:?}"
    );
    assert!(p.message.contains("actor is 张三"), "{p:?}");
    let entry = last_entry(
        &ws,
        |e| matches!(e, LedgerEvent::WarningTransition(t) if t.warning == w.to_string()),
    );
    assert_eq!(p.entry, Some(entry));

    // Removed: the assignment vanishes from the desk's history.
    let dir = tempfile::tempdir().unwrap();
    let (ws, raised) = analysed(dir.path()).await;
    let w = raised[0];
    tamper(
        &ws,
        &[
            "DROP TRIGGER warning_transitions_no_delete",
            &format!("DELETE FROM warning_transitions WHERE warning_id = {w} AND seq = 2"),
        ],
    )
    .await;
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!(p.kind, "record", "{p:?}");
    assert!(
        p.message.contains(&format!(
            "change of warning {w} (to assigned) that is missing"
        )),
        "{p:?}"
    );
}

#[tokio::test]
async fn one_warnings_receipts_are_proven_and_checked_against_the_desk() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, raised) = analysed(dir.path()).await;
    let w = raised[0];
    let view = warnings::show(&ws, w, Utc::now()).await.unwrap();
    let check = qinglian_app::check_warning(&ws, &view).unwrap();
    assert!(check.ok(), "{:?}", check.problems);
    // The finding, the raising and the assignment, each proven against the signed checkpoint.
    let what: Vec<&str> = check.entries.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(
        what,
        vec!["finding", "new", "assigned"],
        "{:?}",
        check.entries
    );
    assert!(
        check
            .entries
            .iter()
            .all(|e| e.proven && e.difference.is_none())
    );
    assert!(check.checkpoint.as_deref().unwrap().contains('\u{2014}'));
    // Another warning's entries are not this one's.
    let other = warnings::show(&ws, raised[1], Utc::now()).await.unwrap();
    let check = qinglian_app::check_warning(&ws, &other).unwrap();
    assert_eq!(
        check
            .entries
            .iter()
            .filter(|e| e.what == "assigned")
            .count(),
        0
    );

    // The assignment's actor altered behind the application's back: pinpointed at its entry.
    alter_assignment_actor(&ws, w).await;
    let view = warnings::show(&ws, w, Utc::now()).await.unwrap();
    let check = qinglian_app::check_warning(&ws, &view).unwrap();
    assert!(!check.ok());
    let altered = check.entries.iter().find(|e| e.what == "assigned").unwrap();
    assert!(
        altered
            .difference
            .as_deref()
            .unwrap()
            .contains("actor is 张三"),
        "{altered:?}"
    );
}
