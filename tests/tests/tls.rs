//! The TLS block (offsets 40–50), the test CA, and TLS for any HTTP mode. Each mode fails for
//! exactly its named reason: pinned by the rustls error of a bare handshake, by reqwest's error
//! chain, and by curl's exit code.

use std::time::Duration;

use hamms_integration_tests::{
    ANY_VERSION, End, ONLY_TLS12, ONLY_TLS13, Raw, chain, curl, eventually, get, handshake,
    rustls_error, temp_file, tls_client, tls_config,
};
use hamms_test::{ConnectionEnd, FaultServer, TestCa};
use rustls::{AlertDescription, CertificateError, ProtocolVersion};
use serde_json::Value;

const PATIENCE: Duration = Duration::from_secs(5);

fn start(mode: &str) -> FaultServer {
    FaultServer::start(mode).expect("start the server")
}

/// A reqwest client that trusts the server's CA, offers every version, presents no certificate.
fn trusting(server: &FaultServer) -> reqwest::Client {
    tls_client(tls_config(server.ca_pem(), ANY_VERSION, None), None)
}

/// The certificate error of a bare rustls handshake with `server`, as 127.0.0.1.
async fn certificate_error(server: &FaultServer) -> CertificateError {
    let config = tls_config(server.ca_pem(), ANY_VERSION, None);
    let err = handshake(server.addr(), config, "127.0.0.1")
        .await
        .expect_err("the handshake must fail");
    match rustls_error(&err) {
        Some(rustls::Error::InvalidCertificate(e)) => e.clone(),
        other => panic!("not a certificate error: {other:?} ({err})"),
    }
}

/// curl's outcome for `server`, trusting its CA, with `extra` arguments.
fn curl_trusting(server: &FaultServer, extra: &[&str]) -> hamms_integration_tests::CurlOutcome {
    let ca = temp_file(server.ca_pem());
    let ca_path = ca.path().to_str().unwrap().to_owned();
    let url = server.url("/");
    let mut args = vec!["--max-time", "10", "--cacert", &ca_path];
    args.extend_from_slice(extra);
    args.push(&url);
    curl(&args)
}

/// Waits until the server recorded how its first connection ended.
fn first_connection_end(server: &FaultServer) -> ConnectionEnd {
    eventually(PATIENCE, "the connection's end is recorded", || {
        server
            .history()
            .connections()
            .first()
            .is_some_and(|c| c.end.is_some())
    });
    server.history().connections()[0].end.clone().unwrap()
}

mod test_ca {
    use super::*;

    #[test]
    fn every_in_process_server_shares_the_process_ca_in_pem_and_der() {
        let a = start("tls_ok");
        let b = start("tls_expired");
        assert_eq!(a.ca_pem(), b.ca_pem());
        assert_eq!(a.ca_pem(), TestCa::for_process().pem());
        assert!(a.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(a.ca_der()[0], 0x30, "DER starts with a SEQUENCE");
        assert!(a.url("/x").starts_with("https://127.0.0.1:"));
    }

    #[tokio::test]
    async fn leaves_are_valid_for_127_0_0_1_localhost_and_ipv6_loopback() {
        let v4 = start("tls_ok");
        let client = trusting(&v4);
        for url in [v4.url("/"), format!("https://localhost:{}/", v4.port())] {
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url}");
        }
        let v6 = FaultServer::builder("tls_ok")
            .bind("[::1]:0".parse().unwrap())
            .start()
            .unwrap();
        let response = client.get(v6.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", v6.url("/"));
    }
}

mod tls_ok {
    use super::*;

    #[tokio::test]
    async fn raw_handshake_succeeds_and_the_history_records_the_session() {
        let server = start("tls_ok");
        let config = tls_config(server.ca_pem(), ANY_VERSION, None);
        let stream = handshake(server.addr(), config, "localhost").await.unwrap();
        assert_eq!(
            stream.get_ref().1.protocol_version(),
            Some(ProtocolVersion::TLSv1_3)
        );
        eventually(PATIENCE, "the session is recorded", || {
            server.history().connections()[0].tls.is_some()
        });
        let tls = server.history().connections()[0].tls.clone().unwrap();
        assert_eq!(tls.version, "TLSv1.3");
        assert_eq!(tls.server_name.as_deref(), Some("localhost"));
        assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    }

