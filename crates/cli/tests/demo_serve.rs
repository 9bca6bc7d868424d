//! `qinglian demo` ends by serving the console with a demo administrator whose password and
//! TOTP secret it prints; a second run gives that account new ones.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qinglian"))
}

/// Runs the demo until it serves; returns the child, the console address and what it printed.
fn serve_demo(ws: &std::path::Path) -> (Child, String, Vec<String>) {
    let mut child = bin()
        .args(["--quiet", "--workspace"])
        .arg(ws)
        .args(["demo", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for line in out.lines() {
        let line = line.unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .map(|rest| rest.trim_end_matches(|c| c != '/').trim_end_matches('/'));
        lines.push(line.clone());
        if line.starts_with("控制台 Console:")
            && let Some(addr) = addr
        {
            return (child, addr.to_owned(), lines);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the demo ended without serving:\n{}", lines.join("\n"));
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

fn value(lines: &[String], label: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("no '{label}' line in:\n{}", lines.join("\n")))
}

#[test]
fn the_demo_serves_the_console_and_prints_its_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("demo");
    let (mut child, addr, lines) = serve_demo(&ws);
    let health = get(&addr, "/healthz");
    let sign_in = get(&addr, "/");
    let _ = child.kill();
    let _ = child.wait();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        sign_in.starts_with("HTTP/1.1 303") || sign_in.contains("<form"),
        "{sign_in}"
    );
    assert_eq!(value(&lines, "用户名 username:"), "demo-admin");
    let password = value(&lines, "密码 password:");
    assert!(password.len() >= 12, "{password}");
    let secret = value(&lines, "TOTP 密钥 secret:");
    assert!(lines.iter().any(|l| l.contains("otpauth://totp/")));

    // A second run reuses the workspace and hands out a new password and secret.
    let (mut child, _, again) = serve_demo(&ws);
    let _ = child.kill();
    let _ = child.wait();
    assert_ne!(value(&again, "密码 password:"), password);
    assert_ne!(value(&again, "TOTP 密钥 secret:"), secret);
    let users = bin()
        .args(["--workspace"])
        .arg(&ws)
        .args(["users", "list"])
        .output()
        .unwrap();
    let users = String::from_utf8_lossy(&users.stdout);
    assert_eq!(users.matches("demo-admin").count(), 1, "{users}");
}
