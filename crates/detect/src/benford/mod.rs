//! Benford's law tests (MOD-BENFORD) on the amounts of one group — a payee, a department, a
//! period: first digit, second digit, first two digits, last two digits, the summation test
//! and the number-duplication test, after Nigrini, *Benford's Law* (Wiley 2012).
//!
//! Amounts are integers in fen; leading digits do not depend on the unit, so fen and yuan
//! give the same first-digit results. Amounts below `min_amount_fen` are left out, as Nigrini
//! does (small numbers have too few digits to test). A test runs only when the group has at
//! least its minimum sample; below it the detector stays silent for that test.
//!
//! Conformity of the digit tests is judged by the mean absolute deviation (MAD) between
//! observed and expected proportions, MAD = (1/k) Σ |pₒ − pₑ|, against Nigrini's bands.
//! Nigrini's bands assume large samples: even data drawn from Benford's law has an expected
//! MAD of E(MAD) = (1/k) Σ √(2pₑ(1 − pₑ)/(πn)) (about 0.0026 for the first two digits of a
//! thousand amounts, above the 0.0022 nonconformity bound). So the band is applied to the
//! excess MAD, MAD − E(MAD) (Barney and Schulzke 2016), and a sample that only shows its
//! sampling noise is not called nonconforming. The last-two-digits test (uniform
//! expectation, no published MAD band) uses Pearson's χ² over the distinct amounts; the
//! summation test flags first-two-digit groups whose share of the total amount is a
//! multiple of the expected 1/90.
//! The number-duplication test lists amounts repeated far more often than a varied ledger
//! would repeat them.

mod findings;
mod report;
#[cfg(test)]
mod tests;

pub use findings::findings;
pub use report::{
    BenfordReport, Conformity, DigitTest, DuplicateAmount, RoundTest, Spike, SummationTest,
    TestKind,
};

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::stats;

pub const MODEL_ID: &str = "MOD-BENFORD";
pub const VERSION: &str = "1.0.0";

/// Which unit the last-two-digits test reads the digits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigitsOf {
    /// The last two digits of the whole-yuan part (12,345.67 → 45): invented and rounded
    /// amounts show here. Only amounts of 100 yuan or more are read, so that the last two
    /// digits are never also the leading ones.
    Yuan,
    /// The fen part (12,345.67 → 67); only useful where amounts carry fen.
    Fen,
}

/// Parameters of the Benford tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Amounts below this (in fen) are left out of every test. Default 1,000 fen (10 yuan).
    pub min_amount_fen: i64,
    /// Minimum sample for the first-digit, second-digit, last-two-digits, summation and
    /// duplication tests. Default 300.
    pub min_sample: usize,
    /// Minimum sample for the first-two-digits test (90 bins need more data). Default 1,000.
    pub min_sample_first_two: usize,
    /// A first-digit, second-digit or first-two-digits test fails only when its χ² p-value
    /// is also at most this. Default 1 (the MAD band alone decides, as Nigrini does); set it
    /// lower for small groups such as single payees, where a band is crossed by chance.
    pub max_p_value: f64,
    /// Minimum sample for the summation and number-duplication tests. Default 300 (the
    /// summation test's spike factor is calibrated on about a thousand amounts: below that,
    /// one large amount carries the total).
    pub min_sample_summation: usize,
    /// Unit of the last-two-digits test. Default whole yuan.
    pub last_two_of: DigitsOf,
    /// Significance level of the last-two-digits χ² test (and of the round-number test).
    /// Default 0.001.
    pub last_two_alpha: f64,
    /// Where a group is too small for the last-two-digits test, the round-number test runs
    /// from this many amounts of 100 yuan or more. Default 20.
    pub min_sample_round: usize,
    /// The round-number test fails only when at least this share of the amounts are whole
    /// hundreds of yuan (besides its binomial p-value): honest fees and rents are round too,
    /// a ledger of mostly round amounts is what invention looks like. Default 0.5.
    pub round_min_share: f64,
    /// A bin is listed as a spike when its excess has a Z statistic at least this. Default
    /// 3.29 (two-sided 0.1 %).
    pub spike_z: f64,
    /// The summation test flags a first-two-digit group holding at least this multiple of
    /// the expected 1/90 of the total. Default 10: in a finite sample the largest amounts
    /// carry most of the total, so groups at 3–5× the expectation occur by chance in honest
    /// ledgers of a thousand amounts; 10× takes a cluster of large amounts.
    pub summation_spike_factor: f64,
    /// Number duplication: an amount is listed when it occurs at least this often … Default 5.
    pub duplication_min_count: usize,
    /// … and makes up at least this share of the sample. Default 0.05.
    pub duplication_min_share: f64,
    /// Evidence rows attached to one finding at most. Default 200.
    pub max_evidence_rows: usize,
    /// When one run tests many groups (every payee), some honest group crosses any fixed
    /// p-value bound by chance. [`Params::for_groups`] divides `family_alpha` over the groups
    /// tested (Bonferroni) and tightens `max_p_value` and `last_two_alpha` to the result, so
    /// that the chance of any false call in the run stays at most `family_alpha` (as far as
    /// the χ² p-values hold). Default 1: no correction.
    pub family_alpha: f64,
}

