//! MOD-IFOREST's forest over payments on a small hand-made lake (real workspace, real
//! Parquet lake): a payment unusual for its payee outranks the honest large payments of a
//! payee who is always paid large sums, and rows without an approval time or a method are
//! scored, not refused. (Over the small demo organisation: tests/models.rs.)

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};
use qinglian_app::analysis::RuleStatus;
use qinglian_core::{Category, Finding};

mod common;
use common::{open_findings, run_model, workspace_with};

/// Rows of the two planted payments, numbered as in the file (the header is row 1).
const ON_A_SATURDAY: i64 = 122;
const ON_A_WEDNESDAY: i64 = 123;

/// 24 weeks of Wednesdays from 2025-03-05 (none a holiday). Unit D1 pays 甲公司 a contract
/// instalment of 600,000–900,000 yuan and 乙公司 two small purchases of 800–2,000 yuan
/// every week; unit D2 pays 丙公司 two purchases of 3,000–6,000 yuan, without approval time
/// or method. Then 乙公司 is paid about ten times its usual: once on Saturday 2025-04-12,
/// once on a Wednesday.
fn payments() -> String {
    let mut s = String::from(
        "payment_id,unit_id,paid_on,approved_at,amount,payee_name,payee_company_id,contract_id,method\n",
    );
    let day0 = NaiveDate::from_ymd_opt(2025, 3, 5).unwrap();
    let vary = |k: u64, lo: u64, span: u64| lo + (k * 7_919 + 3_571) % span;
    for k in 0..24u64 {
        let day = day0 + Days::new(7 * k);
        let at = format!("{day} 10:{:02}:00", k * 2);
        let big = vary(k, 60_000_000, 30_000_000);
        let _ = writeln!(
            s,
            "A{k},D1,{day},{at},{}.{:02},甲公司,C1,HT1,transfer",
            big / 100,
            big % 100
        );
        for j in 0..2 {
            let small = vary(k * 2 + j, 80_000, 120_000);
            let mid = vary(k * 2 + j + 50, 300_000, 300_000);
            let _ = writeln!(
                s,
                "B{k}-{j},D1,{day},{day} 15:{:02}:00,{}.{:02},乙公司,C2,,transfer",
                k + j * 30,
                small / 100,
                small % 100
            );
            let _ = writeln!(
                s,
                "C{k}-{j},D2,{day},,{}.{:02},丙公司,C3,,",
                mid / 100,
                mid % 100
            );
        }
    }
    s.push_str("X1,D1,2025-04-12,2025-04-12 10:15:00,15234.56,乙公司,C2,,transfer\n");
    s.push_str("X2,D1,2025-06-18,2025-06-18 10:40:00,14321.09,乙公司,C2,,transfer\n");
    s
}

fn score(f: &Finding) -> f64 {
    f.facts["score"].parse().unwrap()
}

fn row(f: &Finding) -> i64 {
    assert_eq!(f.evidence.len(), 1, "{f:?}");
    assert_eq!(f.evidence[0].dataset, "payments");
    f.evidence[0].row
}

#[tokio::test]
async fn a_payment_unusual_for_its_payee_outranks_a_payee_always_paid_large_sums() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace_with(dir.path(), &[("payments", payments())]).await;
    let s = run_model(&ws, "MOD-IFOREST").await.unwrap();
    let forest = &s.models[0];
    assert_eq!(forest.status, RuleStatus::Ran, "{forest:?}");
    assert_eq!(forest.rows, 122);
    let mut found = open_findings(&ws, "MOD-IFOREST").await;
    found.sort_by(|a, b| score(b).total_cmp(&score(a)));
    let rows: Vec<i64> = found.iter().map(row).collect();
    // The Saturday payment first, the Wednesday one next: ten times the payee's usual.
    // Nothing else reaches the threshold: not 甲公司's large sums, not 丙公司's rows
    // without approval time or method.
    assert_eq!(rows, [ON_A_SATURDAY, ON_A_WEDNESDAY], "{found:#?}");
    assert!(found.iter().all(|f| f.category == Category::Fun));
    let weekday = &found[1];
    // Explained: the Saturday by the day, the Wednesday by the payee's usual amount.
    let saturday = &found[0];
    assert_eq!(saturday.subject.id, "C2");
    assert!(
        saturday.explanation_zh.starts_with("孤立森林异常分")
            && saturday.explanation_zh.contains("non_working_day=1.00"),
        "{}",
        saturday.explanation_zh
    );
    assert!(
        weekday
            .facts
            .contains_key("contribution.ln_amount_vs_payee_median")
            || weekday
                .facts
                .contains_key("contribution.ln_amount_vs_unit_median"),
        "{:?}",
        weekday.facts
    );
    ws.store.close().await;
}
