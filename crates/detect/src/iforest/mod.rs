//! Isolation forest (MOD-IFOREST) after Liu, Ting and Zhou (2008), seeded and deterministic,
//! with the features that drove each score.
//!
//! Each tree is grown on a subsample of ψ rows (default 256) by splitting on a random
//! feature at a uniform random value between its minimum and maximum in the node, to depth
//! ⌈log₂ ψ⌉. A point's path length h(x) is the depth of the leaf it reaches plus c(size), the
//! average path length of an unsuccessful search in a binary search tree of the leaf's size:
//!
//! c(n) = 2H(n − 1) − 2(n − 1)/n,  H(i) ≈ ln i + 0.5772156649,
//!
//! and its anomaly score s(x) = 2^(−E[h(x)] / c(ψ)): near 1 isolated quickly (anomalous),
//! 0.5 or below ordinary.
//!
//! With [`Params::region_splits`] a node splits at a uniform value within its *region* — the
//! whole table's range narrowed by the splits above it — instead of between its subsampled
//! rows' own extremes. A point far beyond every subsampled row then falls into an empty
//! region and is isolated in a split or two (how far it lies counts, not only its rank), and
//! a flag held by a handful of rows among hundreds of thousands isolates them although
//! almost no subsample holds one. Empty regions are leaves of path length = their depth.
//!
//! Attribution: at every split on a point's path that leaves the point on the minority side,
//! the feature split on is credited with max(0, 1 − 2 n_child / n_node) — 1 when the split
//! cuts the point away from everything else, 0 when it merely halves the node. Summed over
//! the trees and normalised, the credits say which features isolated the point: a feature
//! that alone separates a point from the data earns nearly all of the credit.

use qinglian_core::{Category, EvidenceRow, Finding, Severity, Subject};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::emit::{Scope, evidence_at, fact, finding, model_source, num};
use crate::error::{DetectError, Result, check_len};
use crate::matrix::Matrix;

pub const MODEL_ID: &str = "MOD-IFOREST";
pub const VERSION: &str = "1.1.0";

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Trees. Default 100.
    pub n_trees: usize,
    /// Subsample size ψ. Default 256.
    pub sample_size: usize,
    /// Random seed: the same seed and data give the same scores. Default 7.
    pub seed: u64,
    /// Scores at or above this are reported. Default 0.7 (the edge of a dense, homogeneous
    /// cloud of 1,000 points scores up to about 0.68).
    pub score_threshold: f64,
    /// At most this many findings, highest scores first. Default 100.
    pub max_findings: usize,
    /// Split within the node's region of the whole table's range, not between its
    /// subsampled rows' extremes (see the module documentation). Default false (Liu, Ting
    /// and Zhou as published).
    #[serde(default)]
    pub region_splits: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            n_trees: 100,
            sample_size: 256,
            seed: 7,
            score_threshold: 0.7,
            max_findings: 100,
            region_splits: false,
        }
    }
}

/// One node: a split on `feature` at `value`, or a leaf. A leaf points to itself on both
/// sides with an unreachable threshold, so a fixed number of steps (the tree's depth) walks
/// any point to its leaf without a branch; `path` is the leaf's path length
/// h = depth + c(size). 32 bytes: a tree of ψ = 256 fits in a core's first-level cache while
/// a whole table streams past it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Node {
    feature: u32,
    left: u32,
    right: u32,
    size: u32,
    value: f64,
    path: f64,
}

impl Node {
    fn is_leaf(&self) -> bool {
        self.left == self.right
    }
}

/// A fitted forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolationForest {
    trees: Vec<Vec<Node>>,
    /// Depth of each tree's deepest leaf.
    depths: Vec<usize>,
    psi: usize,
    n_features: usize,
}

/// A point's score and what drove it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub score: f64,
    /// Mean path length E[h(x)].
    pub path_length: f64,
    /// c(ψ): the mean path length expected of an ordinary point.
    pub expected_path_length: f64,
    /// Share of the isolation credited to each feature (sums to 1 unless no split was made).
    pub contributions: Vec<f64>,
}

/// c(n), the average path length of an unsuccessful binary-search-tree search.
pub fn c_factor(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + 0.577_215_664_9) - 2.0 * (n - 1.0) / n
        }
    }
}

