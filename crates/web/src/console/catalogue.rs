//! The rule catalogue page (规则库): every rule with its parameters, whether it is switched
//! off and why, and its precision from the warnings' dispositions (confirmed ÷ (confirmed +
//! false positives), counted as the dashboard counts them; "—" before any is judged); one rule's documentation page (the same
//! Markdown as `docs/rules/`); and, for administrators, switching a rule off or on and setting
//! or resetting a parameter, each with a mandatory reason.
//!
//! The changes are made by `qinglian_app::rule_settings`, which writes them into the
//! workspace's `qinglian.toml` (the overlay `qinglian run` reads) and into the access log.
//! The models of the model base (`qinglian_app::models::MODELS`) are listed too, with their
//! precision and their documentation (`docs/models/`, embedded); they have no workspace
//! settings, so nothing about them can be changed here — except that an administrator can
//! retrain the supervised scorer (MOD-SCORER) on the workspace's judged tender warnings and
//! put it in use (`qinglian_app::models::retrain_from_judgements`).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use qinglian_app::models::{MODELS, ModelInfo};
use qinglian_app::rule_settings::{self, CatalogueEntry, RuleChange};
use qinglian_app::users::Permission;
use qinglian_store::{ConsoleStore, Verdict};
use serde::Deserialize;
use serde_json::json;

use super::auth::{Acting, ApiCaller, Viewer};

use super::pages::{Chrome, or_error_page, redirect, render};
use super::xlsx::{Cell, export_table};
use super::{ConsoleState, Lang, WebErr};

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/rules", get(list_page))
        .route("/rules/export.xlsx", get(export))
        .route("/rules/{rule}", get(rule_page))
        .route("/rules/{rule}/change", post(change_form))
        .route("/rules/MOD-SCORER/train", post(train_form))
}

/// A rule's judged warnings: (confirmed, false positives), from the desk's tallies (the same
/// counts and verdicts as the dashboard's precision chart; a read of a few thousand rows).
type Judged = BTreeMap<String, (u64, u64)>;

async fn precisions(state: &ConsoleState) -> Result<Judged, WebErr> {
    let t = state
        .workspace()
        .store
        .dashboard_tallies(None, super::view::today(Utc::now()))
        .await?;
    let mut out = Judged::new();
    for r in t.rules {
        let e = out.entry(r.source_id).or_default();
        match r.verdict {
            Verdict::TruePositive => e.0 += r.n,
            Verdict::FalsePositive => e.1 += r.n,
            Verdict::Open | Verdict::Duplicate => {}
        }
    }
    Ok(out)
}

/// `75.0% (3/4)`, or "—" before any warning of the rule is judged true or false.
fn precision_text(p: Option<&(u64, u64)>) -> String {
    match p {
        Some((tp, fp)) if tp + fp > 0 => format!(
            "{:.1}% ({tp}/{})",
            *tp as f64 * 100.0 / (tp + fp) as f64,
            tp + fp
        ),
        _ => "—".to_owned(),
    }
}

fn precision_value(p: Option<&(u64, u64)>) -> Option<f64> {
    p.filter(|(tp, fp)| tp + fp > 0)
        .map(|(tp, fp)| *tp as f64 / (tp + fp) as f64)
}

/// One rule as the list shows it.
pub struct RuleLine {
    pub id: String,
    pub name: String,
    pub category: String,
    pub severity: String,
    pub version: String,
    pub disabled: String,
    pub is_disabled: bool,
    pub precision: String,
    pub overridden: usize,
}

impl RuleLine {
    fn new(e: &CatalogueEntry, lang: Lang, precision: &Judged) -> Self {
        Self {
            id: e.id.clone(),
            name: match lang {
                Lang::Zh => e.name_zh.clone(),
                Lang::En => e.name_en.clone(),
            },
            category: e.category.clone(),
            severity: e.severity.clone(),
            version: e.version.clone(),
            is_disabled: e.disabled.is_some(),
            disabled: e.disabled.clone().unwrap_or_default(),
            precision: precision_text(precision.get(&e.id)),
            overridden: e.params.iter().filter(|p| p.overridden).count(),
        }
    }
}

