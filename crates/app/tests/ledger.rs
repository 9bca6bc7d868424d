//! The evidence ledger as the application uses it: imports and evidence recorded,
//! verification that checks the records behind the entries, tampering pinpointed, a crash
//! between commit and record recovered, and the witness exchange without HTTP.

use std::path::{Path, PathBuf};

use qinglian_app::ledger::{
    self, EVIDENCE_DIR, EvidenceKind, LEDGER_DIR, LedgerEvent, WitnessReply,
};
use qinglian_app::{AppError, Config, ImportOptions, Workspace, add_evidence, init_workspace};
use qinglian_ledger::{KeyKind, VerifierKey, verify_note};
use qinglian_store::BatchStore;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

async fn new_ws(dir: &Path) -> Workspace {
    init_workspace(&dir.join("ws"), Config::default())
        .await
        .unwrap()
}

async fn import(ws: &Workspace, dataset: &str, file: &str) -> qinglian_app::ImportOutcome {
    let mut opts = ImportOptions {
        user: "tester".into(),
        ..ImportOptions::default()
    };
    if file == "payments_finance_system.csv" {
        opts.mapping = Some(examples().join("mapping.toml"));
    }
    qinglian_app::import(
        ws,
        dataset,
        &examples().join(file),
        &opts,
        Box::new(|_, _| {}),
    )
    .await
    .unwrap()
}

fn evidence_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

async fn verify(ws: &Workspace) -> ledger::Verification {
    ledger::verify(ws, None, &[], &[]).await.unwrap()
}

/// Rewrites a batch's source hash in the desk directly, as someone bypassing the
/// application would.
async fn forge_source_sha256(ws: &Workspace, batch: &str, sha: &str) {
    let url = format!("sqlite://{}", ws.root.join("desk.sqlite").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let done = sqlx::query("UPDATE batches SET source_sha256 = ? WHERE id = ?")
        .bind(sha)
        .bind(batch)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    pool.close().await;
}

#[tokio::test]
async fn init_makes_a_private_log_key_and_a_signed_empty_log() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    let mode = std::fs::metadata(ws.root.join("ledger.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let key = ledger::verifier_key(&ws).unwrap();
    assert_eq!(key.kind(), KeyKind::Note);
    assert!(key.name().starts_with("qinglian.local/org/"), "{key}");
    let v = verify(&ws).await;
    assert!(v.ok, "{:?}", v.problem);
    assert_eq!((v.entries, v.checkpoints), (0, 1));
}

#[tokio::test]
async fn every_import_is_recorded_and_the_ledger_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    let a = import(&ws, "payments", "payments.csv").await;
    let b = import(&ws, "payments", "payments_finance_system.csv").await;
    assert_eq!((a.ledger_entry, b.ledger_entry), (0, 1));

    let v = verify(&ws).await;
    assert!(v.ok, "{:?}", v.problem);
    assert_eq!(v.entries, 2);
    assert_eq!(v.events.get("import_batch"), Some(&2));
    assert_eq!(v.records_checked, 2);
    assert!(v.recovered_batches.is_empty());

    // The receipt for the second batch proves exactly its recorded bytes.
    let p = ledger::prove(&ws, 1).unwrap();
    assert_eq!(p.entry["type"], "import_batch");
    assert_eq!(p.entry["batch"], b.batch.id.as_str());
    assert_eq!(p.entry["rows_read"], 2);
    assert_eq!(p.entry["source_sha256"], b.batch.source_sha256.as_str());
    let key = ledger::verifier_key(&ws).unwrap();
    let cp = p
        .receipt
        .verify(&key, Some(p.entry_text.as_bytes()))
        .unwrap();
    assert_eq!(cp.size, 2);
    assert!(p.receipt.verify(&key, Some(b"something else")).is_err());
    assert_eq!(
        ledger::find_entries(&ws, &a.batch.id).unwrap(),
        vec![0],
        "entries are found by batch id"
    );
}

#[tokio::test]
async fn a_batch_row_altered_in_the_desk_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    import(&ws, "payments", "payments.csv").await;
    let b = import(&ws, "payments", "payments_finance_system.csv").await;
    let forged = "0".repeat(64);
    forge_source_sha256(&ws, &b.batch.id, &forged).await;
    let v = verify(&ws).await;
    assert!(!v.ok);
    let p = v.problem.unwrap();
    assert_eq!((p.kind, p.entry), ("record", Some(1)), "{}", p.message);
    assert!(
        p.message.contains(&b.batch.id) && p.message.contains("source_sha256"),
        "{}",
        p.message
    );
}

