//! Who is asking: the session cookie (pages) or a bearer token (API), the role's permissions,
//! department scoping and CSRF.
//!
//! Cookies are `HttpOnly; SameSite=Strict; Path=/` (and `Secure` when the console is served
//! over HTTPS). The session token is random (256 bits) and only its SHA-256 is in the desk.
//! Every form carries the session's CSRF token; the sign-in form, before any session exists,
//! carries a double-submit token that must equal its cookie.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use qinglian_app::users::{self, Permission};
use qinglian_store::{Role, UserRecord};

use super::{ConsoleState, Lang, WebErr};

pub const SESSION_COOKIE: &str = "ql_session";
pub const LANG_COOKIE: &str = "ql_lang";
pub const SIGNIN_CSRF_COOKIE: &str = "ql_csrf";

/// The value of a cookie of the request.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value; `max_age` `Some(0)` deletes the cookie, `None` makes it end with
/// the browser session.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The console's language for this request: the `ql_lang` cookie, Chinese by default.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie_value(headers, LANG_COOKIE).map_or(Lang::Zh, |v| Lang::parse(&v))
}

/// Compares two secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The language, as an extractor that never fails.
#[derive(Debug, Clone, Copy)]
pub struct UiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for UiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(UiLang(lang_of(&parts.headers)))
    }
}

/// A signed-in person using the pages.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: UserRecord,
    /// The session's CSRF token (every form carries it).
    pub csrf: String,
    /// The session token (for signing out this session).
    pub token: String,
    pub lang: Lang,
}

/// What a role may see and do, shared by pages and API.
pub trait Acting {
    fn user(&self) -> &UserRecord;

    /// The actor name written into histories, the ledger and the access log.
    fn actor(&self) -> String;

    /// The only department a liaison may see; `None` for roles that see all.
    fn scope(&self) -> Option<&str> {
        let u = self.user();
        (u.role == Role::Liaison).then(|| u.department.as_deref().unwrap_or(""))
    }

    /// Whether a warning of `department` is visible.
    fn sees(&self, department: &str) -> bool {
        self.scope().is_none_or(|d| d == department)
    }

    fn may(&self, p: Permission) -> bool {
        users::may(self.user().role, p)
    }

    fn require(&self, p: Permission) -> Result<(), WebErr> {
        if self.may(p) {
            Ok(())
        } else {
            Err(WebErr::forbidden())
        }
    }
}

impl Acting for Viewer {
    fn user(&self) -> &UserRecord {
        &self.user
    }

    fn actor(&self) -> String {
        self.user.username.clone()
    }
}

impl Viewer {
    pub fn check_csrf(&self, given: &str) -> Result<(), WebErr> {
        if same_secret(given.trim(), &self.csrf) {
            Ok(())
        } else {
            Err(WebErr::csrf())
        }
    }
}

/// Pages send a person without a session to the sign-in page; htmx gets a redirect header.
fn to_sign_in(parts: &Parts) -> Response {
    if parts.headers.contains_key("hx-request") {
        return (StatusCode::UNAUTHORIZED, [("hx-redirect", "/sign-in")]).into_response();
    }
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/sign-in")]).into_response();
    }
    WebErr::unauthorized().into_response_in(lang_of(&parts.headers))
}

impl FromRequestParts<ConsoleState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(to_sign_in(parts));
        };
        match users::session_user(
            state.workspace(),
            &token,
            &state.config().policy,
            Utc::now(),
        )
        .await
        {
            Ok(Some((user, session))) => Ok(Viewer {
                user,
                csrf: session.csrf_token,
                token,
                lang,
            }),
            Ok(None) => Err(to_sign_in(parts)),
            Err(e) => Err(WebErr::from(e).into_response_in(lang)),
        }
    }
}

/// A system calling the API with a bearer token (`Authorization: Bearer qlt_…`).
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub user: UserRecord,
    pub token_name: String,
}

impl Acting for ApiCaller {
    fn user(&self) -> &UserRecord {
        &self.user
    }

    fn actor(&self) -> String {
        self.user.username.clone()
    }
}

impl FromRequestParts<ConsoleState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(super::api::error_response(&WebErr::unauthorized()));
        };
        match users::api_user(state.workspace(), token, Utc::now()).await {
            Ok(Some((user, record))) => Ok(ApiCaller {
                user,
                token_name: record.name,
            }),
            Ok(None) => Err(super::api::error_response(&WebErr::unauthorized())),
            Err(e) => Err(super::api::error_response(&WebErr::from(e))),
        }
    }
}

impl WebErr {
    /// A plain bilingual page for errors raised before a page can be rendered.
    pub fn into_response_in(self, lang: Lang) -> Response {
        let (first, second) = match lang {
            Lang::Zh => (&self.zh, &self.en),
            Lang::En => (&self.en, &self.zh),
        };
        (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{first}\n{second}\n"),
        )
            .into_response()
    }
}
