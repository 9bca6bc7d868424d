//! `models train-scorer` on a real workspace: tenders whose warnings were judged become the
//! scorer's labelled cases (confirmed → collusive, legitimate → competitive, data errors
//! left out), their bids come from the lake, and too few judged tenders are refused with
//! the counts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Utc;
use qinglian_app::bids::{self, BaseRate, FeatureSet, TrainParams};
use qinglian_app::models::{
    JUDGED_SCORER_MODEL, judged_tenders, retrain_from_judgements, train_scorer,
};
use qinglian_app::warnings::{self, Channels};
use qinglian_app::{Config, ImportOptions, Workspace, import, init_workspace};
use qinglian_core::{Category, EvidenceRow, Finding, FindingSource, Severity, SourceKind, Subject};
use qinglian_store::{Disposition, FindingStore, NewFinding};
use qinglian_workflow::{Action, Request};

const TENDERS: usize = 30;

/// Tenders T00…T29 of five bids: even ones cover-priced (losers within 0.6 % of the
/// winner), odd ones independent (losers 4–30 % above).
fn bids_csv() -> String {
    let mut s = String::from("bid_id,tender_id,company_id,amount,is_winner\n");
    for t in 0..TENDERS {
        let win = 100_000 + 7_919 * t as u64;
        for k in 0..5u64 {
            let step = if t % 2 == 0 {
                11 + 3 * (t as u64 % 4)
            } else {
                400 + 130 * (t as u64 % 7)
            };
            let amount = win * (10_000 + k * step) / 10_000;
            let _ = writeln!(s, "B{t}-{k},T{t:02},C{k},{amount},{}", u8::from(k == 0));
        }
    }
    s
}

fn tender_finding(t: usize) -> NewFinding {
    let f = Finding {
        source: FindingSource {
            kind: SourceKind::Model,
            id: "MOD-BIDSCREEN".into(),
            version: "1.0.0".into(),
            content_hash: "h".into(),
        },
        category: Category::Pro,
        severity: Severity::Medium,
        subject: Subject {
            kind: "tender".into(),
            id: format!("T{t:02}"),
            name: None,
        },
        department: Some("采购部".into()),
        amount: None,
        occurred_on: None,
        explanation_zh: "报价集中".into(),
        explanation_en: "bids close together".into(),
        evidence: vec![EvidenceRow {
            dataset: "bids".into(),
            batch: "b".into(),
            row: t as i64,
        }],
        facts: BTreeMap::new(),
    };
    NewFinding {
        fingerprint: f.fingerprint(&[]),
        finding: f,
    }
}

/// A workspace with the bids and one warning per tender, judged as `judge` says.
async fn judged(dir: &std::path::Path, judge: impl Fn(usize) -> Option<Action>) -> Workspace {
    let ws = init_workspace(&dir.join("ws"), Config::default())
        .await
        .unwrap();
    let file = dir.join("bids.csv");
    std::fs::write(&file, bids_csv()).unwrap();
    let opts = ImportOptions {
        user: "tester".into(),
        ..ImportOptions::default()
    };
    import(&ws, "bids", &file, &opts, Box::new(|_, _| {}))
        .await
        .unwrap();
    let now = Utc::now();
    let findings: Vec<NewFinding> = (0..TENDERS).map(tender_finding).collect();
    ws.store
        .sync_findings(SourceKind::Model, "MOD-BIDSCREEN", &findings, now)
        .await
        .unwrap();
    let raised = warnings::raise_from_findings(&ws, "system", now, &Channels::default())
        .await
        .unwrap();
    assert_eq!(raised.raised.len(), TENDERS);
    for &id in &raised.raised {
        let w = warnings::show(&ws, id, now).await.unwrap().warning;
        let t: usize = w.subject_id[1..].parse().unwrap();
        let Some(last) = judge(t) else { continue };
        for a in [
            Action::Assign { to: "wang".into() },
            Action::Respond,
            Action::Verify,
            last,
        ] {
            warnings::act(&ws, id, &Request::new(a, "wang"), now, &Channels::default())
                .await
                .unwrap();
        }
    }
    ws
}

fn verdict(t: usize) -> Option<Action> {
    match t {
        // Two cover-priced tenders turned out to be bad data: no label either way.
        0 | 2 => Some(Action::Close {
            code: Disposition::DataError,
        }),
        // One independent tender is still being looked at.
        29 => None,
        t if t % 2 == 0 => Some(Action::Confirm),
        _ => Some(Action::Close {
            code: Disposition::Legitimate,
        }),
    }
}

