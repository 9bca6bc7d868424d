//! Scale harness for the warning workflow on SQLite (issue goal: 1 million warnings and
//! 5 million transitions; inbox query p95 under 50 ms, a transition under 10 ms).
//!
//! ```text
//! cargo run --release -p qinglian-workflow --example warnings_bench -- \
//!     [--warnings 1000000] [--queries 2000] [--transitions 2000] [--dir /tmp/wbench] [--keep]
//! ```
//!
//! It seeds a fresh desk (all migrations) with deterministic warnings and their histories
//! (about five entries each: the path each warning took to its state), then times inbox pages
//! (random department / level / state-or-open / overdue filters, page of 50 sorted by
//! deadline) and transitions through `Workflow::act` (load, state machine, version-locked
//! update, history append, commit with `synchronous=FULL`). It prints a Markdown table.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use qinglian_core::Severity;
use qinglian_core::calendar::Calendar;
use qinglian_store::{Disposition, InboxFilter, Level, NewWarning, TransitionRecord, WarningState};
use qinglian_store_sqlite::{LoadedWarning, SqliteStore};
use qinglian_workflow::{Action, Request, Workflow, WorkflowConfig};

struct Args {
    warnings: u64,
    queries: u64,
    transitions: u64,
    dir: PathBuf,
    keep: bool,
}

