//! What hamms servers accept as HTTP/1.1, over real sockets: a request whose body could be
//! delimited two ways (RFC 9112 §6) gets one 400 and a close, on every kind of server that reads
//! requests, and the chaos proxy never forwards it. The rules one by one are unit tests of the
//! parser (`hamms-core/src/http1/rfc9112.rs`).

use std::time::Duration;

use hamms_integration_tests::{End, Raw, Received, get};
use hamms_test::{FaultServer, Protocol};

/// A read that ends with the server's close returns then; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(10);

/// The smuggling shape: `Content-Length: 6` says the body is `0\r\n\r\n`; `chunked` says the
/// body ends there and `GET /smuggled` is a second request.
const SMUGGLED: &[u8] = b"POST /first HTTP/1.1\r\nHost: hamms.test\r\nContent-Length: 6\r\n\
Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: hamms.test\r\n\r\n";

/// Two `Transfer-Encoding` lines, one list: `chunked, identity`, whose end cannot be told.
const CHUNKED_THEN_IDENTITY: &[u8] = b"POST /first HTTP/1.1\r\nHost: hamms.test\r\n\
Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\
Host: hamms.test\r\n\r\n";

/// Sends `wire` on a fresh connection and reads until the server closes.
fn send_and_read_to_close(server: &FaultServer, wire: &[u8]) -> Received {
    Raw::connect(server.addr()).send(wire).read_all(PATIENCE)
}

/// Asserts that `answer` is exactly one 400 with `Connection: close`, then the close, and that
/// `server` recorded no request: the bytes after the refused head were never read as one.
#[track_caller]
fn assert_one_400_then_close(server: &FaultServer, answer: &Received, needle: &str) {
    let text = answer.text();
    assert_eq!(answer.end, End::Eof, "the server closes: {text:?}");
    assert_eq!(
        text.matches("HTTP/1.1 ").count(),
        1,
        "one response: {text:?}"
    );
    assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text:?}");
    assert!(text.contains("\r\nConnection: close\r\n"), "{text:?}");
    assert!(text.contains(needle), "{text:?}");
    let history = server.history();
    assert!(
        history.exchanges().is_empty(),
        "no request was recorded: {:?}",
        history.exchanges()
    );
}

#[test]
fn content_length_with_transfer_encoding_gets_one_400_and_a_close_from_every_server_that_reads_requests()
 {
    // `sleep` would answer a request after its 5 s: the refusal comes first, and the
    // connection does not stay open for the smuggled request.
    // Each with a valid request that it answers 200 at once.
    let modes = [
        ("fixture", "/"),
        ("status", "/"),
        ("retry_counter", "/?tries=1"),
        ("sleep", "/?sleep=0"),
        ("fat_header", "/?size=10"),
    ];
    for (mode, valid) in modes {
        let server = FaultServer::start(mode).unwrap();
        let answer = send_and_read_to_close(&server, SMUGGLED);
        assert_one_400_then_close(
            &server,
            &answer,
            "both Content-Length and Transfer-Encoding",
        );
        // Everyone else is still served.
        let next = Raw::connect(server.addr())
            .send(&get(valid))
            .read_response(PATIENCE);
        assert!(next.text().starts_with("HTTP/1.1 200 OK\r\n"), "{mode}");
    }
}

#[test]
fn every_transfer_encoding_line_is_read_so_chunked_then_identity_gets_a_400_and_a_close() {
    for mode in ["fixture", "status"] {
        let server = FaultServer::start(mode).unwrap();
        let answer = send_and_read_to_close(&server, CHUNKED_THEN_IDENTITY);
        assert_one_400_then_close(&server, &answer, "does not end with `chunked`");
    }
}

#[test]
fn the_http_proxy_refuses_content_length_with_transfer_encoding_and_never_forwards_it() {
    let backend = FaultServer::fixture().start().unwrap();
    let proxy = FaultServer::proxy(backend.addr().to_string())
        .protocol(Protocol::Http)
        .start()
        .unwrap();
    for wire in [SMUGGLED, CHUNKED_THEN_IDENTITY] {
        let answer = send_and_read_to_close(&proxy, wire);
        assert_one_400_then_close(&proxy, &answer, "Transfer-Encoding");
    }
    let seen = backend.history();
    assert!(
        seen.connections().is_empty(),
        "the backend was never called: {:?}",
        seen.connections()
    );
    // A valid request still goes through.
    let through = Raw::connect(proxy.addr())
        .send(&get("/ok"))
        .read_response(PATIENCE);
    assert!(
        through.text().starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        through.text()
    );
    assert_eq!(backend.history().requests().count(), 1);
}
