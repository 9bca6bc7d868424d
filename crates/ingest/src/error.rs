//! Errors of the import pipeline. User errors (the file is not what it claims, required
//! columns are missing) say what was expected; internal errors say they are bugs.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file cannot be read as the format it claims to be.
    #[error("{path}: {what} / {what_zh}")]
    BadFile {
        path: PathBuf,
        what: String,
        what_zh: String,
    },
    /// Required fields have no column in the file.
    #[error(
        "{path}: required columns missing for dataset {dataset}: {missing} (found headers: {found}); \
         add the columns or map them with --mapping / 缺少必填列：{missing}"
    )]
    MissingColumns {
        path: PathBuf,
        dataset: String,
        missing: String,
        found: String,
    },
    /// The mapping file is malformed or names fields that do not exist.
    #[error("mapping {path}: {what} / 映射文件错误：{what}")]
    BadMapping { path: PathBuf, what: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing the lake failed in a way the input cannot explain.
    #[error("internal error writing the lake (this is a bug): {0}")]
    Internal(String),
}

impl IngestError {
    pub(crate) fn bad_file(
        path: &std::path::Path,
        what: impl Into<String>,
        what_zh: impl Into<String>,
    ) -> Self {
        Self::BadFile {
            path: path.to_owned(),
            what: what.into(),
            what_zh: what_zh.into(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// True when the input is at fault (the user can fix it), false for bugs and IO faults.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::BadFile { .. } | Self::MissingColumns { .. } | Self::BadMapping { .. }
        )
    }
}

impl From<parquet::errors::ParquetError> for IngestError {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<arrow_schema::ArrowError> for IngestError {
    fn from(e: arrow_schema::ArrowError) -> Self {
        Self::Internal(e.to_string())
    }
}
