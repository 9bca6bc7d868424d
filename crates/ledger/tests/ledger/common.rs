//! Shared helpers: test-vector paths (missing files fail loudly), keys, small logs.

use std::fs;
use std::path::{Path, PathBuf};

use qinglian_ledger::{KeyKind, Log, SignerKey};

/// The shared test data, relative to this crate: /work/main/crates/ledger → /work/shared.
pub const TLOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/tlog");

/// Reads a test-vector file, failing the test (never skipping) if it is missing.
pub fn read_vector(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "test vector {} cannot be read ({e}). These tests need the shared data set at {TLOG}; \
             a missing vector is a failure, not a skip",
            path.display()
        )
    })
}

pub fn tlog_path(rel: &str) -> PathBuf {
    Path::new(TLOG).join(rel)
}

pub fn log_key() -> SignerKey {
    SignerKey::from_seed("ledger.example/qinglian", KeyKind::Note, [11; 32]).unwrap()
}

pub fn witness_key(n: u8) -> SignerKey {
    SignerKey::from_seed(
        &format!("audit-office.example/w{n}"),
        KeyKind::Cosigner,
        [40 + n; 32],
    )
    .unwrap()
}

/// Entry `i` of the standard test log: distinct, varied lengths.
pub fn entry(i: u64) -> Vec<u8> {
    format!("event {i} {}", "x".repeat((i % 7) as usize)).into_bytes()
}

/// A log in `dir` with the given batch sizes, each batch followed by a signed checkpoint.
pub fn build_log(dir: &Path, batches: &[u64]) -> Log {
    let mut log = Log::open(dir).unwrap();
    let key = log_key();
    for &n in batches {
        let start = log.size();
        let batch: Vec<Vec<u8>> = (start..start + n).map(entry).collect();
        log.append_batch(&batch).unwrap();
        log.sign_checkpoint(&key).unwrap();
    }
    log
}

/// Copies every file of a directory into a fresh one.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}
