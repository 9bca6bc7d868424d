//! Column mapping: which source column feeds which spec field.
//!
//! Headers are resolved by the spec's aliases; a mapping file (`--mapping mapping.toml`)
//! names the rest or overrides them:
//!
//! ```toml
//! [columns]
//! "付款金额（含税）" = "amount"
//! "备用字段1" = ""          # ignore this column
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use qinglian_spec::{Dataset, HeaderMatch, match_header, normalise_header};

use crate::error::IngestError;

/// A parsed mapping file.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Source header → spec field name (empty string: ignore the column).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path).map_err(|e| IngestError::io(path, e))?;
        toml::from_str(&text).map_err(|e| IngestError::BadMapping {
            path: path.to_owned(),
            what: e.to_string(),
        })
    }

    /// Checks that every target names a field of the dataset.
    pub fn validate(&self, d: &Dataset, path: &Path) -> Result<(), IngestError> {
        for (src, target) in &self.columns {
            if !target.is_empty() && d.field(target).is_none() {
                let names: Vec<&str> = d.fields.iter().map(|f| f.name).collect();
                return Err(IngestError::BadMapping {
                    path: path.to_owned(),
                    what: format!(
                        "column '{src}' maps to '{target}', which is not a field of {}; fields: {}",
                        d.name,
                        names.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }
}

/// How the columns of one file feed the dataset's fields.
#[derive(Debug, Clone)]
pub(crate) struct ColumnPlan {
    /// For each spec field, the source column index that feeds it.
    pub source_of_field: Vec<Option<usize>>,
    /// Source headers that feed no field (reported, not imported).
    pub ignored: Vec<String>,
}

pub(crate) fn plan_columns(
    d: &Dataset,
    headers: &[String],
    mapping: &Mapping,
    path: &Path,
) -> Result<ColumnPlan, IngestError> {
    let explicit: BTreeMap<String, &str> = mapping
        .columns
        .iter()
        .map(|(k, v)| (normalise_header(k), v.as_str()))
        .collect();
    let mut source_of_field: Vec<Option<usize>> = vec![None; d.fields.len()];
    let mut ignored = Vec::new();
    for (col, header) in headers.iter().enumerate() {
        let target = match explicit.get(&normalise_header(header)) {
            Some(&"") => None,
            Some(name) => d.fields.iter().position(|f| f.name == *name),
            None => match match_header(d, header) {
                HeaderMatch::Field(i) => Some(i),
                HeaderMatch::Unknown => None,
            },
        };
        match target {
            Some(i) => {
                if let Some(prev) = source_of_field[i] {
                    return Err(IngestError::bad_file(
                        path,
                        format!(
                            "columns '{}' and '{}' both map to field {}; map one of them to \"\" in a --mapping file",
                            headers[prev], header, d.fields[i].name
                        ),
                        format!(
                            "列“{}”与“{}”都对应字段 {}，请在映射文件中忽略其一",
                            headers[prev], header, d.fields[i].name
                        ),
                    ));
                }
                source_of_field[i] = Some(col);
            }
            None => ignored.push(header.clone()),
        }
    }
    let missing: Vec<String> = d
        .fields
        .iter()
        .zip(&source_of_field)
        .filter(|(f, src)| f.required && src.is_none())
        .map(|(f, _)| format!("{} ({})", f.name, f.zh))
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::MissingColumns {
            path: path.to_owned(),
            dataset: d.name.to_owned(),
            missing: missing.join(", "),
            found: headers.join(", "),
        });
    }
    Ok(ColumnPlan {
        source_of_field,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn chinese_headers_map_without_a_file() {
        let d = qinglian_spec::dataset("payments").unwrap();
        let h = headers(&[
            "凭证号",
            "部门编码",
            "付款日期",
            "付款金额",
            "收款单位",
            "备注X",
        ]);
        let plan = plan_columns(d, &h, &Mapping::default(), Path::new("x.csv")).unwrap();
        assert_eq!(plan.source_of_field[0], Some(0));
        assert_eq!(plan.ignored, vec!["备注X".to_owned()]);
    }

    #[test]
    fn missing_required_columns_are_named() {
        let d = qinglian_spec::dataset("payments").unwrap();
        let err = plan_columns(
            d,
            &headers(&["凭证号", "金额"]),
            &Mapping::default(),
            Path::new("x.csv"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("paid_on") && text.contains("payee_name"),
            "{text}"
        );
    }

    #[test]
    fn a_mapping_file_renames_and_ignores() {
        let d = qinglian_spec::dataset("payments").unwrap();
        let m: Mapping =
            toml::from_str("[columns]\n\"支出额\" = \"amount\"\n\"金额\" = \"\"\n").unwrap();
        m.validate(d, Path::new("m.toml")).unwrap();
        let h = headers(&[
            "凭证号",
            "部门编码",
            "付款日期",
            "支出额",
            "金额",
            "收款单位",
        ]);
        let plan = plan_columns(d, &h, &m, Path::new("x.csv")).unwrap();
        let amount = d.fields.iter().position(|f| f.name == "amount").unwrap();
        assert_eq!(plan.source_of_field[amount], Some(3));
        let bad: Mapping = toml::from_str("[columns]\n\"x\" = \"amout\"\n").unwrap();
        assert!(
            bad.validate(d, Path::new("m.toml"))
                .unwrap_err()
                .to_string()
                .contains("amout")
        );
    }

    #[test]
    fn two_columns_for_one_field_is_an_error() {
        let d = qinglian_spec::dataset("payments").unwrap();
        let h = headers(&[
            "凭证号",
            "部门编码",
            "付款日期",
            "金额",
            "付款金额",
            "收款单位",
        ]);
        assert!(plan_columns(d, &h, &Mapping::default(), Path::new("x.csv")).is_err());
    }
}
