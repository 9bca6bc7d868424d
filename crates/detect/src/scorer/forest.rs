//! Random forest (Breiman 2001) over [`super::tree::Tree`]: bootstrap samples, a random
//! subset of features per split, class weights balanced as scikit-learn's
//! `class_weight='balanced'` (w = n / (2 n_class)), out-of-bag predictions for calibration.
//!
//! Every tree draws from its own generator seeded by (seed, tree index), so the forest is the
//! same whatever the number of threads.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::tree::{Grow, Tree};
use crate::error::{DetectError, Result};
use crate::matrix::Matrix;

/// Features tried per split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    Sqrt,
    All,
    Fraction(f64),
}

/// Forest parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    /// Default 300.
    pub n_trees: usize,
    /// Default √(features).
    pub max_features: MaxFeatures,
    /// Minimum distinct rows per leaf. Default 5.
    pub min_leaf: usize,
    /// Default 32.
    pub max_depth: usize,
    /// Weight classes to equal total weight. Default true.
    pub balanced: bool,
    pub seed: u64,
    /// Threads used for fitting (the caller decides; libraries read no machine state).
    /// Default 1.
    pub threads: usize,
    /// Monotone constraint per feature (−1, 0, +1; empty = none), see [`Grow::monotone`].
    #[serde(default)]
    pub monotone: Vec<i8>,
}

impl Default for ForestParams {
    fn default() -> Self {
        Self {
            n_trees: 300,
            max_features: MaxFeatures::Sqrt,
            min_leaf: 5,
            max_depth: 32,
            balanced: true,
            seed: 1,
            threads: 1,
            monotone: Vec::new(),
        }
    }
}

/// A fitted forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForest {
    pub n_features: usize,
    pub trees: Vec<Tree>,
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RandomForest {
    /// Fits on `x`, `y` with optional per-row weights; returns the forest and each row's
    /// out-of-bag prediction (`None` for a row in every bootstrap sample).
    pub fn fit(
        x: &Matrix,
        y: &[bool],
        weight: Option<&[f64]>,
        p: &ForestParams,
    ) -> Result<(Self, Vec<Option<f64>>)> {
        let n = x.n_rows();
        crate::error::check_len("forest labels", n, y.len())?;
        if let Some(w) = weight {
            crate::error::check_len("forest weights", n, w.len())?;
        }
        let base: Vec<f64> = weight.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        let (wp, wt) = (0..n).fold((0.0, 0.0), |(a, b), i| {
            (a + if y[i] { base[i] } else { 0.0 }, b + base[i])
        });
        if wp <= 0.0 || wp >= wt || p.n_trees == 0 {
            return Err(DetectError::NotEnoughData(
                "training needs rows of both classes and at least one tree".into(),
            ));
        }
        let class_w: Vec<f64> = (0..n)
            .map(|i| {
                if !p.balanced {
                    base[i]
                } else if y[i] {
                    base[i] * wt / (2.0 * wp)
                } else {
                    base[i] * wt / (2.0 * (wt - wp))
                }
            })
            .collect();
        let nf = x.n_cols();
        let mtry = match p.max_features {
            MaxFeatures::Sqrt => (nf as f64).sqrt().floor() as usize,
            MaxFeatures::All => nf,
            MaxFeatures::Fraction(f) => (f * nf as f64).round() as usize,
        }
        .clamp(1, nf.max(1));
        let g = Grow {
            max_depth: p.max_depth,
            min_leaf: p.min_leaf.max(1),
            mtry,
            monotone: &p.monotone,
        };
        let one = |t: usize| -> (Tree, Vec<u32>) {
            let mut rng = ChaCha8Rng::seed_from_u64(splitmix(p.seed ^ splitmix(t as u64)));
            let mut counts = vec![0u32; n];
            for _ in 0..n {
                counts[rand::Rng::random_range(&mut rng, 0..n)] += 1;
            }
            let w: Vec<f64> = (0..n).map(|i| class_w[i] * f64::from(counts[i])).collect();
            let rows: Vec<usize> = (0..n).filter(|&i| counts[i] > 0).collect();
            (Tree::fit(x, y, &w, rows, g, &mut rng), counts)
        };
        let threads = p.threads.clamp(1, p.n_trees);
        let mut fitted: Vec<(usize, (Tree, Vec<u32>))> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|k| {
                    let one = &one;
                    s.spawn(move || {
                        (k..p.n_trees)
                            .step_by(threads)
                            .map(|t| (t, one(t)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        if fitted.len() != p.n_trees {
            return Err(DetectError::NotEnoughData(
                "a tree-fitting thread failed (this is a bug)".into(),
            ));
        }
        fitted.sort_by_key(|x| x.0);
        let mut oob_sum = vec![0.0; n];
        let mut oob_n = vec![0u32; n];
        let mut trees = Vec::with_capacity(p.n_trees);
        for (_, (tree, counts)) in fitted {
            for i in (0..n).filter(|&i| counts[i] == 0) {
                oob_sum[i] += tree.predict(x.row(i));
                oob_n[i] += 1;
            }
            trees.push(tree);
        }
        let oob = (0..n)
            .map(|i| (oob_n[i] > 0).then(|| oob_sum[i] / f64::from(oob_n[i])))
            .collect();
        Ok((
            Self {
                n_features: nf,
                trees,
            },
            oob,
        ))
    }

    /// Mean of the trees' leaf values (a class-balanced probability when fitted balanced).
    pub fn predict(&self, row: &[f64]) -> f64 {
        self.trees.iter().map(|t| t.predict(row)).sum::<f64>() / self.trees.len() as f64
    }

    /// Saabas contributions averaged over trees: (bias, per-feature), with
    /// bias + Σ contributions = [`RandomForest::predict`].
    pub fn contributions(&self, row: &[f64]) -> (f64, Vec<f64>) {
        let mut c = vec![0.0; self.n_features];
        let bias: f64 = self
            .trees
            .iter()
            .map(|t| t.contributions(row, &mut c))
            .sum();
        let k = self.trees.len() as f64;
        c.iter_mut().for_each(|v| *v /= k);
        (bias / k, c)
    }
}
