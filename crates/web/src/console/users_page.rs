//! The users page (用户管理), administrators only: the accounts, adding one, disabling or
//! enabling one, resetting a password. A new password (and TOTP secret) is shown once, on the
//! answer to the form that made it, and never stored in clear; the same use cases as
//! `qinglian users add|list|disable|reset-password` (`qinglian_app::users`). Every change is
//! written to the access log. An administrator cannot disable their own account (someone
//! must be left to enable it again).

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use qinglian_app::users::{self, AddUser, Credentials, Permission};
use qinglian_store::{Role, UserRecord};
use serde::Deserialize;
use serde_json::json;

use super::auth::{Acting, ApiCaller, Viewer};

use super::pages::{Chrome, Opt, beijing, or_error_page, redirect, render};
use super::xlsx::{Cell, export_table};
use super::{ConsoleState, WebErr};

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/users", get(list_page).post(add_form))
        .route("/users/export.xlsx", get(export))
        .route("/users/{username}/disable", post(disable_form))
        .route("/users/{username}/reset-password", post(reset_form))
}

/// One account as the list shows it.
pub struct UserLine {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub department: String,
    pub totp: bool,
    pub disabled: bool,
    pub last_login: String,
}

async fn lines(state: &ConsoleState, tr: &super::Tr) -> Result<Vec<UserLine>, WebErr> {
    Ok(users::list_users(state.workspace())
        .await?
        .into_iter()
        .map(|u| UserLine {
            role: tr.get(&format!("role.{}", u.role.as_str())).to_owned(),
            department: u.department.clone().unwrap_or_default(),
            totp: u.totp_secret.is_some(),
            disabled: u.disabled,
            last_login: u.last_login_at.map(beijing).unwrap_or_default(),
            username: u.username,
            display_name: u.display_name,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    c: Chrome<'a>,
    users: Vec<UserLine>,
    roles: Vec<Opt>,
    /// The credentials just made, shown once.
    issued: Option<Credentials>,
}

async fn show(state: &ConsoleState, v: &Viewer, issued: Option<Credentials>) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ManageUsers)?;
        let tr = state.tr(v.lang);
        let roles = [
            Role::Inspector,
            Role::Liaison,
            Role::Committee,
            Role::Auditor,
            Role::Admin,
        ]
        .iter()
        .map(|r| Opt {
            value: r.as_str().to_owned(),
            label: tr.get(&format!("role.{}", r.as_str())).to_owned(),
            selected: false,
        })
        .collect();
        Ok(render(
            StatusCode::OK,
            &UsersPage {
                c: Chrome::of(state, v),
                users: lines(state, tr).await?,
                roles,
                issued,
            },
        ))
    }
    .await;
    or_error_page(state, v, "/dashboard", r)
}

async fn list_page(State(state): State<ConsoleState>, v: Viewer) -> Response {
    show(&state, &v, None).await
}

async fn export(State(state): State<ConsoleState>, v: Viewer) -> Response {
    let r: Result<Response, WebErr> = async {
        v.require(Permission::ManageUsers)?;
        let tr = state.tr(v.lang);
        let yes_no = |b: bool| tr.get(if b { "yes.yes" } else { "yes.no" }).to_owned();
        let rows: Vec<Vec<Cell>> = lines(&state, tr)
            .await?
            .into_iter()
            .map(|u| {
                vec![
                    u.username.into(),
                    u.display_name.into(),
                    u.role.into(),
                    u.department.into(),
                    yes_no(u.totp).into(),
                    yes_no(u.disabled).into(),
                    u.last_login.into(),
                ]
            })
            .collect();
        export_table(&state, &v, "users", &USER_COLUMNS, &rows, "users.xlsx").await
    }
    .await;
    or_error_page(&state, &v, "/users", r)
}

const USER_COLUMNS: [&str; 7] = [
    "users.username",
    "users.display_name",
    "users.role",
    "users.department",
    "users.totp",
    "users.disabled",
    "users.last_login",
];

// ---- changes, shared by forms and API ----

/// A new account as forms and the API give it.
#[derive(Debug, Deserialize)]
pub(crate) struct AddBody {
    username: String,
    #[serde(default)]
    display_name: String,
    role: String,
    #[serde(default)]
    department: String,
    /// Forms: a checkbox (`on`); API: `true`/`false`. Absent: the role's default.
    #[serde(default)]
    totp: Option<serde_json::Value>,
    #[serde(default)]
    csrf: String,
}

fn flag(v: Option<&serde_json::Value>) -> Option<bool> {
    match v? {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) => Some(matches!(s.as_str(), "on" | "1" | "true" | "yes")),
        _ => None,
    }
}

async fn add(
    state: &ConsoleState,
    who: &impl Acting,
    b: &AddBody,
) -> Result<(UserRecord, Credentials), WebErr> {
    who.require(Permission::ManageUsers)?;
    let role = Role::parse(b.role.trim())
        .map_err(|e| WebErr::bad_request(format!("角色有误：{e}"), format!("bad role: {e}")))?;
    let new = AddUser {
        username: b.username.clone(),
        display_name: Some(b.display_name.clone()).filter(|d| !d.trim().is_empty()),
        role,
        department: Some(b.department.clone()).filter(|d| !d.trim().is_empty()),
        totp: flag(b.totp.as_ref()),
    };
    // Argon2 takes tens of milliseconds of CPU: off the async workers.
    let made = state
        .desk(move |ws| async move {
            users::add_user(&ws, &new, Utc::now())
                .await
                .map_err(WebErr::from)
        })
        .await?;
    log_change(state, who, "user_add", &made.0.username).await?;
    Ok(made)
}

