//! TLS clients that trust the hamms test CA: rustls configurations (ring), a reqwest client on
//! one, and a bare handshake for pinning the exact rustls error.

use std::error::Error as StdError;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hamms_test::ClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::version::{TLS12, TLS13};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Both versions a modern client offers.
pub const ANY_VERSION: &[&SupportedProtocolVersion] = &[&TLS13, &TLS12];
/// Only TLS 1.2.
pub const ONLY_TLS12: &[&SupportedProtocolVersion] = &[&TLS12];
/// Only TLS 1.3.
pub const ONLY_TLS13: &[&SupportedProtocolVersion] = &[&TLS13];

/// A rustls client configuration that trusts `ca_pem`, offers `versions`, and presents
/// `identity` when a server asks for a certificate.
pub fn tls_config(
    ca_pem: &str,
    versions: &[&'static SupportedProtocolVersion],
    identity: Option<&ClientCert>,
) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("the CA is PEM"))
        .expect("the CA is a valid trust anchor");
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .expect("ring supports TLS 1.2 and 1.3")
            .with_root_certificates(roots);
    let mut config = match identity {
        Some(identity) => {
            let certs = CertificateDer::pem_slice_iter(identity.cert_pem().as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("the client certificate is PEM");
            let key = PrivateKeyDer::from_pem_slice(identity.key_pem().as_bytes())
                .expect("the client key is PEM");
            builder
                .with_client_auth_cert(certs, key)
                .expect("a valid client identity")
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// [`tls_config`] for a client that speaks only HTTP/2: ALPN offers `h2` alone, every
/// version, no client certificate.
pub fn h2_tls_config(ca_pem: &str) -> ClientConfig {
    let mut config = tls_config(ca_pem, ANY_VERSION, None);
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// A reqwest client on `config`, without proxies from the environment.
pub fn tls_client(config: ClientConfig, timeout: Option<Duration>) -> reqwest::Client {
    let mut builder = crate::client_builder().use_preconfigured_tls(config);
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().expect("build a reqwest client")
}

/// A TLS handshake with the server at `addr`, for `server_name`, and nothing more.
pub async fn handshake(
    addr: SocketAddr,
    config: ClientConfig,
    server_name: &str,
) -> io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(server_name.to_owned()).expect("a valid server name");
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// The rustls error somewhere in `error`'s source chain, if any. An `io::Error` wrapping another
/// error (as tokio-rustls and hyper report TLS failures, sometimes twice over) does not list it
/// as its source, so wrapped errors are followed too.
pub fn rustls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        current = match e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(wrapped) => Some(wrapped as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}
