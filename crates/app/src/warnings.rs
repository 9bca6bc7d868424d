//! Warnings (三级预警) as use cases over a workspace: raise warnings from the desk's open
//! findings, list the inbox, show a warning with its reasons, history and evidence, act on it,
//! merge and split cases, sweep deadlines, suppress, and compute metrics.
//!
//! The rules of the workflow live in `qinglian-workflow`; this module gives it the
//! workspace's store, `[warnings]` configuration and calendar, and records every saved change
//! in the evidence ledger as a `warning_transition` event (its reason as a SHA-256, never the
//! text). Notifications go out through the channels of `[warnings.notify]`; the HTTP transport
//! for webhooks is passed in by the caller (the CLI gives the `web` crate's client), as for
//! the witness exchange.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use qinglian_core::calendar::Calendar;
use qinglian_store::{
    CaseRecord, FindingFilter, FindingRecord, FindingStatus, FindingStore, InboxFilter,
    Suppression, TransitionRecord, WarningRecord, WarningStore,
};
use qinglian_workflow::notify::{Delivery, HttpPost};
use qinglian_workflow::{
    Acted, EventSink, LevelDecision, Metrics, Notifier, Raised, Request, SuppressionTarget,
    SweepReport, TransitionEvent, Workflow,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ledger::{LedgerEvent, SuppressionEvent, WarningTransitionEvent};
use crate::{AppError, Workspace};

/// Appends each saved change to the workspace's ledger.
struct LedgerSink<'a> {
    ws: &'a Workspace,
}

/// The ledger's record of one change: ids, states, the actor and a hash of the reason.
pub fn ledger_event(e: &TransitionEvent) -> LedgerEvent {
    LedgerEvent::WarningTransition(WarningTransitionEvent {
        warning: e.warning.to_string(),
        from: e.from.map(|s| s.as_str().to_owned()),
        to: e.to.as_str().to_owned(),
        level: e.level.as_str().to_owned(),
        actor: e.actor.clone(),
        reason_sha256: e
            .comment
            .as_ref()
            .map(|c| hex::encode(Sha256::digest(c.as_bytes()))),
        // The desk keeps microseconds; the ledger records the time as the desk holds it,
        // so `ledger verify` can compare the two exactly.
        at: chrono::SubsecRound::trunc_subsecs(e.at, 6),
    })
}

impl EventSink for LedgerSink<'_> {
    fn record(&self, events: &[TransitionEvent]) -> Result<(), String> {
        let events: Vec<LedgerEvent> = events.iter().map(ledger_event).collect();
        crate::ledger::record(self.ws, &events)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// What a use case needs besides the workspace: the HTTP transport for webhook channels.
#[derive(Clone, Default)]
pub struct Channels {
    pub http: Option<Arc<dyn HttpPost>>,
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("http", &self.http.is_some())
            .finish()
    }
}

/// Runs `f` with a workflow over the workspace (ledger sink, notifier, calendar).
struct Ctx {
    calendar: Calendar,
    notifier: Notifier,
}

impl Ctx {
    fn new(ws: &Workspace, channels: &Channels) -> Result<Self, AppError> {
        ws.config.warnings.validate()?;
        Ok(Self {
            calendar: ws.calendar()?,
            notifier: Notifier::new(ws.config.warnings.notify.clone(), channels.http.clone()),
        })
    }

    fn workflow<'a>(
        &'a self,
        ws: &'a Workspace,
        sink: &'a LedgerSink<'a>,
    ) -> Workflow<'a, qinglian_store_sqlite::SqliteStore> {
        Workflow::new(&ws.store, &ws.config.warnings, &self.calendar)
            .with_events(sink)
            .with_notifier(&self.notifier)
    }
}

/// What raising warnings from the open findings did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RaiseSummary {
    pub raised: Vec<i64>,
    pub already: u64,
    pub suppressed: u64,
    /// Channels that failed (the warnings were raised all the same).
    pub failed_deliveries: Vec<Delivery>,
}

