//! The rules crate's one error type. Problems with a rule (its TOML, its SQL, a parameter)
//! name the rule file and say what to change; internal faults say they are bugs.

/// Anything the rule base can get wrong.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A rule file that cannot be read as a rule: bad TOML, missing SQL, wrong id.
    #[error("{file}: {reason}")]
    Definition { file: String, reason: String },
    /// A parameter value (from qinglian.toml or a fixture) of the wrong type or unknown.
    #[error("rule {rule}, parameter `{param}`: {reason}")]
    Parameter {
        rule: String,
        param: String,
        reason: String,
    },
    /// The rule's SQL did not plan or run (syntax, unknown table or column, type error).
    #[error("{file}: the SQL failed: {reason}")]
    Sql { file: String, reason: String },
    /// The SQL ran but its result does not have what the rule's TOML says it returns.
    #[error("{file}: {reason}")]
    Result { file: String, reason: String },
    /// A rule id that no pack holds.
    #[error("no rule '{0}'; `qinglian rules list` shows the rule ids")]
    UnknownRule(String),
    /// A fixture file that cannot be read.
    #[error("{file}: fixture {case}: {reason}")]
    Fixture {
        file: String,
        case: String,
        reason: String,
    },
    /// A lake file or folder that could not be read.
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error("internal error in the rules engine (this is a bug): {0}")]
    Internal(String),
}

impl RulesError {
    /// True when the person can fix the cause (a rule file, a parameter, a rule id).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Internal(_) | Self::Io { .. })
    }
}
