//! Runs the built-in rule pack over a workspace's lake folder without the desk: every
//! `lake/<dataset>/*.parquet` is registered (so only use it on a lake whose files are all
//! committed, such as a fresh demo), each rule is timed, and the findings are written as
//! JSON for evaluation and benchmarks.
//!
//! ```text
//! cargo run -p qinglian-rules --example lake_run -- WORKSPACE [OUT.json]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use qinglian_core::calendar::Calendar;
use qinglian_rules::{Engine, RulePack};

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let ws = PathBuf::from(args.next().ok_or("usage: lake_run WORKSPACE [OUT.json]")?);
    let out = args.next().map(PathBuf::from);
    let started = Instant::now();
    let mut engine = Engine::new(Calendar::builtin())?;
    let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(ws.join("lake"))? {
        let dir = entry?.path();
        let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if !dir.is_dir() || name.starts_with('.') {
            continue;
        }
        for f in std::fs::read_dir(&dir)? {
            let f = f?.path();
            if f.extension().is_some_and(|e| e == "parquet") {
                files.entry(name.clone()).or_default().push(f);
            }
        }
    }
    for (dataset, paths) in &files {
        engine.register_lake(dataset, paths).await?;
    }
    let pack = RulePack::builtin();
    let mut all = Vec::new();
    for rule in &pack.rules {
        let t = Instant::now();
        let missing = engine.missing(rule);
        if !missing.is_empty() {
            eprintln!("{} not run: needs {}", rule.meta.id, missing.join(", "));
            continue;
        }
        match engine.run(rule, &rule.defaults).await {
            Ok(hits) => {
                eprintln!(
                    "{} {:>5} hits {:>6} ms",
                    rule.meta.id,
                    hits.len(),
                    t.elapsed().as_millis()
                );
                all.extend(hits.into_iter().map(
                    |h| serde_json::json!({"fingerprint": h.fingerprint, "finding": h.finding}),
                ));
            }
            Err(e) => eprintln!("{} FAILED: {e}", rule.meta.id),
        }
    }
    eprintln!(
        "{} findings in {} ms",
        all.len(),
        started.elapsed().as_millis()
    );
    let text = serde_json::to_string(&all)?;
    match out {
        Some(p) => std::fs::write(p, text)?,
        None => println!("{text}"),
    }
    Ok(())
}