/// The model base's documentation pages, each starting `# MOD-ID — …`.
const MODEL_DOCS: [&str; 12] = [
    include_str!("../../../../docs/models/benford.md"),
    include_str!("../../../../docs/models/cobid.md"),
    include_str!("../../../../docs/models/duplicates.md"),
    include_str!("../../../../docs/models/fingerprint.md"),
    include_str!("../../../../docs/models/iforest.md"),
    include_str!("../../../../docs/models/outliers.md"),
    include_str!("../../../../docs/models/relations.md"),
    include_str!("../../../../docs/models/scorer.md"),
    include_str!("../../../../docs/models/screens.md"),
    include_str!("../../../../docs/models/split.md"),
    include_str!("../../../../docs/models/temporal.md"),
    include_str!("../../../../docs/models/threshold.md"),
];

/// A model and its documentation page ("" when the page is missing).
fn model_with_doc(id: &str) -> Option<(&'static ModelInfo, &'static str)> {
    let m = MODELS
        .iter()
        .find(|m| m.id.eq_ignore_ascii_case(id.trim()))?;
    let heading = format!("# {} ", m.id);
    let doc = MODEL_DOCS
        .iter()
        .find(|d| d.starts_with(&heading))
        .copied()
        .unwrap_or("");
    Some((m, doc))
}

fn model_line(m: &ModelInfo, lang: Lang, precision: &Judged) -> RuleLine {
    RuleLine {
        id: m.id.to_owned(),
        name: match lang {
            Lang::Zh => m.name_zh.to_owned(),
            Lang::En => m.name_en.to_owned(),
        },
        category: m.category.prefix().to_owned(),
        severity: String::new(),
        version: m.version.to_owned(),
        disabled: String::new(),
        is_disabled: false,
        precision: precision_text(precision.get(m.id)),
        overridden: 0,
    }
}

async fn catalogue(state: &ConsoleState) -> Result<Vec<CatalogueEntry>, WebErr> {
    Ok(rule_settings::catalogue(state.workspace())?)
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage<'a> {
    c: Chrome<'a>,
    rules: Vec<RuleLine>,
    models: Vec<RuleLine>,
}

