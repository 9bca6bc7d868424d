//! Benford report → findings: one per failed test, naming the numbers that made it fail.

use qinglian_core::{EvidenceRow, Finding, Money, Severity};

use super::{BenfordReport, MODEL_ID, Params, Spike, TestKind, VERSION};
use crate::emit::{Scope, evidence_at, fact, finding, model_source, num, sci, yuan};
use crate::error::{Result, check_len};

/// Findings for one group's report. `amounts` and `evidence` are the slices the report was
/// computed from (one evidence row per amount). Severity: a failed first-digit, second-digit
/// or first-two-digits test is medium, high when two or more of them fail; last-two-digits,
/// round numbers, summation and duplication are low (they point at rounding, one large item or a recurring
/// payment as often as at invention).
pub fn findings(
    report: &BenfordReport,
    amounts: &[i64],
    scope: &Scope,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("benford evidence", amounts.len(), evidence.len())?;
    check_len("benford amounts", report.n_input, amounts.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let who = scope.subject.name.as_deref().unwrap_or(&scope.subject.id);
    let digit_fails = report
        .tests
        .iter()
        .filter(|t| t.flagged && t.conformity.is_some())
        .count();
    let mut out = Vec::new();
    let amount_of = |rows: &mut dyn Iterator<Item = usize>| -> Money {
        Money::from_fen(rows.map(|i| amounts[i]).sum())
    };
    for t in report.tests.iter().filter(|t| t.flagged) {
        let top = t.spikes.first();
        let (zh, en, severity) = match t.conformity {
            Some(c) => {
                let bands = t.kind.mad_bands().unwrap_or([0.0; 3]);
                (
                    format!(
                        "{who}的金额{}分布偏离本福特定律：MAD={}，扣除样本量 {} 笔的随机期望 {} 后为 {} > {}（{}，χ² 检验 p={}）{}",
                        t.kind.name_zh(),
                        num(t.mad, 4),
                        t.n,
                        num(t.expected_mad, 4),
                        num(t.excess_mad, 4),
                        bands[2],
                        c.name_zh(),
                        sci(t.p_value),
                        spike_zh(top)
                    ),
                    format!(
                        "{who}: the {} distribution of amounts departs from Benford's law: MAD={}, {} above the {} expected from sampling noise in {} amounts, > {} (nonconformity, chi-square p={}){}",
                        t.kind.name_en(),
                        num(t.mad, 4),
                        num(t.excess_mad, 4),
                        num(t.expected_mad, 4),
                        t.n,
                        bands[2],
                        sci(t.p_value),
                        spike_en(top)
                    ),
                    if digit_fails >= 2 {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                )
            }
            None => (
                format!(
                    "{who}的不同金额末两位数分布明显不均匀：χ²={}，p={}，{} 个不同金额{}",
                    num(t.chi_square, 1),
                    sci(t.p_value),
                    t.n,
                    spike_zh(top)
                ),
                format!(
                    "{who}: the last two digits of distinct amounts are far from uniform: chi-square={}, p={}, {} distinct amounts{}",
                    num(t.chi_square, 1),
                    sci(t.p_value),
                    t.n,
                    spike_en(top)
                ),
                Severity::Low,
            ),
        };
        let mut f = finding(&source, scope, severity, zh, en);
        let rows = t.spikes.iter().flat_map(|s| s.rows.iter().copied());
        f.evidence = evidence_at(evidence, rows, p.max_evidence_rows);
        f.amount = Some(amount_of(
            &mut t.spikes.iter().flat_map(|s| s.rows.iter().copied()),
        ));
        fact(&mut f.facts, "test", t.kind.name_en());
        fact(&mut f.facts, "n", t.n);
        fact(&mut f.facts, "mad", num(t.mad, 5));
        fact(&mut f.facts, "expected_mad", num(t.expected_mad, 5));
        fact(&mut f.facts, "excess_mad", num(t.excess_mad, 5));
        fact(&mut f.facts, "chi_square", num(t.chi_square, 2));
        fact(&mut f.facts, "p_value", sci(t.p_value));
        if let Some(c) = t.conformity {
            fact(&mut f.facts, "conformity", format!("{c:?}").to_lowercase());
        }
        if let Some(s) = top {
            fact(&mut f.facts, "top_digits", s.digits);
            fact(&mut f.facts, "top_observed", num(s.observed, 4));
            fact(&mut f.facts, "top_expected", num(s.expected, 4));
            fact(&mut f.facts, "top_z", num(s.z, 2));
        }
        out.push(f);
    }
    if let Some(s) = report.summation.as_ref().filter(|s| s.flagged) {
        let top = &s.spikes[0];
        let total = amount_of(&mut top.rows.iter().copied());
        let mut f = finding(
            &source,
            scope,
            Severity::Low,
            format!(
                "{who}首两位数为 {} 的金额合计占总额 {}%，期望约 {}%（{} 笔，合计 {} 元）",
                top.digits,
                num(top.observed * 100.0, 1),
                num(top.expected * 100.0, 1),
                top.count,
                yuan(total.fen())
            ),
            format!(
                "{who}: amounts with first two digits {} hold {}% of the total, about {}% expected ({} amounts, {} yuan)",
                top.digits,
                num(top.observed * 100.0, 1),
                num(top.expected * 100.0, 1),
                top.count,
                yuan(total.fen())
            ),
        );
        f.amount = Some(total);
        f.evidence = evidence_at(evidence, top.rows.iter().copied(), p.max_evidence_rows);
        fact(&mut f.facts, "test", TestKind::Summation.name_en());
        fact(&mut f.facts, "n", s.n);
        fact(&mut f.facts, "top_digits", top.digits);
        fact(&mut f.facts, "top_share", num(top.observed, 4));
        fact(&mut f.facts, "mad", num(s.mad, 5));
        out.push(f);
    }
    for d in &report.duplicates {
        let mut f = finding(
            &source,
            scope,
            Severity::Low,
            format!(
                "{who}的金额 {} 元重复出现 {} 次，占样本 {}%",
                yuan(d.amount_fen),
                d.count,
                num(d.share * 100.0, 1)
            ),
            format!(
                "{who}: the amount {} yuan occurs {} times, {}% of the sample",
                yuan(d.amount_fen),
                d.count,
                num(d.share * 100.0, 1)
            ),
        );
        f.amount = Some(Money::from_fen(d.amount_fen.saturating_mul(d.count as i64)));
        f.evidence = evidence_at(evidence, d.rows.iter().copied(), p.max_evidence_rows);
        fact(&mut f.facts, "test", TestKind::Duplication.name_en());
        fact(&mut f.facts, "amount_fen", d.amount_fen);
        fact(&mut f.facts, "count", d.count);
        fact(&mut f.facts, "share", num(d.share, 4));
        out.push(f);
    }
    if let Some(r) = report.round.as_ref().filter(|r| r.flagged) {
        let mut f = finding(
            &source,
            scope,
            Severity::Low,
            format!(
                "{who}的 {} 笔百元以上金额中 {} 笔为整百元（{}%），末两位数均匀时期望约 {}%（二项检验 p={}）",
                r.n,
                r.round,
                num(r.share * 100.0, 1),
                num(r.expected * 100.0, 0),
                sci(r.p_value)
            ),
            format!(
                "{who}: {} of {} amounts of 100 yuan or more are whole hundreds of yuan ({}%), about {}% expected if the last two digits were uniform (binomial p={})",
                r.round,
                r.n,
                num(r.share * 100.0, 1),
                num(r.expected * 100.0, 0),
                sci(r.p_value)
            ),
        );
        f.amount = Some(amount_of(&mut r.rows.iter().copied()));
        f.evidence = evidence_at(evidence, r.rows.iter().copied(), p.max_evidence_rows);
        fact(&mut f.facts, "test", TestKind::RoundNumbers.name_en());
        fact(&mut f.facts, "n", r.n);
        fact(&mut f.facts, "round", r.round);
        fact(&mut f.facts, "share", num(r.share, 4));
        fact(&mut f.facts, "p_value", sci(r.p_value));
        out.push(f);
    }
    Ok(out)
}

fn spike_zh(s: Option<&Spike>) -> String {
    s.map(|s| {
        format!(
            "；最突出的是 {}（实际 {}%，期望 {}%）",
            s.digits,
            num(s.observed * 100.0, 2),
            num(s.expected * 100.0, 2)
        )
    })
    .unwrap_or_default()
}

fn spike_en(s: Option<&Spike>) -> String {
    s.map(|s| {
        format!(
            "; most over-represented: {} ({}% observed, {}% expected)",
            s.digits,
            num(s.observed * 100.0, 2),
            num(s.expected * 100.0, 2)
        )
    })
    .unwrap_or_default()
}