impl IsolationForest {
    /// Grows the forest on `data` (rows = points). Non-finite values are not allowed.
    pub fn fit(data: &Matrix, p: &Params) -> Result<Self> {
        if data.n_rows() < 2 || p.n_trees == 0 || p.sample_size < 2 {
            return Err(DetectError::NotEnoughData(format!(
                "an isolation forest needs at least 2 rows, 1 tree and a sample of 2 (got {} rows, {} trees, sample {})",
                data.n_rows(),
                p.n_trees,
                p.sample_size
            )));
        }
        if let Some(i) = (0..data.n_rows()).find(|&i| data.row(i).iter().any(|v| !v.is_finite())) {
            return Err(DetectError::InvalidParam {
                name: "data",
                reason: format!(
                    "row {i} has a missing or infinite value; impute it before scoring"
                ),
            });
        }
        let psi = p.sample_size.min(data.n_rows());
        let limit = (psi as f64).log2().ceil() as usize;
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        let table_range = p.region_splits.then(|| range(data, 0..data.n_rows()));
        let (trees, depths) = (0..p.n_trees)
            .map(|_| {
                let sample = rand::seq::index::sample(&mut rng, data.n_rows(), psi).into_vec();
                let (mut nodes, mut depth) = (Vec::new(), 0);
                let mut tree = Grow {
                    data,
                    limit,
                    rng: &mut rng,
                    nodes: &mut nodes,
                    max_depth: &mut depth,
                };
                tree.grow(sample, 0, table_range.as_deref());
                (nodes, depth)
            })
            .unzip();
        Ok(Self {
            trees,
            depths,
            psi,
            n_features: data.n_cols(),
        })
    }

    /// Scores one point, with attribution.
    pub fn score_row(&self, x: &[f64]) -> Scored {
        let mut credit = vec![0.0; self.n_features];
        let mut total = 0.0;
        for t in &self.trees {
            let mut at = 0usize;
            loop {
                let n = t[at];
                if n.is_leaf() {
                    total += n.path;
                    break;
                }
                let next = if x[n.feature as usize] < n.value {
                    n.left
                } else {
                    n.right
                } as usize;
                let child = t[next].size;
                credit[n.feature as usize] +=
                    (1.0 - 2.0 * f64::from(child) / f64::from(n.size)).max(0.0);
                at = next;
            }
        }
        let path = total / self.trees.len() as f64;
        let cn = c_factor(self.psi);
        let sum: f64 = credit.iter().sum();
        if sum > 0.0 {
            credit.iter_mut().for_each(|c| *c /= sum);
        }
        Scored {
            score: 2f64.powf(-path / cn),
            path_length: path,
            expected_path_length: cn,
            contributions: credit,
        }
    }

    /// Scores every row, with attribution.
    pub fn score(&self, data: &Matrix) -> Vec<Scored> {
        (0..data.n_rows())
            .map(|i| self.score_row(data.row(i)))
            .collect()
    }

    /// Anomaly scores of every row without attribution: the fast path for a whole table
    /// (tree by tree over all rows, on `threads` threads); explain the few reported rows
    /// with [`IsolationForest::score_row`].
    pub fn anomaly_scores(&self, data: &Matrix, threads: usize) -> Vec<f64> {
        let n = data.n_rows();
        let threads = threads.clamp(1, n.max(1));
        let chunk = n.div_ceil(threads).max(1);
        let mut total = vec![0.0; n];
        std::thread::scope(|s| {
            for (k, part) in total.chunks_mut(chunk).enumerate() {
                s.spawn(move || {
                    let start = k * chunk;
                    for (t, &depth) in self.trees.iter().zip(&self.depths) {
                        // Eight rows at a time: their walks are independent, so the core
                        // overlaps them instead of waiting on one chain of loads.
                        for (b, block) in part.chunks_mut(8).enumerate() {
                            let base = start + b * 8;
                            let mut at = [0usize; 8];
                            for _ in 0..depth {
                                for (r, a) in at.iter_mut().enumerate().take(block.len()) {
                                    let nd = &t[*a];
                                    let left = data.get(base + r, nd.feature as usize) < nd.value;
                                    *a = [nd.right, nd.left][usize::from(left)] as usize;
                                }
                            }
                            for (acc, a) in block.iter_mut().zip(at) {
                                *acc += t[a].path;
                            }
                        }
                    }
                });
            }
        });
        let (k, cn) = (self.trees.len() as f64, c_factor(self.psi));
        total
            .into_iter()
            .map(|t| 2f64.powf(-(t / k) / cn))
            .collect()
    }
}

/// Each feature's (minimum, maximum) over `rows`.
fn range(data: &Matrix, rows: impl Iterator<Item = usize>) -> Vec<(f64, f64)> {
    let mut r = vec![(f64::INFINITY, f64::NEG_INFINITY); data.n_cols()];
    for i in rows {
        for (j, (lo, hi)) in r.iter_mut().enumerate() {
            let v = data.get(i, j);
            *lo = lo.min(v);
            *hi = hi.max(v);
        }
    }
    r
}

/// One tree being grown.
struct Grow<'a> {
    data: &'a Matrix,
    limit: usize,
    rng: &'a mut ChaCha8Rng,
    nodes: &'a mut Vec<Node>,
    max_depth: &'a mut usize,
}

