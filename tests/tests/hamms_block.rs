//! The Hamms block of the catalog (offsets 0–16), each mode verified twice: by bytes and timing on
//! a raw socket, and by the error class a real client (reqwest over hyper) reports.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hamms_integration_tests::{
    End, Raw, chain, client, eventually, get, hyper_connection, hyper_errors, hyper_get,
    io_error_kind, is_incomplete_message, is_parse_error, is_unexpected_message,
};
use hamms_test::{FaultServer, Reply, catalog};
use serde_json::Value;

/// How long a raw read waits to conclude "nothing more is coming". Long enough that a loaded
/// machine is not mistaken for silence by the tests that expect bytes.
const IDLE: Duration = Duration::from_millis(300);
/// How long a read waits for bytes that are expected (it returns as soon as the answer is
/// complete or the server closes): generous, for a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(5);
const WAIT: Duration = Duration::from_secs(10);

fn start(mode: &str) -> FaultServer {
    FaultServer::start(mode).expect("start the server")
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(bytes)))
}

mod refused {
    use super::*;

    #[test]
    fn raw_connect_is_refused_and_the_port_stays_reserved() {
        let server = start("refused");
        let started = Instant::now();
        let err = TcpStream::connect(server.addr()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        assert!(started.elapsed() < PATIENCE, "refusal should be immediate");
        let taken = std::net::TcpListener::bind(server.addr()).unwrap_err();
        assert_eq!(
            taken.kind(),
            ErrorKind::AddrInUse,
            "nobody else may take the port"
        );
    }

    #[tokio::test]
    async fn reqwest_reports_a_connect_error() {
        let server = start("refused");
        let err = client(None).get(server.url("/")).send().await.unwrap_err();
        assert!(err.is_connect(), "{}", chain(&err));
        assert_eq!(
            io_error_kind(&err),
            Some(ErrorKind::ConnectionRefused),
            "{}",
            chain(&err)
        );
    }
}

mod no_response {
    use super::*;

    #[test]
    fn raw_reads_the_request_and_never_answers_or_closes() {
        let server = start("no_response");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/hang"));
        let history = server.wait_for_requests_blocking(1, WAIT).unwrap();
        assert_eq!(history.last().unwrap().request.path, "/hang");
        assert_eq!(history.last().unwrap().reply, Reply::Pending);
        let received = raw.read_all(IDLE);
        assert_eq!(received.end, End::Idle, "the connection must stay open");
        assert!(received.bytes.is_empty(), "{:?}", received.text());
        assert_eq!(server.history().connections()[0].end, None);
    }

    #[test]
    fn a_client_that_leaves_mid_request_leaves_what_it_sent_in_the_history() {
        let server = start("no_response");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"GET /gone HTTP/1.1\r\nHost: h\r\nUser-Ag");
        drop(raw);
        let history = server.wait_for_requests_blocking(1, WAIT).unwrap();
        let exchange = history.last().unwrap();
        assert_eq!(exchange.request.path, "/gone");
        assert_eq!(exchange.request.header("host"), Some("h"));
        assert_eq!(
            exchange.request.headers.len(),
            1,
            "the cut header is left out"
        );
        assert_eq!(exchange.reply, Reply::Pending);
    }

    #[tokio::test]
    async fn reqwest_times_out() {
        let server = start("no_response");
        let err = client(Some(Duration::from_millis(300)))
            .get(server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{}", chain(&err));
    }
}

mod empty_on_connect {
    use super::*;
    use hamms_test::ConnectionEnd;

    #[test]
    fn raw_sees_eof_with_zero_bytes_without_sending_anything() {
        let server = start("empty_on_connect");
        let mut raw = Raw::connect(server.addr());
        let received = raw.read_all(PATIENCE);
        assert_eq!(received.end, End::Eof);
        assert!(received.bytes.is_empty());
        drop(raw);
        eventually(PATIENCE, "the close is recorded", || {
            server.history().connections()[0].end.is_some()
        });
        assert_eq!(
            server.history().connections()[0].end,
            Some(ConnectionEnd::ServerClosed)
        );
    }

    #[tokio::test]
    async fn reqwest_reports_an_incomplete_message() {
        let server = start("empty_on_connect");
        let err = client(None).get(server.url("/")).send().await.unwrap_err();
        assert!(is_incomplete_message(&err), "{}", chain(&err));
    }
}

mod empty_after_request {
    use super::*;

