//! `rules lint`: what can be checked about a rule without data. Each issue names the file
//! and says what to change.

use std::collections::BTreeSet;

use qinglian_core::calendar::Calendar;
use serde::Serialize;

use crate::engine::Engine;
use crate::fixtures::{FixtureFile, fixtures_file};
use crate::pack::RulePack;
use crate::params::placeholders;
use crate::result::check_columns;

/// How bad an issue is: errors stop a rule from running, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintIssue {
    pub file: String,
    pub level: Level,
    pub message: String,
}

/// Lints every rule of the pack (and reports the files that did not load).
pub async fn lint(pack: &RulePack) -> Vec<LintIssue> {
    let mut out: Vec<LintIssue> = pack
        .problems
        .iter()
        .map(|p| LintIssue {
            file: p.file.clone(),
            level: Level::Error,
            message: p.reason.clone(),
        })
        .collect();
    let engine = match Engine::new(Calendar::builtin()) {
        Ok(e) => e,
        Err(e) => {
            out.push(LintIssue {
                file: "-".into(),
                level: Level::Error,
                message: e.to_string(),
            });
            return out;
        }
    };
    for rule in &pack.rules {
        let mut issue = |file: String, level, message: String| {
            out.push(LintIssue {
                file,
                level,
                message,
            });
        };
        let m = &rule.meta;
        match placeholders(&rule.sql) {
            Err(e) => issue(rule.sql_file(), Level::Error, e),
            Ok(used) => {
                let used: BTreeSet<String> = used.into_iter().collect();
                for u in &used {
                    if !m.params.contains_key(u) {
                        issue(
                            rule.sql_file(),
                            Level::Error,
                            format!("uses `${{{u}}}` but the TOML declares no [params.{u}]"),
                        );
                    }
                }
                for p in m.params.keys() {
                    if !used.contains(p) {
                        issue(
                            rule.file.clone(),
                            Level::Warning,
                            format!(
                                "parameter `{p}` is declared but the SQL never uses `${{{p}}}`"
                            ),
                        );
                    }
                }
            }
        }
        match engine.plan(rule, &rule.defaults).await {
            Ok(cols) => {
                if let Err(e) = check_columns(rule, &cols) {
                    issue(rule.sql_file(), Level::Error, e.to_string());
                }
            }
            Err(e) => issue(rule.sql_file(), Level::Error, e.to_string()),
        }
        for (what, text) in [
            ("basis", &m.basis),
            ("routing", &m.routing),
            ("doc.methodology", &m.doc.methodology),
            ("doc.why", &m.doc.why),
            ("doc.exclusions", &m.doc.exclusions),
        ] {
            if text.trim().is_empty() {
                issue(
                    rule.file.clone(),
                    Level::Error,
                    format!("`{what}` is empty"),
                );
            }
        }
        if m.false_positives.is_empty() {
            issue(
                rule.file.clone(),
                Level::Warning,
                "no known false positives listed; say what honest activity can look like a hit"
                    .into(),
            );
        }
        match FixtureFile::parse(rule) {
            Ok(None) => issue(
                fixtures_file(rule),
                Level::Error,
                "missing: every rule needs a positive and a negative fixture".into(),
            ),
            Ok(Some(f)) => {
                if !f.cases.iter().any(|c| !c.expect.is_empty()) {
                    issue(
                        fixtures_file(rule),
                        Level::Error,
                        "no positive case (a case whose `expect` lists a hit)".into(),
                    );
                }
                if !f.cases.iter().any(|c| c.expect.is_empty()) {
                    issue(
                        fixtures_file(rule),
                        Level::Error,
                        "no negative case (`expect = []`: a look-alike that must not fire)".into(),
                    );
                }
            }
            Err(e) => issue(fixtures_file(rule), Level::Error, e.to_string()),
        }
    }
    out
}
