//! `/api/v1`: the console's actions as JSON for system integration (OA/ERP), with bearer API
//! tokens (`qinglian users token`), and `/api/v1/openapi.json`, the OpenAPI 3.1 document built
//! from the same route table as the router, so a route cannot go undescribed.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::Utc;
use qinglian_app::users::Permission;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Acting, ApiCaller};
use super::pages::{cited_rows, parse_action, parse_id, related, take_action, visible_warning};
use super::view::{self, InboxQuery};
use super::{ConsoleState, Lang, WebErr};

/// One API route: method, path (axum syntax), operation id, summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub operation: &'static str,
    pub summary: &'static str,
}

/// Every route of the API. The router and the OpenAPI document are both built from it.
pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "GET",
        path: "/api/v1/me",
        operation: "me",
        summary: "The caller: username, role, department / 当前调用者",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/dashboard",
        operation: "dashboard",
        summary: "Warnings by level, state, category, department, month and rule; rule precision; the department × category heat map; closure and rectification rates / 总览数据",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/warnings",
        operation: "listWarnings",
        summary: "One page of the inbox, by deadline; filters level, state, department, rule, category, overdue, all, month, from, to, amount_min, amount_max, page / 预警列表",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/warnings/{id}",
        operation: "showWarning",
        summary: "A warning with its level reasons, evidence (the cited rows read back from the lake, identifiers masked, in evidence_rows), history and allowed actions (the view is written to the access log) / 预警详情",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/warnings/{id}/ledger",
        operation: "checkWarningLedger",
        summary: "The warning's and its finding's ledger entries, each proven against the latest signed checkpoint and compared with the desk (a scan of the log; written to the access log) / 预警存证核验",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/warnings/{id}/actions",
        operation: "actOnWarning",
        summary: "Take a workflow action: assign, respond, verify, confirm, rectify, close, escalate, de-escalate, reopen / 处置预警",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/warnings/{id}/reveal",
        operation: "revealIdentifier",
        summary: "Check a personal identifier held in the source records against this warning, with a reason (admin, inspector; written to the access log) / 身份信息核验",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/cases",
        operation: "listCases",
        summary: "Cases (merged warnings), newest first; a liaison sees only their department's warnings of a case / 线索案件",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/cases",
        operation: "mergeCase",
        summary: "Merge warnings into a new case: {warnings: [ids], title} / 并案",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/cases/{id}",
        operation: "showCase",
        summary: "A case with its warnings / 案件详情",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/imports",
        operation: "listImports",
        summary: "Import batches, newest first: dataset, file, rows read/accepted/quarantined, SHA-256, user, time / 导入批次",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/imports",
        operation: "uploadImport",
        summary: "Upload a file (the request body) into a dataset (?dataset=&name=); answers 202 with the import job / 上传导入文件",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/imports/jobs/{job}",
        operation: "importJob",
        summary: "An upload's import job: running (done, total), done (batch, counts) or failed / 导入进度",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/imports/{batch}",
        operation: "showImport",
        summary: "One batch with its quarantined cells / 批次详情与隔离行",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/rules",
        operation: "listRules",
        summary: "Every rule with its parameters, on/off and precision from dispositions / 规则库",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/rules/{rule}",
        operation: "showRule",
        summary: "One rule with its documentation page (Markdown) / 规则详情与说明",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/rules/{rule}/changes",
        operation: "changeRule",
        summary: "Switch a rule off or on, set or reset a parameter, with a reason (administrators) / 修改规则",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/ledger",
        operation: "ledgerCheckpoints",
        summary: "The ledger's signed checkpoints (size, root, signature verifies) / 存证检查点",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/ledger/verify",
        operation: "verifyLedger",
        summary: "Verify the ledger and every record its entries describe / 校验存证",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/ledger/bundle",
        operation: "ledgerBundle",
        summary: "The export bundle for outside auditors, as a tar archive / 导出存证包",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/users",
        operation: "listUsers",
        summary: "Accounts (administrators) / 用户列表",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/users",
        operation: "addUser",
        summary: "Add an account; answers its password (and TOTP secret) once / 新增用户",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/users/{username}/disable",
        operation: "disableUser",
        summary: "Disable or enable an account (disabled: true or false) / 停用或启用用户",
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/users/{username}/reset-password",
        operation: "resetPassword",
        summary: "A new password (and with new_totp a new TOTP secret), shown once / 重置密码",
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/openapi.json",
        operation: "openapi",
        summary: "This document / 接口说明",
    },
];

