//! Probability calibration and base rates.
//!
//! - **Platt scaling** (Platt 1999, with the Newton method and target smoothing of Lin, Lin
//!   and Weng 2007): P(y = 1 | s) = 1 / (1 + exp(A s + B)), fitted on out-of-bag scores.
//! - **Prior shift**: a probability calibrated at base rate π becomes, at base rate π′,
//!   p′ = p π′/π / (p π′/π + (1 − p)(1 − π′)/(1 − π)) (Bayes' rule with the class-conditional
//!   likelihoods unchanged).
//! - **Estimating a new base rate** without labels by EM (Saerens, Latinne and Decaestecker
//!   2002): shift every prediction to the current estimate, average them, repeat.

use serde::{Deserialize, Serialize};

/// A fitted sigmoid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

impl Platt {
    /// Fits on scores with labels and weights (pass class-balanced weights to calibrate at
    /// base rate ½).
    pub fn fit(scores: &[f64], labels: &[bool], weights: &[f64]) -> Platt {
        let (np, nn) =
            labels.iter().zip(weights).fold(
                (0.0, 0.0),
                |(p, n), (&l, &w)| if l { (p + w, n) } else { (p, n + w) },
            );
        let hi = (np + 1.0) / (np + 2.0);
        let lo = 1.0 / (nn + 2.0);
        let t: Vec<f64> = labels.iter().map(|&l| if l { hi } else { lo }).collect();
        let (mut a, mut b) = (0.0, ((nn + 1.0) / (np + 1.0)).ln());
        let f = |a: f64, b: f64| -> f64 {
            scores
                .iter()
                .zip(&t)
                .zip(weights)
                .map(|((&s, &t), &w)| {
                    let fx = s * a + b;
                    w * if fx >= 0.0 {
                        t * fx + (1.0 + (-fx).exp()).ln()
                    } else {
                        (t - 1.0) * fx + (1.0 + fx.exp()).ln()
                    }
                })
                .sum()
        };
        let mut fval = f(a, b);
        for _ in 0..100 {
            let (mut h11, mut h22, mut h21, mut g1, mut g2) = (1e-12, 1e-12, 0.0, 0.0, 0.0);
            for ((&s, &ti), &w) in scores.iter().zip(&t).zip(weights) {
                let fx = s * a + b;
                let (p, q) = if fx >= 0.0 {
                    let e = (-fx).exp();
                    (e / (1.0 + e), 1.0 / (1.0 + e))
                } else {
                    let e = fx.exp();
                    (1.0 / (1.0 + e), e / (1.0 + e))
                };
                let d2 = w * p * q;
                h11 += s * s * d2;
                h22 += d2;
                h21 += s * d2;
                let d1 = w * (ti - p);
                g1 += s * d1;
                g2 += d1;
            }
            if g1.abs() < 1e-9 && g2.abs() < 1e-9 {
                break;
            }
            let det = h11 * h22 - h21 * h21;
            let da = -(h22 * g1 - h21 * g2) / det;
            let db = -(-h21 * g1 + h11 * g2) / det;
            let gd = g1 * da + g2 * db;
            let mut step = 1.0;
            while step >= 1e-10 {
                let (na, nb) = (a + step * da, b + step * db);
                let nf = f(na, nb);
                if nf < fval + 1e-4 * step * gd {
                    a = na;
                    b = nb;
                    fval = nf;
                    break;
                }
                step /= 2.0;
            }
            if step < 1e-10 {
                break;
            }
        }
        Platt { a, b }
    }

    pub fn apply(&self, s: f64) -> f64 {
        1.0 / (1.0 + (self.a * s + self.b).exp())
    }
}

/// `p` calibrated at base rate `from`, re-expressed at base rate `to`.
pub fn shift_prior(p: f64, from: f64, to: f64) -> f64 {
    let (a, b) = (p * to / from, (1.0 - p) * (1.0 - to) / (1.0 - from));
    if a + b > 0.0 { a / (a + b) } else { p }
}

/// EM estimate of the base rate of unlabeled data from probabilities calibrated at `from`.
pub fn estimate_prior(probs: &[f64], from: f64) -> f64 {
    if probs.is_empty() {
        return from;
    }
    let mut pi = from;
    for _ in 0..1000 {
        let next =
            probs.iter().map(|&p| shift_prior(p, from, pi)).sum::<f64>() / probs.len() as f64;
        let next = next.clamp(1e-4, 1.0 - 1e-4);
        if (next - pi).abs() < 1e-9 {
            return next;
        }
        pi = next;
    }
    pi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_recovers_a_sigmoid() {
        // Scores in [0,1]; labels drawn so that P(y|s) = sigmoid(8s − 4) exactly in expectation:
        // weight each (s, y) pair by its probability.
        let mut s = Vec::new();
        let mut l = Vec::new();
        let mut w = Vec::new();
        for k in 0..=100 {
            let x = f64::from(k) / 100.0;
            let p = 1.0 / (1.0 + (-(8.0 * x - 4.0)).exp());
            s.extend([x, x]);
            l.extend([true, false]);
            w.extend([1000.0 * p, 1000.0 * (1.0 - p)]);
        }
        let c = Platt::fit(&s, &l, &w);
        assert!(
            (c.a + 8.0).abs() < 0.05 && (c.b - 4.0).abs() < 0.05,
            "{c:?}"
        );
        assert!((c.apply(0.5) - 0.5).abs() < 0.01);
    }

    #[test]
    fn prior_shift_and_em() {
        assert!((shift_prior(0.5, 0.5, 0.1) - 0.1).abs() < 1e-12);
        assert!((shift_prior(0.9, 0.5, 0.5) - 0.9).abs() < 1e-12);
        // A perfectly informative classifier: EM finds the share of positives.
        let probs: Vec<f64> = (0..100).map(|i| if i < 20 { 0.99 } else { 0.01 }).collect();
        assert!((estimate_prior(&probs, 0.5) - 0.2).abs() < 0.01);
    }
}
