//! Analysis with the rule base: load the built-in and workspace rule packs, apply the
//! workspace's parameter overrides and disabled rules, run every rule over the committed
//! lake and keep the findings in the desk (deduplicated by fingerprint, resolved when they
//! stop firing). Also the rule-base chores: list, test fixtures, lint, render docs.
//!
//! A rule that cannot run (broken SQL, bad parameter, missing data) is reported in the
//! summary and never stops the others.
//!
//! Every finding that opens (new, or reopened by later data) and every finding resolved by
//! data is appended to the evidence ledger, as one batch per run, after the desk holds them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use qinglian_core::{Category, Severity, SourceKind};
use qinglian_store::{
    BatchStatus, BatchStore, FindingFilter, FindingRecord, FindingStatus, FindingStore, NewFinding,
};
use serde::Serialize;

pub use qinglian_rules::{
    CaseOutcome, Level, LintIssue, LoadProblem, Origin, ParamValue, Rule, RulePack, RulesError,
};

use crate::ledger::{FindingResolvedEvent, LedgerEvent, finding_event};
use crate::ledger_desk::finding_digest;
use crate::{AppError, Config, Workspace};

/// The folder of a workspace's own rules.
pub const WORKSPACE_RULES_DIR: &str = "rules";

/// What to run: by default every enabled rule, then every model. Naming a rule runs that
/// rule only, naming a model that model only (both: both).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only this rule (by id).
    pub rule: Option<String>,
    /// Only this model (by id, e.g. MOD-BENFORD).
    pub model: Option<String>,
    /// Run the rule base only.
    pub no_models: bool,
    /// Run the model base only.
    pub no_rules: bool,
}

impl RunOptions {
    fn runs_rules(&self) -> bool {
        !self.no_rules && (self.rule.is_some() || self.model.is_none())
    }

    fn runs_models(&self) -> bool {
        !self.no_models && (self.model.is_some() || self.rule.is_none())
    }
}

/// How one rule's run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum RuleStatus {
    /// Ran; its findings are stored.
    Ran,
    /// Not run: a dataset it needs has no committed data.
    NotRun { needs: Vec<String> },
    /// Switched off in qinglian.toml.
    Disabled { reason: String },
    /// The rule is broken (SQL error, unknown column, bad parameter); its findings are left
    /// as they were.
    Failed { error: String },
}

/// One rule in a run summary.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRun {
    pub id: String,
    pub version: String,
    pub name_zh: String,
    pub name_en: String,
    pub category: Category,
    pub severity: Severity,
    #[serde(flatten)]
    pub status: RuleStatus,
    pub hits: u64,
    pub new: u64,
    pub updated: u64,
    pub reopened: u64,
    pub resolved: u64,
    pub millis: u64,
}

/// What `qinglian run` did.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub started_at: DateTime<Utc>,
    pub millis: u64,
    pub rules: Vec<RuleRun>,
    /// The model base's detectors (empty when they were not run).
    pub models: Vec<crate::models::ModelRun>,
    /// Rule files that could not be loaded at all.
    pub problems: Vec<LoadProblem>,
    pub hits: u64,
    pub new: u64,
    pub resolved: u64,
    pub ran: usize,
    pub not_run: usize,
    pub disabled: usize,
    pub failed: usize,
    /// Ledger entries this run appended (`finding` and `finding_resolved` events).
    pub recorded: u64,
}

impl RunSummary {
    /// Hits per category, for the demo's summary.
    pub fn hits_by_category(&self) -> BTreeMap<Category, u64> {
        let mut out = BTreeMap::new();
        for r in &self.rules {
            *out.entry(r.category).or_default() += r.hits;
        }
        for m in &self.models {
            for (c, n) in &m.by_category {
                *out.entry(*c).or_default() += n;
            }
        }
        out
    }

    /// Hits per severity (the level the rule gives its findings), gravest first.
    pub fn hits_by_severity(&self) -> Vec<(Severity, u64)> {
        let mut out: BTreeMap<std::cmp::Reverse<Severity>, u64> = BTreeMap::new();
        for r in &self.rules {
            *out.entry(std::cmp::Reverse(r.severity)).or_default() += r.hits;
        }
        for m in &self.models {
            for (s, n) in &m.by_severity {
                *out.entry(std::cmp::Reverse(*s)).or_default() += n;
            }
        }
        out.into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| (s.0, n))
            .collect()
    }
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The built-in pack with the workspace's rules (if any) laid over it.
pub fn rule_pack(ws: Option<&Workspace>) -> Result<RulePack, AppError> {
    let mut pack = RulePack::builtin();
    if let Some(ws) = ws {
        pack.overlay(RulePack::load_dir(&ws.root.join(WORKSPACE_RULES_DIR))?);
    }
    Ok(pack)
}

