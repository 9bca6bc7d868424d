//! The detectors over money moving: Benford per payee, duplicate payments and claims,
//! threshold avoidance per unit, the isolation forest over payments and over expense claims, and temporal
//! anomalies (payments off hours and monthly surges per unit; vehicle trips off hours).

use chrono::Timelike;
use qinglian_core::{Category, EvidenceRow, Finding, Subject};
use qinglian_detect::matrix::Matrix;
use qinglian_detect::{Scope, benford, duplicates, iforest, temporal, threshold};

use super::lake::{Lake, Origin, Subset, groups};
use super::{Context, Output};
use crate::AppError;

fn detect(e: qinglian_detect::DetectError) -> AppError {
    AppError::Internal(format!("model base: {e}"))
}

fn subject(kind: &str, id: &str) -> Subject {
    Subject {
        kind: kind.into(),
        id: id.into(),
        name: None,
    }
}

/// MOD-BENFORD per payee.
pub(super) async fn benford(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let p = &ctx.params.benford;
    let pay = lake.payments().await?;
    let mut findings = Vec::new();
    let tested: Vec<_> = groups(&pay.payee)
        .into_iter()
        .filter(|(_, rows)| rows.len() >= p.min_sample.min(p.min_sample_round))
        .collect();
    // Thousands of payees are tested at once; the p-value bounds are shared out over them.
    let each = p.for_groups(tested.len());
    for (code, rows) in tested {
        let amounts: Vec<i64> = rows.iter().map(|&i| pay.fen[i]).collect();
        let report = benford::analyse(&amounts, &each);
        if report.is_silent() {
            continue;
        }
        let scope = Scope {
            subject: subject("payee", &pay.payee.values[code as usize]),
            category: Category::Fun,
            department: None,
        };
        let evidence = pay.origin.evidence_of(&rows);
        findings
            .extend(benford::findings(&report, &amounts, &scope, &evidence, p).map_err(detect)?);
    }
    Ok(Output {
        rows: pay.len() as u64,
        findings,
    })
}

/// MOD-DUPLICATE over payments (per payee) and expense claims (per claimant, with runs of
/// consecutive invoice numbers).
pub(super) async fn duplicates(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let p = &ctx.params.duplicates;
    let mut findings = Vec::new();
    let mut rows = 0;
    if lake.has("payments") {
        let pay = lake.payments().await?;
        let input: Vec<duplicates::Payment<'_>> = (0..pay.len())
            .map(|i| duplicates::Payment {
                payee: pay.payee.str(i),
                amount_fen: pay.fen[i],
                date: pay.paid_on[i],
                invoice: pay.invoice.get(i),
            })
            .collect();
        rows += input.len();
        findings.extend(duplicate_findings(
            &input,
            &pay.origin,
            Category::Fun,
            "payee",
            p,
        )?);
    }
    if lake.has("expense_claims") {
        let t = lake
            .table(
                "SELECT _batch, _row, person_id, expense_date, CAST(amount * 100 AS BIGINT) AS fen, \
                 invoice_no FROM expense_claims WHERE expense_date IS NOT NULL AND amount IS NOT NULL",
            )
            .await?;
        let (who, day, fen, inv) = (
            t.text("person_id")?,
            t.date("expense_date")?,
            t.int("fen")?,
            t.text("invoice_no")?,
        );
        let input: Vec<duplicates::Payment<'_>> = (0..t.rows)
            .map(|i| duplicates::Payment {
                payee: who.str(i),
                amount_fen: fen[i].unwrap_or(0),
                date: day[i].unwrap_or_default(),
                invoice: inv.get(i),
            })
            .collect();
        rows += input.len();
        let origin = Origin::of("expense_claims", &t)?;
        findings.extend(duplicate_findings(
            &input,
            &origin,
            Category::Exp,
            "person",
            &ctx.params.duplicates_claims,
        )?);
    }
    Ok(Output {
        rows: rows as u64,
        findings,
    })
}

