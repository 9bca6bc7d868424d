//! Optional HTTPS for the console: a certificate chain and private key in PEM files, served
//! with rustls (the `ring` provider, TLS 1.2 and 1.3), so a unit without a reverse proxy can
//! still keep passwords and session cookies off the wire.
//!
//! [`TlsListener`] is an [`axum::serve::Listener`]: it accepts TCP connections and runs each
//! handshake on its own task, so a client that connects and never speaks cannot hold up the
//! others; failed handshakes (a plain-HTTP request to the HTTPS port, a client that does not
//! trust the certificate) are logged without the peer's address and dropped.
//!
//! It does not obtain or renew certificates (intranets use their own CA) and does not
//! redirect plain HTTP to HTTPS.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A handshake that has not finished in this time is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for the server to pick them up.
const BACKLOG: usize = 128;

/// Why the certificate or key could not be used; the message names the file.
#[derive(Debug)]
pub struct TlsSetupError(String);

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsSetupError {}

fn setup_error(file: &Path, zh: &str, en: &str, detail: impl fmt::Display) -> TlsSetupError {
    TlsSetupError(format!("{}: {zh} / {en}: {detail}", file.display()))
}

/// The server configuration from a PEM certificate chain (leaf first) and a PEM private key
/// (PKCS#8, PKCS#1 or SEC1).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsSetupError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| setup_error(cert, "无法读取证书", "cannot read the certificate", e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| setup_error(cert, "证书格式错误", "not a PEM certificate", e))?;
    if chain.is_empty() {
        return Err(setup_error(
            cert,
            "文件中没有证书",
            "no certificate in the file",
            "expected -----BEGIN CERTIFICATE-----",
        ));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| setup_error(key, "无法读取私钥", "cannot read the private key", e))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| setup_error(cert, "TLS 配置失败", "TLS setup failed", e))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map(Arc::new)
        .map_err(|e| {
            setup_error(
                key,
                "私钥与证书不匹配或不受支持",
                "the key does not match the certificate or is not supported",
                e,
            )
        })
}

/// Accepts TLS connections; hand it to [`crate::serve_console`].
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl TlsListener {
    /// Starts accepting on `listener`; handshakes run on the current Tokio runtime.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, ready) = mpsc::channel(BACKLOG);
        tokio::spawn(accept_loop(listener, acceptor, tx));
        Ok(Self { local, ready })
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(target: "qinglian::tls", error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if tx.is_closed() {
            return;
        }
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = tx.send((stream, peer)).await;
                }
                Ok(Err(e)) => {
                    tracing::debug!(target: "qinglian::tls", error = %e, "TLS handshake failed");
                }
                Err(_) => tracing::debug!(target: "qinglian::tls", "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop only ends when this receiver is gone, so this cannot happen
            // while we hold it; wait forever rather than return a broken stream.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
