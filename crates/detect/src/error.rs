//! The crate's one error type. Detectors are pure and mostly infallible; what can fail is
//! what a caller hands in (slices of different lengths, a parameter out of range) and the
//! bid-evaluation harness's reading of CSV files and model files.

use std::path::PathBuf;

/// What went wrong, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// Two slices that must describe the same rows have different lengths.
    #[error(
        "{what}: expected {expected} entries (one per input row), got {got}; this is a bug in the caller"
    )]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// A parameter outside its valid range.
    #[error("parameter {name}: {reason}")]
    InvalidParam { name: &'static str, reason: String },
    /// Not enough data to fit a model (e.g. only one class in the labels).
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// A CSV column named on the command line is not in the file's header.
    #[error(
        "{path}: no column '{column}' (the header has: {available}); pass the column name exactly as written in the header"
    )]
    MissingColumn {
        path: String,
        column: String,
        available: String,
    },
    /// A CSV cell that could not be read.
    #[error("{path}, line {line}, column {column}: {reason}")]
    BadCell {
        path: String,
        line: u64,
        column: String,
        reason: String,
    },
    /// The CSV itself is malformed.
    #[error("{path}: {source}")]
    Csv {
        path: String,
        #[source]
        source: csv::Error,
    },
    /// A model file that does not parse or does not match this version.
    #[error("model: {0}")]
    Model(String),
    /// Reading or writing a file.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Result with [`DetectError`].
pub type Result<T, E = DetectError> = std::result::Result<T, E>;

/// Fails with [`DetectError::LengthMismatch`] unless `got == expected`.
pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(DetectError::LengthMismatch {
            what,
            expected,
            got,
        })
    }
}
