//! Co-bidding network (MOD-COBID): who bids with whom, who wins, and for which buyer.
//!
//! - **Pairs far above chance.** For bidders a and b with nₐ and n_b tenders out of N, the
//!   number of tenders they share is, if they chose tenders independently, hypergeometric:
//!   X ~ Hypergeom(N, nₐ, n_b), expectation nₐn_b/N. A pair is significant when it shares at
//!   least `min_together` tenders, the lift (observed / expected) is at least `min_lift` and
//!   P(X ≥ observed) × (number of pairs tested) < `alpha` (Bonferroni).
//! - **Groups.** Significant pairs form a weighted graph (weight = tenders shared); groups
//!   are its communities by label propagation (Raghavan, Albert and Kumara 2007), visiting
//!   nodes in a seeded order and breaking ties by the smallest label, so runs repeat.
//! - **Winner rotation.** In a group's tenders (two or more members bidding), members win at
//!   least `rotation_min_win_share` of them, at least two members take turns, and the wins
//!   are spread evenly (normalised entropy at least `rotation_min_evenness`).
//! - **Cover bidders.** A firm that bids at least `cover_min_bids` times, wins at most
//!   `cover_max_win_rate` of them, and whose most frequent co-bidder wins at least
//!   `cover_partner_win_share` of the tenders they share — more often than luck explains
//!   (each shared tender won by one of the other bidders at random; Poisson-binomial,
//!   Bonferroni over the firms tested). Losing often is common; a partner that takes the
//!   tenders the loser pads is the signal.
//! - **Loyal winners.** A firm whose bids (at least `loyal_min_bids`) go to one buyer for at
//!   least `loyal_min_share` of them and which wins at least `loyal_min_win_rate` there —
//!   more often than luck explains: if every bidder of a tender were equally likely to win,
//!   its wins there would be Poisson-binomial with probabilities 1/(bidders of each tender),
//!   and P(wins ≥ observed) × (firms tested) must be under `alpha` (Bonferroni). A firm that
//!   wins four of five tenders of four bidders (p ≈ 0.016) is a good firm, not a signal.
//!
//! Firms in one trade and region meet more often than chance by nature; run the detector
//! per category and region so that chance means "among firms in the same line".

mod community;
mod findings;
mod index;
#[cfg(test)]
mod tests;

pub use findings::findings;

use std::collections::{BTreeMap, BTreeSet};

use index::Index;

use serde::{Deserialize, Serialize};

use crate::hash::{FxMap, FxSet};
use crate::stats;

pub const MODEL_ID: &str = "MOD-COBID";
pub const VERSION: &str = "1.0.0";

/// One bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bid<'a> {
    pub tender: &'a str,
    pub bidder: &'a str,
    pub buyer: Option<&'a str>,
    pub won: bool,
}

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Default 4.
    pub min_together: usize,
    /// Default 2.
    pub min_lift: f64,
    /// Family-wise significance level. Default 0.01.
    pub alpha: f64,
    /// Default 5.
    pub rotation_min_tenders: usize,
    /// Default 0.8.
    pub rotation_min_win_share: f64,
    /// Default 0.6.
    pub rotation_min_evenness: f64,
    /// Default 8.
    pub cover_min_bids: usize,
    /// Default 0.05.
    pub cover_max_win_rate: f64,
    /// Default 0.5.
    pub cover_partner_win_share: f64,
    /// Default 5.
    pub loyal_min_bids: usize,
    /// Default 0.9.
    pub loyal_min_share: f64,
    /// Default 0.8.
    pub loyal_min_win_rate: f64,
    /// Label propagation rounds at most. Default 50.
    pub max_rounds: usize,
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_together: 4,
            min_lift: 2.0,
            alpha: 0.01,
            rotation_min_tenders: 5,
            rotation_min_win_share: 0.8,
            rotation_min_evenness: 0.6,
            cover_min_bids: 8,
            cover_max_win_rate: 0.05,
            cover_partner_win_share: 0.5,
            loyal_min_bids: 5,
            loyal_min_share: 0.9,
            loyal_min_win_rate: 0.8,
            max_rounds: 50,
            seed: 7,
        }
    }
}

