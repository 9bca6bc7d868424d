//! The workflow's error: user errors (an illegal transition, a stale version, a missing reason,
//! bad input) apart from internal ones (the store failed, the ledger hook failed), each saying
//! what to do, in English and Chinese.

use qinglian_core::Bilingual;
use qinglian_store::{Level, StoreError, WarningState};

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The action is not allowed from the warning's state.
    #[error(
        "warning {warning} is {state}: `{action}` is not allowed from there. Allowed now: {allowed}"
    )]
    IllegalTransition {
        warning: i64,
        state: &'static str,
        action: &'static str,
        /// The actions that are allowed from this state, comma-separated.
        allowed: String,
    },
    /// Escalating past the committee or de-escalating below the department.
    #[error("warning {warning} is already at {level}: it cannot go {direction}")]
    LevelLimit {
        warning: i64,
        level: &'static str,
        direction: &'static str,
    },
    /// Someone else changed the warning first (optimistic locking).
    #[error(
        "warning {warning} was changed by someone else meanwhile (now version {actual}, you \
         acted on version {expected}); look at it again with `qinglian warnings show {warning}` \
         and retry if the action still makes sense"
    )]
    Conflict {
        warning: i64,
        expected: i64,
        actual: i64,
    },
    #[error("{what} does not exist; list warnings with `qinglian warnings list`")]
    NotFound { what: String },
    /// An action that needs a reason was given none.
    #[error("{action} needs a reason: pass --reason \"…\" saying why")]
    ReasonRequired { action: &'static str },
    /// A value that cannot be used (unknown level, empty name, expiry in the past …).
    #[error("{0}")]
    BadInput(String),
    /// The configuration of the workflow is inconsistent.
    #[error("warnings configuration: {0}")]
    Config(String),
    /// The operational store failed (not a user error).
    #[error(transparent)]
    Store(StoreError),
    /// The transition was saved but the event hook (the evidence ledger) failed.
    #[error(
        "warning {warning}: the change was saved, but recording it as an event failed: {reason}. \
         Run `qinglian ledger verify` and report this (it is a fault, not a mistake of yours)"
    )]
    Event { warning: i64, reason: String },
}

impl From<StoreError> for WorkflowError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict {
                what,
                expected,
                actual,
            } => {
                let warning = what
                    .rsplit(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_default();
                Self::Conflict {
                    warning,
                    expected,
                    actual,
                }
            }
            StoreError::NotFound(what) => Self::NotFound { what },
            other => Self::Store(other),
        }
    }
}

impl WorkflowError {
    /// True when the person acting can fix the cause (CLI exit code 2), false for faults.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Store(_) | Self::Event { .. })
    }

    pub(crate) fn level_limit(warning: i64, level: Level, up: bool) -> Self {
        Self::LevelLimit {
            warning,
            level: level.as_str(),
            direction: if up { "up" } else { "down" },
        }
    }

    pub(crate) fn illegal(
        warning: i64,
        state: WarningState,
        action: &'static str,
        allowed: &[&'static str],
    ) -> Self {
        Self::IllegalTransition {
            warning,
            state: state.as_str(),
            action,
            allowed: if allowed.is_empty() {
                "nothing".to_owned()
            } else {
                allowed.join(", ")
            },
        }
    }
}

impl Bilingual for WorkflowError {
    fn code(&self) -> &'static str {
        match self {
            Self::IllegalTransition { .. } => "warning.illegal_transition",
            Self::LevelLimit { .. } => "warning.level_limit",
            Self::Conflict { .. } => "warning.conflict",
            Self::NotFound { .. } => "warning.not_found",
            Self::ReasonRequired { .. } => "warning.reason_required",
            Self::BadInput(_) => "warning.bad_input",
            Self::Config(_) => "warning.config",
            Self::Store(_) => "warning.store",
            Self::Event { .. } => "warning.event",
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::IllegalTransition {
                warning,
                state,
                action,
                allowed,
            } => {
                let st = WarningState::parse(state).map_or(*state, WarningState::name_zh);
                format!(
                    "预警 {warning} 当前状态为「{st}」，不能执行 {action}；当前可执行：{allowed}"
                )
            }
            Self::LevelLimit {
                warning, direction, ..
            } => {
                let d = if *direction == "up" {
                    "已是三级预警，不能再升级"
                } else {
                    "已是一级预警，不能再降级"
                };
                format!("预警 {warning} {d}")
            }
            Self::Conflict {
                warning,
                expected,
                actual,
            } => format!(
                "预警 {warning} 已被他人修改（当前版本 {actual}，您操作的是版本 {expected}），请重新查看后再操作"
            ),
            Self::NotFound { what } => format!("{what} 不存在，可用 `qinglian warnings list` 查看"),
            Self::ReasonRequired { action } => format!("{action} 必须填写理由（--reason）"),
            Self::BadInput(m) => format!("输入有误：{m}"),
            Self::Config(m) => format!("预警配置有误：{m}"),
            Self::Store(e) => format!("数据库错误（系统故障）：{e}"),
            Self::Event { warning, reason } => format!(
                "预警 {warning} 的变更已保存，但记入存证账本失败：{reason}；请运行 `qinglian ledger verify` 并报告"
            ),
        }
    }

    fn message_en(&self) -> String {
        self.to_string()
    }
}
