//! What a rule is: its TOML metadata (parsed and checked here) and its SQL text.
//!
//! The TOML keys are documented in the crate docs ([`crate`]) and in README; every key is
//! typed and unknown keys are refused, so a typo in a rule file is an error, not a silently
//! ignored setting.

use std::collections::BTreeMap;

use qinglian_core::{Category, Severity};
use serde::{Deserialize, Serialize};

use crate::RulesError;
use crate::params::{ParamType, ParamValue};

/// Where a rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Shipped in the binary (`rules/builtin/` of the repository).
    Builtin,
    /// From the workspace's `rules/` folder.
    Workspace,
}

/// The rule's TOML file, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub version: String,
    pub category: String,
    pub severity: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    /// Datasets that must hold committed data for the rule to run.
    pub datasets: Vec<String>,
    /// Legal or policy basis, free text.
    pub basis: String,
    /// Who answers the warning first (a function such as finance, procurement, hr).
    pub routing: String,
    /// Known false positives, one sentence each.
    #[serde(default)]
    pub false_positives: Vec<String>,
    /// Ground-truth kinds of the demo generator this rule is meant to find (evaluation only).
    #[serde(default)]
    pub demo_kinds: Vec<String>,
    pub subject: SubjectSpec,
    #[serde(default)]
    pub result: ResultSpec,
    pub explanation: Explanation,
    pub doc: DocText,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
}

/// Which result column names the subject.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSpec {
    /// person, department, company, tender, contract, payment, claim, vehicle, meeting,
    /// decision, project, appointment, asset, payee …
    pub kind: String,
    /// Result column with the subject's id.
    pub id: String,
    /// Result column with its display name, if any.
    #[serde(default)]
    pub name: Option<String>,
}

/// Which result columns fill the finding's other fields.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResultSpec {
    /// Column with the amount at stake (any numeric type; read as yuan with two decimals).
    #[serde(default)]
    pub amount: Option<String>,
    /// Column with the responsible department's unit id.
    #[serde(default)]
    pub department: Option<String>,
    /// Column with the date the questioned activity happened (date or datetime).
    #[serde(default)]
    pub occurred_on: Option<String>,
    /// Columns whose values join the subject in the finding's fingerprint (e.g. the tender
    /// of a pair of bidders), so that two hits on one subject stay two findings.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Columns shown beside the explanation as named facts.
    #[serde(default)]
    pub facts: Vec<String>,
}

/// Explanation templates; `{column}` is replaced by the result column's value.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    pub zh: String,
    pub en: String,
}

/// Text for the rule's documentation page.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocText {
    /// How the rule decides, step by step.
    pub methodology: String,
    /// Why a hit is a red flag.
    pub why: String,
    /// What the rule deliberately leaves out.
    pub exclusions: String,
}

/// One typed parameter with its default.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub default: toml::Value,
    pub zh: String,
    pub en: String,
}

/// A loaded, checked rule: metadata, SQL and where it came from.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: RuleMeta,
    pub category: Category,
    pub severity: Severity,
    pub sql: String,
    /// The TOML text as read (part of the content hash).
    pub toml_text: String,
    /// Path of the TOML file, for messages (`rules/builtin/FUN/FUN-001.toml`).
    pub file: String,
    pub origin: Origin,
    /// Parameter defaults, typed.
    pub defaults: BTreeMap<String, ParamValue>,
    /// The fixtures file text, if the rule has one.
    pub fixtures_text: Option<String>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// Path of the SQL file next to the TOML, for messages.
    pub fn sql_file(&self) -> String {
        self.file
            .strip_suffix(".toml")
            .map_or_else(|| self.file.clone(), |s| format!("{s}.sql"))
    }

    /// Parses and checks a rule from its TOML and SQL text. `file` names the TOML file in
    /// messages; the id must match the file name.
    pub fn parse(
        file: &str,
        toml_text: &str,
        sql: &str,
        fixtures_text: Option<String>,
        origin: Origin,
    ) -> Result<Self, RulesError> {
        let def = |reason: String| RulesError::Definition {
            file: file.to_owned(),
            reason,
        };
        let meta: RuleMeta = toml::from_str(toml_text).map_err(|e| def(e.to_string()))?;
        let category: Category = meta
            .category
            .parse()
            .map_err(|e: qinglian_core::CategoryError| def(e.message_en()))?;
        check_id(&meta.id, category).map_err(def)?;
        let stem = file
            .rsplit('/')
            .next()
            .unwrap_or(file)
            .trim_end_matches(".toml");
        if stem != meta.id {
            return Err(def(format!(
                "the id '{}' differs from the file name '{stem}.toml'; rename one of them",
                meta.id
            )));
        }
        let severity: Severity = meta.severity.parse().map_err(def)?;
        if meta.datasets.is_empty() {
            return Err(def(
                "`datasets` is empty; list the datasets the SQL reads".into()
            ));
        }
        for d in &meta.datasets {
            if qinglian_spec::dataset(d).is_none() {
                return Err(def(format!(
                    "`datasets` names '{d}', which is not a dataset of the specification (`qinglian spec` lists them)"
                )));
            }
        }
        if sql.trim().is_empty() {
            return Err(def("the SQL file is empty".into()));
        }
        let mut defaults = BTreeMap::new();
        for (name, spec) in &meta.params {
            if !valid_param_name(name) {
                return Err(def(format!(
                    "parameter name '{name}' must be lower-case letters, digits and _"
                )));
            }
            let v = ParamValue::from_toml(spec.ty, &spec.default)
                .map_err(|reason| def(format!("parameter `{name}`: default {reason}")))?;
            defaults.insert(name.clone(), v);
        }
        Ok(Self {
            meta,
            category,
            severity,
            sql: sql.to_owned(),
            toml_text: toml_text.to_owned(),
            file: file.to_owned(),
            origin,
            defaults,
            fixtures_text,
        })
    }
}

pub(crate) fn valid_param_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `PREFIX-NNN` with the prefix of the rule's category.
fn check_id(id: &str, category: Category) -> Result<(), String> {
    let Some((prefix, number)) = id.split_once('-') else {
        return Err(format!(
            "rule id '{id}' must look like {}-001 (category prefix, dash, three digits)",
            category.prefix()
        ));
    };
    if prefix != category.prefix() {
        return Err(format!(
            "rule id '{id}' must start with {}- because its category is {}",
            category.prefix(),
            category.prefix()
        ));
    }
    if number.len() != 3 || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "rule id '{id}' must end in three digits, e.g. {}-007",
            category.prefix()
        ));
    }
    Ok(())
}
