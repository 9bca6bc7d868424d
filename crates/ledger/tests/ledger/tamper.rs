//! Tampering with a stored log or an export bundle: each change is detected and pinpointed.
//!
//! The log has four batches of five entries, each followed by a signed checkpoint (sizes 5,
//! 10, 15, 20), so checkpoint line `seq` covers the first `5 * (seq + 1)` entries.

use std::fs;
use std::path::Path;

use qinglian_ledger::log::{
    CHECKPOINTS_FILE, ENTRIES_FILE, LEAVES_FILE, OFFSETS_FILE, SUBTREES_FILE,
};
use qinglian_ledger::record::{self, HEADER_LEN, RecordReader};
use qinglian_ledger::{
    Checkpoint, KeyKind, Log, Problem, SignerKey, VerifyOptions, VerifyReport, leaf_hash,
    verify_bundle, verify_dir,
};

use crate::common::{build_log, copy_dir, entry, log_key};

const BATCHES: [u64; 4] = [5, 5, 5, 5];

fn fresh() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    drop(build_log(dir.path(), &BATCHES));
    dir
}

fn verify(dir: &Path) -> VerifyReport {
    verify_with(dir, VerifyOptions::default())
}

fn verify_with(dir: &Path, opts: VerifyOptions) -> VerifyReport {
    verify_dir(dir, &log_key().verifier(), &opts).unwrap()
}

fn problem(dir: &Path) -> Problem {
    let r = verify(dir);
    let p = r
        .problem
        .clone()
        .unwrap_or_else(|| panic!("tampering went undetected: {r:?}"));
    assert!(!p.to_string().is_empty());
    p
}

/// The raw records of an entries file (each with its length prefix and checksum).
fn records(dir: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(dir.join(ENTRIES_FILE)).unwrap();
    let mut reader = RecordReader::new(&bytes[HEADER_LEN as usize..]);
    let mut out = Vec::new();
    while let Some(r) = reader.next_record().unwrap() {
        let start = r.offset as usize;
        let end = start + record::record_len(r.payload.len()) as usize;
        out.push(bytes[start..end].to_vec());
    }
    out
}

fn write_records(dir: &Path, recs: &[Vec<u8>]) {
    let mut bytes = record::MAGIC.to_vec();
    for r in recs {
        bytes.extend_from_slice(r);
    }
    fs::write(dir.join(ENTRIES_FILE), bytes).unwrap();
}

/// A well-formed record for `payload` (correct checksum), as a careful forger would write.
fn forged_record(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    record::encode(&mut out, payload, &leaf_hash(payload), false);
    out
}

fn edit_file(path: &Path, f: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = fs::read(path).unwrap();
    f(&mut bytes);
    fs::write(path, bytes).unwrap();
}

#[test]
fn an_untouched_log_verifies() {
    let dir = fresh();
    let r = verify(dir.path());
    assert!(r.is_ok(), "{:?}", r.problem);
    assert_eq!(
        (r.entries, r.checkpoints, r.latest.map(|c| c.size)),
        (20, 4, Some(20))
    );
}

#[test]
fn changed_record_bytes_are_pinpointed() {
    let dir = fresh();
    let mut recs = records(dir.path());
    recs[7][6] ^= 0x20; // a payload byte; the checksum no longer matches
    write_records(dir.path(), &recs);
    assert_eq!(problem(dir.path()), Problem::AlteredEntry { index: 7 });
}

#[test]
fn a_changed_record_with_a_fixed_checksum_is_pinpointed_by_the_leaf_file() {
    let dir = fresh();
    let mut recs = records(dir.path());
    let mut forged = entry(7);
    forged[0] = b'E';
    let mut rec = forged_record(&forged);
    rec[4] = recs[7][4];
    recs[7] = rec;
    write_records(dir.path(), &recs);
    assert_eq!(problem(dir.path()), Problem::AlteredEntry { index: 7 });
}

