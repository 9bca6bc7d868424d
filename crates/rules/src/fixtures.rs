//! Rule fixtures: tiny tables and the hits a rule must (or must not) produce on them,
//! kept next to the rule as `<ID>.fixtures.toml`.
//!
//! ```toml
//! [[case]]
//! name = "two payments of one invoice within a week"
//! params = { window_days = 10 }        # optional overrides of the rule's defaults
//! expect = [{ subject = "甲公司", amount = "12000", evidence = ["payments:2", "payments:3"] }]
//! [case.tables]
//! payments = """
//! payment_id,unit_id,paid_on,amount,payee_name,invoice_no
//! P1,D1,2025-03-03,12000,甲公司,INV1
//! P2,D1,2025-03-07,12000,甲公司,INV1
//! """
//! ```
//!
//! Tables are CSV with the specification's field names as headers; only the columns a
//! case needs are given, the others are NULL. Values are read as the lake stores them
//! (a personal identifier's text stands for its keyed hash). Every row gets `_batch` =
//! `fixture` and `_row` = its line number as a spreadsheet shows it (header = 1), so
//! evidence is written `dataset:row`. `expect = []` is a negative case: nothing may fire.
//! `amount` and `evidence` are checked when given.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder,
    RecordBatch, StringBuilder, TimestampMillisecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use qinglian_core::Money;
use qinglian_core::calendar::Calendar;
use serde::Deserialize;

use crate::RulesError;
use crate::engine::{Engine, Hit};
use crate::model::Rule;
use crate::params::ParamValue;
use crate::schema::{BATCH_COLUMN, ROW_COLUMN, lake_schema};

/// The batch id fixture rows carry.
pub const FIXTURE_BATCH: &str = "fixture";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    pub tables: BTreeMap<String, String>,
    pub expect: Vec<Expected>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub subject: String,
    #[serde(default)]
    pub amount: Option<toml::Value>,
    /// `dataset:row` of every evidence row, any order.
    #[serde(default)]
    pub evidence: Option<Vec<String>>,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    pub rule: String,
    pub case: String,
    /// True for a case that expects at least one hit.
    pub positive: bool,
    /// `None` when the case passed, else what went wrong.
    pub failure: Option<String>,
    /// The hits the rule produced.
    pub hits: Vec<Hit>,
}

impl FixtureFile {
    pub fn parse(rule: &Rule) -> Result<Option<Self>, RulesError> {
        let Some(text) = &rule.fixtures_text else {
            return Ok(None);
        };
        toml::from_str(text)
            .map(Some)
            .map_err(|e| RulesError::Fixture {
                file: fixtures_file(rule),
                case: "-".into(),
                reason: e.to_string(),
            })
    }
}

pub fn fixtures_file(rule: &Rule) -> String {
    rule.file
        .strip_suffix(".toml")
        .map_or_else(|| rule.file.clone(), |s| format!("{s}.fixtures.toml"))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "y" | "yes" | "是" => Some(true),
        "false" | "0" | "n" | "no" | "否" => Some(false),
        _ => None,
    }
}

const EPOCH_DAYS_CE: i32 = 719_163;

