//! The demo organisation end to end: generate it, create a workspace, import every
//! dataset. What later analysis adds (rules, warnings, console) hooks in after `load`.

use std::path::{Path, PathBuf};

use qinglian_synth::{GenOptions, Scale};
use serde::Serialize;

use crate::{AppError, Config, ImportOptions, ImportOutcome, Workspace, import, init_workspace};

/// Where the generated files of a demo workspace live.
pub const DEMO_DATA_DIR: &str = "demo-data";

/// Where a demo workspace keeps the bid scorer it trains (its `[models] scorer_model`).
pub const DEMO_SCORER_MODEL: &str = "models/bid_scorer.json";

#[derive(Debug, Serialize)]
pub struct Generated {
    pub out_dir: PathBuf,
    /// (dataset, rows) for each file written.
    pub files: Vec<(String, u64)>,
    pub anomalies: u64,
    pub anomaly_kinds: usize,
}

/// Writes the demo data files and the ground truth into `out`.
pub fn generate(
    out: &Path,
    scale: Scale,
    seed: u64,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Generated, AppError> {
    std::fs::create_dir_all(out).map_err(|e| AppError::io(out, e))?;
    let summary = qinglian_synth::generate(&GenOptions { seed, scale }, out, progress)
        .map_err(|e| AppError::Synth(e.to_string()))?;
    let mut files: Vec<(String, u64)> = summary.rows.iter().map(|(k, v)| (k.clone(), *v)).collect();
    files.sort();
    Ok(Generated {
        out_dir: out.to_owned(),
        files,
        anomalies: summary.anomalies.values().sum(),
        anomaly_kinds: summary.anomalies.len(),
    })
}

#[derive(Debug, Serialize)]
pub struct DemoLoad {
    pub workspace: PathBuf,
    pub generated: Generated,
    pub imports: Vec<ImportOutcome>,
    /// The rule base run over the imported data.
    pub analysis: crate::analysis::RunSummary,
    /// Warnings raised from the run's open findings.
    pub warnings: crate::warnings::RaiseSummary,
}

/// Creates (or reuses) a workspace at `dir`, generates the demo organisation into it and
/// imports every dataset. `on_import(dataset)` is called before each file.
pub async fn load(
    dir: &Path,
    scale: Scale,
    seed: u64,
    user: &str,
    on_generate: &mut dyn FnMut(&str, u64),
    on_import: &mut dyn FnMut(&str, usize, usize),
) -> Result<DemoLoad, AppError> {
    let ws = if dir.join(crate::workspace::CONFIG_FILE).exists() {
        Workspace::open(dir, &[]).await?
    } else {
        let mut config = Config::default();
        config.organisation.name = "清源市城市发展集团（演示）".into();
        config.models.scorer_model = Some(DEMO_SCORER_MODEL.into());
        init_workspace(dir, config).await?
    };
    let data = dir.join(DEMO_DATA_DIR);
    let generated = generate(&data, scale, seed, on_generate)?;
    train_scorer(&data, &dir.join(DEMO_SCORER_MODEL))?;
    let mut imports = Vec::new();
    let total = generated.files.len();
    for (i, (dataset, _)) in generated.files.iter().enumerate() {
        on_import(dataset, i, total);
        let file = data.join(format!("{dataset}.csv"));
        let opts = ImportOptions {
            force: true,
            user: user.to_owned(),
            ..ImportOptions::default()
        };
        imports.push(import(&ws, dataset, &file, &opts, Box::new(|_, _| {})).await?);
    }
    let analysis = crate::analysis::run_rules(&ws, &crate::analysis::RunOptions::default()).await?;
    let warnings = crate::warnings::raise_from_findings(
        &ws,
        "system",
        chrono::Utc::now(),
        &crate::warnings::Channels::default(),
    )
    .await?;
    ws.store.close().await;
    Ok(DemoLoad {
        workspace: dir.to_owned(),
        generated,
        imports,
        analysis,
        warnings,
    })
}

/// Trains the supervised bid scorer (MOD-SCORER) on the generated closed cases
/// (`bid_cases.csv`), as an office does with `qinglian bids train` on its own labelled
/// cases, and saves it at `model` for the analysis to load.
pub fn train_scorer(data: &Path, model: &Path) -> Result<(), AppError> {
    use qinglian_detect::bids;
    use qinglian_synth::bid_cases;
    let [tender, bid, winner, label] = bid_cases::COLUMNS;
    let columns = bids::Columns {
        tender: tender.into(),
        bid: bid.into(),
        winner: Some(winner.into()),
        label: Some(label.into()),
    };
    let failed = |e: qinglian_detect::DetectError| {
        AppError::Internal(format!("demo bid scorer from {}: {e}", bid_cases::FILE))
    };
    let cases = bids::read_csv(&data.join(bid_cases::FILE), &columns).map_err(failed)?;
    let trained = bids::train(&[cases], &bids::TrainParams::default()).map_err(failed)?;
    if let Some(parent) = model.parent() {
        std::fs::create_dir_all(parent).map_err(|e| AppError::io(parent, e))?;
    }
    trained.save(model).map_err(failed)
}
