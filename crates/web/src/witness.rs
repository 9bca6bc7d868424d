//! The C2SP tlog-witness HTTP binding: `POST /add-checkpoint` on the server side
//! ([`witness_router`]) and the log's side of the same exchange ([`submit_to_witness`]).
//!
//! Server: the request body (`old N`, consistency proof lines, a blank line, the signed
//! checkpoint) goes to [`Witness::add_checkpoint`]; on success the new witness state is
//! saved durably ([`WitnessState::save`]: temp file, fsync, rename) *before* the 200 answer
//! with the cosignature line is sent, and check, update and save happen under one lock, as
//! the spec requires. Failures answer with the status and content type
//! [`qinglian_ledger::WitnessError`] assigns: 400 malformed, 403 no trusted signature, 404
//! unknown log, 409 stale old size (body: the latest size, `text/x.tlog.size`) or a fork,
//! 422 bad proof, 500 internal. If saving the state ever fails the service answers 500 to
//! everything until it is restarted (and reloads the last saved state), so it never
//! answers from a state it could not persist.
//!
//! Not here: which logs to trust and where keys and state live (the `cli` decides), and
//! what a log does with a cosignature (`qinglian-app`). No TLS: witnesses sit on an
//! intranet, or behind a proxy that terminates TLS.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use qinglian_ledger::{VerifierKey, Witness, WitnessState};

/// Path of the endpoint, relative to the witness's URL prefix.
pub const ADD_CHECKPOINT_PATH: &str = "/add-checkpoint";
/// Largest request accepted: 63 proof lines and a checkpoint with its signatures fit many
/// times over.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
const TEXT: &str = "text/plain; charset=utf-8";

/// A witness shared by the HTTP handlers: the [`Witness`], where its state is saved, and
/// the clock its cosignatures are timestamped with.
#[derive(Clone)]
pub struct WitnessService {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    witness: Witness,
    state_file: PathBuf,
    clock: fn() -> u64,
    /// Saving failed once: the in-memory state may be ahead of the disk.
    broken: bool,
}

impl std::fmt::Debug for WitnessService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WitnessService").finish_non_exhaustive()
    }
}

fn system_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl WitnessService {
    /// `state_file` is where [`WitnessState`] is saved after every cosignature; load it
    /// with [`WitnessState::load`] when building `witness`.
    pub fn new(witness: Witness, state_file: PathBuf) -> WitnessService {
        WitnessService {
            inner: Arc::new(Mutex::new(Inner {
                witness,
                state_file,
                clock: system_clock,
                broken: false,
            })),
        }
    }

    /// Replaces the clock (POSIX seconds), for tests.
    #[must_use]
    pub fn with_clock(self, clock: fn() -> u64) -> WitnessService {
        if let Ok(mut inner) = self.inner.lock() {
            inner.clock = clock;
        }
        self
    }

    /// The witness's public cosigner key.
    pub fn verifier(&self) -> Option<VerifierKey> {
        self.inner.lock().ok().map(|i| i.witness.verifier())
    }

    /// A copy of the state in memory (what was last saved, unless the service is broken).
    pub fn state(&self) -> Option<WitnessState> {
        self.inner.lock().ok().map(|i| i.witness.state().clone())
    }

    /// One add-checkpoint exchange without HTTP: `(status, content type, body)`.
    pub fn handle(&self, body: &str) -> (u16, &'static str, String) {
        let internal = |why: &str| (500, TEXT, format!("internal witness error: {why}\n"));
        let Ok(mut inner) = self.inner.lock() else {
            return internal("an earlier request panicked; restart the witness");
        };
        if inner.broken {
            return internal("the witness state could not be saved; restart the witness");
        }
        let now = (inner.clock)();
        match inner.witness.add_checkpoint(body, now) {
            Ok(cosignature) => {
                let saved = inner.witness.state().save(&inner.state_file);
                match saved {
                    Ok(()) => (200, TEXT, cosignature),
                    Err(e) => {
                        inner.broken = true;
                        internal(&format!("saving the witness state failed: {e}"))
                    }
                }
            }
            Err(e) => (e.status(), e.content_type(), e.body()),
        }
    }
}

/// The tlog-witness router: `POST /add-checkpoint`. Nest it under a prefix if the witness
/// shares a server with other routes.
pub fn witness_router(service: WitnessService) -> Router {
    Router::new()
        .route(ADD_CHECKPOINT_PATH, post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(service)
}

/// Serves [`witness_router`] on `listener` until `shutdown` completes.
pub async fn serve_witness(
    listener: tokio::net::TcpListener,
    service: WitnessService,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, witness_router(service))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn add_checkpoint(State(service): State<WitnessService>, body: Bytes) -> Response {
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return reply(
            400,
            TEXT,
            "bad request: the body is not UTF-8 text\n".into(),
        );
    };
    // Saving fsyncs; keep that off the async workers.
    let answer = tokio::task::spawn_blocking(move || service.handle(&text)).await;
    match answer {
        Ok((status, content_type, body)) => reply(status, content_type, body),
        Err(_) => reply(500, TEXT, "internal witness error: handler failed\n".into()),
    }
}

fn reply(status: u16, content_type: &'static str, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// What a witness answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "witness URL {0:?} must start with http:// (TLS is not built in; put a proxy in front)"
    )]
    BadUrl(String),
    #[error("cannot reach the witness at {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

/// POSTs an add-checkpoint `body` to the witness at `url` (its prefix, e.g.
/// `http://10.0.0.5:7380`, or the full `…/add-checkpoint` URL) and returns its answer,
/// whatever the status. Times out after 30 seconds.
pub fn submit_to_witness(url: &str, body: &str) -> Result<Submission, WebError> {
    if !url.starts_with("http://") {
        return Err(WebError::BadUrl(url.to_owned()));
    }
    let url = if url.ends_with(ADD_CHECKPOINT_PATH) {
        url.to_owned()
    } else {
        format!("{}{ADD_CHECKPOINT_PATH}", url.trim_end_matches('/'))
    };
    let unreachable = |e: ureq::Error| WebError::Unreachable {
        url: url.clone(),
        reason: e.to_string(),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .post(&url)
        .header(header::CONTENT_TYPE.as_str(), TEXT)
        .send(body)
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE.as_str())
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.body_mut().read_to_string().map_err(unreachable)?;
    Ok(Submission {
        status,
        content_type,
        body,
    })
}
