//! `qinglian warnings …`: the three-level warning workflow (三级预警) from the command line.
//! Each command parses its arguments, calls `qinglian_app::warnings` and renders the result
//! (text, or JSON with `--json`). Webhook notifications go out through the `web` crate's
//! HTTP client.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use clap::{Args, Subcommand};
use qinglian_app::Workspace;
use qinglian_app::warnings::{self, Channels};
use qinglian_store::{Disposition, InboxFilter, Level, WarningRecord, WarningState};
use qinglian_workflow::notify::{Delivery, HttpPost, HttpReply};
use qinglian_workflow::{Action, Request, SuppressionTarget};

use crate::Cli;
use crate::commands::open;
use crate::output::{json, table};

#[derive(Args, Debug)]
pub struct WarningsArgs {
    #[command(subcommand)]
    command: WarningsCommand,
}

/// Who acts, why, and on which version.
#[derive(Args, Debug, Clone)]
struct ActArgs {
    /// Who acts (recorded in the history and the ledger; default: $USER)
    #[arg(long, env = "USER", default_value = "unknown")]
    user: String,
    /// The reason or comment (required for escalate, reopen)
    #[arg(long, alias = "comment", short = 'm')]
    reason: Option<String>,
    /// Attach an evidence file by its SHA-256 (see `qinglian evidence add`); repeatable
    #[arg(long = "attach")]
    attachments: Vec<String>,
    /// Act only if the warning is still at this version (as `show` printed it)
    #[arg(long = "expect-version")]
    expect_version: Option<i64>,
    /// The time of the action (RFC 3339; default: now) — for replaying records
    #[arg(long, hide = true, value_parser = parse_instant)]
    now: Option<DateTime<Utc>>,
}