async fn log_change(
    state: &ConsoleState,
    who: &impl Acting,
    action: &str,
    username: &str,
) -> Result<(), WebErr> {
    users::log_access(
        state.workspace(),
        &who.actor(),
        action,
        &format!("user:{username}"),
        None,
        Utc::now(),
    )
    .await?;
    Ok(())
}

async fn set_disabled(
    state: &ConsoleState,
    who: &impl Acting,
    username: &str,
    disabled: bool,
) -> Result<UserRecord, WebErr> {
    who.require(Permission::ManageUsers)?;
    if disabled && username.trim() == who.user().username {
        return Err(WebErr::new(
            StatusCode::CONFLICT,
            "user.self_disable",
            "不能停用自己的账户",
            "you cannot disable your own account",
        ));
    }
    let u = users::set_disabled(state.workspace(), username, disabled, Utc::now()).await?;
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    log_change(state, who, action, &u.username).await?;
    Ok(u)
}

async fn reset(
    state: &ConsoleState,
    who: &impl Acting,
    username: &str,
    new_totp: bool,
) -> Result<Credentials, WebErr> {
    who.require(Permission::ManageUsers)?;
    let name = username.to_owned();
    let c = state
        .desk(move |ws| async move {
            users::reset_password(&ws, &name, new_totp, Utc::now())
                .await
                .map_err(WebErr::from)
        })
        .await?;
    log_change(state, who, "user_reset_password", &c.username).await?;
    Ok(c)
}

// ---- forms ----

async fn add_form(
    State(state): State<ConsoleState>,
    v: Viewer,
    Form(b): Form<AddBody>,
) -> Response {
    let r = async {
        v.check_csrf(&b.csrf)?;
        add(&state, &v, &b).await
    }
    .await;
    match r {
        Ok((_, creds)) => show(&state, &v, Some(creds)).await,
        Err(e) => or_error_page(&state, &v, "/users", Err(e)),
    }
}

#[derive(Deserialize)]
pub(crate) struct DisableBody {
    /// Forms: `1` disables, `0` enables; API: a boolean.
    disabled: serde_json::Value,
    #[serde(default)]
    csrf: String,
}

async fn disable_form(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(username): Path<String>,
    Form(b): Form<DisableBody>,
) -> Response {
    let r = async {
        v.check_csrf(&b.csrf)?;
        set_disabled(
            &state,
            &v,
            &username,
            flag(Some(&b.disabled)).unwrap_or(false),
        )
        .await?;
        Ok(redirect("/users", &[]))
    }
    .await;
    or_error_page(&state, &v, "/users", r)
}

#[derive(Deserialize)]
pub(crate) struct ResetBody {
    #[serde(default)]
    new_totp: Option<serde_json::Value>,
    #[serde(default)]
    csrf: String,
}

async fn reset_form(
    State(state): State<ConsoleState>,
    v: Viewer,
    Path(username): Path<String>,
    Form(b): Form<ResetBody>,
) -> Response {
    let r = async {
        v.check_csrf(&b.csrf)?;
        reset(
            &state,
            &v,
            &username,
            flag(b.new_totp.as_ref()).unwrap_or(false),
        )
        .await
    }
    .await;
    match r {
        Ok(creds) => show(&state, &v, Some(creds)).await,
        Err(e) => or_error_page(&state, &v, "/users", Err(e)),
    }
}

// ---- API ----

pub async fn api_list(State(state): State<ConsoleState>, caller: ApiCaller) -> Response {
    let r = async {
        caller.require(Permission::ManageUsers)?;
        Ok(json!({"items": users::list_users(state.workspace()).await?}))
    }
    .await;
    super::api::answer(r)
}

pub async fn api_add(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    body: Result<axum::Json<AddBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let r = async {
        let b = super::api::json_body(body)?;
        let (user, credentials) = add(&state, &caller, &b).await?;
        Ok(json!({"user": user, "credentials": credentials}))
    }
    .await;
    super::api::answer(r)
}

pub async fn api_disable(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(username): Path<String>,
    body: Result<axum::Json<DisableBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let r = async {
        let b = super::api::json_body(body)?;
        let disabled = flag(Some(&b.disabled)).ok_or_else(|| {
            WebErr::bad_request(
                "disabled 应为 true 或 false",
                "'disabled' must be true or false",
            )
        })?;
        set_disabled(&state, &caller, &username, disabled).await
    }
    .await;
    super::api::answer(r)
}

pub async fn api_reset(
    State(state): State<ConsoleState>,
    caller: ApiCaller,
    Path(username): Path<String>,
    body: Result<axum::Json<ResetBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let r = async {
        let b = super::api::json_body(body)?;
        reset(
            &state,
            &caller,
            &username,
            flag(b.new_totp.as_ref()).unwrap_or(false),
        )
        .await
    }
    .await;
    super::api::answer(r)
}
