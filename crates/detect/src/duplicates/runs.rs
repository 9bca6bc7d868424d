//! Runs of consecutive invoice numbers held by one payee (连号发票).
//!
//! A restaurant or a shop issues its invoices to many customers, so one claimant holding
//! several numbers in a row, spent on different days, had them issued together — a pad of
//! invoices obtained at once and filled in afterwards. The amounts need not match (that is
//! the pair test's consecutive kind) and the days may lie far apart: the farther, the less
//! likely that nobody else got an invoice in between. Meant for claims, where the payee is
//! not the issuer; a small supplier with one customer numbers that customer's invoices
//! consecutively, so over supplier payments it is off (`Params::invoice_run_min` 0).

use super::{Payment, normalise_invoice};

/// One run: at least `invoice_run_min` consecutive numbers of one payee, on two or more days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRun {
    /// Input positions, in invoice-number order (a repeated number keeps all its rows).
    pub rows: Vec<usize>,
    /// Distinct invoice numbers in the run.
    pub numbers: usize,
    /// Distinct days the records carry.
    pub days: usize,
    /// First and last invoice number, as normalised.
    pub first: String,
    pub last: String,
}

/// An invoice number split into what stays fixed along a pad (letters before the digits, the
/// digits' width) and its serial number.
fn serial(invoice: &str) -> Option<(String, usize, u128)> {
    let digits = invoice.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 38 {
        return None;
    }
    let (prefix, number) = invoice.split_at(invoice.len() - digits);
    Some((prefix.to_owned(), digits, number.parse().ok()?))
}

/// The runs among `payments` with at least `min_run` consecutive numbers (none when
/// `min_run` < 2), ordered by their first row.
pub fn invoice_runs(payments: &[Payment<'_>], min_run: usize) -> Vec<InvoiceRun> {
    if min_run < 2 {
        return Vec::new();
    }
    let mut keyed: Vec<((&str, String, usize), u128, usize)> = payments
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let inv = normalise_invoice(p.invoice?);
            let (prefix, width, n) = serial(&inv)?;
            Some(((p.payee.trim(), prefix, width), n, i))
        })
        .collect();
    keyed.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=keyed.len() {
        let continues = end < keyed.len()
            && keyed[end].0 == keyed[start].0
            && keyed[end].1 <= keyed[end - 1].1 + 1;
        if continues {
            continue;
        }
        let run = &keyed[start..end];
        let mut numbers: Vec<u128> = run.iter().map(|r| r.1).collect();
        numbers.dedup();
        let mut days: Vec<_> = run.iter().map(|r| payments[r.2].date).collect();
        days.sort_unstable();
        days.dedup();
        if numbers.len() >= min_run && days.len() >= 2 {
            let invoice = |r: &(_, _, usize)| {
                normalise_invoice(payments[r.2].invoice.unwrap_or_default()).into_owned()
            };
            out.push(InvoiceRun {
                rows: run.iter().map(|r| r.2).collect(),
                numbers: numbers.len(),
                days: days.len(),
                first: invoice(&run[0]),
                last: invoice(&run[run.len() - 1]),
            });
        }
        start = end;
    }
    out.sort_by_key(|r| r.rows.iter().min().copied());
    out
}
