use qinglian_core::{Category, EvidenceRow, Severity};

use super::*;
use crate::emit::Scope;

/// Log-uniform amounts from 10 yuan to 1,000,000 yuan by a low-discrepancy sequence: they
/// follow Benford's law as closely as real data ever does.
fn benford_amounts(n: usize) -> Vec<i64> {
    let phi = 0.618_033_988_749_894_9_f64;
    (1..=n)
        .map(|k| {
            let u = (k as f64 * phi).fract();
            10f64.powf(3.0 + 5.0 * u).round() as i64
        })
        .collect()
}

/// Invented amounts: 4,000–4,999 yuan, with fen.
fn invented_amounts(n: usize) -> Vec<i64> {
    let mut x: u64 = 12_345;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            400_000 + ((x >> 33) % 100_000) as i64
        })
        .collect()
}

fn ev(n: usize) -> Vec<EvidenceRow> {
    (0..n)
        .map(|i| EvidenceRow {
            dataset: "payments".into(),
            batch: "b1".into(),
            row: i as i64 + 2,
        })
        .collect()
}

fn last_two_test(r: &BenfordReport) -> &DigitTest {
    r.tests
        .iter()
        .find(|t| t.kind == TestKind::LastTwoDigits)
        .unwrap()
}

fn scope() -> Scope {
    Scope::new(Category::Fun, "company", "C1")
}

#[test]
fn expected_proportions_sum_to_one() {
    for e in [
        expected_first_digit(),
        expected_second_digit(),
        expected_first_two(),
    ] {
        assert!((e.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    assert!((expected_first_digit()[0] - std::f64::consts::LOG10_2).abs() < 1e-12);
    assert!((expected_second_digit()[0] - 0.11968).abs() < 1e-5);
}

#[test]
fn first_two_digits_of_fen_amounts() {
    assert_eq!(first_two(123_456), 12);
    assert_eq!(first_two(10), 10);
    assert_eq!(first_two(99_999), 99);
}

#[test]
fn benford_data_stays_silent() {
    let a = benford_amounts(3_000);
    let r = analyse(&a, &Params::default());
    assert_eq!(r.n_used, 3_000);
    assert!(r.skipped.is_empty());
    for t in &r.tests {
        assert!(
            !t.flagged,
            "{:?} flagged: mad {} p {}",
            t.kind, t.mad, t.p_value
        );
    }
    assert_eq!(r.tests[0].conformity, Some(Conformity::Close));
    assert!(r.is_silent(), "{r:?}");
    let f = findings(&r, &a, &scope(), &ev(a.len()), &Params::default()).unwrap();
    assert!(f.is_empty());
}

#[test]
fn invented_amounts_fail_first_digit_and_first_two() {
    let a = invented_amounts(1_200);
    let p = Params::default();
    let r = analyse(&a, &p);
    let f1 = &r.tests[0];
    assert_eq!(f1.kind, TestKind::FirstDigit);
    assert_eq!(f1.conformity, Some(Conformity::Nonconformity));
    // All mass on digit 4: MAD = (|1 − p4| + Σ other pₑ) / 9 = 2(1 − p4)/9.
    let p4 = (1.25f64).log10();
    assert!((f1.mad - 2.0 * (1.0 - p4) / 9.0).abs() < 1e-12);
    assert_eq!(f1.spikes[0].digits, 4);
    assert_eq!(f1.spikes[0].rows.len(), 1_200);
    let f2 = r
        .tests
        .iter()
        .find(|t| t.kind == TestKind::FirstTwoDigits)
        .unwrap();
    assert!(f2.flagged);
    let found = findings(&r, &a, &scope(), &ev(a.len()), &p).unwrap();
    let first = &found[0];
    assert_eq!(first.severity, Severity::High, "three digit tests fail");
    assert_eq!(first.source.id, "MOD-BENFORD");
    assert!(
        first
            .explanation_zh
            .contains("MAD=0.2007，扣除样本量 1200 笔的随机期望 0.0068 后为 0.1939 > 0.015"),
        "{}",
        first.explanation_zh
    );
    assert!(first.explanation_en.contains("first-digit"));
    assert_eq!(first.facts["conformity"], "nonconformity");
    assert_eq!(first.facts["excess_mad"], "0.19391");
    assert_eq!(first.evidence.len(), p.max_evidence_rows);
    assert_eq!(first.evidence[0].row, 2);
}

/// Random log-uniform amounts (not a low-discrepancy sequence): what an honest ledger looks
/// like, sampling noise included.
fn random_benford(n: usize, seed: u64) -> Vec<i64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            10f64.powf(3.0 + 5.0 * u) as i64
        })
        .collect()
}

