//! The evidence ledger end to end with the real binary: imports and evidence recorded,
//! verification, receipts, an export bundle checked with the public key alone, tampering
//! pinpointed, and a witness run by a second workspace on loopback.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use qinglian_ledger::{Receipt, VerifierKey, verify_note};
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qinglian"));
    c.env_remove("QINGLIAN_WORKSPACE").arg("--quiet");
    c
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ws_cmd(ws: &Path) -> Command {
    let mut c = bin();
    c.arg("--workspace").arg(ws);
    c
}

/// A workspace with examples/payments.csv imported; returns its public key.
fn workspace_with_an_import(ws: &Path) -> VerifierKey {
    let init = json_of(&run_ok(bin().args(["init", "--json"]).arg(ws)));
    let key: VerifierKey = init["ledger_key"].as_str().unwrap().parse().unwrap();
    let payments = repo_root().join("examples/payments.csv");
    assert!(payments.is_file(), "examples/payments.csv is missing");
    let out = json_of(&run_ok(
        ws_cmd(ws)
            .args(["--json", "import", "payments"])
            .arg(&payments),
    ));
    assert_eq!(out["ledger_entry"], 0);
    key
}

#[test]
fn evidence_receipts_verification_export_and_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let key = workspace_with_an_import(&ws);
    assert_eq!(
        stdout(&run_ok(ws_cmd(&ws).args(["ledger", "key"]))).trim(),
        key.to_string()
    );

    // Evidence: the receipt verifies offline with the public key and the file's entry.
    let bid = dir.path().join("投标文件.pdf");
    std::fs::write(&bid, "投标报价 1,200,000 元").unwrap();
    let out = json_of(&run_ok(
        ws_cmd(&ws)
            .args(["--json", "evidence", "add"])
            .arg(&bid)
            .args(["--kind", "bid-document", "--ref", "T-2024-001"]),
    ));
    let receipt: Receipt = serde_json::from_value(out["receipt"].clone()).unwrap();
    assert_eq!(receipt.index, 1);
    assert_eq!(receipt.verify(&key, None).unwrap().size, 2);
    let stored = ws.join(out["event"]["stored_path"].as_str().unwrap());
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(&bid).unwrap()
    );
    let text = stdout(&run_ok(
        ws_cmd(&ws)
            .args(["evidence", "add"])
            .arg(&bid)
            .args(["--kind", "minutes"]),
    ));
    assert!(text.contains("条目 entry 2"), "{text}");
    assert!(text.contains("already stored"), "{text}");

    let out = run_ok(ws_cmd(&ws).args(["ledger", "verify"]));
    assert!(
        stdout(&out).contains("校验通过 verified: 3 entries"),
        "{}",
        stdout(&out)
    );
    let v = json_of(&run_ok(ws_cmd(&ws).args(["--json", "ledger", "verify"])));
    assert_eq!(
        (v["ok"].as_bool(), v["records_checked"].as_u64()),
        (Some(true), Some(3))
    );

    // Proofs by index and by reference id.
    let p = json_of(&run_ok(
        ws_cmd(&ws).args(["--json", "ledger", "prove", "1"]),
    ));
    assert_eq!(p["entry"]["type"], "evidence_file");
    let r: Receipt = serde_json::from_value(p["receipt"].clone()).unwrap();
    r.verify(&key, Some(p["entry_text"].as_str().unwrap().as_bytes()))
        .unwrap();
    let p = json_of(&run_ok(ws_cmd(&ws).args([
        "--json",
        "ledger",
        "prove",
        "T-2024-001",
    ])));
    assert_eq!(p[0]["receipt"]["index"], 1);
    let c = json_of(&run_ok(ws_cmd(&ws).args([
        "--json",
        "ledger",
        "consistency",
        "1",
    ])));
    assert_eq!(
        (c["old_size"].as_u64(), c["new_size"].as_u64()),
        (Some(1), Some(3))
    );

    // Export; an auditor verifies with the bundle and the key alone, from anywhere.
    let bundle = dir.path().join("bundle");
    run_ok(ws_cmd(&ws).args(["ledger", "export"]).arg(&bundle));
    let auditor = dir.path().join("auditor");
    std::fs::create_dir(&auditor).unwrap();
    let key_text = key.to_string();
    let out = run_ok(
        bin()
            .current_dir(&auditor)
            .args(["ledger", "verify-bundle"])
            .arg(&bundle)
            .args(["--key", &key_text]),
    );
    assert!(
        stdout(&out).contains("校验通过 verified: 3 entries"),
        "{}",
        stdout(&out)
    );

    // One changed byte in entry 1 of a copy of the bundle is found and named.
    let forged = dir.path().join("forged");
    std::fs::create_dir(&forged).unwrap();
    for e in std::fs::read_dir(&bundle).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), forged.join(e.file_name())).unwrap();
    }
    let entries = forged.join("entries.log");
    let mut bytes = std::fs::read(&entries).unwrap();
    let at = find(&bytes, "T-2024-001".as_bytes()).expect("entry 1 names its reference");
    bytes[at] = b'X';
    std::fs::write(&entries, &bytes).unwrap();
    let out = run(bin()
        .current_dir(&auditor)
        .args(["--json", "ledger", "verify-bundle"])
        .arg(&forged)
        .args(["--key", &key_text]));
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["problem"]["entry"], 1, "{v}");
    assert!(
        v["problem"]["message"]
            .as_str()
            .unwrap()
            .contains("entry 1")
    );
    // The untouched bundle fails with another key of the same name.
    let impostor = qinglian_ledger::SignerKey::generate(key.name(), qinglian_ledger::KeyKind::Note)
        .unwrap()
        .verifier()
        .to_string();
    let out = run(bin()
        .args(["ledger", "verify-bundle"])
        .arg(&bundle)
        .args(["--key", &impostor]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));

    // The evidence file altered in the workspace: verification fails at its entry.
    let mut perms = std::fs::metadata(&stored).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)] // the test plays the attacker
    perms.set_readonly(false);
    std::fs::set_permissions(&stored, perms).unwrap();
    std::fs::write(&stored, "投标报价 1,900,000 元").unwrap();
    let out = run(ws_cmd(&ws).args(["ledger", "verify"]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("entry 1") && err.contains("投标文件.pdf"),
        "{err}"
    );
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn ledger_user_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    workspace_with_an_import(&ws);
    let f = repo_root().join("examples/payments.csv");
    for args in [
        vec!["evidence", "add", f.to_str().unwrap(), "--kind", "receipt"],
        vec!["evidence", "add", "no-such-file", "--kind", "other"],
        vec!["ledger", "prove", "99"],
        vec!["ledger", "prove", "no-such-id"],
        vec!["ledger", "consistency", "0"],
        vec!["ledger", "verify-bundle", "no-such-dir", "--key", "x"],
        vec![
            "ledger",
            "witness",
            "http://127.0.0.1:9",
            "--witness-key",
            "bad",
        ],
    ] {
        let out = run(ws_cmd(&ws).args(&args));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Kills the witness server when the test ends, however it ends.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(key_dir: &Path, log: &str) -> (Server, String, String) {
        let mut child = bin()
            .args(["witness", "serve", "--bind", "127.0.0.1:0", "--key-dir"])
            .arg(key_dir)
            .args(["--log", log])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let server = Server { child, lines };
        let (mut key, mut url) = (None, None);
        while url.is_none() {
            let line = server
                .lines
                .recv_timeout(Duration::from_secs(30))
                .expect("the witness prints its key and address within 30 s");
            if let Some(k) = line.strip_prefix("见证方公钥 Witness verifier key: ") {
                key = Some(k.to_owned());
            }
            if let Some(u) = line.strip_prefix("见证服务监听 Witness listening on ") {
                url = Some(u.to_owned());
            }
        }
        (server, key.expect("key printed first"), url.unwrap())
    }
}

#[test]
fn a_second_workspace_witnesses_the_first_on_loopback() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let log_key = workspace_with_an_import(&ws);
    // The audit office has its own workspace; its witness key lives beside it.
    let audit = dir.path().join("audit");
    run_ok(bin().arg("init").arg(&audit));
    let key_dir = audit.join("witness");
    let log_arg = format!("{}={log_key}", log_key.name());
    let (server, wkey_text, url) = Server::start(&key_dir, &log_arg);
    let wkey: VerifierKey = wkey_text.parse().unwrap();
    let mode = std::fs::metadata(key_dir.join("witness.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let push = |expect_requests: u64, expect_old: u64, expect_size: u64| {
        let w = json_of(&run_ok(
            ws_cmd(&ws)
                .args(["--json", "ledger", "witness", &url, "--witness-key"])
                .arg(key_dir.join("witness.pub")),
        ));
        assert_eq!(
            (
                w["requests"].as_u64(),
                w["old_size"].as_u64(),
                w["checkpoint_size"].as_u64()
            ),
            (Some(expect_requests), Some(expect_old), Some(expect_size)),
            "{w}"
        );
        assert_eq!(w["cosignatures_kept"], 1);
        w["cosigned_checkpoint"].as_str().unwrap().to_owned()
    };
    let note = push(1, 0, 1);
    let v = verify_note(&note, &[log_key.clone(), wkey.clone()]).unwrap();
    assert_eq!(v.verified.len(), 2, "log signature and cosignature");

    let memo = dir.path().join("memo.txt");
    std::fs::write(&memo, "会议纪要").unwrap();
    run_ok(
        ws_cmd(&ws)
            .args(["evidence", "add"])
            .arg(&memo)
            .args(["--kind", "minutes"]),
    );
    push(1, 1, 2);

    // The witness restarts and remembers; the log lost its cosignature journal, asks from
    // 0, gets 409 with the witness's size and retries with a consistency proof from it.
    drop(server);
    let (_server, again, url2) = Server::start(&key_dir, &log_arg);
    assert_eq!(again, wkey_text, "the key made on first run is reused");
    std::fs::remove_file(ws.join("ledger/cosignatures.jsonl")).unwrap();
    run_ok(
        ws_cmd(&ws)
            .args(["evidence", "add"])
            .arg(&memo)
            .args(["--kind", "other"]),
    );
    let w = json_of(&run_ok(ws_cmd(&ws).args([
        "--json",
        "ledger",
        "witness",
        &url2,
        "--witness-key",
        &wkey_text,
    ])));
    assert_eq!(
        (w["requests"].as_u64(), w["old_size"].as_u64()),
        (Some(2), Some(2)),
        "{w}"
    );

    // The log keeps the cosignature and verification checks it with the witness key.
    let v = json_of(&run_ok(ws_cmd(&ws).args([
        "--json",
        "ledger",
        "verify",
        "--witness-key",
        &wkey_text,
    ])));
    assert_eq!(
        (v["ok"].as_bool(), v["cosignatures"].as_u64()),
        (Some(true), Some(1)),
        "{v}"
    );
    let p = json_of(&run_ok(
        ws_cmd(&ws).args(["--json", "ledger", "prove", "2"]),
    ));
    let checkpoint = p["receipt"]["checkpoint"].as_str().unwrap();
    assert_eq!(
        verify_note(checkpoint, &[log_key, wkey])
            .unwrap()
            .verified
            .len(),
        2,
        "receipts carry the cosigned checkpoint"
    );
}
