//! The cases page (线索/案件): related warnings merged into one case by the workflow
//! (`qinglian warnings merge`), the newest 500 with their warnings, and merging from the
//! console (`qinglian_app::warnings::merge`: a `merge` entry in each warning's history and the
//! ledger).
//!
//! Scope as everywhere: a liaison sees a case only when it holds a warning of their department,
//! and only those warnings of it; a case they cannot see is 404. Merging is for the roles that
//! may take the workflow's `merge` (not liaisons, not auditors), on warnings the caller sees.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use qinglian_app::users::{self, Permission};
use qinglian_store::{CaseRecord, WarningRecord, WarningStore};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{Acting, ApiCaller, Viewer};

use super::pages::{Chrome, beijing, or_error_page, redirect, render};
use super::view::{self, InboxRow};
use super::xlsx::{Cell, export_table};
use super::{ConsoleState, WebErr};

/// Cases listed at most.
const CASES_SHOWN: u32 = 500;

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/cases", get(list_page).post(merge_form))
        .route("/cases/export.xlsx", get(export))
        .route("/cases/{id}", get(case_page))
}

/// A case as the caller may see it: only the warnings within their scope.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub title: String,
    pub created_by: String,
    pub created_at: String,
    pub warnings: Vec<WarningRecord>,
}

async fn scoped(
    state: &ConsoleState,
    who: &impl Acting,
    c: CaseRecord,
) -> Result<Option<CaseView>, WebErr> {
    let mut warnings = Vec::new();
    for id in &c.warnings {
        if let Some(w) = state.workspace().store.get_warning(*id).await?
            && who.sees(&w.department)
        {
            warnings.push(w);
        }
    }
    Ok(
        (!warnings.is_empty() || who.scope().is_none()).then(|| CaseView {
            id: c.id,
            title: c.title,
            created_by: c.created_by,
            created_at: beijing(c.created_at),
            warnings,
        }),
    )
}

async fn cases(state: &ConsoleState, who: &impl Acting) -> Result<Vec<CaseView>, WebErr> {
    who.require(Permission::ViewWarnings)?;
    let mut out = Vec::new();
    for c in state.workspace().store.list_cases(CASES_SHOWN).await? {
        out.extend(scoped(state, who, c).await?);
    }
    Ok(out)
}

async fn one_case(state: &ConsoleState, who: &impl Acting, id: &str) -> Result<CaseView, WebErr> {
    who.require(Permission::ViewWarnings)?;
    let id = super::pages::parse_id(id)?;
    let c = state
        .workspace()
        .store
        .get_case(id)
        .await?
        .ok_or_else(WebErr::not_found)?;
    scoped(state, who, c).await?.ok_or_else(WebErr::not_found)
}

/// One case as the list shows it.
pub struct CaseLine {
    pub id: i64,
    pub title: String,
    pub created_by: String,
    pub created_at: String,
    pub warnings: usize,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage<'a> {
    c: Chrome<'a>,
    cases: Vec<CaseLine>,
    may_merge: bool,
}

fn may_merge(who: &impl Acting) -> bool {
    who.may(Permission::ActOnWarnings) && users::may_take(who.user().role, "merge")
}

