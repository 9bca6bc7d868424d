//! The people who use the console: accounts with roles, Argon2id passwords, TOTP second
//! factor, sign-in with throttling, sessions, API tokens and the access log (访问日志).
//!
//! What is decided here: who may sign in (password, one-time code, not disabled, not locked),
//! how long a session lasts, what a token looks like and how it is kept (only its SHA-256
//! goes to the desk). What is not: cookies, forms and HTTP (the `web` crate), which role may
//! do what on a page (also `web`, which asks [`Permission`]), reading the clock or the
//! environment (the caller passes `now` and the [`SessionPolicy`]).

pub mod totp;

use chrono::{DateTime, Duration, Utc};
use qinglian_core::Bilingual;
use qinglian_store::{
    AccessEntry, ApiTokenRecord, NewAccessEntry, NewApiToken, NewUser, Role, SessionRecord,
    StoreError, UserRecord, UserStore,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Workspace;

/// What went wrong with an account operation or a sign-in, Chinese first.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("没有用户「{0}」 / no user '{0}'; list users with `qinglian users list`")]
    UnknownUser(String),
    #[error("用户名「{0}」已被使用 / the username '{0}' is taken")]
    UsernameTaken(String),
    #[error("输入有误 / bad input: {0}")]
    BadInput(String),
    /// Wrong name, password or code, or a disabled account: deliberately not told apart.
    #[error("用户名、密码或动态口令不正确 / wrong username, password or one-time code")]
    SignInRefused,
    #[error(
        "登录失败次数过多，账户已锁定至 {until}（UTC）/ too many failed sign-ins: the account is \
         locked until {until} (UTC)"
    )]
    Locked { until: DateTime<Utc> },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("内部错误（系统缺陷）/ internal error (this is a bug): {0}")]
    Internal(String),
}

impl UsersError {
    /// True when the person can fix the cause (CLI exit status 2), false for faults.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Store(_) | Self::Internal(_))
    }
}

impl Bilingual for UsersError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnknownUser(_) => "user.unknown",
            Self::UsernameTaken(_) => "user.taken",
            Self::BadInput(_) => "user.bad_input",
            Self::SignInRefused => "auth.refused",
            Self::Locked { .. } => "auth.locked",
            Self::Store(_) => "user.store",
            Self::Internal(_) => "user.internal",
        }
    }

    fn message_zh(&self) -> String {
        let full = self.to_string();
        full.split(" / ").next().unwrap_or(&full).to_owned()
    }

    fn message_en(&self) -> String {
        let full = self.to_string();
        full.split_once(" / ")
            .map_or(full.clone(), |(_, en)| en.to_owned())
    }
}

/// How sign-in and sessions behave (the `cli` decides, from flags or defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Consecutive failures that lock an account.
    pub lock_after: i64,
    /// How long a lock lasts.
    pub lock_minutes: i64,
    /// A session ends this long after sign-in, whatever happens.
    pub session_hours: i64,
    /// A session ends after this long without a request.
    pub idle_minutes: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            lock_after: 5,
            lock_minutes: 15,
            session_hours: 12,
            idle_minutes: 120,
        }
    }
}

/// What each role may do. The `web` crate asks this for every page and API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See warnings (a liaison: only their department's).
    ViewWarnings,
    /// Act on warnings: assign, verify, escalate, close… (a liaison: only respond).
    ActOnWarnings,
    /// Read the access log.
    ViewAccessLog,
    /// Manage users.
    ManageUsers,
    /// Check a personal identifier against its masked form with a reason (logged).
    RevealIdentifiers,
    /// See the operations pages: import batches, the rule catalogue, the ledger (read, verify,
    /// export). Not liaisons: those pages span every department.
    ViewOperations,
    /// Upload a file as an import batch.
    ImportData,
    /// Switch rules on or off and change their parameters.
    ManageRules,
}

/// Whether `role` has `permission`.
pub fn may(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match permission {
        ViewWarnings => true,
        ActOnWarnings => !matches!(role, Role::Auditor),
        ViewAccessLog => matches!(role, Role::Admin | Role::Auditor),
        RevealIdentifiers => matches!(role, Role::Admin | Role::Inspector),
        ManageUsers | ImportData | ManageRules => matches!(role, Role::Admin),
        ViewOperations => !matches!(role, Role::Liaison),
    }
}

