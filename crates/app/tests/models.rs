//! The model base run over a real workspace (real SQLite desk, real Parquet lake): the
//! detectors find what was planted, with evidence rows that point at the source rows, stay
//! silent on the clean copy, keep their findings apart from the rules', and report missing
//! data and bad settings instead of failing the run. One test runs them over the small demo
//! organisation and scores them against its ground truth.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Days, NaiveDate};
use qinglian_app::Workspace;
use qinglian_app::analysis::{RuleStatus, RunOptions, RunSummary, run_rules};
use qinglian_app::models::ModelRun;
use qinglian_core::{Category, Finding, SourceKind};
use qinglian_store::{FindingFilter, FindingStatus, FindingStore};

mod common;
use common::{open_findings, run_model, workspace_with};

/// Honest payments: two a week on Wednesdays (never a holiday in March–August 2025),
/// amounts all different, invoices all different. With `planted`, also a payment made
/// twice on one invoice a week apart (rows 50 and 51) and one on a Saturday (row 52).
fn payments(planted: bool) -> String {
    let mut s = String::from(
        "payment_id,unit_id,paid_on,amount,payee_name,payee_company_id,invoice_no,method,purpose\n",
    );
    let day0 = NaiveDate::from_ymd_opt(2025, 3, 5).unwrap();
    for k in 0..24u64 {
        let day = day0 + Days::new(7 * k);
        for (j, (payee, id)) in [("甲公司", "C1"), ("丙公司", "C3")].iter().enumerate() {
            let fen = 100_000 + 13_731 * (k * 2 + j as u64) * (k + 3);
            let _ = writeln!(
                s,
                "P{k}-{j},D{},{day},{}.{:02},{payee},{id},INV{:05},transfer,材料款",
                j + 1,
                fen / 100,
                fen % 100,
                k * 37 + j as u64 * 1_001
            );
        }
    }
    if planted {
        s.push_str("X1,D1,2025-04-09,23456.78,乙公司,C2,FP88001234,transfer,设备款\n");
        s.push_str("X2,D1,2025-04-16,23456.78,乙公司,C2,FP88001234,transfer,设备款\n");
        s.push_str("X3,D2,2025-04-12,8765.43,丁公司,C4,FP99007777,transfer,维修费\n");
    }
    s
}

/// Two tenders of three bids; with `planted`, two bidders of T1 share an IP address.
fn bids(planted: bool) -> String {
    let shared = if planted { "10.1.1.7" } else { "10.1.1.3" };
    format!(
        "bid_id,tender_id,company_id,amount,ip\n\
         B1,T1,C1,100000,10.1.1.1\n\
         B2,T1,C2,104000,10.1.1.7\n\
         B3,T1,C3,109000,{shared}\n\
         B4,T2,C1,51000,10.2.2.1\n\
         B5,T2,C2,50500,10.2.2.2\n\
         B6,T2,C3,53800,10.2.2.3\n"
    )
}

async fn workspace(dir: &Path, planted: bool) -> Workspace {
    workspace_with(
        dir,
        &[("payments", payments(planted)), ("bids", bids(planted))],
    )
    .await
}

fn model<'a>(s: &'a RunSummary, id: &str) -> &'a ModelRun {
    s.models.iter().find(|m| m.id == id).unwrap()
}

fn rows(f: &Finding) -> Vec<(String, i64)> {
    f.evidence
        .iter()
        .map(|e| (e.dataset.clone(), e.row))
        .collect()
}

