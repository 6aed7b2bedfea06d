//! Broken HTTP (offsets 17–30): Hamms' "not implemented yet" list and the faults WireMock users
//! rely on, each verified by bytes, order and RST-or-FIN on a raw socket, and by the error class
//! a real client (reqwest, curl) reports.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use hamms_integration_tests::{
    End, Raw, chain, client, client_builder, curl, eventually, get, io_error_kind,
    is_incomplete_message, is_parse_error,
};
use hamms_test::{ConnectionEnd, FaultServer, Reply};
use serde_json::Value;

/// How long a read waits for bytes that are expected; it returns as soon as they are complete.
const PATIENCE: Duration = Duration::from_secs(5);
/// How long a read waits to conclude that nothing more is coming.
const IDLE: Duration = Duration::from_millis(300);

fn start(mode: &str) -> FaultServer {
    FaultServer::start(mode).expect("start the server")
}

fn seeded(mode: &str, seed: u64) -> FaultServer {
    FaultServer::builder(mode).seed(seed).start().unwrap()
}

/// The bytes one `GET target` gets from `server` on a fresh connection, which it asks the server
/// to close after answering, until EOF.
fn fetch(server: &FaultServer, target: &str) -> Vec<u8> {
    let mut raw = Raw::connect(server.addr());
    raw.send(format!("GET {target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").as_bytes());
    let received = raw.read_all(PATIENCE);
    assert_eq!(received.end, End::Eof, "{target}");
    received.bytes
}

/// Asks `server` for `target` on a raw connection and returns the 400 body it answers.
fn rejected(server: &FaultServer, target: &str) -> String {
    let mut raw = Raw::connect(server.addr());
    raw.send(&get(target));
    let received = raw.read_response(PATIENCE);
    assert!(
        received.head().starts_with("HTTP/1.1 400 "),
        "{target}: {}",
        received.head()
    );
    String::from_utf8_lossy(received.body()).into_owned()
}

mod no_content_type {
    use super::*;

    #[test]
    fn raw_gets_a_json_body_and_no_content_type_header_on_a_kept_connection() {
        let server = start("no_content_type");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_response(PATIENCE);
        assert!(received.head().starts_with("HTTP/1.1 200 OK"));
        assert!(
            !received
                .head()
                .to_ascii_lowercase()
                .contains("content-type")
        );
        serde_json::from_slice::<Value>(received.body()).expect("the body is JSON");
        assert_eq!(raw.read_all(IDLE).end, End::Idle, "keep-alive: no FIN");
    }

    #[tokio::test]
    async fn reqwest_sees_no_content_type() {
        let server = start("no_content_type");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("content-type").is_none());
    }
}

mod wrong_content_type {
    use super::*;

    #[test]
    fn raw_gets_an_html_page_labelled_json() {
        let server = start("wrong_content_type");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_response(PATIENCE);
        assert!(
            received
                .head()
                .contains("\r\nContent-Type: application/json")
        );
        assert!(received.body().starts_with(b"<!doctype html>"));
    }

    #[tokio::test]
    async fn reqwest_fails_to_decode_the_json_it_was_promised() {
        let server = start("wrong_content_type");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "application/json");
        let err = response.json::<Value>().await.unwrap_err();
        assert!(err.is_decode(), "{}", chain(&err));
    }
}

mod dropped_bytes {
    use super::*;

    #[test]
    fn raw_gets_the_json_minus_count_bytes_under_the_original_length_then_eof() {
        let original = fetch(&start("dropped_bytes"), "/?count=1");
        let original_head = String::from_utf8_lossy(&original);
        let length: usize = original_head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();

        let server = start("dropped_bytes");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?count=5"));
        let received = raw.read_all(PATIENCE);
        assert_eq!(received.end, End::Eof, "after_body = close");
        assert!(
            received
                .head()
                .contains(&format!("Content-Length: {length}"))
        );
        let body = received.body();
        assert_eq!(body.len(), length - 5);
        // What arrived is the document with 5 bytes taken out, the rest in order.
        let document = br#"{"id":7,"message":"if you can read this, no byte was dropped","name":"hamms","nested":{"count":42,"ok":true,"ratio":0.5},"tags":["testing","http","faults"]}"#;
        assert_eq!(document.len(), length);
        let mut rest = document.iter();
        assert!(
            body.iter().all(|b| rest.any(|d| d == b)),
            "{:?}",
            received.text()
        );
    }

