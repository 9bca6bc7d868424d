//! `qinglian run`, `qinglian rules …` and `qinglian findings list`: the rule base from the
//! command line. Each command parses its arguments, calls `qinglian_app::analysis` and
//! renders the result (text, or JSON with `--json`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use clap::{Args, Subcommand};
use qinglian_app::analysis::{self, Level, Origin, RulePack, RuleStatus, RulesError, RunOptions};
use qinglian_app::warnings;
use qinglian_app::{AppError, Workspace};
use qinglian_store::{FindingFilter, FindingStatus};

use crate::Cli;
use crate::commands::{env_overrides, open, workspace_dir};
use crate::output::{json, table};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Run only this rule (e.g. FUN-001)
    #[arg(long)]
    rule: Option<String>,
    /// Run only this model (e.g. MOD-BENFORD; `qinglian models list`)
    #[arg(long)]
    model: Option<String>,
    /// Run the rule base only, not the model base
    #[arg(long, conflicts_with = "model")]
    no_models: bool,
    /// Run the model base only, not the rule base
    #[arg(long, conflicts_with_all = ["rule", "no_models"])]
    no_rules: bool,
    /// Keep the findings only: raise no warnings from them (`warnings raise` does it later)
    #[arg(long)]
    no_raise: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// Every rule: id, category, severity, name, data needed / 规则列表
    List,
    /// One rule: description, parameters (with the workspace's values), basis, SQL / 规则详情
    Show {
        /// Rule id, e.g. FUN-001
        id: String,
    },
    /// Run the rules' fixtures (positive and negative cases) / 规则测试
    Test {
        /// Only this rule
        id: Option<String>,
    },
    /// Check rule files without data: SQL plans, columns, parameters, fixtures / 规则检查
    Lint,
    /// Write one Markdown page per rule and an index / 生成规则文档
    Doc {
        /// Folder to write (default docs/rules)
        #[arg(long, default_value = "docs/rules")]
        out: PathBuf,
        /// Only check that the folder is current; exit 2 if not
        #[arg(long)]
        check: bool,
    },
    /// Time every rule over the workspace's committed data; nothing is stored (JSON with
    /// --json includes each rule's SQL as it ran) / 规则耗时
    Bench,
}

#[derive(Args, Debug)]
pub struct ModelsArgs {
    #[command(subcommand)]
    command: ModelsCommand,
}

#[derive(Subcommand, Debug)]
enum ModelsCommand {
    /// Every model the engine runs: id, version, name, data read / 模型列表
    List,
    /// Train the bid scorer (MOD-SCORER) on the tenders whose warnings were judged
    /// (confirmed, rectified or referred = collusive; legitimate or rule too broad =
    /// competitive), plus any labelled case files / 用处置结论训练评分模型
    TrainScorer(Box<crate::bids_cmd::TrainScorerArgs>),
}

#[derive(Args, Debug)]
pub struct FindingsArgs {
    #[command(subcommand)]
    command: FindingsCommand,
}

#[derive(Subcommand, Debug)]
enum FindingsCommand {
    /// Findings kept in the workspace, newest first / 发现列表
    List {
        /// Only this rule's findings
        #[arg(long)]
        rule: Option<String>,
        /// Include findings resolved by later data
        #[arg(long)]
        all: bool,
        /// At most this many
        #[arg(long)]
        limit: Option<u64>,
    },
}

/// The workspace if the folder holds one (its rules join the built-in pack), else none.
async fn open_if_any(cli: &Cli) -> anyhow::Result<Option<Workspace>> {
    let dir = workspace_dir(cli);
    if dir.join("qinglian.toml").exists() {
        Ok(Some(open(cli).await?))
    } else {
        Ok(None)
    }
}

fn user_error(file: &str, reason: String) -> anyhow::Error {
    AppError::Rules(RulesError::Definition {
        file: file.to_owned(),
        reason,
    })
    .into()
}

