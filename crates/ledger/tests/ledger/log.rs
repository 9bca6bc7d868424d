//! The durable log: appends, reads, proofs, checkpoints, receipts, bundles.

use std::fs;

use qinglian_ledger::log::{ENTRIES_FILE, LEAVES_FILE};
use qinglian_ledger::record::{HEADER_LEN, record_len};
use qinglian_ledger::{
    Checkpoint, Error, KeyKind, Log, SignerKey, VerifyOptions, leaf_hash, verify_bundle,
    verify_consistency, verify_inclusion,
};

use crate::common::{build_log, entry, log_key};

#[test]
fn appended_entries_read_back_and_prove_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), &[1, 255, 1, 300, 7]);
    let (size, root) = (log.size(), log.root().unwrap());
    drop(log);
    let log = Log::open(dir.path()).unwrap();
    assert_eq!((log.size(), log.root().unwrap()), (size, root));
    for i in [0, 1, 255, 256, 257, 511, 512, size - 1] {
        assert_eq!(log.entry(i).unwrap(), entry(i));
        assert_eq!(log.leaf_hash(i).unwrap(), leaf_hash(&entry(i)));
        let proof = log.inclusion_proof(i, size).unwrap();
        verify_inclusion(i, size, &leaf_hash(&entry(i)), &proof, &root).unwrap();
    }
    for old in [1, 256, 257, 300, size] {
        let proof = log.consistency_proof(old, size).unwrap();
        verify_consistency(old, size, &log.root_at(old).unwrap(), &root, &proof).unwrap();
    }
    assert!(matches!(log.entry(size), Err(Error::OutOfRange(_))));
}

#[test]
fn empty_batches_and_oversized_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(dir.path()).unwrap();
    assert_eq!(log.append_batch::<Vec<u8>>(&[]).unwrap(), 0..0);
    assert_eq!(log.root().unwrap(), qinglian_ledger::empty_root());
    let big = vec![0u8; qinglian_ledger::record::MAX_ENTRY_LEN + 1];
    assert!(matches!(
        log.append_batch(&[big]),
        Err(Error::EntryTooLarge { .. })
    ));
    assert_eq!(
        log.append_batch(&[b"a".to_vec(), b"b".to_vec()]).unwrap(),
        0..2
    );
}

#[test]
fn reading_an_entry_checks_it() {
    let dir = tempfile::tempdir().unwrap();
    drop(build_log(dir.path(), &[3]));
    let path = dir.path().join(ENTRIES_FILE);
    let mut bytes = fs::read(&path).unwrap();
    bytes[HEADER_LEN as usize + 5] ^= 1;
    fs::write(&path, bytes).unwrap();
    let log = Log::open(dir.path()).unwrap();
    assert!(matches!(log.entry(0), Err(Error::Corrupt { .. })));
    assert_eq!(log.entry(1).unwrap(), entry(1));
}

#[test]
fn signing_is_idempotent_and_checkpoints_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build_log(dir.path(), &[4, 4]);
    let key = log_key();
    let a = log.sign_checkpoint(&key).unwrap();
    let b = log.sign_checkpoint(&key).unwrap();
    assert_eq!(a, b);
    assert_eq!(log.checkpoints().unwrap().len(), 2);
    let c = Checkpoint::from_signed_note(&a.note, &key.verifier()).unwrap();
    assert_eq!(
        (c.size, c.root, c.origin.as_str()),
        (8, log.root().unwrap(), key.name())
    );
}

/// Rewrites entry `i` (same length) consistently in the entries and leaf files, as someone
/// with file access but without the key could.
fn rewrite_entry_consistently(dir: &std::path::Path, i: u64, new: &[u8]) {
    let path = dir.join(ENTRIES_FILE);
    let mut bytes = fs::read(&path).unwrap();
    let off = HEADER_LEN + (0..i).map(|k| record_len(entry(k).len())).sum::<u64>();
    let off = off as usize;
    assert_eq!(new.len(), entry(i).len());
    bytes[off + 5..off + 5 + new.len()].copy_from_slice(new);
    let leaf = leaf_hash(new);
    bytes[off + 5 + new.len()..off + 5 + new.len() + 32].copy_from_slice(leaf.as_bytes());
    fs::write(&path, bytes).unwrap();
    let lpath = dir.join(LEAVES_FILE);
    let mut leaves = fs::read(&lpath).unwrap();
    leaves[i as usize * 32..i as usize * 32 + 32].copy_from_slice(leaf.as_bytes());
    fs::write(&lpath, leaves).unwrap();
}

#[test]
fn refuses_to_sign_a_tree_inconsistent_with_the_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    drop(build_log(dir.path(), &[10]));
    let mut forged = entry(3);
    forged[0] = b'E';
    rewrite_entry_consistently(dir.path(), 3, &forged);
    let mut log = Log::open(dir.path()).unwrap();
    log.append_batch(&[b"more".to_vec()]).unwrap();
    let err = log.sign_checkpoint(&log_key()).unwrap_err();
    assert!(
        matches!(&err, Error::RefuseToSign(m) if m.contains("not consistent")),
        "{err}"
    );
}

