//! `bid_cases.csv`: the bids of past tenders whose investigations are closed, each
//! labelled collusive or not — the labelled cases an office trains the supervised bid
//! scorer (MOD-SCORER) on with `qinglian bids train`. Not a dataset of the exchange
//! specification and not imported into the lake; the demo trains its scorer from it.
//!
//! Competitive tenders are priced exactly as the current ones (`procurement::losing_bid`);
//! collusive ones carry cover prices 0.2–1.5 % above the designated winner, a wider range
//! than the current year's injected cases so that the model is not fitted to one range.

use std::io::Write;
use std::path::Path;

use rand::Rng;

use crate::SynthError;
use crate::procurement::{bid_reach, losing_bid};
use crate::world::World;
use crate::writer::Money;

/// File name in the generated folder.
pub const FILE: &str = "bid_cases.csv";

/// Column names, for `qinglian bids train --tender … --bid … --winner … --label …`.
pub const COLUMNS: [&str; 4] = ["tender_id", "amount", "is_winner", "collusive"];

/// Share of collusive tenders among the closed cases (offices investigate suspicious
/// tenders more often than their share of all tenders).
const COLLUSIVE_SHARE: f64 = 0.25;

/// Writes the closed cases; returns the tenders written.
pub fn write(w: &World, dir: &Path) -> Result<u64, SynthError> {
    let mut rng = w.rng("bid-cases");
    let tenders = 150 * w.p.mult as u64;
    let mut out = Vec::with_capacity(tenders as usize * 6 * 32);
    writeln!(out, "{}", COLUMNS.join(",")).expect("writes to memory");
    for t in 1..=tenders {
        let n = rng.random_range(3..=8);
        let win = Money(rng.random_range(2_000..30_000) * 10_000);
        let collusive = rng.random_bool(COLLUSIVE_SHARE);
        let reach = bid_reach(&mut rng);
        let mut prices = vec![win];
        while prices.len() < n {
            let bid = if collusive {
                Money((win.0 as f64 * rng.random_range(1.002..1.015) / 100.0).round() as i64 * 100)
            } else {
                losing_bid(&mut rng, win, reach)
            };
            if !prices.contains(&bid) {
                prices.push(bid);
            }
        }
        for (k, p) in prices.iter().enumerate() {
            writeln!(
                out,
                "HC{t:05},{:.2},{},{}",
                p.as_f64(),
                u8::from(k == 0),
                u8::from(collusive)
            )
            .expect("writes to memory");
        }
    }
    let path = dir.join(FILE);
    std::fs::write(&path, out).map_err(|e| SynthError::io(&path, e))?;
    Ok(tenders)
}