pub async fn run(cli: &Cli, a: &RunArgs) -> anyhow::Result<()> {
    let ws = open(cli).await?;
    let quiet = cli.quiet;
    let summary = analysis::run(
        &ws,
        &RunOptions {
            rule: a.rule.clone(),
            model: a.model.clone(),
            no_models: a.no_models,
            no_rules: a.no_rules,
        },
        &mut |step| model_progress(quiet, &step),
    )
    .await;
    let raised = match (&summary, a.no_raise) {
        (Ok(_), false) => Some(
            warnings::raise_from_findings(
                &ws,
                "system",
                Utc::now(),
                &crate::warnings_cmd::channels(),
            )
            .await,
        ),
        _ => None,
    };
    ws.store.close().await;
    let s = summary?;
    let raised = raised.transpose()?;
    if let Some(r) = &raised {
        crate::warnings_cmd::report_deliveries(&r.failed_deliveries);
    }
    if cli.json {
        let mut out = serde_json::to_value(&s)?;
        out["warnings"] = serde_json::to_value(&raised)?;
        return json(&out);
    }
    let rows: Vec<Vec<String>> = s
        .rules
        .iter()
        .map(|r| {
            let status = status_text(&r.status, false);
            vec![
                r.id.clone(),
                status,
                r.hits.to_string(),
                r.new.to_string(),
                r.resolved.to_string(),
                r.name_zh.clone(),
            ]
        })
        .collect();
    table(
        &["rule", "status", "hits", "new", "resolved", "名称"],
        &rows,
    );
    for r in &s.rules {
        if let RuleStatus::Failed { error } = &r.status {
            println!("\n规则失败 {} failed: {error}", r.id);
        }
    }
    if !s.models.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = s
            .models
            .iter()
            .map(|m| {
                vec![
                    m.id.clone(),
                    status_text(&m.status, false),
                    m.rows.to_string(),
                    m.hits.to_string(),
                    m.new.to_string(),
                    m.resolved.to_string(),
                    format!("{:.1}", m.millis as f64 / 1000.0),
                    m.name_zh.clone(),
                ]
            })
            .collect();
        table(
            &[
                "model", "status", "rows", "hits", "new", "resolved", "s", "名称",
            ],
            &rows,
        );
        for m in &s.models {
            if let RuleStatus::Failed { error } = &m.status {
                println!("\n模型失败 {} failed: {error}", m.id);
            }
        }
    }
    for p in &s.problems {
        println!("\n无法加载 cannot load {}: {}", p.file, p.reason);
    }
    println!(
        "\n{} 条规则 rules: {} 运行 ran, {} 缺数据未运行 not run, {} 停用 disabled, {} 失败 failed",
        s.rules.len(),
        s.ran,
        s.not_run,
        s.disabled,
        s.failed
    );
    println!(
        "发现 findings: {} hits ({} 新 new, {} 已消除 resolved) in {} ms",
        s.hits, s.new, s.resolved, s.millis
    );
    if let Some(r) = &raised {
        println!(
            "预警 warnings: {} 新 raised, {} 已有 already raised, {} 屏蔽 suppressed",
            r.raised.len(),
            r.already,
            r.suppressed
        );
    }
    if s.hits > 0 {
        println!(
            "下一步 Next: qinglian --workspace {} findings list",
            workspace_dir(cli).display()
        );
    }
    Ok(())
}

/// One line on stderr as each model starts and ends (a model over a large lake takes
/// seconds to a minute).
fn model_progress(quiet: bool, step: &qinglian_app::models::Step<'_>) {
    use qinglian_app::models::Step;
    if quiet {
        return;
    }
    match step {
        Step::Start(m) => eprintln!("模型 model {} {} …", m.id, m.name_zh),
        Step::Done(r) => eprintln!(
            "模型 model {} {}: {} rows, {} hits, {:.1} s",
            r.id,
            status_text(&r.status, false),
            r.rows,
            r.hits,
            r.millis as f64 / 1000.0
        ),
    }
}

/// `qinglian models list`.
pub async fn models(cli: &Cli, a: &ModelsArgs) -> anyhow::Result<()> {
    match &a.command {
        ModelsCommand::List => list_models(cli),
        ModelsCommand::TrainScorer(t) => crate::bids_cmd::train_scorer(cli, t).await,
    }
}

