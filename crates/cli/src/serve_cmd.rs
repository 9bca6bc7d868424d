//! `qinglian serve`: the web console and its JSON API over the workspace, until Ctrl-C or
//! SIGTERM (requests in flight finish first).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use qinglian_app::users::SessionPolicy;
use qinglian_web::{ConsoleConfig, ConsoleState};

use crate::Cli;
use crate::commands::open;

#[derive(Args, Debug)]
pub struct ServeArgs {
    // `demo` serves with these defaults too (`ServeArgs::local`).
    /// Address to listen on (use 0.0.0.0:8080 to serve the intranet)
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Mark cookies Secure: the console is reached over HTTPS (a TLS reverse proxy)
    #[arg(long)]
    secure_cookies: bool,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    tls_key: Option<PathBuf>,
    /// A session ends this many hours after sign-in
    #[arg(long, default_value_t = 12)]
    session_hours: i64,
    /// A session ends after this many minutes without a request
    #[arg(long, default_value_t = 120)]
    idle_minutes: i64,
}

impl ServeArgs {
    /// The defaults, on the given address.
    pub(crate) fn local(bind: SocketAddr) -> Self {
        Self {
            bind,
            secure_cookies: false,
            tls_cert: None,
            tls_key: None,
            session_hours: 12,
            idle_minutes: 120,
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("正在停止 shutting down: finishing requests in flight");
}

pub async fn run(cli: &Cli, a: &ServeArgs) -> anyhow::Result<()> {
    if a.session_hours < 1 || a.idle_minutes < 1 {
        anyhow::bail!(
            "--session-hours and --idle-minutes must be at least 1 / 会话时长和空闲时长至少为 1"
        );
    }
    let ws = open(cli).await?;
    serve_workspace(ws, a).await
}

/// Serves an open workspace's console until Ctrl-C or SIGTERM (also the end of `demo`).
pub(crate) async fn serve_workspace(
    ws: qinglian_app::Workspace,
    a: &ServeArgs,
) -> anyhow::Result<()> {
    crate::logging::init();
    // Over HTTPS the cookies are always marked Secure.
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(qinglian_web::tls::server_config(cert, key)?),
        _ => None,
    };
    let config = ConsoleConfig {
        secure_cookies: a.secure_cookies || tls.is_some(),
        policy: SessionPolicy {
            session_hours: a.session_hours,
            idle_minutes: a.idle_minutes,
            ..SessionPolicy::default()
        },
    };
    let listener = tokio::net::TcpListener::bind(a.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {} / 无法监听: {e}", a.bind))?;
    let addr = listener.local_addr()?;
    let state = ConsoleState::new(ws, config, crate::warnings_cmd::channels());
    match tls {
        Some(tls) => {
            println!("控制台 Console: https://{addr}/  (Ctrl-C 停止 to stop)");
            let listener = qinglian_web::tls::TlsListener::new(listener, tls)?;
            qinglian_web::serve_console(listener, state, shutdown_signal()).await?;
        }
        None => {
            println!("控制台 Console: http://{addr}/  (Ctrl-C 停止 to stop)");
            qinglian_web::serve_console(listener, state, shutdown_signal()).await?;
        }
    }
    Ok(())
}
