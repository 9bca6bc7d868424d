//! The crate's error type and the bilingual text every error offers.
//!
//! Quarantine files and the web UI show a reason in Chinese and in English side by side, so
//! each error here has `message_zh()`, `message_en()` and a stable `code()` that reports can
//! group by. `Display` is the English text, so `?` into `anyhow` in the CLI still reads well.
//! The methods are inherent, so no import is needed; [`Bilingual`] offers the same three to
//! code that handles errors from several crates generically.

use crate::{category::CategoryError, date::DateError, ident::IdentError, money::AmountError};

/// Text for a user-facing error in both languages, and a stable machine code.
pub trait Bilingual {
    /// A stable, dotted code such as `amount.letter_o`; safe to store and to group by.
    fn code(&self) -> &'static str;
    /// The reason in Chinese, saying what to do.
    fn message_zh(&self) -> String;
    /// The reason in English, saying what to do.
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

macro_rules! delegate {
    ($self:ident, $method:ident) => {
        match $self {
            Error::Amount(e) => e.$method(),
            Error::Date(e) => e.$method(),
            Error::Ident(e) => e.$method(),
            Error::Category(e) => e.$method(),
        }
    };
}

impl Error {
    pub fn code(&self) -> &'static str {
        delegate!(self, code)
    }
    pub fn message_zh(&self) -> String {
        delegate!(self, message_zh)
    }
    pub fn message_en(&self) -> String {
        delegate!(self, message_en)
    }
}

/// The inherent methods, as a trait.
macro_rules! bilingual {
    ($($t:ty),*) => {$(
        impl Bilingual for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }
            fn message_zh(&self) -> String {
                <$t>::message_zh(self)
            }
            fn message_en(&self) -> String {
                <$t>::message_en(self)
            }
        }
    )*};
}

bilingual!(Error, AmountError, DateError, IdentError, CategoryError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_delegates() {
        let err: Error = crate::Money::parse("12,3O0").unwrap_err().into();
        let dynamic: &dyn Bilingual = &err;
        assert_eq!(dynamic.code(), "amount.letter_o");
        assert!(dynamic.message_zh().contains("字母 O"));
        assert_eq!(err.to_string(), dynamic.message_en());
    }
}
