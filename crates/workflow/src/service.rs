//! The workflow's use cases over a [`WarningStore`]: raise a warning from a finding, act on it,
//! sweep deadlines (reminders, escalation on breach), merge and split cases, suppress, and
//! compute metrics. Each saved change is handed to an [`EventSink`] (the app appends it to the
//! evidence ledger) and, where channels match, to the [`Notifier`].

use chrono::{DateTime, Duration, Utc};
use qinglian_core::Finding;
use qinglian_core::calendar::Calendar;
use qinglian_store::{
    CaseRecord, InboxFilter, Level, NewSuppression, NewWarning, StoreError, Suppression,
    TransitionRecord, WarningChange, WarningRecord, WarningState, WarningStore,
};
use serde::{Deserialize, Serialize};

use crate::WorkflowError;
use crate::machine::{self, Action, Refusal, Snapshot};
use crate::metrics::{self, Metrics};
use crate::notify::{Delivery, NoticeKind, Notification, Notifier};
use crate::policy::{LevelDecision, LevelPolicy};
use crate::routing::RoutingConfig;
use crate::sla::{SlaPolicy, beijing_day};

/// `[warnings]` in `qinglian.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowConfig {
    pub levels: LevelPolicy,
    pub sla: SlaPolicy,
    pub routing: RoutingConfig,
    pub notify: crate::notify::NotifyConfig,
}

impl WorkflowConfig {
    pub fn validate(&self) -> Result<(), WorkflowError> {
        self.levels
            .validate()
            .and_then(|()| self.sla.validate())
            .and_then(|()| self.routing.validate())
            .and_then(|()| self.notify.validate())
            .map_err(WorkflowError::Config)
    }
}

/// One saved change of a warning, as handed to the [`EventSink`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionEvent {
    pub warning: i64,
    /// `raise`, `assign`, …, `merge`, `split`.
    pub action: String,
    pub from: Option<WarningState>,
    pub to: WarningState,
    pub level: Level,
    pub actor: String,
    /// The reason, comment or disposition text, if any.
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

impl TransitionEvent {
    /// The event a history entry is reported as (also how `ledger verify` re-derives it).
    pub fn of(t: &TransitionRecord) -> Self {
        let comment = match (&t.comment, t.disposition) {
            (Some(c), Some(d)) => Some(format!("{}: {c}", d.as_str())),
            (Some(c), None) => Some(c.clone()),
            (None, Some(d)) => Some(d.as_str().to_owned()),
            (None, None) => None,
        };
        Self {
            warning: t.warning_id,
            action: t.action.clone(),
            from: t.from_state,
            to: t.to_state,
            level: t.to_level,
            actor: t.actor.clone(),
            comment,
            at: t.at,
        }
    }
}

/// Receives every saved change (the app appends them to the evidence ledger).
pub trait EventSink {
    fn record(&self, events: &[TransitionEvent]) -> Result<(), String>;
}

/// An [`EventSink`] that keeps nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn record(&self, _: &[TransitionEvent]) -> Result<(), String> {
        Ok(())
    }
}

static NO_EVENTS: NoEvents = NoEvents;

/// What a person asks to do to a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub action: Action,
    pub actor: String,
    /// The reason (required for escalate, de-escalate, reopen) or a comment.
    pub comment: Option<String>,
    /// References to attached files (evidence SHA-256s).
    pub attachments: Vec<String>,
    /// The version the person saw; `None` acts on the current one (still guarded).
    pub expected_version: Option<i64>,
}

impl Request {
    pub fn new(action: Action, actor: &str) -> Self {
        Self {
            action,
            actor: actor.to_owned(),
            comment: None,
            attachments: Vec::new(),
            expected_version: None,
        }
    }

    pub fn comment(mut self, c: &str) -> Self {
        self.comment = Some(c.to_owned());
        self
    }

    pub fn at_version(mut self, v: i64) -> Self {
        self.expected_version = Some(v);
        self
    }
}

/// A saved change and what the channels made of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acted {
    pub warning: WarningRecord,
    pub deliveries: Vec<Delivery>,
}

