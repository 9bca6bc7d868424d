//! Where to draw the flag in a market the model has not seen: a two-component Gaussian
//! mixture on ln CV whose *shape* is learned from the labelled training markets and whose
//! *location, scale and mixing weight* are fitted on the scored market without labels.
//!
//! Why: the portable features are standardised within each market, which keeps the ranking
//! but hides the market's cartel share — in a market where most tenders are collusive the
//! median tender is a collusive one, and the likelihood-ratio flag of the forest moves with
//! it. Raw CV levels do not travel either (Japanese bids sit about ten times closer together
//! than Swiss ones, cartel or not). What does travel reasonably is how the collusive tenders'
//! ln CV sits *relative to the competitive ones'*: lower by `separation` competitive standard
//! deviations, with `sd_ratio` times their spread. Given that shape, the scored market's own
//! ln CV distribution tells where its competitive component lies and how many tenders sit in
//! the compressed-bid component.
//!
//! Model, for x = ln CV of a tender:
//! competitive ~ N(μ, σ²), collusive ~ N(μ − dσ, (rσ)²), share of collusive π;
//! d and r come from training ([`MixtureShape::learn`]), μ, σ and π from the scored market
//! by expectation–conditional-maximisation ([`fit`]; the M-step for μ given σ and for σ given
//! μ are closed-form). A tender falls in the collusive region where the collusive density
//! exceeds the competitive one (the balanced, likelihood-ratio decision), or below the
//! collusive mean (so the region is one interval: a narrower collusive component would
//! otherwise hand the far-left tail back to the competitive one).
//!
//! The fit is *credible* only if the two components explain the market better than one
//! Gaussian by more than the BIC penalty of the extra parameter and π lies strictly inside
//! (0.02, 0.98); otherwise callers keep the forest's own flag.
//!
//! What it does not do: it does not rank tenders (the forest does), and it cannot find a
//! cartel share that leaves no trace in the CV distribution — in Graubünden/See-Gaster the
//! fit is not credible, in Japan the CV distribution has a second mode of competitive
//! tenders and the share comes out far too high (docs/benchmarks.md).
//!
//! Hand-written, like the forest: the workspace has no statistics crate, the mixture is
//! one-dimensional with three free parameters, and the generic Gaussian-mixture crates fit
//! free components, not components with a shape fixed from other data.

use serde::{Deserialize, Serialize};

use super::read::Market;
use crate::error::{DetectError, Result};
use crate::screens;
use crate::stats;

/// Fewest tenders with a positive CV for a fit.
pub const MIN_TENDERS: usize = 30;
/// π must lie strictly inside (MIN_SHARE, 1 − MIN_SHARE) for the fit to be credible.
pub const MIN_SHARE: f64 = 0.02;

/// How the collusive tenders' ln CV sits relative to the competitive tenders', learned from
/// labelled markets (each market counts once).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MixtureShape {
    /// (mean competitive − mean collusive) / sd competitive, in ln CV.
    pub separation: f64,
    /// sd collusive / sd competitive, in ln CV.
    pub sd_ratio: f64,
    /// Number of markets it was learned from.
    pub markets: usize,
}

impl MixtureShape {
    /// Checks that the shape describes a collusive component below the competitive one.
    pub fn validate(&self) -> Result<()> {
        if !(self.separation.is_finite() && self.separation > 0.0) {
            return Err(DetectError::InvalidParam {
                name: "separation",
                reason: format!(
                    "{} — the collusive tenders' CV must be lower than the competitive ones'",
                    self.separation
                ),
            });
        }
        if !(self.sd_ratio.is_finite() && self.sd_ratio > 0.0) {
            return Err(DetectError::InvalidParam {
                name: "sd_ratio",
                reason: format!("{} — must be a positive number", self.sd_ratio),
            });
        }
        Ok(())
    }