#[test]
fn refuses_to_sign_with_another_key_or_for_a_smaller_tree() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build_log(dir.path(), &[5]);
    let other = SignerKey::from_seed("ledger.example/qinglian", KeyKind::Note, [99; 32]).unwrap();
    assert!(matches!(
        log.sign_checkpoint(&other),
        Err(Error::RefuseToSign(_))
    ));
    let witness = SignerKey::from_seed("w", KeyKind::Cosigner, [1; 32]).unwrap();
    assert!(log.sign_checkpoint(&witness).is_err());
    drop(log);
    // A log whose files were replaced by a smaller copy is not even opened for writing.
    let small = tempfile::tempdir().unwrap();
    drop(build_log(small.path(), &[3]));
    fs::copy(
        dir.path().join("checkpoints.jsonl"),
        small.path().join("checkpoints.jsonl"),
    )
    .unwrap();
    assert!(matches!(
        Log::open(small.path()),
        Err(Error::BehindCheckpoint {
            entries: 3,
            checkpoint: 5
        })
    ));
}

#[test]
fn receipts_verify_offline() {
    let dir = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), &[20]);
    let key = log_key().verifier();
    let r = log.receipt(7).unwrap();
    let json = serde_json::to_string(&r).unwrap();
    let r: qinglian_ledger::Receipt = serde_json::from_str(&json).unwrap();
    assert_eq!(r.verify(&key, Some(&entry(7))).unwrap().size, 20);
    assert!(r.verify(&key, Some(b"something else")).is_err());
    let mut wrong = r.clone();
    wrong.index = 8;
    assert!(wrong.verify(&key, None).is_err());
    assert!(log.receipt(20).is_err());
}

#[test]
fn export_bundle_verifies_with_the_key_alone() {
    let dir = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), &[3, 300, 2]);
    let key = log_key().verifier();
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("bundle");
    log.export_bundle(&bundle, &key).unwrap();
    let report = verify_bundle(&bundle, &key).unwrap();
    assert!(report.is_ok(), "{:?}", report.problem);
    assert_eq!((report.entries, report.checkpoints), (305, 3));
    assert_eq!(report.root, log.root().unwrap());
    assert_eq!(
        fs::read_to_string(bundle.join("verifier.key"))
            .unwrap()
            .trim(),
        key.to_string()
    );
    assert!(
        log.export_bundle(&bundle, &key).is_err(),
        "export refuses a non-empty directory"
    );
    let stranger = SignerKey::from_seed("ledger.example/qinglian", KeyKind::Note, [98; 32])
        .unwrap()
        .verifier();
    assert!(!verify_bundle(&bundle, &stranger).unwrap().is_ok());
    assert!(
        log.export_bundle(&out.path().join("b2"), &stranger)
            .is_err()
    );
    let live = log.verify(&key, &VerifyOptions::default()).unwrap();
    assert!(live.is_ok(), "{:?}", live.problem);
}

#[test]
fn one_writer_many_readers() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = build_log(dir.path(), &[300]);
    assert!(matches!(Log::open(dir.path()), Err(Error::Locked { .. })));
    let reader = Log::open_read_only(dir.path()).unwrap();
    assert_eq!(
        (reader.size(), reader.root().unwrap()),
        (300, writer.root().unwrap())
    );
    assert_eq!(reader.entry(299).unwrap(), entry(299));
    assert_eq!(reader.latest_checkpoint(), writer.latest_checkpoint());
    writer.append_batch(&[b"later".to_vec()]).unwrap();
    assert_eq!(reader.size(), 300, "a reader sees the state it opened");
    let mut reader = reader;
    assert!(matches!(
        reader.append_batch(&[b"x".to_vec()]),
        Err(Error::ReadOnly)
    ));
    assert!(matches!(
        reader.sign_checkpoint(&log_key()),
        Err(Error::ReadOnly)
    ));
    drop(writer);
    assert_eq!(Log::open(dir.path()).unwrap().size(), 301);
}

#[test]
fn a_read_only_open_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(build_log(dir.path(), &[10]));
    let path = dir.path().join(ENTRIES_FILE);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(b"\x00\x00\x00\x09\x01torn");
    fs::write(&path, &bytes).unwrap();
    fs::remove_file(dir.path().join("subtrees.bin")).unwrap();
    fs::write(dir.path().join("subtrees.bin"), b"").unwrap();
    let reader = Log::open_read_only(dir.path()).unwrap();
    assert_eq!(reader.size(), 10);
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert!(Log::open_read_only(dir.path().join("missing")).is_err());
}
