//! From a rule's result rows to findings.
//!
//! Each result row is one hit. The TOML names the columns that hold the subject, the
//! amount, the department and the date; the explanation templates name columns in braces;
//! evidence is every column called `evidence` or starting with `evidence_`, each a text
//! `dataset:batch:row` (what `ev('payments', _batch, _row)` returns) or a list of such
//! texts (`array_agg(ev(...))`). NULL evidence entries are skipped; a hit with no evidence
//! at all is refused, because a finding that cannot show its source rows is a defect.
//! Rows with the same fingerprint are merged (evidence united).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, RecordBatch,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use qinglian_core::{EvidenceRow, Finding, FindingSource, Money, SourceKind, Subject};

use crate::RulesError;
use crate::engine::Hit;
use crate::model::Rule;

const EPOCH_DAYS_CE: i32 = 719_163;

/// Column names `{name}` used by a template, in order (`{{` and `}}` are literal braces).
pub fn template_columns(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(name.trim().to_owned());
            }
            _ => {}
        }
    }
    out
}

fn fill(t: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(t.len() + 32);
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push_str(values.get(name.trim()).map_or("—", String::as_str));
            }
            c => out.push(c),
        }
    }
    out
}

/// Every column a rule's TOML says the result has.
pub fn declared_columns(rule: &Rule) -> Vec<(String, &'static str)> {
    let m = &rule.meta;
    let mut cols = vec![(m.subject.id.clone(), "[subject] id")];
    if let Some(n) = &m.subject.name {
        cols.push((n.clone(), "[subject] name"));
    }
    for (c, what) in [
        (&m.result.amount, "[result] amount"),
        (&m.result.department, "[result] department"),
        (&m.result.occurred_on, "[result] occurred_on"),
    ] {
        if let Some(c) = c {
            cols.push((c.clone(), what));
        }
    }
    cols.extend(m.result.keys.iter().map(|k| (k.clone(), "[result] keys")));
    cols.extend(m.result.facts.iter().map(|k| (k.clone(), "[result] facts")));
    cols.extend(
        template_columns(&m.explanation.zh)
            .into_iter()
            .map(|k| (k, "[explanation] zh")),
    );
    cols.extend(
        template_columns(&m.explanation.en)
            .into_iter()
            .map(|k| (k, "[explanation] en")),
    );
    cols
}

/// Checks that the result has every declared column and at least one evidence column.
pub fn check_columns(rule: &Rule, columns: &[String]) -> Result<(), RulesError> {
    let bad = |reason: String| RulesError::Result {
        file: rule.sql_file(),
        reason,
    };
    for (c, what) in declared_columns(rule) {
        if !columns.contains(&c) {
            return Err(bad(format!(
                "the TOML's {what} names column `{c}`, but the SQL returns no such column (it returns: {})",
                columns.join(", ")
            )));
        }
    }
    if !columns.iter().any(|c| is_evidence(c)) {
        return Err(bad(
            "the SQL returns no evidence column; return `evidence` (or `evidence_…`) built with ev('dataset', _batch, _row) or array_agg(ev(…))".into(),
        ));
    }
    Ok(())
}

fn is_evidence(c: &str) -> bool {
    c == "evidence" || c.starts_with("evidence_")
}

struct Col<'a> {
    name: &'a str,
    array: &'a ArrayRef,
}

fn text_of(a: &ArrayRef, i: usize) -> Result<Option<String>, String> {
    if a.is_null(i) {
        return Ok(None);
    }
    match a.data_type() {
        DataType::Utf8 => Ok(Some(a.as_string::<i32>().value(i).to_owned())),
        DataType::LargeUtf8 => Ok(Some(a.as_string::<i64>().value(i).to_owned())),
        DataType::Utf8View => Ok(Some(a.as_string_view().value(i).to_owned())),
        _ => display(a, i).map(Some),
    }
}

/// How a value reads in an explanation: amounts as `1,234.50`, dates as `2025-03-05`,
/// numbers with at most two decimals, lists joined with `、`.
fn display(a: &ArrayRef, i: usize) -> Result<String, String> {
    if a.is_null(i) {
        return Ok("—".into());
    }
    match a.data_type() {
        DataType::Decimal128(_, _) => {
            money_of(a, i).map(|m| m.map_or("—".into(), |m| m.to_string()))
        }
        DataType::Float64 | DataType::Float32 => {
            let f = cast(a, &DataType::Float64).map_err(|e| e.to_string())?;
            let v = f.as_primitive::<Float64Type>().value(i);
            let s = format!("{v:.2}");
            Ok(s.trim_end_matches('0').trim_end_matches('.').to_owned())
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let items = list_items(a, i)?;
            Ok(items.join("、"))
        }
        DataType::Timestamp(_, _) => {
            let opts = FormatOptions::default().with_timestamp_format(Some("%Y-%m-%d %H:%M"));
            let f = ArrayFormatter::try_new(a.as_ref(), &opts).map_err(|e| e.to_string())?;
            Ok(f.value(i).to_string())
        }
        _ => {
            let f = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())
                .map_err(|e| e.to_string())?;
            Ok(f.value(i).to_string())
        }
    }
}

