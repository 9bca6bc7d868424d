//! Imports one file into a Parquet file outside any workspace, for profiling the pipeline:
//! `cargo run --release -p qinglian-ingest --example ingest_file -- payments FILE OUT.parquet`
use std::path::Path;
use std::time::Instant;

use qinglian_core::pseudo::Pseudonymiser;
use qinglian_ingest::{ImportRequest, Mapping, import_file};

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dataset, file, out] = &args[..] else {
        eprintln!("usage: ingest_file DATASET FILE OUT.parquet");
        std::process::exit(2);
    };
    let q = format!("{out}.quarantine.csv");
    let start = Instant::now();
    let req = ImportRequest {
        dataset: qinglian_spec::dataset(dataset).expect("known dataset"),
        path: Path::new(file),
        format: None,
        encoding: None,
        sheet: None,
        mapping: Mapping::default(),
        batch_id: "bench",
        pseudonymiser: Pseudonymiser::new([9u8; 32]),
        parquet_out: Path::new(out),
        quarantine_out: Path::new(&q),
    };
    let stats = import_file(req, &mut |_, _| {}).expect("import");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} rows ({} quarantined) in {secs:.2} s = {:.0} rows/s",
        stats.rows_read,
        stats.rows_quarantined,
        stats.rows_read as f64 / secs
    );
}