/// Refuses settings that name rules or parameters that do not exist: a typo must not
/// silently leave a rule with its default.
pub(crate) fn check_settings(config: &Config, pack: &RulePack) -> Result<(), AppError> {
    let bad = |reason: String| AppError::Config {
        path: "qinglian.toml [rules]".into(),
        reason,
    };
    for id in config
        .rules
        .params
        .keys()
        .chain(config.rules.disabled.keys())
    {
        if pack.get(id).is_none() {
            return Err(bad(format!(
                "no rule '{id}'; `qinglian rules list` shows the rule ids"
            )));
        }
    }
    for (id, params) in &config.rules.params {
        if let Some(rule) = pack.get(id) {
            qinglian_rules::effective_params(rule, params)?;
        }
    }
    Ok(())
}

pub(crate) fn overrides<'a>(
    config: &'a Config,
    id: &str,
) -> Option<&'a BTreeMap<String, toml::Value>> {
    config
        .rules
        .params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(id))
        .map(|(_, v)| v)
}

pub(crate) fn disabled_reason(config: &Config, id: &str) -> Option<String> {
    config
        .rules
        .disabled
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(id))
        .map(|(_, v)| v.clone())
}

/// The committed lake files of each dataset.
pub(crate) async fn lake_files(ws: &Workspace) -> Result<BTreeMap<String, Vec<PathBuf>>, AppError> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for b in ws.store.batches_in_state(BatchStatus::Committed).await? {
        out.entry(b.dataset.clone())
            .or_default()
            .push(ws.root.join(&b.lake_file));
    }
    Ok(out)
}

/// A rule engine with every committed lake file registered as its dataset.
pub(crate) async fn engine_over_lake(ws: &Workspace) -> Result<qinglian_rules::Engine, AppError> {
    let mut engine = qinglian_rules::Engine::new(ws.calendar()?)?;
    for (dataset, files) in lake_files(ws).await? {
        if qinglian_spec::dataset(&dataset).is_some() {
            engine.register_lake(&dataset, &files).await?;
        }
    }
    Ok(engine)
}

/// One rule timed by [`bench_rules`].
#[derive(Debug, Clone, Serialize)]
pub struct RuleTiming {
    pub id: String,
    #[serde(flatten)]
    pub status: RuleStatus,
    pub hits: u64,
    /// Wall time of planning and executing the query and turning rows into findings.
    pub millis: f64,
    /// The SQL exactly as it ran (parameters substituted), for running it elsewhere.
    pub sql: String,
}

/// Times every enabled rule over the committed lake without touching the desk (nothing is
/// stored or recorded): what a rule costs, and the SQL to compare with another engine.
pub async fn bench_rules(ws: &Workspace) -> Result<Vec<RuleTiming>, AppError> {
    let pack = rule_pack(Some(ws))?;
    check_settings(&ws.config, &pack)?;
    let engine = engine_over_lake(ws).await?;
    let empty = BTreeMap::new();
    let mut out = Vec::with_capacity(pack.rules.len());
    for rule in &pack.rules {
        let id = rule.meta.id.clone();
        let params =
            qinglian_rules::effective_params(rule, overrides(&ws.config, &id).unwrap_or(&empty))?;
        let sql = qinglian_rules::Engine::prepared_sql(rule, &params)?;
        let missing = engine.missing(rule);
        let mut timing = RuleTiming {
            id,
            status: RuleStatus::Ran,
            hits: 0,
            millis: 0.0,
            sql,
        };
        if let Some(reason) = disabled_reason(&ws.config, &timing.id) {
            timing.status = RuleStatus::Disabled { reason };
        } else if !missing.is_empty() {
            timing.status = RuleStatus::NotRun { needs: missing };
        } else {
            let t = Instant::now();
            match engine.run(rule, &params).await {
                Ok(hits) => timing.hits = hits.len() as u64,
                Err(e) => {
                    timing.status = RuleStatus::Failed {
                        error: e.to_string(),
                    };
                }
            }
            timing.millis = t.elapsed().as_secs_f64() * 1000.0;
        }
        out.push(timing);
    }
    Ok(out)
}