impl Params {
    /// The parameters for one of `groups` groups tested in the same run (see `family_alpha`).
    pub fn for_groups(&self, groups: usize) -> Params {
        let bound = self.family_alpha / groups.max(1) as f64;
        Params {
            max_p_value: self.max_p_value.min(bound),
            last_two_alpha: self.last_two_alpha.min(bound),
            ..self.clone()
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_amount_fen: 1_000,
            min_sample: 300,
            min_sample_first_two: 1_000,
            max_p_value: 1.0,
            min_sample_summation: 300,
            last_two_of: DigitsOf::Yuan,
            last_two_alpha: 0.001,
            min_sample_round: 20,
            round_min_share: 0.5,
            spike_z: 3.29,
            summation_spike_factor: 10.0,
            duplication_min_count: 5,
            duplication_min_share: 0.05,
            max_evidence_rows: 200,
            family_alpha: 1.0,
        }
    }
}

/// Expected first-digit proportions, d = 1..=9: log10(1 + 1/d).
pub fn expected_first_digit() -> Vec<f64> {
    (1..=9)
        .map(|d| (1.0 + 1.0 / f64::from(d)).log10())
        .collect()
}

/// Expected second-digit proportions, d = 0..=9: Σₖ log10(1 + 1/(10k + d)), k = 1..=9.
pub fn expected_second_digit() -> Vec<f64> {
    (0..=9)
        .map(|d| {
            (1..=9)
                .map(|k| (1.0 + 1.0 / f64::from(10 * k + d)).log10())
                .sum()
        })
        .collect()
}

/// Expected first-two-digit proportions, d = 10..=99: log10(1 + 1/d).
pub fn expected_first_two() -> Vec<f64> {
    (10..=99)
        .map(|d| (1.0 + 1.0 / f64::from(d)).log10())
        .collect()
}

/// The first two significant digits of a positive integer ≥ 10.
fn first_two(v: i64) -> u32 {
    let mut x = v.unsigned_abs();
    while x >= 100 {
        x /= 10;
    }
    x as u32
}

