//! Crash simulation: the files as a crash at any byte of an append could leave them, reopened.
//!
//! `append_batch` writes entries → subtrees → leaves → offsets, syncing each, so a crash
//! leaves every file either at its old length, somewhere inside the new batch, or complete,
//! with each later file never ahead of an earlier one. Each case below is such a state.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use qinglian_ledger::log::{
    CHECKPOINTS_FILE, ENTRIES_FILE, LEAVES_FILE, OFFSETS_FILE, SUBTREES_FILE,
};
use qinglian_ledger::{Error, Hash, Log, VerifyOptions};

use crate::common::{entry, log_key};

const FILES: [&str; 5] = [
    ENTRIES_FILE,
    SUBTREES_FILE,
    LEAVES_FILE,
    OFFSETS_FILE,
    CHECKPOINTS_FILE,
];

type Snapshot = BTreeMap<&'static str, Vec<u8>>;

fn snapshot(dir: &Path) -> Snapshot {
    FILES
        .iter()
        .map(|f| (*f, fs::read(dir.join(f)).unwrap_or_default()))
        .collect()
}

fn restore(dir: &Path, files: &Snapshot) {
    fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes).unwrap();
    }
}

/// (state before the last batch, state after it, root and size before) for a log whose last
/// batch is `last` entries appended after 300 entries (so a 256-leaf block is complete).
fn before_and_after(last: u64) -> (Snapshot, Snapshot, Hash, u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(dir.path()).unwrap();
    for b in 0..3u64 {
        let batch: Vec<Vec<u8>> = (b * 100..b * 100 + 100).map(entry).collect();
        log.append_batch(&batch).unwrap();
    }
    log.sign_checkpoint(&log_key()).unwrap();
    let (root, size) = (log.root().unwrap(), log.size());
    let before = snapshot(dir.path());
    let batch: Vec<Vec<u8>> = (300..300 + last)
        .map(|i| format!("last batch entry {i}, forty bytes long....").into_bytes())
        .collect();
    log.append_batch(&batch).unwrap();
    (before, snapshot(dir.path()), root, size)
}

/// Reopens a crash state and checks it is exactly the earlier acknowledged state, still
/// appendable and verifiable.
fn assert_recovers_to(state: &Snapshot, root: Hash, size: u64, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    restore(dir.path(), state);
    let mut log = Log::open(dir.path()).unwrap_or_else(|e| panic!("{what}: reopen failed: {e}"));
    assert_eq!((log.size(), log.root().unwrap()), (size, root), "{what}");
    log.append_batch(&[b"after recovery".to_vec()]).unwrap();
    log.sign_checkpoint(&log_key()).unwrap();
    let report = log
        .verify(&log_key().verifier(), &VerifyOptions::default())
        .unwrap();
    assert!(report.is_ok(), "{what}: {:?}", report.problem);
}

/// `after` with `file` cut to `len` bytes and the files written later at their `before` state.
fn crash_state(before: &Snapshot, after: &Snapshot, file: &str, len: usize) -> Snapshot {
    let order = [ENTRIES_FILE, SUBTREES_FILE, LEAVES_FILE, OFFSETS_FILE];
    let pos = order.iter().position(|f| *f == file).unwrap();
    let mut s = before.clone();
    for f in &order[..pos] {
        s.insert(f, after[f].clone());
    }
    let name = order[pos];
    s.insert(name, after[name][..len].to_vec());
    s
}

#[test]
fn crash_at_every_byte_of_the_last_record_recovers_the_previous_state() {
    let (before, after, root, size) = before_and_after(1);
    let (old, new) = (before[ENTRIES_FILE].len(), after[ENTRIES_FILE].len());
    assert!(new - old > 40);
    for cut in old..new {
        let state = crash_state(&before, &after, ENTRIES_FILE, cut);
        assert_recovers_to(&state, root, size, &format!("entries cut at byte {cut}"));
    }
    for file in [LEAVES_FILE, OFFSETS_FILE] {
        for cut in before[file].len()..after[file].len() {
            let state = crash_state(&before, &after, file, cut);
            assert_recovers_to(&state, root, size, &format!("{file} cut at byte {cut}"));
        }
    }
}

#[test]
fn a_batch_is_all_or_nothing() {
    let (before, after, root, size) = before_and_after(300);
    let (old, new) = (before[ENTRIES_FILE].len(), after[ENTRIES_FILE].len());
    for cut in (old..new).step_by(97) {
        assert_recovers_to(
            &crash_state(&before, &after, ENTRIES_FILE, cut),
            root,
            size,
            &format!("entries cut at {cut}"),
        );
    }
    for file in [SUBTREES_FILE, LEAVES_FILE, OFFSETS_FILE] {
        for cut in (before[file].len()..after[file].len()).step_by(61) {
            let state = crash_state(&before, &after, file, cut);
            assert_recovers_to(&state, root, size, &format!("{file} cut at {cut}"));
        }
    }
}

#[test]
fn unsynced_index_tails_full_of_zeros_are_discarded() {
    let (before, after, root, size) = before_and_after(5);
    for file in [LEAVES_FILE, OFFSETS_FILE] {
        let mut state = crash_state(&before, &after, file, before[file].len());
        let grown = after[file].len() - before[file].len();
        state.get_mut(file).unwrap().extend(vec![0u8; grown]);
        if file == OFFSETS_FILE {
            state.insert(LEAVES_FILE, after[LEAVES_FILE].clone());
        }
        assert_recovers_to(&state, root, size, &format!("{file} tail zeroed"));
    }
}

#[test]
fn a_completely_written_batch_survives_even_unacknowledged() {
    let (_, after, _, size) = before_and_after(7);
    let dir = tempfile::tempdir().unwrap();
    restore(dir.path(), &after);
    assert_eq!(Log::open(dir.path()).unwrap().size(), size + 7);
}

#[test]
fn losing_signed_entries_is_refused_not_repaired() {
    let (before, _, _, _) = before_and_after(1);
    let mut state = before.clone();
    let entries = state.get_mut(ENTRIES_FILE).unwrap();
    entries.truncate(entries.len() - 3);
    let dir = tempfile::tempdir().unwrap();
    restore(dir.path(), &state);
    let err = Log::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, Error::Corrupt { .. } | Error::BehindCheckpoint { .. }),
        "{err}"
    );
    assert_eq!(
        snapshot(dir.path()),
        state,
        "nothing may be changed when refusing"
    );
}

#[test]
fn a_torn_checkpoint_line_is_dropped() {
    let (before, _, root, size) = before_and_after(1);
    let mut state = before.clone();
    state
        .get_mut(CHECKPOINTS_FILE)
        .unwrap()
        .extend_from_slice(b"{\"note\":\"half a line");
    let dir = tempfile::tempdir().unwrap();
    restore(dir.path(), &state);
    let log = Log::open(dir.path()).unwrap();
    assert_eq!((log.size(), log.root().unwrap()), (size, root));
    assert_eq!(
        fs::read(dir.path().join(CHECKPOINTS_FILE)).unwrap(),
        before[CHECKPOINTS_FILE]
    );
}
