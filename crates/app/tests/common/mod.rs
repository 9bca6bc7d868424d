//! Helpers shared by the model base's integration tests (each test file is its own crate and
//! includes this module).

use qinglian_app::Workspace;
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
