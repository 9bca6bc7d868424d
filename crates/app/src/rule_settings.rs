//! The rule catalogue as the console shows it (every rule with its parameters, whether it is
//! switched off and why), and the changes an administrator makes there: switch a rule off or
//! on, set or reset a parameter; and which trained bid model the scorer uses.
//!
//! A change goes into `qinglian.toml`'s `[rules]` section, the same overlay that
//! `qinglian run` reads (`params` and `disabled`, see [`crate::Config`]), so there is one
//! place for these settings whether they were typed into the file or made in the console.
//! Every change needs a reason and is written to the access log (who, which rule, what, why).
//! The file is re-read before each change and checked as a whole (an unknown parameter or a
//! value of the wrong type is refused before anything is written), then replaced atomically.
//!
//! Not here: the pages (`web`), who may change rules (`crate::users::may`). Known limit: the
//! file is written back from its parsed form, so comments in `qinglian.toml` do not survive
//! a change made here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::analysis::{check_settings, disabled_reason, effective_params, overrides, rule_pack};
use crate::workspace::CONFIG_FILE;
use crate::{AppError, Config, Workspace};

/// One parameter of a rule: its default and the value the next run uses.
#[derive(Debug, Clone, Serialize)]
pub struct ParamRow {
    pub name: String,
    /// `integer`, `amount`, `text_list` …
    pub ty: &'static str,
    pub zh: String,
    pub en: String,
    pub default: String,
    pub value: String,
    /// The workspace sets it (the value is not the default).
    pub overridden: bool,
}

/// One rule of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogueEntry {
    pub id: String,
    pub version: String,
    pub name_zh: String,
    pub name_en: String,
    /// `FUN`, `PRO` …
    pub category: String,
    pub severity: String,
    /// `builtin` or `workspace`.
    pub origin: String,
    pub datasets: Vec<String>,
    pub description_zh: String,
    pub description_en: String,
    /// The reason it is switched off, if it is.
    pub disabled: Option<String>,
    pub params: Vec<ParamRow>,
}

/// The workspace's settings as the file holds them now (the console's open workspace keeps
/// the copy it was opened with; changes made here must show at once).
pub fn settings(ws: &Workspace) -> Result<Config, AppError> {
    Config::load(&ws.path(CONFIG_FILE))
}

fn entry(rule: &qinglian_rules::Rule, config: &Config) -> Result<CatalogueEntry, AppError> {
    let m = &rule.meta;
    let set = overrides(config, &m.id);
    let values = effective_params(rule, set)?;
    let params = m
        .params
        .iter()
        .map(|(name, spec)| {
            let default = rule.defaults.get(name).map(|v| v.display());
            let value = values.get(name).map(|v| v.display());
            ParamRow {
                name: name.clone(),
                ty: spec.ty.name(),
                zh: spec.zh.clone(),
                en: spec.en.clone(),
                overridden: set.is_some_and(|s| s.contains_key(name)),
                default: default.unwrap_or_default(),
                value: value.unwrap_or_default(),
            }
        })
        .collect();
    Ok(CatalogueEntry {
        id: m.id.clone(),
        version: m.version.clone(),
        name_zh: m.name_zh.clone(),
        name_en: m.name_en.clone(),
        category: rule.category.prefix().to_owned(),
        severity: m.severity.clone(),
        origin: match rule.origin {
            qinglian_rules::Origin::Builtin => "builtin".into(),
            qinglian_rules::Origin::Workspace => "workspace".into(),
        },
        datasets: m.datasets.clone(),
        description_zh: m.description_zh.clone(),
        description_en: m.description_en.clone(),
        disabled: disabled_reason(config, &m.id),
        params,
    })
}

