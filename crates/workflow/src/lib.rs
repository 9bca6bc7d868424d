//! The three-level warning workflow (三级预警): from a finding to a warning, and from a warning
//! to a disposition that people decided.
//!
//! - [`policy`]: the initial level (1 department, 2 inspector, 3 committee) from severity,
//!   amount at stake, repetition and the subject's history, with its reasoning in words.
//! - [`machine`]: the state machine as a pure function (`new → assigned → responded →
//!   verifying → closed_false_positive | confirmed → rectification → closed`; escalate,
//!   de-escalate and reopen with a reason); illegal moves are refused with what is allowed.
//! - [`sla`]: deadlines per level in working days of the mainland calendar, reminders.
//! - [`routing`]: the answering department and, per level, the liaison, the least-loaded
//!   inspector or the committee.
//! - [`notify`]: e-mail (SMTP), generic JSON webhook, DingTalk and WeCom robots; retries with
//!   backoff; a failed channel is reported and never blocks.
//! - [`metrics`]: closure rate on time, time to close, overdue, rectification rate, lead
//!   conversion, precision per rule, warnings per department per month.
//! - [`service`]: [`Workflow`], the use cases over a [`qinglian_store::WarningStore`], with
//!   optimistic locking and every change handed to an [`EventSink`] (the app's ledger hook).
//!
//! It does not know SQL (the store does), HTTP (webhooks go through [`notify::HttpPost`],
//! given by the composition root), the ledger (the app implements [`EventSink`]), or the
//! environment (configuration comes in as [`WorkflowConfig`]).

mod error;
pub mod machine;
pub mod metrics;
pub mod notify;
pub mod policy;
pub mod routing;
pub mod service;
pub mod sla;

pub use error::WorkflowError;
pub use machine::{Action, Snapshot};
pub use metrics::Metrics;
pub use notify::{Delivery, Notification, Notifier};
pub use policy::{LevelDecision, LevelPolicy};
pub use qinglian_store::{Disposition, Level, WarningState};
pub use service::{
    Acted, EventSink, NoEvents, Raised, Request, SuppressionTarget, SweepReport, TransitionEvent,
    Workflow, WorkflowConfig,
};
