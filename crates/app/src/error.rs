//! The application's error: user errors (bad input, wrong place, duplicate) apart from
//! internal ones, each with a message that says what to do.

use qinglian_ingest::IngestError;
use qinglian_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "{0} is not a qinglian workspace (no qinglian.toml); create one with `qinglian init {0}`"
    )]
    NotAWorkspace(String),
    #[error("{0} already holds a qinglian workspace")]
    AlreadyAWorkspace(String),
    #[error("unknown dataset '{name}'; datasets: {known}")]
    UnknownDataset { name: String, known: String },
    #[error(
        "this file was already imported into {dataset} as batch {batch} on {at} (same SHA-256); \
         pass --force to import it again / 该文件已导入过（批次 {batch}），如需重复导入请加 --force"
    )]
    Duplicate {
        dataset: String,
        batch: String,
        at: String,
    },
    #[error("configuration {path}: {reason}")]
    Config { path: String, reason: String },
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("ledger: {0}")]
    Ledger(#[from] qinglian_ledger::Error),
    /// A ledger or evidence command given something it cannot use (a key, an entry number).
    #[error("{0}")]
    LedgerInput(String),
    #[error(
        "batch {batch} was imported, but recording it in the ledger failed: {reason}. It is \
         recorded automatically the next time the workspace is opened (any qinglian command) / \
         批次已导入，但记入存证账本失败，下次打开工作区时自动补记"
    )]
    NotYetRecorded { batch: String, reason: String },
    #[error("the witness refused the checkpoint (HTTP {status}): {message}")]
    WitnessRefused { status: u16, message: String },
    /// A rule that cannot be read or run, an unknown rule id, a bad parameter.
    #[error(transparent)]
    Rules(#[from] qinglian_rules::RulesError),
    #[error("demo data: {0}")]
    Synth(String),
    /// A warning action refused (illegal transition, conflict, missing reason) or failed.
    #[error(transparent)]
    Workflow(#[from] qinglian_workflow::WorkflowError),
    #[error("internal error (this is a bug): {0}")]
    Internal(String),
}

impl AppError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// True when the user can fix the cause (exit code 2 in the CLI), false for faults.
    pub fn is_user_error(&self) -> bool {
        match self {
            Self::Ingest(e) => e.is_user_error(),
            Self::Workflow(e) => e.is_user_error(),
            Self::Rules(e) => e.is_user_error(),
            Self::Ledger(e) => matches!(
                e,
                qinglian_ledger::Error::OutOfRange(_)
                    | qinglian_ledger::Error::Bundle(_)
                    | qinglian_ledger::Error::Key(_)
                    | qinglian_ledger::Error::Locked { .. }
            ),
            // 409 without a size is a fork alarm, not a mistake in the command.
            Self::WitnessRefused { status, .. } => (400..500).contains(status) && *status != 409,
            Self::NotAWorkspace(_)
            | Self::AlreadyAWorkspace(_)
            | Self::UnknownDataset { .. }
            | Self::Duplicate { .. }
            | Self::Config { .. }
            | Self::LedgerInput(_) => true,
            _ => false,
        }
    }
}