/// Raises a warning for every open finding that has none yet (suppressions respected).
pub async fn raise_from_findings(
    ws: &Workspace,
    actor: &str,
    now: DateTime<Utc>,
    channels: &Channels,
) -> Result<RaiseSummary, AppError> {
    let ctx = Ctx::new(ws, channels)?;
    let sink = LedgerSink { ws };
    let wf = ctx.workflow(ws, &sink);
    let findings = ws
        .store
        .list_findings(&FindingFilter {
            status: Some(FindingStatus::Open),
            ..FindingFilter::default()
        })
        .await?;
    let mut out = RaiseSummary::default();
    // Oldest first, so warning numbers follow the order findings appeared.
    for f in findings.iter().rev() {
        match wf.raise(Some(f.id), &f.finding, actor, now).await? {
            Raised::New {
                warning,
                deliveries,
                ..
            } => {
                out.raised.push(warning.id);
                out.failed_deliveries
                    .extend(deliveries.into_iter().filter(|d| !d.ok));
            }
            Raised::Already { .. } => out.already += 1,
            Raised::Suppressed { .. } => out.suppressed += 1,
        }
    }
    Ok(out)
}

/// One page of the inbox.
pub async fn list(ws: &Workspace, filter: &InboxFilter) -> Result<Vec<WarningRecord>, AppError> {
    Ok(ws.store.inbox(filter).await?)
}

/// A warning with everything a person needs to judge it.
#[derive(Debug, Clone, Serialize)]
pub struct WarningView {
    pub warning: WarningRecord,
    /// Why the policy chose the initial level.
    pub level_reasons: Option<LevelDecision>,
    /// What can be done now.
    pub allowed: Vec<&'static str>,
    pub overdue: bool,
    pub history: Vec<TransitionRecord>,
    /// The finding it came from, with its evidence rows.
    pub finding: Option<FindingRecord>,
    pub case: Option<CaseRecord>,
}