fn list_models(cli: &Cli) -> anyhow::Result<()> {
    let all = &qinglian_app::models::MODELS;
    if cli.json {
        return json(all);
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|m| {
            vec![
                m.id.to_owned(),
                m.version.to_owned(),
                m.datasets.join(" | "),
                m.name_en.to_owned(),
                m.name_zh.to_owned(),
            ]
        })
        .collect();
    table(&["model", "version", "reads", "name", "名称"], &rows);
    println!(
        "\n参数与说明 parameters and method: docs/models/README.md; 停用 disable: [models.disabled] in qinglian.toml"
    );
    Ok(())
}

/// How a rule's run ended, for the tables (`run` prints failures in full below the table).
fn status_text(status: &RuleStatus, with_error: bool) -> String {
    match status {
        RuleStatus::Ran => "ok".to_owned(),
        RuleStatus::NotRun { needs } => format!("not run: needs {}", needs.join(", ")),
        RuleStatus::Disabled { reason } => format!("disabled: {reason}"),
        RuleStatus::Failed { error } if with_error => format!("FAILED: {error}"),
        RuleStatus::Failed { .. } => "FAILED".to_owned(),
    }
}

async fn pack_for(cli: &Cli) -> anyhow::Result<(RulePack, Option<Workspace>)> {
    let ws = open_if_any(cli).await?;
    let pack = analysis::rule_pack(ws.as_ref())?;
    Ok((pack, ws))
}

pub async fn rules(cli: &Cli, a: &RulesArgs) -> anyhow::Result<()> {
    if let RulesCommand::Bench = a.command {
        return bench(cli).await;
    }
    let (pack, ws) = pack_for(cli).await?;
    if let Some(ws) = &ws {
        ws.store.close().await;
    }
    match &a.command {
        RulesCommand::List => list(cli, &pack),
        RulesCommand::Show { id } => show(cli, &pack, ws.as_ref(), id),
        RulesCommand::Test { id } => test(cli, &pack, id.as_deref()).await,
        RulesCommand::Lint => lint(cli, &pack).await,
        RulesCommand::Doc { out, check } => doc(cli, &pack, out, *check).await,
        RulesCommand::Bench => unreachable!("handled above: it needs the open workspace"),
    }
}

