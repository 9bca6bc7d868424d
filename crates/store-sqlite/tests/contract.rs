//! The store contract, run against a real SQLite file.

use chrono::Utc;
use qinglian_store::{BatchRecord, BatchStatus, BatchStore};
use qinglian_store_sqlite::SqliteStore;

fn batch(id: &str, sha: &str) -> BatchRecord {
    BatchRecord {
        id: id.into(),
        dataset: "payments".into(),
        source_name: "p.csv".into(),
        source_sha256: sha.into(),
        source_bytes: 10,
        format: "csv".into(),
        encoding: "utf-8".into(),
        rows_read: 3,
        rows_accepted: 2,
        rows_quarantined: 1,
        mapping: "{}".into(),
        lake_file: format!("lake/payments/{id}.parquet"),
        quarantine_file: None,
        imported_at: Utc::now(),
        imported_by: "tester".into(),
        status: BatchStatus::Committing,
        note: None,
    }
}

#[tokio::test]
async fn a_batch_is_invisible_until_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("desk.sqlite"), true)
        .await
        .unwrap();
    store.begin_batch(&batch("b1", "aa")).await.unwrap();
    assert!(
        store
            .find_committed_by_hash("payments", "aa")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.dataset_counts().await.unwrap().is_empty());
    store.commit_batch("b1").await.unwrap();
    let found = store
        .find_committed_by_hash("payments", "aa")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.status, BatchStatus::Committed);
    let counts = store.dataset_counts().await.unwrap();
    assert_eq!(
        (counts[0].batches, counts[0].rows, counts[0].quarantined),
        (1, 2, 1)
    );
    // committing twice is refused: the state machine only moves forward
    assert!(store.commit_batch("b1").await.is_err());
}

#[tokio::test]
async fn failed_batches_stay_listed_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("desk.sqlite"), true)
        .await
        .unwrap();
    store.begin_batch(&batch("b2", "bb")).await.unwrap();
    store.fail_batch("b2", "interrupted").await.unwrap();
    let failed = store.batches_in_state(BatchStatus::Failed).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].note.as_deref(), Some("interrupted"));
    assert_eq!(store.list_batches(Some("payments")).await.unwrap().len(), 1);
    assert!(store.list_batches(Some("bids")).await.unwrap().is_empty());
}

#[tokio::test]
async fn counts_that_do_not_reconcile_are_refused_by_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("desk.sqlite"), true)
        .await
        .unwrap();
    let mut b = batch("b3", "cc");
    b.rows_read = 5; // 5 != 2 + 1
    assert!(store.begin_batch(&b).await.is_err());
}

#[tokio::test]
async fn opening_a_missing_database_without_create_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(&dir.path().join("nope.sqlite"), false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot be opened"), "{err}");
}