/// Every rule of the pack (built-in and the workspace's), in id order, with its settings.
pub fn catalogue(ws: &Workspace) -> Result<Vec<CatalogueEntry>, AppError> {
    let pack = rule_pack(Some(ws))?;
    let config = settings(ws)?;
    let mut out = pack
        .rules
        .iter()
        .map(|r| entry(r, &config))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// One rule of the catalogue with its documentation page (the Markdown `qinglian rules doc`
/// writes to `docs/rules/`), or `None` for an unknown id.
pub async fn rule_with_doc(
    ws: &Workspace,
    id: &str,
) -> Result<Option<(CatalogueEntry, String)>, AppError> {
    let pack = rule_pack(Some(ws))?;
    let Some(rule) = pack.get(id) else {
        return Ok(None);
    };
    let e = entry(rule, &settings(ws)?)?;
    Ok(Some((e, qinglian_rules::doc::rule_page(rule).await)))
}

/// What an administrator changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleChange {
    Disable,
    Enable,
    /// A value as typed: a TOML literal (`50000`, `true`, `"text"`, `["a","b"]`) or plain text.
    SetParam {
        name: String,
        value: String,
    },
    ResetParam {
        name: String,
    },
}

impl RuleChange {
    /// How the change reads in the access log.
    fn describe(&self) -> String {
        match self {
            Self::Disable => "disable".into(),
            Self::Enable => "enable".into(),
            Self::SetParam { name, value } => format!("set {name} = {value}"),
            Self::ResetParam { name } => format!("reset {name}"),
        }
    }
}

fn refused(reason: impl Into<String>) -> AppError {
    AppError::Config {
        path: "qinglian.toml [rules]".into(),
        reason: reason.into(),
    }
}

static CHANGE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Applies a change with its reason; returns the rule as it now is. Refuses an unknown rule
/// or parameter, a value of the wrong type and an empty reason, writing nothing.
pub async fn change_rule(
    ws: &Workspace,
    id: &str,
    change: &RuleChange,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<CatalogueEntry, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(refused(
            "修改规则须填写理由 / a change to a rule needs a reason",
        ));
    }
    if reason.chars().count() > 500 {
        return Err(refused(
            "理由过长（最多 500 字）/ the reason is too long (500 characters at most)",
        ));
    }
    let pack = rule_pack(Some(ws))?;
    let rule = pack
        .get(id.trim())
        .ok_or_else(|| refused(format!("没有规则「{id}」/ no rule '{id}'")))?;
    let rid = rule.meta.id.clone();
    // Two changes at once (two administrators) must not both read the old file and the
    // second undo the first: read, change and write under one lock. (Edits by hand outside
    // the console are not covered.)
    let config = {
        let _guard = CHANGE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut config = settings(ws)?;
        let same_id = |k: &String| k.eq_ignore_ascii_case(&rid);
        match change {
            RuleChange::Disable => {
                config.rules.disabled.retain(|k, _| !same_id(k));
                config.rules.disabled.insert(rid.clone(), reason.to_owned());
            }
            RuleChange::Enable => config.rules.disabled.retain(|k, _| !same_id(k)),
            RuleChange::SetParam { name, .. } | RuleChange::ResetParam { name }
                if !rule.meta.params.contains_key(name.trim()) =>
            {
                return Err(refused(format!(
                    "规则 {rid} 没有参数「{name}」/ rule {rid} has no parameter '{name}'"
                )));
            }
            RuleChange::SetParam { name, value } => {
                let mut merged: BTreeMap<String, toml::Value> =
                    overrides(&config, &rid).cloned().unwrap_or_default();
                config.rules.params.retain(|k, _| !same_id(k));
                // The same reading of a typed value as `QINGLIAN__RULES__PARAMS__…`.
                let mut one = Config::default();
                one.set(&format!("rules__params__x__{}", name.trim()), value.trim())
                    .map_err(refused)?;
                let v = one
                    .rules
                    .params
                    .into_values()
                    .flat_map(BTreeMap::into_values)
                    .next()
                    .ok_or_else(|| AppError::Internal("a parameter value was not read".into()))?;
                merged.insert(name.trim().to_owned(), v);
                config.rules.params.insert(rid.clone(), merged);
            }
            RuleChange::ResetParam { name } => {
                let mut merged = overrides(&config, &rid).cloned().unwrap_or_default();
                config.rules.params.retain(|k, _| !same_id(k));
                merged.remove(name.trim());
                if !merged.is_empty() {
                    config.rules.params.insert(rid.clone(), merged);
                }
            }
        }
        check_settings(&config, &pack)?;
        write_config(ws, &config)?;
        config
    };
    crate::users::log_access(
        ws,
        actor,
        "rule_change",
        &format!("rule:{rid}"),
        Some(&format!("{}: {reason}", change.describe())),
        now,
    )
    .await
    .map_err(|e| AppError::Internal(format!("access log: {e}")))?;
    entry(rule, &config)
}

