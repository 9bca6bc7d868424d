//! The console's HTML pages: sign-in, dashboard, inbox (with export), warning detail and its
//! actions, the access log; language switch and sign-out. Templates are askama files in
//! `templates/`, checked at compile time; every word on them comes from the catalogues.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, Utc};
use qinglian_app::users::{self, Permission};
use qinglian_app::warnings;
use qinglian_store::{Disposition, Level, WarningState, WarningStore};
use qinglian_workflow::{Action, Request};
use serde::Deserialize;

use super::auth::{
    Acting, LANG_COOKIE, SESSION_COOKIE, SIGNIN_CSRF_COOKIE, Viewer, cookie_value, lang_of,
    same_secret, set_cookie,
};
use super::metrics::SignInOutcome;
use super::reveal::Revealed;
use super::view::{self, InboxParams, InboxQuery, InboxRow, PAGE_SIZE};
use super::{ConsoleState, Lang, Tr, WebErr};

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/", get(root))
        .route("/sign-in", get(sign_in_form).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/sign-out-everywhere", post(sign_out_everywhere))
        .route("/lang/{code}", get(set_lang))
        .route("/dashboard", get(dashboard_page))
        .route("/dashboard/data.json", get(dashboard_data))
        .route("/warnings", get(inbox))
        .route("/warnings/export.xlsx", get(export))
        .route("/warnings/{id}", get(warning_page))
        .route("/warnings/{id}/act", post(act))
        .route("/warnings/{id}/reveal", post(reveal_identifier))
        .route("/access-log", get(access_log_page))
        .route("/access-log/export.xlsx", get(access_log_export))
}

/// What every page shows around its content.
pub struct Chrome<'a> {
    pub tr: &'a Tr,
    pub lang_tag: &'static str,
    pub signed_in: bool,
    pub user_name: String,
    pub role_name: String,
    pub csrf: String,
    pub show_access_log: bool,
    /// Imports, rule catalogue, ledger (not liaisons).
    pub show_operations: bool,
    pub show_users: bool,
}

impl<'a> Chrome<'a> {
    fn anonymous(state: &'a ConsoleState, lang: Lang) -> Self {
        Self {
            tr: state.tr(lang),
            lang_tag: lang.tag(),
            signed_in: false,
            user_name: String::new(),
            role_name: String::new(),
            csrf: String::new(),
            show_access_log: false,
            show_operations: false,
            show_users: false,
        }
    }

    pub(crate) fn of(state: &'a ConsoleState, v: &Viewer) -> Self {
        let tr = state.tr(v.lang);
        Self {
            tr,
            lang_tag: v.lang.tag(),
            signed_in: true,
            user_name: v.user.display_name.clone(),
            role_name: tr.get(&format!("role.{}", v.user.role.as_str())).to_owned(),
            csrf: v.csrf.clone(),
            show_access_log: v.may(Permission::ViewAccessLog),
            show_operations: v.may(Permission::ViewOperations),
            show_users: v.may(Permission::ManageUsers),
        }
    }
}

pub(crate) fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => WebErr::internal(&format!("template: {e}")).into_response_in(Lang::Zh),
    }
}

/// A 303 to `to`, setting cookies.
pub(crate) fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(to) {
        h.insert(header::LOCATION, v);
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: Chrome<'a>,
    status: u16,
    heading: String,
    message: String,
    back: String,
}

/// An error as a page in the viewer's language, with a way back.
pub fn error_page(
    state: &ConsoleState,
    viewer: Option<&Viewer>,
    lang: Lang,
    e: &WebErr,
    back: &str,
) -> Response {
    let c = match viewer {
        Some(v) => Chrome::of(state, v),
        None => Chrome::anonymous(state, lang),
    };
    let key = match e.status.as_u16() {
        400 => "error.bad_request",
        401 => "error.unauthorized",
        403 => "error.forbidden",
        404 => "error.not_found",
        409 | 422 => "error.conflict",
        429 => "error.too_many",
        500..=599 => "error.internal",
        _ => "error.heading",
    };
    let page = ErrorPage {
        heading: c.tr.get(key).to_owned(),
        c,
        status: e.status.as_u16(),
        message: e.message(lang).to_owned(),
        back: back.to_owned(),
    };
    render(e.status, &page)
}

