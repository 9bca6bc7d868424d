//! Every answer gets the security headers — a Content-Security-Policy that allows scripts and
//! styles from this server only (no inline script, no eval), no framing, no sniffing, no
//! referrer to other sites — is counted in the metrics, carries its own handling time in a
//! `Server-Timing: app;dur=<ms>` header, and is logged (method, path without the query string,
//! status, time: never a cookie, a token, a form field or who asked).

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::ConsoleState;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn headers_and_metrics(
    State(state): State<ConsoleState>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    // The server's own time for the answer (W3C Server-Timing), what the benchmark reports.
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={:.3}", micros as f64 / 1000.0)) {
        res.headers_mut().insert("server-timing", v);
    }
    state.metrics().request(res.status().as_u16(), micros);
    tracing::info!(
        target: "qinglian::http",
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        micros,
        "request"
    );
    res
}
