//! `qinglian`: the command line and the composition root. The only crate that reads the
//! environment and configuration files, chooses the store backend and prints.

mod bids_cmd;
mod commands;
mod ledger_cmd;
mod logging;
mod output;
mod rules_cmd;
mod serve_cmd;
mod users_cmd;
mod warnings_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// glibc handed the import's chunk buffers back to the kernel and faulted them in again for
// every chunk; jemalloc keeps them (see docs/benchmarks.md, import).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// 清廉 qinglian — integrity-risk supervision platform / 智慧监督平台
#[derive(Parser, Debug)]
#[command(name = "qinglian", version, about, long_about = None)]
pub struct Cli {
    /// Workspace folder (default: the current folder, or QINGLIAN_WORKSPACE)
    #[arg(long, global = true, env = "QINGLIAN_WORKSPACE")]
    workspace: Option<PathBuf>,
    /// Machine-readable JSON on stdout
    #[arg(long, global = true)]
    json: bool,
    /// No progress bars
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a workspace (lake, operational database, config, secret key) / 创建工作区
    Init(commands::InitArgs),
    /// Print the data exchange specification, or write JSON Schemas and CSV templates / 数据交换规范
    Spec(commands::SpecArgs),
    /// Import a file into a dataset / 导入数据
    Import(commands::ImportArgs),
    /// Datasets, batches and row counts of the workspace / 工作区状态
    Status,
    /// Write the demo organisation's data files and ground truth / 生成演示数据
    Generate(commands::GenerateArgs),
    /// Create a demo workspace, load the demo organisation and analyse it / 演示
    Demo(commands::DemoArgs),
    /// The evidence ledger: verify, prove, export, key, witness / 存证账本
    Ledger(ledger_cmd::LedgerArgs),
    /// Keep evidence files and record them in the ledger / 证据存证
    Evidence(ledger_cmd::EvidenceArgs),
    /// Run a witness that cosigns other ledgers' checkpoints / 见证服务
    Witness(ledger_cmd::WitnessArgs),
    /// Three-level warnings: list, show, assign, respond, verify, escalate, close, reopen, merge / 预警
    Warnings(warnings_cmd::WarningsArgs),
    /// Run the rule base and the model base over the committed data and keep the findings / 运行规则与模型
    Run(rules_cmd::RunArgs),
    /// The rule base: list, show, test, lint, doc / 规则库
    Rules(rules_cmd::RulesArgs),
    /// The model base: list the detectors the engine runs / 模型库
    Models(rules_cmd::ModelsArgs),
    /// Findings kept in the workspace / 发现
    Findings(rules_cmd::FindingsArgs),
    /// Score the rule base against the demo's ground truth (recall, precision) / 规则评估
    Eval(rules_cmd::EvalArgs),
    /// Accounts of the web console: add, list, disable, enable, reset-password, token / 用户
    Users(users_cmd::UsersArgs),
    /// Serve the web console and its JSON API / 启动控制台
    Serve(serve_cmd::ServeArgs),
    /// Bid-rigging screens and the supervised bid scorer over bid tables (CSV) / 围标串标筛查
    Bids(bids_cmd::BidsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let user = e
                .downcast_ref::<qinglian_app::AppError>()
                .is_some_and(qinglian_app::AppError::is_user_error)
                || e.downcast_ref::<qinglian_app::users::UsersError>()
                    .is_some_and(qinglian_app::users::UsersError::is_user_error);
            if cli.json {
                let v = serde_json::json!({"error": format!("{e:#}"), "user_error": user});
                println!("{v}");
            }
            eprintln!("错误 error: {e:#}");
            ExitCode::from(if user { 2 } else { 1 })
        }
    }
}
