//! CSV files larger than one reading block: records, row numbers and quarantine lines must
//! be exactly those of the whole file, wherever the blocks are cut (inside quoted fields
//! with newlines, in CRLF files, in GBK).

use std::collections::BTreeSet;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use qinglian_core::pseudo::Pseudonymiser;
use qinglian_ingest::{Encoding, ImportRequest, ImportStats, Mapping, import_file};

const ROWS: usize = 90_000;

/// What the generated file should import as.
struct Expected {
    text: String,
    /// Source line of every accepted row, in order.
    accepted: Vec<i64>,
    /// Source line of every refused row.
    refused: BTreeSet<u64>,
    /// (line, payee) of rows whose payee is a quoted field with a newline inside.
    multiline: Vec<(i64, String)>,
}

fn generate(newline: &str) -> Expected {
    let mut text = format!("payment_id,unit_id,paid_on,amount,payee_name,purpose{newline}");
    let mut line = 2i64; // the header is line 1
    let (mut accepted, mut refused, mut multiline) = (Vec::new(), BTreeSet::new(), Vec::new());
    for i in 0..ROWS {
        let start = line;
        let (date, ok) = if i % 997 == 5 {
            ("2024-02-30", false) // no such day
        } else {
            ("2024-03-05", true)
        };
        if i % 1_301 == 9 {
            // One cell too few: a broken row.
            text.push_str(&format!("FK{i:07},D01,{date},12.50{newline}"));
            refused.insert(start as u64);
            line += 1;
            continue;
        }
        let payee = if i % 211 == 3 {
            let p = format!("某某\"分\"公司,{newline}第{i}号");
            if ok {
                multiline.push((start, p.clone()));
            }
            line += 1; // the newline inside the quoted field
            format!("\"{}\"", p.replace('"', "\"\""))
        } else {
            format!("北京某某科技有限公司{}", i % 50)
        };
        text.push_str(&format!(
            "FK{i:07},D{:02},{date},{}.{:02},{payee},办公用品{newline}",
            i % 20,
            i % 100_000,
            i % 100
        ));
        if i % 10_007 == 1 {
            text.push_str(newline); // a blank line: no record, but a line
            line += 1;
        }
        if ok {
            accepted.push(start);
        } else {
            refused.insert(start as u64);
        }
        line += 1;
    }
    Expected {
        text,
        accepted,
        refused,
        multiline,
    }
}

fn import(path: &Path, dir: &Path, encoding: Option<Encoding>) -> ImportStats {
    let req = ImportRequest {
        dataset: qinglian_spec::dataset("payments").unwrap(),
        path,
        format: None,
        encoding,
        sheet: None,
        mapping: Mapping::default(),
        batch_id: "b1",
        pseudonymiser: Pseudonymiser::new([1u8; 32]),
        parquet_out: &dir.join("out.parquet"),
        quarantine_out: &dir.join("q.csv"),
    };
    import_file(req, &mut |_, _| {}).unwrap()
}

fn check(e: &Expected, file_bytes: &[u8], encoding: Option<Encoding>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("payments.csv");
    std::fs::write(&path, file_bytes).unwrap();
    assert!(
        file_bytes.len() > 4 << 20,
        "the file must span several blocks"
    );
    let stats = import(&path, dir.path(), encoding);
    assert_eq!(stats.rows_read, ROWS as u64);
    assert_eq!(stats.rows_accepted, e.accepted.len() as u64);
    assert_eq!(stats.rows_quarantined, e.refused.len() as u64);

    let f = std::fs::File::open(dir.path().join("out.parquet")).unwrap();
    let (mut rows, mut payees) = (Vec::new(), Vec::new());
    for b in ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
    {
        let b = b.unwrap();
        let row = b
            .column_by_name("_row")
            .unwrap()
            .as_primitive::<Int64Type>();
        let payee = b.column_by_name("payee_name").unwrap().as_string::<i32>();
        rows.extend(row.values().iter().copied());
        payees.extend(payee.iter().map(|p| p.unwrap().to_owned()));
    }
    assert_eq!(
        rows, e.accepted,
        "accepted rows keep their source line numbers"
    );
    for (line, payee) in &e.multiline {
        let i = rows.iter().position(|r| r == line).unwrap();
        assert_eq!(
            &payees[i], payee,
            "quoted field with a newline at line {line}"
        );
    }

    let q = std::fs::read_to_string(dir.path().join("q.csv")).unwrap();
    let mut r = csv::Reader::from_reader(q.trim_start_matches('\u{feff}').as_bytes());
    let quarantined: BTreeSet<u64> = r
        .records()
        .map(|rec| rec.unwrap()[0].parse().unwrap())
        .collect();
    assert_eq!(
        quarantined, e.refused,
        "quarantine names the exact source lines"
    );
}

#[test]
fn records_and_row_numbers_survive_block_cuts() {
    let e = generate("\n");
    check(&e, e.text.as_bytes(), None);
}

#[test]
fn crlf_files_read_the_same() {
    let e = generate("\r\n");
    check(&e, e.text.as_bytes(), None);
}

#[test]
fn gbk_files_read_the_same() {
    let e = generate("\n");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&e.text);
    assert!(!unmappable);
    check(&e, &gbk, Some(Encoding::Gbk));
}
