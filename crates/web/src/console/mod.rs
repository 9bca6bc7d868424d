//! The web console (管理控制台) and its JSON API: sign-in with roles and TOTP, the dashboard,
//! the warnings inbox and detail with the workflow's actions, imports, the rule catalogue, the
//! ledger, users, export to Excel, the access log, health, readiness and Prometheus metrics.
//!
//! - [`auth`]: cookies, sessions, CSRF, bearer tokens, roles and department scoping.
//! - [`pages`]: the HTML pages (askama templates in `templates/`, compile-time checked).
//! - [`api`]: `/api/v1`, the same actions as JSON, and its OpenAPI document.
//! - [`view`]: what pages and API show, built from the app's use cases.
//! - [`imports`], `catalogue`, `ledger_page`, `users_page`: the operations pages (imports with
//!   upload jobs, the rule catalogue and its changes, the ledger, users), pages and API handlers;
//!   `cases`: merged warnings (线索/案件).
//! - [`reveal`]: checking a masked personal identifier with a reason, logged.
//! - [`i18n`]: the message catalogues (Chinese first, English).
//! - [`assets`]: CSS, JS, htmx and ECharts, embedded in the binary (intranets have no CDN).
//! - [`security`]: security headers (a CSP without inline scripts) and request metrics.
//!
//! It decides nothing about warnings or accounts: the workflow's rules live in
//! `qinglian-workflow`, who may sign in and what a role may do in `qinglian_app::users`.
//! Every use case that may touch the ledger runs on a blocking thread ([`ConsoleState::desk`]):
//! its fsyncs stay off the async workers.

pub mod api;
mod assets;
pub mod auth;
mod cases;
mod catalogue;
mod error;
pub mod i18n;
pub mod imports;
mod ledger_page;
mod metrics;
pub mod pages;
mod receipts;
pub mod reveal;
mod security;
mod users_page;
pub mod view;
mod xlsx;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinglian_app::Workspace;
use qinglian_app::users::SessionPolicy;
use qinglian_app::warnings::Channels;

pub use error::WebErr;
pub use i18n::{Catalogs, Lang, Tr};

/// How the console runs (the `cli` decides).
#[derive(Debug, Clone, Default)]
pub struct ConsoleConfig {
    /// Mark cookies `Secure` (the console is reached over HTTPS, directly or through a proxy).
    pub secure_cookies: bool,
    pub policy: SessionPolicy,
}

/// What every handler shares: the workspace, the configuration, the catalogues, the metrics.
#[derive(Clone)]
pub struct ConsoleState {
    inner: Arc<Inner>,
}

struct Inner {
    ws: Arc<Workspace>,
    config: ConsoleConfig,
    catalogs: Catalogs,
    metrics: metrics::Metrics,
    channels: Channels,
    jobs: imports::Jobs,
}

impl std::fmt::Debug for ConsoleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleState")
            .field("workspace", &self.inner.ws.root)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl ConsoleState {
    /// The console over an open workspace; `channels` carry webhook notifications.
    pub fn new(ws: Workspace, config: ConsoleConfig, channels: Channels) -> Self {
        Self {
            inner: Arc::new(Inner {
                ws: Arc::new(ws),
                config,
                catalogs: Catalogs::embedded(),
                metrics: metrics::Metrics::default(),
                channels,
                jobs: imports::Jobs::default(),
            }),
        }
    }

    pub fn workspace(&self) -> &Workspace {
        &self.inner.ws
    }

    pub(crate) fn config(&self) -> &ConsoleConfig {
        &self.inner.config
    }

    pub(crate) fn tr(&self, lang: Lang) -> &Tr {
        self.inner.catalogs.get(lang)
    }

    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    pub(crate) fn jobs(&self) -> imports::Jobs {
        self.inner.jobs.clone()
    }

    pub(crate) fn channels(&self) -> Channels {
        self.inner.channels.clone()
    }

    /// Runs a use case on a blocking thread with the workspace. The workflow's futures are
    /// not `Send` (they hold the ledger hook), and the ledger fsyncs: neither belongs on an
    /// async worker.
    pub(crate) async fn desk<T, F, Fut>(&self, f: F) -> Result<T, WebErr>
    where
        F: FnOnce(Arc<Workspace>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, WebErr>>,
        T: Send + 'static,
    {
        let ws = self.inner.ws.clone();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || handle.block_on(f(ws)))
            .await
            .map_err(|e| WebErr::internal(&format!("desk task failed: {e}")))?
    }
}

/// The whole console: pages, API, assets, health and metrics, with the security headers.
pub fn console_router(state: ConsoleState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(imports::routes())
        .merge(cases::routes())
        .merge(catalogue::routes())
        .merge(ledger_page::routes())
        .merge(receipts::routes())
        .merge(users_page::routes())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(prometheus))
        .route("/assets/{name}", get(assets::serve))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers_and_metrics,
        ))
        .layer(DefaultBodyLimit::max(1 << 20))
        .with_state(state)
}

/// Serves the console on `listener` (a `tokio::net::TcpListener`, or a
/// [`crate::tls::TlsListener`] for HTTPS) until `shutdown` completes; requests in flight finish.
pub async fn serve_console<L>(
    listener: L,
    state: ConsoleState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    axum::serve(listener, console_router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

const TEXT: &str = "text/plain; charset=utf-8";

/// Liveness: the process answers.
async fn healthz() -> Response {
    ([(header::CONTENT_TYPE, TEXT)], "ok\n").into_response()
}

/// Readiness: the desk answers a query.
async fn readyz(State(state): State<ConsoleState>) -> Response {
    use qinglian_store::UserStore;
    match state.workspace().store.get_user(0).await {
        Ok(_) => ([(header::CONTENT_TYPE, TEXT)], "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, TEXT)],
                "数据库不可用 / the desk database does not answer\n",
            )
                .into_response()
        }
    }
}

async fn prometheus(State(state): State<ConsoleState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, TEXT)],
        "未找到 / not found\n",
    )
        .into_response()
}
