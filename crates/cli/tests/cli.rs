//! The `qinglian` binary end to end: the README's examples, the demo, imports killed
//! mid-way, duplicates and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qinglian"));
    c.env_remove("QINGLIAN_WORKSPACE");
    c
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Checks one expected line: literal parts separated by `[..]` must appear in order in
/// one line of the output (the README uses `[..]` where ids and times vary).
fn matches_line(output: &str, expected: &str) -> bool {
    output.lines().any(|line| {
        let mut rest = line;
        for part in expected.split("[..]") {
            match rest.find(part) {
                Some(i) => rest = &rest[i + part.len()..],
                None => return false,
            }
        }
        true
    })
}

/// Every `$ qinglian …` line of every ```console block in README.md runs, in order, in one
/// scratch folder holding the files of examples/; the lines under it must appear in stdout.
#[test]
fn readme_examples_run() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo_root().join("examples")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let mut in_console = false;
    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            commands.push((cmd.to_owned(), Vec::new()));
        } else if let Some((_, expected)) = commands.last_mut() {
            expected.push(line.to_owned());
        }
    }
    assert!(commands.len() >= 6, "README has console examples");
    for (cmd, expected) in commands {
        let args: Vec<&str> = cmd.split_whitespace().collect();
        assert_eq!(args[0], "qinglian", "README examples call qinglian: {cmd}");
        let out = run_ok(
            bin()
                .args(&args[1..])
                .arg("--quiet")
                .current_dir(dir.path()),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        for e in expected {
            assert!(
                matches_line(&stdout, &e),
                "`{cmd}`: expected a line like '{e}' in:\n{stdout}"
            );
        }
    }
}

#[test]
fn demo_loads_every_dataset_and_reports_next_steps() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("demo");
    let out = run_ok(
        bin()
            .args(["demo", "--no-serve", "--quiet", "--json", "--workspace"])
            .arg(&ws),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let imports = v["imports"].as_array().unwrap();
    assert!(imports.len() >= 20, "every generated dataset is imported");
    for i in imports {
        let b = &i["batch"];
        assert_eq!(
            b["rows_quarantined"], 0,
            "demo data is valid: {}",
            b["dataset"]
        );
        assert_eq!(b["status"], "committed");
    }
    assert!(v["generated"]["anomaly_kinds"].as_u64().unwrap() >= 40);
    // The rule base ran over the demo: every rule with data ran, none failed, and it found things.
    let analysis = &v["analysis"];
    assert_eq!(analysis["failed"], 0, "{analysis}");
    assert!(
        analysis["ran"].as_u64().unwrap() >= 80,
        "{}",
        analysis["ran"]
    );
    assert!(analysis["hits"].as_u64().unwrap() > 0);
    assert_eq!(
        analysis["recorded"], analysis["new"],
        "every new finding is appended to the ledger"
    );
    // Running the demo again replaces its own workspace instead of failing.
    let out = run_ok(
        bin()
            .args(["demo", "--no-serve", "--quiet", "--workspace"])
            .arg(&ws),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("qinglian --workspace"));
    assert!(
        text.contains("规则与模型 rules and models:") && text.contains("FUN "),
        "findings by category: {text}"
    );
    // The scorer retrained from the demo's judged tenders (none yet: refused, saying what
    // is missing) and from its labelled closed cases.
    let out = bin()
        .args(["models", "train-scorer", "--workspace"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0 / 0") && err.contains("--cases"), "{err}");
    // Trains on the demo's closed cases into `out`, with `extra` flags.
    let train_on_cases = |out: &str, extra: &[&str]| {
        run_ok(
            bin()
                .args(["models", "train-scorer", "--workspace"])
                .arg(&ws)
                .arg("--cases")
                .arg(ws.join("demo-data/bid_cases.csv"))
                .args(["--tender", "tender_id", "--bid", "amount"])
                .args(["--winner", "is_winner", "--label", "collusive"])
                .args(["--trees", "20", "--out", out])
                .args(extra),
        )
    };
    let out = train_on_cases("models/again.json", &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("bid_cases") && text.contains("scorer_model"),
        "{text}"
    );
    assert!(ws.join("models/again.json").is_file());
    // `--use` points the workspace at the new model, and the next run's scorer loads it.
    train_on_cases("models/used.json", &["--use"]);
    let config = std::fs::read_to_string(ws.join("qinglian.toml")).unwrap();
    assert!(
        config.contains("scorer_model = \"models/used.json\""),
        "{config}"
    );
    std::fs::remove_file(ws.join("models/bid_scorer.json")).unwrap();
    let out = run_ok(
        bin()
            .args([
                "--json",
                "run",
                "--no-rules",
                "--no-raise",
                "--model",
                "MOD-SCORER",
            ])
            .arg("--workspace")
            .arg(&ws),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["models"][0]["status"], "ran", "{v}");
    // …but never a workspace that is not a demo.
    let real = dir.path().join("real");
    run_ok(bin().args(["init", "--quiet"]).arg(&real));
    let out = bin()
        .args(["demo", "--no-serve", "--quiet", "--workspace"])
        .arg(&real)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn write_big_payments(path: &Path, rows: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "payment_id,unit_id,paid_on,amount,payee_name,purpose").unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "P{i},D{},2024-03-{:02},{}.{:02},清源市某某有限公司{},办公用品采购",
            i % 17,
            1 + i % 28,
            i % 100_000,
            i % 100,
            i % 997
        )
        .unwrap();
    }
}