/// The warning actions a role may take (names as `qinglian_workflow::Action::name`).
pub fn may_take(role: Role, action: &str) -> bool {
    match role {
        Role::Auditor => false,
        Role::Liaison => action == "respond",
        Role::Admin | Role::Inspector | Role::Committee => true,
    }
}

/// Whether the second factor is asked for by default for a role.
pub fn totp_by_default(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Inspector)
}

/// A new account's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddUser {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub department: Option<String>,
    /// `None`: the role's default ([`totp_by_default`]).
    pub totp: Option<bool>,
}

/// What to hand to the person, once: the password and, when set up, the TOTP URI.
#[derive(Clone, Serialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    /// `otpauth://totp/…` for the authenticator app.
    pub totp_uri: Option<String>,
    /// The TOTP secret (base32), to type in by hand.
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], UsersError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| UsersError::Internal(format!("no system randomness: {e}")))?;
    Ok(b)
}

/// `bytes` random bytes as hex: CSRF tokens and other one-off secrets.
pub fn random_hex(bytes: usize) -> Result<String, UsersError> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b)
        .map_err(|e| UsersError::Internal(format!("no system randomness: {e}")))?;
    Ok(hex::encode(b))
}

/// A password of 20 characters without look-alikes (no 0/O, 1/l/I).
fn generate_password() -> Result<String, UsersError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        for b in random_bytes::<32>()? {
            // Rejection sampling keeps every character equally likely.
            let limit = 256 - (256 % ALPHABET.len());
            if usize::from(b) < limit && out.len() < 20 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// Argon2id (the crate's defaults: 19 MiB, 2 passes) in PHC string format.
pub fn hash_password(password: &str) -> Result<String, UsersError> {
    use argon2::PasswordHasher;
    let salt = argon2::password_hash::SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| UsersError::Internal(format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UsersError::Internal(format!("argon2: {e}")))
}

/// Checks a password against a PHC string; a damaged hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::password_hash::PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash nobody's password matches, checked for unknown names so that a wrong name takes as
/// long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// SHA-256 (hex) of a token: what the desk keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token(prefix: &str) -> Result<String, UsersError> {
    Ok(format!("{prefix}{}", hex::encode(random_bytes::<32>()?)))
}

fn new_totp_secret(issuer: &str, username: &str) -> Result<(String, String), UsersError> {
    let secret = totp::base32_encode(&random_bytes::<20>()?);
    let uri = totp::otpauth_uri(issuer, username, &secret);
    Ok((secret, uri))
}

const ISSUER: &str = "qinglian";

fn check_username(name: &str) -> Result<(), UsersError> {
    let n = name.chars().count();
    if n == 0 || n > 64 {
        return Err(UsersError::BadInput(
            "用户名须为 1–64 个字符 / a username has 1 to 64 characters".into(),
        ));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == ':' || c == '/')
    {
        return Err(UsersError::BadInput(format!(
            "用户名「{name}」不能含空格、冒号或斜杠 / the username '{name}' must not contain \
             spaces, ':' or '/'"
        )));
    }
    Ok(())
}

/// Creates an account with a generated password (and a TOTP secret when the role asks for it).
pub async fn add_user(
    ws: &Workspace,
    new: &AddUser,
    now: DateTime<Utc>,
) -> Result<(UserRecord, Credentials), UsersError> {
    let username = new.username.trim().to_owned();
    check_username(&username)?;
    let department = new
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if new.role == Role::Liaison && department.is_none() {
        return Err(UsersError::BadInput(
            "部门联络员必须指定部门（--department）/ a liaison needs a department (--department)"
                .into(),
        ));
    }
    if ws.store.user_by_name(&username).await?.is_some() {
        return Err(UsersError::UsernameTaken(username));
    }
    let password = generate_password()?;
    let (secret, uri) = if new.totp.unwrap_or_else(|| totp_by_default(new.role)) {
        let (s, u) = new_totp_secret(ISSUER, &username)?;
        (Some(s), Some(u))
    } else {
        (None, None)
    };
    let user = ws
        .store
        .insert_user(&NewUser {
            username: username.clone(),
            display_name: new
                .display_name
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| username.clone()),
            role: new.role,
            department,
            password_hash: hash_password(&password)?,
            totp_secret: secret.clone(),
            created_at: now,
        })
        .await?;
    Ok((
        user,
        Credentials {
            username,
            password,
            totp_uri: uri,
            totp_secret: secret,
        },
    ))
}