    #[test]
    fn raw_sees_nothing_until_it_sends_then_eof_with_zero_bytes() {
        let server = start("empty_after_request");
        let mut raw = Raw::connect(server.addr());
        let before = raw.read_all(IDLE);
        assert_eq!(before.end, End::Idle, "must not close before the request");
        raw.send(b"G");
        let after = raw.read_all(PATIENCE);
        assert_eq!(after.end, End::Eof);
        assert!(after.bytes.is_empty());
        assert_eq!(server.history().connections()[0].received, b"G");
    }

    #[test]
    fn a_request_cut_off_at_its_first_bytes_is_recorded_as_far_as_it_came() {
        let server = start("empty_after_request");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"GET /piece?a=1 HTTP/1.1\r\nHost: h\r\nAcc");
        assert_eq!(raw.read_all(PATIENCE).end, End::Eof);
        drop(raw);
        let history = server.wait_for_requests_blocking(1, WAIT).unwrap();
        let exchange = history.last().unwrap();
        assert_eq!(exchange.request.path, "/piece");
        assert_eq!(exchange.request.query, [("a".to_owned(), "1".to_owned())]);
        assert_eq!(
            exchange.request.headers.len(),
            1,
            "the cut header is left out"
        );
        assert_eq!(exchange.reply, Reply::Closed);
    }

    #[test]
    fn a_request_line_cut_short_records_nothing_but_the_bytes() {
        let server = start("empty_after_request");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"GET /pie");
        assert_eq!(raw.read_all(PATIENCE).end, End::Eof);
        drop(raw);
        eventually(WAIT, "the connection ends", || {
            server.history().connections()[0].end.is_some()
        });
        assert!(server.history().is_empty());
        assert_eq!(server.history().connections()[0].received, b"GET /pie");
    }

    #[tokio::test]
    async fn reqwest_reports_an_incomplete_message_and_the_request_is_recorded() {
        let server = start("empty_after_request");
        let err = client(None).get(server.url("/a")).send().await.unwrap_err();
        assert!(is_incomplete_message(&err), "{}", chain(&err));
        let history = server.wait_for_requests(1, WAIT).await.unwrap();
        assert_eq!(history.last().unwrap().request.path, "/a");
        assert_eq!(history.last().unwrap().reply, Reply::Closed);
    }
}

mod malformed_on_connect {
    use super::*;

    #[test]
    fn raw_gets_foo_bar_then_eof_without_sending_anything() {
        let server = start("malformed_on_connect");
        let received = Raw::connect(server.addr()).read_all(PATIENCE);
        assert_eq!(received.bytes, b"foo bar");
        assert_eq!(received.end, End::Eof);
    }

    #[test]
    fn a_request_sent_anyway_is_recorded_with_foo_bar_as_its_reply() {
        let server = start("malformed_on_connect");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/anyway"));
        raw.read_all(PATIENCE);
        let history = server.wait_for_requests_blocking(1, PATIENCE).unwrap();
        assert_eq!(history.last().unwrap().request.path, "/anyway");
        assert_eq!(
            history.last().unwrap().reply,
            Reply::Raw(b"foo bar".to_vec())
        );
    }

    /// The server talks first, so what hyper reports depends on whether `foo bar` arrives before
    /// or after it writes its request: an unexpected message, or a parse error. Both are pinned
    /// deterministically by the hyper tests below; reqwest must report one of exactly these.
    #[tokio::test]
    async fn reqwest_reports_a_parse_error_or_an_unexpected_message() {
        let server = start("malformed_on_connect");
        let err = client(None).get(server.url("/")).send().await.unwrap_err();
        assert!(
            hyper_errors(&err)
                .iter()
                .any(|h| h.is_parse() || is_unexpected_message(h)),
            "{}",
            chain(&err)
        );
    }

    #[tokio::test]
    async fn hyper_reports_an_unexpected_message_when_foo_bar_arrives_first() {
        let server = start("malformed_on_connect");
        let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        stream.readable().await.unwrap();
        let (mut sender, _connection) = hyper_connection(stream).await;
        let err = sender.send_request(hyper_get("/")).await.unwrap_err();
        assert!(
            hyper_errors(&err).iter().any(|h| is_unexpected_message(h)),
            "{err:?}"
        );
    }
}

mod malformed_after_request {
    use super::*;

