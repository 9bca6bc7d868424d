//! The ledger page (存证账本): the signed checkpoints (size, root, whether the signature
//! verifies with the workspace's public key), a "verify" button that runs the same
//! verification as `qinglian ledger verify` (`qinglian_app::ledger::verify`: the log, every
//! checkpoint, and every entry against the desk, the lake and the evidence store), and the
//! export bundle of `qinglian ledger export` as one `.tar` download.
//!
//! Verifying and exporting are read-only and open to every role that sees the operations
//! pages (auditors above all); both are written to the access log. The bundle is built in
//! `DIR/exports/<random>/`, packed in memory and removed: fine for ledgers of some hundred
//! megabytes, not streamed beyond that.

use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use qinglian_app::ledger::{self, CheckpointRow, Verification};
use qinglian_app::users::{self, Permission};
use serde_json::json;

use super::auth::{Acting, ApiCaller, Viewer};
use super::pages::{Chrome, CsrfForm, or_error_page, render};
use super::{ConsoleState, WebErr};

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/ledger", get(page))
        .route("/ledger/verify", post(verify_form))
        .route("/ledger/bundle.tar", get(bundle))
}

async fn checkpoints(state: &ConsoleState) -> Result<Vec<CheckpointRow>, WebErr> {
    state
        .desk(|ws| async move { ledger::checkpoints(&ws).map_err(WebErr::from) })
        .await
}

/// Runs the verification on a blocking thread and logs that it ran.
async fn run_verify(state: &ConsoleState, who: &impl Acting) -> Result<Verification, WebErr> {
    who.require(Permission::ViewOperations)?;
    let v = state
        .desk(|ws| async move {
            ledger::verify(&ws, None, &[], &[])
                .await
                .map_err(WebErr::from)
        })
        .await?;
    users::log_access(
        state.workspace(),
        &who.actor(),
        "ledger_verify",
        "ledger",
        Some(if v.ok { "ok" } else { "failed" }),
        Utc::now(),
    )
    .await?;
    Ok(v)
}

/// What the page shows of a verification.
pub struct VerifyView {
    pub ok: bool,
    pub entries: u64,
    pub root: String,
    pub checkpoints: usize,
    pub records_checked: u64,
    pub events: String,
    pub recovered: String,
    pub problem: String,
}

impl VerifyView {
    fn new(v: &Verification) -> Self {
        Self {
            ok: v.ok,
            entries: v.entries,
            root: v.root.to_string(),
            checkpoints: v.checkpoints,
            records_checked: v.records_checked,
            events: v
                .events
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            recovered: v.recovered_batches.join(", "),
            problem: v
                .problem
                .as_ref()
                .map(|p| p.message.clone())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage<'a> {
    c: Chrome<'a>,
    checkpoints: Vec<CheckpointRow>,
    verified: Option<VerifyView>,
}

async fn show(state: &ConsoleState, v: &Viewer, verified: Option<VerifyView>) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        Ok(render(
            StatusCode::OK,
            &LedgerPage {
                c: Chrome::of(state, v),
                checkpoints: checkpoints(state).await?,
                verified,
            },
        ))
    }
    .await;
    or_error_page(state, v, "/dashboard", r)
}

async fn page(State(state): State<ConsoleState>, v: Viewer) -> Response {
    show(&state, &v, None).await
}

async fn verify_form(
    State(state): State<ConsoleState>,
    v: Viewer,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r = async {
        v.check_csrf(&f.csrf)?;
        run_verify(&state, &v).await
    }
    .await;
    match r {
        Ok(result) => show(&state, &v, Some(VerifyView::new(&result))).await,
        Err(e) => or_error_page(&state, &v, "/ledger", Err(e)),
    }
}

/// The export bundle as an uncompressed tar (ustar) in memory.
async fn bundle_tar(state: &ConsoleState, who: &impl Acting) -> Result<Vec<u8>, WebErr> {
    who.require(Permission::ViewOperations)?;
    let tar = state
        .desk(|ws| async move {
            let dir = ws.path("exports").join(users::random_hex(12)?);
            let packed = ledger::export(&ws, &dir)
                .map_err(WebErr::from)
                .and_then(|_| tar_dir(&dir, "qinglian-ledger-bundle"));
            let _ = std::fs::remove_dir_all(&dir);
            packed
        })
        .await?;
    users::log_access(
        state.workspace(),
        &who.actor(),
        "export",
        "ledger_bundle",
        None,
        Utc::now(),
    )
    .await?;
    Ok(tar)
}

fn tar_answer(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/x-tar"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"qinglian-ledger-bundle.tar\"",
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn bundle(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r = bundle_tar(&state, &v).await.map(tar_answer);
    or_error_page(&state, &v, "/ledger", r)
}

/// The files of `dir` (flat, sorted by name) as a ustar archive under `prefix/`.
fn tar_dir(dir: &std::path::Path, prefix: &str) -> Result<Vec<u8>, WebErr> {
    let io = |e: std::io::Error| WebErr::internal(&format!("bundle: {e}"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let data = std::fs::read(dir.join(&name)).map_err(io)?;
        out.extend_from_slice(&tar_header(&format!("{prefix}/{name}"), data.len() as u64)?);
        out.extend_from_slice(&data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    Ok(out)
}

fn tar_header(name: &str, size: u64) -> Result<[u8; 512], WebErr> {
    let mut h = [0u8; 512];
    if name.len() > 99 {
        return Err(WebErr::internal(&format!(
            "bundle file name too long: {name}"
        )));
    }
    let put = |h: &mut [u8; 512], at: usize, bytes: &[u8]| {
        h[at..at + bytes.len()].copy_from_slice(bytes);
    };
    put(&mut h, 0, name.as_bytes());
    put(&mut h, 100, b"0000644\0");
    put(&mut h, 108, b"0000000\0");
    put(&mut h, 116, b"0000000\0");
    put(&mut h, 124, format!("{size:011o}\0").as_bytes());
    put(
        &mut h,
        136,
        format!("{:011o}\0", Utc::now().timestamp().max(0)).as_bytes(),
    );
    put(&mut h, 148, b"        ");
    h[156] = b'0';
    put(&mut h, 257, b"ustar\0");
    put(&mut h, 263, b"00");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    put(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
    Ok(h)
}

// ---- API ----

pub async fn api_show(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    let r = async {
        caller.require(Permission::ViewOperations)?;
        Ok(json!({"checkpoints": checkpoints(&state).await?}))
    }
    .await;
    super::api::answer(r)
}

pub async fn api_verify(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    super::api::answer(run_verify(&state, &caller).await)
}

pub async fn api_bundle(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    match bundle_tar(&state, &caller).await {
        Ok(b) => tar_answer(b),
        Err(e) => super::api::error_response(&e),
    }
}