/// An edge of the co-bidding graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairEdge {
    pub a: String,
    pub b: String,
    pub together: usize,
    pub bids_a: usize,
    pub bids_b: usize,
    pub expected: f64,
    pub lift: f64,
    /// Unadjusted hypergeometric tail probability.
    pub p_value: f64,
}

/// A group of bidders and how they share wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub members: Vec<String>,
    /// The significant edges among the members: the subgraph shown as evidence.
    pub edges: Vec<PairEdge>,
    /// Tenders where two or more members bid.
    pub tenders: Vec<String>,
    /// Of those, won by a member.
    pub group_wins: usize,
    /// Wins per member in those tenders.
    pub wins_by_member: BTreeMap<String, usize>,
    /// Normalised entropy of the wins across members (1 = perfectly even).
    pub evenness: f64,
    pub rotation: bool,
}

/// A firm that bids and loses, mostly to one partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverBidder {
    pub bidder: String,
    pub bids: usize,
    pub wins: usize,
    pub partner: String,
    pub together: usize,
    pub partner_wins_together: usize,
    /// The partner's wins expected in those tenders if every other bidder were equally
    /// likely to win each.
    pub expected_partner_wins: f64,
    /// P(partner wins ≥ observed) under that chance model, unadjusted.
    pub p_value: f64,
}

/// A firm that bids for one buyer and wins there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoyalWinner {
    pub bidder: String,
    pub buyer: String,
    pub bids: usize,
    pub bids_with_buyer: usize,
    pub wins_with_buyer: usize,
    /// Wins expected there if every bidder of each tender were equally likely to win.
    pub expected_wins: f64,
    /// P(wins ≥ observed) under that chance model, unadjusted.
    pub p_value: f64,
}

/// How many pairs and firms a run tests in all, when it analyses several markets (one per
/// category) and the Bonferroni corrections are to hold over all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    pub pairs: usize,
    pub firms: usize,
    pub covers: usize,
}

/// Everything found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkReport {
    pub n_tenders: usize,
    pub pairs_tested: usize,
    /// Firms tested as loyal winners (enough bids, mostly with one buyer).
    pub firms_tested: usize,
    /// Firms tested as cover bidders (enough bids, hardly any won).
    pub covers_tested: usize,
    /// Significant pairs, strongest (smallest p) first.
    pub pairs: Vec<PairEdge>,
    pub groups: Vec<Group>,
    pub cover_bidders: Vec<CoverBidder>,
    pub loyal_winners: Vec<LoyalWinner>,
}