impl Grow<'_> {
    /// Grows the node holding `rows` at `depth`; `region` is the node's region with
    /// region splits, `None` to split between the rows' own extremes.
    fn grow(&mut self, rows: Vec<usize>, depth: usize, region: Option<&[(f64, f64)]>) -> usize {
        let id = self.nodes.len();
        *self.max_depth = (*self.max_depth).max(depth);
        self.nodes.push(Node {
            feature: 0,
            left: id as u32,
            right: id as u32,
            size: rows.len() as u32,
            // Finite (JSON has no infinity) and above every finite feature value.
            value: f64::MAX,
            path: depth as f64 + c_factor(rows.len()),
        });
        if depth >= self.limit || rows.len() <= 1 {
            return id;
        }
        // Features that can still be split here.
        let own;
        let bounds = match region {
            Some(r) => r,
            None => {
                own = range(self.data, rows.iter().copied());
                &own
            }
        };
        let open: Vec<usize> = (0..bounds.len())
            .filter(|&j| bounds[j].1 > bounds[j].0)
            .collect();
        if open.is_empty() {
            return id;
        }
        let feature = open[self.rng.random_range(0..open.len())];
        let (lo, hi) = bounds[feature];
        let mut value = lo + self.rng.random::<f64>() * (hi - lo);
        if value <= lo {
            value = (lo + hi) / 2.0;
        }
        let size = rows.len() as u32;
        let (l, r): (Vec<usize>, Vec<usize>) = rows
            .into_iter()
            .partition(|&i| self.data.get(i, feature) < value);
        let (left, right) = match region {
            Some(region) => {
                let mut below = region.to_vec();
                below[feature].1 = value;
                let mut above = region.to_vec();
                above[feature].0 = value;
                (
                    self.grow(l, depth + 1, Some(&below)),
                    self.grow(r, depth + 1, Some(&above)),
                )
            }
            None => (self.grow(l, depth + 1, None), self.grow(r, depth + 1, None)),
        };
        self.nodes[id] = Node {
            feature: feature as u32,
            left: left as u32,
            right: right as u32,
            size,
            value,
            path: 0.0,
        };
        id
    }
}

/// Findings for the points whose `scores` (from [`IsolationForest::anomaly_scores`]) are at
/// or above the threshold (at most `max_findings`, highest first), each explained by
/// [`IsolationForest::score_row`]. `feature_names` name the matrix columns; `subjects[i]`
/// is who row i is about. The explanation names the score, the path lengths and the top three features with
/// the point's values. Severity medium, high at 0.75 or more.
#[allow(clippy::too_many_arguments)] // one slice per thing the finding needs; a struct would only rename them
pub fn findings(
    forest: &IsolationForest,
    scores: &[f64],
    data: &Matrix,
    feature_names: &[&str],
    subjects: &[Subject],
    category: Category,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("iforest rows", data.n_rows(), scores.len())?;
    check_len("iforest subjects", data.n_rows(), subjects.len())?;
    check_len("iforest evidence", data.n_rows(), evidence.len())?;
    check_len("iforest feature names", data.n_cols(), feature_names.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let mut idx: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= p.score_threshold)
        .collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    idx.truncate(p.max_findings);
    Ok(idx
        .into_iter()
        .map(|i| {
            let s = &forest.score_row(data.row(i));
            let mut order: Vec<usize> = (0..s.contributions.len()).collect();
            order.sort_by(|&a, &b| s.contributions[b].total_cmp(&s.contributions[a]));
            let top: Vec<(usize, f64)> = order.iter().take(3).map(|&j| (j, s.contributions[j])).filter(|x| x.1 > 0.0).collect();
            let list = |sep: &str| {
                top.iter()
                    .map(|&(j, c)| format!("{}={} ({}%)", feature_names[j], num(data.get(i, j), 2), num(c * 100.0, 0)))
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            let scope = Scope { subject: subjects[i].clone(), category, department: None };
            let sev = if s.score >= 0.75 { Severity::High } else { Severity::Medium };
            let mut f = finding(
                &source,
                &scope,
                sev,
                format!(
                    "孤立森林异常分 {} ≥ {}（平均路径长度 {}，常态约 {}）；主要因素：{}",
                    num(s.score, 3),
                    p.score_threshold,
                    num(s.path_length, 2),
                    num(s.expected_path_length, 2),
                    list("、")
                ),
                format!(
                    "Isolation-forest score {} ≥ {} (mean path length {}, about {} for an ordinary point); driven by {}",
                    num(s.score, 3),
                    p.score_threshold,
                    num(s.path_length, 2),
                    num(s.expected_path_length, 2),
                    list(", ")
                ),
            );
            f.evidence = evidence_at(evidence, [i], 1);
            fact(&mut f.facts, "score", num(s.score, 4));
            fact(&mut f.facts, "path_length", num(s.path_length, 3));
            for (j, c) in &top {
                fact(&mut f.facts, &format!("contribution.{}", feature_names[*j]), num(*c, 3));
            }
            f
        })
        .collect())
}

#[cfg(test)]
mod tests;