    #[test]
    fn the_same_seed_drops_the_same_bytes_and_another_seed_others() {
        let a = fetch(&seeded("dropped_bytes", 7), "/");
        let b = fetch(&seeded("dropped_bytes", 7), "/");
        let c = fetch(&seeded("dropped_bytes", 8), "/");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[tokio::test]
    async fn reqwest_reports_an_unexpected_eof_reading_the_body() {
        let server = start("dropped_bytes");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_decode(), "{}", chain(&err));
        assert_eq!(
            io_error_kind(&err),
            Some(ErrorKind::UnexpectedEof),
            "{}",
            chain(&err)
        );
    }

    #[test]
    fn absurd_counts_get_400() {
        let server = start("dropped_bytes");
        assert!(rejected(&server, "/?count=0").contains("an integer from 1 to 64"));
        assert!(rejected(&server, "/?count=99999999999").contains("an integer from 1 to 64"));
    }
}

mod binary_body {
    use super::*;

    #[test]
    fn raw_gets_size_bytes_that_are_not_utf8_labelled_utf8_text() {
        let server = start("binary_body");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?size=300"));
        let received = raw.read_response(PATIENCE);
        assert!(
            received
                .head()
                .contains("\r\nContent-Type: text/plain; charset=utf-8")
        );
        assert_eq!(received.body().len(), 300);
        assert!(std::str::from_utf8(received.body()).is_err());
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_a_request_seed_overrides_the_server() {
        let a = fetch(&seeded("binary_body", 7), "/?size=64");
        assert_eq!(a, fetch(&seeded("binary_body", 7), "/?size=64"));
        assert_ne!(a, fetch(&seeded("binary_body", 8), "/?size=64"));
        let pinned = fetch(&seeded("binary_body", 1), "/?size=64&seed=3");
        assert_eq!(pinned, fetch(&seeded("binary_body", 2), "/?size=64&seed=3"));
    }

    #[tokio::test]
    async fn reqwest_decodes_the_text_lossily_with_replacement_characters() {
        let server = start("binary_body");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        let text = response.text().await.unwrap();
        assert!(text.contains('\u{FFFD}'), "{text:?}");
    }

    #[test]
    fn absurd_sizes_get_400() {
        let server = start("binary_body");
        assert!(rejected(&server, "/?size=0").contains("an integer from 1 to 16777216"));
        assert!(rejected(&server, "/?size=10000000000").contains("an integer from 1 to 16777216"));
    }
}

mod close_mid_headers {
    use super::*;

    #[test]
    fn raw_gets_the_status_line_and_the_headers_cut_mid_line_then_eof() {
        let server = start("close_mid_headers");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert_eq!(received.end, End::Eof);
        assert_eq!(
            received.text(),
            "HTTP/1.1 200 OK\r\nServer: hamms/0.1\r\nContent-Length: 2\r\nContent-Type: a"
        );
    }

    #[test]
    fn curl_which_ends_the_headers_at_the_close_misses_the_promised_body() {
        let server = start("close_mid_headers");
        let outcome = curl(&[&server.url("/")]);
        assert_eq!(outcome.code, 18, "{}", outcome.stderr);
    }

    #[tokio::test]
    async fn reqwest_reports_an_incomplete_message() {
        let server = start("close_mid_headers");
        let err = client(None).get(server.url("/")).send().await.unwrap_err();
        assert!(is_incomplete_message(&err), "{}", chain(&err));
    }
}

mod reset_by_peer {
    use super::*;