async fn list_page(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        let cases = cases(&state, &v)
            .await?
            .into_iter()
            .map(|c| CaseLine {
                id: c.id,
                title: c.title,
                created_by: c.created_by,
                created_at: c.created_at,
                warnings: c.warnings.len(),
            })
            .collect();
        Ok(render(
            StatusCode::OK,
            &CasesPage {
                c: Chrome::of(&state, &v),
                cases,
                may_merge: may_merge(&v),
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/dashboard", r)
}

async fn export(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        let rows: Vec<Vec<Cell>> = cases(&state, &v)
            .await?
            .into_iter()
            .map(|c| {
                let ids: Vec<String> = c.warnings.iter().map(|w| w.id.to_string()).collect();
                vec![
                    Cell::Number(c.id as f64),
                    c.title.into(),
                    ids.join(", ").into(),
                    c.created_by.into(),
                    c.created_at.into(),
                ]
            })
            .collect();
        export_table(
            &state,
            &v,
            "cases",
            &[
                "col.id",
                "cases.case_title",
                "cases.warning_ids",
                "cases.created_by",
                "cases.created_at",
            ],
            &rows,
            "cases.xlsx",
        )
        .await
    }
    .await;
    or_error_page(&state, &v, "/cases", r)
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage<'a> {
    c: Chrome<'a>,
    case: CaseLine,
    rows: Vec<InboxRow>,
}

async fn case_page(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        let c = one_case(&state, &v, &id).await?;
        let tr = state.tr(v.lang);
        let today = view::today(Utc::now());
        let rows = c
            .warnings
            .iter()
            .map(|w| InboxRow::new(w, tr, v.lang, today))
            .collect();
        Ok(render(
            StatusCode::OK,
            &CasePage {
                c: Chrome::of(&state, &v),
                case: CaseLine {
                    id: c.id,
                    title: c.title,
                    created_by: c.created_by,
                    created_at: c.created_at,
                    warnings: c.warnings.len(),
                },
                rows,
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/cases", r)
}

/// A merge as forms and the API give it: warning ids (a list, or text "12, 15 17").
#[derive(Debug, Deserialize)]
pub(crate) struct MergeBody {
    warnings: serde_json::Value,
    title: String,
    #[serde(default)]
    csrf: String,
}

fn merge_ids(v: &serde_json::Value) -> Result<Vec<i64>, WebErr> {
    let bad = || {
        WebErr::bad_request(
            "预警编号应为正整数，以逗号或空格分隔",
            "warning ids must be whole numbers, separated by commas or spaces",
        )
    };
    let ids: Vec<i64> = match v {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_i64().filter(|n| *n > 0).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        serde_json::Value::String(s) => s
            .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad()),
    };
    if ids.len() < 2 {
        return Err(WebErr::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "case.too_few",
            "并案至少需要两条预警",
            "a case needs at least two warnings",
        ));
    }
    Ok(ids)
}

async fn merge(state: &ConsoleState, who: &impl Acting, b: &MergeBody) -> Result<CaseView, WebErr> {
    who.require(Permission::ActOnWarnings)?;
    if !may_merge(who) {
        return Err(WebErr::forbidden());
    }
    let ids = merge_ids(&b.warnings)?;
    for id in &ids {
        let w = state.workspace().store.get_warning(*id).await?;
        if !w.is_some_and(|w| who.sees(&w.department)) {
            return Err(WebErr::not_found());
        }
    }
    let (title, actor) = (b.title.clone(), who.actor());
    let c = state
        .desk(move |ws| async move {
            qinglian_app::warnings::merge(&ws, &ids, &title, &actor, Utc::now())
                .await
                .map_err(WebErr::from)
        })
        .await?;
    scoped(state, who, c).await?.ok_or_else(WebErr::not_found)
}

async fn merge_form(
    State(state): State<ConsoleState>,
    v: Viewer,
    Form(b): Form<MergeBody>,
) -> Response {
    let r = async {
        v.check_csrf(&b.csrf)?;
        let c = merge(&state, &v, &b).await?;
        Ok(redirect(&format!("/cases/{}", c.id), &[]))
    }
    .await;
    or_error_page(&state, &v, "/cases", r)
}

// ---- API ----

pub async fn api_list(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    let r = async { Ok(json!({"items": cases(&state, &caller).await?})) }.await;
    super::api::answer(r)
}

pub async fn api_show(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    super::api::answer(one_case(&state, &caller, &id).await)
}

pub async fn api_merge(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    body: Result<axum::Json<MergeBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let r = async {
        let b = super::api::json_body(body)?;
        merge(&state, &caller, &b).await
    }
    .await;
    super::api::answer(r)
}