fn handler(operation: &str) -> MethodRouter<ConsoleState> {
    match operation {
        "me" => get(me),
        "dashboard" => get(dashboard),
        "listWarnings" => get(list),
        "showWarning" => get(show),
        "checkWarningLedger" => get(super::receipts::api_check),
        "actOnWarning" => post(act),
        "revealIdentifier" => post(reveal),
        "listCases" => get(super::cases::api_list),
        "mergeCase" => post(super::cases::api_merge),
        "showCase" => get(super::cases::api_show),
        "listImports" => get(super::imports::api_list),
        "uploadImport" => post(super::imports::api_upload),
        "importJob" => get(super::imports::api_job),
        "showImport" => get(super::imports::api_show),
        "listRules" => get(super::catalogue::api_list),
        "showRule" => get(super::catalogue::api_show),
        "changeRule" => post(super::catalogue::api_change),
        "ledgerCheckpoints" => get(super::ledger_page::api_show),
        "verifyLedger" => post(super::ledger_page::api_verify),
        "ledgerBundle" => get(super::ledger_page::api_bundle),
        "listUsers" => get(super::users_page::api_list),
        "addUser" => post(super::users_page::api_add),
        "disableUser" => post(super::users_page::api_disable),
        "resetPassword" => post(super::users_page::api_reset),
        "openapi" => get(openapi_json),
        other => unreachable!("API route {other} has no handler (this is a bug)"),
    }
}

pub fn routes() -> Router<ConsoleState> {
    ROUTES.iter().fold(Router::new(), |r, route| {
        r.route(route.path, handler(route.operation))
    })
}

/// An error as the API answers it: `{"code", "message", "message_zh"}`.
pub fn error_response(e: &WebErr) -> Response {
    let mut res = (
        e.status,
        Json(json!({"code": e.code, "message": e.en, "message_zh": e.zh})),
    )
        .into_response();
    if e.status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer realm=\"qinglian\""),
        );
    }
    res
}

pub(crate) fn answer<T: serde::Serialize>(r: Result<T, WebErr>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn me(caller: ApiCaller) -> Response {
    answer(Ok(json!({
        "username": caller.user.username,
        "display_name": caller.user.display_name,
        "role": caller.user.role,
        "department": caller.user.department,
        "token": caller.token_name,
    })))
}

async fn dashboard(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    let r = async {
        caller.require(Permission::ViewWarnings)?;
        view::dashboard(
            state.workspace(),
            caller.scope(),
            state.tr(Lang::Zh),
            Utc::now(),
        )
        .await
    }
    .await;
    answer(r)
}

async fn list(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Query(q): Query<InboxQuery>,
) -> Response {
    let r: Result<Value, WebErr> = async {
        caller.require(Permission::ViewWarnings)?;
        let p = q.parse()?;
        let (rows, more) = view::inbox_page(
            state.workspace(),
            caller.scope(),
            &p,
            view::PAGE_SIZE,
            Utc::now(),
        )
        .await?;
        Ok(json!({"page": p.page, "has_next": more, "items": rows}))
    }
    .await;
    answer(r)
}

async fn show(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        caller.require(Permission::ViewWarnings)?;
        let id = parse_id(&id)?;
        let view =
            visible_warning(&state, &caller, id, &format!("api:{}", caller.token_name)).await?;
        let evidence_rows = cited_rows(&state, &view).await?;
        let related_findings = related(&state, &caller, &view).await?;
        Ok(ShownWarning {
            view,
            evidence_rows,
            related_findings,
        })
    }
    .await;
    answer(r)
}

/// A warning as the API shows it: the workflow's view plus the cited rows from the lake.
#[derive(serde::Serialize)]
struct ShownWarning {
    #[serde(flatten)]
    view: qinglian_app::warnings::WarningView,
    evidence_rows: Vec<qinglian_app::EvidenceTable>,
    /// Other open findings on the same subject, within the caller's department scope.
    related_findings: Vec<qinglian_store::FindingRecord>,
}

/// The body of an action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActBody {
    action: String,
    to: Option<String>,
    code: Option<String>,
    comment: Option<String>,
    expected_version: Option<i64>,
}

async fn act(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ActBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let r = async {
        let b = json_body(body)?;
        let id = parse_id(&id)?;
        let action = parse_action(&b.action, b.to.as_deref(), b.code.as_deref())?;
        take_action(&state, &caller, id, action, b.comment, b.expected_version).await
    }
    .await;
    answer(r)
}

/// A JSON body, or 400 saying why it is not one.
pub(crate) fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, WebErr> {
    body.map(|Json(b)| b).map_err(|e| {
        WebErr::bad_request(
            format!("请求体不是有效的 JSON：{e}"),
            format!("the body is not valid JSON: {e}"),
        )
    })
}

/// The body of an identifier check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBody {
    kind: String,
    value: String,
    reason: String,
}