#[tokio::test]
async fn planted_anomalies_are_found_with_their_rows_and_the_clean_copy_stays_silent() {
    let dir = tempfile::tempdir().unwrap();
    let clean = workspace(&dir.path().join("clean"), false).await;
    let s = run_rules(&clean, &RunOptions::default()).await.unwrap();
    assert_eq!(s.models.len(), 12);
    for id in [
        "MOD-DUPLICATE",
        "MOD-TEMPORAL",
        "MOD-FINGERPRINT",
        "MOD-BENFORD",
    ] {
        let m = model(&s, id);
        assert_eq!(m.status, RuleStatus::Ran, "{id}");
        assert_eq!(m.hits, 0, "{id} on the clean lake: {m:?}");
    }
    assert_eq!(model(&s, "MOD-DUPLICATE").rows, 48);
    assert!(
        s.models
            .iter()
            .all(|m| !matches!(m.status, RuleStatus::Failed { .. })),
        "{:?}",
        s.models
    );
    // No persons: the relationship graph has nothing to start from.
    assert_eq!(
        model(&s, "MOD-RELATION").status,
        RuleStatus::NotRun {
            needs: vec!["persons".into()]
        }
    );

    let ws = workspace(&dir.path().join("planted"), true).await;
    let s = run_rules(&ws, &RunOptions::default()).await.unwrap();
    assert_eq!(model(&s, "MOD-DUPLICATE").hits, 1);
    let dup = &open_findings(&ws, "MOD-DUPLICATE").await[0];
    assert_eq!(dup.source.kind, SourceKind::Model);
    assert_eq!(dup.source.version, "1.0.0");
    assert_eq!(dup.source.content_hash.len(), 32);
    assert_eq!(dup.subject.id, "C2");
    assert_eq!(
        rows(dup),
        vec![("payments".into(), 50), ("payments".into(), 51)],
        "the two payments, by their row in the source file"
    );
    assert!(
        dup.explanation_zh.contains("23,456.78"),
        "{}",
        dup.explanation_zh
    );
    assert!(!dup.explanation_en.is_empty());

    let off: Vec<Finding> = open_findings(&ws, "MOD-TEMPORAL").await;
    assert_eq!(off.len(), 1, "{off:?}");
    assert_eq!(rows(&off[0]), vec![("payments".into(), 52)]);
    assert!(
        off[0].explanation_zh.contains("周末"),
        "{}",
        off[0].explanation_zh
    );

    let fp = open_findings(&ws, "MOD-FINGERPRINT").await;
    assert_eq!(fp.len(), 1, "{fp:?}");
    assert_eq!(fp[0].subject.id, "T1");
    assert_eq!(rows(&fp[0]), vec![("bids".into(), 3), ("bids".into(), 4)]);
    assert_eq!(fp[0].facts["shared.ip"], "10.1.1.7");

    // Every model finding that opened was recorded, in the run's one ledger batch.
    let opened: u64 = s.models.iter().map(|m| m.new).sum();
    assert!(opened >= 3);
    assert!(
        s.recorded >= opened,
        "{} recorded, {opened} opened",
        s.recorded
    );
    let v = qinglian_app::ledger::verify(&ws, None, &[], &[])
        .await
        .unwrap();
    assert!(v.ok, "{:?}", v.problem);
}

#[tokio::test]
async fn rules_alone_or_one_model_alone_leave_the_other_findings_open() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), true).await;
    let all = run_rules(&ws, &RunOptions::default()).await.unwrap();
    let models_open = |s: &RunSummary| s.models.iter().map(|m| m.hits).sum::<u64>();
    assert!(models_open(&all) >= 3);
    let count = |kind: SourceKind| {
        let ws = &ws;
        async move {
            ws.store
                .list_findings(&FindingFilter {
                    status: Some(FindingStatus::Open),
                    ..FindingFilter::default()
                })
                .await
                .unwrap()
                .iter()
                .filter(|r| r.finding.source.kind == kind)
                .count()
        }
    };
    let (rules_before, models_before) = (
        count(SourceKind::Rule).await,
        count(SourceKind::Model).await,
    );

    let rules_only = RunOptions {
        no_models: true,
        ..RunOptions::default()
    };
    let s = run_rules(&ws, &rules_only).await.unwrap();
    assert!(s.models.is_empty());
    assert_eq!(s.resolved, 0);
    assert_eq!(count(SourceKind::Model).await, models_before);

    let models_only = RunOptions {
        no_rules: true,
        ..RunOptions::default()
    };
    let s = run_rules(&ws, &models_only).await.unwrap();
    assert!(s.rules.is_empty());
    assert_eq!(s.models.len(), 12);
    assert_eq!((s.new, s.resolved), (0, 0));
    assert_eq!(count(SourceKind::Rule).await, rules_before);

    let one = RunOptions {
        model: Some("mod-duplicate".into()),
        ..RunOptions::default()
    };
    let s = run_rules(&ws, &one).await.unwrap();
    assert!(s.rules.is_empty(), "naming a model runs that model only");
    assert_eq!(s.models.len(), 1);
    assert_eq!((s.models[0].hits, s.models[0].new, s.resolved), (1, 0, 0));
    assert_eq!(count(SourceKind::Rule).await, rules_before);
    assert_eq!(count(SourceKind::Model).await, models_before);
}

