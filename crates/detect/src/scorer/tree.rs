//! A CART classification tree on weighted rows (Gini impurity), the building block of the
//! random forest, with path-based (Saabas) feature contributions.
//!
//! Every node stores the weighted share of positives among its rows; a prediction is the
//! share at the leaf reached. Walking that path, each split moves the share from the parent's
//! value to the child's; crediting the change to the split's feature decomposes the
//! prediction exactly: leaf = root + Σ contributions (Saabas 2014).

use rand::Rng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;

const LEAF: u32 = u32::MAX;

/// One node; `feature == LEAF` marks a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(rename = "f")]
    pub feature: u32,
    #[serde(rename = "t")]
    pub threshold: f64,
    #[serde(rename = "l")]
    pub left: u32,
    #[serde(rename = "r")]
    pub right: u32,
    #[serde(rename = "v")]
    pub value: f64,
}

/// A fitted tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

/// Growth limits.
#[derive(Debug, Clone, Copy)]
pub struct Grow<'m> {
    pub max_depth: usize,
    /// Minimum distinct rows in a leaf.
    pub min_leaf: usize,
    /// Features tried per split.
    pub mtry: usize,
    /// Per feature: −1 the prediction may only fall as the feature grows, +1 only rise, 0
    /// free (empty = all free). Enforced as scikit-learn does: a split on a constrained
    /// feature must order its children's values accordingly, and the children inherit
    /// bounds at the midpoint of the two values, which every node below is clipped to.
    pub monotone: &'m [i8],
}

impl Tree {
    /// Grows a tree on `rows` (distinct row ids, each with weight `w[row]` > 0).
    pub fn fit(
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        rows: Vec<usize>,
        g: Grow<'_>,
        rng: &mut ChaCha8Rng,
    ) -> Tree {
        let mut t = Tree { nodes: Vec::new() };
        let mut buf = Vec::with_capacity(rows.len());
        t.grow(x, y, w, rows, (0, (0.0, 1.0)), g, rng, &mut buf);
        t
    }

    #[allow(clippy::too_many_arguments)] // recursive worker; the public entry is `fit`
    fn grow(
        &mut self,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        rows: Vec<usize>,
        (depth, (lo, hi)): (usize, (f64, f64)),
        g: Grow<'_>,
        rng: &mut ChaCha8Rng,
        buf: &mut Vec<(f64, f64, f64)>,
    ) -> u32 {
        let (wt, wp) = rows.iter().fold((0.0, 0.0), |(a, b), &i| {
            (a + w[i], b + if y[i] { w[i] } else { 0.0 })
        });
        let value = if wt > 0.0 {
            (wp / wt).clamp(lo, hi)
        } else {
            lo
        };
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            feature: LEAF,
            threshold: 0.0,
            left: 0,
            right: 0,
            value,
        });
        if depth >= g.max_depth || rows.len() < 2 * g.min_leaf || wp <= 0.0 || wp >= wt {
            return id;
        }
        let parent = wt * gini(wp, wt);
        let mut best: Option<(f64, usize, f64, f64, f64)> = None; // (impurity, feature, threshold, left and right value)
        let nf = x.n_cols();
        let tried = sample(rng, nf, g.mtry.min(nf)).into_vec();
        // As scikit-learn: keep drawing features while none of the drawn ones can split.
        let mut extra: Vec<usize> = Vec::new();
        loop {
            for &f in tried.iter().chain(&extra) {
                buf.clear();
                buf.extend(
                    rows.iter()
                        .map(|&i| (x.get(i, f), w[i], if y[i] { w[i] } else { 0.0 })),
                );
                buf.sort_by(|a, b| a.0.total_cmp(&b.0));
                let (mut lw, mut lp) = (0.0, 0.0);
                for k in 0..buf.len() - 1 {
                    lw += buf[k].1;
                    lp += buf[k].2;
                    let n_left = k + 1;
                    if n_left < g.min_leaf
                        || buf.len() - n_left < g.min_leaf
                        || buf[k].0 == buf[k + 1].0
                    {
                        continue;
                    }
                    let (vl, vr) = (
                        (lp / lw).clamp(lo, hi),
                        ((wp - lp) / (wt - lw)).clamp(lo, hi),
                    );
                    match g.monotone.get(f).copied().unwrap_or(0) {
                        -1 if vl < vr => continue,
                        1 if vl > vr => continue,
                        _ => {}
                    }
                    let imp = lw * gini(lp, lw) + (wt - lw) * gini(wp - lp, wt - lw);
                    if best.is_none_or(|b| imp < b.0 - 1e-12) {
                        let mid = buf[k].0 + (buf[k + 1].0 - buf[k].0) / 2.0;
                        best = Some((imp, f, mid, vl, vr));
                    }
                }
            }
            if best.is_some() || tried.len() + extra.len() >= nf {
                break;
            }
            let left: Vec<usize> = (0..nf)
                .filter(|f| !tried.contains(f) && !extra.contains(f))
                .collect();
            extra.push(left[rng.random_range(0..left.len())]);
        }
        let Some((imp, f, thr, vl, vr)) = best else {
            return id;
        };
        if imp >= parent - 1e-12 {
            return id;
        }
        let mid = (vl + vr) / 2.0;
        let (lb, rb) = match g.monotone.get(f).copied().unwrap_or(0) {
            -1 => ((mid.max(lo), hi), (lo, mid.min(hi))),
            1 => ((lo, mid.min(hi)), (mid.max(lo), hi)),
            _ => ((lo, hi), (lo, hi)),
        };
        let (l, r): (Vec<usize>, Vec<usize>) = rows.into_iter().partition(|&i| x.get(i, f) <= thr);
        let left = self.grow(x, y, w, l, (depth + 1, lb), g, rng, buf);
        let right = self.grow(x, y, w, r, (depth + 1, rb), g, rng, buf);
        let n = &mut self.nodes[id as usize];
        n.feature = f as u32;
        n.threshold = thr;
        n.left = left;
        n.right = right;
        id
    }

    /// The leaf value for `row`.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let mut at = 0usize;
        loop {
            let n = &self.nodes[at];
            if n.feature == LEAF {
                return n.value;
            }
            at = if row[n.feature as usize] <= n.threshold {
                n.left
            } else {
                n.right
            } as usize;
        }
    }

    /// Adds each split's change of value along `row`'s path to `out[feature]`; returns the
    /// root value (the bias).
    pub fn contributions(&self, row: &[f64], out: &mut [f64]) -> f64 {
        let mut at = 0usize;
        loop {
            let n = &self.nodes[at];
            if n.feature == LEAF {
                return self.nodes[0].value;
            }
            let next = if row[n.feature as usize] <= n.threshold {
                n.left
            } else {
                n.right
            } as usize;
            out[n.feature as usize] += self.nodes[next].value - n.value;
            at = next;
        }
    }
}

