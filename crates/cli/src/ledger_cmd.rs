//! `qinglian ledger …`, `qinglian evidence add` and `qinglian witness serve`: the evidence
//! ledger (存证) from the command line. Each command parses its arguments, calls
//! `qinglian_app::ledger` (or, for HTTP, `qinglian_web`) and renders the result.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use qinglian_app::ledger::{
    self, EvidenceKind, Proven, Verification, WitnessReply, parse_log_arg, read_verifier_key_arg,
};
use qinglian_app::{AppError, Workspace};
use qinglian_ledger::Receipt;
use qinglian_ledger::witness::SIZE_CONTENT_TYPE;

use crate::Cli;
use crate::commands::open;
use crate::output::json;

#[derive(Args, Debug)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Subcommand, Debug)]
enum LedgerCommand {
    /// Recompute the log and check every entry against the records it describes / 校验账本
    Verify {
        /// The log's public key you hold yourself (text or file; default: ledger.pub)
        #[arg(long)]
        key: Option<String>,
        /// Also check the stored cosignatures of this witness (repeatable)
        #[arg(long = "witness-key", value_name = "VKEY")]
        witness_keys: Vec<String>,
        /// A checkpoint you kept (a receipt or a checkpoint note): the log must still contain
        /// its tree, or it was rolled back or rewritten (repeatable)
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Receipt for one entry: index, or a batch id, evidence SHA-256 or reference id / 包含证明
    Prove {
        /// Entry number (from 0), or an id to look up
        entry: String,
    },
    /// Consistency proof from an earlier tree size to the latest checkpoint / 一致性证明
    Consistency { old_size: u64 },
    /// Write entries, checkpoints, cosignatures and the public key to DIR for an auditor / 导出
    Export { dir: PathBuf },
    /// Verify an exported bundle with the public key alone (no workspace needed) / 校验导出包
    VerifyBundle {
        dir: PathBuf,
        /// The log's public key (text or file), obtained out of band
        #[arg(long)]
        key: String,
        /// Also check the bundle's cosignatures of this witness (repeatable)
        #[arg(long = "witness-key", value_name = "VKEY")]
        witness_keys: Vec<String>,
        /// A checkpoint you kept (a receipt or a checkpoint note) that the bundle must
        /// contain (repeatable)
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Print the log's public verifier key / 公钥
    Key,
    /// Ask a witness to cosign the latest checkpoint and keep the cosignature / 提交见证
    Witness {
        /// The witness's URL, e.g. http://10.0.0.5:7380
        url: String,
        /// The witness's public key (text or file), as `qinglian witness serve` printed it
        #[arg(long)]
        witness_key: String,
    },
}

#[derive(Args, Debug)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    command: EvidenceCommand,
}

#[derive(Subcommand, Debug)]
enum EvidenceCommand {
    /// Keep FILE in the evidence store and record it in the ledger; prints a receipt / 存证
    Add {
        file: PathBuf,
        /// bid-document (投标文件), evaluation-record (评标记录), minutes (会议纪要) or other
        #[arg(long)]
        kind: String,
        /// What the file belongs to (tender, case, meeting id)
        #[arg(long = "ref", value_name = "ID")]
        ref_id: Option<String>,
        /// Who registers it (default: $USER)
        #[arg(long, env = "USER", default_value = "unknown")]
        user: String,
    },
}

#[derive(Args, Debug)]
pub struct WitnessArgs {
    #[command(subcommand)]
    command: WitnessCommand,
}

#[derive(Subcommand, Debug)]
enum WitnessCommand {
    /// Run a C2SP tlog-witness that cosigns the checkpoints of the logs given / 运行见证服务
    Serve {
        /// Address to listen on (port 0: any free port, printed)
        #[arg(long, default_value = "127.0.0.1:7380")]
        bind: String,
        /// Folder for the witness key (made on first run, mode 0600) and its state
        #[arg(long)]
        key_dir: PathBuf,
        /// A log to witness: ORIGIN=VKEY, or VKEY alone (repeatable)
        #[arg(long = "log", value_name = "ORIGIN=VKEY", required = true)]
        logs: Vec<String>,
        /// Name of a new witness key (default qinglian.local/witness/<random>)
        #[arg(long)]
        name: Option<String>,
    },
}

fn keys(args: &[String]) -> Result<Vec<qinglian_ledger::VerifierKey>, AppError> {
    args.iter().map(|k| read_verifier_key_arg(k)).collect()
}

fn remembered(
    files: &[PathBuf],
    key: &qinglian_ledger::VerifierKey,
) -> Result<Vec<qinglian_ledger::Checkpoint>, AppError> {
    files
        .iter()
        .map(|f| ledger::read_remembered_checkpoint(f, key))
        .collect()
}

pub async fn ledger(cli: &Cli, a: &LedgerArgs) -> anyhow::Result<()> {
    match &a.command {
        LedgerCommand::VerifyBundle {
            dir,
            key,
            witness_keys,
            checkpoints,
        } => {
            let key = read_verifier_key_arg(key)?;
            let kept = remembered(checkpoints, &key)?;
            let v = ledger::verify_bundle(dir, &key, &keys(witness_keys)?, &kept)?;
            return report(cli, &v, "导出包 Bundle");
        }
        LedgerCommand::Key => {
            // Needs no database: read the key file directly.
            let ws = open(cli).await?;
            let key = ledger::verifier_key(&ws)?;
            ws.store.close().await;
            if cli.json {
                return json(
                    &serde_json::json!({"verifier_key": key.to_string(), "origin": key.name()}),
                );
            }
            println!("{key}");
            return Ok(());
        }
        _ => {}
    }
    let ws = open(cli).await?;
    let result = ledger_in(cli, &ws, &a.command).await;
    ws.store.close().await;
    result
}

async fn ledger_in(cli: &Cli, ws: &Workspace, command: &LedgerCommand) -> anyhow::Result<()> {
    match command {
        LedgerCommand::Verify {
            key,
            witness_keys,
            checkpoints,
        } => {
            let key = key.as_deref().map(read_verifier_key_arg).transpose()?;
            let own = ledger::verifier_key(ws)?;
            let kept = remembered(checkpoints, key.as_ref().unwrap_or(&own))?;
            let v = ledger::verify(ws, key.as_ref(), &keys(witness_keys)?, &kept).await?;
            ws.store.close().await;
            report(cli, &v, "账本 Ledger")
        }
        LedgerCommand::Prove { entry } => {
            let proven: Vec<Proven> = match entry.parse::<u64>() {
                Ok(i) => vec![ledger::prove(ws, i)?],
                Err(_) => {
                    let found = ledger::find_entries(ws, entry)?;
                    if found.is_empty() {
                        return Err(AppError::LedgerInput(format!(
                            "no ledger entry has the id '{entry}' / 账本中没有该编号的条目"
                        ))
                        .into());
                    }
                    found
                        .into_iter()
                        .map(|i| ledger::prove(ws, i))
                        .collect::<Result<_, _>>()?
                }
            };
            if cli.json {
                return match (entry.parse::<u64>().is_ok(), proven.as_slice()) {
                    (true, [one]) => json(one),
                    _ => json(&proven),
                };
            }
            for p in &proven {
                print_receipt(&p.receipt);
                println!("  内容 entry: {}", p.entry_text);
                println!("  公钥 verifier key: {}", p.verifier_key);
            }
            Ok(())
        }
        LedgerCommand::Consistency { old_size } => {
            let c = ledger::consistency(ws, *old_size)?;
            if cli.json {
                return json(&c);
            }
            println!(
                "一致性证明 Consistency proof: {} → {} ({} hashes)",
                c.old_size,
                c.new_size,
                c.proof.len()
            );
            println!("  旧根 old root: {}", c.old_root);
            println!("  新根 new root: {}", c.new_root);
            for h in &c.proof {
                println!("    {h}");
            }
            println!("  检查点 checkpoint:");
            print_indented(&c.checkpoint);
            Ok(())
        }
        LedgerCommand::Export { dir } => {
            let s = ledger::export(ws, dir)?;
            if cli.json {
                return json(&s);
            }
            println!(
                "已导出 Exported {} entries (checkpoint size {}) to {}",
                s.entries,
                s.checkpoint_size.map_or("-".into(), |n| n.to_string()),
                s.dir.display()
            );
            println!(
                "审计方校验 To verify: qinglian ledger verify-bundle {} --key {}",
                s.dir.display(),
                s.verifier_key
            );
            Ok(())
        }
        LedgerCommand::Witness { url, witness_key } => {
            let wkey = read_verifier_key_arg(witness_key)?;
            let mut send = |body: &str| -> Result<WitnessReply, AppError> {
                let s = qinglian_web::submit_to_witness(url, body)
                    .map_err(|e| AppError::LedgerInput(e.to_string()))?;
                Ok(match s.status {
                    200 => WitnessReply::Cosigned(s.body),
                    409 if s.content_type.starts_with(SIZE_CONTENT_TYPE) => {
                        match s.body.trim().parse() {
                            Ok(n) => WitnessReply::SizeConflict(n),
                            Err(_) => WitnessReply::Refused {
                                status: 409,
                                message: s.body.trim().to_owned(),
                            },
                        }
                    }
                    status => WitnessReply::Refused {
                        status,
                        message: s.body.trim().to_owned(),
                    },
                })
            };
            let w = ledger::witness_latest(ws, &wkey, &mut send)?;
            if cli.json {
                return json(&w);
            }
            println!(
                "见证方已联署 Witness cosigned checkpoint size {} (old size {}, {} request(s))",
                w.checkpoint_size, w.old_size, w.requests
            );
            println!("  已保存联署 cosignatures kept: {}", w.cosignatures_kept);
            print_indented(&w.cosigned_checkpoint);
            Ok(())
        }
        LedgerCommand::VerifyBundle { .. } | LedgerCommand::Key => {
            unreachable!("handled without a workspace")
        }
    }
}

/// Prints a verification; a problem ends the process with exit code 2 after the report (so
/// `--json` output stays one JSON document).
fn report(cli: &Cli, v: &Verification, what: &str) -> anyhow::Result<()> {
    if cli.json {
        json(v)?;
    } else {
        let verdict = if v.ok {
            "校验通过 verified"
        } else {
            "校验失败 verification FAILED"
        };
        println!("{what} {verdict}: {} entries", v.entries);
        println!("  来源 origin: {}", v.origin);
        println!("  根哈希 root: {}", v.root);
        println!(
            "  检查点 checkpoints: {} (latest size {}), 见证联署 cosignatures verified: {}",
            v.checkpoints,
            v.latest_checkpoint_size
                .map_or("-".into(), |n| n.to_string()),
            v.cosignatures
        );
        if !v.events.is_empty() {
            let kinds: Vec<String> = v.events.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!("  条目 entries: {}", kinds.join(", "));
        }
        if v.records_checked > 0 {
            println!(
                "  已核对记录 records checked: {} (desk, lake, evidence files)",
                v.records_checked
            );
        }
        if !v.recovered_batches.is_empty() {
            println!(
                "  崩溃恢复补记 recorded by crash recovery: {}",
                v.recovered_batches.join(", ")
            );
        }
        if let Some(p) = &v.problem {
            println!("  第一个问题 first problem: {}", p.message);
        }
    }
    if let Some(p) = &v.problem {
        let _ = std::io::stdout().flush();
        eprintln!("错误 error: verification failed / 校验失败: {}", p.message);
        std::process::exit(2);
    }
    Ok(())
}

fn print_indented(note: &str) {
    for line in note.lines() {
        println!("    {line}");
    }
}

fn print_receipt(r: &Receipt) {
    println!("条目 entry {} · 叶哈希 leaf hash {}", r.index, r.leaf_hash);
    println!("  包含证明 inclusion proof ({} hashes):", r.proof.len());
    for h in &r.proof {
        println!("    {h}");
    }
    println!("  检查点 checkpoint:");
    print_indented(&r.checkpoint);
}

pub async fn evidence(cli: &Cli, a: &EvidenceArgs) -> anyhow::Result<()> {
    let EvidenceCommand::Add {
        file,
        kind,
        ref_id,
        user,
    } = &a.command;
    let kind: EvidenceKind = kind.parse()?;
    let ws = open(cli).await?;
    let r = qinglian_app::add_evidence(&ws, file, kind, ref_id.as_deref(), user);
    ws.store.close().await;
    let r = r?;
    if cli.json {
        return json(&r);
    }
    println!(
        "已存证 Evidence recorded: {} ({} {})",
        r.event.original_name,
        kind.zh(),
        kind.as_str()
    );
    println!(
        "  SHA-256 {} · {} bytes → {}{}",
        r.event.sha256,
        r.event.size,
        r.event.stored_path,
        if r.already_stored {
            " (内容已存在 already stored)"
        } else {
            ""
        }
    );
    print_receipt(&r.receipt);
    println!("  公钥 verifier key: {}", r.verifier_key);
    Ok(())
}

pub async fn witness(cli: &Cli, a: &WitnessArgs) -> anyhow::Result<()> {
    let WitnessCommand::Serve {
        bind,
        key_dir,
        logs,
        name,
    } = &a.command;
    let logs = logs
        .iter()
        .map(|l| parse_log_arg(l))
        .collect::<Result<Vec<_>, _>>()?;
    let setup = ledger::open_witness(key_dir, name.as_deref(), &logs)?;
    let listener = tokio::net::TcpListener::bind(bind.as_str())
        .await
        .map_err(|e| AppError::LedgerInput(format!("cannot listen on {bind}: {e}")))?;
    let addr = listener.local_addr()?;
    let key = setup.verifier_key.clone();
    let service = qinglian_web::WitnessService::new(setup.witness, setup.state_file);
    if cli.json {
        json(&serde_json::json!({
            "verifier_key": key.to_string(),
            "url": format!("http://{addr}"),
            "logs": logs.iter().map(|(o, _)| o).collect::<Vec<_>>(),
            "key_created": setup.created,
        }))?;
    } else {
        println!("见证方公钥 Witness verifier key: {key}");
        for (origin, _) in &logs {
            println!("  见证日志 witnessing log: {origin}");
        }
        println!("见证服务监听 Witness listening on http://{addr}");
    }
    let _ = std::io::stdout().flush();
    crate::logging::init();
    qinglian_web::serve_witness(listener, service, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
