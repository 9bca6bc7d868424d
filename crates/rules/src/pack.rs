//! Rule packs: the built-in pack compiled into the binary and a workspace's `rules/` folder.
//!
//! A rule is three files side by side, named by its id: `FUN-001.toml` (metadata),
//! `FUN-001.sql` (the query) and optionally `FUN-001.fixtures.toml` (its tests). Folders
//! below the pack root are for people (one per category); the loader reads them all.
//! A rule that cannot be read is kept as a [`LoadProblem`] so that one broken file never
//! hides the others.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::RulesError;
use crate::model::{Origin, Rule};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule file that could not be loaded, and why.
#[derive(Debug, Clone, Serialize)]
pub struct LoadProblem {
    pub file: String,
    pub reason: String,
}

/// A set of rules, sorted by id, with the files that failed to load.
#[derive(Debug, Clone, Default)]
pub struct RulePack {
    pub rules: Vec<Rule>,
    pub problems: Vec<LoadProblem>,
}

#[derive(Default)]
struct Files {
    toml: Option<(String, String)>,
    sql: Option<String>,
    fixtures: Option<String>,
}

impl RulePack {
    /// The rules shipped in the binary.
    pub fn builtin() -> Self {
        Self::from_files(
            BUILTIN_FILES
                .iter()
                .map(|(p, t)| (format!("rules/builtin/{p}"), (*t).to_owned())),
            Origin::Builtin,
        )
    }

    /// The rules in a folder (recursively); an absent folder is an empty pack.
    pub fn load_dir(dir: &Path) -> Result<Self, RulesError> {
        let mut files = Vec::new();
        if dir.is_dir() {
            collect(dir, dir, &mut files)?;
        }
        Ok(Self::from_files(files.into_iter(), Origin::Workspace))
    }

    fn from_files(files: impl Iterator<Item = (String, String)>, origin: Origin) -> Self {
        let mut by_stem: BTreeMap<String, Files> = BTreeMap::new();
        let mut pack = Self::default();
        for (path, text) in files {
            if let Some(stem) = path.strip_suffix(".fixtures.toml") {
                by_stem.entry(stem.to_owned()).or_default().fixtures = Some(text);
            } else if let Some(stem) = path.strip_suffix(".toml") {
                by_stem.entry(stem.to_owned()).or_default().toml = Some((path.clone(), text));
            } else if let Some(stem) = path.strip_suffix(".sql") {
                by_stem.entry(stem.to_owned()).or_default().sql = Some(text);
            }
        }
        for (stem, f) in by_stem {
            let Some((file, toml_text)) = f.toml else {
                pack.problems.push(LoadProblem {
                    file: format!("{stem}.sql"),
                    reason: format!("no {stem}.toml beside the SQL; a rule needs both files"),
                });
                continue;
            };
            let Some(sql) = f.sql else {
                pack.problems.push(LoadProblem {
                    file: file.clone(),
                    reason: format!("no {stem}.sql beside the TOML; a rule needs both files"),
                });
                continue;
            };
            match Rule::parse(&file, &toml_text, &sql, f.fixtures, origin) {
                Ok(rule) => pack.rules.push(rule),
                Err(e) => pack.problems.push(LoadProblem {
                    file,
                    reason: match e {
                        RulesError::Definition { reason, .. } => reason,
                        other => other.to_string(),
                    },
                }),
            }
        }
        pack.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut unique = Vec::with_capacity(pack.rules.len());
        for r in std::mem::take(&mut pack.rules) {
            if let Some(first) = seen.get(&r.meta.id) {
                pack.problems.push(LoadProblem {
                    file: r.file.clone(),
                    reason: format!(
                        "rule id {} is also defined in {first}; ids must be unique",
                        r.meta.id
                    ),
                });
                continue;
            }
            seen.insert(r.meta.id.clone(), r.file.clone());
            unique.push(r);
        }
        pack.rules = unique;
        pack
    }

    /// Adds `other`'s rules; a rule with an id already present replaces it (a workspace
    /// rule overrides the built-in one of the same id, and its content hash says so).
    pub fn overlay(&mut self, other: RulePack) {
        for r in other.rules {
            match self.rules.iter_mut().find(|x| x.meta.id == r.meta.id) {
                Some(slot) => *slot = r,
                None => self.rules.push(r),
            }
        }
        self.problems.extend(other.problems);
        self.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id.trim()))
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), RulesError> {
    let io = |p: &Path, e: std::io::Error| RulesError::Io {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml" || e == "sql") {
            let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let shown = Path::new("rules")
                .join(rel)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((shown, text));
        }
    }
    Ok(())
}