fn duplicate_findings(
    input: &[duplicates::Payment<'_>],
    origin: &Origin,
    category: Category,
    subject_kind: &str,
    p: &duplicates::Params,
) -> Result<Vec<Finding>, AppError> {
    let pairs = duplicates::find(input, p);
    let runs = duplicates::invoice_runs(input, p.invoice_run_min);
    let sub = Subset::new(
        pairs
            .iter()
            .flat_map(|d| [d.first, d.second])
            .chain(runs.iter().flat_map(|r| r.rows.iter().copied())),
    );
    let pairs: Vec<duplicates::DuplicatePair> = pairs
        .into_iter()
        .map(|d| duplicates::DuplicatePair {
            first: sub.at(d.first),
            second: sub.at(d.second),
            ..d
        })
        .collect();
    let runs: Vec<duplicates::InvoiceRun> = runs
        .into_iter()
        .map(|r| duplicates::InvoiceRun {
            rows: r.rows.iter().map(|&i| sub.at(i)).collect(),
            ..r
        })
        .collect();
    let evidence = origin.evidence_of(&sub.idx);
    let input = sub.pick(input);
    let mut out = duplicates::findings(&pairs, &input, category, subject_kind, &evidence, p)
        .map_err(detect)?;
    out.extend(
        duplicates::run_findings(&runs, &input, category, subject_kind, &evidence, p)
            .map_err(detect)?,
    );
    Ok(out)
}

/// The organisation's thresholds (fen): tender and large-fund thresholds of its units.
async fn org_thresholds(lake: &Lake) -> Result<Vec<i64>, AppError> {
    if !lake.has("org_units") {
        return Ok(Vec::new());
    }
    let t = lake
        .table(
            "SELECT DISTINCT CAST(x * 100 AS BIGINT) AS fen FROM ( \
             SELECT tender_threshold AS x FROM org_units UNION ALL \
             SELECT large_fund_threshold FROM org_units) WHERE x > 0 ORDER BY fen",
        )
        .await?;
    Ok(t.int("fen")?.iter().flatten().copied().collect())
}

/// MOD-THRESHOLD: payments per unit and contracts per buying unit, against the
/// organisation's own thresholds.
pub(super) async fn threshold(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let mut p = ctx.params.threshold.clone();
    let own = org_thresholds(lake).await?;
    if !own.is_empty() {
        p.thresholds_fen = own;
    }
    let mut findings = Vec::new();
    let mut rows = 0;
    // Evidence is built only for a unit with a flagged threshold: most units have none.
    let per_unit = |unit: &str,
                    amounts: &[i64],
                    origin: &Origin,
                    idx: &[usize],
                    category: Category|
     -> Result<Vec<Finding>, AppError> {
        let results = threshold::analyse(amounts, &p).map_err(detect)?;
        if !results.iter().any(|r| r.flagged) {
            return Ok(Vec::new());
        }
        let scope = Scope {
            subject: subject("department", unit),
            category,
            department: Some(unit.to_owned()),
        };
        threshold::findings(&results, amounts, &scope, &origin.evidence_of(idx), &p).map_err(detect)
    };
    if lake.has("payments") {
        let pay = lake.payments().await?;
        rows += pay.len();
        for (code, idx) in groups(&pay.unit) {
            let amounts: Vec<i64> = idx.iter().map(|&i| pay.fen[i]).collect();
            findings.extend(per_unit(
                &pay.unit.values[code as usize],
                &amounts,
                &pay.origin,
                &idx,
                Category::Fun,
            )?);
        }
    }
    if lake.has("contracts") {
        let t = lake
            .table(
                "SELECT _batch, _row, unit_id, CAST(amount * 100 AS BIGINT) AS fen \
                 FROM contracts WHERE amount IS NOT NULL",
            )
            .await?;
        rows += t.rows;
        let (unit, fen) = (t.text("unit_id")?, t.int("fen")?);
        let origin = Origin::of("contracts", &t)?;
        for (code, idx) in groups(unit) {
            let amounts: Vec<i64> = idx.iter().map(|&i| fen[i].unwrap_or(0)).collect();
            findings.extend(per_unit(
                &unit.values[code as usize],
                &amounts,
                &origin,
                &idx,
                Category::Pro,
            )?);
        }
    }
    Ok(Output {
        rows: rows as u64,
        findings,
    })
}

/// Feature names of the isolation forest over payments: each says how unusual a payment is
/// for its unit and its payee, and when it was made — not how large it is.
const IFOREST_FEATURES: [&str; 4] = [
    "ln_amount_vs_unit_median",
    "ln_amount_vs_payee_median",
    "non_working_day",
    "hours_outside_office",
];

/// Office hours: approval times this many hours before 08:00 or after 18:00 count.
const OFFICE_HOURS: (f64, f64) = (8.0, 18.0);

/// MOD-IFOREST: one forest over the payments, one over the expense claims (when the lake
/// has them), each reporting its own highest scores.
pub(super) async fn iforest(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let mut out = if lake.has("payments") {
        payments_forest(lake, ctx).await?
    } else {
        Output::default()
    };
    if lake.has("expense_claims") {
        let claims = claims_forest(lake, ctx).await?;
        out.rows += claims.rows;
        out.findings.extend(claims.findings);
    }
    Ok(out)
}

/// The forest over payments. A payment is compared with the payments made *the same way*
/// (same method, with or without a contract) by its unit and to its payee: a 300,000-yuan
/// contract instalment is ordinary, the same sum paid without a contract or in cash is not;
/// a large sum to a payee always paid large sums is ordinary, ten times a payee's usual is
/// not. Plus a non-working day (the holiday calendar) and the hours outside office hours.
///
/// The forest splits within regions of the whole table's range (`region_splits`): among
/// hundreds of thousands of payments a subsample of 256 rarely holds one of the few made on
/// a holiday or far above the usual, and splitting between the subsample's own extremes
/// would rank them no higher than the edge of the honest cloud.
async fn payments_forest(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let pay = lake.payments().await?;
    let n = pay.len();
    // The forest samples rows by position: put them in source order (batch, row), not the
    // order a parallel scan happened to deliver them, so that a rerun scores alike.
    let order = source_order(&pay.origin);
    let way: Vec<u32> = order.iter().map(|&i| pay.way.codes[i]).collect();
    // `k` is a matrix row, `order[k]` the payment it describes.
    let ln_amount: Vec<f64> = order
        .iter()
        .map(|&i| (pay.fen[i].max(1) as f64).ln())
        .collect();
    let group = |codes: &[u32]| -> Vec<u64> {
        order
            .iter()
            .zip(&way)
            .map(|(&i, &w)| (u64::from(codes[i]) << 32) | u64::from(w))
            .collect()
    };
    let vs_unit = vs_group_median(&ln_amount, &group(&pay.unit.codes));
    let vs_payee = vs_group_median(&ln_amount, &group(&pay.payee.codes));
    let mut rows = Vec::with_capacity(n * IFOREST_FEATURES.len());
    for (k, &i) in order.iter().enumerate() {
        // No approval time: counted as within office hours.
        let hour = pay.time[i].map_or(OFFICE_HOURS.0, |t| {
            f64::from(t.hour()) + f64::from(t.minute()) / 60.0
        });
        rows.push(vs_unit[k]);
        rows.push(vs_payee[k]);
        rows.push(if ctx.calendar.is_working_day(pay.paid_on[i]) {
            0.0
        } else {
            1.0
        });
        rows.push((OFFICE_HOURS.0 - hour).max(hour - OFFICE_HOURS.1).max(0.0));
    }
    let m = Matrix::from_row_major(rows, IFOREST_FEATURES.len()).map_err(detect)?;
    let p = iforest::Params {
        region_splits: true,
        ..ctx.params.iforest.clone()
    };
    let findings = ranked_findings(
        &m,
        &IFOREST_FEATURES,
        ctx,
        &p,
        Category::Fun,
        |k| subject("payee", pay.payee.str(order[k])),
        |ks| {
            let idx: Vec<usize> = ks.iter().map(|&k| order[k]).collect();
            pay.origin.evidence_of(&idx)
        },
    )?;
    Ok(Output {
        rows: n as u64,
        findings,
    })
}

/// The rows of `origin` in source order: by batch name, then row.
///
/// Sorts packed keys rather than positions through a closure: at ten million payments the
/// indirect comparisons took most of the forest's time.
fn source_order(origin: &Origin) -> Vec<usize> {
    let batch = &origin.batch;
    let mut by_name: Vec<u32> = (0..batch.values.len() as u32).collect();
    by_name.sort_by(|&a, &b| batch.values[a as usize].cmp(&batch.values[b as usize]));
    let mut rank = vec![0u32; by_name.len()];
    for (r, &c) in by_name.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    let mut keys: Vec<(u32, i64, u32)> = (0..origin.row.len())
        .map(|i| {
            let r = rank
                .get(batch.codes[i] as usize)
                .copied()
                .unwrap_or(u32::MAX);
            (r, origin.row[i], i as u32)
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|k| k.2 as usize).collect()
}

/// Each value minus the median of the values of its group (`groups[i]`): rows sorted by
/// group once, each group's median by selection.
fn vs_group_median(values: &[f64], groups: &[u64]) -> Vec<f64> {
    let mut idx: Vec<(u64, u32)> = groups
        .iter()
        .enumerate()
        .map(|(i, &g)| (g, i as u32))
        .collect();
    idx.sort_unstable();
    let mut out = vec![0.0; values.len()];
    let mut buf = Vec::new();
    for run in idx.chunk_by(|a, b| a.0 == b.0) {
        buf.clear();
        buf.extend(run.iter().map(|&(_, i)| values[i as usize]));
        let median = qinglian_detect::stats::median_select(&mut buf);
        for &(_, i) in run {
            out[i as usize] = values[i as usize] - median;
        }
    }
    out
}

/// Feature names of the isolation forest over expense claims.
const CLAIM_FEATURES: [&str; 6] = [
    "ln_amount_vs_kind_median",
    "ln_amount_per_night_or_guest",
    "days_to_claim",
    "non_working_day",
    "ln_merchant_claims",
    "ln_merchant_category_claims",
];

/// The forest over expense claims: the amount against its kind's median, per night (hotel)
/// or per guest (reception), days from spending to claiming, a non-working day, and how
/// common the merchant and its category are among the claims.
async fn claims_forest(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let t = lake
        .table(
            "SELECT _batch, _row, person_id, kind, CAST(amount AS DOUBLE) AS amount, nights, \
             guests, expense_date, claimed_on, COALESCE(merchant, '') AS merchant, \
             COALESCE(merchant_category, '') AS merchant_category FROM expense_claims \
             WHERE amount > 0 AND expense_date IS NOT NULL ORDER BY _batch, _row",
        )
        .await?;
    let n = t.rows;
    if n == 0 {
        return Ok(Output::default());
    }
    let origin = Origin::of("expense_claims", &t)?;
    let (person, kind, amount) = (t.text("person_id")?, t.text("kind")?, t.float("amount")?);
    let (nights, guests) = (t.int("nights")?, t.int("guests")?);
    let (spent, claimed) = (t.date("expense_date")?, t.date("claimed_on")?);
    let (merchant, category) = (t.text("merchant")?, t.text("merchant_category")?);
    let ln_amount: Vec<f64> = amount
        .iter()
        .map(|a| a.unwrap_or(0.0).max(0.01).ln())
        .collect();
    let mut kind_median = vec![0.0; kind.values.len()];
    for (code, idx) in groups(kind) {
        let v: Vec<f64> = idx.iter().map(|&i| ln_amount[i]).collect();
        kind_median[code as usize] = qinglian_detect::stats::median(&v).unwrap_or(0.0);
    }
    let counts = |col: &qinglian_rules::TextColumn| {
        let mut c = vec![0u32; col.values.len()];
        for &code in &col.codes {
            if let Some(x) = c.get_mut(code as usize) {
                *x += 1;
            }
        }
        c
    };
    let (by_merchant, by_category) = (counts(merchant), counts(category));
    let ln_count =
        |c: &[u32], code: u32| f64::from(c.get(code as usize).copied().unwrap_or(0) + 1).ln();
    let mut rows = Vec::with_capacity(n * CLAIM_FEATURES.len());
    for i in 0..n {
        let k = kind.str(i);
        let per = match k {
            "hotel" => nights[i].unwrap_or(1).max(1),
            "reception" => guests[i].unwrap_or(1).max(1),
            _ => 1,
        };
        let day = spent[i].unwrap_or_default();
        rows.push(
            ln_amount[i]
                - kind_median
                    .get(kind.codes[i] as usize)
                    .copied()
                    .unwrap_or(0.0),
        );
        rows.push(ln_amount[i] - (per as f64).ln());
        rows.push(claimed[i].map_or(0.0, |c| (c - day).num_days() as f64));
        rows.push(if ctx.calendar.is_working_day(day) {
            0.0
        } else {
            1.0
        });
        rows.push(ln_count(&by_merchant, merchant.codes[i]));
        rows.push(ln_count(&by_category, category.codes[i]));
    }
    let m = Matrix::from_row_major(rows, CLAIM_FEATURES.len()).map_err(detect)?;
    let findings = ranked_findings(
        &m,
        &CLAIM_FEATURES,
        ctx,
        &ctx.params.iforest,
        Category::Exp,
        |i| subject("person", person.str(i)),
        |idx| origin.evidence_of(idx),
    )?;
    Ok(Output {
        rows: n as u64,
        findings,
    })
}

/// Fits the forest on `m` with `p`, scores every row on every core and reports the highest scores at
/// or above the threshold (at most `max_findings`), each with the features that drove it.
/// `subject_of(k)` and `evidence_of(ks)` name matrix row k's subject and source rows.
fn ranked_findings(
    m: &Matrix,
    names: &[&str],
    ctx: &Context,
    p: &iforest::Params,
    category: Category,
    subject_of: impl Fn(usize) -> Subject,
    evidence_of: impl Fn(&[usize]) -> Vec<EvidenceRow>,
) -> Result<Vec<Finding>, AppError> {
    // One row cannot be unlike the others: nothing to report, and no reason to fail the model.
    if m.n_rows() < 2 {
        return Ok(Vec::new());
    }
    let forest = iforest::IsolationForest::fit(m, p).map_err(detect)?;
    let scores = forest.anomaly_scores(m, ctx.threads);
    let mut top: Vec<usize> = (0..m.n_rows())
        .filter(|&k| scores[k] >= p.score_threshold)
        .collect();
    top.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    top.truncate(p.max_findings);
    let sub = Subset::new(top);
    let subjects: Vec<Subject> = sub.idx.iter().map(|&k| subject_of(k)).collect();
    iforest::findings(
        &forest,
        &sub.pick(&scores),
        &m.select_rows(&sub.idx),
        names,
        &subjects,
        category,
        &evidence_of(&sub.idx),
        p,
    )
    .map_err(detect)
}

/// MOD-TEMPORAL: payments off hours and monthly surges per unit; vehicle trips off hours
/// (approved trips are left out: a duty trip on a holiday is approved in advance).
pub(super) async fn temporal(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let p = &ctx.params.temporal;
    let mut findings = Vec::new();
    let mut rows = 0;
    if lake.has("payments") {
        let pay = lake.payments().await?;
        let events: Vec<temporal::Event<'_>> = (0..pay.len())
            .map(|i| temporal::Event {
                unit: pay.unit.str(i),
                date: pay.paid_on[i],
                time: pay.time[i],
                amount_fen: pay.fen[i],
                what: None,
            })
            .collect();
        rows += events.len();
        let off = temporal::off_hours(&events, &ctx.calendar, p);
        let surges = temporal::surges(&events, p);
        let sub = Subset::new(
            off.iter()
                .map(|o| o.index)
                .chain(surges.iter().flat_map(|s| s.rows.iter().copied())),
        );
        let off: Vec<temporal::OffHours> = off
            .into_iter()
            .map(|o| temporal::OffHours {
                index: sub.at(o.index),
                ..o
            })
            .collect();
        let surges: Vec<temporal::Surge> = surges
            .into_iter()
            .map(|s| temporal::Surge {
                rows: s.rows.iter().map(|&i| sub.at(i)).collect(),
                ..s
            })
            .collect();
        let subjects: Vec<Subject> = sub
            .idx
            .iter()
            .map(|&i| subject("payee", pay.payee.str(i)))
            .collect();
        findings.extend(
            temporal::findings(
                &off,
                &surges,
                &sub.pick(&events),
                &subjects,
                Category::Fun,
                &pay.origin.evidence_of(&sub.idx),
                p,
            )
            .map_err(detect)?,
        );
    }
    if lake.has("vehicle_trips") {
        let t = lake
            .table(
                "SELECT _batch, _row, vehicle_id, start_at FROM vehicle_trips \
                 WHERE start_at IS NOT NULL AND approved IS NOT TRUE",
            )
            .await?;
        let (vehicle, start) = (t.text("vehicle_id")?, t.datetime("start_at")?);
        let events: Vec<temporal::Event<'_>> = (0..t.rows)
            .filter_map(|i| {
                start[i].map(|s| temporal::Event {
                    unit: vehicle.str(i),
                    date: s.date(),
                    time: Some(s.time()),
                    amount_fen: 0,
                    what: Some(["未经审批的出车", "An unapproved vehicle trip"]),
                })
            })
            .collect();
        rows += events.len();
        let origin = Origin::of("vehicle_trips", &t)?;
        let off = temporal::off_hours(&events, &ctx.calendar, p);
        let subjects: Vec<Subject> = events.iter().map(|e| subject("vehicle", e.unit)).collect();
        let evidence: Vec<EvidenceRow> = (0..t.rows)
            .filter(|&i| start[i].is_some())
            .map(|i| origin.evidence(i))
            .collect();
        findings.extend(
            temporal::findings(&off, &[], &events, &subjects, Category::Ast, &evidence, p)
                .map_err(detect)?,
        );
    }
    Ok(Output {
        rows: rows as u64,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use qinglian_rules::TextColumn;

    use super::*;

    #[test]
    fn group_medians_by_selection_match_sorting() {
        let values = [5.0, 1.0, 3.0, 10.0, 2.0, 4.0, 7.0, -1.0, 0.5];
        let groups = [1, 1, 1, 2, 2, 2, 2, 9, 1];
        let got = vs_group_median(&values, &groups);
        // Group 1: 5, 1, 3, 0.5 → median 2; group 2: 10, 2, 4, 7 → 5.5; group 9: −1.
        let want = [3.0, -1.0, 1.0, 4.5, -3.5, -1.5, 1.5, 0.0, -1.5];
        assert_eq!(got, want);
    }

    #[test]
    fn source_order_is_batch_name_then_row() {
        let origin = Origin {
            dataset: "payments",
            batch: TextColumn {
                values: vec!["b2".into(), "b1".into()],
                codes: vec![0, 1, 0, 1],
            },
            row: vec![1, 7, 0, 3],
        };
        assert_eq!(source_order(&origin), vec![3, 1, 2, 0]);
    }
}