pub async fn list_users(ws: &Workspace) -> Result<Vec<UserRecord>, UsersError> {
    Ok(ws.store.list_users().await?)
}

async fn user_named(ws: &Workspace, username: &str) -> Result<UserRecord, UsersError> {
    ws.store
        .user_by_name(username.trim())
        .await?
        .ok_or_else(|| UsersError::UnknownUser(username.trim().to_owned()))
}

/// Disables (or enables again) an account; disabling signs it out everywhere.
pub async fn set_disabled(
    ws: &Workspace,
    username: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<UserRecord, UsersError> {
    let user = user_named(ws, username).await?;
    ws.store.set_disabled(user.id, disabled, now).await?;
    if disabled {
        ws.store.revoke_user_sessions(user.id, now).await?;
    }
    user_named(ws, username).await
}

/// A new generated password (and, with `new_totp`, a new TOTP secret); signs the account out
/// everywhere and lifts any lock.
pub async fn reset_password(
    ws: &Workspace,
    username: &str,
    new_totp: bool,
    now: DateTime<Utc>,
) -> Result<Credentials, UsersError> {
    let user = user_named(ws, username).await?;
    let password = generate_password()?;
    let (secret, uri) = if new_totp {
        let (s, u) = new_totp_secret(ISSUER, &user.username)?;
        (Some(s), Some(u))
    } else {
        (None, None)
    };
    ws.store
        .set_credentials(
            user.id,
            &hash_password(&password)?,
            secret.as_deref().map(Some),
            now,
        )
        .await?;
    ws.store.revoke_user_sessions(user.id, now).await?;
    Ok(Credentials {
        username: user.username,
        password,
        totp_uri: uri,
        totp_secret: secret,
    })
}

/// A successful sign-in: the token goes into the cookie and nowhere else.
#[derive(Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: SessionRecord,
    pub user: UserRecord,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("user", &self.user.username)
            .finish_non_exhaustive()
    }
}

/// Signs a person in: password, then the TOTP code when the account has a secret. Failures
/// count towards a lock; every attempt on an existing account is written to the access log.
pub async fn sign_in(
    ws: &Workspace,
    username: &str,
    password: &str,
    code: Option<&str>,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
) -> Result<SignedIn, UsersError> {
    let Some(user) = ws.store.user_by_name(username.trim()).await? else {
        // Same work as for a real account, so timing does not tell names apart.
        verify_password(password, dummy_hash());
        return Err(UsersError::SignInRefused);
    };
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        log_access(ws, &user.username, "sign_in_locked", "console", None, now).await?;
        return Err(UsersError::Locked { until });
    }
    let password_ok = verify_password(password, &user.password_hash);
    let step = match (&user.totp_secret, password_ok) {
        (Some(secret), true) => {
            let secret = totp::base32_decode(secret)
                .ok_or_else(|| UsersError::Internal("stored TOTP secret is not base32".into()))?;
            code.and_then(|c| totp::verify(&secret, c, now.timestamp(), user.totp_last_step))
                .map(Some)
        }
        (None, true) => Some(None),
        (_, false) => None,
    };
    let Some(step) = step.filter(|_| !user.disabled) else {
        let failures = user.failed_logins + 1;
        let lock =
            (failures >= policy.lock_after).then(|| now + Duration::minutes(policy.lock_minutes));
        ws.store.record_failed_login(user.id, lock).await?;
        log_access(ws, &user.username, "sign_in_failed", "console", None, now).await?;
        return Err(match lock {
            Some(until) => UsersError::Locked { until },
            None => UsersError::SignInRefused,
        });
    };
    ws.store.record_login(user.id, step, now).await?;
    let token = new_token("qls_")?;
    let session = SessionRecord {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: hex::encode(random_bytes::<24>()?),
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::hours(policy.session_hours),
        revoked_at: None,
    };
    ws.store.insert_session(&session).await?;
    log_access(ws, &user.username, "sign_in", "console", None, now).await?;
    Ok(SignedIn {
        token,
        session,
        user,
    })
}