fn gini(pos: f64, total: f64) -> f64 {
    // 2p(1 − p), the Gini impurity of a two-class node.
    if total <= 0.0 {
        return 0.0;
    }
    let p = pos / total;
    2.0 * p * (1.0 - p)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn learns_a_threshold_and_decomposes_exactly() {
        // y = x0 > 5; x1 is noise.
        let rows: Vec<Vec<f64>> = (0..40)
            .map(|i| vec![f64::from(i % 10), f64::from((i * 7) % 3)])
            .collect();
        let y: Vec<bool> = rows.iter().map(|r| r[0] > 5.0).collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let w = vec![1.0; 40];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let t = Tree::fit(
            &x,
            &y,
            &w,
            (0..40).collect(),
            Grow {
                max_depth: 10,
                min_leaf: 1,
                mtry: 2,
                monotone: &[],
            },
            &mut rng,
        );
        assert_eq!(t.predict(&[7.0, 0.0]), 1.0);
        assert_eq!(t.predict(&[2.0, 2.0]), 0.0);
        assert_eq!(t.nodes[0].threshold, 5.5);
        let mut c = vec![0.0; 2];
        let bias = t.contributions(&[7.0, 1.0], &mut c);
        assert!((bias + c[0] + c[1] - 1.0).abs() < 1e-12);
        assert_eq!(c[1], 0.0);
    }

    #[test]
    fn monotone_constraint_is_respected() {
        // y rises with x0 on the whole, but a pocket at x0 in [6, 8) is negative: a free tree
        // would dip there, a tree constrained to rise may not.
        let rows: Vec<Vec<f64>> = (0..100).map(|i| vec![f64::from(i % 10)]).collect();
        let y: Vec<bool> = rows
            .iter()
            .map(|r| r[0] >= 4.0 && !(6.0..8.0).contains(&r[0]))
            .collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let w = vec![1.0; 100];
        let fit = |m: &[i8]| {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            Tree::fit(
                &x,
                &y,
                &w,
                (0..100).collect(),
                Grow {
                    max_depth: 10,
                    min_leaf: 1,
                    mtry: 1,
                    monotone: m,
                },
                &mut rng,
            )
        };
        let free = fit(&[]);
        assert!(free.predict(&[7.0]) < free.predict(&[5.0]));
        let mono = fit(&[1]);
        let preds: Vec<f64> = (0..10).map(|v| mono.predict(&[f64::from(v)])).collect();
        assert!(preds.windows(2).all(|p| p[0] <= p[1] + 1e-12), "{preds:?}");
    }
}
