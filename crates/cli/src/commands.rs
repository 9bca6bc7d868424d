//! One function per subcommand. Each parses its arguments into the app's types, calls a
//! use case, and renders the result.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use qinglian_app::{Config, ImportOptions, Workspace, demo};
use qinglian_synth::Scale;

use crate::Cli;
use crate::output::{bar, json, table};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Folder to create the workspace in (default: --workspace or the current folder)
    dir: Option<PathBuf>,
    /// Organisation name shown in reports
    #[arg(long)]
    name: Option<String>,
}

#[derive(Args, Debug)]
pub struct SpecArgs {
    /// Write one JSON Schema per dataset into DIR
    #[arg(long, value_name = "DIR")]
    json_schema: Option<PathBuf>,
    /// Write one CSV template per dataset (Chinese and English headers) into DIR
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Print the full specification as Markdown (docs/data-spec.md)
    #[arg(long)]
    markdown: bool,
    /// Show only this dataset's fields
    dataset: Option<String>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Dataset to import into (see `qinglian spec`)
    dataset: String,
    /// CSV, TSV, XLSX, XLS, JSON Lines or Parquet file
    file: PathBuf,
    /// Column mapping file (TOML, [columns] "source header" = "field")
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Text encoding of CSV/TSV: utf-8, gbk or gb18030 (default: detected)
    #[arg(long)]
    encoding: Option<String>,
    /// Sheet of a workbook (default: the first)
    #[arg(long)]
    sheet: Option<String>,
    /// Import even if the same file was imported before
    #[arg(long)]
    force: bool,
    /// Who imports (recorded with the batch; default: $USER)
    #[arg(long, env = "USER", default_value = "unknown")]
    user: String,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// small, medium or large (large: at least 10 million payments)
    #[arg(long, default_value = "small")]
    scale: String,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Folder for the data files and ground_truth.jsonl
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Load and analyse, then stop instead of serving the console
    #[arg(long)]
    no_serve: bool,
    /// Where the console listens at the end
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: std::net::SocketAddr,
    #[arg(long, default_value = "small")]
    scale: String,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

pub async fn run(cli: &Cli) -> anyhow::Result<()> {
    use crate::Command as C;
    match &cli.command {
        C::Init(a) => init(cli, a).await,
        C::Spec(a) => spec(cli, a),
        C::Import(a) => import(cli, a).await,
        C::Status => status(cli).await,
        C::Generate(a) => generate(cli, a),
        C::Demo(a) => demo_cmd(cli, a).await,
        C::Ledger(a) => crate::ledger_cmd::ledger(cli, a).await,
        C::Evidence(a) => crate::ledger_cmd::evidence(cli, a).await,
        C::Witness(a) => crate::ledger_cmd::witness(cli, a).await,
        C::Warnings(a) => crate::warnings_cmd::run(cli, a).await,
        C::Run(a) => crate::rules_cmd::run(cli, a).await,
        C::Rules(a) => crate::rules_cmd::rules(cli, a).await,
        C::Models(a) => crate::rules_cmd::models(cli, a).await,
        C::Findings(a) => crate::rules_cmd::findings(cli, a).await,
        C::Bids(a) => crate::bids_cmd::bids(cli, a).await,
        C::Eval(a) => crate::rules_cmd::eval(cli, a).await,
        C::Users(a) => crate::users_cmd::run(cli, a).await,
        C::Serve(a) => crate::serve_cmd::run(cli, a).await,
    }
}

pub(crate) fn workspace_dir(cli: &Cli) -> PathBuf {
    cli.workspace.clone().unwrap_or_else(|| PathBuf::from("."))
}

/// `QINGLIAN__SECTION__KEY=value` settings override qinglian.toml.
pub(crate) fn env_overrides() -> Vec<(String, String)> {
    std::env::vars()
        .filter_map(|(k, v)| {
            k.strip_prefix("QINGLIAN__")
                .map(|rest| (rest.to_owned(), v))
        })
        .collect()
}

/// Opens the workspace the command line names (`--workspace`, `QINGLIAN_WORKSPACE`, or `.`).
pub(crate) async fn open(cli: &Cli) -> anyhow::Result<Workspace> {
    Ok(Workspace::open(&workspace_dir(cli), &env_overrides()).await?)
}

async fn init(cli: &Cli, a: &InitArgs) -> anyhow::Result<()> {
    let dir = a.dir.clone().unwrap_or_else(|| workspace_dir(cli));
    let mut config = Config::default();
    for (k, v) in env_overrides() {
        config.set(&k, &v).map_err(anyhow::Error::msg)?;
    }
    if let Some(n) = &a.name {
        config.organisation.name.clone_from(n);
    }
    let ws = qinglian_app::init_workspace(&dir, config).await?;
    let ledger_key = qinglian_app::ledger::verifier_key(&ws)?;
    if cli.json {
        json(
            &serde_json::json!({"workspace": ws.root, "organisation": ws.config.organisation.name, "ledger_key": ledger_key.to_string()}),
        )?;
    } else {
        println!("已创建工作区 Created workspace: {}", dir.display());
        println!("  配置 config: {}", dir.join("qinglian.toml").display());
        println!("  存证公钥 ledger key: {ledger_key}");
        println!(
            "下一步 Next: qinglian --workspace {} import payments FILE.csv",
            dir.display()
        );
    }
    ws.store.close().await;
    Ok(())
}

fn spec(cli: &Cli, a: &SpecArgs) -> anyhow::Result<()> {
    use qinglian_spec::{DATASETS, csv_template, json_schema, markdown};
    if let Some(dir) = &a.json_schema {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for d in DATASETS {
            let p = dir.join(format!("{}.schema.json", d.name));
            std::fs::write(&p, serde_json::to_string_pretty(&json_schema(d))?)
                .with_context(|| format!("writing {}", p.display()))?;
        }
        eprintln!("wrote {} JSON Schemas to {}", DATASETS.len(), dir.display());
    }
    if let Some(dir) = &a.templates {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for d in DATASETS {
            let p = dir.join(format!("{}.csv", d.name));
            // BOM so that Excel shows the Chinese headers correctly.
            std::fs::write(&p, format!("\u{feff}{}", csv_template(d)))
                .with_context(|| format!("writing {}", p.display()))?;
        }
        eprintln!(
            "wrote {} CSV templates to {}",
            DATASETS.len(),
            dir.display()
        );
    }
    if a.json_schema.is_some() || a.templates.is_some() {
        return Ok(());
    }
    if a.markdown {
        print!("{}", markdown());
        return Ok(());
    }
    let selected: Vec<_> = match &a.dataset {
        Some(name) => vec![qinglian_app::find_dataset(name)?],
        None => DATASETS.iter().collect(),
    };
    if cli.json {
        let v: Vec<_> = selected.iter().map(|d| json_schema(d)).collect();
        return json(&v);
    }
    if a.dataset.is_none() {
        println!(
            "数据交换规范 Data exchange specification v{}\n",
            qinglian_spec::SPEC_VERSION
        );
        let rows: Vec<Vec<String>> = selected
            .iter()
            .map(|d| {
                vec![
                    d.name.to_owned(),
                    d.zh.to_owned(),
                    d.en.to_owned(),
                    d.fields.len().to_string(),
                ]
            })
            .collect();
        table(&["dataset", "数据集", "name", "fields"], &rows);
        println!("\n`qinglian spec DATASET` shows a dataset's fields.");
        return Ok(());
    }
    for d in selected {
        println!("{} {} — {}\n{}\n", d.name, d.zh, d.en, d.doc);
        let rows: Vec<Vec<String>> = d
            .fields
            .iter()
            .map(|f| {
                vec![
                    format!("{}{}", f.name, if f.required { "*" } else { "" }),
                    f.zh.to_owned(),
                    f.ty.name().to_owned(),
                    f.doc.to_owned(),
                ]
            })
            .collect();
        table(&["field", "字段", "type", "说明"], &rows);
    }
    Ok(())
}

async fn import(cli: &Cli, a: &ImportArgs) -> anyhow::Result<()> {
    let ws = open(cli).await?;
    let encoding = a
        .encoding
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let opts = ImportOptions {
        mapping: a.mapping.clone(),
        encoding,
        format: None,
        sheet: a.sheet.clone(),
        force: a.force,
        user: a.user.clone(),
    };
    if !cli.quiet && ws.import_running()? {
        eprintln!(
            "正在等待本工作区的另一个导入完成 / waiting for another import of this workspace to finish"
        );
    }
    let pb = bar(cli.quiet, 0, true, &format!("导入 {}", a.dataset));
    let pb2 = pb.clone();
    let outcome = qinglian_app::import(
        &ws,
        &a.dataset,
        &a.file,
        &opts,
        Box::new(move |done, total| {
            pb2.set_length(total);
            pb2.set_position(done);
        }),
    )
    .await;
    pb.finish_and_clear();
    let outcome = outcome?;
    ws.store.close().await;
    if cli.json {
        return json(&outcome);
    }
    let b = &outcome.batch;
    println!("批次 batch {} → {}", b.id, b.dataset);
    println!(
        "  读取 read {}  = 接收 accepted {} + 隔离 quarantined {}",
        b.rows_read, b.rows_accepted, b.rows_quarantined
    );
    println!(
        "  格式 format {} · 编码 encoding {} · SHA-256 {}",
        b.format, b.encoding, b.source_sha256
    );
    if !outcome.stats.columns_ignored.is_empty() {
        println!(
            "  未使用的列 ignored columns: {}",
            outcome.stats.columns_ignored.join(", ")
        );
    }
    if let Some(q) = &b.quarantine_file {
        println!("  隔离明细 quarantine: {}", ws.root.join(q).display());
    }
    Ok(())
}

async fn status(cli: &Cli) -> anyhow::Result<()> {
    let ws = open(cli).await?;
    let s = qinglian_app::status(&ws).await?;
    ws.store.close().await;
    if cli.json {
        return json(&s);
    }
    println!("工作区 workspace: {} ({})", s.workspace, s.organisation);
    if s.datasets.is_empty() {
        println!("尚无数据 No data yet: qinglian import DATASET FILE");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = s
        .datasets
        .iter()
        .map(|d| {
            let zh = qinglian_spec::dataset(&d.dataset).map_or("", |x| x.zh);
            vec![
                d.dataset.clone(),
                zh.to_owned(),
                d.batches.to_string(),
                d.rows.to_string(),
                d.quarantined.to_string(),
            ]
        })
        .collect();
    table(
        &["dataset", "数据集", "batches", "rows", "quarantined"],
        &rows,
    );
    let interrupted = s
        .batches
        .iter()
        .filter(|b| b.status == qinglian_store::BatchStatus::Failed)
        .count();
    if interrupted > 0 {
        println!("\n{interrupted} 个批次失败或中断并已回滚 batch(es) failed or were rolled back.");
    }
    Ok(())
}

fn parse_scale(s: &str) -> anyhow::Result<Scale> {
    s.parse::<Scale>().map_err(|e| anyhow::anyhow!("{e}"))
}

fn generate(cli: &Cli, a: &GenerateArgs) -> anyhow::Result<()> {
    let scale = parse_scale(&a.scale)?;
    let pb = bar(cli.quiet, 0, false, "生成 generating");
    let g = demo::generate(&a.out, scale, a.seed, &mut |dataset, rows| {
        pb.set_message(format!("生成 {dataset}"));
        pb.set_position(rows);
    })?;
    pb.finish_and_clear();
    if cli.json {
        return json(&g);
    }
    let rows: Vec<Vec<String>> = g
        .files
        .iter()
        .map(|(d, n)| vec![d.clone(), n.to_string()])
        .collect();
    table(&["dataset", "rows"], &rows);
    println!(
        "\n注入异常 injected anomalies: {} ({} kinds) → {}",
        g.anomalies,
        g.anomaly_kinds,
        a.out.join("ground_truth.jsonl").display()
    );
    Ok(())
}

const DEMO_MARKER: &str = "demo-data/manifest.json";

async fn demo_cmd(cli: &Cli, a: &DemoArgs) -> anyhow::Result<()> {
    let scale = parse_scale(&a.scale)?;
    let dir = cli
        .workspace
        .clone()
        .unwrap_or_else(|| PathBuf::from("qinglian-demo"));
    prepare_demo_dir(&dir)?;
    let pb = bar(cli.quiet, 0, false, "生成 generating");
    let pb2 = pb.clone();
    let loaded = demo::load(
        &dir,
        scale,
        a.seed,
        "demo",
        &mut |dataset, rows| {
            pb.set_message(format!("生成 {dataset}"));
            pb.set_position(rows);
        },
        &mut |dataset, i, n| {
            pb2.set_length(n as u64);
            pb2.set_position(i as u64);
            pb2.set_message(format!("导入 {dataset}"));
        },
    )
    .await?;
    pb2.finish_and_clear();
    if cli.json {
        return json(&loaded);
    }
    let mut read = 0;
    let mut quarantined = 0;
    for o in &loaded.imports {
        read += o.batch.rows_read;
        quarantined += o.batch.rows_quarantined;
    }
    println!("演示工作区 Demo workspace: {}", dir.display());
    println!(
        "  导入 {} 个数据集 datasets, {} 行 rows ({} 行隔离 quarantined)",
        loaded.imports.len(),
        read,
        quarantined
    );
    println!(
        "  注入异常 injected anomalies: {} ({} kinds), ground truth: {}",
        loaded.generated.anomalies,
        loaded.generated.anomaly_kinds,
        dir.join("demo-data/ground_truth.jsonl").display()
    );
    let by_cat: Vec<String> = loaded
        .analysis
        .hits_by_category()
        .iter()
        .map(|(c, n)| format!("{} {n}", c.prefix()))
        .collect();
    let by_level: Vec<String> = loaded
        .analysis
        .hits_by_severity()
        .iter()
        .map(|(s, n)| format!("{} {n}", s.name_zh()))
        .collect();
    println!(
        "  规则与模型 rules and models: {} rules and {} models ran, {} hits ({}; 等级 levels: {}) in {} ms",
        loaded.analysis.ran,
        loaded
            .analysis
            .models
            .iter()
            .filter(|m| matches!(m.status, qinglian_app::analysis::RuleStatus::Ran))
            .count(),
        loaded.analysis.hits,
        by_cat.join(", "),
        by_level.join(", "),
        loaded.analysis.millis
    );
    println!(
        "  预警 warnings: {} raised ({} suppressed)",
        loaded.warnings.raised.len(),
        loaded.warnings.suppressed
    );
    println!("\n下一步 Next:");
    println!("  qinglian --workspace {} status", dir.display());
    println!("  qinglian spec payments");
    println!("  qinglian --workspace {} findings list", dir.display());
    println!("  qinglian --workspace {} warnings list", dir.display());
    if a.no_serve {
        return Ok(());
    }
    let ws = Workspace::open(&dir, &env_overrides()).await?;
    let creds = demo_admin(&ws).await?;
    println!("\n演示管理员 Demo administrator (administrators sign in with a TOTP code):");
    println!("  用户名 username: {}", creds.username);
    println!("  密码 password:   {}", creds.password);
    if let (Some(secret), Some(uri)) = (&creds.totp_secret, &creds.totp_uri) {
        println!("  TOTP 密钥 secret: {secret}");
        println!("  {uri}");
    }
    crate::serve_cmd::serve_workspace(ws, &crate::serve_cmd::ServeArgs::local(a.bind)).await
}

/// The demo's administrator: made on the first run, given a new password and TOTP secret on
/// later runs (the old ones were printed once and are not kept anywhere readable).
async fn demo_admin(ws: &Workspace) -> anyhow::Result<qinglian_app::users::Credentials> {
    use qinglian_app::users::{self, AddUser};
    use qinglian_store::UserStore;
    const NAME: &str = "demo-admin";
    let now = chrono::Utc::now();
    if ws.store.user_by_name(NAME).await?.is_some() {
        return Ok(users::reset_password(ws, NAME, true, now).await?);
    }
    let add = AddUser {
        username: NAME.into(),
        display_name: Some("演示管理员".into()),
        role: qinglian_store::Role::Admin,
        department: None,
        totp: Some(true),
    };
    Ok(users::add_user(ws, &add, now).await?.1)
}

/// The demo may replace its own earlier workspace, but never a real one.
fn prepare_demo_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.join("qinglian.toml").exists() {
        return Ok(());
    }
    if !dir.join(DEMO_MARKER).exists() {
        bail!(
            "{} holds a workspace that is not a demo; choose another folder with --workspace",
            dir.display()
        );
    }
    std::fs::remove_dir_all(dir)
        .with_context(|| format!("removing the old demo workspace {}", dir.display()))?;
    Ok(())
}
