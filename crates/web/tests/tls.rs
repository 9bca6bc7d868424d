//! HTTPS: the console served through `TlsListener` with the test certificate in
//! tests/fixtures/tls, reached by a real rustls client that trusts only the test CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use qinglian_app::warnings::Channels;
use qinglian_app::{Config, init_workspace};
use qinglian_web::tls::{TlsListener, server_config};
use qinglian_web::{ConsoleConfig, ConsoleState, serve_console};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, RootCertStore};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

fn client() -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(fixture("ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn https_get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<String> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = client().connect(name, tcp).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_answers_over_https_and_survives_a_plain_http_client() {
    let dir = tempfile::tempdir().unwrap();
    let ws = init_workspace(&dir.path().join("ws"), Config::default())
        .await
        .unwrap();
    let state = ConsoleState::new(ws, ConsoleConfig::default(), Channels::default());
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = server_config(&fixture("cert.pem"), &fixture("key.pem")).unwrap();
    let listener = TlsListener::new(tcp, config).unwrap();
    let addr = axum::serve::Listener::local_addr(&listener).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_console(listener, state, async {
        let _ = stopped.await;
    }));

    let answer = https_get(addr, "/healthz").await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok\n"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-security-policy:"),
        "{answer}"
    );

    // A browser speaking plain HTTP to the HTTPS port gets no page …
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let _ = plain.read_to_end(&mut got).await;
    assert!(
        !String::from_utf8_lossy(&got).contains("200 OK"),
        "plain HTTP must not be served: {got:?}"
    );
    // … and the server keeps serving HTTPS afterwards.
    let again = https_get(addr, "/sign-in").await.unwrap();
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused_by_the_client() {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let config = server_config(&fixture("cert.pem"), &fixture("key.pem")).unwrap();
    let _listener = TlsListener::new(tcp, config).unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("other.example").unwrap();
    let result = client().connect(name, tcp).await;
    assert!(
        result.is_err(),
        "the certificate is for localhost: another name must fail the handshake"
    );
}

#[test]
fn bad_certificate_and_key_files_get_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let err = server_config(&missing, &fixture("key.pem"))
        .expect_err("a missing certificate must be refused")
        .to_string();
    assert!(err.contains("missing.pem") && err.contains("证书"), "{err}");

    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let err = server_config(&garbage, &fixture("key.pem"))
        .expect_err("a file without a certificate must be refused")
        .to_string();
    assert!(err.contains("garbage.pem"), "{err}");

    // The CA's certificate with the leaf's key: they do not belong together.
    let err = server_config(&fixture("ca.pem"), &fixture("key.pem"))
        .expect_err("a key that does not match must be refused")
        .to_string();
    assert!(err.contains("key.pem") && err.contains("不匹配"), "{err}");

    // A certificate given where the key belongs.
    let err = server_config(&fixture("cert.pem"), &fixture("cert.pem"))
        .expect_err("a certificate is not a key")
        .to_string();
    assert!(err.contains("私钥"), "{err}");
}