/// Reads a fixture CSV table into a batch of the dataset's lake schema.
pub fn table_batch(dataset: &str, csv_text: &str) -> Result<RecordBatch, String> {
    let d = qinglian_spec::dataset(dataset)
        .ok_or_else(|| format!("'{dataset}' is not a dataset of the specification"))?;
    let schema: SchemaRef = lake_schema(d);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim().as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_owned)
        .collect();
    for h in &headers {
        if schema.index_of(h).is_err() || h == BATCH_COLUMN || h == ROW_COLUMN {
            return Err(format!(
                "{dataset} has no column `{h}` (see `qinglian spec {dataset}`)"
            ));
        }
    }
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let name = field.name();
        let src = headers.iter().position(|h| h == name).or_else(|| {
            name.strip_suffix("_masked")
                .and_then(|base| headers.iter().position(|h| h == base))
        });
        let cell = |r: &csv::StringRecord| -> Option<String> {
            src.and_then(|i| r.get(i))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let bad = |row: usize, v: &str, what: &str| {
            format!(
                "{dataset} row {}: column {name}: '{v}' is not {what}",
                row + 2
            )
        };
        let array: ArrayRef = if name == BATCH_COLUMN {
            let mut b = StringBuilder::new();
            for _ in &rows {
                b.append_value(FIXTURE_BATCH);
            }
            Arc::new(b.finish())
        } else if name == ROW_COLUMN {
            let mut b = Int64Builder::new();
            for i in 0..rows.len() {
                b.append_value(i64::try_from(i).unwrap_or(0) + 2);
            }
            Arc::new(b.finish())
        } else {
            match field.data_type() {
                DataType::Int64 => {
                    let mut b = Int64Builder::new();
                    for (i, r) in rows.iter().enumerate() {
                        match cell(r) {
                            None => b.append_null(),
                            Some(v) => {
                                b.append_value(v.parse().map_err(|_| bad(i, &v, "a whole number"))?)
                            }
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Float64 => {
                    let mut b = Float64Builder::new();
                    for (i, r) in rows.iter().enumerate() {
                        match cell(r) {
                            None => b.append_null(),
                            Some(v) => {
                                b.append_value(v.parse().map_err(|_| bad(i, &v, "a number"))?);
                            }
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Decimal128(p, s) => {
                    let mut b = Decimal128Builder::new();
                    for (i, r) in rows.iter().enumerate() {
                        match cell(r) {
                            None => b.append_null(),
                            Some(v) => b.append_value(i128::from(
                                Money::parse(&v).map_err(|_| bad(i, &v, "an amount"))?.fen(),
                            )),
                        }
                    }
                    Arc::new(
                        b.finish()
                            .with_precision_and_scale(*p, *s)
                            .map_err(|e| e.to_string())?,
                    )
                }
                DataType::Date32 => {
                    let mut b = Date32Builder::new();
                    for (i, r) in rows.iter().enumerate() {
                        match cell(r) {
                            None => b.append_null(),
                            Some(v) => {
                                let d = qinglian_core::parse_date(&v)
                                    .map_err(|_| bad(i, &v, "a date"))?;
                                b.append_value(
                                    chrono::Datelike::num_days_from_ce(&d) - EPOCH_DAYS_CE,
                                );
                            }
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Timestamp(_, _) => {
                    let mut b = TimestampMillisecondBuilder::new();
                    for (i, r) in rows.iter().enumerate() {
                        match cell(r) {
                            None => b.append_null(),
                            Some(v) => {
                                let t = qinglian_core::parse_datetime(&v)
                                    .map_err(|_| bad(i, &v, "a date and time"))?;
                                b.append_value(t.and_utc().timestamp_millis());
                            }
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Boolean => {
                    let mut b = BooleanBuilder::new();
                    for (i, r) in rows.iter().enumerate() {
                        match cell(r) {
                            None => b.append_null(),
                            Some(v) => b.append_value(
                                parse_bool(&v).ok_or_else(|| bad(i, &v, "true or false"))?,
                            ),
                        }
                    }
                    Arc::new(b.finish())
                }
                _ => {
                    let mut b = StringBuilder::new();
                    for r in &rows {
                        b.append_option(cell(r));
                    }
                    Arc::new(b.finish())
                }
            }
        };
        columns.push(array);
    }
    RecordBatch::try_new(schema, columns).map_err(|e| e.to_string())
}

/// Defaults with `overrides` applied, each checked against the parameter's type.
pub fn effective_params(
    rule: &Rule,
    overrides: &BTreeMap<String, toml::Value>,
) -> Result<BTreeMap<String, ParamValue>, RulesError> {
    let mut values = rule.defaults.clone();
    for (name, v) in overrides {
        let spec = rule
            .meta
            .params
            .get(name)
            .ok_or_else(|| RulesError::Parameter {
                rule: rule.meta.id.clone(),
                param: name.clone(),
                reason: format!(
                    "the rule has no such parameter; its parameters are: {}",
                    if rule.meta.params.is_empty() {
                        "(none)".to_owned()
                    } else {
                        rule.meta
                            .params
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            })?;
        let value = ParamValue::from_toml(spec.ty, v).map_err(|reason| RulesError::Parameter {
            rule: rule.meta.id.clone(),
            param: name.clone(),
            reason,
        })?;
        values.insert(name.clone(), value);
    }
    Ok(values)
}

fn expected_money(rule: &Rule, case: &str, v: &toml::Value) -> Result<Money, RulesError> {
    let parsed = match v {
        toml::Value::String(s) => Money::parse(s).map_err(|e| e.message_en()),
        toml::Value::Integer(i) => Ok(Money::from_fen(i * 100)),
        toml::Value::Float(f) => Money::parse(&format!("{f}")).map_err(|e| e.message_en()),
        other => Err(format!(
            "amount must be a number or text, not {}",
            other.type_str()
        )),
    };
    parsed.map_err(|reason| RulesError::Fixture {
        file: fixtures_file(rule),
        case: case.to_owned(),
        reason,
    })
}

/// Runs one case on a fresh session; never panics, failures are described.
pub async fn run_case(rule: &Rule, case: &Case) -> CaseOutcome {
    let mut out = CaseOutcome {
        rule: rule.meta.id.clone(),
        case: case.name.clone(),
        positive: !case.expect.is_empty(),
        failure: None,
        hits: Vec::new(),
    };
    match run_case_inner(rule, case).await {
        Ok((hits, failure)) => {
            out.hits = hits;
            out.failure = failure;
        }
        Err(e) => out.failure = Some(e.to_string()),
    }
    out
}

async fn run_case_inner(
    rule: &Rule,
    case: &Case,
) -> Result<(Vec<Hit>, Option<String>), RulesError> {
    let fixture_err = |reason: String| RulesError::Fixture {
        file: fixtures_file(rule),
        case: case.name.clone(),
        reason,
    };
    let mut engine = Engine::new(Calendar::builtin())?;
    for (dataset, text) in &case.tables {
        let batch = table_batch(dataset, text).map_err(fixture_err)?;
        engine.register_batches(dataset, vec![batch])?;
    }
    let params = effective_params(rule, &case.params)?;
    let hits = engine.run(rule, &params).await?;
    let mut actual: Vec<(String, Option<Money>, Vec<String>)> = hits
        .iter()
        .map(|h| {
            let f = &h.finding;
            let mut ev: Vec<String> = f
                .evidence
                .iter()
                .map(|e| format!("{}:{}", e.dataset, e.row))
                .collect();
            ev.sort();
            (f.subject.id.clone(), f.amount, ev)
        })
        .collect();
    actual.sort();
    let mut expected = Vec::new();
    for e in &case.expect {
        let amount = e
            .amount
            .as_ref()
            .map(|v| expected_money(rule, &case.name, v))
            .transpose()?;
        let evidence = e.evidence.clone().map(|mut v| {
            v.sort();
            v
        });
        expected.push((e.subject.clone(), amount, evidence));
    }
    expected.sort();
    let show_actual = || {
        if actual.is_empty() {
            "no hits".to_owned()
        } else {
            actual
                .iter()
                .map(|(s, a, ev)| {
                    format!(
                        "{s} (amount {}, evidence {})",
                        a.map_or("none".into(), |a| a.to_string()),
                        ev.join(" ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let mismatch = if expected.len() == actual.len() {
        expected.iter().zip(&actual).find_map(|(e, a)| {
            if e.0 != a.0 {
                Some(format!("expected subject {}, got {}", e.0, a.0))
            } else if e.1.is_some() && e.1 != a.1 {
                Some(format!(
                    "subject {}: expected amount {}, got {}",
                    e.0,
                    e.1.map(|m| m.to_string()).unwrap_or_default(),
                    a.1.map_or("none".into(), |m| m.to_string())
                ))
            } else if e.2.as_ref().is_some_and(|ev| *ev != a.2) {
                Some(format!(
                    "subject {}: expected evidence {}, got {}",
                    e.0,
                    e.2.as_ref().map(|v| v.join(" ")).unwrap_or_default(),
                    a.2.join(" ")
                ))
            } else {
                None
            }
        })
    } else if expected.is_empty() {
        Some("expected no hit (negative case)".to_owned())
    } else {
        Some(format!(
            "expected {} hit(s) on {}",
            expected.len(),
            expected
                .iter()
                .map(|e| e.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    Ok((
        hits,
        mismatch.map(|m| format!("{m}; the rule produced: {}", show_actual())),
    ))
}

/// Runs every case of a rule's fixtures file. A rule without fixtures yields a failing
/// outcome: every rule must prove that it fires and that it does not.
pub async fn run_fixtures(rule: &Rule) -> Vec<CaseOutcome> {
    let fail = |case: &str, msg: String| CaseOutcome {
        rule: rule.meta.id.clone(),
        case: case.to_owned(),
        positive: false,
        failure: Some(msg),
        hits: Vec::new(),
    };
    let file = match FixtureFile::parse(rule) {
        Ok(Some(f)) => f,
        Ok(None) => {
            return vec![fail(
                "-",
                format!(
                    "{} is missing; every rule needs a positive and a negative case",
                    fixtures_file(rule)
                ),
            )];
        }
        Err(e) => return vec![fail("-", e.to_string())],
    };
    let mut out = Vec::with_capacity(file.cases.len());
    for case in &file.cases {
        out.push(run_case(rule, case).await);
    }
    out
}
