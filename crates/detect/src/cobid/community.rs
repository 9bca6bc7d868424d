//! Communities of the significant-pair graph by weighted label propagation.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::{PairEdge, Params};

/// Groups of two or more bidders, each sorted, ordered by their first member.
pub(super) fn groups(edges: &[PairEdge], p: &Params) -> Vec<Vec<String>> {
    let mut names: Vec<&str> = edges
        .iter()
        .flat_map(|e| [e.a.as_str(), e.b.as_str()])
        .collect();
    names.sort_unstable();
    names.dedup();
    let id: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); names.len()];
    for e in edges {
        let (a, b) = (id[e.a.as_str()], id[e.b.as_str()]);
        adj[a].push((b, e.together as f64));
        adj[b].push((a, e.together as f64));
    }
    let mut label: Vec<usize> = (0..names.len()).collect();
    let mut order: Vec<usize> = (0..names.len()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    for _ in 0..p.max_rounds {
        order.shuffle(&mut rng);
        let mut changed = false;
        for &v in &order {
            let mut w: BTreeMap<usize, f64> = BTreeMap::new();
            for &(u, weight) in &adj[v] {
                *w.entry(label[u]).or_default() += weight;
            }
            let best = w
                .iter()
                .fold(None::<(usize, f64)>, |acc, (&l, &x)| match acc {
                    Some((_, bx)) if bx >= x => acc,
                    _ => Some((l, x)),
                });
            if let Some((l, _)) = best
                && l != label[v]
                && w.get(&label[v]).is_none_or(|&cur| cur < w[&l])
            {
                label[v] = l;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut by: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (v, &l) in label.iter().enumerate() {
        by.entry(l).or_default().push(names[v].to_owned());
    }
    let mut out: Vec<Vec<String>> = by.into_values().filter(|g| g.len() >= 2).collect();
    out.iter_mut().for_each(|g| g.sort());
    out.sort();
    out
}
