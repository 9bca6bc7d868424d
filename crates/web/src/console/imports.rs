//! The imports page (导入): the batches with their counts and SHA-256, one batch's summary,
//! its quarantine as Excel, and uploading a file into a dataset with a progress bar.
//!
//! An upload is the file itself as the request body (`POST /imports/upload?dataset=…&name=…`,
//! no multipart: the console's axum has no multipart feature), written to
//! `DIR/uploads/<random>/<name>` and imported by `qinglian_app::import`, the function the
//! CLI's `qinglian import` uses, so duplicates are refused and nothing is lost the same way.
//! The import runs as a job on a blocking thread; the page polls its status
//! (`GET /imports/jobs/{job}`) and draws the progress (`assets/imports.js`). Jobs live in
//! memory: a restart forgets finished ones, and one still running then is rolled back by the
//! import's own crash recovery.
//!
//! Who: administrators upload ([`Permission::ImportData`]); every role but the liaison reads
//! ([`Permission::ViewOperations`]): batches span every department.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::Utc;
use qinglian_app::users::{self, Permission};
use qinglian_app::{AppError, ImportOptions};
use qinglian_store::BatchRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{Acting, ApiCaller, Viewer};
use super::pages::{Chrome, beijing, or_error_page, render};
use super::xlsx::{Cell, export_table};
use super::{ConsoleState, WebErr};

/// The largest file an upload takes.
pub const UPLOAD_MAX: u64 = 2 << 30;

/// Finished jobs kept for their status page (the oldest go first).
const JOBS_KEPT: usize = 200;

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/imports", get(list_page))
        .route("/imports/export.xlsx", get(export_list))
        .route("/imports/upload", post(upload_page))
        .route("/imports/jobs/{job}", get(job_page))
        .route("/imports/{batch}", get(batch_page))
        .route("/imports/{batch}/quarantine.xlsx", get(quarantine_xlsx))
}

// ---- jobs ----

/// Where an upload's import is.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    Running {
        /// In the source's unit (bytes for text files, rows otherwise); 0 of 0 at the start.
        done: u64,
        total: u64,
    },
    Done {
        batch: String,
        rows_read: u64,
        rows_accepted: u64,
        rows_quarantined: u64,
    },
    Failed {
        code: &'static str,
        message: String,
        message_zh: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: String,
    pub dataset: String,
    pub file: String,
    pub user: String,
    #[serde(flatten)]
    pub state: JobState,
}

/// The upload jobs of this process.
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    inner: Arc<Mutex<BTreeMap<u64, Job>>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Job>> {
        // A panic while holding the lock leaves plain data: still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, job: Job) {
        let mut jobs = self.lock();
        let seq = jobs.keys().next_back().map_or(0, |k| k + 1);
        jobs.insert(seq, job);
        while jobs.len() > JOBS_KEPT {
            let oldest_finished = jobs
                .iter()
                .find(|(_, j)| !matches!(j.state, JobState::Running { .. }))
                .map(|(k, _)| *k);
            match oldest_finished {
                Some(k) => jobs.remove(&k),
                None => break,
            };
        }
    }

    fn set(&self, id: &str, state: JobState) {
        if let Some(j) = self.lock().values_mut().find(|j| j.id == id) {
            j.state = state;
        }
    }

    pub fn get(&self, id: &str) -> Option<Job> {
        self.lock().values().find(|j| j.id == id).cloned()
    }
}

// ---- reading ----

/// One batch as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BatchRow {
    pub id: String,
    pub dataset: String,
    pub file: String,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    pub sha256: String,
    pub user: String,
    pub at: String,
    pub status: &'static str,
    /// The catalogue key of the status.
    #[serde(skip)]
    pub status_key: String,
}

impl BatchRow {
    fn new(b: &BatchRecord) -> Self {
        Self {
            id: b.id.clone(),
            dataset: b.dataset.clone(),
            file: b.source_name.clone(),
            rows_read: b.rows_read,
            rows_accepted: b.rows_accepted,
            rows_quarantined: b.rows_quarantined,
            sha256: b.source_sha256.clone(),
            user: b.imported_by.clone(),
            at: beijing(b.imported_at),
            status: b.status.as_str(),
            status_key: format!("imports.status_{}", b.status.as_str()),
        }
    }
}