fn list_items(a: &ArrayRef, i: usize) -> Result<Vec<String>, String> {
    let inner = match a.data_type() {
        DataType::List(_) => a.as_list::<i32>().value(i),
        DataType::LargeList(_) => a.as_list::<i64>().value(i),
        other => return Err(format!("expected a list, found {other}")),
    };
    let mut out = Vec::with_capacity(inner.len());
    for j in 0..inner.len() {
        if let Some(s) = text_of(&inner, j)? {
            out.push(s);
        }
    }
    Ok(out)
}

fn money_of(a: &ArrayRef, i: usize) -> Result<Option<Money>, String> {
    if a.is_null(i) {
        return Ok(None);
    }
    let c = cast(&a.slice(i, 1), &DataType::Decimal128(38, 2)).map_err(|e| e.to_string())?;
    let d = c
        .as_any()
        .downcast_ref::<Decimal128Array>()
        .ok_or("not a decimal")?;
    if d.is_null(0) {
        return Err(format!(
            "the amount {} does not fit DECIMAL(38,2)",
            display(a, i).unwrap_or_default()
        ));
    }
    i64::try_from(d.value(0))
        .map(|fen| Some(Money::from_fen(fen)))
        .map_err(|_| "the amount is too large".into())
}

fn date_of(a: &ArrayRef, i: usize) -> Result<Option<chrono::NaiveDate>, String> {
    if a.is_null(i) {
        return Ok(None);
    }
    let c = cast(&a.slice(i, 1), &DataType::Date32)
        .map_err(|e| format!("cannot read {} as a date: {e}", a.data_type()))?;
    let d = c
        .as_any()
        .downcast_ref::<Date32Array>()
        .ok_or("not a date")?;
    if d.is_null(0) {
        return Ok(None);
    }
    Ok(chrono::NaiveDate::from_num_days_from_ce_opt(
        d.value(0) + EPOCH_DAYS_CE,
    ))
}

/// Parses `dataset:batch:row` (the batch may itself contain `:`).
pub fn parse_evidence(s: &str) -> Option<EvidenceRow> {
    let (dataset, rest) = s.split_once(':')?;
    let (batch, row) = rest.rsplit_once(':')?;
    if dataset.is_empty() || batch.is_empty() {
        return None;
    }
    Some(EvidenceRow {
        dataset: dataset.to_owned(),
        batch: batch.to_owned(),
        row: row.trim().parse().ok()?,
    })
}

fn evidence_of(c: &Col<'_>, i: usize, out: &mut Vec<EvidenceRow>) -> Result<(), String> {
    let texts = match c.array.data_type() {
        DataType::List(_) | DataType::LargeList(_) => {
            if c.array.is_null(i) {
                Vec::new()
            } else {
                list_items(c.array, i)?
            }
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            text_of(c.array, i)?.into_iter().collect()
        }
        other => {
            return Err(format!(
                "evidence column `{}` is {other}; it must be text or a list of texts `dataset:batch:row`",
                c.name
            ));
        }
    };
    for t in texts {
        out.push(parse_evidence(&t).ok_or_else(|| {
            format!(
                "evidence column `{}` holds '{t}', which is not `dataset:batch:row`; build it with ev('dataset', _batch, _row)",
                c.name
            )
        })?);
    }
    Ok(())
}

