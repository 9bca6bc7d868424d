//! Writes the generated world: one CSV per dataset, `ground_truth.jsonl` (anomalies
//! first, then look-alikes, each with a stable id) and `manifest.json`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::truth::{RowRef, Subject, TruthLine, TruthRow};
use crate::world::World;
use crate::writer::{Record, write_table};
use crate::{GENERATOR_VERSION, GenOptions, Summary, SynthError, background};

pub fn write_all(
    w: &World,
    opts: &GenOptions,
    dir: &Path,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Summary, SynthError> {
    let mut s = Summary::default();
    let table = |s: &mut Summary, progress: &mut dyn FnMut(&str, u64), name: &str, n: u64| {
        progress(name, n);
        s.rows.insert(name.to_owned(), n);
        s.files.push(dir.join(format!("{name}.csv")));
    };
    macro_rules! tables {
        ($($field:ident),* $(,)?) => {$(
            let n = write_table(dir, &w.$field)?;
            table(&mut s, progress, dataset_of(&w.$field), n);
        )*};
    }
    tables!(
        units,
        persons,
        relations,
        companies,
        links,
        contracts,
        changes,
        tenders,
        bids,
        meetings,
        votes,
        decisions,
        appointments
    );
    tables!(
        payroll, attendance, allowances, standards, budgets, claims, vehicles, fuel, trips,
        projects, milestones, assets, sanctions, benefits
    );
    let (n, ids) = background::write(w, dir, progress)?;
    table(&mut s, progress, "payments", n);
    write_truth(w, &ids, dir, &mut s)?;
    crate::bid_cases::write(w, dir)?;
    s.files.push(dir.join(crate::bid_cases::FILE));
    write_manifest(opts, dir, &mut s)?;
    Ok(s)
}

fn dataset_of<R: Record>(_: &[R]) -> &'static str {
    R::DATASET
}

fn write_truth(w: &World, ids: &[String], dir: &Path, s: &mut Summary) -> Result<(), SynthError> {
    let path = dir.join("ground_truth.jsonl");
    let mut out = Vec::new();
    let ordered = w
        .truth
        .iter()
        .filter(|t| !t.lookalike)
        .chain(w.truth.iter().filter(|t| t.lookalike));
    let (mut gt, mut la) = (0, 0);
    for t in ordered {
        let rows = t
            .rows
            .iter()
            .map(|r| match r {
                RowRef::Key { dataset, key } => TruthRow {
                    dataset,
                    key: key.clone(),
                },
                RowRef::Payment(i) => TruthRow {
                    dataset: "payments",
                    key: ids[*i].clone(),
                },
            })
            .collect();
        let line = TruthLine {
            id: if t.lookalike {
                la += 1;
                format!("LA-{la:04}")
            } else {
                gt += 1;
                format!("GT-{gt:04}")
            },
            kind: t.kind,
            category: t.category,
            description_zh: &t.description_zh,
            subject: Subject {
                ty: t.subject_type,
                id: &t.subject_id,
            },
            rows,
            lookalike: t.lookalike,
        };
        serde_json::to_writer(&mut out, &line).expect("truth lines serialise (this is a bug)");
        out.push(b'\n');
        let map = if t.lookalike {
            &mut s.lookalikes
        } else {
            &mut s.anomalies
        };
        *map.entry(t.kind.to_owned()).or_default() += 1;
    }
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&out))
        .map_err(|e| SynthError::io(&path, e))?;
    s.files.push(path);
    Ok(())
}

fn write_manifest(opts: &GenOptions, dir: &Path, s: &mut Summary) -> Result<(), SynthError> {
    let path = dir.join("manifest.json");
    let kinds: BTreeMap<&str, serde_json::Value> = crate::KINDS
        .iter()
        .map(|k| (k.kind, serde_json::json!({"category": k.category, "title_zh": k.title_zh, "count": s.anomalies.get(k.kind).copied().unwrap_or(0), "lookalikes": s.lookalikes.get(k.kind).copied().unwrap_or(0)})))
        .collect();
    let manifest = serde_json::json!({
        "generator": GENERATOR_VERSION,
        "spec_version": qinglian_spec::SPEC_VERSION,
        "seed": opts.seed,
        "scale": opts.scale.as_str(),
        "period": {"from": "2024-01-01", "to": "2025-12-31"},
        "rows": s.rows,
        "anomalies": s.anomalies.values().sum::<u64>(),
        "lookalikes": s.lookalikes.values().sum::<u64>(),
        "kinds": kinds,
        "files": s.files.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).chain(["manifest.json".to_owned()]).collect::<Vec<_>>(),
    });
    let text =
        serde_json::to_string_pretty(&manifest).expect("manifest serialises (this is a bug)");
    std::fs::write(&path, text + "\n").map_err(|e| SynthError::io(&path, e))?;
    s.files.push(path);
    Ok(())
}