    #[test]
    fn raw_sees_nothing_until_it_sends_then_foo_bar_and_eof() {
        let server = start("malformed_after_request");
        let mut raw = Raw::connect(server.addr());
        assert_eq!(raw.read_all(IDLE).end, End::Idle);
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert_eq!(received.bytes, b"foo bar");
        assert_eq!(received.end, End::Eof);
        let history = server.wait_for_requests_blocking(1, WAIT).unwrap();
        assert_eq!(
            history.last().unwrap().reply,
            Reply::Raw(b"foo bar".to_vec())
        );
    }

    #[test]
    fn a_request_still_arriving_when_foo_bar_is_sent_gets_it_as_its_reply() {
        let server = start("malformed_after_request");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"GET /split HTTP/1.1\r\n");
        assert_eq!(raw.read_all(PATIENCE).bytes, b"foo bar");
        raw.send(b"Host: h\r\n\r\n");
        let history = server.wait_for_requests_blocking(1, PATIENCE).unwrap();
        assert_eq!(history.last().unwrap().request.path, "/split");
        assert_eq!(
            history.last().unwrap().reply,
            Reply::Raw(b"foo bar".to_vec())
        );
    }

    #[test]
    fn a_body_cut_off_is_recorded_as_far_as_it_came_with_foo_bar_as_its_reply() {
        let server = start("malformed_after_request");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
        assert_eq!(raw.read_all(PATIENCE).bytes, b"foo bar");
        drop(raw);
        let history = server.wait_for_requests_blocking(1, WAIT).unwrap();
        let exchange = history.last().unwrap();
        assert_eq!(exchange.request.path, "/upload");
        assert_eq!(exchange.request.body, b"abc");
        assert_eq!(exchange.request.body_len, 3);
        assert_eq!(exchange.reply, Reply::Raw(b"foo bar".to_vec()));
    }

    #[tokio::test]
    async fn reqwest_reports_a_parse_error() {
        let server = start("malformed_after_request");
        let err = client(None).get(server.url("/")).send().await.unwrap_err();
        assert!(is_parse_error(&err), "{}", chain(&err));
    }
}

mod slow_drip {
    use super::*;

    const DRIPPED: &[u8] = b"HTTP/1.1 204 No Content\r\nServer: hamms/0.1\r\n\r\n";

    #[test]
    fn raw_gets_a_valid_204_one_byte_per_interval_the_first_after_one_interval() {
        let interval = Duration::from_millis(20);
        let server = FaultServer::builder("slow_drip")
            .param("interval_ms", 20)
            .start()
            .unwrap();
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert_eq!(received.bytes, DRIPPED);
        assert_eq!(DRIPPED.len(), 46, "the same length as Hamms' response");
        for (k, arrived) in received.arrivals.iter().enumerate() {
            // The server starts its schedule after it has read the request, so byte k cannot
            // arrive before (k + 1) intervals after we sent it, however busy the machine.
            let earliest = interval * (k as u32 + 1);
            assert!(
                arrived.duration_since(sent) >= earliest,
                "byte {k} arrived {:?} after the request, before {earliest:?}",
                arrived.duration_since(sent)
            );
        }
        assert_eq!(received.end, End::Eof);
        assert!(
            received.ended_at.duration_since(sent) >= interval * 47,
            "closes one interval after the last byte"
        );
    }

    #[test]
    fn raw_interval_can_be_set_from_the_query_string() {
        let server = start("slow_drip");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?interval_ms=1"));
        let received = raw.read_all(PATIENCE);
        assert_eq!(
            received.bytes, DRIPPED,
            "a 5 s default would have sent nothing yet"
        );
    }

    #[tokio::test]
    async fn reqwest_times_out_on_a_slow_drip() {
        let server = FaultServer::builder("slow_drip")
            .param("interval_ms", 50)
            .start()
            .unwrap();
        let err = client(Some(Duration::from_millis(300)))
            .get(server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{}", chain(&err));
    }

    #[tokio::test]
    async fn reqwest_that_waits_gets_the_whole_204() {
        let server = FaultServer::builder("slow_drip")
            .param("interval_ms", 2)
            .start()
            .unwrap();
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(response.headers()["server"], "hamms/0.1");
        let history = server.history();
        assert!(matches!(
            history.last().unwrap().reply,
            Reply::Response { status: 204, .. }
        ));
    }
}

mod very_slow_drip {
    use super::*;