/// Runs every test on `amounts` (fen) of one group.
pub fn analyse(amounts: &[i64], p: &Params) -> BenfordReport {
    let min = p.min_amount_fen.max(10);
    let used: Vec<usize> = (0..amounts.len()).filter(|&i| amounts[i] >= min).collect();
    let n = used.len();
    let mut report = BenfordReport {
        n_input: amounts.len(),
        n_used: n,
        tests: Vec::new(),
        summation: None,
        duplicates: Vec::new(),
        round: None,
        skipped: Vec::new(),
    };
    let f2: Vec<(usize, u32)> = used.iter().map(|&i| (i, first_two(amounts[i]))).collect();
    let run = |kind, first, expected: Vec<f64>, bin: &dyn Fn(usize, u32) -> Option<usize>| {
        let bins: Vec<(usize, usize)> = f2
            .iter()
            .filter_map(|&(i, d)| bin(i, d).map(|b| (i, b)))
            .collect();
        digit_test(kind, first, expected, &bins, p)
    };
    if n >= p.min_sample {
        report.tests.push(run(
            TestKind::FirstDigit,
            1,
            expected_first_digit(),
            &|_, d| Some(d as usize / 10 - 1),
        ));
        report.tests.push(run(
            TestKind::SecondDigit,
            0,
            expected_second_digit(),
            &|_, d| Some(d as usize % 10),
        ));
    } else {
        report
            .skipped
            .extend([TestKind::FirstDigit, TestKind::SecondDigit]);
    }
    if n >= p.min_sample_first_two {
        report.tests.push(run(
            TestKind::FirstTwoDigits,
            10,
            expected_first_two(),
            &|_, d| Some(d as usize - 10),
        ));
    } else {
        report.skipped.push(TestKind::FirstTwoDigits);
    }
    let last_two = |i: usize| -> Option<usize> {
        let a = amounts[i];
        match p.last_two_of {
            DigitsOf::Yuan => (a / 100 >= 100).then_some((a / 100 % 100) as usize),
            DigitsOf::Fen => Some((a % 100) as usize),
        }
    };
    // Each distinct amount counts once: a recurring payment (the same rent twelve times) says
    // nothing about how its digits were chosen — that is the duplication test's question. On
    // the medium demo, honest payees with one monthly amount made four of its seven findings.
    let mut seen = HashSet::new();
    let distinct: Vec<(usize, usize)> = used
        .iter()
        .filter(|&&i| seen.insert(amounts[i]))
        .filter_map(|&i| last_two(i).map(|b| (i, b)))
        .collect();
    if distinct.len() >= p.min_sample {
        let mut t = digit_test(TestKind::LastTwoDigits, 0, vec![0.01; 100], &distinct, p);
        // The evidence is every payment in a spiking bin, repeats included.
        for s in &mut t.spikes {
            s.rows = used
                .iter()
                .copied()
                .filter(|&i| last_two(i) == Some(s.digits as usize))
                .collect();
        }
        report.tests.push(t);
    } else {
        report.skipped.push(TestKind::LastTwoDigits);
        report.round = round_numbers(amounts, &used, p);
    }
    if n >= p.min_sample_summation {
        report.summation = Some(summation(amounts, &f2, p));
        report.duplicates = duplicates(amounts, &used, p);
    } else {
        report
            .skipped
            .extend([TestKind::Summation, TestKind::Duplication]);
    }
    report
}

/// The round-number test over the amounts of 100 yuan or more (whole yuan only): `None` below
/// `min_sample_round` of them. Under uniform last two digits 1 in 100 is a whole hundred.
fn round_numbers(amounts: &[i64], used: &[usize], p: &Params) -> Option<RoundTest> {
    let big: Vec<usize> = used
        .iter()
        .copied()
        .filter(|&i| amounts[i] >= 10_000)
        .collect();
    if big.len() < p.min_sample_round.max(1) {
        return None;
    }
    let rows: Vec<usize> = big
        .iter()
        .copied()
        .filter(|&i| amounts[i] % 10_000 == 0)
        .collect();
    let (n, round) = (big.len(), rows.len());
    let expected = 0.01;
    let share = round as f64 / n as f64;
    let p_value = stats::binomial_sf(round as u64, n as u64, expected);
    Some(RoundTest {
        n,
        round,
        share,
        expected,
        p_value,
        flagged: share >= p.round_min_share && p_value < p.last_two_alpha,
        rows,
    })
}

/// Nigrini's Z for one bin: (|pₒ − pₑ| − 1/2n) / √(pₑ(1 − pₑ)/n), the correction applied
/// only when it is smaller than the difference.
fn z_stat(observed: f64, expected: f64, n: usize) -> f64 {
    let n = n as f64;
    let diff = (observed - expected).abs();
    let corr = 1.0 / (2.0 * n);
    let num = if corr < diff { diff - corr } else { diff };
    num / (expected * (1.0 - expected) / n).sqrt()
}

