//! One warning's receipts (存证核验): the "verify" button of a warning page. Every ledger entry
//! about the warning and its finding is proven against the latest signed checkpoint and
//! compared with the desk (`qinglian_app::check_warning`), on demand, because finding the
//! entries scans the log. Anyone who may see the warning may check it; the check is written
//! to the access log. Also `GET /api/v1/warnings/{id}/ledger`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use qinglian_app::users::{self, Permission};
use qinglian_app::{WarningLedgerCheck, check_warning};

use super::api::answer;
use super::auth::{Acting, ApiCaller, Viewer};
use super::pages::{Chrome, beijing, or_error_page, parse_id, render, visible_warning};
use super::{ConsoleState, WebErr};

pub fn routes() -> Router<ConsoleState> {
    Router::new().route("/warnings/{id}/ledger", get(page))
}

/// Loads the warning (404 outside the caller's scope), checks it, logs the check.
pub async fn check(
    state: &ConsoleState,
    who: &impl Acting,
    id: i64,
    via: &str,
) -> Result<WarningLedgerCheck, WebErr> {
    who.require(Permission::ViewWarnings)?;
    let view = visible_warning(state, who, id, via).await?;
    let check = state
        .desk(move |ws| async move { check_warning(&ws, &view).map_err(WebErr::from) })
        .await?;
    users::log_access(
        state.workspace(),
        &who.actor(),
        "warning_ledger_check",
        &format!("warning:{id}"),
        Some(if check.ok() { "ok" } else { "failed" }),
        Utc::now(),
    )
    .await?;
    Ok(check)
}

pub struct EntryLine {
    pub index: u64,
    pub what: String,
    pub at: String,
    pub proven: bool,
    pub difference: String,
}

#[derive(Template)]
#[template(path = "warning_ledger.html")]
struct ReceiptsPage<'a> {
    c: Chrome<'a>,
    id: i64,
    ok: bool,
    checkpoint: String,
    verifier_key: String,
    entries: Vec<EntryLine>,
    problems: Vec<String>,
}

async fn page(State(state): State<ConsoleState>, v: Viewer, Path(id): Path<String>) -> Response {
    let back = format!("/warnings/{}", id.trim());
    let r: Result<Response, WebErr> = async {
        let id = parse_id(&id)?;
        let check = check(&state, &v, id, "console").await?;
        let tr = state.tr(v.lang);
        let what = |w: &str| {
            let key = format!("receipt.what.{w}");
            if tr.has(&key) {
                tr.get(&key).to_owned()
            } else {
                let state_key = format!("state.{w}");
                if tr.has(&state_key) {
                    tr.get(&state_key).to_owned()
                } else {
                    w.to_owned()
                }
            }
        };
        let page = ReceiptsPage {
            id,
            ok: check.ok(),
            checkpoint: check.checkpoint.clone().unwrap_or_default(),
            verifier_key: check.verifier_key.clone().unwrap_or_default(),
            entries: check
                .entries
                .iter()
                .map(|e| EntryLine {
                    index: e.index,
                    what: what(&e.what),
                    at: beijing(e.recorded_at),
                    proven: e.proven,
                    difference: e.difference.clone().unwrap_or_default(),
                })
                .collect(),
            problems: check.problems.clone(),
            c: Chrome::of(&state, &v),
        };
        Ok(render(StatusCode::OK, &page))
    }
    .await;
    or_error_page(&state, &v, &back, r)
}

/// `GET /api/v1/warnings/{id}/ledger`.
pub async fn api_check(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        let id = parse_id(&id)?;
        let via = format!("api:{}", caller.token_name);
        let check = check(&state, &caller, id, &via).await?;
        Ok(serde_json::json!({
            "warning": id,
            "ok": check.ok(),
            "checkpoint": check.checkpoint,
            "verifier_key": check.verifier_key,
            "entries": check.entries,
            "problems": check.problems,
        }))
    }
    .await;
    answer(r)
}