async fn list_page(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        let p = precisions(&state).await?;
        let rules = catalogue(&state)
            .await?
            .iter()
            .map(|e| RuleLine::new(e, v.lang, &p))
            .collect();
        Ok(render(
            StatusCode::OK,
            &RulesPage {
                c: Chrome::of(&state, &v),
                rules,
                models: MODELS.iter().map(|m| model_line(m, v.lang, &p)).collect(),
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/dashboard", r)
}

async fn export(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        let p = precisions(&state).await?;
        let tr = state.tr(v.lang);
        let lines = catalogue(&state)
            .await?
            .iter()
            .map(|e| RuleLine::new(e, v.lang, &p))
            .chain(MODELS.iter().map(|m| model_line(m, v.lang, &p)))
            .collect::<Vec<_>>();
        let rows: Vec<Vec<Cell>> = lines
            .into_iter()
            .map(|l| {
                vec![
                    l.id.into(),
                    l.name.into(),
                    l.category.into(),
                    l.severity.into(),
                    l.version.into(),
                    if l.is_disabled {
                        format!("{}: {}", tr.get("rules.off"), l.disabled).into()
                    } else {
                        tr.get("rules.on").into()
                    },
                    l.precision.into(),
                    (l.overridden as u64).into(),
                ]
            })
            .collect();
        export_table(
            &state,
            &v,
            "rules",
            &[
                "rules.id",
                "rules.name",
                "rules.category",
                "rules.severity",
                "rules.version",
                "rules.status",
                "rules.precision",
                "rules.overridden",
            ],
            &rows,
            "rules.xlsx",
        )
        .await
    }
    .await;
    or_error_page(&state, &v, "/rules", r)
}

/// A rule with its documentation page, or 404.
async fn rule_with_doc(state: &ConsoleState, id: &str) -> Result<(CatalogueEntry, String), WebErr> {
    let id = id.trim().to_owned();
    state
        .desk(move |ws| async move {
            rule_settings::rule_with_doc(&ws, &id)
                .await
                .map_err(WebErr::from)
        })
        .await?
        .ok_or_else(WebErr::not_found)
}

#[derive(Template)]
#[template(path = "rule.html")]
struct RulePage<'a> {
    c: Chrome<'a>,
    line: RuleLine,
    description: String,
    datasets: String,
    params: Vec<rule_settings::ParamRow>,
    doc: String,
    may_change: bool,
    is_model: bool,
    /// MOD-SCORER only: the model file in use and when it was written ("" when none).
    scorer_in_use: String,
    may_train: bool,
}

/// The scorer model the workspace's qinglian.toml names, with the time its file was written.
fn scorer_in_use(ws: &qinglian_app::Workspace) -> Result<String, WebErr> {
    let config = rule_settings::settings(ws)?;
    let Some(model) = config.models.scorer_model else {
        return Ok(String::new());
    };
    let written = std::fs::metadata(ws.root.join(&model))
        .and_then(|m| m.modified())
        .map(|t| {
            chrono::DateTime::<Utc>::from(t)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| "—".to_owned());
    Ok(format!("{model} ({written})"))
}

async fn rule_page(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ViewOperations)?;
        if let Some((m, doc)) = model_with_doc(&id) {
            let p = precisions(&state).await?;
            let scorer = m.id == "MOD-SCORER";
            return Ok(render(
                StatusCode::OK,
                &RulePage {
                    c: Chrome::of(&state, &v),
                    line: model_line(m, v.lang, &p),
                    description: String::new(),
                    datasets: m.datasets.join(", "),
                    params: Vec::new(),
                    doc: doc.to_owned(),
                    may_change: false,
                    is_model: true,
                    scorer_in_use: if scorer {
                        scorer_in_use(state.workspace())?
                    } else {
                        String::new()
                    },
                    may_train: scorer && v.may(Permission::ManageRules),
                },
            ));
        }
        let (e, doc) = rule_with_doc(&state, &id).await?;
        let p = precisions(&state).await?;
        Ok(render(
            StatusCode::OK,
            &RulePage {
                c: Chrome::of(&state, &v),
                line: RuleLine::new(&e, v.lang, &p),
                description: match v.lang {
                    Lang::Zh => e.description_zh.clone(),
                    Lang::En => e.description_en.clone(),
                },
                datasets: e.datasets.join(", "),
                params: e.params.clone(),
                doc,
                may_change: v.may(Permission::ManageRules),
                is_model: false,
                scorer_in_use: String::new(),
                may_train: false,
            },
        ))
    }
    .await;
    or_error_page(&state, &v, "/rules", r)
}

/// A change as forms and the API give it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeBody {
    /// `disable`, `enable`, `set` or `reset`.
    change: String,
    #[serde(default)]
    param: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
    /// Forms only.
    #[serde(default)]
    csrf: String,
}

fn parse_change(b: &ChangeBody) -> Result<RuleChange, WebErr> {
    let param = || {
        let p = b.param.trim();
        if p.is_empty() {
            Err(WebErr::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "rule.bad_input",
                "请选择参数",
                "name the parameter ('param')",
            ))
        } else {
            Ok(p.to_owned())
        }
    };
    Ok(match b.change.trim() {
        "disable" => RuleChange::Disable,
        "enable" => RuleChange::Enable,
        "set" => RuleChange::SetParam {
            name: param()?,
            value: b.value.clone(),
        },
        "reset" => RuleChange::ResetParam { name: param()? },
        other => {
            return Err(WebErr::bad_request(
                format!("未知修改「{other}」：可用 disable、enable、set、reset"),
                format!("unknown change '{other}': use disable, enable, set or reset"),
            ));
        }
    })
}

