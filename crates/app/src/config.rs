//! `qinglian.toml`: one typed struct, unknown keys refused so that a typo is an error and
//! not a silently ignored setting. Environment overrides are applied by the CLI.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::AppError;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub organisation: Organisation,
    pub calendar: CalendarConfig,
    /// The three-level warning workflow: levels, deadlines, routing, notification channels.
    pub warnings: qinglian_workflow::WorkflowConfig,
    pub rules: RulesConfig,
    #[serde(skip_serializing_if = "ModelsConfig::is_empty")]
    pub models: ModelsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Organisation {
    /// Shown in reports and the console.
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarConfig {
    /// Extra `date,kind,name` lines (e.g. next year's holiday notice), relative to the workspace.
    pub extra: Option<String>,
}

/// The rule base's workspace settings: parameter overrides and disabled rules.
///
/// ```toml
/// [rules.params."FUN-009"]
/// limit = 50000
///
/// [rules.disabled]
/// "PRO-003" = "our open tenders follow the provincial 15-day rule"
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Per rule id, parameter name → value (checked against the parameter's type when rules run).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// Rule id → the reason it is switched off (shown in every run summary).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub disabled: BTreeMap<String, String>,
}

/// The model base's workspace settings.
///
/// ```toml
/// [models]
/// scorer_model = "models/bids.json"   # from `qinglian bids train`; the scorer runs only with one
///
/// [models.disabled]
/// "MOD-IFOREST" = "reviewed; too many one-off payments"
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ModelsConfig {
    /// A trained bid model (relative to the workspace) for MOD-SCORER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scorer_model: Option<String>,
    /// Model id → the reason it is switched off.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub disabled: BTreeMap<String, String>,
}

impl ModelsConfig {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Why the model is switched off, if it is.
    pub fn disabled_reason(&self, id: &str) -> Option<String> {
        self.disabled
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(id))
            .map(|(_, v)| v.clone())
    }
}

/// `FUN_001` (as environment variable names must write it) → `FUN-001`.
fn rule_id_from_key(key: &str) -> String {
    key.to_ascii_uppercase().replace('_', "-")
}

impl Default for Organisation {
    fn default() -> Self {
        Self {
            name: "未命名单位".into(),
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, AppError> {
        let text = std::fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
        Self::parse(&text).map_err(|reason| AppError::Config {
            path: path.display().to_string(),
            reason,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Applies one `SECTION__KEY` override (from `QINGLIAN__SECTION__KEY`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key.to_ascii_lowercase().as_str() {
            "organisation__name" => self.organisation.name = value.to_owned(),
            "calendar__extra" => self.calendar.extra = Some(value.to_owned()),
            other => {
                if let Some(id) = other.strip_prefix("rules__disabled__") {
                    self.rules
                        .disabled
                        .insert(rule_id_from_key(id), value.to_owned());
                } else if let Some((id, param)) = other
                    .strip_prefix("rules__params__")
                    .and_then(|rest| rest.split_once("__"))
                {
                    // A TOML literal (number, true/false, "text", [list]); anything else is text.
                    let v = toml::from_str::<toml::Table>(&format!("v = {value}"))
                        .ok()
                        .and_then(|mut t| t.remove("v"))
                        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
                    self.rules
                        .params
                        .entry(rule_id_from_key(id))
                        .or_default()
                        .insert(param.to_owned(), v);
                } else if let Some(path) = other.strip_prefix("warnings__") {
                    self.set_warnings(path, value)?;
                } else {
                    return Err(format!("unknown setting '{other}'"));
                }
            }
        }
        Ok(())
    }

    /// `WARNINGS__SLA__DEPARTMENT_DAYS=3` and the like: one value of `[warnings]`, checked by
    /// reading the whole section again (so a typo or a wrong type is refused).
    fn set_warnings(&mut self, path: &str, value: &str) -> Result<(), String> {
        let keys: Vec<&str> = path.split("__").filter(|k| !k.is_empty()).collect();
        let Some((last, parents)) = keys.split_last() else {
            return Err("warnings: name a setting, e.g. WARNINGS__SLA__DEPARTMENT_DAYS".into());
        };
        let mut tree = toml::Value::try_from(&self.warnings).map_err(|e| e.to_string())?;
        let mut node = &mut tree;
        for k in parents {
            let table = node
                .as_table_mut()
                .ok_or_else(|| format!("warnings.{path}: not a section"))?;
            node = table
                .entry((*k).to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        }
        let literal = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_owned()));
        node.as_table_mut()
            .ok_or_else(|| format!("warnings.{path}: not a section"))?
            .insert((*last).to_owned(), literal);
        self.warnings = tree
            .try_into()
            .map_err(|e: toml::de::Error| format!("warnings.{}: {e}", keys.join(".")))?;
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!("# qinglian workspace configuration (see README, section Configuration)\n{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused() {
        assert!(
            Config::parse("[organisation]\nnmae = \"x\"\n")
                .unwrap_err()
                .contains("nmae")
        );
        assert!(Config::parse("[organization]\n").is_err());
    }

    #[test]
    fn round_trip_and_overrides() {
        let mut c = Config::default();
        c.set("ORGANISATION__NAME", "某市城投集团").unwrap();
        assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
        assert!(c.set("organisation__colour", "red").is_err());
    }

    #[test]
    fn warnings_settings_override_and_typos_are_refused() {
        let mut c = Config::default();
        c.set("WARNINGS__SLA__DEPARTMENT_DAYS", "3").unwrap();
        c.set("WARNINGS__LEVELS__START__HIGH", "committee").unwrap();
        c.set("WARNINGS__ROUTING__COMMITTEE", "党委办").unwrap();
        assert_eq!(c.warnings.sla.department_days, 3);
        assert_eq!(
            c.warnings.levels.start.high,
            qinglian_store::Level::Committee
        );
        assert_eq!(c.warnings.routing.committee.as_deref(), Some("党委办"));
        let before = c.clone();
        assert!(c.set("WARNINGS__SLA__DEPARTMNET_DAYS", "3").is_err());
        assert!(c.set("WARNINGS__SLA__DEPARTMENT_DAYS", "soon").is_err());
        assert!(c.set("WARNINGS__LEVELS__START__HIGH", "boss").is_err());
        assert!(c.set("WARNINGS", "x").is_err());
        assert_eq!(c, before, "a refused setting changes nothing");
    }

    #[test]
    fn rule_settings_parse_and_override() {
        let c = Config::parse(
            "[rules.params.\"FUN-009\"]\nlimit = 50000\n[rules.disabled]\n\"PRO-003\" = \"15-day rule\"\n",
        )
        .unwrap();
        assert_eq!(
            c.rules.params["FUN-009"]["limit"],
            toml::Value::Integer(50000)
        );
        assert_eq!(c.rules.disabled["PRO-003"], "15-day rule");
        assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
        assert!(Config::parse("[rules]\nparam = 1\n").is_err());
        let mut c = Config::default();
        c.set("RULES__PARAMS__FUN_009__LIMIT", "60000").unwrap();
        c.set("RULES__DISABLED__pro_003", "not here").unwrap();
        assert_eq!(
            c.rules.params["FUN-009"]["limit"],
            toml::Value::Integer(60000)
        );
        assert_eq!(c.rules.disabled["PRO-003"], "not here");
    }
}
