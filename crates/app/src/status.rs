//! `qinglian status`: which datasets hold how many rows in how many batches.

use qinglian_store::{BatchRecord, BatchStore, DatasetCount};
use serde::Serialize;

use crate::{AppError, Workspace};

#[derive(Debug, Serialize)]
pub struct Status {
    pub workspace: String,
    pub organisation: String,
    pub datasets: Vec<DatasetCount>,
    pub batches: Vec<BatchRecord>,
}

pub async fn status(ws: &Workspace) -> Result<Status, AppError> {
    Ok(Status {
        workspace: ws.root.display().to_string(),
        organisation: ws.config.organisation.name.clone(),
        datasets: ws.store.dataset_counts().await?,
        batches: ws.store.list_batches(None).await?,
    })
}