#[test]
fn a_change_also_made_in_the_leaf_file_is_caught_by_the_checkpoints() {
    let dir = fresh();
    let mut recs = records(dir.path());
    let mut forged = entry(7);
    forged[0] = b'E';
    recs[7] = forged_record(&forged);
    write_records(dir.path(), &recs);
    edit_file(&dir.path().join(LEAVES_FILE), |b| {
        b[7 * 32..8 * 32].copy_from_slice(leaf_hash(&forged).as_bytes())
    });
    assert_eq!(
        problem(dir.path()),
        Problem::CheckpointMismatch {
            seq: 1,
            size: 10,
            intact_before: 5
        }
    );
}

#[test]
fn a_deleted_record_is_pinpointed() {
    let dir = fresh();
    let mut recs = records(dir.path());
    recs.remove(7);
    write_records(dir.path(), &recs);
    assert_eq!(problem(dir.path()), Problem::RemovedEntry { index: 7 });
}

#[test]
fn a_deletion_also_made_in_the_leaf_file_is_caught_by_the_checkpoints() {
    let dir = fresh();
    let mut recs = records(dir.path());
    recs.remove(7);
    write_records(dir.path(), &recs);
    edit_file(&dir.path().join(LEAVES_FILE), |b| {
        b.drain(7 * 32..8 * 32);
    });
    assert_eq!(
        problem(dir.path()),
        Problem::CheckpointMismatch {
            seq: 1,
            size: 10,
            intact_before: 5
        }
    );
}

#[test]
fn swapped_records_are_pinpointed() {
    let dir = fresh();
    let mut recs = records(dir.path());
    recs.swap(3, 12);
    write_records(dir.path(), &recs);
    assert_eq!(
        problem(dir.path()),
        Problem::ReorderedEntries {
            first: 3,
            second: 12
        }
    );
}

#[test]
fn an_inserted_record_is_pinpointed() {
    let dir = fresh();
    let mut recs = records(dir.path());
    recs.insert(7, forged_record(b"an entry nobody appended"));
    write_records(dir.path(), &recs);
    assert_eq!(problem(dir.path()), Problem::InsertedEntry { index: 7 });
}

#[test]
fn a_truncated_log_is_detected_at_a_record_boundary_and_mid_record() {
    let dir = fresh();
    let recs = records(dir.path());
    write_records(dir.path(), &recs[..15]);
    assert_eq!(
        problem(dir.path()),
        Problem::Truncated {
            entries: 15,
            expected: 20
        }
    );
    // Also cut the leaf file: the signed checkpoints still know there were 20.
    edit_file(&dir.path().join(LEAVES_FILE), |b| b.truncate(15 * 32));
    assert_eq!(
        problem(dir.path()),
        Problem::Truncated {
            entries: 15,
            expected: 20
        }
    );
    edit_file(&dir.path().join(ENTRIES_FILE), |b| b.truncate(b.len() - 10));
    assert_eq!(
        problem(dir.path()),
        Problem::Truncated {
            entries: 14,
            expected: 20
        }
    );
}

#[test]
fn a_forged_checkpoint_signature_is_detected() {
    let dir = fresh();
    let path = dir.path().join(CHECKPOINTS_FILE);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Re-sign checkpoint #2 with a key that has the log's name but not its private key.
    let impostor = SignerKey::from_seed(log_key().name(), KeyKind::Note, [77; 32]).unwrap();
    let c = Checkpoint::new(log_key().name(), 15, leaf_hash(b"made-up root"));
    lines[2] = serde_json::json!({ "note": c.sign(&impostor).unwrap() }).to_string();
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert!(matches!(
        problem(dir.path()),
        Problem::ForgedCheckpoint {
            seq: 2,
            size: Some(15),
            ..
        }
    ));

    // A flipped bit in a genuine signature.
    let dir = fresh();
    let path = dir.path().join(CHECKPOINTS_FILE);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut v: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    let note = v["note"].as_str().unwrap().to_owned();
    let sig_start = note.rfind(' ').unwrap() + 1;
    let mut chars: Vec<char> = note.chars().collect();
    let at = note[..sig_start].chars().count() + 5;
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    v["note"] = serde_json::Value::String(chars.into_iter().collect());
    lines[1] = v.to_string();
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert!(matches!(
        problem(dir.path()),
        Problem::ForgedCheckpoint {
            seq: 1,
            size: Some(10),
            ..
        }
    ));
}