async fn reveal(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<RevealBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let r = async {
        let Json(b) = body.map_err(|e| {
            WebErr::bad_request(
                format!("请求体不是有效的 JSON：{e}"),
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        let id = parse_id(&id)?;
        super::reveal::reveal(&state, &caller, id, &b.kind, &b.value, &b.reason).await
    }
    .await;
    answer(r)
}

async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}

fn parameters(path: &str, operation: &str) -> Value {
    let mut params = Vec::new();
    for segment in path.split('/') {
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            continue;
        };
        let schema = if name == "id" {
            json!({"type": "integer", "minimum": 1})
        } else {
            json!({"type": "string"})
        };
        params.push(json!({"name": name, "in": "path", "required": true, "schema": schema}));
    }
    if operation == "uploadImport" {
        for (name, desc) in [
            (
                "dataset",
                "the dataset, e.g. payments (`qinglian import` names the same)",
            ),
            (
                "name",
                "the file's name, e.g. 付款.xlsx (its extension tells the format)",
            ),
        ] {
            params.push(json!({"name": name, "in": "query", "required": true, "description": desc, "schema": {"type": "string"}}));
        }
    }
    if operation == "listWarnings" {
        for (name, desc) in [
            ("level", "1, 2, 3 or department, inspector, committee"),
            (
                "state",
                "new, assigned, responded, verifying, confirmed, rectification, closed, closed_false_positive",
            ),
            (
                "department",
                "a department (ignored for liaisons: always their own)",
            ),
            ("rule", "a rule id, e.g. FUN-009"),
            ("category", "a rule-id prefix, e.g. FUN"),
            ("overdue", "1: only open warnings past their deadline"),
            ("all", "1: closed warnings too"),
            ("month", "YYYY-MM: raised in that month (Beijing time)"),
            (
                "from",
                "YYYY-MM-DD: raised on or after that day (Beijing time)",
            ),
            (
                "to",
                "YYYY-MM-DD: raised on or before that day (Beijing time)",
            ),
            ("amount_min", "yuan, e.g. 10000 or 1.5万: amount at least"),
            ("amount_max", "yuan: amount at most"),
            ("page", "page number from 1 (50 per page)"),
        ] {
            params.push(json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}}));
        }
    }
    Value::Array(params)
}

/// The request bodies of the operations pages' actions (`actOnWarning` has its own below).
fn request_schema(operation: &str) -> Option<Value> {
    let object = |required: &[&str], props: Value| json!({"application/json": {"schema": {"type": "object", "required": required, "properties": props}}});
    Some(match operation {
        "uploadImport" => {
            json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
        }
        "changeRule" => object(
            &["change", "reason"],
            json!({
                "change": {"type": "string", "enum": ["disable", "enable", "set", "reset"]},
                "param": {"type": "string", "description": "set, reset: the parameter"},
                "value": {"type": "string", "description": "set: a TOML literal (50000, true, \"text\", [\"a\"]) or plain text"},
                "reason": {"type": "string", "description": "why (written to the access log)"},
            }),
        ),
        "addUser" => object(
            &["username", "role"],
            json!({
                "username": {"type": "string"},
                "display_name": {"type": "string"},
                "role": {"type": "string", "enum": ["admin", "inspector", "liaison", "committee", "auditor"]},
                "department": {"type": "string", "description": "required for liaisons"},
                "totp": {"type": "boolean", "description": "absent: the role's default"},
            }),
        ),
        "mergeCase" => object(
            &["warnings", "title"],
            json!({
                "warnings": {"type": "array", "items": {"type": "integer"}, "minItems": 2},
                "title": {"type": "string"},
            }),
        ),
        "disableUser" => object(&["disabled"], json!({"disabled": {"type": "boolean"}})),
        "resetPassword" => object(&[], json!({"new_totp": {"type": "boolean"}})),
        _ => return None,
    })
}

/// The OpenAPI 3.1 document of [`ROUTES`].
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        let mut op = json!({
            "operationId": r.operation,
            "summary": r.summary,
            "parameters": parameters(r.path, r.operation),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
            },
        });
        if r.operation == "openapi" {
            op["security"] = json!([]);
        }
        if let Some(schema) = request_schema(r.operation) {
            op["requestBody"] = json!({"required": true, "content": schema});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
            op["responses"]["422"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.operation == "actOnWarning" {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Action"}}},
            });
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
            op["responses"]["422"] = json!({"$ref": "#/components/responses/Error"});
        }
        if r.operation == "revealIdentifier" {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reveal"}}},
            });
            op["responses"]["422"] = json!({"$ref": "#/components/responses/Error"});
        }
        entry[r.method.to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "qinglian API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "清廉 qinglian 智慧监督平台接口：预警列表、详情、处置与总览。Bearer API tokens are made with `qinglian users token USER --name NAME`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "Refused or failed",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message", "message_zh"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "message_zh": {"type": "string"},
                    },
                },
                "Reveal": {
                    "type": "object",
                    "required": ["kind", "value", "reason"],
                    "additionalProperties": false,
                    "properties": {
                        "kind": {"type": "string", "enum": ["resident_id", "phone", "bank_card", "bank_account"]},
                        "value": {"type": "string", "description": "the identifier as held in the source records; never stored or logged in clear"},
                        "reason": {"type": "string", "description": "why it is needed (written to the access log)"},
                    },
                },
                "Action": {
                    "type": "object",
                    "required": ["action"],
                    "additionalProperties": false,
                    "properties": {
                        "action": {"type": "string", "enum": ["assign", "respond", "verify", "confirm", "rectify", "close", "escalate", "de-escalate", "reopen"]},
                        "to": {"type": "string", "description": "assign: who takes it"},
                        "code": {"type": "string", "enum": ["data_error", "legitimate", "rule_too_broad", "duplicate", "rectified", "referred"]},
                        "comment": {"type": "string", "description": "the reason (required for escalate, de-escalate, reopen)"},
                        "expected_version": {"type": "integer", "description": "act only if the warning is still at this version"},
                    },
                },
            },
        },
    })
}