#[tokio::test]
async fn judged_tender_warnings_train_a_scorer_that_ranks_cover_prices_first() {
    let dir = tempfile::tempdir().unwrap();
    let ws = judged(dir.path(), verdict).await;
    let market = judged_tenders(&ws).await.unwrap();
    let labels: BTreeMap<&str, bool> = market
        .tenders
        .iter()
        .map(|t| (t.id.as_str(), t.label.unwrap()))
        .collect();
    assert_eq!(labels.len(), TENDERS - 3, "{labels:?}");
    assert!(!labels.contains_key("T00") && !labels.contains_key("T29"));
    assert!(labels["T04"]);
    assert!(!labels["T05"]);
    let t04 = market.tenders.iter().find(|t| t.id == "T04").unwrap();
    assert_eq!(t04.bids.len(), 5, "bids come from the lake");

    let mut p = TrainParams::for_features(FeatureSet::Full);
    p.forest.n_trees = 30;
    p.forest.min_leaf = 2;
    let trained = train_scorer(&ws, &[], &p).await.unwrap();
    assert_eq!(trained.markets, vec![("judged".to_owned(), 13, 14)]);
    // The tenders left out, scored: the cover-priced one above the independent one.
    let lake_bids = bids::read_from(
        bids_csv().as_bytes(),
        "lake",
        "bids.csv",
        &bids::Columns {
            tender: "tender_id".into(),
            bid: "amount".into(),
            winner: Some("is_winner".into()),
            label: None,
        },
    )
    .unwrap();
    let mut unseen = lake_bids.clone();
    unseen.tenders.retain(|t| t.id == "T00" || t.id == "T29");
    let scored = bids::score(&trained.model, &unseen, BaseRate::Given(0.5)).unwrap();
    assert!(
        scored.tenders[0].score > 0.5 && scored.tenders[1].score < 0.5,
        "{:?}",
        scored.tenders
    );

    // The console's button: the same judgements, saved in place, put in use, logged.
    let again = retrain_from_judgements(&ws, "admin", Utc::now())
        .await
        .unwrap();
    assert_eq!(again.markets, trained.markets);
    assert!(ws.root.join(JUDGED_SCORER_MODEL).is_file());
    let config = qinglian_app::rule_settings::settings(&ws).unwrap();
    assert_eq!(
        config.models.scorer_model.as_deref(),
        Some(JUDGED_SCORER_MODEL)
    );
    let log = qinglian_app::users::access_log(&ws, 10, 0).await.unwrap();
    let entry = log.iter().find(|e| e.action == "scorer_training").unwrap();
    assert_eq!(
        (entry.actor.as_str(), entry.target.as_str()),
        ("admin", "model:MOD-SCORER")
    );
    assert!(
        entry
            .reason
            .as_deref()
            .unwrap()
            .starts_with("13 串通 collusive / 14 正常"),
        "{entry:?}"
    );
}

#[tokio::test]
async fn too_few_judged_tenders_are_refused_with_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    // Only four judged: two of each.
    let ws = judged(dir.path(), |t| match t {
        4 | 6 => Some(Action::Confirm),
        5 | 7 => Some(Action::Close {
            code: Disposition::RuleTooBroad,
        }),
        _ => None,
    })
    .await;
    let e = train_scorer(&ws, &[], &TrainParams::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("至少 10") && e.contains("2 / 2"), "{e}");
    assert!(e.contains("--cases"), "{e}");
    // The console's button is refused the same way and writes nothing.
    let e = retrain_from_judgements(&ws, "admin", Utc::now())
        .await
        .unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("2 / 2"), "{e}");
    assert!(
        e.to_string().contains("请先办结更多标段预警") && !e.to_string().contains("--cases"),
        "the console has no --cases: {e}"
    );
    assert!(!ws.root.join(JUDGED_SCORER_MODEL).exists());
    let config = qinglian_app::rule_settings::settings(&ws).unwrap();
    assert_eq!(config.models.scorer_model, None);
    // A case file that is not there is named, and nothing is trained.
    let missing = dir.path().join("no_such_cases.csv");
    let cases = [qinglian_app::models::CaseFile {
        path: missing.clone(),
        columns: bids::Columns {
            tender: "tender_id".into(),
            bid: "amount".into(),
            winner: None,
            label: Some("collusive".into()),
        },
    }];
    let e = train_scorer(&ws, &cases, &TrainParams::default())
        .await
        .unwrap_err();
    assert!(e.is_user_error(), "{e}");
    assert!(e.to_string().contains("no_such_cases.csv"), "{e}");
}