pub(crate) fn or_error_page(
    state: &ConsoleState,
    v: &Viewer,
    back: &str,
    r: Result<Response, WebErr>,
) -> Response {
    r.unwrap_or_else(|e| error_page(state, Some(v), v.lang, &e, back))
}

async fn root() -> Response {
    redirect("/dashboard", &[])
}

// ---- sign-in and sign-out ----

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    c: Chrome<'a>,
    error: String,
    username: String,
    form_csrf: String,
}

fn sign_in_page(
    state: &ConsoleState,
    lang: Lang,
    status: StatusCode,
    error: &str,
    username: &str,
) -> Response {
    let token = match users::random_hex(24) {
        Ok(t) => t,
        Err(e) => return WebErr::from(e).into_response_in(lang),
    };
    let page = SignInPage {
        c: Chrome::anonymous(state, lang),
        error: error.to_owned(),
        username: username.to_owned(),
        form_csrf: token.clone(),
    };
    let mut res = render(status, &page);
    let cookie = set_cookie(
        SIGNIN_CSRF_COOKIE,
        &token,
        Some(3600),
        state.config().secure_cookies,
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn sign_in_form(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE)
        && let Ok(Some(_)) = users::session_user(
            state.workspace(),
            &token,
            &state.config().policy,
            Utc::now(),
        )
        .await
    {
        return redirect("/dashboard", &[]);
    }
    sign_in_page(&state, lang, StatusCode::OK, "", "")
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    csrf: String,
}

async fn sign_in(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    let lang = lang_of(&headers);
    let tr = state.tr(lang);
    let cookie = cookie_value(&headers, SIGNIN_CSRF_COOKIE);
    if !cookie.is_some_and(|c| same_secret(&c, f.csrf.trim())) {
        return sign_in_page(
            &state,
            lang,
            StatusCode::FORBIDDEN,
            tr.get("signin.csrf_expired"),
            &f.username,
        );
    }
    let policy = state.config().policy;
    let (username, password) = (f.username.clone(), f.password);
    let code = Some(f.totp).filter(|c| !c.trim().is_empty());
    // Argon2 takes tens of milliseconds of CPU: off the async workers.
    let result = state
        .desk(move |ws| async move {
            users::sign_in(
                &ws,
                &username,
                &password,
                code.as_deref(),
                &policy,
                Utc::now(),
            )
            .await
            .map_err(WebErr::from)
        })
        .await;
    match result {
        Ok(signed) => {
            state.metrics().sign_in(SignInOutcome::Ok);
            let secure = state.config().secure_cookies;
            let age = state.config().policy.session_hours * 3600;
            redirect(
                "/dashboard",
                &[
                    set_cookie(SESSION_COOKIE, &signed.token, Some(age), secure),
                    set_cookie(SIGNIN_CSRF_COOKIE, "", Some(0), secure),
                ],
            )
        }
        Err(e) => {
            state
                .metrics()
                .sign_in(if e.status == StatusCode::TOO_MANY_REQUESTS {
                    SignInOutcome::Locked
                } else {
                    SignInOutcome::Refused
                });
            sign_in_page(&state, lang, e.status, e.message(lang), &f.username)
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

async fn sign_out(
    State(state): State<ConsoleState>,
    v: Viewer,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.check_csrf(&f.csrf)?;
        users::sign_out(state.workspace(), &v.token, Utc::now()).await?;
        Ok(to_sign_in_cleared(&state))
    }
    .await;
    or_error_page(&state, &v, "/dashboard", r)
}

/// Back to the sign-in page with the session cookie cleared.
fn to_sign_in_cleared(state: &ConsoleState) -> Response {
    redirect(
        "/sign-in",
        &[set_cookie(
            SESSION_COOKIE,
            "",
            Some(0),
            state.config().secure_cookies,
        )],
    )
}

async fn sign_out_everywhere(
    State(state): State<ConsoleState>,
    v: Viewer,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.check_csrf(&f.csrf)?;
        users::sign_out_everywhere(state.workspace(), v.user.id, Utc::now()).await?;
        Ok(to_sign_in_cleared(&state))
    }
    .await;
    or_error_page(&state, &v, "/dashboard", r)
}

/// The path of a same-site `Referer`, to go back to after switching language.
fn back_path(headers: &HeaderMap) -> String {
    let referer = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let path = match referer.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => referer,
    };
    // Browsers read `/\host` as `//host`: anything but a plain local path goes to the dashboard.
    let plain = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if plain && !path.starts_with("/lang/") {
        path.to_owned()
    } else {
        "/dashboard".to_owned()
    }
}

async fn set_lang(
    State(state): State<ConsoleState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(&code);
    redirect(
        &back_path(&headers),
        &[set_cookie(
            LANG_COOKIE,
            lang.code(),
            Some(365 * 24 * 3600),
            state.config().secure_cookies,
        )],
    )
}

// ---- dashboard ----

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    c: Chrome<'a>,
    scope: String,
    open: u64,
    overdue: u64,
    total: u64,
    closure_rate: String,
    rectification_rate: String,
}

