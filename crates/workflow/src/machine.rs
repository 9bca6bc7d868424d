//! The state machine of a warning, as a pure function: a snapshot and an action give the next
//! snapshot or the reason the action is not allowed.
//!
//! ```text
//! new ─assign─▶ assigned ─respond─▶ responded ─verify─▶ verifying ─close(false positive code)─▶ closed_false_positive
//!                   │ (level ≥ 2) ──────verify───────────▶   │
//!                   │                                        └─confirm─▶ confirmed ─rectify─▶ rectification ─close─▶ closed
//!                   │                                                        └─close(referred)────────────────────▶ closed
//! escalate / de-escalate (with a reason): any open state; the level changes, the assignee is
//!   cleared (routing picks the next one) and an assigned warning goes back to new.
//! reopen (with a reason): a closed warning goes back to verifying, its disposition cleared.
//! ```

use qinglian_store::{Disposition, Level, WarningState};
use serde::Serialize;

/// What a person (or the platform) does to a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Hand the warning to someone (first assignment or reassignment).
    Assign {
        to: String,
    },
    /// The department explains or reports its rectification.
    Respond,
    /// An inspector starts verifying (核查).
    Verify,
    /// Verification found a real problem.
    Confirm,
    /// Start fixing the cause (整改).
    Rectify,
    /// Close with a reason code: a false-positive code or `duplicate` from verifying,
    /// `rectified` from rectification, `referred` from confirmed.
    Close {
        code: Disposition,
    },
    Escalate,
    DeEscalate,
    Reopen,
}

impl Action {
    /// The action's name, as the CLI and the history write it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Respond => "respond",
            Self::Verify => "verify",
            Self::Confirm => "confirm",
            Self::Rectify => "rectify",
            Self::Close { .. } => "close",
            Self::Escalate => "escalate",
            Self::DeEscalate => "de-escalate",
            Self::Reopen => "reopen",
        }
    }

    /// Escalate, de-escalate and reopen must say why.
    pub fn needs_reason(&self) -> bool {
        matches!(self, Self::Escalate | Self::DeEscalate | Self::Reopen)
    }
}

/// The part of a warning the machine looks at and changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub state: WarningState,
    pub level: Level,
    pub assignee: Option<String>,
    pub disposition: Option<Disposition>,
}

/// Why an action was refused (the caller adds the warning's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not allowed from this state; `allowed` lists what is.
    Illegal { allowed: Vec<&'static str> },
    /// Already at the top (`up`) or bottom level.
    LevelLimit { up: bool },
    /// The action's input is wrong (e.g. the wrong reason code for this close).
    BadInput(String),
}

/// The action names allowed from a state (ignoring level limits and inputs).
pub fn allowed(state: WarningState, level: Level) -> Vec<&'static str> {
    use WarningState::*;
    let mut out: Vec<&'static str> = match state {
        New => vec!["assign"],
        Assigned if level >= Level::Inspector => vec!["assign", "respond", "verify"],
        Assigned => vec!["assign", "respond"],
        Responded => vec!["assign", "verify"],
        Verifying => vec!["assign", "confirm", "close"],
        Confirmed => vec!["rectify", "close"],
        Rectification => vec!["close"],
        ClosedFalsePositive | Closed => vec!["reopen"],
    };
    if !state.is_closed() {
        if level.up().is_some() {
            out.push("escalate");
        }
        if level.down().is_some() {
            out.push("de-escalate");
        }
    }
    out
}