    #[tokio::test]
    async fn reqwest_trusting_the_ca_gets_a_200_describing_the_session() {
        let server = start("tls_ok");
        let response = trusting(&server).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["tls"]["version"], "TLSv1.3");
        assert_eq!(body["tls"]["client_certificate"], false);
        let history = server.history();
        assert_eq!(history.last().unwrap().request.path, "/");
        assert!(
            history.connections()[0]
                .received
                .starts_with(b"GET / HTTP/1.1\r\n")
        );
    }

    #[test]
    fn curl_trusting_the_ca_succeeds() {
        let server = start("tls_ok");
        let outcome = curl_trusting(&server, &[]);
        assert_eq!(outcome.code, 0, "{outcome:?}");
        assert!(
            outcome.stdout.contains("\"version\":\"TLSv1.3\""),
            "{outcome:?}"
        );
    }
}

mod tls_handshake_timeout {
    use super::*;

    #[tokio::test]
    async fn raw_handshake_gets_no_answer_to_its_client_hello() {
        let server = start("tls_handshake_timeout");
        let config = tls_config(server.ca_pem(), ANY_VERSION, None);
        let attempt = tokio::time::timeout(
            Duration::from_millis(500),
            handshake(server.addr(), config, "127.0.0.1"),
        )
        .await;
        assert!(attempt.is_err(), "the handshake ended: {attempt:?}");
        eventually(PATIENCE, "the ClientHello is recorded", || {
            server.history().connections()[0].received.len() >= 2
        });
        let received = server.history().connections()[0].received.clone();
        assert_eq!(
            &received[..2],
            &[0x16, 0x03],
            "a TLS handshake record arrived"
        );
        assert!(server.history().connections()[0].sent.is_empty());
    }

    #[tokio::test]
    async fn reqwest_times_out() {
        let server = start("tls_handshake_timeout");
        let client = tls_client(
            tls_config(server.ca_pem(), ANY_VERSION, None),
            Some(Duration::from_millis(300)),
        );
        let err = client.get(server.url("/")).send().await.unwrap_err();
        assert!(err.is_timeout(), "{}", chain(&err));
    }

    #[test]
    fn curl_times_out() {
        let server = start("tls_handshake_timeout");
        let outcome = curl_trusting(&server, &["--max-time", "1"]);
        assert_eq!(outcome.code, 28, "{outcome:?}");
    }
}

/// The certificate modes: what rustls, reqwest and curl say, and what the server records.
mod certificates {
    use super::*;

    async fn assert_rejected(mode: &str, expected: impl Fn(&CertificateError) -> bool) {
        let server = start(mode);
        let error = certificate_error(&server).await;
        assert!(expected(&error), "{mode}: {error:?}");

        let err = trusting(&server)
            .get(server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{mode}: {}", chain(&err));
        assert!(
            matches!(rustls_error(&err), Some(rustls::Error::InvalidCertificate(e)) if expected(e)),
            "{mode}: {}",
            chain(&err)
        );

        let outcome = curl_trusting(&server, &[]);
        assert_eq!(outcome.code, 60, "{mode}: {outcome:?}");

        let end = first_connection_end(&server);
        assert!(
            matches!(&end, ConnectionEnd::TlsHandshakeFailed(reason) if reason.contains("alert")),
            "{mode}: the server records the client's alert: {end:?}"
        );
    }

    #[tokio::test]
    async fn tls_self_signed_fails_with_an_unknown_issuer() {
        assert_rejected("tls_self_signed", |e| {
            matches!(e, CertificateError::UnknownIssuer)
        })
        .await;
    }

    #[tokio::test]
    async fn tls_expired_fails_with_an_expiry_error() {
        assert_rejected("tls_expired", |e| {
            matches!(
                e,
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            )
        })
        .await;
    }

    #[tokio::test]
    async fn tls_not_yet_valid_fails_as_not_valid_yet() {
        assert_rejected("tls_not_yet_valid", |e| {
            matches!(
                e,
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. }
            )
        })
        .await;
    }