/// The outcome of raising a warning from a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Raised {
    New {
        warning: WarningRecord,
        decision: LevelDecision,
        deliveries: Vec<Delivery>,
    },
    /// The finding already has this warning.
    Already { warning: i64 },
    /// A suppression holds it back.
    Suppressed { suppression: Suppression },
}

/// What a deadline sweep did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SweepReport {
    pub reminded: Vec<i64>,
    pub escalated: Vec<i64>,
    /// Overdue at the committee, where there is no level left: reported again each day.
    pub overdue_at_top: Vec<i64>,
    /// Warnings someone changed during the sweep; the next sweep sees them again.
    pub skipped: Vec<i64>,
    pub deliveries: Vec<Delivery>,
}

/// What a suppression covers: a rule or model, a subject, or a rule on one subject.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SuppressionTarget {
    pub source_id: Option<String>,
    /// (kind, id)
    pub subject: Option<(String, String)>,
}

/// The workflow over a store, with its configuration and calendar.
pub struct Workflow<'a, S> {
    store: &'a S,
    config: &'a WorkflowConfig,
    calendar: &'a Calendar,
    events: &'a dyn EventSink,
    notifier: Option<&'a Notifier>,
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl<'a, S: WarningStore> Workflow<'a, S> {
    pub fn new(store: &'a S, config: &'a WorkflowConfig, calendar: &'a Calendar) -> Self {
        Self {
            store,
            config,
            calendar,
            events: &NO_EVENTS,
            notifier: None,
        }
    }

    pub fn with_events(mut self, events: &'a dyn EventSink) -> Self {
        self.events = events;
        self
    }

    pub fn with_notifier(mut self, notifier: &'a Notifier) -> Self {
        self.notifier = Some(notifier);
        self
    }

    fn notify(&self, n: Option<Notification>) -> Vec<Delivery> {
        match (self.notifier, n) {
            (Some(notifier), Some(n)) => notifier.deliver(&n),
            _ => Vec::new(),
        }
    }

    fn emit(&self, warning: i64, entries: &[TransitionRecord]) -> Result<(), WorkflowError> {
        let events: Vec<TransitionEvent> = entries.iter().map(TransitionEvent::of).collect();
        self.events
            .record(&events)
            .map_err(|reason| WorkflowError::Event { warning, reason })
    }

    async fn assignee_for(
        &self,
        level: Level,
        department: &str,
    ) -> Result<Option<String>, WorkflowError> {
        let routing = &self.config.routing;
        let load = if level == Level::Inspector {
            self.store
                .open_load(routing.inspectors_for(department))
                .await?
        } else {
            Vec::new()
        };
        Ok(routing.assignee(level, department, &load))
    }

    /// Raises a warning from a finding (once per finding), unless a suppression holds it.
    pub async fn raise(
        &self,
        finding_id: Option<i64>,
        f: &Finding,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Raised, WorkflowError> {
        if let Some(fid) = finding_id
            && let Some(w) = self.store.warning_for_finding(fid).await?
        {
            return Ok(Raised::Already { warning: w });
        }
        if let Some(s) = self
            .store
            .active_suppression(&f.source.id, &f.subject.kind, &f.subject.id, now)
            .await?
        {
            return Ok(Raised::Suppressed { suppression: s });
        }
        let department = self
            .config
            .routing
            .department(&f.source.id, f.department.as_deref());
        let history = self
            .store
            .subject_history(&f.subject.kind, &f.subject.id, &f.source.id)
            .await?;
        let decision = self.config.levels.decide(f.severity, f.amount, &history);
        let assignee = self.assignee_for(decision.level, &department).await?;
        let state = if assignee.is_some() {
            WarningState::Assigned
        } else {
            WarningState::New
        };
        let deadline = self
            .config
            .sla
            .deadline(self.calendar, beijing_day(now), decision.level);
        let new = NewWarning {
            finding_id,
            source_id: f.source.id.clone(),
            subject_kind: f.subject.kind.clone(),
            subject_id: f.subject.id.clone(),
            subject_name: f.subject.name.clone(),
            department,
            severity: f.severity,
            amount_fen: f.amount.map(qinglian_core::Money::fen),
            title_zh: f.explanation_zh.clone(),
            title_en: f.explanation_en.clone(),
            level: decision.level,
            level_reason: decision.to_json(),
            state,
            assignee: assignee.clone(),
            deadline,
            created_at: now,
        };
        let first = TransitionRecord {
            warning_id: 0,
            seq: 1,
            action: "raise".into(),
            from_state: None,
            to_state: state,
            from_level: None,
            to_level: decision.level,
            actor: actor.to_owned(),
            at: now,
            comment: assignee.as_ref().map(|a| format!("routed to {a}")),
            disposition: None,
            attachments: Vec::new(),
        };
        let warning = self.store.insert_warning(&new, &first).await?;
        self.emit(
            warning.id,
            &[TransitionRecord {
                warning_id: warning.id,
                ..first
            }],
        )?;
        let deliveries = self.notify(Some(Notification::about(
            NoticeKind::Raised,
            &warning,
            "新预警",
            "new warning",
        )));
        Ok(Raised::New {
            warning,
            decision,
            deliveries,
        })
    }

    pub async fn get(&self, id: i64) -> Result<WarningRecord, WorkflowError> {
        self.store
            .get_warning(id)
            .await?
            .ok_or_else(|| WorkflowError::NotFound {
                what: format!("warning {id}"),
            })
    }

    /// The warning and its history, oldest first.
    pub async fn show(
        &self,
        id: i64,
    ) -> Result<(WarningRecord, Vec<TransitionRecord>), WorkflowError> {
        let w = self.get(id).await?;
        let h = self.store.history(id).await?;
        Ok((w, h))
    }

    pub async fn inbox(&self, filter: &InboxFilter) -> Result<Vec<WarningRecord>, WorkflowError> {
        Ok(self.store.inbox(filter).await?)
    }

    /// Performs an action on a warning: checks it against the state machine, routes on a level
    /// change, restarts the clock on a level change or a reopen, saves it under the version
    /// lock, appends the history entry, emits the event and notifies.
    pub async fn act(
        &self,
        id: i64,
        req: &Request,
        now: DateTime<Utc>,
    ) -> Result<Acted, WorkflowError> {
        if req.actor.trim().is_empty() {
            return Err(WorkflowError::BadInput(
                "who is acting? give a user name (--user NAME)".into(),
            ));
        }
        let w = self.get(id).await?;
        let expected = req.expected_version.unwrap_or(w.version);
        if expected != w.version {
            return Err(WorkflowError::Conflict {
                warning: id,
                expected,
                actual: w.version,
            });
        }
        let comment = trimmed(&req.comment);
        if req.action.needs_reason() && comment.is_none() {
            return Err(WorkflowError::ReasonRequired {
                action: req.action.name(),
            });
        }
        let before = Snapshot {
            state: w.state,
            level: w.level,
            assignee: w.assignee.clone(),
            disposition: w.disposition,
        };
        let mut next = machine::apply(&before, &req.action).map_err(|r| match r {
            Refusal::Illegal { allowed } => {
                WorkflowError::illegal(id, w.state, req.action.name(), &allowed)
            }
            Refusal::LevelLimit { up } => WorkflowError::level_limit(id, w.level, up),
            Refusal::BadInput(m) => WorkflowError::BadInput(m),
        })?;
        let level_changed = next.level != w.level;
        if level_changed {
            let routed = self.assignee_for(next.level, &w.department).await?;
            if routed.is_some() {
                next.assignee = routed;
                if next.state == WarningState::New {
                    next.state = WarningState::Assigned;
                }
            }
        }
        let today = beijing_day(now);
        let restart = level_changed || matches!(req.action, Action::Reopen);
        let deadline = if restart {
            self.config.sla.deadline(self.calendar, today, next.level)
        } else {
            w.deadline
        };
        let confirmed_at = match (req.action.clone(), next.state) {
            (Action::Reopen, _) => None,
            (_, WarningState::Confirmed) if w.state != WarningState::Confirmed => Some(now),
            _ => w.confirmed_at,
        };
        let change = WarningChange {
            state: next.state,
            level: next.level,
            assignee: next.assignee.clone(),
            disposition: next.disposition,
            deadline,
            confirmed_at,
            closed_at: next.state.is_closed().then_some(now),
            reset_reminder: restart,
        };
        let entry = TransitionRecord {
            warning_id: id,
            seq: 0,
            action: req.action.name().to_owned(),
            from_state: Some(w.state),
            to_state: next.state,
            from_level: Some(w.level),
            to_level: next.level,
            actor: req.actor.trim().to_owned(),
            at: now,
            comment,
            disposition: if next.disposition != w.disposition {
                next.disposition
            } else {
                None
            },
            attachments: req.attachments.clone(),
        };
        let saved = self
            .store
            .apply_change(id, expected, &change, &entry)
            .await
            .map_err(|e| match e {
                StoreError::Conflict {
                    expected, actual, ..
                } => WorkflowError::Conflict {
                    warning: id,
                    expected,
                    actual,
                },
                other => other.into(),
            })?;
        self.emit(
            id,
            &[TransitionRecord {
                seq: saved.version,
                ..entry.clone()
            }],
        )?;
        let notice = if level_changed {
            let (zh, en) = if next.level > w.level {
                ("升级", "escalated")
            } else {
                ("降级", "de-escalated")
            };
            Some(Notification::about(NoticeKind::Escalated, &saved, zh, en))
        } else {
            Some(Notification::about(
                NoticeKind::Transition,
                &saved,
                saved.state.name_zh(),
                saved.state.as_str(),
            ))
        };
        let deliveries = self.notify(notice);
        Ok(Acted {
            warning: saved,
            deliveries,
        })
    }

    /// Reminders for deadlines coming up, escalation of breached ones (by `system`), and a
    /// daily overdue notice at the committee. Safe to run as often as wanted: a reminder goes
    /// out once per deadline, an overdue notice once per day.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<SweepReport, WorkflowError> {
        let today = beijing_day(now);
        let sla = &self.config.sla;
        let horizon = self
            .calendar
            .add_working_days(today, sla.remind_days_before);
        let due = self.store.open_due_by(horizon, 100_000).await?;
        let mut report = SweepReport::default();
        for w in due {
            if today > w.deadline {
                if w.level.up().is_some() {
                    let req = Request::new(Action::Escalate, "system")
                        .comment(&format!(
                            "deadline {} passed (SLA breach) / 已超过办理期限 {}",
                            w.deadline, w.deadline
                        ))
                        .at_version(w.version);
                    match self.act(w.id, &req, now).await {
                        Ok(acted) => {
                            report.escalated.push(w.id);
                            report.deliveries.extend(acted.deliveries);
                        }
                        Err(WorkflowError::Conflict { .. }) => report.skipped.push(w.id),
                        Err(e) => return Err(e),
                    }
                } else if w.reminded_on != Some(today) {
                    self.store.mark_reminded(w.id, today).await?;
                    report.overdue_at_top.push(w.id);
                    let d = self.notify(Some(Notification::about(
                        NoticeKind::Overdue,
                        &w,
                        "已逾期",
                        "overdue",
                    )));
                    report.deliveries.extend(d);
                }
            } else if w.reminded_on.is_none()
                && sla.reminder_day(self.calendar, w.deadline) <= today
            {
                self.store.mark_reminded(w.id, today).await?;
                report.reminded.push(w.id);
                let d = self.notify(Some(Notification::about(
                    NoticeKind::Reminder,
                    &w,
                    "即将到期",
                    "deadline approaching",
                )));
                report.deliveries.extend(d);
            }
        }
        Ok(report)
    }

    /// The daily digest of a department's open warnings, sent through the matching channels.
    pub async fn digest(
        &self,
        department: &str,
        now: DateTime<Utc>,
    ) -> Result<(Notification, Vec<Delivery>), WorkflowError> {
        let open = self
            .store
            .inbox(&InboxFilter {
                department: Some(department.to_owned()),
                limit: 500,
                ..InboxFilter::default()
            })
            .await?;
        let n = Notification::digest(department, &open, beijing_day(now));
        let d = self.notify(Some(n.clone()));
        Ok((n, d))
    }

    /// Merges related warnings into one case (线索/案件).
    pub async fn merge(
        &self,
        ids: &[i64],
        title: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<CaseRecord, WorkflowError> {
        let mut uniq = ids.to_vec();
        uniq.sort_unstable();
        uniq.dedup();
        if uniq.len() < 2 {
            return Err(WorkflowError::BadInput(
                "merging needs at least two different warnings".into(),
            ));
        }
        if title.trim().is_empty() {
            return Err(WorkflowError::BadInput(
                "a case needs a title (--title \"…\")".into(),
            ));
        }
        for &id in &uniq {
            self.get(id).await?;
        }
        let case = self
            .store
            .merge_into_case(title.trim(), &uniq, actor, now)
            .await?;
        for &id in &uniq {
            let h = self.store.history(id).await?;
            if let Some(last) = h.last() {
                self.emit(id, std::slice::from_ref(last))?;
            }
        }
        Ok(case)
    }

    /// Takes warnings out of a case; with a title they form a new case.
    pub async fn split(
        &self,
        case_id: i64,
        ids: &[i64],
        new_title: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CaseRecord>, WorkflowError> {
        if ids.is_empty() {
            return Err(WorkflowError::BadInput(
                "name the warnings to take out of the case".into(),
            ));
        }
        let title = new_title.map(str::trim).filter(|t| !t.is_empty());
        let out = self
            .store
            .split_from_case(case_id, ids, title, actor, now)
            .await?;
        for &id in ids {
            let h = self.store.history(id).await?;
            if let Some(last) = h.last() {
                self.emit(id, std::slice::from_ref(last))?;
            }
        }
        Ok(out)
    }

    /// Suppresses a rule, a subject, or a rule on a subject until `until`, with a reason.
    pub async fn suppress(
        &self,
        target: &SuppressionTarget,
        reason: &str,
        until: DateTime<Utc>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Suppression, WorkflowError> {
        if target.source_id.is_none() && target.subject.is_none() {
            return Err(WorkflowError::BadInput(
                "say what to suppress: a rule (--rule ID), a subject (--subject KIND:ID), or both"
                    .into(),
            ));
        }
        if reason.trim().is_empty() {
            return Err(WorkflowError::ReasonRequired { action: "suppress" });
        }
        if until <= now {
            return Err(WorkflowError::BadInput(format!(
                "the expiry {until} is not in the future"
            )));
        }
        if until > now + Duration::days(366 * 3) {
            return Err(WorkflowError::BadInput(
                "a suppression may last at most three years; renew it when it expires".into(),
            ));
        }
        let (subject_kind, subject_id) = match &target.subject {
            Some((k, i)) => (Some(k.clone()), Some(i.clone())),
            None => (None, None),
        };
        Ok(self
            .store
            .add_suppression(&NewSuppression {
                source_id: target.source_id.clone(),
                subject_kind,
                subject_id,
                reason: reason.trim().to_owned(),
                created_by: actor.to_owned(),
                created_at: now,
                expires_at: until,
            })
            .await?)
    }

    pub async fn lift(
        &self,
        id: i64,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Suppression, WorkflowError> {
        if reason.trim().is_empty() {
            return Err(WorkflowError::ReasonRequired { action: "lift" });
        }
        Ok(self
            .store
            .lift_suppression(id, actor, reason.trim(), now)
            .await?)
    }

    /// Metrics of the warnings raised in `[from, to)`, as of `now`.
    pub async fn metrics(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Metrics, WorkflowError> {
        let rows = self.store.metric_rows(from, to).await?;
        Ok(metrics::compute(&rows, beijing_day(now)))
    }
}

impl<S> std::fmt::Debug for Workflow<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workflow")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
