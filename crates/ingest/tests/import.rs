//! The import pipeline on real files of every format, good and bad.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, Decimal128Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use qinglian_core::pseudo::Pseudonymiser;
use qinglian_ingest::{
    Encoding, Format, ImportRequest, ImportStats, IngestError, Mapping, import_file,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn parquet(&self) -> PathBuf {
        self.dir.path().join("out.parquet")
    }
    fn quarantine(&self) -> PathBuf {
        self.dir.path().join("q.csv")
    }
    fn import(
        &self,
        dataset: &str,
        file: &Path,
        mapping: Mapping,
        encoding: Option<Encoding>,
    ) -> Result<ImportStats, IngestError> {
        let req = ImportRequest {
            dataset: qinglian_spec::dataset(dataset).unwrap(),
            path: file,
            format: None,
            encoding,
            sheet: None,
            mapping,
            batch_id: "b1",
            pseudonymiser: Pseudonymiser::new([1u8; 32]),
            parquet_out: &self.parquet(),
            quarantine_out: &self.quarantine(),
        };
        import_file(req, &mut |_, _| {})
    }
    fn rows(&self) -> Vec<RecordBatch> {
        let f = std::fs::File::open(self.parquet()).unwrap();
        ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
    fn quarantine_text(&self) -> String {
        std::fs::read_to_string(self.quarantine()).unwrap()
    }
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> &'a Arc<dyn Array> {
    b.column(b.schema().index_of(name).unwrap())
}

/// The five-row payments fixture: A, B, C valid; D has 2024-02-30; E has '12,3O0'.
fn assert_payments_fixture(run: &Run, stats: &ImportStats) {
    assert_eq!(
        (stats.rows_read, stats.rows_accepted, stats.rows_quarantined),
        (5, 3, 2),
        "{stats:?}"
    );
    let batches = run.rows();
    let b = &batches[0];
    let ids = column(b, "payment_id")
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(ids.iter().flatten().collect::<Vec<_>>(), ["A", "B", "C"]);
    let amounts = column(b, "amount")
        .as_any()
        .downcast_ref::<Decimal128Array>()
        .unwrap();
    assert_eq!(amounts.values().to_vec(), vec![123_450, -20_000, 1_200_000]);
    let payee = column(b, "payee_name")
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert!(
        payee.value(0).starts_with("北京"),
        "Chinese text survives: {}",
        payee.value(0)
    );
    let rows = column(b, "_row")
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap();
    assert_eq!(
        rows.values().to_vec(),
        vec![2, 3, 4],
        "source row numbers as a person sees them"
    );
    let q = run.quarantine_text();
    assert!(q.contains("paid_on") && q.contains("2024-02-30"), "{q}");
    assert!(q.contains("amount") && q.contains("12,3O0"), "{q}");
}

#[test]
fn gbk_csv_with_chinese_headers() {
    let run = Run::new();
    let stats = run
        .import(
            "payments",
            &fixture("payments_gbk.csv"),
            Mapping::default(),
            None,
        )
        .unwrap();
    assert_eq!(
        stats.encoding,
        Encoding::Gb18030,
        "GBK is detected (decoded as its superset GB18030)"
    );
    assert_payments_fixture(&run, &stats);
}

#[test]
fn gb18030_with_characters_outside_gbk() {
    let run = Run::new();
    let stats = run
        .import(
            "payments",
            &fixture("payments_gb18030.csv"),
            Mapping::default(),
            Some(Encoding::Gb18030),
        )
        .unwrap();
    assert_eq!(stats.rows_accepted, 3);
    let b = &run.rows()[0];
    let payee = column(b, "payee_name")
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert!(
        payee.value(2).contains('𠀀'),
        "four-byte GB18030 character decoded: {}",
        payee.value(2)
    );
}

#[test]
fn utf8_with_bom_tsv_xls_and_jsonl() {
    for name in ["payments_bom.csv", "payments.tsv", "payments.xls"] {
        let run = Run::new();
        let stats = run
            .import("payments", &fixture(name), Mapping::default(), None)
            .unwrap();
        assert_payments_fixture(&run, &stats);
    }
    let run = Run::new();
    let stats = run
        .import(
            "payments",
            &fixture("payments.jsonl"),
            Mapping::default(),
            None,
        )
        .unwrap();
    assert_eq!(stats.format, Format::Jsonl);
    assert_eq!(
        (stats.rows_read, stats.rows_accepted, stats.rows_quarantined),
        (6, 3, 3),
        "the broken JSON line is quarantined"
    );
    assert!(run.quarantine_text().contains("not a JSON object"));
}

#[test]
fn xlsx_written_by_a_spreadsheet_library() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let header = ["凭证号", "部门编码", "付款日期", "付款金额", "收款单位"];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // A real date cell (Excel serial 45356 = 2024-03-05) and a numeric amount.
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "X1").unwrap();
    ws.write_string(1, 1, "D1").unwrap();
    ws.write_number_with_format(1, 2, 45356.0, &fmt).unwrap();
    ws.write_number(1, 3, 1234.5).unwrap();
    ws.write_string(1, 4, "某公司").unwrap();
    wb.save(&path).unwrap();
    let run = Run::new();
    let stats = run
        .import("payments", &path, Mapping::default(), None)
        .unwrap();
    assert_eq!(
        (stats.rows_read, stats.rows_accepted),
        (1, 1),
        "{:?}",
        std::fs::read_to_string(run.quarantine()).ok()
    );
    let b = &run.rows()[0];
    let d = column(b, "paid_on")
        .as_any()
        .downcast_ref::<arrow_array::Date32Array>()
        .unwrap();
    assert_eq!(d.value_as_date(0).unwrap().to_string(), "2024-03-05");
}