#[tokio::test]
async fn a_batch_hidden_or_its_lake_file_changed_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    let a = import(&ws, "payments", "payments.csv").await;
    let b = import(&ws, "payments", "payments_finance_system.csv").await;

    // Appending to the lake file of the first batch.
    let lake = ws.root.join(&a.batch.lake_file);
    let mut bytes = std::fs::read(&lake).unwrap();
    bytes.push(0);
    std::fs::write(&lake, &bytes).unwrap();
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!(p.entry, Some(0), "{}", p.message);
    assert!(p.message.contains("was altered"), "{}", p.message);
    bytes.pop();
    std::fs::write(&lake, &bytes).unwrap();
    assert!(verify(&ws).await.ok);

    // Marking the second batch failed hides it from analysis: the ledger still has it.
    ws.store.fail_batch(&b.batch.id, "hidden").await.unwrap();
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!(p.entry, Some(1), "{}", p.message);
    assert!(p.message.contains("failed"), "{}", p.message);
}

#[tokio::test]
async fn an_altered_evidence_file_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    import(&ws, "payments", "payments.csv").await;
    let bid = evidence_file(dir.path(), "投标文件.pdf", "bid of 清源市恒达");
    let minutes = evidence_file(dir.path(), "minutes.txt", "会议纪要：同意");
    let r1 = add_evidence(&ws, &bid, EvidenceKind::BidDocument, Some("T-1"), "t").unwrap();
    let r2 = add_evidence(&ws, &minutes, EvidenceKind::Minutes, None, "t").unwrap();
    assert_eq!((r1.receipt.index, r2.receipt.index), (1, 2));
    assert_eq!(r2.event.original_name, "minutes.txt");
    let key = ledger::verifier_key(&ws).unwrap();
    assert_eq!(r2.receipt.verify(&key, None).unwrap().size, 3);
    assert!(verify(&ws).await.ok);

    // The stored copy is read-only; an attacker changes the mode, then the content.
    let stored = ws.root.join(&r2.event.stored_path);
    let mut perms = std::fs::metadata(&stored).unwrap().permissions();
    assert!(perms.readonly());
    #[allow(clippy::permissions_set_readonly_false)] // the test plays the attacker
    perms.set_readonly(false);
    std::fs::set_permissions(&stored, perms).unwrap();
    std::fs::write(&stored, "会议纪要：不同意").unwrap();
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!((p.kind, p.entry), ("record", Some(2)), "{}", p.message);
    assert!(p.message.contains("minutes.txt"), "{}", p.message);

    std::fs::remove_file(&stored).unwrap();
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!(p.entry, Some(2));
    assert!(p.message.contains("missing"), "{}", p.message);

    // Putting the original back restores it; a file slipped into the store is reported.
    add_evidence(&ws, &minutes, EvidenceKind::Minutes, None, "t").unwrap();
    assert!(verify(&ws).await.ok);
    std::fs::write(ws.root.join(EVIDENCE_DIR).join("f".repeat(64)), "x").unwrap();
    let p = verify(&ws).await.problem.unwrap();
    assert_eq!(p.kind, "unrecorded", "{}", p.message);
}

#[tokio::test]
async fn an_altered_ledger_entry_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    import(&ws, "payments", "payments.csv").await;
    import(&ws, "payments", "payments_finance_system.csv").await;
    let path = ws.root.join(LEDGER_DIR).join("entries.log");
    let mut bytes = std::fs::read(&path).unwrap();
    // The second entry's payload: change its row count 2 → 3.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let second = text.rfind("\"rows_read\":2").unwrap() + "\"rows_read\":".len();
    bytes[second] = b'3';
    std::fs::write(&path, &bytes).unwrap();
    let v = verify(&ws).await;
    let p = v.problem.unwrap();
    assert_eq!((p.kind, p.entry), ("log", Some(1)), "{}", p.message);
}

