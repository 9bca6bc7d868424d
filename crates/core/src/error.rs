//! The crate's error type and the bilingual text every error offers.
//!
//! Quarantine files and the web UI show a reason in Chinese and in English side by side, so each
//! error here can render both, plus a stable `code` that reports can group by. `Display` is the
//! English text, so `?` into `anyhow` in the CLI still reads well.

use crate::{
    category::CategoryError, date::DateError, ident::IdentError, money::AmountError,
};

/// Text for a user-facing error in both languages, and a stable machine code.
pub trait Bilingual {
    /// A stable, dotted code such as `amount.letter_o`; safe to store and to group by.
    fn code(&self) -> &'static str;
    /// The reason in Chinese, telling the user what to do.
    fn message_zh(&self) -> String;
    /// The reason in English, telling the user what to do.
    fn message_en(&self) -> String;
}

/// Any error this crate returns. Every variant is a user error (bad input), never a bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Date(#[from] DateError),
    #[error(transparent)]
    Ident(#[from] IdentError),
    #[error(transparent)]
    Category(#[from] CategoryError),
}

impl Error {
    fn inner(&self) -> &dyn Bilingual {
        match self {
            Error::Amount(e) => e,
            Error::Date(e) => e,
            Error::Ident(e) => e,
            Error::Category(e) => e,
        }
    }
}

impl Bilingual for Error {
    fn code(&self) -> &'static str {
        self.inner().code()
    }
    fn message_zh(&self) -> String {
        self.inner().message_zh()
    }
    fn message_en(&self) -> String {
        self.inner().message_en()
    }
}
