//! Helpers shared by the model base's integration tests (each test file is its own crate and
//! includes this module).

use std::path::Path;

use qinglian_app::analysis::{RunOptions, RunSummary, run_rules};
use qinglian_app::{AppError, Config, ImportOptions, Workspace, import, init_workspace};
use qinglian_core::Finding;
use qinglian_store::{FindingFilter, FindingStatus, FindingStore};

/// The open findings of one rule or model.
pub async fn open_findings(ws: &Workspace, source: &str) -> Vec<Finding> {
    ws.store
        .list_findings(&FindingFilter {
            source_id: Some(source.into()),
            status: Some(FindingStatus::Open),
            ..FindingFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.finding)
        .collect()
}

/// A new workspace under `dir` with each (dataset, CSV text) imported, none of it quarantined.
pub async fn workspace_with(dir: &Path, files: &[(&str, String)]) -> Workspace {
    let ws = init_workspace(&dir.join("ws"), Config::default())
        .await
        .unwrap();
    for (dataset, csv) in files {
        let file = dir.join(format!("{dataset}.csv"));
        std::fs::write(&file, csv).unwrap();
        let opts = ImportOptions {
            user: "tester".into(),
            ..ImportOptions::default()
        };
        let out = import(&ws, dataset, &file, &opts, Box::new(|_, _| {}))
            .await
            .unwrap();
        assert_eq!(
            out.stats.rows_quarantined,
            0,
            "{dataset}: {:?}",
            qinglian_app::quarantine_lines(&ws, &out.batch)
                .unwrap()
                .iter()
                .take(3)
                .collect::<Vec<_>>()
        );
    }
    ws
}

/// `qinglian run --model ID`: that model alone.
pub async fn run_model(ws: &Workspace, id: &str) -> Result<RunSummary, AppError> {
    run_rules(
        ws,
        &RunOptions {
            model: Some(id.into()),
            ..RunOptions::default()
        },
    )
    .await
}
