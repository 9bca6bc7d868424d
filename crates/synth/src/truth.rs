//! Ground truth: every injected anomaly and every honest look-alike, with the rows that
//! show it, written to `ground_truth.jsonl`.
//!
//! Rows are named by dataset and key value (composite keys joined with `|` in the spec's
//! key order). Payments get their ids only when written, so they are referenced by
//! index until then.

use serde::Serialize;

/// The eight rule categories of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Category {
    DEC,
    PRO,
    FUN,
    EXP,
    PER,
    COI,
    AST,
    CON,
}

/// A reference to a row of a written dataset.
#[derive(Clone, Debug)]
pub enum RowRef {
    Key {
        dataset: &'static str,
        key: String,
    },
    /// Index into the structured payments (resolved to a payment_id at write time).
    Payment(usize),
}

impl RowRef {
    pub fn of<R: crate::writer::Record>(r: &R) -> Self {
        Self::Key {
            dataset: R::DATASET,
            key: r.key(),
        }
    }
}

/// One labelled instance.
#[derive(Clone, Debug)]
pub struct Instance {
    pub kind: &'static str,
    pub category: Category,
    pub description_zh: String,
    pub subject_type: &'static str,
    pub subject_id: String,
    pub rows: Vec<RowRef>,
    pub lookalike: bool,
}

/// The serialised form of one line of `ground_truth.jsonl`.
#[derive(Serialize)]
pub struct TruthLine<'a> {
    pub id: String,
    pub kind: &'a str,
    pub category: Category,
    pub description_zh: &'a str,
    pub subject: Subject<'a>,
    pub rows: Vec<TruthRow<'a>>,
    pub lookalike: bool,
}

#[derive(Serialize)]
pub struct Subject<'a> {
    #[serde(rename = "type")]
    pub ty: &'a str,
    pub id: &'a str,
}

#[derive(Serialize)]
pub struct TruthRow<'a> {
    pub dataset: &'a str,
    pub key: String,
}

/// Category of a kind, from its prefix (`dec_…` → DEC).
pub fn category_of(kind: &str) -> Category {
    match kind.split('_').next().unwrap_or_default() {
        "dec" => Category::DEC,
        "pro" => Category::PRO,
        "fun" => Category::FUN,
        "exp" => Category::EXP,
        "per" => Category::PER,
        "coi" => Category::COI,
        "ast" => Category::AST,
        "con" => Category::CON,
        _ => panic!("anomaly kind {kind} has no category prefix (this is a bug)"),
    }
}
