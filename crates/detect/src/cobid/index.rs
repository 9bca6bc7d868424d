//! Bids interned to integer ids: bidders numbered in name order (so ties break by name),
//! tenders in name order.

use std::collections::BTreeMap;

use super::Bid;

/// Tenders with their bidders and winners, and bidders with their tenders.
pub(super) struct Index<'a> {
    /// Bidder names by id.
    pub bidders: Vec<&'a str>,
    pub tender_names: Vec<&'a str>,
    /// Per tender: its bidders and its winners (ids, sorted, distinct).
    pub tenders: Vec<(Vec<u32>, Vec<u32>)>,
    /// Per bidder: its tenders (ids, sorted, distinct).
    pub of_bidder: Vec<Vec<u32>>,
    ids: BTreeMap<&'a str, u32>,
}

impl<'a> Index<'a> {
    pub fn new(bids: &[Bid<'a>]) -> Self {
        let mut ids: BTreeMap<&str, u32> = bids.iter().map(|b| (b.bidder, 0)).collect();
        for (i, v) in ids.values_mut().enumerate() {
            *v = i as u32;
        }
        let mut tids: BTreeMap<&str, u32> = bids.iter().map(|b| (b.tender, 0)).collect();
        for (i, v) in tids.values_mut().enumerate() {
            *v = i as u32;
        }
        let mut tenders: Vec<(Vec<u32>, Vec<u32>)> = vec![(Vec::new(), Vec::new()); tids.len()];
        for b in bids {
            let (t, id) = (tids[b.tender] as usize, ids[b.bidder]);
            tenders[t].0.push(id);
            if b.won {
                tenders[t].1.push(id);
            }
        }
        let mut of_bidder: Vec<Vec<u32>> = vec![Vec::new(); ids.len()];
        for (t, (members, winners)) in tenders.iter_mut().enumerate() {
            members.sort_unstable();
            members.dedup();
            winners.sort_unstable();
            winners.dedup();
            for &m in members.iter() {
                of_bidder[m as usize].push(t as u32);
            }
        }
        Self {
            bidders: ids.keys().copied().collect(),
            tender_names: tids.keys().copied().collect(),
            tenders,
            of_bidder,
            ids,
        }
    }

    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}
