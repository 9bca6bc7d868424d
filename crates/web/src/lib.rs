//! qinglian's HTTP side: the only crate that knows HTTP.
//!
//! What it does: [`console`], the web console (sign-in with roles and TOTP, dashboard,
//! warnings inbox and detail with the workflow's actions, Excel export, access log) and its
//! JSON API under `/api/v1` with an OpenAPI document, health, readiness and Prometheus
//! metrics; [`witness`], the C2SP tlog-witness `POST /add-checkpoint` endpoint over
//! a [`qinglian_ledger::Witness`], and the matching client, [`submit_to_witness`], with which
//! a log pushes its latest checkpoint to a witness; [`webhook::post_json`], the client that
//! delivers notification webhooks (the workflow builds the bodies); [`tls`], optional HTTPS
//! for the console with rustls.
//!
//! What it deliberately does not do (yet, or ever): decide anything. The witness protocol's
//! checks live in `qinglian-ledger`; which checkpoint to push and what to keep from the
//! answer live in `qinglian-app`; key files, ports and addresses are chosen by the `cli`.
//! The public whistleblower router will join this crate as a separate module.

pub mod console;
pub mod tls;
pub mod webhook;
pub mod witness;

pub use console::{ConsoleConfig, ConsoleState, console_router, serve_console};
pub use webhook::post_json;
pub use witness::{
    Submission, WebError, WitnessService, serve_witness, submit_to_witness, witness_router,
};