#[derive(Subcommand, Debug)]
enum WarningsCommand {
    /// Raise warnings from the open findings that have none yet / 由发现生成预警
    Raise {
        #[command(flatten)]
        act: ActArgs,
    },
    /// The inbox: open warnings sorted by deadline / 预警列表
    List {
        /// Only this department
        #[arg(long)]
        department: Option<String>,
        /// Only this level: 1 (department), 2 (inspector), 3 (committee)
        #[arg(long, value_parser = parse_level)]
        level: Option<Level>,
        /// Only this state (new, assigned, responded, verifying, confirmed, rectification,
        /// closed, closed_false_positive)
        #[arg(long, value_parser = parse_state)]
        state: Option<WarningState>,
        /// Only this person's
        #[arg(long)]
        assignee: Option<String>,
        /// Only overdue ones
        #[arg(long)]
        overdue: bool,
        /// Closed ones too
        #[arg(long)]
        all: bool,
        /// Only those in this case
        #[arg(long = "case")]
        case_id: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// One warning: why its level, its evidence, its history, what can be done / 预警详情
    Show { id: i64 },
    /// Hand a warning to someone / 分派
    Assign {
        id: i64,
        /// The person who takes it
        #[arg(long)]
        to: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// The department's answer (explanation or rectification) / 部门反馈
    Respond {
        id: i64,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Start verifying (核查); with --confirm, record that it is real / 核查
    Verify {
        id: i64,
        /// Verification found a real problem
        #[arg(long)]
        confirm: bool,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Start rectification of a confirmed warning / 整改
    Rectify {
        id: i64,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Raise to the next level (or lower with --down), with a reason / 升级
    Escalate {
        id: i64,
        /// De-escalate instead
        #[arg(long)]
        down: bool,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Close with a reason code: data_error, legitimate, rule_too_broad, duplicate (after
    /// verification), rectified (after rectification), referred (confirmed) / 办结
    Close {
        id: i64,
        #[arg(long, value_parser = parse_code)]
        code: Disposition,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Reopen a closed warning, with a reason / 重新打开
    Reopen {
        id: i64,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Merge related warnings into one case (线索/案件) / 合并
    Merge {
        #[arg(required = true, num_args = 2..)]
        ids: Vec<i64>,
        #[arg(long)]
        title: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Take warnings out of a case (into a new case with --title) / 拆分
    Split {
        case_id: i64,
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Deadlines: reminders, escalation of breached ones, overdue notices / 期限检查
    Sweep {
        #[command(flatten)]
        act: ActArgs,
    },
    /// Send each department's daily digest of open warnings through its channels / 每日汇总
    Digest {
        /// The departments (repeatable; default: those named in [warnings.routing])
        #[arg(long = "department")]
        departments: Vec<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Closure rate, time to close, overdue, rectification, conversion, precision / 统计
    Metrics {
        /// From this day (Beijing; default: a year ago)
        #[arg(long, value_parser = parse_day)]
        from: Option<DateTime<Utc>>,
        /// Until this day, exclusive (default: tomorrow)
        #[arg(long, value_parser = parse_day)]
        to: Option<DateTime<Utc>>,
    },
    /// Hold back a rule's or a subject's warnings until a day, with a reason / 屏蔽
    Suppress {
        /// Rule or model id
        #[arg(long)]
        rule: Option<String>,
        /// Subject as KIND:ID, e.g. company:91310000MA1FL0001X
        #[arg(long)]
        subject: Option<String>,
        /// Until this day (Beijing, exclusive)
        #[arg(long, value_parser = parse_day)]
        until: DateTime<Utc>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Every suppression, lifted and expired ones too / 屏蔽清单
    Suppressions,
    /// End a suppression early, with a reason / 解除屏蔽
    Lift {
        id: i64,
        #[command(flatten)]
        act: ActArgs,
    },
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s)
}

fn parse_state(s: &str) -> Result<WarningState, String> {
    WarningState::parse(s)
}

fn parse_code(s: &str) -> Result<Disposition, String> {
    Disposition::parse(s)
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// `YYYY-MM-DD` → that day's start in Beijing.
fn parse_day(s: &str) -> Result<DateTime<Utc>, String> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a day: write YYYY-MM-DD"))?;
    beijing()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("'{s}' is not a day"))
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("'{s}' is not an RFC 3339 time: {e}"))
}

/// Webhook channels speak HTTP through the `web` crate.
struct WebPoster;

impl HttpPost for WebPoster {
    fn post_json(&self, url: &str, body: &str, timeout: Duration) -> Result<HttpReply, String> {
        qinglian_web::post_json(url, body, timeout)
            .map(|(status, body)| HttpReply { status, body })
            .map_err(|e| e.to_string())
    }
}

pub(crate) fn channels() -> Channels {
    Channels {
        http: Some(Arc::new(WebPoster)),
    }
}

/// A failed channel is reported, never fatal.
pub(crate) fn report_deliveries(deliveries: &[Delivery]) {
    for d in deliveries.iter().filter(|d| !d.ok) {
        eprintln!(
            "通知失败 notification failed: channel {} after {} tries: {}",
            d.channel,
            d.attempts,
            d.error.as_deref().unwrap_or("unknown error")
        );
    }
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

fn print_list(ws: &[WarningRecord], today: NaiveDate) {
    let rows: Vec<Vec<String>> = ws
        .iter()
        .map(|w| {
            let late = !w.state.is_closed() && today > w.deadline;
            vec![
                w.id.to_string(),
                w.level.number().to_string(),
                w.state.as_str().to_owned(),
                w.department.clone(),
                w.assignee.clone().unwrap_or_else(|| "-".into()),
                format!("{}{}", w.deadline, if late { " 逾期!" } else { "" }),
                w.source_id.clone(),
                short(&w.title_zh, 28),
            ]
        })
        .collect();
    table(
        &[
            "编号 id",
            "级 lv",
            "状态 state",
            "部门 department",
            "承办 assignee",
            "期限 deadline",
            "规则 rule",
            "说明 what",
        ],
        &rows,
    );
}

fn print_acted(w: &WarningRecord, action: &str) {
    println!(
        "预警 {} warning {}: {action} → {} ({}), 第 {} 级 level {}, 承办 assignee {}, 期限 deadline {}, 版本 version {}",
        w.id,
        w.id,
        w.state.name_zh(),
        w.state.as_str(),
        w.level.number(),
        w.level.number(),
        w.assignee.as_deref().unwrap_or("-"),
        w.deadline,
        w.version
    );
}

pub async fn run(cli: &Cli, a: &WarningsArgs) -> anyhow::Result<()> {
    let ws = open(cli).await?;
    let out = dispatch(cli, &ws, &a.command).await;
    ws.store.close().await;
    out
}

async fn act_on(
    cli: &Cli,
    ws: &Workspace,
    id: i64,
    action: Action,
    act: &ActArgs,
) -> anyhow::Result<()> {
    let name = action.name();
    let request = Request {
        action,
        actor: act.user.clone(),
        comment: act.reason.clone(),
        attachments: act.attachments.clone(),
        expected_version: act.expect_version,
    };
    let now = act.now.unwrap_or_else(Utc::now);
    let acted = warnings::act(ws, id, &request, now, &channels()).await?;
    report_deliveries(&acted.deliveries);
    if cli.json {
        return json(&acted);
    }
    print_acted(&acted.warning, name);
    Ok(())
}

async fn dispatch(cli: &Cli, ws: &Workspace, c: &WarningsCommand) -> anyhow::Result<()> {
    use WarningsCommand as W;
    match c {
        W::Raise { act } => {
            let now = act.now.unwrap_or_else(Utc::now);
            let r = warnings::raise_from_findings(ws, &act.user, now, &channels()).await?;
            report_deliveries(&r.failed_deliveries);
            if cli.json {
                return json(&r);
            }
            println!(
                "新预警 raised {}; 已有 already raised {}; 屏蔽 suppressed {}",
                r.raised.len(),
                r.already,
                r.suppressed
            );
            Ok(())
        }
        W::List {
            department,
            level,
            state,
            assignee,
            overdue,
            all,
            case_id,
            limit,
            offset,
        } => {
            let today = Utc::now().with_timezone(&beijing()).date_naive();
            let filter = InboxFilter {
                department: department.clone(),
                level: *level,
                state: *state,
                assignee: assignee.clone(),
                overdue_on: overdue.then_some(today),
                include_closed: *all,
                case_id: *case_id,
                limit: *limit,
                offset: *offset,
            };
            let list = warnings::list(ws, &filter).await?;
            if cli.json {
                return json(&list);
            }
            if list.is_empty() {
                println!("暂无预警 No warnings. Raise them from findings: qinglian warnings raise");
                return Ok(());
            }
            print_list(&list, today);
            println!("\n{} 条预警 warnings", list.len());
            Ok(())
        }
        W::Show { id } => {
            let v = warnings::show(ws, *id, Utc::now()).await?;
            if cli.json {
                return json(&v);
            }
            let w = &v.warning;
            println!("预警 warning {} (版本 version {})", w.id, w.version);
            println!("  {}", w.title_zh);
            println!("  {}", w.title_en);
            println!(
                "  规则 rule {} · 对象 subject {} {}{} · 部门 department {}",
                w.source_id,
                w.subject_kind,
                w.subject_id,
                w.subject_name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                w.department
            );
            println!(
                "  {} / level {} · 状态 {} / {} · 承办 assignee {} · 期限 deadline {}{}",
                w.level.name_zh(),
                w.level.number(),
                w.state.name_zh(),
                w.state.as_str(),
                w.assignee.as_deref().unwrap_or("-"),
                w.deadline,
                if v.overdue { " 已逾期 OVERDUE" } else { "" }
            );
            if let Some(d) = w.disposition {
                println!("  处置 disposition: {} / {}", d.name_zh(), d.as_str());
            }
            if let Some(c) = &v.case {
                println!("  案件 case {}: {}", c.id, c.title);
            }
            if let Some(r) = &v.level_reasons {
                println!("  定级理由 why this level:");
                for step in &r.reasons {
                    println!("    - {} / {}", step.zh, step.en);
                }
            }
            if let Some(f) = &v.finding {
                println!("  证据 evidence (finding #{}):", f.id);
                for e in &f.finding.evidence {
                    println!("    - {} batch {} row {}", e.dataset, e.batch, e.row);
                }
            }
            println!("  可执行 allowed now: {}", v.allowed.join(", "));
            println!("  经过 history:");
            for h in &v.history {
                println!(
                    "    {} {} {} → {} (level {}) by {}{}{}",
                    h.seq,
                    h.at.with_timezone(&beijing()).format("%Y-%m-%d %H:%M"),
                    h.action,
                    h.to_state.as_str(),
                    h.to_level.number(),
                    h.actor,
                    h.disposition
                        .map(|d| format!(" [{}]", d.as_str()))
                        .unwrap_or_default(),
                    h.comment
                        .as_deref()
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        W::Assign { id, to, act } => {
            act_on(cli, ws, *id, Action::Assign { to: to.clone() }, act).await
        }
        W::Respond { id, act } => act_on(cli, ws, *id, Action::Respond, act).await,
        W::Verify { id, confirm, act } => {
            let action = if *confirm {
                Action::Confirm
            } else {
                Action::Verify
            };
            act_on(cli, ws, *id, action, act).await
        }
        W::Rectify { id, act } => act_on(cli, ws, *id, Action::Rectify, act).await,
        W::Escalate { id, down, act } => {
            let action = if *down {
                Action::DeEscalate
            } else {
                Action::Escalate
            };
            act_on(cli, ws, *id, action, act).await
        }
        W::Close { id, code, act } => {
            act_on(cli, ws, *id, Action::Close { code: *code }, act).await
        }
        W::Reopen { id, act } => act_on(cli, ws, *id, Action::Reopen, act).await,
        W::Merge { ids, title, act } => {
            let now = act.now.unwrap_or_else(Utc::now);
            let case = warnings::merge(ws, ids, title, &act.user, now).await?;
            if cli.json {
                return json(&case);
            }
            println!(
                "案件 case {}: {} ← 预警 warnings {:?}",
                case.id, case.title, case.warnings
            );
            Ok(())
        }
        W::Split {
            case_id,
            ids,
            title,
            act,
        } => {
            let now = act.now.unwrap_or_else(Utc::now);
            let new_case =
                warnings::split(ws, *case_id, ids, title.as_deref(), &act.user, now).await?;
            if cli.json {
                return json(&new_case);
            }
            match new_case {
                Some(c) => println!("新案件 new case {}: {} ← {:?}", c.id, c.title, c.warnings),
                None => println!("已移出案件 taken out of case {case_id}: {ids:?}"),
            }
            Ok(())
        }
        W::Sweep { act } => {
            let now = act.now.unwrap_or_else(Utc::now);
            let r = warnings::sweep(ws, now, &channels()).await?;
            report_deliveries(&r.deliveries);
            if cli.json {
                return json(&r);
            }
            println!(
                "提醒 reminded {:?}; 超期升级 escalated {:?}; 三级逾期 overdue at the committee {:?}",
                r.reminded, r.escalated, r.overdue_at_top
            );
            Ok(())
        }
        W::Digest { departments, act } => {
            let now = act.now.unwrap_or_else(Utc::now);
            let sent = warnings::digest(ws, departments, now, &channels()).await?;
            for d in &sent {
                report_deliveries(&d.deliveries);
            }
            if cli.json {
                return json(&sent);
            }
            for d in &sent {
                let ok = d.deliveries.iter().filter(|x| x.ok).count();
                println!(
                    "{} — 已发送 sent through {ok} of {} channels",
                    d.notification.title_zh,
                    d.deliveries.len()
                );
            }
            Ok(())
        }
        W::Metrics { from, to } => {
            let now = Utc::now();
            let to = to.unwrap_or(now + chrono::Duration::days(1));
            let from = from.unwrap_or(to - chrono::Duration::days(366));
            let m = warnings::metrics(ws, from, to, now).await?;
            if cli.json {
                return json(&m);
            }
            let pct = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{:.1}%", r * 100.0));
            println!(
                "预警 warnings {} (open {}, closed {}); 逾期 overdue {}",
                m.total, m.open, m.closed, m.overdue
            );
            println!(
                "办结率 closure rate on time {} ({} of {} due)",
                pct(m.closure_rate_on_time),
                m.closed_on_time,
                m.due
            );
            println!(
                "整改率 rectification rate {}; 线索转化率 lead conversion rate {}",
                pct(m.rectification_rate),
                pct(m.lead_conversion_rate)
            );
            let days = |d: Option<f64>| d.map_or("-".to_owned(), |d| format!("{d:.1}"));
            let rows: Vec<Vec<String>> = m
                .time_to_close
                .iter()
                .map(|t| {
                    vec![
                        t.level.number().to_string(),
                        t.closed.to_string(),
                        days(t.mean_days),
                        days(t.median_days),
                    ]
                })
                .collect();
            table(
                &[
                    "级 level",
                    "办结 closed",
                    "平均天 mean days",
                    "中位天 median days",
                ],
                &rows,
            );
            let rows: Vec<Vec<String>> = m
                .per_source
                .iter()
                .map(|s| {
                    vec![
                        s.source_id.clone(),
                        s.volume.to_string(),
                        s.confirmed.to_string(),
                        s.false_positive.to_string(),
                        pct(s.precision),
                        days(s.mean_days_to_close),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                println!();
                table(
                    &[
                        "规则 rule",
                        "数量 volume",
                        "属实 confirmed",
                        "误报 false pos.",
                        "精确率 precision",
                        "平均天 mean days",
                    ],
                    &rows,
                );
            }
            Ok(())
        }
        W::Suppress {
            rule,
            subject,
            until,
            act,
        } => {
            let subject = match subject {
                Some(s) => Some(
                    s.split_once(':')
                        .map(|(k, i)| (k.trim().to_owned(), i.trim().to_owned()))
                        .filter(|(k, i)| !k.is_empty() && !i.is_empty())
                        .ok_or_else(|| {
                            anyhow::Error::new(qinglian_app::AppError::from(
                                qinglian_workflow::WorkflowError::BadInput(format!(
                                    "--subject '{s}': write KIND:ID, e.g. company:C001"
                                )),
                            ))
                        })?,
                ),
                None => None,
            };
            let target = SuppressionTarget {
                source_id: rule.as_ref().map(|r| r.trim().to_ascii_uppercase()),
                subject,
            };
            let now = act.now.unwrap_or_else(Utc::now);
            let s = warnings::suppress(
                ws,
                &target,
                act.reason.as_deref().unwrap_or_default(),
                *until,
                &act.user,
                now,
            )
            .await?;
            if cli.json {
                return json(&s);
            }
            println!(
                "屏蔽 suppression {} until {} (Beijing, exclusive)",
                s.id,
                s.expires_at.with_timezone(&beijing()).date_naive()
            );
            Ok(())
        }
        W::Suppressions => {
            let list = warnings::suppressions(ws).await?;
            if cli.json {
                return json(&list);
            }
            let now = Utc::now();
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.source_id.clone().unwrap_or_else(|| "*".into()),
                        match (&s.subject_kind, &s.subject_id) {
                            (Some(k), Some(i)) => format!("{k}:{i}"),
                            _ => "*".into(),
                        },
                        s.expires_at
                            .with_timezone(&beijing())
                            .date_naive()
                            .to_string(),
                        if s.is_active(now) {
                            "active".into()
                        } else if s.lifted_at.is_some() {
                            format!("lifted by {}", s.lifted_by.as_deref().unwrap_or("?"))
                        } else {
                            "expired".into()
                        },
                        s.created_by.clone(),
                        short(&s.reason, 30),
                    ]
                })
                .collect();
            table(
                &[
                    "编号 id",
                    "规则 rule",
                    "对象 subject",
                    "至 until",
                    "状态",
                    "设置人 by",
                    "理由 reason",
                ],
                &rows,
            );
            Ok(())
        }
        W::Lift { id, act } => {
            let now = act.now.unwrap_or_else(Utc::now);
            let s = warnings::lift(
                ws,
                *id,
                act.reason.as_deref().unwrap_or_default(),
                &act.user,
                now,
            )
            .await?;
            if cli.json {
                return json(&s);
            }
            println!("已解除屏蔽 lifted suppression {}", s.id);
            Ok(())
        }
    }
}