fn digit_test(
    kind: TestKind,
    first: u32,
    expected: Vec<f64>,
    bins: &[(usize, usize)],
    p: &Params,
) -> DigitTest {
    let k = expected.len();
    let n = bins.len();
    let mut counts = vec![0u64; k];
    for &(_, b) in bins {
        counts[b] += 1;
    }
    let nf = n.max(1) as f64;
    let mut mad = 0.0;
    let mut expected_mad = 0.0;
    let mut chi = 0.0;
    let mut spikes = Vec::new();
    for (b, (&c, &e)) in counts.iter().zip(&expected).enumerate() {
        let o = c as f64 / nf;
        mad += (o - e).abs();
        expected_mad += (2.0 * e * (1.0 - e) / (std::f64::consts::PI * nf)).sqrt();
        chi += (c as f64 - e * nf).powi(2) / (e * nf);
        let z = z_stat(o, e, n.max(1));
        if o > e && z >= p.spike_z {
            spikes.push(Spike {
                digits: first + b as u32,
                count: c,
                observed: o,
                expected: e,
                z,
                rows: Vec::new(),
            });
        }
    }
    mad /= k as f64;
    expected_mad /= k as f64;
    let excess_mad = (mad - expected_mad).max(0.0);
    spikes.sort_by(|a, b| b.z.total_cmp(&a.z));
    spikes.truncate(5);
    for s in &mut spikes {
        let b = (s.digits - first) as usize;
        s.rows = bins.iter().filter(|x| x.1 == b).map(|x| x.0).collect();
    }
    let p_value = stats::chi2_sf(chi, (k - 1) as f64);
    let conformity = kind
        .mad_bands()
        .map(|bands| Conformity::of(excess_mad, bands));
    let flagged = match conformity {
        Some(c) => c == Conformity::Nonconformity && p_value <= p.max_p_value,
        None => p_value < p.last_two_alpha,
    };
    DigitTest {
        kind,
        n,
        first,
        counts,
        expected,
        mad,
        expected_mad,
        excess_mad,
        conformity,
        chi_square: chi,
        p_value,
        spikes,
        flagged,
    }
}

fn summation(amounts: &[i64], f2: &[(usize, u32)], p: &Params) -> SummationTest {
    let mut sums = [0f64; 90];
    for &(i, d) in f2 {
        sums[d as usize - 10] += amounts[i] as f64;
    }
    let total: f64 = sums.iter().sum();
    let shares: Vec<f64> = sums.iter().map(|s| s / total).collect();
    let e = 1.0 / 90.0;
    let mad = shares.iter().map(|s| (s - e).abs()).sum::<f64>() / 90.0;
    let mut spikes: Vec<Spike> = shares
        .iter()
        .enumerate()
        .filter(|(_, s)| **s >= p.summation_spike_factor * e)
        .map(|(b, &s)| {
            let rows: Vec<usize> = f2
                .iter()
                .filter(|x| x.1 as usize == b + 10)
                .map(|x| x.0)
                .collect();
            Spike {
                digits: b as u32 + 10,
                count: rows.len() as u64,
                observed: s,
                expected: e,
                z: s / e,
                rows,
            }
        })
        .collect();
    spikes.sort_by(|a, b| b.observed.total_cmp(&a.observed));
    let flagged = !spikes.is_empty();
    SummationTest {
        n: f2.len(),
        shares,
        mad,
        spikes,
        flagged,
    }
}

fn duplicates(amounts: &[i64], used: &[usize], p: &Params) -> Vec<DuplicateAmount> {
    let mut by: HashMap<i64, Vec<usize>> = HashMap::new();
    for &i in used {
        by.entry(amounts[i]).or_default().push(i);
    }
    let n = used.len() as f64;
    let mut out: Vec<DuplicateAmount> = by
        .into_iter()
        .filter(|(_, rows)| {
            rows.len() >= p.duplication_min_count
                && rows.len() as f64 / n >= p.duplication_min_share
        })
        .map(|(amount_fen, rows)| DuplicateAmount {
            amount_fen,
            count: rows.len(),
            share: rows.len() as f64 / n,
            rows,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.amount_fen.cmp(&b.amount_fen)));
    out
}