    #[tokio::test]
    async fn tls_wrong_host_fails_with_a_name_mismatch() {
        assert_rejected("tls_wrong_host", |e| {
            matches!(
                e,
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            )
        })
        .await;
    }

    #[tokio::test]
    async fn tls_untrusted_root_fails_with_an_unknown_issuer() {
        assert_rejected("tls_untrusted_root", |e| {
            matches!(e, CertificateError::UnknownIssuer)
        })
        .await;
    }

    #[test]
    fn curl_names_each_reason() {
        for (mode, words) in [
            ("tls_self_signed", "self"),
            ("tls_expired", "expired"),
            ("tls_not_yet_valid", "not yet valid"),
            ("tls_wrong_host", "subject name"),
            ("tls_untrusted_root", "local issuer"),
        ] {
            let outcome = curl_trusting(&start(mode), &[]);
            assert!(outcome.stderr.contains(words), "{mode}: {outcome:?}");
        }
    }
}

mod versions {
    use super::*;

    async fn negotiated(mode: &str) -> ProtocolVersion {
        let server = start(mode);
        let config = tls_config(server.ca_pem(), ANY_VERSION, None);
        let stream = handshake(server.addr(), config, "127.0.0.1").await.unwrap();
        stream.get_ref().1.protocol_version().unwrap()
    }

    async fn refused_alert(
        mode: &str,
        client_versions: &[&'static rustls::SupportedProtocolVersion],
    ) {
        let server = start(mode);
        let config = tls_config(server.ca_pem(), client_versions, None);
        let err = handshake(server.addr(), config, "127.0.0.1")
            .await
            .unwrap_err();
        assert!(
            matches!(
                rustls_error(&err),
                Some(rustls::Error::AlertReceived(
                    AlertDescription::ProtocolVersion
                )) | Some(rustls::Error::PeerIncompatible(_))
            ),
            "{mode}: {err}"
        );
        let client = tls_client(tls_config(server.ca_pem(), client_versions, None), None);
        let err = client.get(server.url("/")).send().await.unwrap_err();
        assert!(err.is_connect(), "{mode}: {}", chain(&err));
    }

    #[tokio::test]
    async fn tls12_only_negotiates_tls_1_2_and_fails_a_client_that_forbids_it() {
        assert_eq!(negotiated("tls12_only").await, ProtocolVersion::TLSv1_2);
        refused_alert("tls12_only", ONLY_TLS13).await;
        let server = start("tls12_only");
        let body: Value = trusting(&server)
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["tls"]["version"], "TLSv1.2");
        assert_eq!(curl_trusting(&server, &["--tlsv1.3"]).code, 35);
        assert_eq!(curl_trusting(&server, &[]).code, 0);
    }

    #[tokio::test]
    async fn tls13_only_negotiates_tls_1_3_and_fails_a_client_that_forbids_it() {
        assert_eq!(negotiated("tls13_only").await, ProtocolVersion::TLSv1_3);
        refused_alert("tls13_only", ONLY_TLS12).await;
        let server = start("tls13_only");
        assert_eq!(curl_trusting(&server, &["--tls-max", "1.2"]).code, 35);
        assert_eq!(curl_trusting(&server, &[]).code, 0);
    }
}

mod tls_client_cert_required {
    use super::*;