async fn dashboard_page(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewWarnings)?;
        let d = view::dashboard(state.workspace(), v.scope(), state.tr(v.lang), Utc::now()).await?;
        Ok(render(
            StatusCode::OK,
            &DashboardPage {
                c: Chrome::of(&state, &v),
                scope: d.scope.clone().unwrap_or_default(),
                open: d.open,
                overdue: d.overdue,
                total: d.total,
                closure_rate: view::percent(d.closure_rate_on_time),
                rectification_rate: view::percent(d.rectification_rate),
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/", r)
}

/// The charts' data, fetched by `console.js` (no inline data, so the CSP stays strict).
async fn dashboard_data(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewWarnings)?;
        let d = view::dashboard(state.workspace(), v.scope(), state.tr(v.lang), Utc::now()).await?;
        Ok(Json(d).into_response())
    }
    .await;
    r.unwrap_or_else(|e| super::api::error_response(&e))
}

// ---- inbox ----

fn day_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A query value as the person typed it (trimmed), to show it back in the form.
fn present_text(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

/// An option of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    c: Chrome<'a>,
    levels: Vec<Opt>,
    states: Vec<Opt>,
    department: String,
    department_fixed: bool,
    rule: String,
    category: String,
    month: String,
    from: String,
    to: String,
    amount_min: String,
    amount_max: String,
    overdue: bool,
    all: bool,
    rows: Vec<InboxRow>,
    page: u32,
    prev_href: String,
    next_href: String,
    export_href: String,
}

async fn inbox(
    State(state): State<ConsoleState>,
    v: Viewer,
    Query(q): Query<InboxQuery>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewWarnings)?;
        let p = q.parse()?;
        let now = Utc::now();
        let (rows, more) =
            view::inbox_page(state.workspace(), v.scope(), &p, PAGE_SIZE, now).await?;
        let tr = state.tr(v.lang);
        let today = view::today(now);
        let href = |page: u32| {
            let q = p.query(page);
            if q.is_empty() {
                "/warnings".to_owned()
            } else {
                format!("/warnings?{q}")
            }
        };
        let page = InboxPage {
            levels: Level::ALL
                .iter()
                .map(|l| Opt {
                    value: l.number().to_string(),
                    label: view::level_label(tr, *l),
                    selected: p.level == Some(*l),
                })
                .collect(),
            states: WarningState::ALL
                .iter()
                .map(|s| Opt {
                    value: s.as_str().to_owned(),
                    label: view::state_label(tr, *s),
                    selected: p.state == Some(*s),
                })
                .collect(),
            department: v
                .scope()
                .map(str::to_owned)
                .or_else(|| p.department.clone())
                .unwrap_or_default(),
            department_fixed: v.scope().is_some(),
            rule: p.rule.clone().unwrap_or_default(),
            category: p.category.clone().unwrap_or_default(),
            month: p
                .month
                .map(|m| m.format("%Y-%m").to_string())
                .unwrap_or_default(),
            from: day_text(p.from),
            to: day_text(p.to),
            amount_min: present_text(&q.amount_min),
            amount_max: present_text(&q.amount_max),
            overdue: p.overdue,
            all: p.all,
            rows: rows
                .iter()
                .map(|w| InboxRow::new(w, tr, v.lang, today))
                .collect(),
            page: p.page,
            prev_href: if p.page > 1 {
                href(p.page - 1)
            } else {
                String::new()
            },
            next_href: if more {
                href(p.page + 1)
            } else {
                String::new()
            },
            export_href: {
                let q = p.query(1);
                if q.is_empty() {
                    "/warnings/export.xlsx".to_owned()
                } else {
                    format!("/warnings/export.xlsx?{q}")
                }
            },
            c: Chrome::of(&state, &v),
        };
        Ok(render(StatusCode::OK, &page))
    }
    .await;
    or_error_page(&state, &v, "/warnings", r)
}