async fn bench(cli: &Cli) -> anyhow::Result<()> {
    let ws = open(cli).await?;
    let started = std::time::Instant::now();
    let timings = analysis::bench_rules(&ws).await;
    ws.store.close().await;
    let timings = timings?;
    if cli.json {
        return json(&timings);
    }
    let rows: Vec<Vec<String>> = timings
        .iter()
        .map(|t| {
            let status = status_text(&t.status, true);
            vec![
                t.id.clone(),
                status,
                t.hits.to_string(),
                format!("{:.1}", t.millis),
            ]
        })
        .collect();
    table(&["rule", "status", "hits", "ms"], &rows);
    println!(
        "\n{} 条规则 rules in {:.1} s",
        timings.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn list(cli: &Cli, pack: &RulePack) -> anyhow::Result<()> {
    if cli.json {
        let v: Vec<_> = pack
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.meta.id, "version": r.meta.version, "category": r.category,
                    "severity": r.severity, "name_zh": r.meta.name_zh, "name_en": r.meta.name_en,
                    "datasets": r.meta.datasets, "origin": r.origin, "file": r.file,
                })
            })
            .collect();
        return json(&serde_json::json!({"rules": v, "problems": pack.problems}));
    }
    let rows: Vec<Vec<String>> = pack
        .rules
        .iter()
        .map(|r| {
            vec![
                r.meta.id.clone(),
                r.category.name_zh().to_owned(),
                r.meta.severity.clone(),
                r.meta.name_zh.clone(),
                r.meta.name_en.clone(),
                if r.origin == Origin::Workspace {
                    "workspace".to_owned()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    table(&["rule", "类别", "severity", "名称", "name", ""], &rows);
    for p in &pack.problems {
        println!("无法加载 cannot load {}: {}", p.file, p.reason);
    }
    println!(
        "\n规则库 Rule base: {} rules; `qinglian rules show ID` for one rule.",
        pack.rules.len()
    );
    Ok(())
}

fn show(cli: &Cli, pack: &RulePack, ws: Option<&Workspace>, id: &str) -> anyhow::Result<()> {
    let rule = pack
        .get(id)
        .ok_or_else(|| AppError::Rules(RulesError::UnknownRule(id.to_owned())))?;
    let m = &rule.meta;
    let overrides = ws.and_then(|w| {
        w.config
            .rules
            .params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&m.id))
            .map(|(_, v)| v.clone())
    });
    let effective = qinglian_app::analysis::effective_params(rule, overrides.as_ref())?;
    if cli.json {
        let params: serde_json::Map<String, serde_json::Value> = effective
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.display())))
            .collect();
        return json(&serde_json::json!({
            "meta": m, "category": rule.category, "file": rule.file, "origin": rule.origin,
            "effective_params": params, "sql": rule.sql,
        }));
    }
    println!(
        "{} {} — {}  (v{}, {})",
        m.id, m.name_zh, m.name_en, m.version, rule.file
    );
    println!(
        "  类别 category {} {} · 严重程度 severity {} · 对象 subject {}",
        rule.category.prefix(),
        rule.category.name_zh(),
        m.severity,
        m.subject.kind
    );
    println!("  数据 data: {}", m.datasets.join(", "));
    println!("\n{}\n{}", m.description_zh.trim(), m.description_en.trim());
    if !m.params.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = m
            .params
            .iter()
            .map(|(k, p)| {
                vec![
                    k.clone(),
                    p.ty.name().to_owned(),
                    effective.get(k).map(|v| v.display()).unwrap_or_default(),
                    p.zh.clone(),
                ]
            })
            .collect();
        table(&["parameter", "type", "value", "说明"], &rows);
    }
    println!("\n依据 basis: {}", m.basis.trim());
    println!("分派 routing: {}", m.routing.trim());
    for fp in &m.false_positives {
        println!("误报 false positive: {}", fp.trim());
    }
    println!("\n{}", rule.sql.trim_end());
    Ok(())
}

async fn test(cli: &Cli, pack: &RulePack, only: Option<&str>) -> anyhow::Result<()> {
    let outcomes = analysis::test_rules(pack, only).await?;
    let failed: Vec<_> = outcomes.iter().filter(|o| o.failure.is_some()).collect();
    if cli.json {
        let v: Vec<_> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({"rule": o.rule, "case": o.case, "positive": o.positive,
                    "ok": o.failure.is_none(), "failure": o.failure, "hits": o.hits.len()})
            })
            .collect();
        json(&v)?;
    } else {
        for o in &outcomes {
            match &o.failure {
                None => println!("ok    {} {}", o.rule, o.case),
                Some(f) => println!("FAIL  {} {}: {f}", o.rule, o.case),
            }
        }
        println!(
            "\n{} 个用例 cases: {} 通过 passed, {} 失败 failed",
            outcomes.len(),
            outcomes.len() - failed.len(),
            failed.len()
        );
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(user_error(
            &failed[0].rule,
            format!(
                "{} fixture case(s) failed; see the FAIL lines / 规则测试未通过",
                failed.len()
            ),
        ))
    }
}

async fn lint(cli: &Cli, pack: &RulePack) -> anyhow::Result<()> {
    let issues = analysis::lint_rules(pack).await;
    let errors = issues.iter().filter(|i| i.level == Level::Error).count();
    if cli.json {
        json(&issues)?;
    } else {
        for i in &issues {
            let level = if i.level == Level::Error {
                "error"
            } else {
                "warning"
            };
            println!("{level}: {}: {}", i.file, i.message);
        }
        println!(
            "{} 条规则 rules checked: {} 错误 errors, {} 警告 warnings",
            pack.rules.len(),
            errors,
            issues.len() - errors
        );
    }
    if errors == 0 {
        Ok(())
    } else {
        Err(user_error(
            "rules",
            format!("{errors} error(s) in rule files / 规则文件有错误"),
        ))
    }
}