    #[tokio::test]
    async fn a_client_without_a_certificate_is_refused() {
        let server = start("tls_client_cert_required");
        let err = trusting(&server)
            .get(server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                rustls_error(&err),
                Some(rustls::Error::AlertReceived(
                    AlertDescription::CertificateRequired
                ))
            ),
            "{}",
            chain(&err)
        );
        let end = first_connection_end(&server);
        assert!(
            matches!(&end, ConnectionEnd::TlsHandshakeFailed(reason) if reason.contains("certificate")),
            "{end:?}"
        );
    }

    #[tokio::test]
    async fn a_client_with_a_certificate_from_the_test_ca_gets_through() {
        let server = start("tls_client_cert_required");
        let identity = server.ca().issue_client_cert("test-client").unwrap();
        let client = tls_client(
            tls_config(server.ca_pem(), ANY_VERSION, Some(&identity)),
            None,
        );
        let response = client.get(server.url("/")).send().await.unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["tls"]["client_certificate"], true);
        assert!(
            server.history().connections()[0]
                .tls
                .as_ref()
                .unwrap()
                .client_certificate
        );
    }

    #[test]
    fn curl_fails_without_a_certificate_and_succeeds_with_one() {
        let server = start("tls_client_cert_required");
        assert_eq!(
            curl_trusting(&server, &[]).code,
            56,
            "TLS 1.3 reports the alert on read"
        );
        let identity = temp_file(
            &server
                .ca()
                .issue_client_cert("curl")
                .unwrap()
                .identity_pem(),
        );
        let outcome = curl_trusting(&server, &["--cert", identity.path().to_str().unwrap()]);
        assert_eq!(outcome.code, 0, "{outcome:?}");
    }
}

mod tls_garbage_handshake {
    use super::*;

    #[tokio::test]
    async fn raw_handshake_gets_bytes_that_are_not_tls() {
        let server = start("tls_garbage_handshake");
        let config = tls_config(server.ca_pem(), ANY_VERSION, None);
        let err = handshake(server.addr(), config, "127.0.0.1")
            .await
            .unwrap_err();
        assert!(
            matches!(rustls_error(&err), Some(rustls::Error::InvalidMessage(_))),
            "{err}"
        );
        eventually(PATIENCE, "what was sent is recorded", || {
            server.history().connections()[0].sent == b"foo bar"
        });
    }

    #[tokio::test]
    async fn reqwest_reports_a_corrupt_message() {
        let server = start("tls_garbage_handshake");
        let err = trusting(&server)
            .get(server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(rustls_error(&err), Some(rustls::Error::InvalidMessage(_))),
            "{}",
            chain(&err)
        );
    }

    #[test]
    fn curl_reports_a_handshake_failure() {
        let outcome = curl_trusting(&start("tls_garbage_handshake"), &[]);
        assert_eq!(outcome.code, 35, "{outcome:?}");
    }
}

/// The `tls` parameter: any mode that speaks HTTP, over TLS.
mod tls_for_any_mode {
    use super::*;

