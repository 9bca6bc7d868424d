//! Duplicate and near-duplicate payments and claims (MOD-DUPLICATE).
//!
//! Pairs of records with the same payee and:
//! - the same invoice number (after normalisation), within `invoice_window_days` — the same
//!   invoice paid or claimed twice;
//! - the same amount and invoice numbers that differ by one typo — one character substituted,
//!   inserted or deleted, or two neighbours swapped (optimal-string-alignment distance 1) —
//!   within `invoice_window_days`; numbers that are consecutive integers are reported apart
//!   as consecutive invoices (a split or a pad of invoices, not a re-keyed one);
//! - the same amount within `window_days` (Nigrini's same-same-same test), whatever the
//!   invoice.
//!
//! Each pair is reported once, under its strongest kind. Apart from the pairs, runs of
//! `invoice_run_min` or more consecutive invoice numbers held by one payee ([`invoice_runs`],
//! for claims) are reported once per run.

mod findings;
mod runs;
#[cfg(test)]
mod tests;

pub use findings::{findings, run_findings};
pub use runs::{InvoiceRun, invoice_runs};

use std::borrow::Cow;

use chrono::Datelike;

use crate::hash::FxMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MODEL_ID: &str = "MOD-DUPLICATE";
pub const VERSION: &str = "1.0.0";

/// One payment or claim line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment<'a> {
    /// Payee (company id, account pseudonym or claimant): what "same payee" compares.
    pub payee: &'a str,
    pub amount_fen: i64,
    pub date: NaiveDate,
    pub invoice: Option<&'a str>,
}

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Same payee and amount within this many days. Default 14 (monthly fixed payments stay
    /// out).
    pub window_days: i64,
    /// Same or near-same invoice number within this many days. Default 366.
    pub invoice_window_days: i64,
    /// Records below this amount (fen) are ignored. Default 0.
    pub min_amount_fen: i64,
    /// Report consecutive invoice numbers with the same amount. Default true.
    pub consecutive_invoices: bool,
    /// Report runs of at least this many consecutive invoice numbers of one payee, whatever
    /// the amounts and days ([`invoice_runs`]). Default 0: off (suits claims, not supplier
    /// payments).
    pub invoice_run_min: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            window_days: 14,
            invoice_window_days: 366,
            min_amount_fen: 0,
            consecutive_invoices: true,
            invoice_run_min: 0,
        }
    }
}

/// Why two records look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateKind {
    /// Same payee, same invoice number.
    SameInvoice,
    /// Same payee and amount, invoice numbers one typo apart.
    InvoiceTypo,
    /// Same payee and amount, consecutive invoice numbers.
    ConsecutiveInvoices,
    /// Same payee and amount within the window.
    SameAmount,
    /// A run of consecutive invoice numbers of one payee (reported per run, not per pair).
    InvoiceRun,
}

impl DuplicateKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::SameInvoice => "同一发票号重复",
            Self::InvoiceTypo => "发票号仅差一个字符",
            Self::ConsecutiveInvoices => "连号发票同金额",
            Self::SameAmount => "短期内同收款人同金额",
            Self::InvoiceRun => "连号发票",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::SameInvoice => "same invoice number",
            Self::InvoiceTypo => "invoice numbers one typo apart",
            Self::ConsecutiveInvoices => "consecutive invoice numbers, same amount",
            Self::SameAmount => "same payee and amount within the window",
            Self::InvoiceRun => "a run of consecutive invoice numbers",
        }
    }
}

/// A pair of records (input positions, `first < second`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub first: usize,
    pub second: usize,
    pub kind: DuplicateKind,
    pub days_apart: i64,
}

/// Invoice number as compared: width folded, upper case, spaces and dashes removed.
/// Borrows when the number is already in that form (digits and capitals).
pub fn normalise_invoice(s: &str) -> Cow<'_, str> {
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        qinglian_core::fold_width(s)
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '/' | '.'))
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transposition), computed
/// only up to `limit`: returns `limit + 1` as soon as the distance must exceed it.
pub fn osa_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = i;
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return limit + 1;
        }
    }
    d[a.len() * w + b.len()].min(limit + 1)
}

fn consecutive(a: &str, b: &str) -> bool {
    if a.len() != b.len() || a.is_empty() || !a.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.abs_diff(y) == 1,
        _ => false,
    }
}