/// Analyses the bids of one market.
pub fn analyse(bids: &[Bid<'_>], p: &Params) -> NetworkReport {
    analyse_within(bids, p, None)
}

/// Analyses the bids of one market of several: the significance tests are corrected for the
/// pairs and firms tested in all of them (`family`, e.g. the sums of each market's
/// `pairs_tested` and `firms_tested`), not in this one alone.
pub fn analyse_within(bids: &[Bid<'_>], p: &Params, family: Option<Family>) -> NetworkReport {
    let ix = Index::new(bids);
    let n = ix.tenders.len();
    let mut together: FxMap<(u32, u32), usize> = FxMap::default();
    for (members, _) in &ix.tenders {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                *together.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut tested: Vec<((u32, u32), usize)> = together
        .into_iter()
        .filter(|(_, c)| *c >= p.min_together)
        .collect();
    tested.sort_unstable();
    let m = family
        .map_or(tested.len(), |f| f.pairs.max(tested.len()))
        .max(1) as f64;
    let mut pairs: Vec<PairEdge> = tested
        .iter()
        .map(|&((a, b), c)| {
            let (na, nb) = (
                ix.of_bidder[a as usize].len(),
                ix.of_bidder[b as usize].len(),
            );
            let expected = na as f64 * nb as f64 / n as f64;
            PairEdge {
                a: ix.bidders[a as usize].to_owned(),
                b: ix.bidders[b as usize].to_owned(),
                together: c,
                bids_a: na,
                bids_b: nb,
                expected,
                lift: c as f64 / expected,
                p_value: stats::hypergeom_sf(c as u64, n as u64, na as u64, nb as u64),
            }
        })
        .filter(|e| e.lift >= p.min_lift && e.p_value * m < p.alpha)
        .collect();
    pairs.sort_by(|x, y| {
        x.p_value
            .total_cmp(&y.p_value)
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    let groups = community::groups(&pairs, p)
        .into_iter()
        .map(|members| group(&ix, &pairs, members, p))
        .collect();
    let (mut loyal_winners, firms_tested) = loyal(bids, p);
    let firms = family.map_or(firms_tested, |f| f.firms.max(firms_tested));
    loyal_winners.retain(|l| l.p_value * (firms as f64) < p.alpha);
    let (mut cover_bidders, covers_tested) = cover(&ix, p);
    let covers = family.map_or(covers_tested, |f| f.covers.max(covers_tested));
    cover_bidders.retain(|c| c.p_value * (covers as f64) < p.alpha);
    NetworkReport {
        n_tenders: n,
        pairs_tested: tested.len(),
        firms_tested,
        covers_tested,
        pairs,
        groups,
        cover_bidders,
        loyal_winners,
    }
}

/// Cover-bidder candidates with their unadjusted p-values, and how many firms were tested.
fn cover(ix: &Index<'_>, p: &Params) -> (Vec<CoverBidder>, usize) {
    let mut out = Vec::new();
    let mut tested = 0;
    for (b, ts) in ix.of_bidder.iter().enumerate() {
        let b = b as u32;
        let w = ts
            .iter()
            .filter(|&&t| ix.tenders[t as usize].1.contains(&b))
            .count();
        if ts.len() < p.cover_min_bids || w as f64 > p.cover_max_win_rate * ts.len() as f64 {
            continue;
        }
        tested += 1;
        // Per partner: tenders together, its wins there, and its chance of each by luck
        // (one of the other bidders: the cover bidder is there to lose).
        let mut partners: BTreeMap<u32, (usize, usize, Vec<f64>)> = BTreeMap::new();
        for &t in ts {
            let (members, winners) = &ix.tenders[t as usize];
            let chance = 1.0 / (members.len().max(2) - 1) as f64;
            for &o in members.iter().filter(|&&o| o != b) {
                let e = partners.entry(o).or_default();
                e.0 += 1;
                e.1 += usize::from(winners.contains(&o));
                e.2.push(chance);
            }
        }
        // Most tenders together; on a tie the partner first by name (ids follow names).
        if let Some((partner, (tog, pw, chance))) = partners
            .into_iter()
            .max_by(|x, y| x.1.0.cmp(&y.1.0).then(y.0.cmp(&x.0)))
            && pw as f64 >= p.cover_partner_win_share * tog as f64
            && tog >= 3
        {
            out.push(CoverBidder {
                bidder: ix.bidders[b as usize].to_owned(),
                bids: ts.len(),
                wins: w,
                partner: ix.bidders[partner as usize].to_owned(),
                together: tog,
                partner_wins_together: pw,
                expected_partner_wins: chance.iter().sum(),
                p_value: stats::poisson_binomial_sf(pw, &chance),
            });
        }
    }
    (out, tested)
}

fn group(ix: &Index<'_>, pairs: &[PairEdge], members: Vec<String>, p: &Params) -> Group {
    let set: BTreeSet<&str> = members.iter().map(String::as_str).collect();
    let ids: FxSet<u32> = members.iter().filter_map(|m| ix.id(m)).collect();
    let edges: Vec<PairEdge> = pairs
        .iter()
        .filter(|e| set.contains(e.a.as_str()) && set.contains(e.b.as_str()))
        .cloned()
        .collect();
    let mut tenders = Vec::new();
    let mut group_wins = 0;
    let mut wins_by_member: BTreeMap<String, usize> =
        members.iter().map(|m| (m.clone(), 0)).collect();
    for (t, (bidders, winners)) in ix.tenders.iter().enumerate() {
        if bidders.iter().filter(|b| ids.contains(*b)).count() >= 2 {
            tenders.push(ix.tender_names[t].to_owned());
            let mut won = false;
            for w in winners.iter().filter(|w| ids.contains(*w)) {
                *wins_by_member
                    .entry(ix.bidders[*w as usize].to_owned())
                    .or_default() += 1;
                won = true;
            }
            group_wins += usize::from(won);
        }
    }
    let total: usize = wins_by_member.values().sum();
    let k = members.len() as f64;
    let evenness = if total == 0 || k < 2.0 {
        0.0
    } else {
        let h: f64 = wins_by_member
            .values()
            .filter(|&&w| w > 0)
            .map(|&w| {
                let q = w as f64 / total as f64;
                -q * q.ln()
            })
            .sum();
        h / k.ln()
    };
    let winners = wins_by_member.values().filter(|&&w| w > 0).count();
    let rotation = tenders.len() >= p.rotation_min_tenders
        && group_wins as f64 >= p.rotation_min_win_share * tenders.len() as f64
        && winners >= 2
        && evenness >= p.rotation_min_evenness;
    Group {
        members,
        edges,
        tenders,
        group_wins,
        wins_by_member,
        evenness,
        rotation,
    }
}

/// Loyal-winner candidates with their unadjusted p-values, and how many firms were tested.
fn loyal(bids: &[Bid<'_>], p: &Params) -> (Vec<LoyalWinner>, usize) {
    // Bidders per tender: each bidder's chance of winning it by luck alone.
    let mut pairs: Vec<(&str, &str)> = bids.iter().map(|b| (b.tender, b.bidder)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut bidders: FxMap<&str, usize> = FxMap::default();
    for (t, _) in &pairs {
        *bidders.entry(t).or_default() += 1;
    }
    // (bidder, buyer, tender, won), sorted; one entry per bidder, buyer and tender.
    let mut rows: Vec<(&str, &str, &str, bool)> = bids
        .iter()
        .filter_map(|b| b.buyer.map(|buyer| (b.bidder, buyer, b.tender, b.won)))
        .collect();
    rows.sort_unstable();
    rows.dedup_by(|later, first| {
        let same = (later.0, later.1, later.2) == (first.0, first.1, first.2);
        if same {
            first.3 |= later.3;
        }
        same
    });
    let mut candidates = Vec::new();
    let mut tested = 0usize;
    let mut i = 0;
    while i < rows.len() {
        let bidder = rows[i].0;
        let mut j = i;
        while j < rows.len() && rows[j].0 == bidder {
            j += 1;
        }
        let mine = &rows[i..j];
        // A tender counts once for the bidder even if listed under two buyers.
        let mut tenders: Vec<&str> = mine.iter().map(|r| r.2).collect();
        tenders.sort_unstable();
        tenders.dedup();
        let total = tenders.len();
        let mut k = 0;
        while k < mine.len() {
            let buyer = mine[k].1;
            let mut e = k;
            while e < mine.len() && mine[e].1 == buyer {
                e += 1;
            }
            let (ts, ws) = (e - k, mine[k..e].iter().filter(|r| r.3).count());
            if total >= p.loyal_min_bids && ts as f64 >= p.loyal_min_share * total as f64 {
                tested += 1;
                if ws as f64 >= p.loyal_min_win_rate * ts as f64 {
                    let chance: Vec<f64> = mine[k..e]
                        .iter()
                        .map(|r| 1.0 / bidders.get(r.2).copied().unwrap_or(1).max(1) as f64)
                        .collect();
                    candidates.push(LoyalWinner {
                        bidder: bidder.to_owned(),
                        buyer: buyer.to_owned(),
                        bids: total,
                        bids_with_buyer: ts,
                        wins_with_buyer: ws,
                        expected_wins: chance.iter().sum(),
                        p_value: stats::poisson_binomial_sf(ws, &chance),
                    });
                }
            }
            k = e;
        }
        i = j;
    }
    (candidates, tested)
}
