//! tlog-witness add-checkpoint logic and tlog-cosignature/v1, with two independent logs.

use qinglian_ledger::checkpoint::Checkpoint;
use qinglian_ledger::witness::WitnessState;
use qinglian_ledger::{
    KeyKind, Log, SignerKey, Witness, WitnessError, add_checkpoint_body, verify_cosignature,
    verify_note,
};

use crate::common::{build_log, entry, log_key, witness_key};

const NOW: u64 = 1_700_000_000;

fn witness_for(logs: &[&SignerKey]) -> Witness {
    let mut w = Witness::new(witness_key(1), WitnessState::default()).unwrap();
    for k in logs {
        w.add_log(k.name(), k.verifier()).unwrap();
    }
    w
}

fn append(log: &mut Log, n: u64) {
    let start = log.size();
    let batch: Vec<Vec<u8>> = (start..start + n).map(entry).collect();
    log.append_batch(&batch).unwrap();
    log.sign_checkpoint(&log_key()).unwrap();
}

#[test]
fn cosigns_a_growing_log_and_the_log_keeps_the_cosignatures() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build_log(dir.path(), &[5]);
    let key = log_key();
    let mut w = witness_for(&[&key]);
    let wkey = w.verifier();

    let resp = w
        .add_checkpoint(&log.witness_request(0).unwrap(), NOW)
        .unwrap();
    let latest = log.latest_checkpoint().unwrap().clone();
    assert_eq!(
        verify_cosignature(&latest.checkpoint.to_text(), &resp, &wkey),
        Ok(NOW)
    );
    assert_eq!(log.add_cosignatures(&latest, &wkey, &resp).unwrap(), 1);

    append(&mut log, 300);
    let resp = w
        .add_checkpoint(&log.witness_request(5).unwrap(), NOW + 1)
        .unwrap();
    let latest = log.latest_checkpoint().unwrap().clone();
    log.add_cosignatures(&latest, &wkey, &resp).unwrap();
    let cosigned = log.cosigned_checkpoint().unwrap().unwrap();
    let v = verify_note(&cosigned, &[key.verifier(), wkey.clone()]).unwrap();
    assert_eq!(v.verified.len(), 2);
    assert_eq!(v.verified[1].timestamp, Some(NOW + 1));
    assert_eq!(w.state().logs[key.name()].size, 305);

    let state_file = dir.path().join("witness.json");
    w.state().save(&state_file).unwrap();
    assert_eq!(&WitnessState::load(&state_file).unwrap(), w.state());
    let report = log
        .verify(
            &key.verifier(),
            &qinglian_ledger::VerifyOptions {
                witnesses: vec![wkey],
                ..Default::default()
            },
        )
        .unwrap();
    assert!(report.is_ok(), "{:?}", report.problem);
    assert_eq!(report.cosignatures, 2);
}

#[test]
fn stale_old_size_gets_409_with_the_known_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build_log(dir.path(), &[4]);
    let mut w = witness_for(&[&log_key()]);
    w.add_checkpoint(&log.witness_request(0).unwrap(), NOW)
        .unwrap();
    append(&mut log, 3);
    let err = w
        .add_checkpoint(&log.witness_request(0).unwrap(), NOW)
        .unwrap_err();
    assert_eq!(err, WitnessError::SizeConflict { latest: 4 });
    assert_eq!(
        (err.status(), err.body().as_str(), err.content_type()),
        (409, "4\n", "text/x.tlog.size")
    );
    assert!(
        w.add_checkpoint(&log.witness_request(4).unwrap(), NOW)
            .is_ok()
    );
}