#[test]
fn random_honest_ledgers_mostly_stay_silent() {
    let p = Params::default();
    let fired: usize = (0..40)
        .map(|seed| usize::from(!analyse(&random_benford(1_000, seed), &p).is_silent()))
        .sum();
    assert!(fired <= 2, "{fired} of 40 honest ledgers fired");
}

#[test]
fn small_groups_are_skipped_not_judged() {
    let a = invented_amounts(299);
    let r = analyse(&a, &Params::default());
    assert!(r.tests.is_empty());
    assert!(r.skipped.contains(&TestKind::FirstDigit));
    assert!(r.is_silent());
}

#[test]
fn amounts_below_the_minimum_are_left_out() {
    let mut a = benford_amounts(300);
    a.extend([5, 999, -4_000, 0]);
    let r = analyse(&a, &Params::default());
    assert_eq!(r.n_input, 304);
    assert_eq!(r.n_used, 300);
}

#[test]
fn round_yuan_amounts_fail_last_two_digits() {
    let a: Vec<i64> = benford_amounts(1_000)
        .iter()
        .map(|v| (v / 10_000).max(1) * 10_000)
        .collect();
    let r = analyse(&a, &Params::default());
    let l2 = last_two_test(&r);
    assert!(l2.flagged);
    assert_eq!(l2.spikes[0].digits, 0);
    let f = findings(&r, &a, &scope(), &ev(a.len()), &Params::default()).unwrap();
    assert!(
        f.iter()
            .any(|f| f.facts["test"] == "last-two-digits" && f.severity == Severity::Low)
    );
}

#[test]
fn summation_flags_a_few_large_amounts() {
    let mut a = benford_amounts(500);
    a.extend([4_800_000_000, 4_850_000_000, 4_810_000_000]);
    let r = analyse(&a, &Params::default());
    let s = r.summation.as_ref().unwrap();
    assert!(s.flagged);
    assert_eq!(s.spikes[0].digits, 48);
    let f = findings(&r, &a, &scope(), &ev(a.len()), &Params::default()).unwrap();
    let sum = f.iter().find(|f| f.facts["test"] == "summation").unwrap();
    assert!(sum.explanation_zh.contains("首两位数为 48"));
}

#[test]
fn repeated_amounts_are_listed() {
    let mut a = benford_amounts(400);
    a.extend(std::iter::repeat_n(880_000, 30));
    let r = analyse(&a, &Params::default());
    assert_eq!(r.duplicates.len(), 1);
    assert_eq!(r.duplicates[0].amount_fen, 880_000);
    assert_eq!(r.duplicates[0].count, 30);
}

#[test]
fn evidence_must_match_amounts() {
    let a = benford_amounts(10);
    let r = analyse(&a, &Params::default());
    assert!(findings(&r, &a, &scope(), &ev(9), &Params::default()).is_err());
}

#[test]
fn small_groups_need_a_small_p_value_and_skip_the_summation_test() {
    // 80 honest amounts cross the MAD band now and then; 80 invented ones by far.
    let p = Params {
        min_sample: 50,
        max_p_value: 1e-4,
        min_sample_summation: 1_000,
        ..Params::default()
    };
    let honest: usize = (0..40)
        .map(|seed| usize::from(!analyse(&random_benford(80, seed), &p).is_silent()))
        .sum();
    let loose = Params {
        max_p_value: 1.0,
        ..p.clone()
    };
    let loose_fired: usize = (0..40)
        .map(|seed| usize::from(!analyse(&random_benford(80, seed), &loose).is_silent()))
        .sum();
    assert!(honest <= 1, "{honest} of 40 honest payees fired");
    assert!(
        loose_fired > honest,
        "the p-value gate is what keeps them quiet"
    );
    let r = analyse(&invented_amounts(80), &p);
    assert!(r.tests[0].flagged, "invented amounts still fail");
    assert!(r.summation.is_none());
    assert!(r.skipped.contains(&TestKind::Summation));
}

/// The parameters the model base uses for single payees.
fn payee_params() -> Params {
    Params {
        min_sample: 50,
        max_p_value: 1e-4,
        min_sample_summation: 1_000,
        last_two_alpha: 1e-6,
        ..Params::default()
    }
}