/// Rows exported at most (a bigger list is cut, and the sheet says so).
pub const EXPORT_MAX: u32 = 10_000;

async fn export(
    State(state): State<ConsoleState>,
    v: Viewer,
    Query(q): Query<InboxQuery>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewWarnings)?;
        let mut p: InboxParams = q.parse()?;
        let now = Utc::now();
        let tr = state.tr(v.lang);
        let today = view::today(now);
        let mut rows = Vec::new();
        let chunk = 500;
        p.page = 1;
        let mut truncated = false;
        loop {
            let (page, more) =
                view::inbox_page(state.workspace(), v.scope(), &p, chunk, now).await?;
            rows.extend(page.iter().map(|w| InboxRow::new(w, tr, v.lang, today)));
            if !more {
                break;
            }
            if rows.len() >= EXPORT_MAX as usize {
                truncated = true;
                break;
            }
            p.page += 1;
        }
        users::log_access(
            state.workspace(),
            &v.actor(),
            "export",
            &format!("inbox?{}", p.query(1)),
            None,
            now,
        )
        .await?;
        let bytes = super::xlsx::inbox_workbook(&rows, tr, truncated)?;
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"warnings.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response())
    }
    .await;
    or_error_page(&state, &v, "/warnings", r)
}

// ---- one warning ----

pub struct EvidenceLine {
    pub dataset: String,
    pub batch: String,
    pub row: i64,
}

/// One dataset-and-batch's cited rows as the warning page shows them.
pub struct EvidenceTableView {
    pub title: String,
    pub batch: String,
    pub columns: Vec<String>,
    pub rows: Vec<(i64, Vec<String>)>,
    /// Cited rows that could not be read, with the reason; empty when all were read.
    pub missing: String,
}

/// At most this many cited rows are read back for one page (a finding keeps them all).
const EVIDENCE_ROWS_SHOWN: usize = 200;

/// Another open finding on a warning's subject, as its page lists it.
pub struct RelatedLine {
    pub rule: String,
    pub explanation: String,
    pub amount: String,
    pub department: String,
    pub first_seen: String,
}

/// Other open findings on the warning's subject, within the caller's scope (page and API).
pub async fn related(
    state: &ConsoleState,
    who: &impl Acting,
    view: &warnings::WarningView,
) -> Result<Vec<qinglian_store::FindingRecord>, WebErr> {
    Ok(warnings::related_findings(state.workspace(), view, who.scope()).await?)
}

/// A finding's network for the page: the JSON graph.js draws and the same links in words.
pub struct GraphView {
    pub title: String,
    pub json: String,
    pub links: Vec<String>,
}

