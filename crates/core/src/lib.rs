//! The domain vocabulary of qinglian: money, dates, identifiers, pseudonyms and rule
//! categories, each parsed from the forms that Chinese office systems and hand-kept
//! spreadsheets actually contain, and rejected with a reason in Chinese and English that says
//! how to fix the cell.
//!
//! Core is pure: no IO, no async, no clock, no environment, no global state. Every other crate
//! may depend on it, so it stays small and its dependencies few.
//!
//! It is not the data exchange specification (which fields a dataset has, `spec`), not row
//! validation or quarantine (`ingest`), and not storage. It knows how to read one value, not
//! where values come from.
//!
//! - [`width`]: full-width to half-width folding, applied by every parser here.
//! - [`money`]: [`Money`] in fen and its parser.
//! - [`date`]: [`parse_date`] and [`parse_datetime`], Excel serials included.
//! - [`ident`]: resident identity numbers, USCCs, bank cards and accounts, phone numbers.
//! - [`pseudo`]: keyed, domain-separated pseudonyms for matching identifiers across datasets.
//! - [`category`]: the eight rule categories.
//! - [`calendar`]: mainland working days, holidays and swapped working days (table built in).
//! - [`finding`]: [`Finding`], the one shape every rule and model reports in.
//! - [`error`]: the crate's [`Error`] and the [`Bilingual`] text every error offers.

pub mod calendar;
pub mod category;
pub mod date;
pub mod error;
pub mod finding;
pub mod ident;
pub mod money;
pub mod pseudo;
pub mod width;

pub use category::{Category, CategoryError};
pub use date::{DateError, DateProblem, parse_date, parse_datetime};
pub use error::{Bilingual, Error};
pub use finding::{EvidenceRow, Finding, FindingSource, Severity, SourceKind, Subject};
pub use ident::{
    BankAccount, BankCard, IdentError, IdentType, Phone, ResidentId, Uscc, luhn_check_digit,
    luhn_valid, resident_id_check_char, uscc_check_char,
};
pub use money::{AmountError, AmountProblem, Money};
pub use pseudo::{IdentKind, Pseudonymiser};
pub use width::{fold_char, fold_width};