#[test]
fn a_recurring_amount_does_not_fail_last_two_digits() {
    // 70 honest amounts and one monthly payment of 16,759.66 yuan twelve times.
    let mut a = random_benford(70, 3);
    a.extend(std::iter::repeat_n(1_675_966, 12));
    let r = analyse(&a, &payee_params());
    let l2 = last_two_test(&r);
    let distinct: std::collections::HashSet<i64> =
        a.iter().copied().filter(|&v| v >= 10_000).collect();
    assert_eq!(l2.n, distinct.len(), "each distinct amount once");
    assert!(!l2.flagged, "p = {}", l2.p_value);
    // Counted twelve times, the same ledger fails: the repeats alone made the spike.
    let counts_each: Vec<(usize, usize)> = (0..a.len())
        .filter(|&i| a[i] / 100 >= 100)
        .map(|i| (i, (a[i] / 100 % 100) as usize))
        .collect();
    let every = digit_test(
        TestKind::LastTwoDigits,
        0,
        vec![0.01; 100],
        &counts_each,
        &payee_params(),
    );
    assert!(every.flagged, "p = {}", every.p_value);
}

#[test]
fn invented_last_two_digits_still_fail_with_every_repeat_as_evidence() {
    // 60 distinct amounts all ending in 00 yuan, one of them paid three times.
    let mut a: Vec<i64> = (0..60).map(|k| (37 + 11 * k) * 10_000).collect();
    a.extend([370_000, 370_000]);
    let r = analyse(&a, &payee_params());
    let l2 = last_two_test(&r);
    assert!(l2.flagged);
    assert_eq!(l2.n, 60);
    assert_eq!(l2.spikes[0].digits, 0);
    assert_eq!(l2.spikes[0].rows.len(), 62, "the repeats are evidence too");
    let f = findings(&r, &a, &scope(), &ev(a.len()), &payee_params()).unwrap();
    let last = f
        .iter()
        .find(|f| f.facts["test"] == "last-two-digits")
        .unwrap();
    assert!(last.explanation_zh.contains("60 个不同金额"));
    assert_eq!(last.evidence.len(), 62);
}

#[test]
fn many_payees_share_the_p_value_bound() {
    let p = Params {
        family_alpha: 0.01,
        ..payee_params()
    };
    assert_eq!(p.for_groups(1).max_p_value, 1e-4, "the tighter bound wins");
    assert_eq!(p.for_groups(0).max_p_value, 1e-4);
    let each = p.for_groups(5_000);
    assert!((each.max_p_value - 2e-6).abs() < 1e-12);
    assert!(
        (each.last_two_alpha - 1e-6).abs() < 1e-12,
        "already tighter"
    );
    // A payee whose first digits are off (p between the two bounds) is called when it is the
    // only one tested, not when it is one of five thousand.
    let mut a = random_benford(60, 11);
    a.extend(invented_amounts(14));
    let alone = analyse(&a, &p.for_groups(1));
    let first = &alone.tests[0];
    assert!(
        first.p_value <= 1e-4 && first.p_value > 2e-6,
        "fixture p = {}",
        first.p_value
    );
    assert!(first.flagged);
    assert!(!analyse(&a, &each).tests[0].flagged);
}

#[test]
fn a_small_payee_paid_in_round_sums_fails_the_round_number_test() {
    // 24 payments, all whole ten-thousands of yuan: too few for the last-two-digits test.
    let a: Vec<i64> = (0..24).map(|k| (1 + k % 7) * 1_000_000).collect();
    let r = analyse(&a, &payee_params());
    assert!(r.skipped.contains(&TestKind::LastTwoDigits));
    let round = r.round.as_ref().unwrap();
    assert_eq!((round.n, round.round), (24, 24));
    assert!(round.flagged);
    assert!(!r.is_silent());
    let f = findings(&r, &a, &scope(), &ev(a.len()), &payee_params()).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].facts["test"], "round-numbers");
    assert_eq!(f[0].severity, Severity::Low);
    assert_eq!(f[0].evidence.len(), 24);
    assert!(
        f[0].explanation_zh
            .contains("24 笔百元以上金额中 24 笔为整百元（100.0%）"),
        "{}",
        f[0].explanation_zh
    );
}

#[test]
fn a_few_round_fees_among_honest_amounts_stay_silent() {
    // 30 honest amounts and 10 round fees: a third round is far above 1 %, yet under half.
    let mut a = random_benford(30, 5);
    a.extend(std::iter::repeat_n(500_000, 10));
    let r = analyse(&a, &payee_params());
    let round = r.round.as_ref().unwrap();
    assert!(round.p_value < 1e-6, "significant: p = {}", round.p_value);
    assert!(
        !round.flagged,
        "but a minority of round amounts is ordinary"
    );
    // Fewer than 20 amounts of 100 yuan or more: no test at all.
    assert!(analyse(&a[..15], &payee_params()).round.is_none());
    // A large group takes the last-two-digits test instead.
    assert!(
        analyse(&random_benford(400, 2), &Params::default())
            .round
            .is_none()
    );
}
