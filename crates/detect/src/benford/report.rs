//! The result types of the Benford tests.

use serde::{Deserialize, Serialize};

/// The six tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    FirstDigit,
    SecondDigit,
    FirstTwoDigits,
    LastTwoDigits,
    Summation,
    Duplication,
    RoundNumbers,
}

impl TestKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::FirstDigit => "首位数",
            Self::SecondDigit => "第二位数",
            Self::FirstTwoDigits => "首两位数",
            Self::LastTwoDigits => "末两位数",
            Self::Summation => "首两位数汇总",
            Self::Duplication => "数值重复",
            Self::RoundNumbers => "整百金额",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::FirstDigit => "first-digit",
            Self::SecondDigit => "second-digit",
            Self::FirstTwoDigits => "first-two-digits",
            Self::LastTwoDigits => "last-two-digits",
            Self::Summation => "summation",
            Self::Duplication => "number-duplication",
            Self::RoundNumbers => "round-numbers",
        }
    }

    /// Nigrini's MAD upper bounds for close, acceptable and marginal conformity.
    pub fn mad_bands(self) -> Option<[f64; 3]> {
        match self {
            Self::FirstDigit => Some([0.006, 0.012, 0.015]),
            Self::SecondDigit => Some([0.008, 0.010, 0.012]),
            Self::FirstTwoDigits => Some([0.0012, 0.0018, 0.0022]),
            _ => None,
        }
    }
}

/// Nigrini's conformity levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conformity {
    Close,
    Acceptable,
    Marginal,
    Nonconformity,
}

impl Conformity {
    /// The band a MAD falls in.
    pub fn of(mad: f64, bands: [f64; 3]) -> Self {
        if mad <= bands[0] {
            Self::Close
        } else if mad <= bands[1] {
            Self::Acceptable
        } else if mad <= bands[2] {
            Self::Marginal
        } else {
            Self::Nonconformity
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Close => "高度符合",
            Self::Acceptable => "可接受",
            Self::Marginal => "勉强符合",
            Self::Nonconformity => "不符合",
        }
    }
}

/// A bin observed far more often than expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spike {
    /// The digits of the bin (e.g. 48 for the first-two-digits bin 48).
    pub digits: u32,
    pub count: u64,
    pub observed: f64,
    pub expected: f64,
    /// Nigrini's Z statistic with continuity correction.
    pub z: f64,
    /// Input positions of the amounts in this bin.
    pub rows: Vec<usize>,
}

/// One digit test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigitTest {
    pub kind: TestKind,
    /// Amounts tested.
    pub n: usize,
    /// The digits of the first bin (1, 0, 10 or 0); bin `i` holds digits `first + i`.
    pub first: u32,
    pub counts: Vec<u64>,
    /// Expected proportions per bin.
    pub expected: Vec<f64>,
    /// Mean absolute deviation of observed from expected proportions.
    pub mad: f64,
    /// The MAD expected from sampling noise alone at this sample size.
    pub expected_mad: f64,
    /// max(0, MAD − expected MAD): what the conformity band is applied to.
    pub excess_mad: f64,
    /// Nigrini's band for the excess MAD, where the test has one.
    pub conformity: Option<Conformity>,
    pub chi_square: f64,
    pub p_value: f64,
    /// Over-represented bins, strongest first (at most five).
    pub spikes: Vec<Spike>,
    /// Whether the test fails: nonconformity, or for the last two digits p < alpha.
    pub flagged: bool,
}

/// The summation test: each first-two-digit group's share of the total amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummationTest {
    pub n: usize,
    /// Share of the total amount per first-two-digit group 10..=99.
    pub shares: Vec<f64>,
    /// MAD of the shares against 1/90.
    pub mad: f64,
    /// Groups holding at least `summation_spike_factor / 90` of the total.
    pub spikes: Vec<Spike>,
    pub flagged: bool,
}

/// An amount repeated often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateAmount {
    pub amount_fen: i64,
    pub count: usize,
    pub share: f64,
    pub rows: Vec<usize>,
}

/// Everything the tests measured on one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenfordReport {
    pub n_input: usize,
    /// Amounts at or above the minimum amount.
    pub n_used: usize,
    /// Digit tests that had enough data, in the order first, second, first-two, last-two.
    pub tests: Vec<DigitTest>,
    pub summation: Option<SummationTest>,
    /// Listed repeated amounts, most frequent first (empty below the minimum sample).
    pub duplicates: Vec<DuplicateAmount>,
    /// The round-number test, run where the last-two-digits test lacks data.
    pub round: Option<RoundTest>,
    /// Tests left out for lack of data.
    pub skipped: Vec<TestKind>,
}

impl BenfordReport {
    /// True when no test fails.
    pub fn is_silent(&self) -> bool {
        !self.tests.iter().any(|t| t.flagged)
            && !self.summation.as_ref().is_some_and(|s| s.flagged)
            && self.duplicates.is_empty()
            && !self.round.as_ref().is_some_and(|r| r.flagged)
    }
}

/// The round-number test: how many amounts of at least 100 yuan are whole hundreds of yuan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundTest {
    /// Amounts of at least 100 yuan.
    pub n: usize,
    /// Of those, whole hundreds of yuan.
    pub round: usize,
    pub share: f64,
    /// The share expected if the last two digits were uniform: 1 %.
    pub expected: f64,
    /// Binomial P(at least `round` of `n` at `expected`).
    pub p_value: f64,
    pub flagged: bool,
    /// Input positions of the round amounts.
    pub rows: Vec<usize>,
}