#[tokio::test]
async fn missing_data_and_bad_settings_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path(), true).await;
    let e = run_model(&ws, "MOD-NOPE").await.unwrap_err();
    assert!(e.is_user_error());
    assert!(e.to_string().contains("MOD-NOPE"), "{e}");

    // Without a trained model the scorer does not run, and says what it needs.
    let s = run_rules(&ws, &RunOptions::default()).await.unwrap();
    match &model(&s, "MOD-SCORER").status {
        RuleStatus::NotRun { needs } => assert!(needs[0].contains("scorer_model"), "{needs:?}"),
        other => panic!("{other:?}"),
    }
    // A model file that is not there fails that model alone.
    ws.config.models.scorer_model = Some("models/none.json".into());
    ws.config
        .models
        .disabled
        .insert("MOD-IFOREST".into(), "reviewed".into());
    let s = run_rules(&ws, &RunOptions::default()).await.unwrap();
    match &model(&s, "MOD-SCORER").status {
        RuleStatus::Failed { error } => assert!(error.contains("none.json"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        model(&s, "MOD-IFOREST").status,
        RuleStatus::Disabled {
            reason: "reviewed".into()
        }
    );
    assert_eq!(model(&s, "MOD-DUPLICATE").status, RuleStatus::Ran);
    // Expense claims are missing: the duplicate model reads the payments only.
    assert_eq!(model(&s, "MOD-DUPLICATE").rows, 51);
}

#[tokio::test]
async fn on_the_small_demo_the_injected_anomalies_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    let loaded = qinglian_app::demo::load(
        &root,
        qinglian_synth::Scale::Small,
        7,
        "test",
        &mut |_, _| {},
        &mut |_, _, _| {},
    )
    .await
    .unwrap();
    let ran = loaded
        .analysis
        .models
        .iter()
        .filter(|m| m.status == RuleStatus::Ran)
        .count();
    // All twelve: the demo trains the scorer on its generated closed cases.
    assert_eq!(ran, 12, "{:?}", loaded.analysis.models);
    let ws = Workspace::open(&root, &[]).await.unwrap();
    let truth = qinglian_app::eval::read_truth(&root.join("demo-data/ground_truth.jsonl")).unwrap();
    let e = qinglian_app::eval::evaluate(&ws, &truth).await.unwrap();
    let score = |id: &str| e.models.iter().find(|m| m.id == id).unwrap().clone();
    // Every shared IP, MAC, file hash, author, deposit account and phone planted.
    let fp = score("MOD-FINGERPRINT");
    assert!(fp.instances >= 6);
    assert_eq!(fp.detected, fp.instances, "{fp:?}");
    assert_eq!(fp.false_positives, 0, "{fp:?}");
    let dup = score("MOD-DUPLICATE");
    assert!(dup.detected * 4 >= dup.instances * 3, "{dup:?}");
    assert_eq!(dup.false_positives, 0, "{dup:?}");
    let out = score("MOD-OUTLIER");
    assert_eq!(out.detected, out.instances, "{out:?}");
    let rel = score("MOD-RELATION");
    assert!(rel.detected * 10 >= rel.instances * 9, "{rel:?}");
    // Cover prices a hair above the winner: the screens and the trained scorer see every
    // one; a unit that keeps purchases under its limit is seen as a cluster.
    for id in ["MOD-BIDSCREEN", "MOD-SCORER", "MOD-THRESHOLD"] {
        let m = score(id);
        assert!(m.instances >= 3, "{m:?}");
        assert_eq!(m.detected, m.instances, "{m:?}");
    }
    for id in ["MOD-BIDSCREEN", "MOD-SCORER"] {
        let m = score(id);
        assert!(m.true_positives >= 2 * m.false_positives, "{m:?}");
    }
    // Consecutive invoices of one claimant, lots of one project, round sums of a small payee.
    for id in ["MOD-DUPLICATE", "MOD-SPLIT", "MOD-BENFORD"] {
        let m = score(id);
        assert!(m.instances >= 2, "{m:?}");
        assert_eq!(m.detected, m.instances, "{m:?}");
    }
    // The claims forest's top scores are the lavish claims (venues, tobacco, receptions).
    let forest = score("MOD-IFOREST");
    assert!(forest.detected >= 3, "{forest:?}");
    // The payments forest reports injected payments (or a planted look-alike) only: every
    // one on a non-working day and at least two thirds of the large cash payments.
    // Evidence rows are numbered as in the file (the header is row 1); the id comes first.
    let file = std::fs::read_to_string(root.join("demo-data/payments.csv")).unwrap();
    let ids: Vec<&str> = file.lines().map(|l| l.split(',').next().unwrap()).collect();
    let reported: Vec<&str> = open_findings(&ws, "MOD-IFOREST")
        .await
        .iter()
        .filter(|f| f.category == Category::Fun)
        .map(|f| {
            assert_eq!(rows(f).len(), 1, "{f:?}");
            ids[f.evidence[0].row as usize - 1]
        })
        .collect();
    assert!(reported.len() >= 5, "{reported:?}");
    let planted = |id: &str| {
        truth.iter().any(|t| {
            t.rows
                .iter()
                .any(|r| r.dataset == "payments" && r.key == id)
        })
    };
    let honest: Vec<&&str> = reported.iter().filter(|id| !planted(id)).collect();
    assert!(honest.is_empty(), "honest payments reported: {honest:?}");
    let found = |kind: &str| {
        let of_kind: Vec<_> = truth
            .iter()
            .filter(|t| t.kind == kind && !t.lookalike)
            .collect();
        let hit = of_kind
            .iter()
            .filter(|t| t.rows.iter().any(|r| reported.contains(&r.key.as_str())))
            .count();
        (hit, of_kind.len())
    };
    let (holiday, of) = found("fun_nonworking_day_payment");
    assert!(of >= 2 && holiday == of, "{holiday} of {of}");
    let (cash, of) = found("fun_large_cash");
    assert!(of >= 2 && cash * 3 >= of * 2, "{cash} of {of}");
    ws.store.close().await;
}