/// The user behind a session token, if the session is alive (not revoked, not expired, not
/// idle too long) and the account is enabled. Moves the session's idle clock on.
pub async fn session_user(
    ws: &Workspace,
    token: &str,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<(UserRecord, SessionRecord)>, UsersError> {
    let hash = token_hash(token);
    let Some(session) = ws.store.session(&hash).await? else {
        return Ok(None);
    };
    if session.revoked_at.is_some()
        || session.expires_at <= now
        || session.last_seen_at + Duration::minutes(policy.idle_minutes) <= now
    {
        return Ok(None);
    }
    let Some(user) = ws.store.get_user(session.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    // One write a minute at most per session.
    if now - session.last_seen_at > Duration::seconds(60) {
        ws.store.touch_session(&hash, now).await?;
    }
    Ok(Some((user, session)))
}

pub async fn sign_out(ws: &Workspace, token: &str, now: DateTime<Utc>) -> Result<(), UsersError> {
    Ok(ws.store.revoke_session(&token_hash(token), now).await?)
}

/// Ends every session of the user (this browser's too); returns how many there were.
pub async fn sign_out_everywhere(
    ws: &Workspace,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, UsersError> {
    Ok(ws.store.revoke_user_sessions(user_id, now).await?)
}

/// A new API token for a user; the token is shown once and kept only as a hash.
pub async fn create_api_token(
    ws: &Workspace,
    username: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(String, ApiTokenRecord), UsersError> {
    let user = user_named(ws, username).await?;
    if name.trim().is_empty() {
        return Err(UsersError::BadInput(
            "API 令牌需要名称（--name）/ an API token needs a name (--name)".into(),
        ));
    }
    let token = new_token("qlt_")?;
    let record = ws
        .store
        .insert_api_token(&NewApiToken {
            user_id: user.id,
            name: name.trim().to_owned(),
            token_hash: token_hash(&token),
            prefix: token.chars().take(10).collect(),
            created_at: now,
        })
        .await?;
    Ok((token, record))
}

/// The user and token behind a bearer token, if it is not revoked and the user is enabled.
pub async fn api_user(
    ws: &Workspace,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(UserRecord, ApiTokenRecord)>, UsersError> {
    let Some(record) = ws.store.api_token(&token_hash(token)).await? else {
        return Ok(None);
    };
    if record.revoked_at.is_some() {
        return Ok(None);
    }
    let Some(user) = ws.store.get_user(record.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    if record
        .last_used_at
        .is_none_or(|t| now - t > Duration::seconds(60))
    {
        ws.store.touch_api_token(record.id, now).await?;
    }
    Ok(Some((user, record)))
}

pub async fn api_tokens(ws: &Workspace, username: &str) -> Result<Vec<ApiTokenRecord>, UsersError> {
    let user = user_named(ws, username).await?;
    Ok(ws.store.list_api_tokens(user.id).await?)
}

pub async fn revoke_api_token(
    ws: &Workspace,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), UsersError> {
    Ok(ws.store.revoke_api_token(id, now).await?)
}

/// Appends to the access log: who (`actor`), did what (`action`), to whom or what (`target`),
/// why (`reason`).
pub async fn log_access(
    ws: &Workspace,
    actor: &str,
    action: &str,
    target: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AccessEntry, UsersError> {
    Ok(ws
        .store
        .append_access(&NewAccessEntry {
            at: now,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            reason: reason.map(str::to_owned),
        })
        .await?)
}

pub async fn access_log(
    ws: &Workspace,
    limit: u32,
    offset: u32,
) -> Result<Vec<AccessEntry>, UsersError> {
    Ok(ws.store.access_log(limit, offset).await?)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::{Config, init_workspace};

    fn code_for(c: &Credentials, at: DateTime<Utc>) -> String {
        let secret = totp::base32_decode(c.totp_secret.as_deref().unwrap()).unwrap();
        totp::code_at_step(&secret, totp::step_of(at.timestamp()))
    }

    #[tokio::test]
    async fn sign_in_needs_password_and_code_locks_after_failures_and_sessions_end() {
        let dir = tempfile::tempdir().unwrap();
        let ws = init_workspace(&dir.path().join("ws"), Config::default())
            .await
            .unwrap();
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let policy = SessionPolicy::default();
        let add = AddUser {
            username: "wang".into(),
            display_name: Some("王专员".into()),
            role: Role::Inspector,
            department: None,
            totp: None,
        };
        let (user, creds) = add_user(&ws, &add, t).await.unwrap();
        assert_eq!(user.role, Role::Inspector);
        assert!(
            creds
                .totp_uri
                .as_deref()
                .unwrap()
                .starts_with("otpauth://totp/")
        );
        assert!(user.password_hash.starts_with("$argon2id$"));
        assert!(matches!(
            add_user(&ws, &add, t).await,
            Err(UsersError::UsernameTaken(_))
        ));

        // Password alone is not enough for an inspector.
        let e = sign_in(&ws, "wang", &creds.password, None, &policy, t).await;
        assert!(matches!(e, Err(UsersError::SignInRefused)), "{e:?}");
        let code = code_for(&creds, t);
        let ok = sign_in(&ws, "wang", &creds.password, Some(&code), &policy, t)
            .await
            .unwrap();
        assert!(ok.token.starts_with("qls_"));
        // The same code is not accepted twice.
        assert!(
            sign_in(&ws, "wang", &creds.password, Some(&code), &policy, t)
                .await
                .is_err()
        );

        let (u, _) = session_user(&ws, &ok.token, &policy, t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.username, "wang");
        assert!(
            session_user(&ws, &ok.token, &policy, t + Duration::hours(13))
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        assert_eq!(sign_out_everywhere(&ws, u.id, t).await.unwrap(), 1);
        assert!(
            session_user(&ws, &ok.token, &policy, t)
                .await
                .unwrap()
                .is_none()
        );

        // Five wrong passwords lock the account, even against the right one.
        for _ in 0..5 {
            assert!(
                sign_in(&ws, "wang", "wrong", None, &policy, t)
                    .await
                    .is_err()
            );
        }
        let later = t + Duration::minutes(1);
        let e = sign_in(
            &ws,
            "wang",
            &creds.password,
            Some(&code_for(&creds, later)),
            &policy,
            later,
        )
        .await;
        assert!(matches!(e, Err(UsersError::Locked { .. })), "{e:?}");
        // A reset lifts the lock.
        let again = reset_password(&ws, "wang", false, later).await.unwrap();
        let at = later + Duration::minutes(1);
        sign_in(
            &ws,
            "wang",
            &again.password,
            Some(&code_for(&creds, at)),
            &policy,
            at,
        )
        .await
        .unwrap();

        // A disabled account cannot sign in.
        set_disabled(&ws, "wang", true, at).await.unwrap();
        let at2 = at + Duration::minutes(1);
        assert!(
            sign_in(
                &ws,
                "wang",
                &again.password,
                Some(&code_for(&creds, at2)),
                &policy,
                at2
            )
            .await
            .is_err()
        );
        let log = access_log(&ws, 100, 0).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.action == "sign_in" && e.actor == "wang")
        );
        assert!(log.iter().any(|e| e.action == "sign_in_failed"));
    }

    #[tokio::test]
    async fn a_liaison_needs_a_department_and_api_tokens_are_kept_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let ws = init_workspace(&dir.path().join("ws"), Config::default())
            .await
            .unwrap();
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let mut add = AddUser {
            username: "zhang".into(),
            display_name: None,
            role: Role::Liaison,
            department: None,
            totp: None,
        };
        assert!(matches!(
            add_user(&ws, &add, t).await,
            Err(UsersError::BadInput(_))
        ));
        add.department = Some("财务部".into());
        let (user, creds) = add_user(&ws, &add, t).await.unwrap();
        assert!(
            creds.totp_uri.is_none(),
            "no second factor by default for liaisons"
        );
        assert_eq!(user.department.as_deref(), Some("财务部"));
        let (token, rec) = create_api_token(&ws, "zhang", "oa-sync", t).await.unwrap();
        assert!(token.starts_with("qlt_"));
        assert_ne!(rec.token_hash, token);
        let (u, _) = api_user(&ws, &token, t).await.unwrap().unwrap();
        assert_eq!(u.username, "zhang");
        revoke_api_token(&ws, rec.id, t).await.unwrap();
        assert!(api_user(&ws, &token, t).await.unwrap().is_none());
        assert!(check_username("a b").is_err());
    }
}
