//! Small numerical helpers shared by the detectors: moments, medians and MAD, and the tail
//! probabilities of the binomial, hypergeometric, chi-square and normal distributions.
//!
//! Written by hand (no statistics crate in the workspace): each function is a textbook
//! formula, tested against values computed with SciPy.

/// Arithmetic mean; `None` for an empty slice.
pub fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample standard deviation (divisor n − 1); `None` below two values.
pub fn sample_sd(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x)?;
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (x.len() - 1) as f64).sqrt())
}

/// Median (mean of the two middle values for an even count); `None` for an empty slice.
/// NaN values sort last and should be filtered out by the caller.
pub fn median(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    Some(median_sorted(&v))
}

/// Median of a non-empty slice by selection (linear time), reordering it: for the medians
/// of many groups, where sorting each costs more.
pub fn median_select(v: &mut [f64]) -> f64 {
    let (mid, odd) = (v.len() / 2, v.len() % 2 == 1);
    let (lower, upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    if odd {
        *upper
    } else {
        let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (below + *upper) / 2.0
    }
}

/// Median of an already sorted, non-empty slice.
pub fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median absolute deviation from `centre` (unscaled: multiply by 1.4826 for a normal σ).
pub fn mad(x: &[f64], centre: f64) -> Option<f64> {
    let dev: Vec<f64> = x.iter().map(|v| (v - centre).abs()).collect();
    median(&dev)
}

/// Mean absolute deviation from `centre`.
pub fn mean_abs_dev(x: &[f64], centre: f64) -> Option<f64> {
    mean(&x.iter().map(|v| (v - centre).abs()).collect::<Vec<_>>())
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-13).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// ln C(n, k).
pub fn ln_choose(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// P(X ≥ k) for X ~ Binomial(n, p).
pub fn binomial_sf(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let s: f64 = (k..=n)
        .map(|i| (ln_choose(n, i) + i as f64 * lp + (n - i) as f64 * lq).exp())
        .sum();
    s.min(1.0)
}

/// P(X ≥ k) for X the number of successes in independent trials with success probabilities
/// `p` (the Poisson binomial distribution), by the exact recursion over the trials; mass that
/// reaches k successes is set aside, so the work is O(len · k).
pub fn poisson_binomial_sf(k: usize, p: &[f64]) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > p.len() {
        return 0.0;
    }
    let mut dist = vec![0.0; k];
    dist[0] = 1.0;
    let mut tail = 0.0;
    for &q in p {
        let q = q.clamp(0.0, 1.0);
        tail += dist[k - 1] * q;
        for j in (1..k).rev() {
            dist[j] = dist[j] * (1.0 - q) + dist[j - 1] * q;
        }
        dist[0] *= 1.0 - q;
    }
    tail.min(1.0)
}

/// P(X ≥ k) for X ~ Hypergeometric(population `total`, `successes` in it, `draws`).
pub fn hypergeom_sf(k: u64, total: u64, successes: u64, draws: u64) -> f64 {
    let hi = successes.min(draws);
    let lo = draws.saturating_sub(total - successes);
    if k <= lo {
        return 1.0;
    }
    if k > hi {
        return 0.0;
    }
    let denom = ln_choose(total, draws);
    let s: f64 = (k..=hi)
        .map(|i| (ln_choose(successes, i) + ln_choose(total - successes, draws - i) - denom).exp())
        .sum();
    s.min(1.0)
}

/// Regularised upper incomplete gamma Q(a, x) (Numerical Recipes `gammq`).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        // Series for P(a, x).
        let (mut ap, mut sum) = (a, 1.0 / a);
        let mut del = sum;
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - gln).exp()
    } else {
        // Continued fraction for Q(a, x) (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (-x + a * x.ln() - gln).exp() * h
    }
}

/// P(χ²(df) ≥ x).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

/// P(Z ≥ z) for a standard normal Z (complementary error function, Chebyshev fit with
/// fractional error below 1.2e-7).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn moments_and_medians() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert!(close(
            sample_sd(&[1.0, 2.0, 3.0, 4.0]).unwrap(),
            1.290_994_448_735_805_6,
            1e-12
        ));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        for v in [
            vec![4.0],
            vec![3.0, 1.0],
            vec![5.0, -1.0, 2.0, 9.0, 2.5],
            vec![7.0, 1.0, 3.0, 3.0],
        ] {
            let mut w = v.clone();
            assert_eq!(median_select(&mut w), median(&v).unwrap(), "{v:?}");
        }
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 100.0], 3.0), Some(1.0));
        assert_eq!(median(&[]), None);
        assert_eq!(sample_sd(&[1.0]), None);
    }

    #[test]
    fn gamma_function() {
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
        assert!(close(ln_choose(10, 3), 120f64.ln(), 1e-12));
    }

    #[test]
    fn tails_match_scipy() {
        // scipy.stats.binom.sf(6, 10, 0.3) = P(X >= 7)
        assert!(close(
            binomial_sf(7, 10, 0.3),
            0.010_592_078_400_000_02,
            1e-9
        ));
        // scipy.stats.hypergeom.sf(4, 50, 10, 12) = P(X >= 5) with M=50, n=10, N=12
        assert!(close(
            hypergeom_sf(5, 50, 10, 12),
            0.046_024_926_425_838_8,
            1e-6
        ));
        // scipy.stats.chi2.sf(20, 10)
        assert!(close(chi2_sf(20.0, 10.0), 0.029_252_688_076_961_127, 1e-9));
        assert!(close(chi2_sf(3.0, 10.0), 0.981_424_063_777_859_3, 1e-9));
        // scipy.stats.norm.sf(1.96)
        assert!(close(normal_sf(1.96), 0.024_997_895_148_220_435, 1e-6));
        assert!(close(normal_sf(-1.0), 0.841_344_746_068_542_9, 1e-6));
    }

    #[test]
    fn tails_at_the_edges() {
        assert_eq!(binomial_sf(0, 5, 0.5), 1.0);
        for (k, n, q) in [(3, 10, 0.25), (8, 8, 1.0 / 3.0), (1, 4, 0.9), (5, 12, 0.5)] {
            let pb = poisson_binomial_sf(k, &vec![q; n]);
            assert!(
                close(pb, binomial_sf(k as u64, n as u64, q), 1e-9),
                "equal probabilities are the binomial: {k} of {n} at {q}"
            );
        }
        // Two trials at ½ and ¼: P(X ≥ 1) = 1 − ½·¾, P(X ≥ 2) = ⅛.
        assert!(close(poisson_binomial_sf(1, &[0.5, 0.25]), 0.625, 1e-12));
        assert!(close(poisson_binomial_sf(2, &[0.5, 0.25]), 0.125, 1e-12));
        assert_eq!(poisson_binomial_sf(3, &[0.5, 0.25]), 0.0);
        assert_eq!(poisson_binomial_sf(0, &[]), 1.0);
        assert_eq!(binomial_sf(6, 5, 0.5), 0.0);
        assert_eq!(hypergeom_sf(0, 10, 3, 4), 1.0);
        assert_eq!(hypergeom_sf(4, 10, 3, 4), 0.0);
        assert_eq!(chi2_sf(0.0, 3.0), 1.0);
    }
}