#[tokio::test]
async fn a_crash_between_commit_and_record_is_recovered_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    let root = ws.root.clone();
    import(&ws, "payments", "payments.csv").await;
    // The ledger as it was before the second import touched it…
    let saved = dir.path().join("ledger-before");
    copy_dir(&root.join(LEDGER_DIR), &saved);
    let b = import(&ws, "payments", "payments_finance_system.csv").await;
    ws.store.close().await;
    // …is exactly what a crash after the commit and before the append leaves behind.
    std::fs::remove_dir_all(root.join(LEDGER_DIR)).unwrap();
    copy_dir(&saved, &root.join(LEDGER_DIR));

    let ws = Workspace::open(&root, &[]).await.unwrap();
    let v = verify(&ws).await;
    assert!(v.ok, "{:?}", v.problem);
    assert_eq!(v.events.get("import_batch"), Some(&2));
    assert_eq!(v.recovered_batches, vec![b.batch.id.clone()]);
    let p = ledger::prove(&ws, 1).unwrap();
    assert_eq!(p.entry["batch"], b.batch.id.as_str());
    assert_eq!(p.entry["recovered"], true);
    ws.store.close().await;

    // Opening again (even with the cache gone) records nothing twice.
    std::fs::remove_file(root.join(LEDGER_DIR).join(ledger::APP_INDEX_FILE)).unwrap();
    let ws = Workspace::open(&root, &[]).await.unwrap();
    let v = verify(&ws).await;
    assert_eq!(v.entries, 2);
    // An import event for a batch the ledger holds is not appended again.
    let event = ledger::import_event(&ws, &b.batch).unwrap();
    let r = ledger::record(&ws, &[LedgerEvent::ImportBatch(event)]).unwrap();
    assert_eq!(r[0].index, 1);
    assert_eq!(verify(&ws).await.entries, 2);
}

#[tokio::test]
async fn a_workspace_from_before_the_ledger_gets_one_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    let root = ws.root.clone();
    let a = import(&ws, "payments", "payments.csv").await;
    ws.store.close().await;
    for f in ["ledger.key", "ledger.pub"] {
        std::fs::remove_file(root.join(f)).unwrap();
    }
    std::fs::remove_dir_all(root.join(LEDGER_DIR)).unwrap();
    let ws = Workspace::open(&root, &[]).await.unwrap();
    let v = verify(&ws).await;
    assert!(v.ok, "{:?}", v.problem);
    assert_eq!(v.recovered_batches, vec![a.batch.id]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[tokio::test]
async fn export_verifies_with_the_key_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    import(&ws, "payments", "payments.csv").await;
    let bid = evidence_file(dir.path(), "bid.pdf", "bid");
    add_evidence(&ws, &bid, EvidenceKind::BidDocument, None, "t").unwrap();
    let out = dir.path().join("bundle");
    let s = ledger::export(&ws, &out).unwrap();
    assert_eq!(s.entries, 2);
    let key: VerifierKey = s.verifier_key.parse().unwrap();
    let v = ledger::verify_bundle(&out, &key, &[], &[]).unwrap();
    assert!(v.ok, "{:?}", v.problem);
    assert_eq!(v.events.get("evidence_file"), Some(&1));
    // Another key does not verify it.
    let other = qinglian_ledger::SignerKey::generate(key.name(), KeyKind::Note)
        .unwrap()
        .verifier();
    assert!(!ledger::verify_bundle(&out, &other, &[], &[]).unwrap().ok);
    // Exporting into a folder that is not empty is a user error.
    let e = ledger::export(&ws, &out).unwrap_err();
    assert!(e.is_user_error(), "{e}");
}

#[tokio::test]
async fn user_errors_are_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    let e = "receipt".parse::<EvidenceKind>().unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("bid-document"));
    assert!(ledger::prove(&ws, 0).unwrap_err().is_user_error());
    assert!(ledger::consistency(&ws, 5).unwrap_err().is_user_error());
    assert!(
        ledger::parse_verifier_key("nope")
            .unwrap_err()
            .is_user_error()
    );
    let e = add_evidence(
        &ws,
        &dir.path().join("absent"),
        EvidenceKind::Other,
        None,
        "t",
    )
    .unwrap_err();
    assert!(e.is_user_error(), "{e}");
}