/// Runs the enabled rules and the models (see [`RunOptions`]) over the committed lake and
/// stores their findings.
pub async fn run_rules(ws: &Workspace, opts: &RunOptions) -> Result<RunSummary, AppError> {
    run(ws, opts, &mut |_| {}).await
}

/// [`run_rules`], telling `on_step` as each model starts and ends (the rules are quick; the
/// models over a large lake take a while).
pub async fn run(
    ws: &Workspace,
    opts: &RunOptions,
    on_step: &mut dyn FnMut(crate::models::Step<'_>),
) -> Result<RunSummary, AppError> {
    let started = Instant::now();
    let started_at = Utc::now();
    let pack = rule_pack(Some(ws))?;
    check_settings(&ws.config, &pack)?;
    let selected: Vec<&Rule> = match &opts.rule {
        Some(id) => vec![
            pack.get(id)
                .ok_or_else(|| RulesError::UnknownRule(id.clone()))?,
        ],
        None if opts.runs_rules() => pack.rules.iter().collect(),
        None => Vec::new(),
    };
    if let Some(id) = &opts.model
        && crate::models::model(id).is_none()
    {
        return Err(AppError::Config {
            path: "--model".into(),
            reason: format!("no model '{id}'; `qinglian models list` shows the model ids"),
        });
    }
    let engine = engine_over_lake(ws).await?;
    let mut rules = Vec::with_capacity(selected.len());
    let mut events = Vec::new();
    for rule in selected {
        let t = Instant::now();
        let m = &rule.meta;
        let mut run = RuleRun {
            id: m.id.clone(),
            version: m.version.clone(),
            name_zh: m.name_zh.clone(),
            name_en: m.name_en.clone(),
            category: rule.category,
            severity: rule.severity,
            status: RuleStatus::Ran,
            hits: 0,
            new: 0,
            updated: 0,
            reopened: 0,
            resolved: 0,
            millis: 0,
        };
        let missing = engine.missing(rule);
        if let Some(reason) = disabled_reason(&ws.config, &m.id) {
            run.status = RuleStatus::Disabled { reason };
        } else if !missing.is_empty() {
            run.status = RuleStatus::NotRun { needs: missing };
        } else {
            let empty = BTreeMap::new();
            let outcome = match qinglian_rules::effective_params(
                rule,
                overrides(&ws.config, &m.id).unwrap_or(&empty),
            ) {
                Ok(params) => engine.run(rule, &params).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(hits) => {
                    let found: Vec<NewFinding> = hits
                        .into_iter()
                        .map(|h| NewFinding {
                            fingerprint: h.fingerprint,
                            finding: h.finding,
                        })
                        .collect();
                    let counts = sync_source(
                        ws,
                        SourceKind::Rule,
                        (&m.id, &m.version),
                        &found,
                        started_at,
                        &mut events,
                    )
                    .await?;
                    run.hits = found.len() as u64;
                    run.new = counts.new;
                    run.updated = counts.updated;
                    run.reopened = counts.reopened;
                    run.resolved = counts.resolved;
                }
                Err(e) => {
                    run.status = RuleStatus::Failed {
                        error: e.to_string(),
                    }
                }
            }
        }
        run.millis = millis(t);
        rules.push(run);
    }
    let models = if opts.runs_models() {
        let mut lake = crate::models::Lake::new(engine);
        crate::models::run(
            ws,
            &mut lake,
            opts.model.as_deref(),
            started_at,
            &mut events,
            on_step,
        )
        .await?
    } else {
        Vec::new()
    };
    // One ledger batch (one signed checkpoint) for the whole run.
    if !events.is_empty() {
        crate::ledger::record(ws, &events)?;
    }
    let count = |f: fn(&RuleStatus) -> bool| rules.iter().filter(|r| f(&r.status)).count();
    Ok(RunSummary {
        started_at,
        millis: millis(started),
        hits: rules.iter().map(|r| r.hits).sum::<u64>()
            + models.iter().map(|m| m.hits).sum::<u64>(),
        new: rules.iter().map(|r| r.new + r.reopened).sum::<u64>()
            + models.iter().map(|m| m.new + m.reopened).sum::<u64>(),
        resolved: rules.iter().map(|r| r.resolved).sum::<u64>()
            + models.iter().map(|m| m.resolved).sum::<u64>(),
        ran: count(|s| matches!(s, RuleStatus::Ran)),
        not_run: count(|s| matches!(s, RuleStatus::NotRun { .. })),
        disabled: count(|s| matches!(s, RuleStatus::Disabled { .. })),
        failed: count(|s| matches!(s, RuleStatus::Failed { .. })),
        problems: pack.problems.clone(),
        recorded: events.len() as u64,
        rules,
        models,
    })
}

/// Keeps one source's findings in the desk (a rule's or a model's: only findings of that
/// kind and id are compared, opened or resolved) and adds the ledger events of what changed
/// to `events`: a `finding` for every finding that opened or changed, a `finding_resolved`
/// for every one the data no longer supports.
pub(crate) async fn sync_source(
    ws: &Workspace,
    kind: SourceKind,
    (id, version): (&str, &str),
    found: &[NewFinding],
    at: DateTime<Utc>,
    events: &mut Vec<LedgerEvent>,
) -> Result<qinglian_store::SyncCounts, AppError> {
    let before = open_digests(ws, id).await?;
    let counts = ws.store.sync_findings(kind, id, found, at).await?;
    events.extend(changed_findings(ws, id, &before).await?);
    for closed in &counts.closed {
        events.push(LedgerEvent::FindingResolved(FindingResolvedEvent {
            finding: closed.to_string(),
            rule: id.to_owned(),
            rule_version: version.to_owned(),
            resolved_at: at,
        }));
    }
    Ok(counts)
}

/// The open findings of a source: id → SHA-256 as stored.
async fn open_digests(ws: &Workspace, source: &str) -> Result<BTreeMap<i64, String>, AppError> {
    let filter = FindingFilter {
        source_id: Some(source.to_owned()),
        status: Some(FindingStatus::Open),
        ..FindingFilter::default()
    };
    Ok(ws
        .store
        .list_findings(&filter)
        .await?
        .iter()
        .map(|r| (r.id, finding_digest(&r.finding)))
        .collect())
}

/// A `finding` event for every finding of the source that is open now and was not open
/// before, or whose stored content changed (text, amount, evidence): the ledger's last
/// `finding` entry always carries the digest of the finding as the desk holds it.
async fn changed_findings(
    ws: &Workspace,
    source: &str,
    before: &BTreeMap<i64, String>,
) -> Result<Vec<LedgerEvent>, AppError> {
    let filter = FindingFilter {
        source_id: Some(source.to_owned()),
        status: Some(FindingStatus::Open),
        ..FindingFilter::default()
    };
    let mut now = ws.store.list_findings(&filter).await?;
    now.sort_by_key(|r| r.id);
    Ok(now
        .iter()
        .filter(|r| before.get(&r.id) != Some(&finding_digest(&r.finding)))
        .map(|r| LedgerEvent::Finding(finding_event(r.id, &r.finding)))
        .collect())
}

/// A rule's parameter values: defaults with the given overrides, type-checked.
pub fn effective_params(
    rule: &Rule,
    overrides: Option<&BTreeMap<String, toml::Value>>,
) -> Result<BTreeMap<String, ParamValue>, AppError> {
    let empty = BTreeMap::new();
    Ok(qinglian_rules::effective_params(
        rule,
        overrides.unwrap_or(&empty),
    )?)
}

/// Runs the fixtures of every rule of the pack (or one), in id order.
pub async fn test_rules(pack: &RulePack, only: Option<&str>) -> Result<Vec<CaseOutcome>, AppError> {
    let rules: Vec<&Rule> = match only {
        Some(id) => vec![
            pack.get(id)
                .ok_or_else(|| RulesError::UnknownRule(id.to_owned()))?,
        ],
        None => pack.rules.iter().collect(),
    };
    let mut out = Vec::new();
    for r in rules {
        out.extend(qinglian_rules::run_fixtures(r).await);
    }
    Ok(out)
}

/// Lints the pack: load problems, SQL that does not plan, missing columns or fixtures.
pub async fn lint_rules(pack: &RulePack) -> Vec<LintIssue> {
    qinglian_rules::lint(pack).await
}

/// The documentation pages of the pack: file name → Markdown.
pub async fn rule_docs(pack: &RulePack) -> BTreeMap<String, String> {
    qinglian_rules::doc::render_all(pack).await
}

/// Findings kept in the desk.
pub async fn findings(
    ws: &Workspace,
    filter: &FindingFilter,
) -> Result<Vec<FindingRecord>, AppError> {
    Ok(ws.store.list_findings(filter).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ImportOptions, import, init_workspace};

    #[test]
    fn the_engine_assumes_the_lake_schema_ingest_writes() {
        for d in qinglian_spec::DATASETS {
            assert_eq!(
                qinglian_ingest::arrow_schema(d),
                qinglian_rules::lake_schema(d),
                "dataset {}",
                d.name
            );
        }
    }

    async fn workspace_with_payments(dir: &std::path::Path, csv: &str) -> Workspace {
        let ws = init_workspace(&dir.join("ws"), Config::default())
            .await
            .unwrap();
        let file = dir.join("payments.csv");
        std::fs::write(&file, csv).unwrap();
        let opts = ImportOptions {
            force: true,
            user: "test".into(),
            ..ImportOptions::default()
        };
        import(&ws, "payments", &file, &opts, Box::new(|_, _| {}))
            .await
            .unwrap();
        ws
    }

    const PAYMENTS: &str = "payment_id,unit_id,paid_on,amount,payee_name,method,purpose\n\
        P1,D1,2025-03-04,86000,甲公司,cash,材料款\n\
        P2,D1,2025-03-05,900,乙公司,transfer,文具\n";

    fn run_of<'a>(s: &'a RunSummary, id: &str) -> &'a RuleRun {
        s.rules.iter().find(|r| r.id == id).unwrap()
    }

    #[tokio::test]
    async fn a_run_keeps_findings_and_a_rerun_does_not_duplicate_them() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace_with_payments(dir.path(), PAYMENTS).await;
        let s = run_rules(&ws, &RunOptions::default()).await.unwrap();
        let cash = run_of(&s, "FUN-009");
        assert_eq!(cash.status, RuleStatus::Ran);
        assert_eq!((cash.hits, cash.new), (1, 1));
        assert_eq!(
            run_of(&s, "DEC-001").status,
            RuleStatus::NotRun {
                needs: vec!["contracts".into(), "decisions".into()]
            }
        );
        assert_eq!(s.failed, 0, "{:?}", s.rules);
        let found = findings(&ws, &FindingFilter::default()).await.unwrap();
        assert_eq!(found.len(), 1);
        let f = &found[0].finding;
        assert_eq!(f.subject.id, "甲公司");
        assert_eq!(f.amount, Some(qinglian_core::Money::from_fen(8_600_000)));
        assert_eq!(f.evidence.len(), 1);
        assert_eq!(f.evidence[0].dataset, "payments");
        assert_eq!(f.evidence[0].row, 2, "the source file's row number");

        let again = run_rules(
            &ws,
            &RunOptions {
                rule: Some("fun-009".into()),
                ..RunOptions::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(again.rules.len(), 1);
        assert_eq!((again.rules[0].new, again.rules[0].updated), (0, 1));
        assert_eq!(
            findings(&ws, &FindingFilter::default())
                .await
                .unwrap()
                .len(),
            1
        );
    }

    async fn ledger_state(ws: &Workspace) -> crate::ledger::Verification {
        let v = crate::ledger::verify(ws, None, &[], &[]).await.unwrap();
        assert!(v.ok, "{:?}", v.problem);
        v
    }

    #[tokio::test]
    async fn findings_that_open_or_resolve_are_appended_to_the_ledger_in_one_batch_per_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace_with_payments(dir.path(), PAYMENTS).await;
        let before = ledger_state(&ws).await;
        assert_eq!(before.events.get("finding"), None);

        let s = run_rules(&ws, &RunOptions::default()).await.unwrap();
        assert!(s.new >= 1);
        assert_eq!(s.recorded, s.new, "every new finding, nothing else");
        let after = ledger_state(&ws).await;
        assert_eq!(after.events.get("finding"), Some(&s.new));
        assert_eq!(after.entries, before.entries + s.new);
        assert_eq!(
            after.checkpoints,
            before.checkpoints + 1,
            "one signed checkpoint for the whole run"
        );

        let cash = findings(
            &ws,
            &FindingFilter {
                source_id: Some("FUN-009".into()),
                ..FindingFilter::default()
            },
        )
        .await
        .unwrap();
        let id = cash[0].id.to_string();
        let at = crate::ledger::find_entries(&ws, &id).unwrap();
        let entries: Vec<serde_json::Value> = at
            .iter()
            .map(|&i| crate::ledger::prove(&ws, i).unwrap().entry)
            .filter(|e| e["rule"] == "FUN-009")
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        let e = &entries[0];
        assert_eq!(e["type"], "finding");
        assert_eq!(e["amount_fen"], 8_600_000);
        assert_eq!(e["subject"], "payee:甲公司");
        assert_eq!(e["evidence"][0]["dataset"], "payments");
        assert_eq!(e["evidence"][0]["row"], 2);
        let stored = serde_json::to_vec(&cash[0].finding).unwrap();
        use sha2::Digest as _;
        assert_eq!(
            e["digest"],
            hex::encode(sha2::Sha256::digest(&stored)),
            "the digest is of the finding as the desk keeps it"
        );

        // Nothing changed: nothing to record, no empty checkpoint.
        let again = run_rules(&ws, &RunOptions::default()).await.unwrap();
        assert_eq!(again.recorded, 0);
        assert_eq!(ledger_state(&ws).await.checkpoints, after.checkpoints);

        // The data no longer supports it (a higher limit): resolved, and recorded.
        ws.config
            .rules
            .params
            .entry("FUN-009".into())
            .or_default()
            .insert("limit".into(), toml::Value::Integer(100_000));
        let third = run_rules(&ws, &RunOptions::default()).await.unwrap();
        assert_eq!((third.resolved, third.recorded), (1, 1));
        let v = ledger_state(&ws).await;
        assert_eq!(v.events.get("finding_resolved"), Some(&1));
        let last = crate::ledger::prove(&ws, v.entries - 1).unwrap().entry;
        assert_eq!(last["type"], "finding_resolved");
        assert_eq!(last["finding"], id.as_str());
        assert_eq!(last["rule"], "FUN-009");

        // Back to the default: the finding reopens and is recorded again.
        ws.config.rules.params.clear();
        let fourth = run_rules(&ws, &RunOptions::default()).await.unwrap();
        assert_eq!(fourth.recorded, 1);
        let last = crate::ledger::prove(&ws, v.entries).unwrap().entry;
        assert_eq!(
            (last["type"].as_str(), last["finding"].as_str()),
            (Some("finding"), Some(id.as_str()))
        );
    }

    #[tokio::test]
    async fn settings_change_parameters_disable_rules_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace_with_payments(dir.path(), PAYMENTS).await;
        run_rules(&ws, &RunOptions::default()).await.unwrap();
        ws.config
            .rules
            .params
            .entry("FUN-009".into())
            .or_default()
            .insert("limit".into(), toml::Value::Integer(100_000));
        ws.config
            .rules
            .disabled
            .insert("FUN-005".into(), "approvals are in another system".into());
        let s = run_rules(&ws, &RunOptions::default()).await.unwrap();
        assert_eq!(
            run_of(&s, "FUN-009").resolved,
            1,
            "above the new limit only"
        );
        assert_eq!(
            run_of(&s, "FUN-005").status,
            RuleStatus::Disabled {
                reason: "approvals are in another system".into()
            }
        );
        ws.config
            .rules
            .params
            .get_mut("FUN-009")
            .unwrap()
            .insert("limit".into(), toml::Value::String("lots".into()));
        let e = run_rules(&ws, &RunOptions::default()).await.unwrap_err();
        assert!(e.is_user_error());
        assert!(e.to_string().contains("FUN-009"), "{e}");
        ws.config.rules.params.clear();
        ws.config
            .rules
            .disabled
            .insert("FUN-999".into(), "x".into());
        let e = run_rules(&ws, &RunOptions::default()).await.unwrap_err();
        assert!(e.to_string().contains("FUN-999"), "{e}");
        let e = run_rules(
            &ws,
            &RunOptions {
                rule: Some("NOPE-001".into()),
                ..RunOptions::default()
            },
        )
        .await
        .unwrap_err();
        assert!(e.is_user_error());
    }

    #[tokio::test]
    async fn a_broken_workspace_rule_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace_with_payments(dir.path(), PAYMENTS).await;
        let rules = ws.root.join(WORKSPACE_RULES_DIR);
        std::fs::create_dir_all(&rules).unwrap();
        let pack = RulePack::builtin();
        let fun9 = pack.get("FUN-009").unwrap();
        std::fs::write(rules.join("FUN-009.toml"), &fun9.toml_text).unwrap();
        std::fs::write(rules.join("FUN-009.sql"), "SELECT nonsense FROM payments").unwrap();
        let s = run_rules(&ws, &RunOptions::default()).await.unwrap();
        match &run_of(&s, "FUN-009").status {
            RuleStatus::Failed { error } => {
                assert!(error.contains("rules/FUN-009.sql"), "{error}");
                assert!(error.contains("nonsense"), "{error}");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        assert_eq!(s.failed, 1);
        assert_eq!(run_of(&s, "FUN-005").status, RuleStatus::Ran);
    }
}