    #[test]
    fn raw_sees_a_real_rst_after_sending_its_request() {
        let server = start("reset_by_peer");
        let mut raw = Raw::connect(server.addr());
        assert_eq!(
            raw.read_all(IDLE).end,
            End::Idle,
            "nothing before the request"
        );
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert_eq!((received.end, received.bytes.len()), (End::Reset, 0));
        eventually(PATIENCE, "the reset is recorded", || {
            server.history().connections()[0].end.is_some()
        });
        let history = server.history();
        assert_eq!(
            history.connections()[0].end,
            Some(ConnectionEnd::ServerReset)
        );
        assert_eq!(history.last().unwrap().reply, Reply::Reset);
    }

    #[test]
    fn a_request_sent_in_pieces_is_read_whole_before_the_reset() {
        let server = start("reset_by_peer");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"POST /split HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n");
        assert_eq!(
            raw.read_all(IDLE).end,
            End::Idle,
            "no reset before the body"
        );
        raw.send(b"body");
        assert_eq!(raw.read_all(PATIENCE).end, End::Reset);
        let history = server.wait_for_requests_blocking(1, PATIENCE).unwrap();
        assert_eq!(history.last().unwrap().request.body, b"body");
    }

    #[test]
    fn bytes_that_are_not_http_are_reset_at_once() {
        let server = start("reset_by_peer");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"\x16\x03\x01");
        assert_eq!(raw.read_all(PATIENCE).end, End::Reset);
    }

    #[tokio::test]
    async fn reqwest_reports_connection_reset_in_its_error_chain() {
        let server = start("reset_by_peer");
        let err = client(None).get(server.url("/")).send().await.unwrap_err();
        assert_eq!(
            io_error_kind(&err),
            Some(ErrorKind::ConnectionReset),
            "{}",
            chain(&err)
        );
    }

    #[test]
    fn curl_reports_a_receive_failure() {
        let server = start("reset_by_peer");
        let outcome = curl(&["--max-time", "10", &server.url("/")]);
        assert_eq!(outcome.code, 56, "{outcome:?}");
        assert!(outcome.stderr.contains("reset by peer"), "{outcome:?}");
    }
}

mod reset_mid_body {
    use super::*;

    #[test]
    fn sizes_past_64_kib_get_400() {
        let server = start("reset_mid_body");
        assert!(rejected(&server, "/?size=65537").contains("an integer from 1 to 65536"));
    }

    #[test]
    fn raw_gets_the_headers_and_half_the_body_then_a_rst() {
        let server = start("reset_mid_body");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?size=1000"));
        let received = raw.read_all(PATIENCE);
        assert!(received.head().contains("\r\nContent-Length: 1000"));
        assert_eq!(received.body(), vec![b'a'; 500].as_slice());
        assert_eq!(received.end, End::Reset);
    }

    #[tokio::test]
    async fn reqwest_gets_the_head_then_a_reset_reading_the_body() {
        let server = start("reset_mid_body");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let err = response.bytes().await.unwrap_err();
        assert_eq!(
            io_error_kind(&err),
            Some(ErrorKind::ConnectionReset),
            "{}",
            chain(&err)
        );
    }
}

mod random_data_then_close {
    use super::*;

    #[test]
    fn raw_gets_size_random_bytes_instead_of_a_status_line_then_eof() {
        let server = seeded("random_data_then_close", 5);
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?size=200"));
        let received = raw.read_all(PATIENCE);
        assert_eq!((received.bytes.len(), received.end), (200, End::Eof));
        assert!(!received.bytes.starts_with(b"HTTP/"));
    }

    #[test]
    fn the_same_seed_gives_the_same_garbage() {
        let a = fetch(&seeded("random_data_then_close", 7), "/");
        assert_eq!(a, fetch(&seeded("random_data_then_close", 7), "/"));
        assert_ne!(a, fetch(&seeded("random_data_then_close", 8), "/"));
    }

    #[tokio::test]
    async fn reqwest_reports_a_parse_error() {
        let server = seeded("random_data_then_close", 5);
        let err = client(None).get(server.url("/")).send().await.unwrap_err();
        assert!(is_parse_error(&err), "{}", chain(&err));
    }
}

mod malformed_chunk {
    use super::*;