/// Checks the role and the reason, then makes the change.
async fn change(
    state: &ConsoleState,
    who: &impl Acting,
    id: &str,
    b: &ChangeBody,
) -> Result<CatalogueEntry, WebErr> {
    who.require(Permission::ManageRules)?;
    let change = parse_change(b)?;
    if b.reason.trim().is_empty() {
        return Err(WebErr::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule.reason_required",
            "修改规则须填写理由",
            "a change to a rule needs a reason",
        ));
    }
    // Unknown rules are 404 like everything else not found.
    if !catalogue(state).await?.iter().any(|e| e.id == id.trim()) {
        return Err(WebErr::not_found());
    }
    let (id, reason, actor) = (id.trim().to_owned(), b.reason.clone(), who.actor());
    state
        .desk(move |ws| async move {
            rule_settings::change_rule(&ws, &id, &change, &reason, &actor, Utc::now())
                .await
                .map_err(|e| match e {
                    // A bad parameter value or name: the request was understood, not taken.
                    e if e.is_user_error() => {
                        let m = match e {
                            qinglian_app::AppError::Config { reason, .. } => reason,
                            other => other.to_string(),
                        };
                        WebErr::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "rule.refused",
                            m.clone(),
                            m,
                        )
                    }
                    other => WebErr::from(other),
                })
        })
        .await
}

async fn change_form(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(b): Form<ChangeBody>,
) -> Response {
    let back = format!("/rules/{}", id.trim());
    let r: Result<Response, WebErr> = async {
        v.check_csrf(&b.csrf)?;
        change(&state, &v, &id, &b).await?;
        Ok(redirect(&back, &[]))
    }
    .await;
    or_error_page(&state, &v, &back, r)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainBody {
    /// Missing is refused like a wrong one (403), not as a malformed form.
    #[serde(default)]
    csrf: String,
}

/// Retrains MOD-SCORER on the judged tender warnings and puts it in use; a refusal (too few
/// judged tenders) is shown with the counts.
async fn train_form(
    State(state): State<ConsoleState>,
    v: Viewer,
    Form(b): Form<TrainBody>,
) -> Response {
    let back = "/rules/MOD-SCORER";
    let r: Result<Response, WebErr> = async {
        v.check_csrf(&b.csrf)?;
        v.require(Permission::ManageRules)?;
        let actor = v.actor();
        state
            .desk(move |ws| async move {
                qinglian_app::models::retrain_from_judgements(&ws, &actor, Utc::now())
                    .await
                    .map_err(|e| match e {
                        qinglian_app::AppError::Config { reason, .. } => WebErr::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "scorer.refused",
                            reason.clone(),
                            reason,
                        ),
                        other => WebErr::from(other),
                    })
            })
            .await?;
        Ok(redirect(back, &[]))
    }
    .await;
    or_error_page(&state, &v, back, r)
}

// ---- API ----

pub async fn api_list(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    let r = async {
        caller.require(Permission::ViewOperations)?;
        let p = precisions(&state).await?;
        let items: Vec<serde_json::Value> = catalogue(&state)
            .await?
            .into_iter()
            .map(|e| {
                let precision = precision_value(p.get(&e.id));
                json!({"rule": e, "precision": precision})
            })
            .collect();
        let models: Vec<serde_json::Value> = MODELS
            .iter()
            .map(|m| json!({"model": m, "precision": precision_value(p.get(m.id))}))
            .collect();
        Ok(json!({"items": items, "models": models}))
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
        if let Some((m, doc)) = model_with_doc(&id) {
            let precision = precision_value(precisions(&state).await?.get(m.id));
            return Ok(json!({"model": m, "precision": precision, "doc_markdown": doc}));
        }
        let (e, doc) = rule_with_doc(&state, &id).await?;
        let precision = precision_value(precisions(&state).await?.get(&e.id));
        Ok(json!({"rule": e, "precision": precision, "doc_markdown": doc}))
    }
    .await;
    super::api::answer(r)
}

pub async fn api_change(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<axum::Json<ChangeBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let r = async {
        let b = super::api::json_body(body)?;
        change(&state, &caller, &id, &b).await
    }
    .await;
    super::api::answer(r)
}
