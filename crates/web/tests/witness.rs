//! The tlog-witness endpoint over real HTTP on loopback (port 0), driven by the crate's own
//! client: status codes, content types, the 409 size body, and state saved before 200.

use std::path::{Path, PathBuf};

use qinglian_ledger::{KeyKind, Log, SignerKey, Witness, WitnessState, verify_cosignature};
use qinglian_web::{Submission, WebError, WitnessService, submit_to_witness};

const NOW: u64 = 1_700_000_000;

fn log_key() -> SignerKey {
    SignerKey::from_seed("example.org/log", KeyKind::Note, [7; 32]).unwrap()
}

fn witness(state_file: &Path) -> WitnessService {
    let signer = SignerKey::from_seed("example.org/witness", KeyKind::Cosigner, [9; 32]).unwrap();
    let mut w = Witness::new(signer, WitnessState::load(state_file).unwrap()).unwrap();
    w.add_log("example.org/log", log_key().verifier()).unwrap();
    WitnessService::new(w, state_file.to_owned()).with_clock(|| NOW)
}

fn grow(log: &mut Log, n: u64) {
    let start = log.size();
    let entries: Vec<Vec<u8>> = (start..start + n)
        .map(|i| format!("entry {i}").into_bytes())
        .collect();
    log.append_batch(&entries).unwrap();
    log.sign_checkpoint(&log_key()).unwrap();
}

/// Serves `service` on 127.0.0.1:0 in a background runtime; returns its URL.
fn spawn(service: WitnessService) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            qinglian_web::serve_witness(listener, service, std::future::pending())
                .await
                .unwrap();
        });
    });
    let addr = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the server starts");
    format!("http://{addr}")
}

fn post(url: &str, body: &str) -> Submission {
    submit_to_witness(url, body).unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    state_file: PathBuf,
    log: Log,
    url: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let mut log = Log::open(dir.path().join("log")).unwrap();
    grow(&mut log, 5);
    let url = spawn(witness(&state_file));
    Setup {
        _dir: dir,
        state_file,
        log,
        url,
    }
}

#[test]
fn cosigns_and_saves_its_state_before_answering() {
    let mut s = setup();
    let r = post(&s.url, &s.log.witness_request(0).unwrap());
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.content_type.starts_with("text/plain"),
        "{}",
        r.content_type
    );
    let latest = s.log.latest_checkpoint().unwrap().clone();
    let wkey = SignerKey::from_seed("example.org/witness", KeyKind::Cosigner, [9; 32])
        .unwrap()
        .verifier();
    assert_eq!(
        verify_cosignature(&latest.checkpoint.to_text(), &r.body, &wkey),
        Ok(NOW)
    );
    // The answer came after the state was on disk.
    let saved = WitnessState::load(&s.state_file).unwrap();
    assert_eq!(saved.logs["example.org/log"].size, 5);

    // The next checkpoint needs a consistency proof from 5; the full URL works too.
    grow(&mut s.log, 300);
    let r = post(
        &format!("{}/add-checkpoint", s.url),
        &s.log.witness_request(5).unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        WitnessState::load(&s.state_file).unwrap().logs["example.org/log"].size,
        305
    );
}

#[test]
fn a_stale_old_size_gets_409_with_the_latest_size() {
    let mut s = setup();
    assert_eq!(post(&s.url, &s.log.witness_request(0).unwrap()).status, 200);
    grow(&mut s.log, 3);
    let r = post(&s.url, &s.log.witness_request(0).unwrap());
    assert_eq!(r.status, 409);
    assert_eq!(r.content_type, "text/x.tlog.size");
    assert_eq!(r.body, "5\n");
    // A proof that does not link the trees: 422.
    let latest = s.log.latest_checkpoint().unwrap().note.clone();
    let bogus = qinglian_ledger::leaf_hash(b"nonsense");
    let r = post(
        &s.url,
        &qinglian_ledger::add_checkpoint_body(5, &[bogus], &latest),
    );
    assert_eq!(r.status, 422, "{}", r.body);
}

#[test]
fn unknown_logs_forged_signatures_and_garbage_are_refused() {
    let s = setup();
    let stranger = SignerKey::from_seed("example.org/other", KeyKind::Note, [1; 32]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut other = Log::open(dir.path()).unwrap();
    other.append_batch(&[b"x"]).unwrap();
    other.sign_checkpoint(&stranger).unwrap();
    assert_eq!(post(&s.url, &other.witness_request(0).unwrap()).status, 404);

    // Right origin, wrong key.
    let impostor = SignerKey::from_seed("example.org/log", KeyKind::Note, [2; 32]).unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let mut forged = Log::open(dir2.path()).unwrap();
    forged.append_batch(&[b"x"]).unwrap();
    forged.sign_checkpoint(&impostor).unwrap();
    assert_eq!(
        post(&s.url, &forged.witness_request(0).unwrap()).status,
        403
    );

    let r = post(&s.url, "hello\n");
    assert_eq!(r.status, 400);
    assert!(r.content_type.starts_with("text/plain"));
    assert!(
        !s.state_file.exists(),
        "nothing was cosigned, nothing saved"
    );
}

#[test]
fn a_state_that_cannot_be_saved_gets_500_and_no_cosignature() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("missing-folder/state.json");
    let url = spawn(witness(&state_file));
    let mut log = Log::open(dir.path().join("log")).unwrap();
    grow(&mut log, 2);
    let r = post(&url, &log.witness_request(0).unwrap());
    assert_eq!(r.status, 500);
    assert!(!r.body.contains("— example.org/witness"), "{}", r.body);
    // The service stays down rather than answer from an unsaved state.
    assert_eq!(post(&url, &log.witness_request(2).unwrap()).status, 500);
}

#[test]
fn only_post_and_only_http_urls() {
    let s = setup();
    let agent = ureq_get(&format!("{}/add-checkpoint", s.url));
    assert_eq!(agent, 405);
    assert!(matches!(
        submit_to_witness("https://example.org", "x"),
        Err(WebError::BadUrl(_))
    ));
    assert!(matches!(
        submit_to_witness("http://127.0.0.1:1", "x"),
        Err(WebError::Unreachable { .. })
    ));
}

fn ureq_get(url: &str) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent.get(url).call().unwrap().status().as_u16()
}