    #[test]
    fn raw_gets_one_good_chunk_then_a_size_line_that_is_not_hex() {
        let server = start("malformed_chunk");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert!(received.head().contains("\r\nTransfer-Encoding: chunked"));
        assert_eq!(
            received.body(),
            b"c\r\n{\"partial\": \r\nzz\r\nnot a chunk\r\n"
        );
        assert_eq!(received.end, End::Eof);
    }

    #[tokio::test]
    async fn reqwest_fails_reading_the_body_on_the_bad_chunk() {
        let server = start("malformed_chunk");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_decode(), "{}", chain(&err));
        assert!(chain(&err).contains("chunk size"), "{}", chain(&err));
    }
}

mod chunked_dribble {
    use super::*;

    #[test]
    fn http_1_0_clients_get_the_body_unchunked_up_to_the_close_and_head_gets_no_body() {
        let server = FaultServer::builder("chunked_dribble")
            .param("duration_ms", 0)
            .param("chunks", 2)
            .start()
            .unwrap();
        let mut old = Raw::connect(server.addr());
        old.send(b"GET / HTTP/1.0\r\n\r\n");
        let received = old.read_all(PATIENCE);
        assert!(
            !received.head().contains("Transfer-Encoding"),
            "{}",
            received.head()
        );
        assert_eq!(received.body(), b"chunk 1 of 2\nchunk 2 of 2\n");
        assert_eq!(received.end, End::Eof);

        let mut head = Raw::connect(server.addr());
        head.send(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
        let received = head.read_until(PATIENCE, |b| b.ends_with(b"\r\n\r\n"));
        assert!(received.head().contains("Transfer-Encoding: chunked"));
        assert!(received.body().is_empty());
        assert_eq!(head.read_all(IDLE).bytes, b"", "nothing follows the head");
    }

    #[test]
    fn raw_gets_every_chunk_spread_evenly_over_the_duration() {
        let server = start("chunked_dribble");
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        raw.send(&get("/?chunks=4&duration_ms=400"));
        let received = raw.read_until(PATIENCE, |b| b.ends_with(b"\r\n0\r\n\r\n"));
        let body = String::from_utf8(received.body().to_vec()).unwrap();
        for k in 1..=4u32 {
            let needle = format!("chunk {k} of 4\n");
            let at = body.find(&needle).unwrap() + received.head().len() + 4;
            let arrived = received.arrivals[at].duration_since(sent);
            // Chunk k is due k/4 of the way through; the server cannot send it earlier.
            assert!(
                arrived >= Duration::from_millis(100) * k,
                "chunk {k} after {arrived:?}"
            );
        }
        assert!(body.ends_with("0\r\n\r\n"), "{body:?}");
    }

    #[tokio::test]
    async fn reqwest_that_waits_gets_the_whole_body_and_one_that_does_not_times_out() {
        let server = FaultServer::builder("chunked_dribble")
            .param("duration_ms", 300)
            .start()
            .unwrap();
        let body = client(None)
            .get(server.url("/?chunks=3"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n");

        let impatient = client(Some(Duration::from_millis(100)));
        let response = impatient.get(server.url("/?duration_ms=5000")).send().await;
        let err = match response {
            Ok(response) => response.bytes().await.unwrap_err(),
            Err(err) => err,
        };
        assert!(err.is_timeout(), "{}", chain(&err));
    }

    #[test]
    fn bad_parameters_get_400() {
        let server = start("chunked_dribble");
        assert!(rejected(&server, "/?chunks=0").contains("an integer from 1 to 10000"));
        assert!(rejected(&server, "/?duration_ms=-5").contains("whole milliseconds from 0"));
        assert!(rejected(&server, "/?duration_ms=99999999999").contains("to 600000"));
    }
}

mod redirect_loop {
    use super::*;

    #[test]
    fn raw_gets_a_302_to_the_url_it_asked_for() {
        let server = start("redirect_loop");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/a/b?c=d"));
        let head = raw.read_response(PATIENCE).head();
        assert!(head.starts_with("HTTP/1.1 302 Found\r\n"), "{head}");
        assert!(head.contains("\r\nLocation: /a/b?c=d"), "{head}");
    }

    #[tokio::test]
    async fn reqwest_gives_up_with_a_redirect_error() {
        let server = start("redirect_loop");
        let err = client(None)
            .get(server.url("/loop"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_redirect(), "{}", chain(&err));
        assert!(
            server.history().len() > 5,
            "reqwest followed several redirects first"
        );
    }

    #[test]
    fn curl_stops_at_its_redirect_limit() {
        let server = start("redirect_loop");
        let outcome = curl(&["-L", "--max-redirs", "5", &server.url("/")]);
        assert_eq!(outcome.code, 47, "{outcome:?}");
    }
}

mod bad_gzip {
    use super::*;

    #[test]
    fn raw_gets_gzip_magic_then_garbage() {
        let server = start("bad_gzip");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_response(PATIENCE);
        assert!(received.head().contains("\r\nContent-Encoding: gzip"));
        assert!(received.body().starts_with(&[0x1f, 0x8b, 0x08]));
    }

    #[tokio::test]
    async fn reqwest_fails_to_decompress_the_body() {
        let server = start("bad_gzip");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_decode(), "{}", chain(&err));
    }

    #[test]
    fn curl_reports_a_bad_content_encoding() {
        let server = start("bad_gzip");
        let outcome = curl(&["--compressed", &server.url("/")]);
        assert_eq!(outcome.code, 61, "{outcome:?}");
    }
}

mod infinite_body {
    use super::*;

    #[test]
    fn raw_keeps_getting_chunks_and_never_an_end() {
        let server = FaultServer::builder("infinite_body")
            .param("interval_ms", 1)
            .param("chunk_size", 100)
            .start()
            .unwrap();
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_up_to(20_000, PATIENCE);
        assert_eq!(received.end, End::Idle, "no EOF");
        assert!(received.head().contains("\r\nTransfer-Encoding: chunked"));
        let body = received.text();
        assert!(
            body.matches(&format!("64\r\n{}\r\n", "a".repeat(100)))
                .count()
                > 50
        );
        assert!(!body.contains("\r\n0\r\n\r\n"), "never the last chunk");
    }

    #[tokio::test]
    async fn reqwest_times_out_reading_the_body() {
        let server = start("infinite_body");
        let response = client(Some(Duration::from_millis(500)))
            .get(server.url("/"))
            .send()
            .await;
        let err = match response {
            Ok(response) => response.bytes().await.unwrap_err(),
            Err(err) => err,
        };
        assert!(err.is_timeout(), "{}", chain(&err));
    }
}

mod connect_timeout {
    use super::*;

    #[tokio::test]
    async fn raw_connect_neither_succeeds_nor_fails_until_the_clients_timeout() {
        let server = start("connect_timeout");
        let attempt = tokio::time::timeout(
            Duration::from_millis(500),
            tokio::net::TcpStream::connect(server.addr()),
        )
        .await;
        assert!(attempt.is_err(), "connect completed: {attempt:?}");
        assert!(
            server.history().connections().is_empty(),
            "nothing was accepted"
        );
    }

    #[tokio::test]
    async fn reqwest_reports_a_connect_timeout() {
        let server = start("connect_timeout");
        let client = client_builder()
            .connect_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let err = client.get(server.url("/")).send().await.unwrap_err();
        assert!(err.is_connect() && err.is_timeout(), "{}", chain(&err));
    }

    #[test]
    fn curl_reports_a_connect_timeout() {
        let server = start("connect_timeout");
        let outcome = curl(&["--connect-timeout", "0.5", &server.url("/")]);
        assert_eq!(outcome.code, 28, "{outcome:?}");
    }

    #[test]
    fn switching_to_connect_timeout_and_back_takes_effect_on_the_same_port() {
        let server = start("status");
        let stall = server.scoped_behavior(hamms_test::Behavior::mode("connect_timeout").unwrap());
        let stalled =
            std::net::TcpStream::connect_timeout(&server.addr(), Duration::from_millis(300));
        assert_eq!(stalled.unwrap_err().kind(), ErrorKind::TimedOut);
        drop(stall);
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?status=201"));
        assert!(
            raw.read_response(PATIENCE)
                .head()
                .starts_with("HTTP/1.1 201 ")
        );
    }
}