    /// The mean shape over the labelled markets that have at least two tenders with a
    /// positive CV in each class; `None` if there is none, or if on average the collusive
    /// tenders are not the compressed ones (then no such mixture describes the data).
    pub fn learn(markets: &[&Market]) -> Option<MixtureShape> {
        let per: Vec<(f64, f64)> = markets
            .iter()
            .filter_map(|m| {
                let x = ln_cvs(m);
                let labels = m.labels();
                let class = |c: bool| -> Vec<f64> {
                    x.iter()
                        .zip(&labels)
                        .filter_map(|(v, &l)| v.filter(|_| l == c))
                        .collect()
                };
                let (coll, comp) = (class(true), class(false));
                let (m1, s1) = (stats::mean(&coll)?, stats::sample_sd(&coll)?);
                let (m0, s0) = (stats::mean(&comp)?, stats::sample_sd(&comp)?);
                (s0 > 0.0 && s1 > 0.0).then(|| ((m0 - m1) / s0, s1 / s0))
            })
            .collect();
        if per.is_empty() {
            return None;
        }
        let k = per.len() as f64;
        let shape = MixtureShape {
            separation: per.iter().map(|p| p.0).sum::<f64>() / k,
            sd_ratio: per.iter().map(|p| p.1).sum::<f64>() / k,
            markets: per.len(),
        };
        shape.validate().ok().map(|()| shape)
    }
}

/// ln CV of every tender of a market (`None` with fewer than two bids or equal bids).
pub fn ln_cvs(m: &Market) -> Vec<Option<f64>> {
    m.tenders
        .iter()
        .map(|t| {
            screens::compute(&t.bids)
                .cv
                .filter(|c| *c > 0.0 && c.is_finite())
                .map(f64::ln)
        })
        .collect()
}

/// A mixture fitted on one market.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MixtureFit {
    pub shape: MixtureShape,
    /// μ and σ of the competitive component (ln CV).
    pub competitive_mean: f64,
    pub competitive_sd: f64,
    /// Estimated share of collusive tenders, π.
    pub share: f64,
    /// Share of the fitted tenders in the collusive region.
    pub flag_share: f64,
    /// Log-likelihood gain over one Gaussian.
    pub gain: f64,
    /// Tenders fitted (those with a positive CV).
    pub tenders: usize,
    /// Gain above the BIC penalty and π inside (0.02, 0.98).
    pub credible: bool,
}

impl MixtureFit {
    pub fn collusive_mean(&self) -> f64 {
        self.competitive_mean - self.shape.separation * self.competitive_sd
    }

    pub fn collusive_sd(&self) -> f64 {
        self.shape.sd_ratio * self.competitive_sd
    }

    /// Whether a tender with this ln CV falls in the collusive region.
    pub fn in_collusive_region(&self, x: f64) -> bool {
        let (m1, s1) = (self.collusive_mean(), self.collusive_sd());
        x < m1 || ln_normal(x, m1, s1) > ln_normal(x, self.competitive_mean, self.competitive_sd)
    }
}

