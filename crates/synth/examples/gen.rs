//! Generates the demo organisation and reports timings:
//! `cargo run --release -p qinglian-synth --example gen -- large /tmp/large [SEED]`.

use std::path::PathBuf;
use std::time::Instant;

use qinglian_synth::{GenOptions, Scale, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let scale: Scale = args.next().unwrap_or_else(|| "small".into()).parse()?;
    let out = PathBuf::from(args.next().unwrap_or_else(|| "demo-data".into()));
    let seed = args.next().map_or(Ok(42), |s| s.parse())?;
    let start = Instant::now();
    // Payments are written last: they start when the previous dataset reports.
    let mut payments_started = None;
    let summary = generate(&GenOptions { seed, scale }, &out, &mut |dataset, rows| {
        if dataset != "payments" {
            payments_started = Some(Instant::now());
        } else if rows % 1_048_576 == 0 {
            eprintln!("payments: {rows} rows");
        }
    })?;
    let total = start.elapsed();
    let pay_secs = payments_started.map_or(0.0, |t| t.elapsed().as_secs_f64());
    for (dataset, n) in &summary.rows {
        println!("{dataset:<22} {n:>10}");
    }
    let kinds = summary.anomalies.len();
    let instances: u64 = summary.anomalies.values().sum();
    let lookalikes: u64 = summary.lookalikes.values().sum();
    println!("anomaly kinds {kinds}, instances {instances}, look-alikes {lookalikes}");
    let size = std::fs::metadata(out.join("payments.csv"))?.len();
    let rows = summary.rows["payments"];
    println!(
        "total {:.2} s; payments {rows} rows, {:.1} MB, ~{:.2} s, {:.0} rows/s",
        total.as_secs_f64(),
        size as f64 / 1e6,
        pay_secs,
        rows as f64 / pay_secs.max(1e-9)
    );
    Ok(())
}
