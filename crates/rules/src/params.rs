//! Typed rule parameters and their substitution into SQL.
//!
//! The SQL names a parameter as `${name}`. Before planning, each placeholder is replaced by
//! a typed SQL literal, never by raw text, so a value cannot change the query's shape:
//!
//! | type | TOML value | SQL literal |
//! |---|---|---|
//! | `integer` | `30` | `30` |
//! | `number` | `0.1` or `1` | `0.1`, `1.0` (DOUBLE) |
//! | `amount` | `500000`, `1234.5` or `"50万"` | `CAST('500000.00' AS DECIMAL(18,2))` |
//! | `text` | `"cash"` | `'cash'` (a `'` inside is doubled) |
//! | `date` | `"2025-01-01"` | `DATE '2025-01-01'` |
//! | `bool` | `true` | `TRUE` |
//! | `text_list` | `["club", "resort"]` | `('club', 'resort')` — for `x IN ${list}` and `x NOT IN ${list}`; an empty list is `('∅')`, a value no data holds, so `IN` matches nothing and `NOT IN` everything |
//!
//! A placeholder with no declared parameter is an error naming the rule; `$` not followed
//! by `{` is left alone.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use qinglian_core::Money;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    Integer,
    Number,
    Amount,
    Text,
    Date,
    Bool,
    TextList,
}

impl ParamType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Amount => "amount",
            Self::Text => "text",
            Self::Date => "date",
            Self::Bool => "bool",
            Self::TextList => "text_list",
        }
    }
}

/// A parameter value of its declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Integer(i64),
    Number(f64),
    Amount(Money),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    TextList(Vec<String>),
}

impl ParamValue {
    /// Reads a TOML value as `ty`; the error says what was expected.
    pub fn from_toml(ty: ParamType, v: &toml::Value) -> Result<Self, String> {
        use toml::Value as V;
        let wrong = || format!("must be {} but is {} ({v})", expected(ty), v.type_str());
        Ok(match (ty, v) {
            (ParamType::Integer, V::Integer(i)) => Self::Integer(*i),
            (ParamType::Number, V::Integer(i)) => Self::Number(*i as f64),
            (ParamType::Number, V::Float(f)) if f.is_finite() => Self::Number(*f),
            (ParamType::Amount, V::Integer(i)) => Self::Amount(
                i.checked_mul(100)
                    .map(Money::from_fen)
                    .ok_or_else(|| format!("{i} is too large an amount"))?,
            ),
            (ParamType::Amount, V::Float(f)) if f.is_finite() => {
                Self::Amount(Money::parse(&format!("{f}")).map_err(|e| e.message_en())?)
            }
            (ParamType::Amount, V::String(s)) => {
                Self::Amount(Money::parse(s).map_err(|e| e.message_en())?)
            }
            (ParamType::Text, V::String(s)) => Self::Text(s.clone()),
            (ParamType::Date, V::String(s)) => Self::Date(
                NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map_err(|_| format!("'{s}' is not a date; write YYYY-MM-DD"))?,
            ),
            (ParamType::Date, V::Datetime(d)) => Self::Date(
                NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d")
                    .map_err(|_| format!("'{d}' is not a date; write YYYY-MM-DD"))?,
            ),
            (ParamType::Bool, V::Boolean(b)) => Self::Bool(*b),
            (ParamType::TextList, V::Array(items)) => Self::TextList(
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned).ok_or_else(wrong))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(wrong()),
        })
    }

    /// The typed SQL literal that replaces `${name}`.
    pub fn sql_literal(&self) -> String {
        match self {
            Self::Integer(i) => i.to_string(),
            Self::Number(f) => {
                let s = format!("{f:?}");
                if s.contains(['.', 'e', 'E']) {
                    s
                } else {
                    format!("{s}.0")
                }
            }
            Self::Amount(m) => {
                let fen = m.fen();
                let sign = if fen < 0 { "-" } else { "" };
                let abs = fen.unsigned_abs();
                format!(
                    "CAST('{sign}{}.{:02}' AS DECIMAL(18,2))",
                    abs / 100,
                    abs % 100
                )
            }
            Self::Text(s) => quote(s),
            Self::Date(d) => format!("DATE '{}'", d.format("%Y-%m-%d")),
            Self::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            // Not `(NULL)`: `x NOT IN (NULL)` is NULL, which would filter every row out.
            Self::TextList(items) if items.is_empty() => "('∅')".to_owned(),
            Self::TextList(items) => {
                let parts: Vec<String> = items.iter().map(|s| quote(s)).collect();
                format!("({})", parts.join(", "))
            }
        }
    }

    /// How the value reads in docs and listings.
    pub fn display(&self) -> String {
        match self {
            Self::Integer(i) => i.to_string(),
            Self::Number(f) => format!("{f}"),
            Self::Amount(m) => format!("{m} 元"),
            Self::Text(s) => format!("\"{s}\""),
            Self::Date(d) => d.format("%Y-%m-%d").to_string(),
            Self::Bool(b) => b.to_string(),
            Self::TextList(items) => format!("[{}]", items.join(", ")),
        }
    }
}