/// The three labelled cartel markets of ../shared/data/bidrigging.
fn cartel_market(name: &str) -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/bidrigging")
        .join(name);
    assert!(p.is_file(), "{} is missing (../shared/data)", p.display());
    p
}

#[tokio::test]
async fn a_portable_scorer_places_its_flag_by_the_lakes_own_cv_mixture() {
    use qinglian_app::bids::{self, BaseRate, Columns, FeatureSet, TrainParams};
    let dir = tempfile::tempdir().unwrap();
    // Ticino's bids enter the lake as the spec's bids (Bid_value, Collusive_competitor,
    // Consortium, Tender, Date, Winner, …): the market the model has never seen.
    let text = std::fs::read_to_string(cartel_market("switzerland_ticino.csv")).unwrap();
    let mut csv = String::from("bid_id,tender_id,company_id,amount,is_winner\n");
    for (k, line) in text.lines().skip(1).enumerate() {
        let c: Vec<&str> = line.split(',').collect();
        let won = c[5].trim_end_matches(".0") == "1";
        // A few values carry float noise (2387830.1500000004): the lake holds fen.
        let amount: f64 = c[0].parse().unwrap();
        let _ = writeln!(csv, "B{k},TI{},C{k},{amount:.2},{}", c[3], u8::from(won));
    }
    let ws = workspace_with(dir.path(), &[("bids", csv)]).await;

    // A model for unseen markets, trained on the other two.
    let cols = Columns {
        tender: "Tender".into(),
        bid: "Bid_value".into(),
        winner: Some("Winner".into()),
        label: Some("Collusive_competitor".into()),
    };
    let markets: Vec<_> = ["switzerland_gr_sg.csv", "japan.csv"]
        .iter()
        .map(|m| bids::read_csv(&cartel_market(m), &cols).unwrap())
        .collect();
    let mut p = TrainParams::for_features(FeatureSet::Portable);
    p.forest.n_trees = 40;
    let trained = bids::train(&markets, &p).unwrap();
    assert!(trained.mixture.is_some());
    std::fs::create_dir_all(ws.root.join("models")).unwrap();
    trained.save(&ws.root.join("models/portable.json")).unwrap();
    let mut ws = Workspace::open(&ws.root, &[]).await.unwrap();
    ws.config.models.scorer_model = Some("models/portable.json".into());

    let s = run_model(&ws, "MOD-SCORER").await.unwrap();
    assert_eq!(model(&s, "MOD-SCORER").status, RuleStatus::Ran);
    let found = open_findings(&ws, "MOD-SCORER").await;
    // The same tenders `bids score` flags on the same market with the same model.
    let mut ticino = bids::read_csv(&cartel_market("switzerland_ticino.csv"), &cols).unwrap();
    ticino.tenders.retain(|t| t.bids.len() >= 3);
    let scored = bids::score(&trained, &ticino, BaseRate::Given(0.1)).unwrap();
    let fit = scored.mixture_used().expect("Ticino's fit is credible");
    let mut expected: Vec<String> = scored
        .tenders
        .iter()
        .filter(|t| t.flag)
        .map(|t| format!("TI{}", t.tender))
        .collect();
    let mut got: Vec<String> = found.iter().map(|f| f.subject.id.clone()).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert!(
        got.len() * 2 > ticino.tenders.len(),
        "most of Ticino's tenders are collusive"
    );
    for f in &found {
        assert!(
            f.explanation_zh.contains("混合分布"),
            "{}",
            f.explanation_zh
        );
        assert_eq!(
            f.facts["mixture_flag_share"],
            format!("{:.4}", fit.flag_share)
        );
    }
}

#[tokio::test]
async fn a_single_expense_claim_is_scored_with_nothing_to_compare_and_fails_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let claim = "claim_id,person_id,claimed_on,expense_date,kind,amount\n\
                 BX1,E1,2025-03-12,2025-03-10,hotel,480.00\n";
    let ws = workspace_with(
        dir.path(),
        &[
            ("payments", payments(false)),
            ("bids", bids(false)),
            ("expense_claims", claim.to_owned()),
        ],
    )
    .await;
    let s = run_model(&ws, "MOD-IFOREST").await.unwrap();
    let forest = model(&s, "MOD-IFOREST");
    assert_eq!(forest.status, RuleStatus::Ran, "{forest:?}");
    // The 48 honest payments and the one claim were read.
    assert_eq!(forest.rows, 49);
    assert!(
        open_findings(&ws, "MOD-IFOREST")
            .await
            .iter()
            .all(|f| f.category != qinglian_core::Category::Exp)
    );
}