/// Points `[models] scorer_model` at `model` (relative to the workspace), under the same
/// lock as the rule changes; the next run's scorer loads it.
pub fn use_scorer_model(ws: &Workspace, model: &str) -> Result<(), AppError> {
    let _guard = CHANGE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut config = settings(ws)?;
    config.models.scorer_model = Some(model.to_owned());
    write_config(ws, &config)
}

/// Replaces `qinglian.toml` atomically (a temporary file, synced, renamed over it).
fn write_config(ws: &Workspace, config: &Config) -> Result<(), AppError> {
    use std::io::Write as _;
    let path = ws.path(CONFIG_FILE);
    let tmp = ws.path(&format!("{CONFIG_FILE}.tmp"));
    let mut f = std::fs::File::create(&tmp).map_err(|e| AppError::io(&tmp, e))?;
    f.write_all(config.to_toml().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| AppError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| AppError::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init_workspace;

    #[tokio::test]
    async fn changes_land_in_the_file_run_reads_and_bad_ones_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ws = init_workspace(&dir.path().join("ws"), Config::default())
            .await
            .unwrap();
        let now = Utc::now();
        let all = catalogue(&ws).unwrap();
        let (id, p) = all
            .iter()
            .find_map(|e| {
                e.params
                    .iter()
                    .find(|p| p.ty == "integer")
                    .map(|p| (e.id.clone(), p.clone()))
            })
            .expect("a rule with a whole-number parameter");
        assert!(!p.overridden);

        for (change, reason) in [
            (RuleChange::Disable, " "),
            (
                RuleChange::SetParam {
                    name: "no_such_param".into(),
                    value: "1".into(),
                },
                "x",
            ),
            (
                RuleChange::SetParam {
                    name: p.name.clone(),
                    value: "[[[".into(),
                },
                "wrong type",
            ),
        ] {
            let before = std::fs::read_to_string(ws.path(CONFIG_FILE)).unwrap();
            assert!(
                change_rule(&ws, &id, &change, reason, "admin", now)
                    .await
                    .is_err(),
                "{change:?}"
            );
            assert_eq!(
                before,
                std::fs::read_to_string(ws.path(CONFIG_FILE)).unwrap()
            );
        }
        assert!(
            change_rule(&ws, "NOPE-999", &RuleChange::Disable, "r", "admin", now)
                .await
                .is_err()
        );

        let set = RuleChange::SetParam {
            name: p.name.clone(),
            value: "7".into(),
        };
        let e = change_rule(&ws, &id, &set, "试行", "admin", now)
            .await
            .unwrap();
        let row = e.params.iter().find(|r| r.name == p.name).unwrap();
        assert_eq!((row.value.as_str(), row.overridden), ("7", true));
        let reset = RuleChange::ResetParam {
            name: p.name.clone(),
        };
        let e = change_rule(&ws, &id, &reset, "恢复默认", "admin", now)
            .await
            .unwrap();
        let row = e.params.iter().find(|r| r.name == p.name).unwrap();
        assert_eq!((&row.value, row.overridden), (&p.default, false));

        let e = change_rule(&ws, &id, &RuleChange::Disable, "本单位不适用", "admin", now)
            .await
            .unwrap();
        assert_eq!(e.disabled.as_deref(), Some("本单位不适用"));
        // What `qinglian run` reads: the workspace opened afresh.
        let reopened = Workspace::open(&ws.root, &[]).await.unwrap();
        assert_eq!(
            disabled_reason(&reopened.config, &id).as_deref(),
            Some("本单位不适用")
        );
        let e = change_rule(&ws, &id, &RuleChange::Enable, "恢复", "admin", now)
            .await
            .unwrap();
        assert_eq!(e.disabled, None);

        let log = crate::users::access_log(&ws, 10, 0).await.unwrap();
        assert_eq!(log.len(), 4, "only the changes that were made are logged");
        assert!(log.iter().all(|l| l.action == "rule_change"
            && l.target == format!("rule:{id}")
            && l.actor == "admin"));
    }
}
