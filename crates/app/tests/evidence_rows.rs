//! A warning's evidence rows read back from the lake of a real workspace.

use std::path::Path;

use qinglian_app::{Config, ImportOptions, evidence_tables, import, init_workspace};
use qinglian_core::EvidenceRow;

fn ev(dataset: &str, batch: &str, row: i64) -> EvidenceRow {
    EvidenceRow {
        dataset: dataset.into(),
        batch: batch.into(),
        row,
    }
}

#[tokio::test]
async fn cited_rows_are_shown_with_the_specs_labels_and_missing_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let ws = init_workspace(&dir.path().join("ws"), Config::default())
        .await
        .unwrap();
    let csv = dir.path().join("payments.csv");
    std::fs::write(
        &csv,
        "凭证号,部门编码,付款日期,付款金额,收款单位,收款账号,摘要\n\
         P1,D1,2024-03-05,\"1,234.50\",北京某某科技有限公司,6222021234567890,设备款\n\
         P2,D1,2024-03-06,200,北京某某科技有限公司,,办公用品\n",
    )
    .unwrap();
    let opts = ImportOptions {
        user: "tester".into(),
        ..ImportOptions::default()
    };
    let out = import(&ws, "payments", Path::new(&csv), &opts, Box::new(|_, _| {}))
        .await
        .unwrap();
    let batch = out.batch.id.clone();

    let tables = evidence_tables(
        &ws,
        &[
            ev("payments", &batch, 3),
            ev("payments", &batch, 2),
            ev("payments", &batch, 40),
            ev("payments", "no-such-batch", 2),
        ],
        100,
    )
    .unwrap();
    assert_eq!(tables.len(), 2, "{tables:?}");
    let t = &tables[0];
    assert_eq!(
        (t.dataset_zh.as_str(), t.batch.as_str()),
        ("付款", batch.as_str())
    );
    let amount = t.columns.iter().position(|c| c.name == "amount").unwrap();
    assert_eq!(t.columns[amount].zh, "金额");
    let account = t
        .columns
        .iter()
        .position(|c| c.name == "payee_account_masked")
        .unwrap();
    assert_eq!(t.columns[account].en, "Payee account");
    assert_eq!(t.rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(t.rows[0].1[amount].as_deref(), Some("1234.50"));
    let masked = t.rows[0].1[account].as_deref().unwrap();
    assert!(
        !masked.contains("6222021234567890") && masked.contains('*'),
        "{masked}"
    );
    assert_eq!(t.missing, vec![40]);
    assert!(
        t.missing_reason
            .as_deref()
            .unwrap()
            .contains("not in batch")
    );

    let gone = &tables[1];
    assert_eq!(gone.missing, vec![2]);
    assert!(gone.rows.is_empty());
    assert!(
        gone.missing_reason
            .as_deref()
            .unwrap()
            .contains("not in the lake")
    );

    // A damaged lake file: the rows are named unreadable with the reason, the rest still shows.
    std::fs::write(
        ws.path("lake/payments/payments-damaged.parquet"),
        "not parquet",
    )
    .unwrap();
    let tables = evidence_tables(
        &ws,
        &[
            ev("payments", "payments-damaged", 7),
            ev("payments", &batch, 2),
        ],
        10,
    )
    .unwrap();
    assert_eq!(tables[0].missing, vec![7]);
    assert!(
        tables[0]
            .missing_reason
            .as_deref()
            .unwrap()
            .contains("cannot be read"),
        "{tables:?}"
    );
    assert_eq!(tables[1].rows.len(), 1);

    // A dataset the spec does not know is refused, not read from a made-up path.
    let err = evidence_tables(&ws, &[ev("../../etc", &batch, 2)], 10).unwrap_err();
    assert!(err.to_string().contains("../../etc"), "{err}");
    // The limit caps the rows read.
    let capped = evidence_tables(
        &ws,
        &[ev("payments", &batch, 2), ev("payments", &batch, 3)],
        1,
    )
    .unwrap();
    assert_eq!(capped[0].rows.len(), 1);
}
