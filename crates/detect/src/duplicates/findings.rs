//! Duplicate pairs → findings, one per pair, about the payee; invoice runs → one per run.

use qinglian_core::{Category, EvidenceRow, Finding, Money, Severity};

use super::{DuplicateKind, DuplicatePair, InvoiceRun, MODEL_ID, Params, Payment, VERSION};
use crate::emit::{Scope, evidence_at, fact, finding, model_source, yuan};
use crate::error::{Result, check_len};

/// One finding per pair, subject `subject_kind`/payee, amount at stake the second record's
/// amount, evidence both rows. Severity: same invoice and invoice typo high; consecutive
/// invoices medium; same amount within the window medium when an invoice number is missing,
/// low when both records carry different invoice numbers.
pub fn findings(
    pairs: &[DuplicatePair],
    payments: &[Payment<'_>],
    category: Category,
    subject_kind: &str,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("duplicate evidence", payments.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let mut out = Vec::with_capacity(pairs.len());
    for d in pairs {
        let (a, b) = (&payments[d.first], &payments[d.second]);
        let severity = match d.kind {
            DuplicateKind::SameInvoice | DuplicateKind::InvoiceTypo => Severity::High,
            DuplicateKind::ConsecutiveInvoices | DuplicateKind::InvoiceRun => Severity::Medium,
            DuplicateKind::SameAmount if a.invoice.is_none() || b.invoice.is_none() => {
                Severity::Medium
            }
            DuplicateKind::SameAmount => Severity::Low,
        };
        let inv = |x: &Payment<'_>| x.invoice.unwrap_or("-").to_owned();
        let scope = Scope::new(category, subject_kind, b.payee);
        let mut f = finding(
            &source,
            &scope,
            severity,
            format!(
                "疑似重复支付（{}）：收款人 {}，金额 {} 元与 {} 元，日期 {} 与 {}（相隔 {} 天），发票号 {} 与 {}",
                d.kind.name_zh(),
                b.payee,
                yuan(a.amount_fen),
                yuan(b.amount_fen),
                a.date,
                b.date,
                d.days_apart,
                inv(a),
                inv(b)
            ),
            format!(
                "Possible duplicate ({}): payee {}, amounts {} and {} yuan on {} and {} ({} days apart), invoices {} and {}",
                d.kind.name_en(),
                b.payee,
                yuan(a.amount_fen),
                yuan(b.amount_fen),
                a.date,
                b.date,
                d.days_apart,
                inv(a),
                inv(b)
            ),
        );
        f.amount = Some(Money::from_fen(b.amount_fen));
        f.occurred_on = Some(b.date);
        f.evidence = evidence_at(evidence, [d.first, d.second], 2);
        fact(&mut f.facts, "kind", format!("{:?}", d.kind));
        fact(&mut f.facts, "days_apart", d.days_apart);
        fact(&mut f.facts, "amount_fen", b.amount_fen);
        fact(&mut f.facts, "invoice_a", inv(a));
        fact(&mut f.facts, "invoice_b", inv(b));
        out.push(f);
    }
    Ok(out)
}

/// One finding per run of consecutive invoice numbers, subject `subject_kind`/payee, amount
/// at stake the run's total, evidence every row of the run (at most 50), severity medium.
pub fn run_findings(
    runs: &[InvoiceRun],
    payments: &[Payment<'_>],
    category: Category,
    subject_kind: &str,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("duplicate evidence", payments.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let mut out = Vec::with_capacity(runs.len());
    for r in runs {
        let rows = || r.rows.iter().map(|&i| &payments[i]);
        let payee = payments[r.rows[0]].payee;
        let total: i64 = rows().map(|x| x.amount_fen).sum();
        let from = rows().map(|x| x.date).min().unwrap_or_default();
        let to = rows().map(|x| x.date).max().unwrap_or_default();
        let scope = Scope::new(category, subject_kind, payee);
        let mut f = finding(
            &source,
            &scope,
            Severity::Medium,
            format!(
                "连号发票：{} 持有 {} 张号码相连的发票（{} 至 {}），开具于 {} 个不同日期（{} 至 {}），合计 {} 元；商家的发票本应开给众多客户，同一人连号多张说明可能一次取得、事后填写",
                payee,
                r.numbers,
                r.first,
                r.last,
                r.days,
                from,
                to,
                yuan(total)
            ),
            format!(
                "Consecutive invoices: {} holds {} invoices numbered in a row ({} to {}), dated on {} different days ({} to {}), {} yuan in total; a merchant issues its invoices to many customers, so a run held by one person suggests a pad obtained at once and filled in later",
                payee,
                r.numbers,
                r.first,
                r.last,
                r.days,
                from,
                to,
                yuan(total)
            ),
        );
        f.amount = Some(Money::from_fen(total));
        f.occurred_on = Some(to);
        f.evidence = evidence_at(evidence, r.rows.iter().copied(), 50);
        fact(
            &mut f.facts,
            "kind",
            format!("{:?}", DuplicateKind::InvoiceRun),
        );
        fact(&mut f.facts, "numbers", r.numbers);
        fact(&mut f.facts, "days", r.days);
        fact(&mut f.facts, "first_invoice", &r.first);
        fact(&mut f.facts, "last_invoice", &r.last);
        out.push(f);
    }
    Ok(out)
}