async fn doc(cli: &Cli, pack: &RulePack, out: &Path, check: bool) -> anyhow::Result<()> {
    let pages = analysis::rule_docs(pack).await;
    if check {
        let stale: Vec<&String> = pages
            .iter()
            .filter(|(name, text)| {
                std::fs::read_to_string(out.join(name)).ok().as_deref() != Some(text.as_str())
            })
            .map(|(name, _)| name)
            .collect();
        if stale.is_empty() {
            println!("{} is current ({} pages)", out.display(), pages.len());
            return Ok(());
        }
        return Err(user_error(
            &out.display().to_string(),
            format!(
                "stale or missing: {}; run `qinglian rules doc --out {}`",
                stale
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                out.display()
            ),
        ));
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    if let Ok(entries) = std::fs::read_dir(out) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !pages.contains_key(&name) {
                std::fs::remove_file(e.path())
                    .with_context(|| format!("removing the stale page {}", e.path().display()))?;
            }
        }
    }
    for (name, text) in &pages {
        let p = out.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    if cli.json {
        return json(&serde_json::json!({"out": out, "pages": pages.len()}));
    }
    println!("已生成 wrote {} pages to {}", pages.len(), out.display());
    Ok(())
}

pub async fn findings(cli: &Cli, a: &FindingsArgs) -> anyhow::Result<()> {
    let FindingsCommand::List { rule, all, limit } = &a.command;
    let ws = open(cli).await?;
    let filter = FindingFilter {
        source_id: rule.as_ref().map(|r| r.to_ascii_uppercase()),
        status: (!all).then_some(FindingStatus::Open),
        limit: *limit,
        ..FindingFilter::default()
    };
    let found = analysis::findings(&ws, &filter).await;
    ws.store.close().await;
    let found = found?;
    if cli.json {
        return json(&found);
    }
    if found.is_empty() {
        println!("暂无发现 No findings. Run the rules first: qinglian run");
        return Ok(());
    }
    for f in &found {
        let x = &f.finding;
        println!(
            "#{} {} {} {} {} {}{}",
            f.id,
            x.source.id,
            x.severity.name_zh(),
            x.subject.kind,
            x.subject.id,
            x.amount.map(|m| format!("{m} 元")).unwrap_or_default(),
            if f.status == FindingStatus::ResolvedByData {
                " (已消除 resolved)"
            } else {
                ""
            }
        );
        println!("    {}", x.explanation_zh);
    }
    println!("\n{} 个发现 findings", found.len());
    Ok(())
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(subcommand)]
    command: EvalCommand,
}