fn expected(ty: ParamType) -> &'static str {
    match ty {
        ParamType::Integer => "a whole number",
        ParamType::Number => "a number",
        ParamType::Amount => "an amount in yuan (a number, or text such as \"50万\")",
        ParamType::Text => "text in quotes",
        ParamType::Date => "a date \"YYYY-MM-DD\"",
        ParamType::Bool => "true or false",
        ParamType::TextList => "a list of texts, e.g. [\"a\", \"b\"]",
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Names of the `${name}` placeholders in `sql`, in order of appearance (repeats kept).
pub fn placeholders(sql: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err("a `${` has no closing `}`".into());
        };
        let name = &after[..end];
        if !crate::model::valid_param_name(name) {
            return Err(format!(
                "`${{{name}}}` is not a parameter placeholder; names are lower-case letters, digits and _"
            ));
        }
        out.push(name.to_owned());
        rest = &after[end + 1..];
    }
    Ok(out)
}

/// Replaces every `${name}` by its value's SQL literal.
pub fn substitute(sql: &str, values: &BTreeMap<String, ParamValue>) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "a `${` has no closing `}`".to_owned())?;
        let name = &after[..end];
        let v = values.get(name).ok_or_else(|| {
            format!("the SQL uses `${{{name}}}` but the TOML declares no parameter `{name}`; add [params.{name}]")
        })?;
        out.push_str(&v.sql_literal());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The content hash a finding records: SHA-256 over the TOML text, the SQL text and the
/// effective parameter values, so any change of what ran gives a new hash.
pub fn content_hash(toml_text: &str, sql: &str, values: &BTreeMap<String, ParamValue>) -> String {
    let mut h = Sha256::new();
    h.update(toml_text.as_bytes());
    h.update([0]);
    h.update(sql.as_bytes());
    h.update([0]);
    let mut canon = String::new();
    for (k, v) in values {
        let _ = writeln!(canon, "{k}={}", v.sql_literal());
    }
    h.update(canon.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_typed_and_quoted() {
        let t = |ty, v: &str| {
            let v: toml::Value =
                toml::from_str::<toml::Table>(&format!("v = {v}")).unwrap()["v"].clone();
            ParamValue::from_toml(ty, &v).map(|p| p.sql_literal())
        };
        assert_eq!(t(ParamType::Integer, "30").unwrap(), "30");
        assert_eq!(t(ParamType::Number, "1").unwrap(), "1.0");
        assert_eq!(t(ParamType::Number, "0.25").unwrap(), "0.25");
        assert_eq!(
            t(ParamType::Amount, "500000").unwrap(),
            "CAST('500000.00' AS DECIMAL(18,2))"
        );
        assert_eq!(
            t(ParamType::Amount, "\"50万\"").unwrap(),
            "CAST('500000.00' AS DECIMAL(18,2))"
        );
        assert_eq!(t(ParamType::Text, "\"it's\"").unwrap(), "'it''s'");
        assert_eq!(
            t(ParamType::Date, "\"2025-01-02\"").unwrap(),
            "DATE '2025-01-02'"
        );
        assert_eq!(
            t(ParamType::TextList, "[\"a\", \"b'\"]").unwrap(),
            "('a', 'b''')"
        );
        assert_eq!(t(ParamType::TextList, "[]").unwrap(), "('∅')");
        assert!(
            t(ParamType::Integer, "\"30\"")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(t(ParamType::Date, "\"2025/13/01\"").is_err());
    }

    #[test]
    fn substitution_refuses_unknown_placeholders() {
        let mut v = BTreeMap::new();
        v.insert("days".to_owned(), ParamValue::Integer(7));
        assert_eq!(
            substitute("a < ${days} AND b = '$x'", &v).unwrap(),
            "a < 7 AND b = '$x'"
        );
        assert!(
            substitute("${dayz}", &v)
                .unwrap_err()
                .contains("[params.dayz]")
        );
        assert_eq!(placeholders("${a} ${b} ${a}").unwrap(), ["a", "b", "a"]);
    }

    #[test]
    fn content_hash_follows_parameters() {
        let mut v = BTreeMap::new();
        v.insert("days".to_owned(), ParamValue::Integer(7));
        let a = content_hash("t", "s", &v);
        v.insert("days".to_owned(), ParamValue::Integer(8));
        assert_ne!(a, content_hash("t", "s", &v));
        assert_ne!(
            content_hash("t", "s", &BTreeMap::new()),
            content_hash("ts", "", &BTreeMap::new())
        );
    }
}