pub async fn show(ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<WarningView, AppError> {
    let warning = ws.store.get_warning(id).await?.ok_or_else(|| {
        qinglian_workflow::WorkflowError::NotFound {
            what: format!("warning {id}"),
        }
    })?;
    let history = ws.store.history(id).await?;
    let finding = match warning.finding_id {
        Some(fid) => ws.store.get_finding(fid).await?,
        None => None,
    };
    let case = match warning.case_id {
        Some(c) => ws.store.get_case(c).await?,
        None => None,
    };
    Ok(WarningView {
        level_reasons: LevelDecision::from_json(&warning.level_reason),
        allowed: qinglian_workflow::machine::allowed(warning.state, warning.level),
        overdue: !warning.state.is_closed()
            && qinglian_workflow::sla::is_overdue(
                warning.deadline,
                qinglian_workflow::sla::beijing_day(now),
            ),
        warning,
        history,
        finding,
        case,
    })
}

/// At most this many related findings are shown with a warning.
pub const RELATED_SHOWN: u64 = 20;

/// Other open findings on the warning's subject (the same company, person or tender from
/// other rules and models): what an inspector weighs a warning against. `department`, when
/// given, keeps only findings of that department (a liaison sees nothing beyond theirs).
pub async fn related_findings(
    ws: &Workspace,
    view: &WarningView,
    department: Option<&str>,
) -> Result<Vec<qinglian_store::FindingRecord>, AppError> {
    use qinglian_store::{FindingFilter, FindingStatus, FindingStore};
    let Some(own) = &view.finding else {
        return Ok(Vec::new());
    };
    let subject = &own.finding.subject;
    let found = ws
        .store
        .list_findings(&FindingFilter {
            subject_id: Some(subject.id.clone()),
            status: Some(FindingStatus::Open),
            limit: Some(RELATED_SHOWN + 1),
            ..FindingFilter::default()
        })
        .await?;
    Ok(found
        .into_iter()
        .filter(|f| f.id != own.id && f.finding.subject.kind == subject.kind)
        .filter(|f| department.is_none_or(|d| f.finding.department.as_deref() == Some(d)))
        .take(RELATED_SHOWN as usize)
        .collect())
}

/// Performs an action on a warning (recorded in the ledger, notified).
pub async fn act(
    ws: &Workspace,
    id: i64,
    request: &Request,
    now: DateTime<Utc>,
    channels: &Channels,
) -> Result<Acted, AppError> {
    let ctx = Ctx::new(ws, channels)?;
    let sink = LedgerSink { ws };
    Ok(ctx.workflow(ws, &sink).act(id, request, now).await?)
}

pub async fn merge(
    ws: &Workspace,
    ids: &[i64],
    title: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<CaseRecord, AppError> {
    let ctx = Ctx::new(ws, &Channels::default())?;
    let sink = LedgerSink { ws };
    Ok(ctx
        .workflow(ws, &sink)
        .merge(ids, title, actor, now)
        .await?)
}

pub async fn split(
    ws: &Workspace,
    case_id: i64,
    ids: &[i64],
    new_title: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<CaseRecord>, AppError> {
    let ctx = Ctx::new(ws, &Channels::default())?;
    let sink = LedgerSink { ws };
    Ok(ctx
        .workflow(ws, &sink)
        .split(case_id, ids, new_title, actor, now)
        .await?)
}

/// Reminders, escalation of breached deadlines, overdue notices at the committee.
pub async fn sweep(
    ws: &Workspace,
    now: DateTime<Utc>,
    channels: &Channels,
) -> Result<SweepReport, AppError> {
    let ctx = Ctx::new(ws, channels)?;
    let sink = LedgerSink { ws };
    Ok(ctx.workflow(ws, &sink).sweep(now).await?)
}

pub async fn metrics(
    ws: &Workspace,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Metrics, AppError> {
    let ctx = Ctx::new(ws, &Channels::default())?;
    let sink = LedgerSink { ws };
    Ok(ctx.workflow(ws, &sink).metrics(from, to, now).await?)
}

pub async fn suppress(
    ws: &Workspace,
    target: &SuppressionTarget,
    reason: &str,
    until: DateTime<Utc>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Suppression, AppError> {
    let ctx = Ctx::new(ws, &Channels::default())?;
    let sink = LedgerSink { ws };
    let s = ctx
        .workflow(ws, &sink)
        .suppress(target, reason, until, actor, now)
        .await?;
    record_suppression(ws, &s, "suppress", reason, actor, now)?;
    Ok(s)
}

/// Appends a suppression or its lifting to the ledger (after the desk committed it, like an
/// import batch).
fn record_suppression(
    ws: &Workspace,
    s: &Suppression,
    action: &str,
    reason: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let subject = match (&s.subject_kind, &s.subject_id) {
        (Some(k), Some(id)) => Some(format!("{k}:{id}")),
        _ => None,
    };
    let event = LedgerEvent::Suppression(SuppressionEvent {
        suppression: s.id.to_string(),
        action: action.to_owned(),
        source: s.source_id.clone(),
        subject,
        reason_sha256: hex::encode(Sha256::digest(reason.as_bytes())),
        expires_at: s.expires_at,
        actor: actor.to_owned(),
        at,
    });
    crate::ledger::record(ws, &[event]).map(|_| ())
}

pub async fn lift(
    ws: &Workspace,
    id: i64,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Suppression, AppError> {
    let ctx = Ctx::new(ws, &Channels::default())?;
    let sink = LedgerSink { ws };
    let s = ctx.workflow(ws, &sink).lift(id, reason, actor, now).await?;
    record_suppression(ws, &s, "lift", reason, actor, now)?;
    Ok(s)
}

/// One department's digest as sent.
#[derive(Debug, Clone, Serialize)]
pub struct DigestSent {
    pub department: String,
    pub notification: qinglian_workflow::Notification,
    pub deliveries: Vec<Delivery>,
}

/// The daily digest (open warnings, overdue marked) of each department, through the channels
/// that match it. Without departments named: those the routing configuration names.
pub async fn digest(
    ws: &Workspace,
    departments: &[String],
    now: DateTime<Utc>,
    channels: &Channels,
) -> Result<Vec<DigestSent>, AppError> {
    let routing = &ws.config.warnings.routing;
    let mut names: Vec<String> = if departments.is_empty() {
        routing
            .liaisons
            .keys()
            .chain(routing.inspectors.keys())
            .cloned()
            .collect()
    } else {
        departments.to_vec()
    };
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Err(qinglian_workflow::WorkflowError::BadInput(
            "no department to send a digest to: name them with --department, or configure \
             [warnings.routing] liaisons or inspectors"
                .into(),
        )
        .into());
    }
    let ctx = Ctx::new(ws, channels)?;
    let sink = LedgerSink { ws };
    let wf = ctx.workflow(ws, &sink);
    let mut out = Vec::new();
    for department in names {
        let (notification, deliveries) = wf.digest(&department, now).await?;
        out.push(DigestSent {
            department,
            notification,
            deliveries,
        });
    }
    Ok(out)
}

pub async fn suppressions(ws: &Workspace) -> Result<Vec<Suppression>, AppError> {
    Ok(ws.store.list_suppressions().await?)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;
    use qinglian_core::{
        Category, EvidenceRow, Finding, FindingSource, Money, Severity, SourceKind, Subject,
    };
    use qinglian_store::NewFinding;
    use qinglian_workflow::{Action, WorkflowError};

    use super::*;
    use crate::ledger::LedgerEntry;
    use crate::{Config, init_workspace};

    fn finding(subject: &str) -> NewFinding {
        let f = Finding {
            source: FindingSource {
                kind: SourceKind::Rule,
                id: "FUN-001".into(),
                version: "1.0.0".into(),
                content_hash: "h".into(),
            },
            category: Category::Fun,
            severity: Severity::Medium,
            subject: Subject {
                kind: "company".into(),
                id: subject.into(),
                name: None,
            },
            department: Some("财务部".into()),
            amount: Some(Money::from_fen(100)),
            occurred_on: None,
            explanation_zh: "重复付款".into(),
            explanation_en: "paid twice".into(),
            evidence: vec![EvidenceRow {
                dataset: "payments".into(),
                batch: "b1".into(),
                row: 7,
            }],
            facts: BTreeMap::new(),
        };
        NewFinding {
            fingerprint: f.fingerprint(&[]),
            finding: f,
        }
    }

    fn transitions_of(ws: &Workspace, warning: i64) -> Vec<WarningTransitionEvent> {
        let log =
            qinglian_ledger::Log::open_read_only(ws.root.join(crate::ledger::LEDGER_DIR)).unwrap();
        crate::ledger::find_entries(ws, &warning.to_string())
            .unwrap()
            .into_iter()
            .filter_map(|i| {
                let entry = LedgerEntry::parse(&log.entry(i).ok()?).ok()?;
                match entry.event {
                    LedgerEvent::WarningTransition(e) => Some(e),
                    _ => None,
                }
            })
            .collect()
    }

    #[tokio::test]
    async fn every_change_of_a_warning_is_in_the_ledger_with_its_reason_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config
            .warnings
            .routing
            .liaisons
            .insert("财务部".into(), "张会计".into());
        let ws = init_workspace(&dir.path().join("ws"), config)
            .await
            .unwrap();
        let t = Utc.with_ymd_and_hms(2024, 9, 30, 2, 0, 0).unwrap();
        ws.store
            .sync_findings(
                SourceKind::Rule,
                "FUN-001",
                &[finding("C1"), finding("C2")],
                t,
            )
            .await
            .unwrap();
        let raised = raise_from_findings(&ws, "system", t, &Channels::default())
            .await
            .unwrap();
        assert_eq!(raised.raised.len(), 2);
        // Raising again finds nothing new.
        let again = raise_from_findings(&ws, "system", t, &Channels::default())
            .await
            .unwrap();
        assert_eq!((again.raised.len(), again.already), (0, 2));

        let id = raised.raised[0];
        let view = show(&ws, id, t).await.unwrap();
        assert_eq!(view.warning.assignee.as_deref(), Some("张会计"));
        assert_eq!(view.finding.unwrap().finding.evidence[0].row, 7);
        assert!(
            view.level_reasons.unwrap().reasons[0]
                .zh
                .contains("严重程度")
        );
        assert_eq!(view.allowed, ["assign", "respond", "escalate"]);

        let respond = Request::new(Action::Respond, "张会计").comment("已核对，系重复录入");
        act(&ws, id, &respond, t, &Channels::default())
            .await
            .unwrap();
        let events = transitions_of(&ws, id);
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(
            (events[0].from.as_deref(), events[0].to.as_str()),
            (None, "assigned")
        );
        assert_eq!(events[1].to, "responded");
        assert_eq!(events[1].actor, "张会计");
        assert_eq!(
            events[1].reason_sha256.as_deref(),
            Some(hex::encode(Sha256::digest("已核对，系重复录入".as_bytes())).as_str())
        );

        // A stale version is a user error and records nothing.
        let stale = Request::new(Action::Verify, "王专员").at_version(1);
        let e = act(&ws, id, &stale, t, &Channels::default())
            .await
            .unwrap_err();
        assert!(e.is_user_error(), "{e}");
        assert!(matches!(
            e,
            AppError::Workflow(WorkflowError::Conflict { .. })
        ));
        assert_eq!(transitions_of(&ws, id).len(), 2);

        // The digest of the liaison's department lists both open warnings.
        let sent = digest(&ws, &[], t, &Channels::default()).await.unwrap();
        assert_eq!(sent.len(), 1);
        assert!(
            sent[0].notification.title_zh.contains("待办 2 条"),
            "{:?}",
            sent[0]
        );
        assert!(sent[0].deliveries.is_empty(), "no channel configured");

        let case = merge(&ws, &raised.raised, "C1/C2 线索", "李主任", t)
            .await
            .unwrap();
        assert_eq!(case.warnings.len(), 2);
        assert_eq!(transitions_of(&ws, id).len(), 3);
        ws.store.close().await;
    }

    #[test]
    fn the_warnings_section_of_the_config_is_checked() {
        let c = Config::parse(
            "[warnings.sla]\ndepartment_days = 3\n[warnings.levels.start]\nhigh = \"committee\"\n",
        )
        .unwrap();
        assert_eq!(c.warnings.sla.department_days, 3);
        assert_eq!(
            c.warnings.levels.start.high,
            qinglian_store::Level::Committee
        );
        assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
        assert!(Config::parse("[warnings.sla]\ndepartmnet_days = 3\n").is_err());
        assert!(Config::parse("[warnings.levels.start]\nhigh = \"boss\"\n").is_err());
    }

    fn suppression_events(ws: &Workspace) -> Vec<SuppressionEvent> {
        let log =
            qinglian_ledger::Log::open_read_only(ws.root.join(crate::ledger::LEDGER_DIR)).unwrap();
        (0..log.size())
            .filter_map(
                |i| match LedgerEntry::parse(&log.entry(i).ok()?).ok()?.event {
                    LedgerEvent::Suppression(e) => Some(e),
                    _ => None,
                },
            )
            .collect()
    }

    /// A suppression hides findings from the workflow, so setting and lifting one must be on
    /// the record that nobody can quietly rewrite.
    #[tokio::test]
    async fn suppressing_and_lifting_are_in_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let ws = init_workspace(&dir.path().join("ws"), Config::default())
            .await
            .unwrap();
        let t = Utc.with_ymd_and_hms(2024, 9, 30, 2, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2024, 12, 31, 0, 0, 0).unwrap();
        let target = SuppressionTarget {
            source_id: Some("FUN-001".into()),
            subject: Some(("company".into(), "C1".into())),
        };
        let s = suppress(&ws, &target, "年度框架协议，已备案", until, "李主任", t)
            .await
            .unwrap();
        let lifted = lift(&ws, s.id, "协议到期", "王专员", t).await.unwrap();
        assert!(lifted.lifted_at.is_some());

        let events = suppression_events(&ws);
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0].action, "suppress");
        assert_eq!(events[0].suppression, s.id.to_string());
        assert_eq!(events[0].source.as_deref(), Some("FUN-001"));
        assert_eq!(events[0].subject.as_deref(), Some("company:C1"));
        assert_eq!(events[0].actor, "李主任");
        assert_eq!(events[0].expires_at, until);
        assert_eq!(
            events[0].reason_sha256,
            hex::encode(Sha256::digest("年度框架协议，已备案".as_bytes()))
        );
        assert_eq!(
            (events[1].action.as_str(), events[1].actor.as_str()),
            ("lift", "王专员")
        );
        assert!(crate::ledger::verify(&ws, None, &[], &[]).await.unwrap().ok);

        // Lifting one that does not exist is refused and records nothing.
        assert!(lift(&ws, s.id + 100, "x", "王专员", t).await.is_err());
        assert_eq!(suppression_events(&ws).len(), 2);
    }
}