#[derive(Subcommand, Debug)]
enum EvalCommand {
    /// Build (or reuse) a demo workspace, run the rule base and score it against the
    /// injected ground truth: recall and precision per rule and overall / 演示数据评估
    Demo {
        /// Demo size: small, medium or large
        #[arg(long, default_value = "medium")]
        scale: String,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Write the table into this Markdown file, between the eval markers (kept text
        /// outside them untouched)
        #[arg(long)]
        doc: Option<PathBuf>,
    },
}

const EVAL_BEGIN: &str = "<!-- qinglian eval demo: begin (generated, do not edit by hand) -->";
const EVAL_END: &str = "<!-- qinglian eval demo: end -->";

/// Scale and seed of the demo data in `dir`, from its manifest.
fn demo_manifest(dir: &Path) -> Option<(String, u64)> {
    let text = std::fs::read_to_string(dir.join("demo-data/manifest.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some((v["scale"].as_str()?.to_owned(), v["seed"].as_u64()?))
}

pub async fn eval(cli: &Cli, a: &EvalArgs) -> anyhow::Result<()> {
    let EvalCommand::Demo { scale, seed, doc } = &a.command;
    let scale_v: qinglian_synth::Scale = scale.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let dir = cli
        .workspace
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("qinglian-eval-{scale_v}")));
    let started = std::time::Instant::now();
    let reuse = dir.join("qinglian.toml").exists();
    if reuse {
        // An existing demo workspace of the same scale and seed: rerun the rules only.
        match demo_manifest(&dir) {
            Some((s, n)) if s == scale_v.as_str() && n == *seed => {}
            Some((s, n)) => anyhow::bail!(
                "{} holds the {s} demo with seed {n}, not {scale_v} with seed {seed}; choose another folder with --workspace",
                dir.display()
            ),
            None => anyhow::bail!(
                "{} holds a workspace that is not a demo; choose another folder with --workspace",
                dir.display()
            ),
        }
    } else {
        if !cli.quiet {
            eprintln!(
                "生成并导入 generating and importing the {scale_v} demo in {} …",
                dir.display()
            );
        }
        qinglian_app::demo::load(
            &dir,
            scale_v,
            *seed,
            "eval",
            &mut |_, _| {},
            &mut |_, _, _| {},
        )
        .await?;
    }
    let ws = Workspace::open(&dir, &env_overrides()).await?;
    let result = async {
        let summary = if reuse {
            Some(analysis::run_rules(&ws, &RunOptions::default()).await?)
        } else {
            None
        };
        let truth = qinglian_app::eval::read_truth(&dir.join("demo-data/ground_truth.jsonl"))?;
        let e = qinglian_app::eval::evaluate(&ws, &truth).await?;
        Ok::<_, AppError>((summary, e))
    }
    .await;
    ws.store.close().await;
    let (summary, e) = result?;
    if let Some(s) = &summary
        && s.failed > 0
    {
        eprintln!(
            "注意 note: {} rules failed; `qinglian run` shows why",
            s.failed
        );
    }
    if let Some(path) = doc {
        let old = std::fs::read_to_string(path).unwrap_or_default();
        let section = format!(
            "`qinglian eval demo --scale {scale_v} --seed {seed}` ({} rules, {} models, {} ground-truth lines):\n\n{}",
            e.rules.len(),
            e.models.len(),
            e.kinds
                .iter()
                .map(|k| k.instances + k.lookalikes)
                .sum::<u64>(),
            e.markdown()
        );
        let new = qinglian_app::eval::replace_section(&old, EVAL_BEGIN, EVAL_END, &section);
        std::fs::write(path, new).with_context(|| format!("writing {}", path.display()))?;
    }
    if cli.json {
        return json(&e);
    }
    let pct = |r: Option<f64>| r.map_or_else(|| "—".to_owned(), |r| format!("{r:.3}"));
    // One line per rule or model, the same columns for both.
    let line = |r: &qinglian_app::eval::RuleScore| {
        vec![
            r.id.clone(),
            r.findings.to_string(),
            r.true_positives.to_string(),
            format!("{} ({})", r.false_positives, r.lookalike_hits),
            pct(r.precision()),
            format!("{}/{}", r.detected, r.instances),
            pct(r.recall()),
        ]
    };
    let rows: Vec<Vec<String>> = e.rules.iter().map(line).collect();
    table(
        &[
            "rule",
            "findings",
            "TP",
            "FP (look-alike)",
            "precision",
            "detected",
            "recall",
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = e.models.iter().map(line).collect();
    println!();
    table(
        &[
            "model",
            "findings",
            "TP",
            "FP (look-alike)",
            "precision",
            "detected",
            "recall",
        ],
        &rows,
    );
    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    println!(
        "\n模型 models: {} findings, precision {}, recall {} ({}/{} injected instances of the kinds the models claim)",
        e.model_findings,
        pct(ratio(e.model_true_positives, e.model_findings)),
        pct(ratio(e.model_detected_claimed, e.model_instances_claimed)),
        e.model_detected_claimed,
        e.model_instances_claimed,
    );
    println!(
        "总计 overall: {} findings, precision {}, recall {} ({}/{} injected instances of the kinds the rules claim); every kind: {} ({}/{}) — {} s",
        e.findings,
        pct(e.precision()),
        pct(e.recall()),
        e.detected_claimed,
        e.instances_claimed,
        pct(e.recall_all()),
        e.detected_all,
        e.instances_all,
        started.elapsed().as_secs()
    );
    Ok(())
}