#[test]
fn a_bad_consistency_proof_gets_422_and_a_fork_is_refused() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let honest = build_log(a.path(), &[6]);
    let mut w = witness_for(&[&log_key()]);
    w.add_checkpoint(&honest.witness_request(0).unwrap(), NOW)
        .unwrap();

    // Same key, different history: a split view the witness must not cosign.
    let mut forked = Log::open(b.path()).unwrap();
    forked
        .append_batch(
            &(0..6)
                .map(|i| format!("other {i}").into_bytes())
                .collect::<Vec<_>>(),
        )
        .unwrap();
    forked.sign_checkpoint(&log_key()).unwrap();
    let same_size = w
        .add_checkpoint(&forked.witness_request(6).unwrap(), NOW)
        .unwrap_err();
    assert_eq!(
        (same_size.status(), same_size),
        (409, WitnessError::RootConflict { size: 6 })
    );
    append(&mut forked, 4);
    let err = w
        .add_checkpoint(&forked.witness_request(6).unwrap(), NOW)
        .unwrap_err();
    assert_eq!(err.status(), 422, "{err}");

    // Garbage proof lines for the honest log are 422 too.
    let mut honest = honest;
    append(&mut honest, 2);
    let note = honest.latest_checkpoint().unwrap().note.clone();
    let fake = add_checkpoint_body(6, &[qinglian_ledger::leaf_hash(b"x")], &note);
    assert_eq!(w.add_checkpoint(&fake, NOW).unwrap_err().status(), 422);
    assert_eq!(
        w.state().logs[log_key().name()].size,
        6,
        "state unchanged by refusals"
    );
}

#[test]
fn unknown_logs_bad_signatures_and_bad_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), &[2]);
    let note = log.latest_checkpoint().unwrap().note.clone();

    let mut stranger = Witness::new(witness_key(2), WitnessState::default()).unwrap();
    let other = SignerKey::from_seed("someone.else/log", KeyKind::Note, [5; 32]).unwrap();
    stranger.add_log(other.name(), other.verifier()).unwrap();
    assert_eq!(
        stranger
            .add_checkpoint(&add_checkpoint_body(0, &[], &note), NOW)
            .unwrap_err()
            .status(),
        404
    );

    // Right origin, wrong key: no trusted signature verifies.
    let impostor = SignerKey::from_seed(log_key().name(), KeyKind::Note, [6; 32]).unwrap();
    let mut w = Witness::new(witness_key(3), WitnessState::default()).unwrap();
    w.add_log(log_key().name(), impostor.verifier()).unwrap();
    assert_eq!(
        w.add_checkpoint(&add_checkpoint_body(0, &[], &note), NOW)
            .unwrap_err()
            .status(),
        403
    );

    let mut w = witness_for(&[&log_key()]);
    let forged = note.replacen("\n2\n", "\n3\n", 1);
    assert_eq!(
        w.add_checkpoint(&add_checkpoint_body(0, &[], &forged), NOW)
            .unwrap_err()
            .status(),
        403
    );
    for body in [
        String::new(),
        format!("old 01\n\n{note}"),
        format!("old x\n\n{note}"),
        format!("new 0\n\n{note}"),
        format!("old 0\nnot-base64\n\n{note}"),
        format!("old 0\n{note}"),
        format!("old 3\n\n{note}"),
        "old 0\n\nnot a note\n".to_string(),
    ] {
        let err = w.add_checkpoint(&body, NOW).unwrap_err();
        assert_eq!(err.status(), 400, "{body:?}: {err}");
    }
    let too_many = add_checkpoint_body(1, &vec![qinglian_ledger::leaf_hash(b"x"); 64], &note);
    assert_eq!(w.add_checkpoint(&too_many, NOW).unwrap_err().status(), 400);
    let nonempty_from_zero = add_checkpoint_body(0, &[qinglian_ledger::leaf_hash(b"x")], &note);
    assert_eq!(
        w.add_checkpoint(&nonempty_from_zero, NOW)
            .unwrap_err()
            .status(),
        422
    );
    assert!(
        w.add_checkpoint(&add_checkpoint_body(0, &[], &note), NOW)
            .is_ok()
    );
    // Same checkpoint again: old = size, same root, empty proof: cosigned again.
    assert!(
        w.add_checkpoint(&add_checkpoint_body(2, &[], &note), NOW)
            .is_ok()
    );
}

#[test]
fn witness_state_is_a_remembered_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), &[3]);
    let mut w = witness_for(&[&log_key()]);
    w.add_checkpoint(&log.witness_request(0).unwrap(), NOW)
        .unwrap();
    let remembered: Checkpoint = w.state().checkpoint(log_key().name()).unwrap();
    assert_eq!(remembered, log.latest_checkpoint().unwrap().checkpoint);
}