#[test]
fn reordered_checkpoint_lines_are_a_rollback_in_the_file() {
    let dir = fresh();
    let path = dir.path().join(CHECKPOINTS_FILE);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(2, 3);
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert_eq!(
        problem(dir.path()),
        Problem::CheckpointRollback {
            seq: 3,
            size: 15,
            previous: 20
        }
    );
}

#[test]
fn a_rollback_to_an_older_copy_is_caught_by_a_remembered_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let older = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), &BATCHES[..2]);
    copy_dir(dir.path(), older.path());
    drop(log);
    let log = build_log(dir.path(), &BATCHES[2..]);
    let remembered = log.latest_checkpoint().unwrap().checkpoint.clone(); // e.g. kept by a witness
    drop(log);
    // Replace every file with the older, internally consistent copy.
    for e in fs::read_dir(older.path()).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let alone = verify(dir.path());
    assert!(
        alone.is_ok(),
        "without outside memory an old copy is self-consistent: {alone:?}"
    );
    let with = verify_with(
        dir.path(),
        VerifyOptions {
            remembered: vec![remembered],
            ..Default::default()
        },
    );
    assert_eq!(
        with.problem,
        Some(Problem::Rollback {
            entries: 10,
            remembered: 20
        })
    );
}

#[test]
fn a_rewritten_history_is_caught_by_a_remembered_checkpoint() {
    let dir = fresh();
    let other = tempfile::tempdir().unwrap();
    let mut forked = Log::open(other.path()).unwrap();
    forked
        .append_batch(
            &(0..10)
                .map(|i| format!("rewritten {i}").into_bytes())
                .collect::<Vec<_>>(),
        )
        .unwrap();
    let fork_cp = forked.sign_checkpoint(&log_key()).unwrap().checkpoint;
    let r = verify_with(
        dir.path(),
        VerifyOptions {
            remembered: vec![fork_cp],
            ..Default::default()
        },
    );
    assert_eq!(r.problem, Some(Problem::Fork { size: 10 }));
}

#[test]
fn damage_to_index_files_is_told_apart_from_tampering() {
    let dir = fresh();
    edit_file(&dir.path().join(LEAVES_FILE), |b| b[7 * 32] ^= 1);
    assert_eq!(
        problem(dir.path()),
        Problem::IndexMismatch {
            file: LEAVES_FILE.into(),
            index: 7
        }
    );

    let dir = fresh();
    edit_file(&dir.path().join(OFFSETS_FILE), |b| b[8 * 8 + 7] ^= 1);
    assert_eq!(
        problem(dir.path()),
        Problem::IndexMismatch {
            file: OFFSETS_FILE.into(),
            index: 8
        }
    );
}

#[test]
fn a_damaged_subtree_cache_is_reported_and_rebuilt_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), &[600]);
    let root = log.root().unwrap();
    drop(log);
    edit_file(&dir.path().join(SUBTREES_FILE), |b| b[40] ^= 1);
    assert_eq!(
        problem(dir.path()),
        Problem::IndexMismatch {
            file: SUBTREES_FILE.into(),
            index: 256
        }
    );
    fs::remove_file(dir.path().join(SUBTREES_FILE)).unwrap();
    let log = Log::open(dir.path()).unwrap();
    assert_eq!(log.root().unwrap(), root);
    assert!(verify(dir.path()).is_ok());
}

#[test]
fn tampering_with_an_export_bundle_is_detected() {
    let dir = fresh();
    let log = Log::open(dir.path()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = log_key().verifier();
    let bundle = out.path().join("b");
    log.export_bundle(&bundle, &key).unwrap();
    assert!(verify_bundle(&bundle, &key).unwrap().is_ok());
    let mut recs = records(&bundle);
    recs.swap(0, 1);
    write_records(&bundle, &recs);
    assert_eq!(
        verify_bundle(&bundle, &key).unwrap().problem,
        Some(Problem::ReorderedEntries {
            first: 0,
            second: 1
        })
    );
    fs::remove_file(bundle.join(LEAVES_FILE)).unwrap();
    // Without the leaf file the checkpoints still catch it.
    assert!(matches!(
        verify_bundle(&bundle, &key).unwrap().problem,
        Some(Problem::CheckpointMismatch {
            seq: 0,
            size: 5,
            intact_before: 0
        })
    ));
}