impl GraphView {
    fn of(g: &qinglian_app::FindingGraph, tr: &Tr, lang: Lang) -> Self {
        let label = |l: &qinglian_app::GraphLink| match lang {
            Lang::Zh => l.label_zh.clone(),
            Lang::En => l.label_en.clone(),
        };
        let links: Vec<serde_json::Value> = g
            .links
            .iter()
            .map(|l| serde_json::json!({"source": l.source, "target": l.target, "label": label(l)}))
            .collect();
        Self {
            title: tr.get(&format!("graph.{}", g.kind)).to_owned(),
            json: serde_json::json!({"kind": g.kind, "nodes": g.nodes, "links": links}).to_string(),
            links: g
                .links
                .iter()
                .map(|l| format!("{} — {} → {}", l.source, label(l), l.target))
                .collect(),
        }
    }
}

/// The rows a warning's finding cites, read back from the lake (page and API alike).
pub async fn cited_rows(
    state: &ConsoleState,
    view: &warnings::WarningView,
) -> Result<Vec<qinglian_app::EvidenceTable>, WebErr> {
    let cited = view
        .finding
        .as_ref()
        .map(|f| f.finding.evidence.clone())
        .unwrap_or_default();
    if cited.is_empty() {
        return Ok(Vec::new());
    }
    state
        .desk(move |ws| async move {
            qinglian_app::evidence_tables(&ws, &cited, EVIDENCE_ROWS_SHOWN).map_err(WebErr::from)
        })
        .await
}

impl EvidenceTableView {
    fn of(t: qinglian_app::EvidenceTable, lang: Lang) -> Self {
        let pick = |zh: &str, en: &str| match lang {
            Lang::Zh => zh.to_owned(),
            Lang::En => en.to_owned(),
        };
        let missing = match &t.missing_reason {
            Some(reason) if !t.missing.is_empty() => {
                let rows: Vec<String> = t.missing.iter().map(i64::to_string).collect();
                format!("{} ({})", rows.join(", "), reason)
            }
            _ => String::new(),
        };
        Self {
            title: pick(&t.dataset_zh, &t.dataset_en),
            batch: t.batch,
            columns: t.columns.iter().map(|c| pick(&c.zh, &c.en)).collect(),
            rows: t
                .rows
                .into_iter()
                .map(|(row, cells)| {
                    (
                        row,
                        cells.into_iter().map(Option::unwrap_or_default).collect(),
                    )
                })
                .collect(),
            missing,
        }
    }
}

pub struct HistoryLine {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub state: String,
    pub level: String,
    pub actor: String,
    pub comment: String,
}

pub struct ActionForm {
    pub name: String,
    pub label: String,
    pub needs_to: bool,
    pub needs_code: bool,
    pub needs_reason: bool,
}

#[derive(Template)]
#[template(path = "warning.html")]
struct WarningPage<'a> {
    c: Chrome<'a>,
    id: i64,
    title: String,
    level: String,
    level_class: String,
    state: String,
    overdue: bool,
    department: String,
    assignee: String,
    deadline: String,
    rule: String,
    subject: String,
    amount: String,
    version: i64,
    explanation: String,
    level_reasons: Vec<String>,
    evidence: Vec<EvidenceLine>,
    /// The cited rows themselves, read back from the lake.
    evidence_tables: Vec<EvidenceTableView>,
    /// The relationship path or co-bidding group behind a network finding.
    graph: Option<GraphView>,
    /// Other open findings on the same subject.
    related: Vec<RelatedLine>,
    actions: Vec<ActionForm>,
    close_codes: Vec<Opt>,
    history: Vec<HistoryLine>,
    /// The viewer may check identifiers (the form shows).
    may_reveal: bool,
    reveal_kinds: Vec<Opt>,
    revealed: Option<Revealed>,
}

/// Beijing time, to the minute.
pub fn beijing(t: DateTime<Utc>) -> String {
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    t.with_timezone(&cst).format("%Y-%m-%d %H:%M").to_string()
}

/// A warning id from the path; anything else is "not found".
pub fn parse_id(s: &str) -> Result<i64, WebErr> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(WebErr::not_found)
}

/// The reason codes a close may take from a state.
pub fn close_codes(state: WarningState) -> Vec<Disposition> {
    match state {
        WarningState::Verifying => vec![
            Disposition::DataError,
            Disposition::Legitimate,
            Disposition::RuleTooBroad,
            Disposition::Duplicate,
        ],
        WarningState::Rectification => vec![Disposition::Rectified],
        WarningState::Confirmed => vec![Disposition::Referred],
        _ => Vec::new(),
    }
}