fn args() -> Args {
    let mut a = Args {
        warnings: 1_000_000,
        queries: 2_000,
        transitions: 2_000,
        dir: std::env::temp_dir().join("qinglian-warnings-bench"),
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut num = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match k.as_str() {
            "--warnings" => a.warnings = num("--warnings"),
            "--queries" => a.queries = num("--queries"),
            "--transitions" => a.transitions = num("--transitions"),
            "--dir" => a.dir = PathBuf::from(it.next().expect("--dir needs a path")),
            "--keep" => a.keep = true,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const DEPARTMENTS: u64 = 40;
const INSPECTORS: u64 = 60;

fn dept(i: u64) -> String {
    format!("部门{i:02}")
}

/// The path a warning took to reach `state`.
fn path_to(state: WarningState) -> Vec<(&'static str, WarningState)> {
    use WarningState::*;
    let mut p = vec![("raise", New), ("assign", Assigned)];
    let rest: &[(&str, WarningState)] = match state {
        New => return vec![("raise", New)],
        Assigned => &[],
        Responded => &[("respond", Responded)],
        Verifying => &[("respond", Responded), ("verify", Verifying)],
        Confirmed => &[
            ("respond", Responded),
            ("verify", Verifying),
            ("confirm", Confirmed),
        ],
        Rectification => &[
            ("respond", Responded),
            ("verify", Verifying),
            ("confirm", Confirmed),
            ("rectify", Rectification),
        ],
        Closed => &[
            ("respond", Responded),
            ("verify", Verifying),
            ("confirm", Confirmed),
            ("rectify", Rectification),
            ("close", Closed),
        ],
        ClosedFalsePositive => &[
            ("respond", Responded),
            ("verify", Verifying),
            ("close", ClosedFalsePositive),
        ],
    };
    p.extend_from_slice(rest);
    p
}

fn gen_warning(rng: &mut Rng, epoch: DateTime<Utc>) -> LoadedWarning {
    use WarningState::*;
    let created =
        epoch + Duration::minutes(i64::try_from(rng.below(60 * 24 * 365 * 4)).unwrap_or(0));
    let level = match rng.below(10) {
        0..=5 => Level::Department,
        6..=8 => Level::Inspector,
        _ => Level::Committee,
    };
    // Most of a mature desk is closed; the open rest spreads over the states.
    let state = if rng.chance(70) {
        if rng.chance(55) {
            Closed
        } else {
            ClosedFalsePositive
        }
    } else {
        [
            New,
            Assigned,
            Responded,
            Verifying,
            Confirmed,
            Rectification,
        ][rng.below(6) as usize]
    };
    let d = rng.below(DEPARTMENTS);
    let assignee = (state != New).then(|| match level {
        Level::Department => format!("联络员{d:02}"),
        Level::Inspector => format!("专员{:02}", rng.below(INSPECTORS)),
        Level::Committee => "党委办".to_owned(),
    });
    let deadline: NaiveDate =
        (created + Duration::days(7 + i64::try_from(rng.below(15)).unwrap_or(0))).date_naive();
    let steps = path_to(state);
    let mut at = created;
    let mut history = Vec::with_capacity(steps.len());
    let mut prev: Option<WarningState> = None;
    for (action, to) in steps {
        history.push(TransitionRecord {
            warning_id: 0,
            seq: 0,
            action: action.into(),
            from_state: prev,
            to_state: to,
            from_level: prev.map(|_| level),
            to_level: level,
            actor: assignee.clone().unwrap_or_else(|| "system".into()),
            at,
            comment: None,
            disposition: None,
            attachments: Vec::new(),
        });
        prev = Some(to);
        at += Duration::hours(i64::try_from(1 + rng.below(72)).unwrap_or(1));
    }
    let disposition = match state {
        Closed => Some(Disposition::Rectified),
        ClosedFalsePositive => Some(
            [
                Disposition::DataError,
                Disposition::Legitimate,
                Disposition::RuleTooBroad,
                Disposition::Duplicate,
            ][rng.below(4) as usize],
        ),
        Confirmed | Rectification => Some(Disposition::Confirmed),
        _ => None,
    };
    LoadedWarning {
        warning: NewWarning {
            finding_id: None,
            source_id: format!("R-{:03}", rng.below(120)),
            subject_kind: "company".into(),
            subject_id: format!("S{}", rng.below(200_000)),
            subject_name: None,
            department: dept(d),
            severity: [
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Critical,
            ][rng.below(4) as usize],
            amount_fen: Some(i64::try_from(rng.below(1_000_000_000)).unwrap_or(0)),
            title_zh: "基准测试预警".into(),
            title_en: "benchmark warning".into(),
            level,
            level_reason: "{}".into(),
            state,
            assignee,
            deadline,
            created_at: created,
        },
        disposition,
        confirmed_at: matches!(state, Confirmed | Rectification | Closed).then_some(at),
        closed_at: state.is_closed().then_some(at),
        rectification: matches!(state, Rectification | Closed),
        history,
    }
}

fn pct(sorted: &[StdDuration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn summary(mut v: Vec<StdDuration>) -> (usize, f64, f64, f64, f64) {
    v.sort();
    (
        v.len(),
        pct(&v, 0.5),
        pct(&v, 0.95),
        pct(&v, 0.99),
        pct(&v, 1.0),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args();
    if a.dir.exists() {
        std::fs::remove_dir_all(&a.dir).expect("clear the bench folder");
    }
    std::fs::create_dir_all(&a.dir).expect("create the bench folder");
    let db = a.dir.join("desk.sqlite");
    let store = SqliteStore::open(&db, true).await.expect("open the desk");
    let epoch = Utc.with_ymd_and_hms(2022, 11, 1, 0, 0, 0).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();

    // ---- seed
    let t0 = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut open_ids = Vec::new();
    let mut transitions = 0u64;
    let chunk = 5_000;
    let mut done = 0;
    while done < a.warnings {
        let n = chunk.min(a.warnings - done);
        let items: Vec<LoadedWarning> = (0..n).map(|_| gen_warning(&mut rng, epoch)).collect();
        transitions += items.iter().map(|w| w.history.len() as u64).sum::<u64>();
        let ids = store.load_warnings(&items).await.expect("load warnings");
        for (id, w) in ids.iter().zip(&items) {
            if !w.warning.state.is_closed() {
                open_ids.push((*id, w.warning.state));
            }
        }
        done += n;
        if done % 100_000 == 0 || done == a.warnings {
            eprintln!(
                "seeded {done} warnings, {transitions} transitions, {:.0?}",
                t0.elapsed()
            );
        }
    }
    let seed_time = t0.elapsed();
    let db_bytes = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(a.dir.join("desk.sqlite-wal"))
            .map(|m| m.len())
            .unwrap_or(0);

    // ---- inbox
    let cfg = WorkflowConfig::default();
    let cal = Calendar::builtin();
    let wf = Workflow::new(&store, &cfg, &cal);
    let mut all = Vec::new();
    let mut by_kind: BTreeMap<String, Vec<StdDuration>> = BTreeMap::new();
    let mut rows_seen = 0usize;
    for _ in 0..a.queries {
        let mut f = InboxFilter {
            limit: 50,
            ..InboxFilter::default()
        };
        let mut kind = Vec::new();
        if rng.chance(70) {
            f.department = Some(dept(rng.below(DEPARTMENTS)));
            kind.push("dept");
        }
        if rng.chance(50) {
            f.level = Some(Level::ALL[rng.below(3) as usize]);
            kind.push("level");
        }
        if rng.chance(30) {
            f.state = Some(WarningState::ALL[rng.below(8) as usize]);
            kind.push("state");
        } else if rng.chance(5) {
            f.include_closed = true;
            kind.push("all");
        } else {
            kind.push("open");
        }
        if rng.chance(30) {
            f.overdue_on = Some(today);
            kind.push("overdue");
        }
        let t = Instant::now();
        let page = wf.inbox(&f).await.expect("inbox");
        let el = t.elapsed();
        rows_seen += page.len();
        all.push(el);
        by_kind.entry(kind.join("+")).or_default().push(el);
    }

    // ---- transitions
    let mut tr = Vec::new();
    let mut refused = 0;
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap();
    for _ in 0..a.transitions.min(open_ids.len() as u64) {
        let k = rng.below(open_ids.len() as u64) as usize;
        let (id, state) = open_ids[k];
        let action = match state {
            WarningState::New => Action::Assign {
                to: "专员00".into(),
            },
            WarningState::Assigned => Action::Respond,
            WarningState::Responded => Action::Verify,
            WarningState::Verifying => Action::Confirm,
            WarningState::Confirmed => Action::Rectify,
            _ => Action::Close {
                code: Disposition::Rectified,
            },
        };
        let t = Instant::now();
        match wf.act(id, &Request::new(action, "bench"), now).await {
            Ok(acted) => {
                tr.push(t.elapsed());
                if acted.warning.state.is_closed() {
                    open_ids.swap_remove(k);
                } else {
                    open_ids[k].1 = acted.warning.state;
                }
            }
            Err(e) => {
                refused += 1;
                eprintln!("transition refused: {e}");
            }
        }
    }

    println!("## Warning workflow on SQLite\n");
    println!(
        "{} warnings, {} transitions seeded in {:.1} s; database {:.0} MB\n",
        a.warnings,
        transitions,
        seed_time.as_secs_f64(),
        db_bytes as f64 / 1e6
    );
    println!("| operation | n | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (n, p50, p95, p99, max) = summary(all);
    println!(
        "| inbox page of 50 (all filters) | {n} | {p50:.2} | {p95:.2} | {p99:.2} | {max:.2} |"
    );
    let (n, p50, p95, p99, max) = summary(tr);
    println!("| transition (`Workflow::act`) | {n} | {p50:.2} | {p95:.2} | {p99:.2} | {max:.2} |");
    println!("\nInbox by filter combination:\n");
    println!("| filters | n | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (k, v) in by_kind {
        let (n, p50, p95, _, max) = summary(v);
        println!("| {k} | {n} | {p50:.2} | {p95:.2} | {max:.2} |");
    }
    println!("\n({rows_seen} inbox rows returned; {refused} transitions refused)");
    store.close().await;
    if !a.keep {
        let _ = std::fs::remove_dir_all(&a.dir);
    }
}