/// Turns result batches into hits.
pub fn to_findings(
    rule: &Rule,
    hash: &str,
    batches: &[RecordBatch],
) -> Result<Vec<Hit>, RulesError> {
    let m = &rule.meta;
    let bad = |reason: String| RulesError::Result {
        file: rule.sql_file(),
        reason,
    };
    let mut hits: Vec<Hit> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for batch in batches {
        let schema = batch.schema();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        check_columns(rule, &names)?;
        let col = |name: &str| -> &ArrayRef {
            let i = names.iter().position(|n| n == name).unwrap_or(0);
            batch.column(i)
        };
        let evidence_cols: Vec<Col<'_>> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| is_evidence(n))
            .map(|(i, n)| Col {
                name: n.as_str(),
                array: batch.column(i),
            })
            .collect();
        let mut template_cols: Vec<String> = template_columns(&m.explanation.zh);
        template_cols.extend(template_columns(&m.explanation.en));
        template_cols.sort();
        template_cols.dedup();
        for i in 0..batch.num_rows() {
            let subject_id = text_of(col(&m.subject.id), i)
                .map_err(&bad)?
                .ok_or_else(|| {
                    bad(format!(
                        "a result row has NULL in the subject column `{}`; filter such rows out or COALESCE them",
                        m.subject.id
                    ))
                })?;
            let subject_name = match &m.subject.name {
                Some(c) => text_of(col(c), i).map_err(&bad)?,
                None => None,
            };
            let amount = match &m.result.amount {
                Some(c) => money_of(col(c), i).map_err(|e| bad(format!("column `{c}`: {e}")))?,
                None => None,
            };
            let department = match &m.result.department {
                Some(c) => text_of(col(c), i).map_err(&bad)?,
                None => None,
            };
            let occurred_on = match &m.result.occurred_on {
                Some(c) => date_of(col(c), i).map_err(|e| bad(format!("column `{c}`: {e}")))?,
                None => None,
            };
            let mut values = BTreeMap::new();
            for c in &template_cols {
                values.insert(c.clone(), display(col(c), i).map_err(&bad)?);
            }
            let mut facts = BTreeMap::new();
            for c in &m.result.facts {
                facts.insert(c.clone(), display(col(c), i).map_err(&bad)?);
            }
            let mut keys = Vec::new();
            for c in &m.result.keys {
                keys.push(text_of(col(c), i).map_err(&bad)?.unwrap_or_default());
            }
            let mut evidence = Vec::new();
            for c in &evidence_cols {
                evidence_of(c, i, &mut evidence).map_err(&bad)?;
            }
            if evidence.is_empty() {
                return Err(bad(format!(
                    "the hit on {} {subject_id} carries no evidence rows; every finding must cite its source rows",
                    m.subject.kind
                )));
            }
            evidence.sort();
            evidence.dedup();
            let finding = Finding {
                source: FindingSource {
                    kind: SourceKind::Rule,
                    id: m.id.clone(),
                    version: m.version.clone(),
                    content_hash: hash.to_owned(),
                },
                category: rule.category,
                severity: rule.severity,
                subject: Subject {
                    kind: m.subject.kind.clone(),
                    id: subject_id,
                    name: subject_name,
                },
                department,
                amount,
                occurred_on,
                explanation_zh: fill(&m.explanation.zh, &values),
                explanation_en: fill(&m.explanation.en, &values),
                evidence,
                facts,
            };
            let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            let fingerprint = finding.fingerprint(&key_refs);
            match index.get(&fingerprint) {
                Some(&k) => {
                    let ev = &mut hits[k].finding.evidence;
                    ev.extend(finding.evidence);
                    ev.sort();
                    ev.dedup();
                }
                None => {
                    index.insert(fingerprint.clone(), hits.len());
                    hits.push(Hit {
                        fingerprint,
                        finding,
                    });
                }
            }
        }
    }
    Ok(hits)
}

/// A short, stable one-line summary of a hit, for listings and test failures.
pub fn describe(hit: &Hit) -> String {
    let f = &hit.finding;
    let mut s = format!("{} {}", f.subject.kind, f.subject.id);
    if let Some(a) = f.amount {
        let _ = write!(s, " amount {a}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_evidence_references() {
        assert_eq!(template_columns("{a} 与 {b}，{{x}}"), ["a", "b"]);
        let mut v = BTreeMap::new();
        v.insert("a".to_owned(), "甲".to_owned());
        assert_eq!(fill("{a}/{b} {{c}}", &v), "甲/— {c}");
        let e = parse_evidence("payments:B2025:x:17").unwrap();
        assert_eq!(
            (e.dataset.as_str(), e.batch.as_str(), e.row),
            ("payments", "B2025:x", 17)
        );
        assert!(parse_evidence("payments:17").is_none());
        assert!(parse_evidence("payments:b:x").is_none());
    }

    #[test]
    fn strings_are_read_as_strings() {
        use datafusion::arrow::array::StringArray;
        let a: ArrayRef = std::sync::Arc::new(StringArray::from(vec![Some("x"), None]));
        assert_eq!(text_of(&a, 0).unwrap().as_deref(), Some("x"));
        assert_eq!(text_of(&a, 1).unwrap(), None);
    }
}