/// Loads a warning the caller may see: 404 otherwise, the same as one that does not exist.
pub async fn load_visible(
    state: &ConsoleState,
    who: &impl Acting,
    id: i64,
    now: DateTime<Utc>,
) -> Result<warnings::WarningView, WebErr> {
    let view = state
        .desk(move |ws| async move { warnings::show(&ws, id, now).await.map_err(WebErr::from) })
        .await?;
    if !who.sees(&view.warning.department) {
        return Err(WebErr::not_found());
    }
    Ok(view)
}

/// Loads a warning the caller may see ([`load_visible`]) and writes the view of its evidence
/// into the access log.
pub async fn visible_warning(
    state: &ConsoleState,
    who: &impl Acting,
    id: i64,
    via: &str,
) -> Result<warnings::WarningView, WebErr> {
    let now = Utc::now();
    let view = load_visible(state, who, id, now).await?;
    users::log_access(
        state.workspace(),
        &who.actor(),
        "evidence_view",
        &format!("warning:{id}"),
        Some(via),
        now,
    )
    .await?;
    Ok(view)
}

async fn warning_page(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        let id = parse_id(&id)?;
        show_warning(&state, &v, id, None).await
    }
    .await;
    or_error_page(&state, &v, "/warnings", r)
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
}

/// Checks an identifier on a warning (see [`super::reveal`]) and shows the warning with the
/// result above its evidence.
async fn reveal_identifier(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<RevealForm>,
) -> Response {
    let back = format!("/warnings/{}", id.trim());
    let r: Result<Response, WebErr> = async {
        v.check_csrf(&f.csrf)?;
        let id = parse_id(&id)?;
        let revealed = super::reveal::reveal(&state, &v, id, &f.kind, &f.value, &f.reason).await?;
        show_warning(&state, &v, id, Some(revealed)).await
    }
    .await;
    or_error_page(&state, &v, &back, r)
}