/// The next snapshot, or why the action is refused.
pub fn apply(s: &Snapshot, action: &Action) -> Result<Snapshot, Refusal> {
    use WarningState::*;
    let illegal = || Refusal::Illegal {
        allowed: allowed(s.state, s.level),
    };
    let mut next = s.clone();
    match action {
        Action::Assign { to } => {
            if to.trim().is_empty() {
                return Err(Refusal::BadInput(
                    "assign needs the name of a person (--to NAME)".into(),
                ));
            }
            match s.state {
                New | Assigned => next.state = Assigned,
                Responded | Verifying => {}
                _ => return Err(illegal()),
            }
            next.assignee = Some(to.trim().to_owned());
        }
        Action::Respond => match s.state {
            Assigned => next.state = Responded,
            _ => return Err(illegal()),
        },
        Action::Verify => match s.state {
            Responded => next.state = Verifying,
            Assigned if s.level >= Level::Inspector => next.state = Verifying,
            _ => return Err(illegal()),
        },
        Action::Confirm => match s.state {
            Verifying => {
                next.state = Confirmed;
                next.disposition = Some(Disposition::Confirmed);
            }
            _ => return Err(illegal()),
        },
        Action::Rectify => match s.state {
            Confirmed => next.state = Rectification,
            _ => return Err(illegal()),
        },
        Action::Close { code } => match (s.state, *code) {
            (Verifying, c) if c.is_false_positive() || c == Disposition::Duplicate => {
                next.state = ClosedFalsePositive;
                next.disposition = Some(c);
            }
            (Verifying, c) => {
                return Err(Refusal::BadInput(format!(
                    "a warning under verification closes with a false-positive code \
                     (data_error, legitimate, rule_too_broad) or duplicate, not {}; \
                     to confirm it use `confirm`",
                    c.as_str()
                )));
            }
            (Rectification, Disposition::Rectified) => {
                next.state = Closed;
                next.disposition = Some(Disposition::Rectified);
            }
            (Confirmed, Disposition::Referred) => {
                next.state = Closed;
                next.disposition = Some(Disposition::Referred);
            }
            (Rectification | Confirmed, c) => {
                let need = if s.state == Rectification {
                    "rectified"
                } else {
                    "referred (or start rectification with `rectify`)"
                };
                return Err(Refusal::BadInput(format!(
                    "a {} warning closes with the code {need}, not {}",
                    s.state.as_str(),
                    c.as_str()
                )));
            }
            _ => return Err(illegal()),
        },
        Action::Escalate | Action::DeEscalate => {
            if s.state.is_closed() {
                return Err(illegal());
            }
            let up = matches!(action, Action::Escalate);
            next.level =
                if up { s.level.up() } else { s.level.down() }.ok_or(Refusal::LevelLimit { up })?;
            next.assignee = None;
            if s.state == Assigned {
                next.state = New;
            }
        }
        Action::Reopen => match s.state {
            ClosedFalsePositive | Closed => {
                next.state = Verifying;
                next.disposition = None;
            }
            _ => return Err(illegal()),
        },
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn snap(state: WarningState, level: Level) -> Snapshot {
        Snapshot {
            state,
            level,
            assignee: None,
            disposition: None,
        }
    }

    fn run(mut s: Snapshot, actions: &[Action]) -> Result<Snapshot, (usize, Refusal)> {
        for (i, a) in actions.iter().enumerate() {
            s = apply(&s, a).map_err(|e| (i, e))?;
        }
        Ok(s)
    }

    #[test]
    fn the_happy_path_to_rectified() {
        let s = run(
            snap(WarningState::New, Level::Department),
            &[
                Action::Assign {
                    to: "李四".into()
                },
                Action::Respond,
                Action::Verify,
                Action::Confirm,
                Action::Rectify,
                Action::Close {
                    code: Disposition::Rectified,
                },
            ],
        )
        .unwrap();
        assert_eq!(s.state, WarningState::Closed);
        assert_eq!(s.disposition, Some(Disposition::Rectified));
        assert_eq!(s.assignee.as_deref(), Some("李四"));
    }

    #[test]
    fn false_positive_then_reopen() {
        let s = run(
            snap(WarningState::Responded, Level::Department),
            &[
                Action::Verify,
                Action::Close {
                    code: Disposition::RuleTooBroad,
                },
            ],
        )
        .unwrap();
        assert_eq!(s.state, WarningState::ClosedFalsePositive);
        let s = apply(&s, &Action::Reopen).unwrap();
        assert_eq!(s.state, WarningState::Verifying);
        assert_eq!(s.disposition, None);
    }

    #[test]
    fn illegal_moves_name_what_is_allowed() {
        let e = apply(
            &snap(WarningState::New, Level::Department),
            &Action::Respond,
        )
        .unwrap_err();
        assert_eq!(
            e,
            Refusal::Illegal {
                allowed: vec!["assign", "escalate"]
            }
        );
        // Skipping the department response is only for inspectors and the committee.
        assert!(
            apply(
                &snap(WarningState::Assigned, Level::Department),
                &Action::Verify
            )
            .is_err()
        );
        assert_eq!(
            apply(
                &snap(WarningState::Assigned, Level::Inspector),
                &Action::Verify
            )
            .unwrap()
            .state,
            WarningState::Verifying
        );
        let e = apply(
            &snap(WarningState::Verifying, Level::Inspector),
            &Action::Close {
                code: Disposition::Rectified,
            },
        )
        .unwrap_err();
        assert!(matches!(e, Refusal::BadInput(m) if m.contains("false-positive")));
        assert!(
            apply(
                &snap(WarningState::New, Level::Department),
                &Action::Assign { to: "  ".into() }
            )
            .is_err()
        );
    }

    #[test]
    fn levels_stop_at_the_ends() {
        assert_eq!(
            apply(
                &snap(WarningState::New, Level::Committee),
                &Action::Escalate
            )
            .unwrap_err(),
            Refusal::LevelLimit { up: true }
        );
        assert_eq!(
            apply(
                &snap(WarningState::New, Level::Department),
                &Action::DeEscalate
            )
            .unwrap_err(),
            Refusal::LevelLimit { up: false }
        );
        let mut s = snap(WarningState::Assigned, Level::Department);
        s.assignee = Some("a".into());
        let up = apply(&s, &Action::Escalate).unwrap();
        assert_eq!(
            (up.state, up.level, up.assignee),
            (WarningState::New, Level::Inspector, None)
        );
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            "[a-c]{0,2}".prop_map(|to| Action::Assign { to }),
            Just(Action::Respond),
            Just(Action::Verify),
            Just(Action::Confirm),
            Just(Action::Rectify),
            proptest::sample::select(Disposition::ALL.to_vec())
                .prop_map(|code| Action::Close { code }),
            Just(Action::Escalate),
            Just(Action::DeEscalate),
            Just(Action::Reopen),
        ]
    }

    proptest! {
        /// Whatever people do, a warning stays consistent: closed ones carry a disposition
        /// of the right kind, open unverified ones none, confirmed ones a true positive; only
        /// reopen leaves a closed state; refusals change nothing and list real options.
        #[test]
        fn invariants_hold_under_any_sequence(actions in proptest::collection::vec(any_action(), 0..40)) {
            let mut s = snap(WarningState::New, Level::Department);
            for a in &actions {
                match apply(&s, a) {
                    Ok(next) => {
                        if s.state.is_closed() {
                            prop_assert_eq!(a, &Action::Reopen);
                        }
                        prop_assert!(allowed(s.state, s.level).contains(&a.name()));
                        s = next;
                    }
                    Err(Refusal::Illegal { allowed: names }) => {
                        prop_assert!(!names.contains(&a.name()));
                        prop_assert_eq!(names, allowed(s.state, s.level));
                    }
                    Err(_) => {}
                }
                match s.state {
                    WarningState::ClosedFalsePositive => prop_assert!(s.disposition.is_some_and(|d| d.is_false_positive() || d == Disposition::Duplicate)),
                    WarningState::Closed => prop_assert!(s.disposition.is_some_and(Disposition::is_true_positive)),
                    WarningState::Confirmed | WarningState::Rectification => prop_assert_eq!(s.disposition, Some(Disposition::Confirmed)),
                    _ => prop_assert_eq!(s.disposition, None),
                }
                if matches!(s.state, WarningState::New) {
                    prop_assert!(s.assignee.is_none());
                }
            }
        }
    }
}