#[test]
fn parquet_from_another_tool_round_trips() {
    // Import a CSV, then import the lake file itself as a source: same accepted rows.
    let first = Run::new();
    first
        .import(
            "payments",
            &fixture("payments_bom.csv"),
            Mapping::default(),
            None,
        )
        .unwrap();
    let second = Run::new();
    let mapping: Mapping =
        toml::from_str("[columns]\n\"payee_account\" = \"\"\n\"payee_account_masked\" = \"\"\n")
            .unwrap();
    let stats = second
        .import("payments", &first.parquet(), mapping, None)
        .unwrap();
    assert_eq!(stats.format, Format::Parquet);
    assert_eq!((stats.rows_read, stats.rows_accepted), (3, 3));
}

#[test]
fn quarantine_counts_reconcile_on_a_messy_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.csv");
    let mut text = String::from("payment_id,unit_id,paid_on,amount,payee_name\n");
    let mut expected_bad = 0;
    for i in 0..1000 {
        let (date, amount) = match i % 7 {
            0 => ("2024-13-01", "10"), // bad month
            1 => ("2024-01-01", "abc"),
            2 => ("", "10"), // required empty
            _ => ("2024-01-02", "10.5"),
        };
        if i % 7 < 3 {
            expected_bad += 1;
        }
        text.push_str(&format!("P{i},D1,{date},{amount},某公司\n"));
    }
    text.push_str("P3,D1,2024-01-02,1,重复主键\n"); // duplicate key (P3 was accepted)
    text.push_str("P2000,D1\n"); // too few cells
    expected_bad += 2;
    std::fs::write(&path, text).unwrap();
    let run = Run::new();
    let s = run
        .import("payments", &path, Mapping::default(), None)
        .unwrap();
    assert_eq!(s.rows_read, 1002);
    assert_eq!(s.rows_quarantined, expected_bad);
    assert_eq!(s.rows_read, s.rows_accepted + s.rows_quarantined);
    let q = run.quarantine_text();
    assert_eq!(q.lines().count() as u64, 1 + s.quarantine_lines);
    assert!(
        q.contains("duplicate key") && q.contains("header has 5 columns"),
        "{q}"
    );
    let lake_rows: usize = run.rows().iter().map(RecordBatch::num_rows).sum();
    assert_eq!(lake_rows as u64, s.rows_accepted);
}