async fn batch_rows(state: &ConsoleState) -> Result<Vec<BatchRow>, WebErr> {
    Ok(qinglian_app::batches(state.workspace())
        .await?
        .iter()
        .map(BatchRow::new)
        .collect())
}

async fn find_batch(state: &ConsoleState, id: &str) -> Result<BatchRecord, WebErr> {
    qinglian_app::batch(state.workspace(), id.trim())
        .await?
        .ok_or_else(WebErr::not_found)
}

// ---- pages ----

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage<'a> {
    c: Chrome<'a>,
    rows: Vec<BatchRow>,
    may_upload: bool,
    datasets: Vec<&'static str>,
}

async fn list_page(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        let rows = batch_rows(&state).await?;
        Ok(render(
            StatusCode::OK,
            &ImportsPage {
                c: Chrome::of(&state, &v),
                rows,
                may_upload: v.may(Permission::ImportData),
                datasets: qinglian_app::dataset_names(),
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/dashboard", r)
}

async fn export_list(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        let rows: Vec<Vec<Cell>> = batch_rows(&state)
            .await?
            .into_iter()
            .map(|b| {
                vec![
                    b.id.into(),
                    b.dataset.into(),
                    b.file.into(),
                    b.rows_read.into(),
                    b.rows_accepted.into(),
                    b.rows_quarantined.into(),
                    b.sha256.into(),
                    b.user.into(),
                    b.at.into(),
                    b.status.into(),
                ]
            })
            .collect();
        export_table(&state, &v, "imports", &BATCH_COLUMNS, &rows, "imports.xlsx").await
    }
    .await;
    or_error_page(&state, &v, "/imports", r)
}

const BATCH_COLUMNS: [&str; 10] = [
    "imports.batch",
    "imports.dataset",
    "imports.file",
    "imports.rows_read",
    "imports.rows_accepted",
    "imports.rows_quarantined",
    "imports.sha256",
    "imports.user",
    "imports.at",
    "imports.status",
];

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchPage<'a> {
    c: Chrome<'a>,
    b: BatchRow,
    format: String,
    encoding: String,
    bytes: u64,
    mapping: Vec<(String, String)>,
    note: String,
    quarantine_lines: usize,
}

async fn batch_page(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        let b = find_batch(&state, &id).await?;
        let lines = qinglian_app::quarantine_lines(state.workspace(), &b)?;
        let mapping: Vec<(String, String)> = serde_json::from_str(&b.mapping).unwrap_or_default();
        Ok(render(
            StatusCode::OK,
            &BatchPage {
                c: Chrome::of(&state, &v),
                format: b.format.clone(),
                encoding: b.encoding.clone(),
                bytes: b.source_bytes,
                mapping,
                note: b.note.clone().unwrap_or_default(),
                quarantine_lines: lines.len(),
                b: BatchRow::new(&b),
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/imports", r)
}

async fn quarantine_xlsx(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        let b = find_batch(&state, &id).await?;
        let rows: Vec<Vec<Cell>> = qinglian_app::quarantine_lines(state.workspace(), &b)?
            .into_iter()
            .map(|l| {
                vec![
                    l.source_row
                        .parse::<u64>()
                        .map_or_else(|_| Cell::Text(l.source_row.clone()), Cell::from),
                    l.column.into(),
                    l.raw_value.into(),
                    l.reason_zh.into(),
                    l.reason_en.into(),
                ]
            })
            .collect();
        export_table(
            &state,
            &v,
            &format!("quarantine:{}", b.id),
            &[
                "quarantine.row",
                "quarantine.column",
                "quarantine.raw",
                "quarantine.reason_zh",
                "quarantine.reason_en",
            ],
            &rows,
            &format!("quarantine-{}.xlsx", b.id),
        )
        .await
    }
    .await;
    or_error_page(&state, &v, "/imports", r)
}

// ---- upload ----

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    dataset: Option<String>,
    name: Option<String>,
}

/// A file name from the client: its last path component, without control characters.
fn clean_name(name: Option<&str>) -> Result<String, WebErr> {
    let raw = name.map(str::trim).unwrap_or("");
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty()
        || base == "."
        || base == ".."
        || base.chars().count() > 200
        || base.chars().any(char::is_control)
    {
        return Err(WebErr::bad_request(
            "请给出文件名（name=…，不超过 200 个字符）",
            "give the file's name (name=…, at most 200 characters)",
        ));
    }
    Ok(base.to_owned())
}

/// Writes the request body to `path`, refusing more than [`UPLOAD_MAX`] bytes.
async fn save_body(mut body: Body, path: PathBuf) -> Result<u64, WebErr> {
    let fail = |e: std::io::Error| WebErr::internal(&format!("upload file: {e}"));
    let mut file = Some(std::fs::File::create(&path).map_err(fail)?);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut total = 0u64;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        let (chunk, end) = match frame {
            None => (None, true),
            // Trailers (a frame without data) carry nothing to keep.
            Some(Ok(f)) => (f.into_data().ok(), false),
            Some(Err(e)) => {
                return Err(WebErr::bad_request(
                    format!("上传中断：{e}"),
                    format!("the upload broke off: {e}"),
                ));
            }
        };
        if let Some(c) = &chunk {
            total += c.len() as u64;
            if total > UPLOAD_MAX {
                return Err(WebErr::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "import.too_large",
                    format!("文件超过 {} MiB", UPLOAD_MAX >> 20),
                    format!("the file is larger than {} MiB", UPLOAD_MAX >> 20),
                ));
            }
            buf.extend_from_slice(c);
        }
        if buf.len() >= 1 << 20 || (end && !buf.is_empty()) {
            let (mut f, data) = (file.take().expect("file is back after each write"), buf);
            let (f, data) = tokio::task::spawn_blocking(move || {
                use std::io::Write as _;
                let r = f.write_all(&data);
                (r.map(|()| f), data)
            })
            .await
            .map_err(|e| WebErr::internal(&format!("upload writer: {e}")))?;
            file = Some(f.map_err(fail)?);
            buf = data;
            buf.clear();
        }
        if end {
            break;
        }
    }
    let f = file.take().expect("file is back after each write");
    tokio::task::spawn_blocking(move || f.sync_all())
        .await
        .map_err(|e| WebErr::internal(&format!("upload writer: {e}")))?
        .map_err(fail)?;
    Ok(total)
}