fn ln_normal(x: f64, m: f64, s: f64) -> f64 {
    let z = (x - m) / s;
    -0.5 * z * z - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

/// Log-likelihood of the mixture and the collusive responsibilities.
fn e_step(x: &[f64], mu: f64, s: f64, pi: f64, shape: &MixtureShape, w1: &mut [f64]) -> f64 {
    let (m1, s1) = (mu - shape.separation * s, shape.sd_ratio * s);
    let (lp1, lp0) = (pi.ln(), (1.0 - pi).ln());
    let mut ll = 0.0;
    for (v, w) in x.iter().zip(w1.iter_mut()) {
        let a = lp1 + ln_normal(*v, m1, s1);
        let b = lp0 + ln_normal(*v, mu, s);
        let top = a.max(b);
        let lse = top + ((a - top).exp() + (b - top).exp()).ln();
        *w = (a - lse).exp();
        ll += lse;
    }
    ll
}

/// One ECM run from a starting share; returns (μ, σ, π, log-likelihood).
fn run(x: &[f64], shape: &MixtureShape, pi0: f64) -> (f64, f64, f64, f64) {
    let (d, r2) = (shape.separation, shape.sd_ratio * shape.sd_ratio);
    let n = x.len() as f64;
    let sd = stats::sample_sd(x).unwrap_or(1.0).max(1e-6);
    let mut pi = pi0;
    let mut mu = stats::mean(x).unwrap_or(0.0) + pi * d * sd;
    let mut s = sd;
    let mut w1 = vec![0.0; x.len()];
    let mut ll = e_step(x, mu, s, pi, shape, &mut w1);
    for _ in 0..2000 {
        pi = (w1.iter().sum::<f64>() / n).clamp(1e-9, 1.0 - 1e-9);
        // Conditional maximisation: μ given σ, then σ given μ (the root of C u² + E u − N = 0
        // in u = 1/σ), three times.
        for _ in 0..3 {
            let (mut a0, mut a1, mut b0, mut b1) = (0.0, 0.0, 0.0, 0.0);
            for (v, w) in x.iter().zip(&w1) {
                a0 += (1.0 - w) * v;
                b0 += 1.0 - w;
                a1 += w * (v + d * s);
                b1 += w;
            }
            mu = (a0 + a1 / r2) / (b0 + b1 / r2);
            let (mut q0, mut q1, mut l1) = (0.0, 0.0, 0.0);
            for (v, w) in x.iter().zip(&w1) {
                let e = v - mu;
                q0 += (1.0 - w) * e * e;
                q1 += w * e * e;
                l1 += w * e;
            }
            let c = q0 + q1 / r2;
            let e = d * l1 / r2;
            if c <= 0.0 {
                break;
            }
            let u = (-e + (e * e + 4.0 * c * n).sqrt()) / (2.0 * c);
            s = (1.0 / u).max(1e-9);
        }
        let next = e_step(x, mu, s, pi, shape, &mut w1);
        let done = (next - ll).abs() <= 1e-10 * ll.abs().max(1.0);
        ll = next;
        if done {
            break;
        }
    }
    (mu, s, pi, ll)
}

/// Fits the mixture with a learned `shape` on the ln CVs `x` of one market (the best of
/// three starts, π = 0.1, 0.5, 0.9).
pub fn fit(x: &[f64], shape: &MixtureShape) -> Result<MixtureFit> {
    shape.validate()?;
    if let Some(v) = x.iter().find(|v| !v.is_finite()) {
        return Err(DetectError::InvalidParam {
            name: "ln_cv",
            reason: format!("{v} is not a finite ln CV; leave out tenders without a CV"),
        });
    }
    if x.len() < MIN_TENDERS {
        return Err(DetectError::NotEnoughData(format!(
            "{} tenders with a CV; the mixture needs at least {MIN_TENDERS}",
            x.len()
        )));
    }
    let (mu, s, pi, ll) = [0.1, 0.5, 0.9]
        .into_iter()
        .map(|p| run(x, shape, p))
        .fold(None, |best: Option<(f64, f64, f64, f64)>, r| match best {
            Some(b) if b.3 >= r.3 => Some(b),
            _ => Some(r),
        })
        .expect("three starts (this is a bug)");
    let n = x.len() as f64;
    let var = {
        let m = stats::mean(x).unwrap_or(0.0);
        x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n
    };
    let single = if var > 0.0 {
        -0.5 * n * ((2.0 * std::f64::consts::PI * var).ln() + 1.0)
    } else {
        f64::INFINITY
    };
    let gain = ll - single;
    let mut out = MixtureFit {
        shape: *shape,
        competitive_mean: mu,
        competitive_sd: s,
        share: pi,
        flag_share: 0.0,
        gain,
        tenders: x.len(),
        credible: gain.is_finite() && gain > 0.5 * n.ln() && pi > MIN_SHARE && pi < 1.0 - MIN_SHARE,
    };
    out.flag_share = x.iter().filter(|&&v| out.in_collusive_region(v)).count() as f64 / n;
    Ok(out)
}

/// Flags the `share` of `scores` with the highest values (ties at the cut all flagged):
/// the mixture says how many tenders of the market look collusive, the forest which.
pub fn flag_top_share(scores: &[f64], share: f64) -> Vec<bool> {
    let k = (share.clamp(0.0, 1.0) * scores.len() as f64).round() as usize;
    if k == 0 {
        return vec![false; scores.len()];
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let cut = sorted[k - 1];
    scores.iter().map(|&s| s >= cut).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bids::read::TenderBids;

    /// Deterministic standard-normal quantiles spread evenly (no random draws needed).
    fn normal_sample(n: usize, mean: f64, sd: f64) -> Vec<f64> {
        // Inverse CDF by bisection on the complementary CDF.
        (0..n)
            .map(|i| {
                let p = (i as f64 + 0.5) / n as f64;
                let (mut lo, mut hi) = (-10.0, 10.0);
                for _ in 0..80 {
                    let mid = 0.5 * (lo + hi);
                    if 1.0 - stats::normal_sf(mid) < p {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                mean + sd * 0.5 * (lo + hi)
            })
            .collect()
    }

    const SHAPE: MixtureShape = MixtureShape {
        separation: 2.0,
        sd_ratio: 0.5,
        markets: 1,
    };

    #[test]
    fn recovers_a_known_mixture() {
        // 300 competitive tenders at ln CV ~ N(−3, 0.5²), 700 collusive at N(−4, 0.25²):
        // separation (−3 − −4)/0.5 = 2, sd ratio 0.25/0.5 = 0.5.
        let mut x = normal_sample(300, -3.0, 0.5);
        x.extend(normal_sample(700, -4.0, 0.25));
        let f = fit(&x, &SHAPE).unwrap();
        assert!((f.share - 0.7).abs() < 0.02, "{f:?}");
        assert!((f.competitive_mean + 3.0).abs() < 0.03, "{f:?}");
        assert!((f.competitive_sd - 0.5).abs() < 0.03, "{f:?}");
        assert!((f.collusive_mean() + 4.0).abs() < 0.03);
        assert!(f.credible);
        assert!(f.in_collusive_region(-4.0) && f.in_collusive_region(-6.0));
        assert!(!f.in_collusive_region(-3.0));
        // The same shape on a market with few cartels finds few.
        let mut y = normal_sample(900, -5.0, 0.5);
        y.extend(normal_sample(100, -6.0, 0.25));
        let g = fit(&y, &SHAPE).unwrap();
        assert!((g.share - 0.1).abs() < 0.02, "{g:?}");
        assert!(g.flag_share < 0.3, "{g:?}");
    }

    #[test]
    fn one_gaussian_is_not_credible() {
        let x = normal_sample(500, -3.0, 0.7);
        let f = fit(&x, &SHAPE).unwrap();
        assert!(!f.credible, "{f:?}");
    }

    #[test]
    fn bad_input_is_refused() {
        let x = normal_sample(100, -3.0, 0.7);
        assert!(matches!(
            fit(&x[..10], &SHAPE),
            Err(DetectError::NotEnoughData(_))
        ));
        let mut y = x.clone();
        y[3] = f64::NAN;
        assert!(fit(&y, &SHAPE).is_err());
        let upside_down = MixtureShape {
            separation: -1.0,
            ..SHAPE
        };
        assert!(fit(&x, &upside_down).is_err());
        let zero_sd = MixtureShape {
            sd_ratio: 0.0,
            ..SHAPE
        };
        assert!(fit(&x, &zero_sd).is_err());
        // Equal CVs everywhere: nothing to separate, never credible.
        let flat = vec![-3.0; 50];
        assert!(!fit(&flat, &SHAPE).is_ok_and(|f| f.credible));
    }

    #[test]
    fn shape_is_learned_from_labelled_tenders() {
        // Collusive tenders bid within ±1 %, competitive within ±10 %: collusive CV about a
        // tenth, so ln CV lower by about ln 10.
        let tender = |i: usize, spread: f64, label: bool| TenderBids {
            id: i.to_string(),
            bids: vec![100.0, 100.0 * (1.0 + spread), 100.0 * (1.0 + 2.0 * spread)],
            winners: vec![true, false, false],
            label: Some(label),
            lines: vec![],
        };
        let tenders = (0..40)
            .map(|i| {
                let k = (i % 10) as f64 + 1.0;
                if i < 20 {
                    tender(i, 0.001 * k, true)
                } else {
                    tender(i, 0.01 * k, false)
                }
            })
            .collect();
        let m = Market {
            name: "m".into(),
            tenders,
            has_winner: true,
            has_label: true,
        };
        let s = MixtureShape::learn(&[&m]).unwrap();
        assert_eq!(s.markets, 1);
        assert!(s.separation > 2.0, "{s:?}");
        assert!(
            (s.sd_ratio - 1.0).abs() < 0.05,
            "same spread of ln CV: {s:?}"
        );
        // Reversed labels: the collusive tenders are the dispersed ones — no shape.
        let mut r = m.clone();
        for t in &mut r.tenders {
            t.label = t.label.map(|l| !l);
        }
        assert!(MixtureShape::learn(&[&r]).is_none());
    }

    #[test]
    fn top_share_flags_the_highest_scores() {
        let s = [0.1, 0.9, 0.5, 0.7, 0.3];
        assert_eq!(
            flag_top_share(&s, 0.4),
            vec![false, true, false, true, false]
        );
        assert_eq!(flag_top_share(&s, 0.0), vec![false; 5]);
        assert_eq!(flag_top_share(&s, 1.0), vec![true; 5]);
        assert_eq!(
            flag_top_share(&[0.5, 0.5, 0.1], 0.34),
            vec![true, true, false]
        );
    }
}