    #[tokio::test]
    async fn http_modes_serve_their_faults_over_tls() {
        let drip = FaultServer::builder("slow_drip")
            .param("interval_ms", 1)
            .tls()
            .start()
            .unwrap();
        assert!(drip.url("/").starts_with("https://"));
        let response = trusting(&drip).get(drip.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 204);

        let status = FaultServer::builder("status")
            .param("tls", true)
            .start()
            .unwrap();
        let response = trusting(&status)
            .get(status.url("/?status=503"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(
            status.history().connections()[0]
                .tls
                .as_ref()
                .unwrap()
                .version,
            "TLSv1.3"
        );

        let fat = FaultServer::builder("fat_header").tls().start().unwrap();
        let response = trusting(&fat)
            .get(fat.url("/?size=100"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cookie"].len(), 100);
    }

    #[test]
    fn curl_over_tls_sees_the_same_fault_as_over_plain_http() {
        let server = FaultServer::builder("reset_by_peer").tls().start().unwrap();
        let outcome = curl_trusting(&server, &[]);
        assert_eq!(outcome.code, 56, "{outcome:?}");
    }

    #[test]
    fn a_plain_http_client_fails_the_handshake_and_the_server_records_why() {
        let server = FaultServer::builder("status").tls().start().unwrap();
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert!(
            matches!(received.end, End::Eof | End::Reset),
            "{received:?}"
        );
        let end = first_connection_end(&server);
        assert!(
            matches!(end, ConnectionEnd::TlsHandshakeFailed(_)),
            "{end:?}"
        );
        assert!(server.history().is_empty());
    }

    #[test]
    fn a_kept_plain_connection_is_closed_when_the_server_turns_to_tls() {
        let server = start("status");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        assert!(
            raw.read_response(PATIENCE)
                .head()
                .starts_with("HTTP/1.1 200 OK")
        );
        let _tls = server.scoped_behavior(hamms_test::Behavior::mode("tls_ok").unwrap());
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert_eq!(
            (received.bytes.len(), received.end),
            (0, End::Eof),
            "closed, not hung"
        );
    }

    #[test]
    fn connection_parameters_cannot_be_set_per_request() {
        let server = start("status");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?tls=true"));
        let received = raw.read_response(PATIENCE);
        assert!(
            received.head().starts_with("HTTP/1.1 400 "),
            "{}",
            received.head()
        );
        assert!(
            received.text().contains("set when the server starts"),
            "{}",
            received.text()
        );
    }

    #[test]
    fn the_tls_parameter_is_refused_where_it_does_not_apply() {
        let err = FaultServer::builder("tls_ok").tls().start().unwrap_err();
        assert!(err.to_string().contains("has no parameter `tls`"), "{err}");
        let err = FaultServer::builder("status")
            .param("tls", "maybe")
            .start()
            .unwrap_err();
        assert!(err.to_string().contains("true or false"), "{err}");
    }
}

mod tls_port {
    //! A fixture's second port, where every connection speaks TLS (`also_tls_on`, WireMock's
    //! `--https-port`): the behavior in force decides the handshake as on a TLS server.
    use super::*;
    use hamms_integration_tests::h2_tls_config;
    use hamms_test::Behavior;

    fn fixture_with_tls_port() -> (FaultServer, std::net::SocketAddr) {
        let server = FaultServer::fixture()
            .also_tls_on("127.0.0.1:0".parse().expect("an address"))
            .start()
            .expect("start the fixture");
        let tls = server.tls_addr().expect("a TLS port");
        (server, tls)
    }

    /// The protocol ALPN settles on when the client offers `h2` and `http/1.1`.
    async fn negotiated(server: &FaultServer, addr: std::net::SocketAddr) -> Option<Vec<u8>> {
        let mut config = h2_tls_config(server.ca_pem());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let stream = handshake(addr, config, "localhost")
            .await
            .expect("the handshake succeeds");
        stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec)
    }

    #[tokio::test]
    async fn h2_is_offered_to_the_behaviors_that_speak_it_only() {
        let (server, tls) = fixture_with_tls_port();
        assert_eq!(negotiated(&server, tls).await.as_deref(), Some(&b"h2"[..]));
        server.set_behavior(Behavior::mode("slow_drip").expect("a mode"));
        assert_eq!(
            negotiated(&server, tls).await.as_deref(),
            Some(&b"http/1.1"[..]),
            "slow_drip speaks HTTP/1.1 only"
        );
    }

    #[tokio::test]
    async fn a_tls_mode_in_force_makes_its_own_handshake_there() {
        let (server, tls) = fixture_with_tls_port();
        server.set_behavior(Behavior::mode("tls_expired").expect("a mode"));
        let config = tls_config(server.ca_pem(), ANY_VERSION, None);
        let err = handshake(tls, config, "127.0.0.1")
            .await
            .expect_err("the expired certificate is refused");
        assert!(
            matches!(
                rustls_error(&err),
                Some(rustls::Error::InvalidCertificate(
                    CertificateError::Expired | CertificateError::ExpiredContext { .. }
                ))
            ),
            "{err}"
        );
    }
}
