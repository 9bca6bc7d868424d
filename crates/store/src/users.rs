//! The people who use the console, their sessions, API tokens and the access log, in the
//! operational store.
//!
//! Row types and the [`UserStore`] contract only. Hashing passwords, checking TOTP codes and
//! deciding when an account is locked are the application's business (`qinglian-app`'s
//! `users` module); the SQL is `store-sqlite`'s. Secrets never appear here in clear except the
//! TOTP secret, which the server must be able to read to check a code: session and API tokens
//! are kept as SHA-256 hashes, passwords as Argon2id PHC strings.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::StoreError;

/// What a person may do in the console (权限角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: users, configuration, everything.
    Admin,
    /// 纪检专员: verifies and acts on warnings of every department.
    Inspector,
    /// 部门联络员: sees and answers their own department's warnings only.
    Liaison,
    /// 党委委员: decides level-3 warnings, sees everything.
    Committee,
    /// 审计员: reads everything, changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Admin,
        Self::Inspector,
        Self::Liaison,
        Self::Committee,
        Self::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Inspector => "inspector",
            Self::Liaison => "liaison",
            Self::Committee => "committee",
            Self::Auditor => "auditor",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Admin => "系统管理员",
            Self::Inspector => "纪检专员",
            Self::Liaison => "部门联络员",
            Self::Committee => "党委委员",
            Self::Auditor => "审计员",
        }
    }

    /// `admin`, `inspector`, `liaison`, `committee` or `auditor` (any case).
    pub fn parse(s: &str) -> Result<Role, String> {
        let t = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == t)
            .ok_or_else(|| {
                format!(
                    "unknown role '{s}': use admin, inspector, liaison, committee or auditor / \
                     角色应为 admin（管理员）、inspector（纪检专员）、liaison（部门联络员）、\
                     committee（党委委员）或 auditor（审计员）"
                )
            })
    }
}

/// A user as kept in the store.
#[derive(Clone, PartialEq, Serialize)]
pub struct UserRecord {
    pub id: i64,
    /// The sign-in name; also the name written as actor in histories and the ledger.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The department a liaison answers for (required for liaisons, absent for others).
    pub department: Option<String>,
    /// Argon2id in PHC string format.
    #[serde(skip)]
    pub password_hash: String,
    /// The TOTP secret (base32), when the second factor is set up.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// The 30-second step of the last accepted TOTP code (a code is never accepted twice).
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    /// Consecutive failed sign-ins since the last success.
    pub failed_logins: i64,
    /// Sign-in refused until then (throttling).
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("department", &self.department)
            .field("disabled", &self.disabled)
            .field("password_hash", &"<redacted>")
            .field(
                "totp_secret",
                &self.totp_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// A user to create.
#[derive(Clone, PartialEq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department: Option<String>,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("department", &self.department)
            .finish_non_exhaustive()
    }
}

/// A signed-in browser session. The token itself is only ever in the cookie.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRecord {
    /// SHA-256 (hex) of the session token.
    pub token_hash: String,
    pub user_id: i64,
    /// The CSRF token every form of this session carries.
    #[serde(skip)]
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One line of the access log (访问日志): who looked at or revealed what, when and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The username (or `api:<token name>`) who acted.
    pub actor: String,
    /// e.g. `evidence_view`, `reveal`, `sign_in`, `sign_in_failed`, `export`.
    pub action: String,
    /// Whom or what: `warning:17`, `user:zhang`, `inbox`.
    pub target: String,
    /// Why, when the person had to say.
    pub reason: Option<String>,
}

/// A line to append to the access log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccessEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
}

/// A bearer token for system integration (OA/ERP), acting as its user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub user_id: i64,
    /// What it is for, e.g. `oa-sync`.
    pub name: String,
    /// SHA-256 (hex) of the token.
    #[serde(skip)]
    pub token_hash: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An API token to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApiToken {
    pub user_id: i64,
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}

/// What the console needs from the operational database about its users.
#[allow(async_fn_in_trait)] // used with concrete types only; no Send bound is needed across crates
pub trait UserStore {
    /// Adds a user. A username already taken is refused (as a database error: callers look
    /// the name up first to say so clearly).
    async fn insert_user(&self, user: &NewUser) -> Result<UserRecord, StoreError>;
    async fn get_user(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Every user, by username.
    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// Replaces the password hash (and the TOTP secret when `totp` is `Some`), clears the
    /// lock and the failure count.
    async fn set_credentials(
        &self,
        id: i64,
        password_hash: &str,
        totp: Option<Option<&str>>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn set_disabled(
        &self,
        id: i64,
        disabled: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Counts a failed sign-in and sets the lock (`None` leaves it); returns the new count.
    async fn record_failed_login(
        &self,
        id: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError>;
    /// A successful sign-in: clears failures and the lock, remembers the TOTP step used.
    async fn record_login(
        &self,
        id: i64,
        totp_step: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Moves `last_seen_at` on.
    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn revoke_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Signs a user out everywhere; returns how many sessions were open.
    async fn revoke_user_sessions(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    async fn append_access(&self, entry: &NewAccessEntry) -> Result<AccessEntry, StoreError>;
    /// The access log, newest first.
    async fn access_log(&self, limit: u32, offset: u32) -> Result<Vec<AccessEntry>, StoreError>;

    async fn insert_api_token(&self, token: &NewApiToken) -> Result<ApiTokenRecord, StoreError>;
    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>, StoreError>;
    async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenRecord>, StoreError>;
    async fn touch_api_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn revoke_api_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError>;
}
