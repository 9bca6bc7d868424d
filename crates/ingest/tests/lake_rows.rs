//! Reading cited rows back out of a lake file written by a real import.

use std::path::Path;

use qinglian_core::pseudo::Pseudonymiser;
use qinglian_ingest::{ImportRequest, IngestError, Mapping, import_file, read_lake_rows};

fn import_payments(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("b1.parquet");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/payments.tsv");
    let req = ImportRequest {
        dataset: qinglian_spec::dataset("payments").unwrap(),
        path: &fixture,
        format: None,
        encoding: None,
        sheet: None,
        mapping: Mapping::default(),
        batch_id: "b1",
        pseudonymiser: Pseudonymiser::new([1u8; 32]),
        parquet_out: &out,
        quarantine_out: &dir.join("q.csv"),
    };
    let stats = import_file(req, &mut |_, _| {}).unwrap();
    assert_eq!(stats.rows_accepted, 3, "{stats:?}");
    out
}

fn cell<'a>(rows: &'a qinglian_ingest::LakeRows, row: i64, column: &str) -> Option<&'a str> {
    let c = rows
        .columns
        .iter()
        .position(|n| n == column)
        .unwrap_or_else(|| panic!("no column {column} in {:?}", rows.columns));
    let r = rows.rows.iter().find(|r| r.row == row).unwrap();
    r.cells[c].as_deref()
}

#[test]
fn cited_rows_come_back_as_text_with_identifiers_masked() {
    let dir = tempfile::tempdir().unwrap();
    let lake = import_payments(dir.path());
    // Source rows: header = 1, A = 2, B = 3, C = 4; D (5) and E (6) were quarantined.
    let got = read_lake_rows(&lake, &[4, 2, 5, 99, 2]).unwrap();
    assert_eq!(
        got.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![2, 4]
    );
    assert_eq!(got.missing, vec![5, 99]);
    assert_eq!(cell(&got, 2, "payment_id"), Some("A"));
    assert_eq!(cell(&got, 2, "paid_on"), Some("2024-03-05"));
    assert_eq!(cell(&got, 2, "amount"), Some("1234.50"));
    assert_eq!(cell(&got, 4, "amount"), Some("12000.00"));
    // The account is shown masked only; its keyed hash and the system columns are not shown.
    let masked = cell(&got, 2, "payee_account_masked").unwrap();
    assert!(
        masked.contains('*') && !masked.contains("6222021234567890"),
        "{masked}"
    );
    assert!(!got.columns.iter().any(|c| c == "payee_account"));
    assert!(!got.columns.iter().any(|c| c.starts_with('_')));
    assert_eq!(cell(&got, 4, "payee_account_masked"), None);
}

#[test]
fn a_file_that_is_not_a_lake_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = read_lake_rows(&dir.path().join("gone.parquet"), &[2]).unwrap_err();
    assert!(matches!(missing, IngestError::Io { .. }), "{missing}");
    let text = dir.path().join("text.parquet");
    std::fs::write(&text, "voucher_no,amount\nA,1\n").unwrap();
    let err = read_lake_rows(&text, &[2]).unwrap_err().to_string();
    assert!(
        err.contains("text.parquet") && err.contains("数据湖"),
        "{err}"
    );
}