/// Finds the duplicate pairs among `payments`, sorted by position.
///
/// Rows are grouped by sorting compact keys (payee and invoice interned to integers, dates
/// as day numbers) rather than by a map of vectors: ten million payments then cost a sort,
/// not ten million small allocations.
pub fn find(payments: &[Payment<'_>], p: &Params) -> Vec<DuplicatePair> {
    let invoices: Vec<Option<Cow<'_, str>>> = payments
        .iter()
        .map(|x| x.invoice.map(normalise_invoice).filter(|s| !s.is_empty()))
        .collect();
    let day: Vec<i32> = payments.iter().map(|x| x.date.num_days_from_ce()).collect();
    let mut payee_ids: FxMap<&str, u32> = FxMap::default();
    let mut invoice_ids: FxMap<&str, u32> = FxMap::default();
    let mut by_invoice: Vec<(u32, u32, i32, u32)> = Vec::new();
    let mut by_amount: Vec<(u32, i64, i32, u32)> = Vec::with_capacity(payments.len());
    for (i, x) in payments.iter().enumerate() {
        if x.amount_fen < p.min_amount_fen {
            continue;
        }
        let n = payee_ids.len() as u32;
        let pid = *payee_ids.entry(x.payee.trim()).or_insert(n);
        if let Some(inv) = &invoices[i] {
            let n = invoice_ids.len() as u32;
            let iid = *invoice_ids.entry(inv.as_ref()).or_insert(n);
            by_invoice.push((pid, iid, day[i], i as u32));
        }
        by_amount.push((pid, x.amount_fen, day[i], i as u32));
    }
    let mut best: FxMap<(usize, usize), DuplicatePair> = FxMap::default();
    let mut put = |i: usize, j: usize, kind: DuplicateKind| {
        let (first, second) = (i.min(j), i.max(j));
        let days_apart = i64::from((day[second] - day[first]).abs());
        let e = best.entry((first, second)).or_insert(DuplicatePair {
            first,
            second,
            kind,
            days_apart,
        });
        e.kind = e.kind.min(kind);
    };
    // Same payee, same invoice.
    by_invoice.sort_unstable();
    for_runs(
        &by_invoice,
        |r| (r.0, r.1),
        |r| r.2,
        p.invoice_window_days,
        |i, j| {
            put(i, j, DuplicateKind::SameInvoice);
        },
    );
    // Same payee and amount: near invoices and the short window.
    by_amount.sort_unstable();
    let horizon = p.window_days.max(p.invoice_window_days);
    for_runs(
        &by_amount,
        |r| (r.0, r.1),
        |r| r.2,
        horizon,
        |i, j| {
            let days = i64::from((day[j] - day[i]).abs());
            if let (Some(a), Some(b)) = (&invoices[i], &invoices[j])
                && a != b
                && days <= p.invoice_window_days
            {
                if consecutive(a, b) {
                    if p.consecutive_invoices {
                        put(i, j, DuplicateKind::ConsecutiveInvoices);
                    }
                } else if osa_distance(a, b, 1) == 1 {
                    put(i, j, DuplicateKind::InvoiceTypo);
                }
            }
            if days <= p.window_days {
                put(i, j, DuplicateKind::SameAmount);
            }
        },
    );
    let mut out: Vec<DuplicatePair> = best.into_values().collect();
    out.sort_by_key(|d| (d.first, d.second));
    out
}

/// For rows sorted by (key, day, position) — the last field of the tuple is the position:
/// calls `f(i, j)` for every pair of positions with equal keys at most `days` apart.
fn for_runs<A: PartialEq + Copy, B: PartialEq + Copy>(
    rows: &[(u32, A, i32, u32)],
    key: impl Fn(&(u32, A, i32, u32)) -> (u32, B),
    day: impl Fn(&(u32, A, i32, u32)) -> i32,
    days: i64,
    mut f: impl FnMut(usize, usize),
) {
    let mut start = 0;
    while start < rows.len() {
        let k = key(&rows[start]);
        let mut end = start + 1;
        while end < rows.len() && key(&rows[end]) == k {
            end += 1;
        }
        for a in start..end {
            for b in a + 1..end {
                if i64::from(day(&rows[b]) - day(&rows[a])) > days {
                    break;
                }
                f(rows[a].3 as usize, rows[b].3 as usize);
            }
        }
        start = end;
    }
}