/// The warning page, with the result of an identifier check when there is one.
async fn show_warning(
    state: &ConsoleState,
    v: &Viewer,
    id: i64,
    revealed: Option<Revealed>,
) -> Result<Response, WebErr> {
    {
        v.require(Permission::ViewWarnings)?;
        let view = visible_warning(state, v, id, "console").await?;
        let tr = state.tr(v.lang);
        let w = &view.warning;
        let row = InboxRow::new(w, tr, v.lang, view::today(Utc::now()));
        let finding = view.finding.as_ref().map(|f| &f.finding);
        let evidence_tables = cited_rows(state, &view)
            .await?
            .into_iter()
            .map(|t| EvidenceTableView::of(t, v.lang))
            .collect();
        let related = related(state, v, &view)
            .await?
            .into_iter()
            .map(|r| RelatedLine {
                rule: r.finding.source.id.clone(),
                explanation: match v.lang {
                    Lang::Zh => r.finding.explanation_zh.clone(),
                    Lang::En => r.finding.explanation_en.clone(),
                },
                amount: r.finding.amount.map(|m| m.to_string()).unwrap_or_default(),
                department: r.finding.department.clone().unwrap_or_default(),
                first_seen: beijing(r.first_seen),
            })
            .collect();
        let page = WarningPage {
            related,
            evidence_tables,
            graph: finding
                .and_then(qinglian_app::finding_graph)
                .map(|g| GraphView::of(&g, tr, v.lang)),
            id: w.id,
            title: row.title.clone(),
            level: row.level.clone(),
            level_class: row.level_class.clone(),
            state: row.state.clone(),
            overdue: view.overdue,
            department: w.department.clone(),
            assignee: row.assignee.clone(),
            deadline: row.deadline.clone(),
            rule: w.source_id.clone(),
            subject: row.subject.clone(),
            amount: row.amount.clone(),
            version: w.version,
            explanation: finding
                .map(|f| match v.lang {
                    Lang::Zh => f.explanation_zh.clone(),
                    Lang::En => f.explanation_en.clone(),
                })
                .unwrap_or_else(|| row.title.clone()),
            level_reasons: view
                .level_reasons
                .as_ref()
                .map(|d| {
                    d.reasons
                        .iter()
                        .map(|r| match v.lang {
                            Lang::Zh => r.zh.clone(),
                            Lang::En => r.en.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            evidence: finding
                .map(|f| {
                    f.evidence
                        .iter()
                        .map(|e| EvidenceLine {
                            dataset: e.dataset.clone(),
                            batch: e.batch.clone(),
                            row: e.row,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            actions: view
                .allowed
                .iter()
                .filter(|a| v.may(Permission::ActOnWarnings) && users::may_take(v.user.role, a))
                .map(|a| ActionForm {
                    name: (*a).to_owned(),
                    label: tr.get(&format!("action.{a}")).to_owned(),
                    needs_to: *a == "assign",
                    needs_code: *a == "close",
                    needs_reason: matches!(*a, "escalate" | "de-escalate" | "reopen"),
                })
                .collect(),
            close_codes: close_codes(w.state)
                .into_iter()
                .map(|d| Opt {
                    value: d.as_str().to_owned(),
                    label: tr.get(&format!("code.{}", d.as_str())).to_owned(),
                    selected: false,
                })
                .collect(),
            history: view
                .history
                .iter()
                .map(|h| HistoryLine {
                    seq: h.seq,
                    at: beijing(h.at),
                    action: {
                        let key = format!("action.{}", h.action);
                        if tr.has(&key) {
                            tr.get(&key).to_owned()
                        } else {
                            h.action.clone()
                        }
                    },
                    state: view::state_label(tr, h.to_state),
                    level: view::level_label(tr, h.to_level),
                    actor: h.actor.clone(),
                    comment: h.comment.clone().unwrap_or_default(),
                })
                .collect(),
            may_reveal: v.may(Permission::RevealIdentifiers),
            reveal_kinds: super::reveal::KINDS
                .iter()
                .map(|k| Opt {
                    value: (*k).to_owned(),
                    label: tr.get(&format!("reveal.kind.{k}")).to_owned(),
                    selected: revealed.as_ref().is_some_and(|r| r.kind == *k),
                })
                .collect(),
            revealed,
            c: Chrome::of(state, v),
        };
        Ok(render(StatusCode::OK, &page))
    }
}

/// A workflow action from its name and inputs, as forms and the API give them.
pub fn parse_action(name: &str, to: Option<&str>, code: Option<&str>) -> Result<Action, WebErr> {
    let name = name.trim();
    let input = |zh: &str, en: &str| {
        WebErr::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "warning.bad_input",
            zh,
            en,
        )
    };
    Ok(match name {
        "assign" => Action::Assign {
            to: to
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    input(
                        "分派须填写接收人",
                        "assign needs the person to hand it to ('to')",
                    )
                })?
                .to_owned(),
        },
        "respond" => Action::Respond,
        "verify" => Action::Verify,
        "confirm" => Action::Confirm,
        "rectify" => Action::Rectify,
        "close" => {
            let code = code
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| input("办结须选择理由代码", "close needs a reason code ('code')"))?;
            Action::Close {
                code: Disposition::parse(code)
                    .map_err(|e| input(&format!("办结理由有误：{e}"), &e))?,
            }
        }
        "escalate" => Action::Escalate,
        "de-escalate" | "de_escalate" => Action::DeEscalate,
        "reopen" => Action::Reopen,
        other => {
            return Err(WebErr::bad_request(
                format!(
                    "未知操作「{other}」：可用 assign、respond、verify、confirm、rectify、close、escalate、de-escalate、reopen"
                ),
                format!(
                    "unknown action '{other}': use assign, respond, verify, confirm, rectify, close, escalate, de-escalate or reopen"
                ),
            ));
        }
    })
}

/// Takes an action on a warning the caller may see and may act on.
pub async fn take_action(
    state: &ConsoleState,
    who: &impl Acting,
    id: i64,
    action: Action,
    comment: Option<String>,
    expected_version: Option<i64>,
) -> Result<qinglian_workflow::Acted, WebErr> {
    who.require(Permission::ActOnWarnings)?;
    if !users::may_take(who.user().role, action.name()) {
        return Err(WebErr::forbidden());
    }
    let Some(w) = state.workspace().store.get_warning(id).await? else {
        return Err(WebErr::not_found());
    };
    if !who.sees(&w.department) {
        return Err(WebErr::not_found());
    }
    let mut req = Request::new(action, &who.actor());
    req.comment = comment.filter(|c| !c.trim().is_empty());
    req.expected_version = expected_version;
    let channels = state.channels();
    let acted = state
        .desk(move |ws| async move {
            warnings::act(&ws, id, &req, Utc::now(), &channels)
                .await
                .map_err(WebErr::from)
        })
        .await?;
    state.metrics().action();
    Ok(acted)
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    version: String,
}

async fn act(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    let back = format!("/warnings/{}", id.trim());
    let r: Result<Response, WebErr> = async {
        v.check_csrf(&f.csrf)?;
        let id = parse_id(&id)?;
        let action = parse_action(&f.action, Some(&f.to), Some(&f.code))?;
        let version = match f.version.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| {
                WebErr::bad_request(
                    format!("版本号「{s}」不是整数"),
                    format!("version '{s}' is not a whole number"),
                )
            })?),
        };
        take_action(&state, &v, id, action, Some(f.comment.clone()), version).await?;
        Ok(redirect(&format!("/warnings/{id}"), &[]))
    }
    .await;
    or_error_page(&state, &v, &back, r)
}

// ---- access log ----

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<String>,
}

