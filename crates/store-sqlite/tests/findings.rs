//! The finding store contract, run against a real SQLite file.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use qinglian_core::{
    Category, EvidenceRow, Finding, FindingSource, Money, Severity, SourceKind, Subject,
};
use qinglian_store::{FindingFilter, FindingStatus, FindingStore, NewFinding, SyncCounts};
use qinglian_store_sqlite::SqliteStore;

fn finding(rule: &str, subject: &str, fen: i64, rows: &[i64]) -> NewFinding {
    let mut facts = BTreeMap::new();
    facts.insert("n".to_owned(), rows.len().to_string());
    let f = Finding {
        source: FindingSource {
            kind: SourceKind::Rule,
            id: rule.into(),
            version: "1.0.0".into(),
            content_hash: "h1".into(),
        },
        category: Category::Fun,
        severity: Severity::High,
        subject: Subject {
            kind: "payee".into(),
            id: subject.into(),
            name: Some(format!("{subject}公司")),
        },
        department: Some("D01".into()),
        amount: Some(Money::from_fen(fen)),
        occurred_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 3),
        explanation_zh: format!("{subject} 重复支付"),
        explanation_en: format!("{subject} paid twice"),
        evidence: rows
            .iter()
            .map(|&row| EvidenceRow {
                dataset: "payments".into(),
                batch: "b1".into(),
                row,
            })
            .collect(),
        facts,
    };
    NewFinding {
        fingerprint: f.fingerprint(&[]),
        finding: f,
    }
}

async fn store(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("desk.sqlite"), true)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rerun_updates_instead_of_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let t0 = Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 0).unwrap();
    let first = vec![
        finding("FUN-001", "A", 100, &[2, 3]),
        finding("FUN-001", "B", 50, &[9]),
    ];
    let c = s
        .sync_findings(SourceKind::Rule, "FUN-001", &first, t0)
        .await
        .unwrap();
    assert_eq!(
        c,
        SyncCounts {
            new: 2,
            updated: 0,
            reopened: 0,
            resolved: 0,
            opened: vec![
                (1, first[0].fingerprint.clone()),
                (2, first[1].fingerprint.clone())
            ],
            closed: vec![],
        }
    );
    let t1 = t0 + Duration::hours(1);
    let mut again = first.clone();
    again[0].finding.evidence.push(EvidenceRow {
        dataset: "payments".into(),
        batch: "b2".into(),
        row: 4,
    });
    let c = s
        .sync_findings(SourceKind::Rule, "FUN-001", &again, t1)
        .await
        .unwrap();
    assert_eq!(
        c,
        SyncCounts {
            new: 0,
            updated: 2,
            reopened: 0,
            resolved: 0,
            opened: vec![],
            closed: vec![],
        }
    );
    let all = s.list_findings(&FindingFilter::default()).await.unwrap();
    assert_eq!(all.len(), 2, "no duplicates after a rerun");
    let a = all.iter().find(|f| f.finding.subject.id == "A").unwrap();
    assert_eq!(a.first_seen, t0);
    assert_eq!(a.last_seen, t1);
    assert_eq!(
        a.finding.evidence.len(),
        3,
        "evidence follows the latest run"
    );
    assert_eq!(a.finding.amount, Some(Money::from_fen(100)));
    assert_eq!(a.finding.facts["n"], "2");
}

#[tokio::test]
async fn findings_that_stop_firing_are_resolved_and_can_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let t0 = Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 0).unwrap();
    let a = finding("FUN-001", "A", 100, &[2]);
    let b = finding("FUN-001", "B", 50, &[9]);
    let other = finding("FUN-002", "A", 70, &[5]);
    s.sync_findings(SourceKind::Rule, "FUN-001", &[a.clone(), b.clone()], t0)
        .await
        .unwrap();
    s.sync_findings(
        SourceKind::Rule,
        "FUN-002",
        std::slice::from_ref(&other),
        t0,
    )
    .await
    .unwrap();
    let t1 = t0 + Duration::hours(1);
    let c = s
        .sync_findings(SourceKind::Rule, "FUN-001", std::slice::from_ref(&a), t1)
        .await
        .unwrap();
    assert_eq!(c.resolved, 1);
    assert!(c.opened.is_empty());
    let resolved = s
        .list_findings(&FindingFilter {
            status: Some(FindingStatus::ResolvedByData),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].finding.subject.id, "B");
    assert_eq!(resolved[0].resolved_at, Some(t1));
    assert_eq!(c.closed, vec![resolved[0].id], "the resolved finding's id");
    // Another rule's findings are untouched by this rule's run.
    let fun2 = s
        .list_findings(&FindingFilter {
            source_id: Some("FUN-002".into()),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(fun2[0].status, FindingStatus::Open);
    let t2 = t1 + Duration::hours(1);
    let c = s
        .sync_findings(SourceKind::Rule, "FUN-001", &[a, b.clone()], t2)
        .await
        .unwrap();
    assert_eq!((c.reopened, c.updated, c.new), (1, 1, 0));
    assert_eq!(
        c.opened,
        vec![(resolved[0].id, b.fingerprint.clone())],
        "a reopened finding is opened again"
    );
    let counts = s.finding_counts().await.unwrap();
    assert_eq!(counts.len(), 2);
    assert_eq!((counts[0].open, counts[0].resolved), (2, 0));
}

#[tokio::test]
async fn list_filters_and_get_with_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let t0 = Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 0).unwrap();
    let mut low = finding("EXP-001", "P", 10, &[7]);
    low.finding.severity = Severity::Low;
    low.finding.category = Category::Exp;
    s.sync_findings(SourceKind::Rule, "EXP-001", std::slice::from_ref(&low), t0)
        .await
        .unwrap();
    s.sync_findings(
        SourceKind::Rule,
        "FUN-001",
        &[finding("FUN-001", "A", 100, &[2, 3])],
        t0,
    )
    .await
    .unwrap();
    let high = s
        .list_findings(&FindingFilter {
            min_severity: Some(Severity::Medium),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(high.len(), 1);
    assert_eq!(high[0].finding.source.id, "FUN-001");
    let exp = s
        .list_findings(&FindingFilter {
            category: Some(Category::Exp),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(exp.len(), 1);
    let got = s.get_finding(high[0].id).await.unwrap().unwrap();
    assert_eq!(got.finding, high[0].finding);
    assert_eq!(
        got.finding.evidence,
        vec![
            EvidenceRow {
                dataset: "payments".into(),
                batch: "b1".into(),
                row: 2
            },
            EvidenceRow {
                dataset: "payments".into(),
                batch: "b1".into(),
                row: 3
            },
        ]
    );
    assert!(s.get_finding(9999).await.unwrap().is_none());
    let one = s
        .list_findings(&FindingFilter {
            limit: Some(1),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
}