/// An import error as the job shows it; a duplicate file is a conflict, not a fault.
fn job_failure(e: AppError) -> JobState {
    let web = match &e {
        AppError::Duplicate { batch, .. } => WebErr::new(
            StatusCode::CONFLICT,
            "import.duplicate",
            format!("该文件已导入过（批次 {batch}），未重复导入"),
            format!("this file was already imported as batch {batch}; it was not imported again"),
        ),
        _ => WebErr::from(e),
    };
    JobState::Failed {
        code: web.code,
        message: web.en,
        message_zh: web.zh,
    }
}

/// Starts an upload's import: checks, saves the body, queues the job; answers its id.
async fn start_upload(
    state: &ConsoleState,
    who: &impl Acting,
    q: &UploadQuery,
    body: Body,
) -> Result<Job, WebErr> {
    who.require(Permission::ImportData)?;
    let dataset = q.dataset.as_deref().map(str::trim).unwrap_or("");
    let d = qinglian_app::find_dataset(dataset).map_err(|e| {
        WebErr::bad_request(format!("数据集有误：{e}"), format!("bad dataset: {e}"))
    })?;
    let name = clean_name(q.name.as_deref())?;
    let id = users::random_hex(12)?;
    let dir = state.workspace().path("uploads").join(&id);
    std::fs::create_dir_all(&dir).map_err(|e| WebErr::internal(&format!("uploads dir: {e}")))?;
    let path = dir.join(&name);
    if let Err(e) = save_body(body, path.clone()).await {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    let job = Job {
        id: id.clone(),
        dataset: d.name.to_owned(),
        file: name,
        user: who.actor(),
        state: JobState::Running { done: 0, total: 0 },
    };
    let jobs = state.jobs();
    jobs.start(job.clone());
    let (st, dataset, user) = (state.clone(), d.name.to_owned(), who.actor());
    tokio::spawn(async move {
        let progress_jobs = jobs.clone();
        let job_id = id.clone();
        let file = path.clone();
        let outcome = st
            .desk(move |ws| async move {
                let opts = ImportOptions {
                    user: user.clone(),
                    ..ImportOptions::default()
                };
                let progress = Box::new(move |done: u64, total: u64| {
                    progress_jobs.set(&job_id, JobState::Running { done, total });
                });
                let r = qinglian_app::import(&ws, &dataset, &file, &opts, progress).await;
                if let Ok(o) = &r {
                    // The batch and its ledger entry say who imported it; this says from where.
                    let _ = users::log_access(
                        &ws,
                        &user,
                        "import",
                        &format!("batch:{}", o.batch.id),
                        Some("console upload"),
                        Utc::now(),
                    )
                    .await;
                }
                Ok(r)
            })
            .await;
        let state = match outcome {
            Ok(Ok(o)) => JobState::Done {
                batch: o.batch.id,
                rows_read: o.batch.rows_read,
                rows_accepted: o.batch.rows_accepted,
                rows_quarantined: o.batch.rows_quarantined,
            },
            Ok(Err(e)) => job_failure(e),
            Err(e) => JobState::Failed {
                code: e.code,
                message: e.en,
                message_zh: e.zh,
            },
        };
        jobs.set(&id, state);
        let _ = std::fs::remove_dir_all(&dir);
    });
    Ok(job)
}

/// The CSRF token of a request whose body is a file: the `X-CSRF-Token` header.
fn header_csrf(headers: &HeaderMap) -> &str {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn accepted(job: &Job, status_path: &str) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({"job": job.id, "status": format!("{status_path}/{}", job.id)})),
    )
        .into_response()
}