    #[test]
    fn raw_gets_nothing_for_a_long_time_by_default_and_the_same_204_when_sped_up() {
        let server = start("very_slow_drip");
        let interval = &catalog::ModeSpec::named("very_slow_drip").unwrap().params()[0];
        assert_eq!(
            (interval.name(), interval.default_value()),
            ("interval_ms", "30000")
        );
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        let received = raw.read_all(Duration::from_secs(1));
        assert_eq!(received.end, End::Idle);
        assert!(received.bytes.is_empty());

        let mut fast = Raw::connect(server.addr());
        fast.send(&get("/?interval_ms=1"));
        assert!(
            fast.read_all(PATIENCE)
                .text()
                .starts_with("HTTP/1.1 204 No Content\r\n")
        );
    }

    #[tokio::test]
    async fn reqwest_times_out() {
        let server = start("very_slow_drip");
        let err = client(Some(Duration::from_millis(300)))
            .get(server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{}", chain(&err));
    }
}

mod sleep {
    use super::*;

    #[test]
    fn raw_answers_after_the_sleep_with_the_request_headers_as_json() {
        let server = start("sleep");
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        raw.send(&get("/?sleep=0.3"));
        let received = raw.read_response(PATIENCE);
        assert!(
            received.arrivals[0].duration_since(sent) >= Duration::from_millis(300),
            "answered after {:?}",
            received.arrivals[0].duration_since(sent)
        );
        assert!(
            received.head().starts_with("HTTP/1.1 200 OK\r\n"),
            "{}",
            received.head()
        );
        let body = json(received.body());
        assert_eq!(body["headers"]["User-Agent"], "raw-test");
        assert_eq!(body["headers"]["Host"], "hamms.test");
    }

    #[test]
    fn a_client_that_leaves_during_a_long_sleep_frees_its_connection_at_once() {
        let server = start("sleep");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?sleep=3600"));
        server.wait_for_requests_blocking(1, PATIENCE).unwrap();
        drop(raw);
        eventually(PATIENCE, "the server notices the client left", || {
            server.history().connections()[0].end.is_some()
        });
        assert_eq!(
            server.history().connections()[0].end,
            Some(hamms_test::ConnectionEnd::ClientClosed)
        );
    }

    #[test]
    fn raw_reads_the_sleep_from_a_form_body_too() {
        let server = start("sleep");
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        raw.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nsleep=0.2");
        let received = raw.read_response(PATIENCE);
        assert!(received.arrivals[0].duration_since(sent) >= Duration::from_millis(200));
        assert!(received.text().starts_with("HTTP/1.1 200 OK"));
    }

    #[test]
    fn raw_absurd_sleeps_get_400_naming_the_range_and_the_connection_lives_on() {
        let server = start("sleep");
        let mut raw = Raw::connect(server.addr());
        for bad in ["-1", "1e9", "abc", "NaN"] {
            raw.send(&get(&format!("/?sleep={bad}")));
            let received = raw.read_response(PATIENCE);
            assert!(
                received.head().starts_with("HTTP/1.1 400 Bad Request"),
                "{bad}: {}",
                received.head()
            );
            let body = json(received.body());
            assert_eq!(body["status"], "error");
            assert_eq!(body["errors"][0]["name"], "sleep");
            let description = body["errors"][0]["description"].as_str().unwrap();
            assert!(
                description.contains("seconds from 0 to 3600"),
                "{description}"
            );
        }
    }

