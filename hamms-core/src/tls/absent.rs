//! Without the `tls` feature: no certificate authority and no handshake. A server asked for TLS
//! refuses to start, naming the feature (`ServerBuilder::start`); a TLS mode put in force later
//! ends each connection with that reason, in the history.

use std::sync::Arc;

use super::Profile;
use crate::Error;

/// Why there is no TLS, and the fix.
pub(crate) const MISSING: &str = "this build of hamms has no TLS: it needs the `tls` feature \
    (hamms-test's, on by default: remove `default-features = false` from its line in Cargo.toml, \
    or add `features = [\"tls\"]`)";

/// The place of the certificate authority in a server's state, empty.
#[derive(Debug)]
pub(crate) struct TestCa;

/// A TLS server configuration: there is none to make.
pub(crate) enum ServerConfig {}

impl TestCa {
    pub(crate) fn for_process() -> Arc<TestCa> {
        Arc::new(TestCa)
    }

    pub(crate) fn server_config(&self, _: Profile) -> Result<Arc<ServerConfig>, Error> {
        Err(Error::Tls(MISSING.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use crate::{Behavior, ConnectionEnd, FaultServer};

    #[test]
    fn a_server_asked_for_tls_refuses_to_start_naming_the_feature() {
        let loopback = "127.0.0.1:0".parse().expect("an address");
        for builder in [
            FaultServer::builder("tls_ok"),
            FaultServer::builder("tls_expired"),
            FaultServer::fixture().tls(),
            FaultServer::fixture().also_tls_on(loopback),
        ] {
            let error = builder.start().expect_err("no TLS in this build");
            assert!(error.to_string().contains("`tls` feature"), "{error}");
        }
    }

    #[test]
    fn everything_else_serves_and_a_tls_mode_set_later_ends_each_connection_naming_the_feature() {
        let server = FaultServer::fixture()
            .start()
            .expect("a fixture needs no TLS");
        let mut client = TcpStream::connect(server.addr()).expect("connect");
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a timeout");
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut answer = String::new();
        client.read_to_string(&mut answer).expect("the answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

        server.set_behavior(Behavior::mode("tls_ok").expect("a mode"));
        let mut client = TcpStream::connect(server.addr()).expect("connect");
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a timeout");
        client.write_all(b"\x16\x03\x01").expect("send");
        // Closed (reset, as the server leaves the client's bytes unread), with nothing sent.
        let mut rest = Vec::new();
        if let Err(e) = client.read_to_end(&mut rest) {
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
        }
        assert!(rest.is_empty(), "{rest:?}");
        let history = server.history();
        let end = history.connections().last().and_then(|c| c.end.clone());
        assert!(
            matches!(&end, Some(ConnectionEnd::Failed(reason)) if reason.contains("`tls` feature")),
            "{end:?}"
        );
    }
}