#[test]
fn personal_identifiers_never_reach_the_lake_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("persons.csv");
    std::fs::write(
        &path,
        "工号,姓名,身份证号,部门编码,手机\nE1,张三,11010519491231002X,D1,13812345678\n",
    )
    .unwrap();
    let run = Run::new();
    let s = run
        .import("persons", &path, Mapping::default(), None)
        .unwrap();
    assert_eq!(s.rows_accepted, 1);
    let bytes = std::fs::read(run.parquet()).unwrap();
    let hay = String::from_utf8_lossy(&bytes);
    assert!(
        !hay.contains("11010519491231002X") && !hay.contains("13812345678"),
        "clear identifiers in the lake"
    );
    let b = &run.rows()[0];
    let masked = column(b, "resident_id_masked")
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(masked.value(0), "110105********002X");
    let phone = column(b, "phone_masked")
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(phone.value(0), "138****5678");
}

#[test]
fn bad_files_get_one_clear_error_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Truncated XLSX: the first bytes of a real workbook.
    let xlsx = dir.path().join("t.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "payment_id").unwrap();
    let full = wb.save_to_buffer().unwrap();
    std::fs::write(&xlsx, &full[..full.len() / 2]).unwrap();
    // A binary file named .csv, a non-JSON .jsonl, a truncated parquet, wrong dataset.
    let bin = dir.path().join("b.csv");
    std::fs::write(&bin, [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let jsonl = dir.path().join("j.jsonl");
    std::fs::write(&jsonl, "payment_id,amount\n1,2\n").unwrap();
    let pq = dir.path().join("t.parquet");
    std::fs::write(&pq, b"PAR1 this is not really parquet").unwrap();
    let wrong = fixture("payments_bom.csv"); // payments data offered as bids
    let cases: [(&Path, &str, &str); 5] = [
        (&xlsx, "payments", "Excel"),
        (&bin, "payments", "binary"),
        (&jsonl, "payments", "JSON"),
        (&pq, "payments", "Parquet"),
        (&wrong, "bids", "required columns missing"),
    ];
    for (path, dataset, expected) in cases {
        let run = Run::new();
        let err = run
            .import(dataset, path, Mapping::default(), None)
            .unwrap_err();
        assert!(err.is_user_error(), "{path:?}: {err}");
        assert!(
            err.to_string().contains(expected),
            "{path:?}: expected '{expected}' in: {err}"
        );
        assert!(
            !run.quarantine().exists(),
            "{path:?}: nothing quarantined for a refused file"
        );
    }
}

#[test]
fn a_utf8_file_with_gbk_bytes_later_is_quarantined_not_garbled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.csv");
    let mut bytes =
        b"payment_id,unit_id,paid_on,amount,payee_name\nP1,D1,2024-01-02,1,ascii\n".to_vec();
    bytes.extend_from_slice(b"P2,D1,2024-01-02,1,");
    bytes.extend_from_slice(&encoding_rs::GBK.encode("某公司").0);
    bytes.push(b'\n');
    std::fs::write(&path, &bytes).unwrap();
    let run = Run::new();
    let s = run
        .import("payments", &path, Mapping::default(), Some(Encoding::Utf8))
        .unwrap();
    assert_eq!((s.rows_accepted, s.rows_quarantined), (1, 1));
    assert!(run.quarantine_text().contains("--encoding"));
}

/// The CSV reader hashes the file in the same pass that parses it; the digest must be the
/// whole file's, or a duplicate import would slip through.
#[test]
fn csv_import_reports_the_whole_files_sha256() {
    use sha2::{Digest, Sha256};
    let run = Run::new();
    let file = fixture("payments_gbk.csv");
    let stats = run
        .import("payments", &file, Mapping::default(), None)
        .unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let (sha, len) = stats.source_digest.expect("CSV is hashed on the way");
    assert_eq!(len, bytes.len() as u64);
    assert_eq!(sha, hex::encode(Sha256::digest(&bytes)));
}