    #[tokio::test]
    async fn reqwest_times_out_when_the_sleep_is_longer_and_gets_json_when_shorter() {
        let server = start("sleep");
        let impatient = client(Some(Duration::from_millis(400)));
        let err = impatient
            .get(server.url("/?sleep=2"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{}", chain(&err));
        let patient = client(None);
        let response = patient
            .get(server.url("/?sleep=0.01"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body = json(&response.bytes().await.unwrap());
        assert!(
            body["headers"]["Host"]
                .as_str()
                .unwrap()
                .starts_with("127.0.0.1:")
        );
    }
}

mod status {
    use super::*;

    #[test]
    fn raw_answers_the_status_asked_for_with_httpbin_headers() {
        let server = start("status");
        let mut raw = Raw::connect(server.addr());
        let mut ask = |target: &str| {
            raw.send(&get(target));
            raw.read_response(PATIENCE).head()
        };
        assert!(ask("/").starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(ask("/?status=503").starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(ask("/?status=302").contains("\r\nLocation: /?status=200"));
        assert!(ask("/?status=401").contains("\r\nWWW-Authenticate: Basic realm=\"Fake Realm\""));
        assert!(ask("/?status=407").contains("\r\nProxy-Authenticate: Basic realm=\"Fake Realm\""));
        assert!(ask("/?status=418").starts_with("HTTP/1.1 418 I'm a teapot\r\n"));
    }

    #[test]
    fn raw_out_of_range_or_malformed_statuses_get_400_naming_the_range() {
        let server = start("status");
        for bad in ["99", "600", "abc", "-1", "2000000000000"] {
            let mut raw = Raw::connect(server.addr());
            raw.send(&get(&format!("/?status={bad}")));
            let received = raw.read_response(PATIENCE);
            assert!(
                received.head().starts_with("HTTP/1.1 400 "),
                "{bad}: {}",
                received.head()
            );
            let description = json(received.body())["errors"][0]["description"].to_string();
            assert!(
                description.contains("an integer from 100 to 599"),
                "{description}"
            );
        }
    }

    #[test]
    fn a_client_that_leaves_mid_body_leaves_its_request_as_far_as_it_came() {
        let server = start("status");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nstat");
        drop(raw);
        let history = server.wait_for_requests_blocking(1, WAIT).unwrap();
        let exchange = history.last().unwrap();
        assert_eq!(exchange.request.path, "/form");
        assert_eq!(exchange.request.body, b"stat");
        assert_eq!(exchange.request.body_len, 4);
        assert_eq!(exchange.reply, Reply::Pending, "the server never answered");
        assert_eq!(
            history.connections()[0].end,
            Some(hamms_test::ConnectionEnd::ClientClosed)
        );
    }

    #[test]
    fn raw_reads_the_status_from_a_post_form() {
        let server = start("status");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nstatus=404");
        assert!(
            raw.read_response(PATIENCE)
                .head()
                .starts_with("HTTP/1.1 404 Not Found\r\n")
        );
    }

    #[tokio::test]
    async fn reqwest_sees_the_status_and_follows_redirects_to_a_200() {
        let server = FaultServer::builder("status")
            .param("status", 503)
            .start()
            .unwrap();
        let client = client(None);
        assert_eq!(
            client.get(server.url("/")).send().await.unwrap().status(),
            503
        );
        let unauthorized = client.get(server.url("/?status=401")).send().await.unwrap();
        assert_eq!(unauthorized.status(), 401);
        assert!(unauthorized.headers().contains_key("www-authenticate"));
        let redirected = client.get(server.url("/?status=301")).send().await.unwrap();
        assert_eq!(redirected.status(), 200);
        assert_eq!(redirected.url().query(), Some("status=200"));
    }
}

mod content_length_mismatch {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn raw_gets_a_3_byte_response_then_a_megabyte_of_garbage_even_before_sending() {
        let server = start("content_length_mismatch");
        let mut raw = Raw::connect(server.addr());
        let received = raw.read_all(PATIENCE);
        assert_eq!(received.end, End::Eof);
        assert_eq!(
            received.head(),
            "HTTP/1.1 200 OK\r\nServer: hamms/0.1\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive"
        );
        let body = received.body();
        assert_eq!(body.len(), 1024 * 1024);
        assert!(body.iter().all(|b| *b == b'a'));
        // A client reusing the connection reads its next "response" from the bytes after the
        // first 3: not a status line.
        assert_ne!(&body[3..12], b"HTTP/1.1 ");
    }

    #[test]
    fn raw_acting_on_request_waits_for_the_first_request_bytes() {
        let server = FaultServer::builder("content_length_mismatch")
            .param("act_on", "request")
            .start()
            .unwrap();
        let mut raw = Raw::connect(server.addr());
        assert_eq!(
            raw.read_all(IDLE).end,
            End::Idle,
            "nothing before the request"
        );
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert!(received.head().contains("\r\nContent-Length: 3\r\n"));
        assert_eq!(received.body().len(), 1024 * 1024);
    }

    /// hyper's connection-level client reuses the connection, which shows what any reusing
    /// client gets: the 3 promised bytes, then garbage where the next response should be.
    #[tokio::test]
    async fn hyper_reads_a_3_byte_body_then_rejects_the_garbage_after_it() {
        let server = FaultServer::builder("content_length_mismatch")
            .param("act_on", "request")
            .start()
            .unwrap();
        let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let (mut sender, connection) = hyper_connection(stream).await;
        let first = sender.send_request(hyper_get("/")).await.unwrap();
        let body = first.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.as_ref(), b"aaa");
        // The megabyte after the 3 bytes arrives on what is now an idle keep-alive connection:
        // hyper rejects it before the server's close, and no further request can use it.
        let err = connection.await.unwrap().unwrap_err();
        assert!(is_unexpected_message(&err), "{err:?}");
        assert!(sender.send_request(hyper_get("/")).await.is_err());
    }

    #[tokio::test]
    async fn hyper_reports_an_unexpected_message_when_the_response_arrives_first() {
        let server = start("content_length_mismatch");
        let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        stream.readable().await.unwrap();
        let (mut sender, _connection) = hyper_connection(stream).await;
        let err = sender.send_request(hyper_get("/")).await.unwrap_err();
        assert!(
            hyper_errors(&err).iter().any(|h| is_unexpected_message(h)),
            "{err:?}"
        );
    }

    #[test]
    fn the_history_records_the_unprompted_response_as_the_reply_to_the_request() {
        let server = start("content_length_mismatch");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/early"));
        raw.read_all(PATIENCE);
        let history = server.wait_for_requests_blocking(1, PATIENCE).unwrap();
        let exchange = history.last().unwrap();
        assert_eq!(exchange.request.path, "/early");
        assert!(
            matches!(exchange.reply, Reply::Response { status: 200, body_len, .. } if body_len == 1024 * 1024),
            "{:?}",
            exchange.reply
        );
    }

    #[tokio::test]
    async fn reqwest_reads_a_3_byte_body() {
        let server = FaultServer::builder("content_length_mismatch")
            .param("act_on", "request")
            .start()
            .unwrap();
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.headers()["content-length"], "3");
        assert_eq!(response.bytes().await.unwrap().as_ref(), b"aaa");
    }
}

mod fat_header {
    use super::*;

    #[test]
    fn raw_gets_a_cookie_header_of_the_requested_size() {
        let server = start("fat_header");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?size=100"));
        let head = raw.read_response(PATIENCE).head();
        let cookie = head
            .lines()
            .find_map(|l| l.strip_prefix("Cookie: "))
            .unwrap();
        assert_eq!(cookie, "a".repeat(100));
    }

    #[test]
    fn raw_absurd_sizes_get_400() {
        let server = start("fat_header");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?size=10000000000"));
        let received = raw.read_response(PATIENCE);
        assert!(
            received.head().starts_with("HTTP/1.1 400 "),
            "{}",
            received.head()
        );
        assert!(received.text().contains("an integer from 0 to 16777216"));
    }

    #[tokio::test]
    async fn reqwest_reads_the_default_63_kib_header_and_rejects_a_megabyte_one() {
        let server = start("fat_header");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.headers()["cookie"].len(), 64512);

        let err = client(None)
            .get(server.url("/?size=1000000"))
            .send()
            .await
            .unwrap_err();
        assert!(
            hyper_errors(&err)
                .iter()
                .any(|h| h.is_parse() && h.to_string().contains("too large")),
            "{}",
            chain(&err)
        );
    }
}

mod retry_counter {
    use super::*;

    #[test]
    fn raw_every_third_request_succeeds_and_the_counter_routes_read_and_reset() {
        let server = start("retry_counter");
        let mut raw = Raw::connect(server.addr());
        let mut ask = |request: &[u8]| {
            raw.send(request);
            let received = raw.read_response(PATIENCE);
            (received.head(), json(received.body()))
        };
        let expected = [(500, 2), (500, 1), (200, 0), (500, 2), (500, 1), (200, 0)];
        for (status, remaining) in expected {
            let (head, body) = ask(&get("/"));
            assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
            assert_eq!(body["tries_remaining"], remaining, "{body}");
            assert_eq!(body["success"], status == 200);
        }
        let (_, counters) = ask(&get("/counter"));
        assert_eq!(counters["counters"]["default"], 6);
        ask(b"POST /counters HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
        let (_, counters) = ask(&get("/counters"));
        assert_eq!(counters["counters"], serde_json::json!({}));
    }

    #[tokio::test]
    async fn reqwest_retry_loop_succeeds_on_the_nth_try_per_key() {
        let server = start("retry_counter");
        let client = client(None);
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let url = server.url("/?key=payments&tries=4");
            statuses.push(client.get(url).send().await.unwrap().status().as_u16());
        }
        assert_eq!(statuses, [500, 500, 500, 200]);
        let other = client
            .get(server.url("/?key=other&tries=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200, "keys count separately");
        let bad = client.get(server.url("/?tries=0")).send().await.unwrap();
        assert_eq!(bad.status(), 400);
    }
}

/// Hamms' own test suite (`tests/test_endpoints.py`), the parts it checks that hamms once
/// answered otherwise, replayed over raw sockets.
mod hamms_test_suite {
    use super::*;

    /// Sends `request` on a connection of its own; the status and the JSON body.
    fn ask(server: &FaultServer, request: &[u8]) -> (u16, Value) {
        let mut raw = Raw::connect(server.addr());
        raw.send(request);
        let received = raw.read_response(PATIENCE);
        let status = received.head()[9..12].parse().unwrap();
        (status, json(received.body()))
    }

    #[test]
    fn post_counters_with_tries_sets_the_keys_tries_remaining_as_hamms_does() {
        let server = start("retry_counter");
        let get = |target: &str| format!("GET {target} HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(
            ask(&server, get("/?key=hamms-test").as_bytes()).1["tries_remaining"],
            2
        );
        // From the query string...
        let post = b"POST /counters?key=hamms-test&tries=7 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
        let (status, body) = ask(&server, post);
        assert_eq!(status, 200);
        assert_eq!(body["key"], "hamms-test");
        assert_eq!(body["tries_remaining"], 7);
        // ... and from a form, as Hamms' test posts it.
        let form = "key=hamms-test&tries=7";
        let post = format!(
            "POST /counters HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        );
        let (status, body) = ask(&server, post.as_bytes());
        assert_eq!(
            (status, &body["tries_remaining"]),
            (200, &serde_json::json!(7))
        );
        // Six failures counting down, then the success; then rounds of the request's `tries`.
        for remaining in (1..=6).rev() {
            let (status, body) = ask(&server, get("/?key=hamms-test").as_bytes());
            assert_eq!(
                (status, &body["tries_remaining"]),
                (500, &serde_json::json!(remaining))
            );
        }
        let (status, body) = ask(&server, get("/?key=hamms-test").as_bytes());
        assert_eq!(
            (status, &body["tries_remaining"]),
            (200, &serde_json::json!(0))
        );
        assert_eq!(
            ask(&server, get("/?key=hamms-test").as_bytes()).1["tries_remaining"],
            2
        );
        let (_, counters) = ask(&server, get("/counters").as_bytes());
        assert_eq!(counters["counters"]["hamms-test"], 9);
        assert_eq!(counters["tries_remaining"]["hamms-test"], 2);
    }

    #[test]
    fn a_400_body_carries_hamms_error_member_beside_vauriens_errors() {
        let server = start("retry_counter");
        for target in ["/?tries=foo", "/counters?tries=foo"] {
            let method = if target.starts_with("/counters") {
                "POST"
            } else {
                "GET"
            };
            let request =
                format!("{method} {target} HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            let (status, body) = ask(&server, request.as_bytes());
            assert_eq!(status, 400, "{target}: {body}");
            // Hamms' test: `'integer' in d['error']`.
            let error = body["error"].as_str().unwrap();
            assert!(error.contains("integer"), "{target}: {body}");
            assert_eq!(body["errors"][0]["description"], error, "{body}");
            assert_eq!(body["status"], "error");
        }
    }

    #[test]
    fn accept_application_wildcard_gets_csv_as_hamms_answers() {
        let server = start("unparseable_content_type");
        // Hamms' test_5514, each Accept with the type Hamms answers.
        for (accept, answered) in [
            ("text/morse", "application/json"),
            ("application/json;q=0.3,text/morse;q=0.5", "text/html"),
            ("text/*;q=0.3,", "application/json"),
            ("application/*;q=0.3,text/morse;q=0.5", "text/csv"),
        ] {
            let mut raw = Raw::connect(server.addr());
            raw.send(format!("GET / HTTP/1.1\r\nHost: h\r\nAccept: {accept}\r\n\r\n").as_bytes());
            let head = raw.read_response(PATIENCE).head();
            assert!(
                head.contains(&format!("\r\nContent-Type: {answered}")),
                "{accept}: {head}"
            );
        }
    }

    #[tokio::test]
    async fn reqwest_asking_for_any_application_type_gets_csv() {
        let server = start("unparseable_content_type");
        let response = client(None)
            .get(server.url("/"))
            .header("accept", "application/*;q=0.3,text/morse;q=0.5")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], "text/csv");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .starts_with("message,status\n")
        );
    }
}

mod fail_rate {
    use super::*;

    #[test]
    fn raw_rate_one_drops_with_zero_bytes_and_rate_zero_answers_success() {
        let server = start("fail_rate");
        let mut dropped = Raw::connect(server.addr());
        dropped.send(&get("/?failrate=1"));
        let received = dropped.read_all(PATIENCE);
        assert_eq!((received.end, received.bytes.len()), (End::Eof, 0));

        let mut served = Raw::connect(server.addr());
        served.send(&get("/?failrate=0"));
        let received = served.read_all(PATIENCE);
        assert!(received.head().starts_with("HTTP/1.1 200 OK\r\n"));
        assert_eq!(received.body(), br#"{"success":true}"#);
        assert_eq!(received.end, End::Eof, "closes after answering, as Hamms");
    }

    #[test]
    fn raw_rates_outside_zero_to_one_get_400() {
        let server = start("fail_rate");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/?failrate=2"));
        let received = raw.read_response(PATIENCE);
        assert!(received.head().starts_with("HTTP/1.1 400 "));
        assert!(received.text().contains("a probability from 0 to 1"));
    }

    #[tokio::test]
    async fn reqwest_sees_an_incomplete_message_when_dropped_and_json_otherwise() {
        let server = start("fail_rate");
        let err = client(None)
            .get(server.url("/?failrate=1"))
            .send()
            .await
            .unwrap_err();
        assert!(is_incomplete_message(&err), "{}", chain(&err));
        let ok = client(None)
            .get(server.url("/?failrate=0"))
            .send()
            .await
            .unwrap();
        assert_eq!(json(&ok.bytes().await.unwrap())["success"], true);
    }
}

mod unparseable_content_type {
    use super::*;

    #[test]
    fn raw_answers_a_content_type_outside_the_accept_header() {
        let server = start("unparseable_content_type");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"GET / HTTP/1.1\r\nHost: h\r\nAccept: application/json\r\n\r\n");
        let head = raw.read_response(PATIENCE).head();
        assert!(head.contains("\r\nContent-Type: text/morse"), "{head}");
        raw.send(b"GET / HTTP/1.1\r\nHost: h\r\nAccept: text/morse\r\n\r\n");
        let head = raw.read_response(PATIENCE).head();
        assert!(
            head.contains("\r\nContent-Type: application/json"),
            "{head}"
        );
    }

    #[tokio::test]
    async fn reqwest_fails_to_decode_the_json_it_asked_for() {
        let server = start("unparseable_content_type");
        let response = client(None)
            .get(server.url("/"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/morse");
        let err = response.json::<Value>().await.unwrap_err();
        assert!(err.is_decode(), "{}", chain(&err));
    }
}

mod short_body_keep_alive {
    use super::*;

    #[test]
    fn raw_gets_fewer_bytes_than_promised_and_the_connection_stays_open() {
        let server = start("short_body_keep_alive");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        let received = raw.read_until(PATIENCE, |b| b.ends_with(b"blah blah blah"));
        let body = received.body();
        let promised = format!("Content-Length: {}", body.len() + 2000);
        assert!(
            received.head().lines().any(|l| l == promised),
            "{}",
            received.head()
        );
        assert!(
            !received.head().contains("Connection: close"),
            "{}",
            received.head()
        );
        let rest = raw.read_all(IDLE);
        assert_eq!(
            (rest.bytes.len(), rest.end),
            (0, End::Idle),
            "left open even when asked to close: the client hangs"
        );
    }

    #[tokio::test]
    async fn reqwest_times_out_reading_the_body() {
        let server = start("short_body_keep_alive");
        // Long enough that the head, sent at once, always arrives in time on a loaded machine.
        let response = client(Some(Duration::from_secs(2)))
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_timeout(), "{}", chain(&err));
    }
}

mod short_body_close {
    use super::*;

    #[test]
    fn raw_gets_a_body_2000_bytes_short_then_eof() {
        let server = start("short_body_close");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"GET / HTTP/1.1\r\nHost: h\r\nAccept: text/html\r\n\r\n");
        let received = raw.read_all(PATIENCE);
        let body = received.body().to_vec();
        assert_eq!(body, b"<!doctype html><html><head><title>incomplete");
        let length = format!("\r\nContent-Length: {}", body.len() + 2000);
        assert!(received.head().contains(&length), "{}", received.head());
        assert!(received.head().contains("\r\nContent-Type: text/html"));
        assert_eq!(received.end, End::Eof);
    }

    #[tokio::test]
    async fn reqwest_reports_an_unexpected_eof_reading_the_body() {
        let server = start("short_body_close");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_decode(), "{}", chain(&err));
        assert_eq!(
            io_error_kind(&err),
            Some(ErrorKind::UnexpectedEof),
            "{}",
            chain(&err)
        );
    }
}