/// The witness exchange with the transport replaced by a direct call: a first cosignature,
/// a consistency proof for the next, and a 409 answered by retrying with the witness's size.
#[tokio::test]
async fn a_witness_cosigns_and_the_log_keeps_the_cosignature() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    import(&ws, "payments", "payments.csv").await;
    let log_key = ledger::verifier_key(&ws).unwrap();
    let logs = vec![(log_key.name().to_owned(), log_key.clone())];
    let mut setup = ledger::open_witness(&dir.path().join("w"), None, &logs).unwrap();
    let wkey = setup.verifier_key.clone();
    let mut bodies = Vec::new();
    let mut send = |body: &str| -> Result<WitnessReply, AppError> {
        bodies.push(body.to_owned());
        Ok(match setup.witness.add_checkpoint(body, 1_700_000_000) {
            Ok(line) => WitnessReply::Cosigned(line),
            Err(qinglian_ledger::WitnessError::SizeConflict { latest }) => {
                WitnessReply::SizeConflict(latest)
            }
            Err(e) => WitnessReply::Refused {
                status: e.status(),
                message: e.to_string(),
            },
        })
    };
    let w = ledger::witness_latest(&ws, &wkey, &mut send).unwrap();
    assert_eq!((w.checkpoint_size, w.old_size, w.requests), (1, 0, 1));
    let v = verify_note(&w.cosigned_checkpoint, &[log_key.clone(), wkey.clone()]).unwrap();
    assert_eq!(v.verified.len(), 2);

    import(&ws, "payments", "payments_finance_system.csv").await;
    let w = ledger::witness_latest(&ws, &wkey, &mut send).unwrap();
    assert_eq!((w.checkpoint_size, w.old_size, w.requests), (2, 1, 1));

    // The log lost its cosignature journal: it asks from 0, gets 409 and retries.
    std::fs::remove_file(ws.root.join(LEDGER_DIR).join("cosignatures.jsonl")).unwrap();
    let bid = evidence_file(dir.path(), "bid.pdf", "bid");
    add_evidence(&ws, &bid, EvidenceKind::BidDocument, None, "t").unwrap();
    let w = ledger::witness_latest(&ws, &wkey, &mut send).unwrap();
    assert_eq!((w.checkpoint_size, w.old_size, w.requests), (3, 2, 2));
    let _ = send;
    assert_eq!(bodies.len(), 4);
    assert!(bodies[2].starts_with("old 0\n") && bodies[3].starts_with("old 2\n"));

    let v = ledger::verify(&ws, None, std::slice::from_ref(&wkey), &[])
        .await
        .unwrap();
    assert!(v.ok, "{:?}", v.problem);
    assert_eq!(v.cosignatures, 1);
    // A note key is not a witness key.
    assert!(
        ledger::witness_latest(&ws, &log_key, &mut |_| unreachable!())
            .unwrap_err()
            .is_user_error()
    );
}

/// A consistent older copy of the ledger verifies on its own; only a checkpoint kept
/// outside the workspace (here the auditor's evidence receipt) exposes the rollback.
#[tokio::test]
async fn a_rollback_is_caught_with_a_receipt_the_auditor_kept() {
    let dir = tempfile::tempdir().unwrap();
    let ws = new_ws(dir.path()).await;
    import(&ws, "payments", "payments.csv").await;
    let before = dir.path().join("ledger-before");
    copy_dir(&ws.root.join(LEDGER_DIR), &before);
    let bid = evidence_file(dir.path(), "bid.pdf", "bid");
    let receipt = add_evidence(&ws, &bid, EvidenceKind::BidDocument, None, "t").unwrap();
    let kept = dir.path().join("receipt.json");
    std::fs::write(&kept, serde_json::to_string(&receipt).unwrap()).unwrap();
    let key = ledger::verifier_key(&ws).unwrap();
    let cp = ledger::read_remembered_checkpoint(&kept, &key).unwrap();
    assert_eq!(cp.size, 2);
    assert!(
        ledger::verify(&ws, None, &[], std::slice::from_ref(&cp))
            .await
            .unwrap()
            .ok
    );

    std::fs::remove_dir_all(ws.root.join(LEDGER_DIR)).unwrap();
    copy_dir(&before, &ws.root.join(LEDGER_DIR));
    let v = ledger::verify(&ws, None, &[], &[cp]).await.unwrap();
    assert!(!v.ok);
    let p = v.problem.unwrap();
    assert!(p.message.contains("rolled back"), "{}", p.message);

    // A "memory" not signed by this log's key is refused, not believed.
    let other = qinglian_ledger::SignerKey::generate(key.name(), KeyKind::Note).unwrap();
    let forged = qinglian_ledger::Checkpoint::new(key.name(), 9, qinglian_ledger::empty_root())
        .sign(&other)
        .unwrap();
    let forged_file = dir.path().join("forged.txt");
    std::fs::write(&forged_file, forged).unwrap();
    let e = ledger::read_remembered_checkpoint(&forged_file, &key).unwrap_err();
    assert!(e.is_user_error(), "{e}");
}