/// Kills an import mid-way with SIGKILL: no batch becomes visible, and the next command
/// rolls the leftovers back and imports normally.
#[test]
fn an_import_killed_mid_way_leaves_no_partial_batch() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_ok(bin().args(["init", "--quiet"]).arg(&ws));
    let big = dir.path().join("big.csv");
    write_big_payments(&big, 3_000_000);
    let mut child = bin()
        .args(["--quiet", "--workspace"])
        .arg(&ws)
        .args(["import", "payments"])
        .arg(&big)
        .spawn()
        .unwrap();
    // Wait until the import is writing its staging file, then kill it.
    let staging = ws.join("lake/.staging");
    let start = Instant::now();
    loop {
        let writing = std::fs::read_dir(&staging)
            .map(|d| d.count() > 0)
            .unwrap_or(false);
        if writing {
            std::thread::sleep(Duration::from_millis(300));
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "import finished before it could be killed; make the file larger"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "import never started writing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let out = run_ok(bin().args(["--json", "--workspace"]).arg(&ws).arg("status"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["datasets"].as_array().unwrap().is_empty(),
        "no partial batch visible: {v}"
    );
    assert_eq!(
        std::fs::read_dir(&staging).unwrap().count(),
        0,
        "staging emptied by recovery"
    );
    let lake_files = std::fs::read_dir(ws.join("lake"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_type().unwrap().is_dir())
        .count();
    assert_eq!(lake_files, 1, "only the staging folder in the lake");

    let small = dir.path().join("small.csv");
    write_big_payments(&small, 10);
    run_ok(
        bin()
            .args(["--quiet", "--workspace"])
            .arg(&ws)
            .args(["import", "payments"])
            .arg(&small),
    );
    let out = run_ok(bin().args(["--json", "--workspace"]).arg(&ws).arg("status"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["datasets"][0]["rows"], 10);
}

#[test]
fn the_same_file_twice_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_ok(bin().args(["init", "--quiet"]).arg(&ws));
    let f = repo_root().join("examples/payments.csv");
    run_ok(
        bin()
            .args(["--quiet", "--workspace"])
            .arg(&ws)
            .args(["import", "payments"])
            .arg(&f),
    );
    let out = bin()
        .args(["--quiet", "--workspace"])
        .arg(&ws)
        .args(["import", "payments"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a duplicate is a user error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    run_ok(
        bin()
            .args(["--quiet", "--workspace"])
            .arg(&ws)
            .args(["import", "payments", "--force"])
            .arg(&f),
    );
}

#[test]
fn user_errors_exit_2_with_a_message_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    // Not a workspace yet.
    let out = bin()
        .args(["--workspace"])
        .arg(&ws)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("qinglian init"));
    run_ok(bin().args(["init", "--quiet"]).arg(&ws));
    // A second init refuses.
    assert_eq!(
        bin().arg("init").arg(&ws).output().unwrap().status.code(),
        Some(2)
    );
    // Unknown dataset lists the known ones.
    let f = repo_root().join("examples/payments.csv");
    let out = bin()
        .args(["--workspace"])
        .arg(&ws)
        .args(["import", "paymnets"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("payments"));
    // Missing required columns: nothing imported.
    let out = bin()
        .args(["--workspace"])
        .arg(&ws)
        .args(["import", "bids"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("required columns missing"));
    let out = run_ok(bin().args(["--json", "--workspace"]).arg(&ws).arg("status"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["datasets"].as_array().unwrap().is_empty());
}

#[test]
fn init_makes_a_private_secret_and_a_database() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_ok(bin().args(["init", "--quiet"]).arg(&ws));
    let mode = std::fs::metadata(ws.join("secret.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        ws.join("desk.sqlite").is_file()
            && ws.join("qinglian.toml").is_file()
            && ws.join("lake").is_dir()
    );
    // QINGLIAN__SECTION__KEY overrides the config; an unknown key is an error.
    let out = run_ok(
        bin()
            .env("QINGLIAN__ORGANISATION__NAME", "测试单位")
            .args(["--json", "--workspace"])
            .arg(&ws)
            .arg("status"),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("测试单位"));
    let out = bin()
        .env("QINGLIAN__ORGANISATION__COLOUR", "x")
        .args(["--workspace"])
        .arg(&ws)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn spec_writes_schemas_and_templates_and_the_doc_is_current() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        bin()
            .args(["spec", "--json-schema", "s", "--templates", "t"])
            .current_dir(dir.path()),
    );
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("s/payments.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(schema["properties"]["amount"]["title"], "金额 / Amount");
    let template = std::fs::read_to_string(dir.path().join("t/payments.csv")).unwrap();
    assert!(template.contains("金额(amount)"));
    // A template is itself importable: the header row resolves.
    let ws = dir.path().join("ws");
    run_ok(bin().args(["init", "--quiet"]).arg(&ws));
    let out = run_ok(
        bin()
            .args(["--json", "--workspace"])
            .arg(&ws)
            .args(["import", "payments"])
            .arg(dir.path().join("t/payments.csv")),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["batch"]["rows_read"], 0);

    let out = run_ok(bin().args(["spec", "--markdown"]));
    let doc = std::fs::read_to_string(repo_root().join("docs/data-spec.md")).unwrap_or_default();
    assert!(
        doc == String::from_utf8_lossy(&out.stdout),
        "docs/data-spec.md is stale: regenerate with `cargo run -- spec --markdown > docs/data-spec.md`"
    );
}

#[test]
fn an_import_that_waits_for_another_says_so_and_then_runs() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    run_ok(bin().args(["init", "--quiet"]).arg(&ws));
    // Hold the workspace's import lock as a running import in another process would.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(ws.join("lake/.import.lock"))
        .unwrap();
    lock.lock().unwrap();
    let mut child = bin()
        .arg("--workspace")
        .arg(&ws)
        .args(["import", "payments"])
        .arg(repo_root().join("examples/payments.csv"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // It says it waits, and waits.
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    let started = Instant::now();
    while !String::from_utf8_lossy(&seen).contains("waiting for another import") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no waiting message: {}",
            String::from_utf8_lossy(&seen)
        );
        let n = stderr.read(&mut buf).unwrap();
        assert!(n > 0, "stderr closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it must wait for the lock"
    );
    // Released: the import runs to the end.
    drop(lock);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{}{rest}", String::from_utf8_lossy(&seen));
}