pub struct AccessLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage<'a> {
    c: Chrome<'a>,
    entries: Vec<AccessLine>,
    page: u32,
    prev_href: String,
    next_href: String,
}

/// At most this many access-log entries go into one Excel export (the newest).
const ACCESS_LOG_EXPORT_MAX: u32 = 10_000;

/// The access log as Excel (newest first), for auditors; the export is itself logged.
async fn access_log_export(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewAccessLog)?;
        let entries = users::access_log(state.workspace(), ACCESS_LOG_EXPORT_MAX, 0).await?;
        let rows: Vec<Vec<super::xlsx::Cell>> = entries
            .into_iter()
            .map(|e| {
                vec![
                    beijing(e.at).into(),
                    e.actor.into(),
                    e.action.into(),
                    e.target.into(),
                    e.reason.unwrap_or_default().into(),
                ]
            })
            .collect();
        super::xlsx::export_table(
            &state,
            &v,
            "access_log",
            &[
                "col.at",
                "col.actor",
                "col.action",
                "access.target",
                "access.reason",
            ],
            &rows,
            "access-log.xlsx",
        )
        .await
    }
    .await;
    or_error_page(&state, &v, "/access-log", r)
}

async fn access_log_page(
    State(state): State<ConsoleState>,
    v: Viewer,
    Query(q): Query<PageQuery>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewAccessLog)?;
        let page = match q.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => 1,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| {
                    WebErr::bad_request(
                        format!("页码「{s}」有误"),
                        format!("page '{s}' is not a page number"),
                    )
                })?,
        };
        let per = 100;
        let mut entries = users::access_log(state.workspace(), per + 1, (page - 1) * per).await?;
        let more = entries.len() > per as usize;
        entries.truncate(per as usize);
        Ok(render(
            StatusCode::OK,
            &AccessLogPage {
                entries: entries
                    .into_iter()
                    .map(|e| AccessLine {
                        at: beijing(e.at),
                        actor: e.actor,
                        action: e.action,
                        target: e.target,
                        reason: e.reason.unwrap_or_default(),
                    })
                    .collect(),
                page,
                prev_href: if page > 1 {
                    format!("/access-log?page={}", page - 1)
                } else {
                    String::new()
                },
                next_href: if more {
                    format!("/access-log?page={}", page + 1)
                } else {
                    String::new()
                },
                c: Chrome::of(&state, &v),
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/dashboard", r)
}