async fn upload_page(
    State(state): State<ConsoleState>,
    v: Viewer,
    headers: HeaderMap,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> Response {
    let r = async {
        v.check_csrf(header_csrf(&headers))?;
        start_upload(&state, &v, &q, body).await
    }
    .await;
    match r {
        Ok(job) => accepted(&job, "/imports/jobs"),
        Err(e) => super::api::error_response(&e),
    }
}

/// A job the caller may see: its uploader, or anyone who may upload.
fn visible_job(state: &ConsoleState, who: &impl Acting, id: &str) -> Result<Job, WebErr> {
    who.require(Permission::ViewOperations)?;
    state
        .jobs()
        .get(id.trim())
        .filter(|j| j.user == who.actor() || who.may(Permission::ImportData))
        .ok_or_else(WebErr::not_found)
}

async fn job_page(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Response {
    match visible_job(&state, &v, &id) {
        Ok(job) => Json(job).into_response(),
        Err(e) => super::api::error_response(&e),
    }
}

// ---- API ----

pub async fn api_list(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    let r = async {
        caller.require(Permission::ViewOperations)?;
        Ok(json!({"items": batch_rows(&state).await?}))
    }
    .await;
    super::api::answer(r)
}

pub async fn api_show(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        caller.require(Permission::ViewOperations)?;
        let b = find_batch(&state, &id).await?;
        let lines = qinglian_app::quarantine_lines(state.workspace(), &b)?;
        Ok(json!({"batch": b, "quarantine": lines}))
    }
    .await;
    super::api::answer(r)
}

pub async fn api_upload(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> Response {
    match start_upload(&state, &caller, &q, body).await {
        Ok(job) => accepted(&job, "/api/v1/imports/jobs"),
        Err(e) => super::api::error_response(&e),
    }
}

pub async fn api_job(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    super::api::answer(visible_job(&state, &caller, &id))
}
