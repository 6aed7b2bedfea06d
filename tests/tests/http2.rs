//! The HTTP/2 block (offsets 60–68). Each mode is pinned twice: by the frames the server sends,
//! read with a raw HTTP/2 client ([`H2Wire`]), and by what real clients report: reqwest and
//! hyper with prior knowledge and over TLS with the test CA (the `h2::Reason` in their error
//! chains), and curl's exit code. The history records each request with its stream and how the
//! stream ended.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use h2::Reason;
use hamms_integration_tests::{
    CurlOutcome, END_HEADERS, H2Wire, Raw, WireEnd, WireFrame, chain, client_builder,
    client_reported, curl, get, h2_error, h2_reason, h2_tls_config, handshake, hyper_errors,
    hyper_h2_builder, hyper_h2_with, kind, setting, temp_file,
};
use hamms_test::http::{Http2ErrorCode, Version};
use hamms_test::{Behavior, Exchange, FaultServer, Reply, StreamEnd};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::client::conn::http2::{Builder, SendRequest};
use hyper_util::rt::TokioExecutor;

/// A wait that ends when the awaited thing happens; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

/// A plain server of `mode` and one over TLS, both with `params`.
fn plain_and_tls(mode: &str, params: &[(&str, &str)]) -> [FaultServer; 2] {
    [false, true].map(|tls| {
        let mut builder = FaultServer::builder(mode);
        for (name, value) in params {
            builder = builder.param(name, value);
        }
        if tls {
            builder = builder.tls();
        }
        builder.start().expect("start the server")
    })
}

fn start(mode: &str) -> FaultServer {
    FaultServer::start(mode).expect("start the server")
}

fn is_tls(server: &FaultServer) -> bool {
    server.url("/").starts_with("https://")
}

/// What a test says about a server in its messages.
fn over(server: &FaultServer) -> &'static str {
    if is_tls(server) {
        "over TLS"
    } else {
        "with prior knowledge"
    }
}

/// reqwest speaking HTTP/2 to `server`: with prior knowledge, or over TLS trusting the test CA
/// (`h2` by ALPN).
fn reqwest_for(server: &FaultServer) -> reqwest::ClientBuilder {
    let builder = client_builder().timeout(PATIENCE);
    if is_tls(server) {
        let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
        builder.tls_certs_only([ca])
    } else {
        builder.http2_prior_knowledge()
    }
}

/// hyper's connection-level HTTP/2 client (no pool, no retry) on a new connection to `server`,
/// configured by `builder`.
async fn hyper_for<B>(
    server: &FaultServer,
    builder: &Builder<TokioExecutor>,
) -> (SendRequest<B>, tokio::task::JoinHandle<hyper::Result<()>>)
where
    B: hyper::body::Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if is_tls(server) {
        let config = h2_tls_config(server.ca_pem());
        let tls = handshake(server.addr(), config, "127.0.0.1").await.unwrap();
        hyper_h2_with(builder, tls).await
    } else {
        let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        hyper_h2_with(builder, tcp).await
    }
}

fn hyper_get(server: &FaultServer, target: &str) -> hyper::Request<Empty<Bytes>> {
    hyper::Request::get(server.url(target))
        .body(Empty::new())
        .unwrap()
}

/// curl speaking HTTP/2 to `server`: `--http2-prior-knowledge`, or over TLS trusting the test
/// CA (curl offers `h2` by ALPN), with `extra` arguments.
fn curl_h2(server: &FaultServer, target: &str, extra: &[&str]) -> CurlOutcome {
    let ca = temp_file(server.ca_pem());
    let ca_path = ca.path().to_str().unwrap().to_owned();
    let url = server.url(target);
    let mut args = vec!["--max-time", "10"];
    if is_tls(server) {
        args.extend(["--cacert", &ca_path]);
    } else {
        args.push("--http2-prior-knowledge");
    }
    args.extend_from_slice(extra);
    args.push(&url);
    curl(&args)
}

/// Exchange `index` once its stream's end is recorded. Async, so that the clients' tasks
/// on the test's runtime (a hyper connection sending its GOAWAY, say) keep running meanwhile.
async fn settled(server: &FaultServer, index: usize) -> Exchange {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let history = server.history();
        if let Some(exchange) = history.exchanges().get(index)
            && exchange.stream.as_ref().is_some_and(|s| s.end.is_some())
        {
            return exchange.clone();
        }
        assert!(
            Instant::now() < deadline,
            "exchange {index} never settled:\n{history}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits until the server has recorded `expected` body bytes of its first request.
async fn body_reaches(server: &FaultServer, expected: u64) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let history = server.history();
        let recorded = history.requests().next().map(|r| r.body_len);
        if recorded == Some(expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the body stopped at {recorded:?}, not {expected}:\n{history}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The stream id and end of an exchange.
fn stream_of(exchange: &Exchange) -> (u32, StreamEnd) {
    let stream = exchange.stream.as_ref().expect("an HTTP/2 stream");
    (stream.id, stream.end.expect("a settled stream"))
}

/// The frame kinds of `frames`, for messages.
fn kinds(frames: &[WireFrame]) -> Vec<(u8, u32)> {
    frames.iter().map(|f| (f.kind, f.stream)).collect()
}

/// Whether a frame ended `stream`: END_STREAM or RST_STREAM.
fn ends(stream: u32) -> impl Fn(&[WireFrame]) -> bool {
    move |frames| {
        frames
            .iter()
            .any(|f| f.stream == stream && (f.ends_stream() || f.kind == kind::RST_STREAM))
    }
}

/// Whether `frames` hold a GOAWAY.
fn has_goaway(frames: &[WireFrame]) -> bool {
    frames.iter().any(|f| f.kind == kind::GOAWAY)
}

/// Whether the server recorded the ALPN `h2` for every TLS connection it served.
fn alpn_was_h2(server: &FaultServer) -> bool {
    server
        .history()
        .connections()
        .iter()
        .all(|c| c.tls.as_ref().and_then(|t| t.alpn.as_deref()) == Some("h2"))
}

mod goaway {
    use super::*;

    #[test]
    fn the_server_answers_the_request_headers_with_goaway_below_their_stream_and_closes() {
        let server = start("h2_goaway");
        let mut wire = H2Wire::connect(server.addr(), &[]);
        wire.request(1, "POST", "/upload", false);
        let (frames, end) = wire.read_all(PATIENCE);
        assert_eq!(end, WireEnd::Eof, "{:?}", kinds(&frames));
        let last = frames.last().unwrap();
        assert_eq!(last.kind, kind::GOAWAY, "{:?}", kinds(&frames));
        assert_eq!((last.last_stream_id(), last.code()), (0, 0));
        assert!(
            frames
                .iter()
                .all(|f| f.kind != kind::HEADERS && f.kind != kind::DATA),
            "{:?}",
            kinds(&frames)
        );
    }

    #[test]
    fn the_error_code_is_chosen_by_name_per_server_or_per_request() {
        let server = FaultServer::builder("h2_goaway")
            .param("error_code", "INTERNAL_ERROR")
            .start()
            .unwrap();
        for (target, code) in [("/", 0x2), ("/?error_code=ENHANCE_YOUR_CALM", 0xb)] {
            let mut wire = H2Wire::connect(server.addr(), &[]);
            wire.request(1, "GET", target, true);
            let (frames, _) = wire.read_until(PATIENCE, has_goaway);
            let goaway = frames.iter().find(|f| f.kind == kind::GOAWAY).unwrap();
            assert_eq!(goaway.code(), code, "{target}");
        }
    }

    #[tokio::test]
    async fn reqwest_retries_on_two_new_connections_then_reports_the_graceful_goaway() {
        for server in plain_and_tls("h2_goaway", &[]) {
            let client = reqwest_for(&server).build().unwrap();
            let error = client.get(server.url("/")).send().await.unwrap_err();
            let h2 = h2_error(&error).unwrap_or_else(|| panic!("{}", chain(&error)));
            assert!(h2.is_go_away() && h2.is_remote(), "{}", chain(&error));
            assert_eq!(h2.reason(), Some(Reason::NO_ERROR));
            // reqwest retries a request a graceful GOAWAY left out, twice, on new connections.
            for index in 0..3 {
                let exchange = settled(&server, index).await;
                assert_eq!(
                    stream_of(&exchange),
                    (
                        1,
                        StreamEnd::GoAway {
                            last_stream_id: 0,
                            code: Http2ErrorCode::NO_ERROR
                        }
                    )
                );
                assert_eq!(exchange.reply, Reply::Closed);
                assert_eq!(exchange.request.version, Version::HTTP_2);
            }
            let history = server.history();
            assert_eq!(history.len(), 3, "{} {history}", over(&server));
            assert_eq!(history.connections().len(), 3);
            assert!(alpn_was_h2(&server) || !is_tls(&server));
        }
    }

    #[tokio::test]
    async fn hyper_reports_the_goaway_and_its_error_code() {
        for server in plain_and_tls("h2_goaway", &[("error_code", "INTERNAL_ERROR")]) {
            let (mut sender, connection) = hyper_for(&server, &hyper_h2_builder()).await;
            let error = sender
                .send_request(hyper_get(&server, "/"))
                .await
                .unwrap_err();
            let h2 = h2_error(&error).unwrap_or_else(|| panic!("{}", chain(&error)));
            assert!(h2.is_go_away() && h2.is_remote(), "{}", chain(&error));
            assert_eq!(
                h2.reason(),
                Some(Reason::INTERNAL_ERROR),
                "{}",
                over(&server)
            );
            // hyper does not retry: one request.
            let _ = tokio::time::timeout(PATIENCE, connection).await;
            assert_eq!(server.history().len(), 1);
        }
    }

    #[test]
    fn curl_exits_16_with_an_http2_framing_error() {
        for server in plain_and_tls("h2_goaway", &[]) {
            let outcome = curl_h2(&server, "/", &[]);
            assert_eq!(outcome.code, 16, "{} {outcome:?}", over(&server));
        }
    }

    #[tokio::test]
    async fn a_retrying_client_succeeds_once_the_test_switches_the_server_to_the_fixture() {
        let server = FaultServer::fixture().start().unwrap();
        server.set_behavior(Behavior::mode("h2_goaway").unwrap());
        let client = reqwest_for(&server).build().unwrap();
        let error = client.get(server.url("/order")).send().await.unwrap_err();
        assert_eq!(
            h2_reason(&error),
            Some(Reason::NO_ERROR),
            "{}",
            chain(&error)
        );

        let response = server
            .with_behavior(Behavior::fixture(), async {
                client.get(server.url("/order")).send().await.unwrap()
            })
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        let history = server.history();
        let replies: Vec<_> = history.exchanges().iter().map(|e| &e.reply).collect();
        assert_eq!(replies.len(), 4, "{history}");
        assert!(
            replies[..3].iter().all(|r| **r == Reply::Closed),
            "{history}"
        );
        assert!(matches!(replies[3], Reply::Response { status: 200, .. }));
    }
}

mod refused_stream {
    use super::*;

    #[test]
    fn each_stream_is_refused_before_any_headers_and_the_connection_stays_open() {
        let server = start("h2_refused_stream");
        let mut wire = H2Wire::connect(server.addr(), &[]);
        wire.request(1, "GET", "/a", true);
        let (first, _) = wire.read_until(PATIENCE, ends(1));
        wire.request(3, "GET", "/b", true);
        let (second, end) = wire.read_until(PATIENCE, ends(3));
        assert_eq!(end, WireEnd::Done, "the connection still serves");
        for (frames, stream) in [(&first, 1), (&second, 3)] {
            let reset = frames
                .iter()
                .find(|f| f.kind == kind::RST_STREAM)
                .unwrap_or_else(|| panic!("{:?}", kinds(frames)));
            assert_eq!((reset.stream, reset.code()), (stream, 0x7));
            assert!(frames.iter().all(|f| f.kind != kind::HEADERS));
        }
        let history = server.history();
        let paths: Vec<_> = history.requests().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/a", "/b"]);
        assert!(history.exchanges().iter().all(|e| e.reply == Reply::Reset
            && e.stream.as_ref().unwrap().end
                == Some(StreamEnd::ServerReset(Http2ErrorCode::REFUSED_STREAM))));
    }

    #[tokio::test]
    async fn reqwest_retries_twice_on_its_connection_then_reports_refused_stream() {
        for server in plain_and_tls("h2_refused_stream", &[]) {
            let client = reqwest_for(&server).build().unwrap();
            let error = client.get(server.url("/")).send().await.unwrap_err();
            let h2 = h2_error(&error).unwrap_or_else(|| panic!("{}", chain(&error)));
            assert!(h2.is_reset() && h2.is_remote(), "{}", chain(&error));
            assert_eq!(h2.reason(), Some(Reason::REFUSED_STREAM));
            let history = server.history();
            let streams: Vec<_> = history
                .exchanges()
                .iter()
                .map(|e| e.stream.clone().unwrap().id)
                .collect();
            assert_eq!(streams, [1, 3, 5], "{} {history}", over(&server));
            assert_eq!(history.connections().len(), 1);
        }
    }

    #[tokio::test]
    async fn hyper_reports_refused_stream_and_does_not_retry() {
        for server in plain_and_tls("h2_refused_stream", &[]) {
            let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
            let error = sender
                .send_request(hyper_get(&server, "/"))
                .await
                .unwrap_err();
            assert_eq!(
                h2_reason(&error),
                Some(Reason::REFUSED_STREAM),
                "{}",
                chain(&error)
            );
            assert_eq!(
                stream_of(&settled(&server, 0).await),
                (1, StreamEnd::ServerReset(Http2ErrorCode::REFUSED_STREAM))
            );
            assert_eq!(server.history().len(), 1, "{}", over(&server));
        }
    }

    #[test]
    fn curl_retries_refused_streams_then_exits_56() {
        for server in plain_and_tls("h2_refused_stream", &[]) {
            let outcome = curl_h2(&server, "/", &[]);
            assert_eq!(outcome.code, 56, "{} {outcome:?}", over(&server));
            assert!(outcome.stderr.contains("tried 5 times"), "{outcome:?}");
            assert_eq!(server.history().len(), 6, "{}", server.history());
        }
    }

    #[tokio::test]
    async fn a_retrying_client_succeeds_once_the_test_switches_the_server_to_the_fixture() {
        let server = FaultServer::fixture().start().unwrap();
        server.set_behavior(Behavior::mode("h2_refused_stream").unwrap());
        let client = reqwest_for(&server).build().unwrap();
        let error = client.get(server.url("/pay")).send().await.unwrap_err();
        assert_eq!(
            h2_reason(&error),
            Some(Reason::REFUSED_STREAM),
            "{}",
            chain(&error)
        );

        // The retry goes out on the same connection; the switch reaches it there: a GOAWAY
        // leaves the stream out, and reqwest sends it again on a new connection.
        let response = server
            .with_behavior(Behavior::fixture(), async {
                client.get(server.url("/pay")).send().await.unwrap()
            })
            .await;
        assert_eq!(response.status(), 200);
        let history = server.history();
        let ends: Vec<_> = history
            .exchanges()
            .iter()
            .map(|e| e.stream.as_ref().and_then(|s| s.end))
            .collect();
        let refused = Some(StreamEnd::ServerReset(Http2ErrorCode::REFUSED_STREAM));
        let left_out = Some(StreamEnd::GoAway {
            last_stream_id: 5,
            code: Http2ErrorCode::NO_ERROR,
        });
        // The fixture's HTTP/2 (hyper) records no stream.
        assert_eq!(
            ends,
            [refused, refused, refused, left_out, None],
            "{history}"
        );
        assert_eq!(history.connections().len(), 2);
    }
}

mod rst_stream {
    use super::*;

    #[test]
    fn the_head_and_after_bytes_of_body_leave_then_the_reset() {
        let server = start("h2_rst_stream");
        for (target, sent, code) in [
            ("/", 1024, 0x2),
            ("/?after_bytes=40000&error_code=CANCEL", 40_000, 0x8),
            ("/?after_bytes=1048576", 1 << 20, 0x2),
            ("/?after_bytes=0", 0, 0x2),
        ] {
            // Windows wide enough for the largest body: the server waits for none.
            let mut wire =
                H2Wire::connect(server.addr(), &[(setting::INITIAL_WINDOW_SIZE, 1 << 21)]);
            wire.send_frame(kind::WINDOW_UPDATE, 0, 0, &(1u32 << 21).to_be_bytes());
            wire.request(1, "GET", target, true);
            let (frames, _) = wire.read_until(PATIENCE, ends(1));
            let on_stream: Vec<&WireFrame> = frames.iter().filter(|f| f.stream == 1).collect();
            assert_eq!(on_stream[0].kind, kind::HEADERS, "{target}");
            assert!(!on_stream[0].ends_stream());
            let reset = on_stream.last().unwrap();
            assert_eq!(
                (reset.kind, reset.code()),
                (kind::RST_STREAM, code),
                "{target}"
            );
            let data: usize = on_stream
                .iter()
                .filter(|f| f.kind == kind::DATA)
                .map(|f| f.payload.len())
                .sum();
            assert_eq!(data, sent, "{target}");
            assert!(on_stream.iter().all(|f| !f.ends_stream()));
        }
    }

    #[tokio::test]
    async fn reqwest_gets_the_200_then_internal_error_reading_the_body() {
        for server in plain_and_tls("h2_rst_stream", &[]) {
            let response = reqwest_for(&server)
                .build()
                .unwrap()
                .get(server.url("/"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let error = response.bytes().await.unwrap_err();
            assert_eq!(
                h2_reason(&error),
                Some(Reason::INTERNAL_ERROR),
                "{} {}",
                over(&server),
                chain(&error)
            );
            let exchange = settled(&server, 0).await;
            assert_eq!(
                stream_of(&exchange).1,
                StreamEnd::ServerReset(Http2ErrorCode::INTERNAL_ERROR)
            );
            assert!(matches!(
                exchange.reply,
                Reply::Response {
                    status: 200,
                    body_len: 1024,
                    ..
                }
            ));
        }
    }

    #[tokio::test]
    async fn hyper_reads_after_bytes_then_gets_the_reset_with_its_code() {
        for server in plain_and_tls("h2_rst_stream", &[("after_bytes", "5000")]) {
            let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
            let response = sender
                .send_request(hyper_get(&server, "/?error_code=CANCEL"))
                .await
                .unwrap();
            let mut body = response.into_body();
            let mut received = 0;
            let error = loop {
                match body.frame().await {
                    Some(Ok(frame)) => received += frame.data_ref().map_or(0, Bytes::len),
                    Some(Err(error)) => break error,
                    None => panic!("the body ended without a reset"),
                }
            };
            assert_eq!(received, 5000, "{}", over(&server));
            assert_eq!(h2_reason(&error), Some(Reason::CANCEL), "{}", chain(&error));
        }
    }

    #[test]
    fn curl_exits_92_for_a_stream_not_closed_cleanly() {
        for server in plain_and_tls("h2_rst_stream", &[]) {
            let outcome = curl_h2(&server, "/", &["-o", "/dev/null"]);
            assert_eq!(outcome.code, 92, "{} {outcome:?}", over(&server));
            assert!(outcome.stderr.contains("INTERNAL_ERROR"), "{outcome:?}");
        }
    }
}

mod flow_stall {
    use super::*;

    #[test]
    fn the_granted_window_is_never_released_so_a_body_stops_there_unanswered() {
        let server = FaultServer::builder("h2_flow_stall")
            .param("initial_window", 1000)
            .start()
            .unwrap();
        let mut wire = H2Wire::connect(server.addr(), &[]);
        let (frames, _) = wire.read_until(PATIENCE, |frames| {
            frames
                .iter()
                .any(|f| f.kind == kind::SETTINGS && !f.is_ack())
        });
        let settings = frames.iter().find(|f| f.kind == kind::SETTINGS).unwrap();
        assert!(
            settings
                .settings()
                .contains(&(setting::INITIAL_WINDOW_SIZE, 1000)),
            "{:?}",
            settings.settings()
        );
        wire.ack_settings();
        wire.request(1, "POST", "/upload", false)
            .data(1, &[b'u'; 1000], false);
        // A body within the window, on another stream, is answered: the server waits for whole
        // bodies, and only this one can never be whole.
        wire.request(3, "POST", "/small", false)
            .data(3, b"tiny", true);
        let (frames, _) = wire.read_until(PATIENCE, ends(3));
        let (later, end) = wire.read_all(Duration::from_millis(300));
        assert_eq!(end, WireEnd::Idle);
        for frame in frames.iter().chain(&later) {
            assert_ne!(frame.kind, kind::WINDOW_UPDATE, "{:?}", kinds(&frames));
            assert_ne!(
                frame.stream,
                1,
                "stream 1 got an answer: {:?}",
                kinds(&frames)
            );
        }
        let history = server.history();
        let upload = &history.exchanges()[0];
        assert_eq!(
            (upload.request.body_len, &upload.reply),
            (1000, &Reply::Pending)
        );
        assert!(matches!(
            history.exchanges()[1].reply,
            Reply::Response { status: 200, .. }
        ));
    }

    #[tokio::test]
    async fn reqwest_times_out_uploading_past_the_window() {
        for server in plain_and_tls("h2_flow_stall", &[]) {
            // The timeout covers connecting and the handshake too: long enough for a loaded
            // machine to fill the window first (the stall never ends, so it always fires).
            let error = reqwest_for(&server)
                .timeout(Duration::from_secs(2))
                .build()
                .unwrap()
                .post(server.url("/upload"))
                .body(vec![b'u'; 1 << 20])
                .send()
                .await
                .unwrap_err();
            assert!(error.is_timeout(), "{} {}", over(&server), chain(&error));
            // The protocol's default window, and not a byte more.
            body_reaches(&server, 65_535).await;
        }
    }

    #[tokio::test]
    async fn hyper_upload_stalls_at_the_window() {
        for server in plain_and_tls("h2_flow_stall", &[]) {
            let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
            let request = hyper::Request::post(server.url("/upload"))
                .body(Full::new(Bytes::from(vec![b'u'; 1 << 20])))
                .unwrap();
            let answer =
                tokio::time::timeout(Duration::from_millis(500), sender.send_request(request))
                    .await;
            assert!(answer.is_err(), "{} {answer:?}", over(&server));
            body_reaches(&server, 65_535).await;
        }
    }

    #[test]
    fn curl_times_out_uploading_past_the_window() {
        let upload = temp_file(&"u".repeat(1 << 20));
        let data = format!("@{}", upload.path().to_str().unwrap());
        for server in plain_and_tls("h2_flow_stall", &[]) {
            let outcome = curl_h2(&server, "/", &["--max-time", "1", "--data-binary", &data]);
            assert_eq!(outcome.code, 28, "{} {outcome:?}", over(&server));
        }
    }
}

mod max_streams_1 {
    use super::*;

    /// Asserts that the exchanges arrived one after another: each request after the previous
    /// answer left, at least 80 ms (for a 100 ms delay) apart, all on one connection.
    #[track_caller]
    fn one_after_another(server: &FaultServer) {
        let history = server.history();
        let exchanges = history.exchanges();
        assert_eq!(exchanges.len(), 4, "{history}");
        for pair in exchanges.windows(2) {
            let answered = pair[0].first_byte_at.expect("answered");
            assert!(pair[1].request.received_at >= answered, "{history}");
        }
        for gap in history.intervals() {
            assert!(gap >= Duration::from_millis(80), "{gap:?}\n{history}");
        }
        let connection = exchanges[0].request.connection;
        assert!(
            exchanges.iter().all(|e| e.request.connection == connection),
            "{history}"
        );
    }

    #[test]
    fn the_server_announces_one_stream_and_refuses_a_second_one_opened_at_once() {
        let server = start("h2_max_streams_1");
        let mut wire = H2Wire::connect(server.addr(), &[]);
        let sent = Instant::now();
        wire.request(1, "GET", "/?delay_ms=100", true)
            .request(3, "GET", "/?delay_ms=100", true);
        let (frames, _) = wire.read_until(PATIENCE, |f| ends(1)(f) && ends(3)(f));
        let settings = frames.iter().find(|f| f.kind == kind::SETTINGS).unwrap();
        assert!(
            settings
                .settings()
                .contains(&(setting::MAX_CONCURRENT_STREAMS, 1))
        );
        let reset = frames.iter().find(|f| f.stream == 3).unwrap();
        assert_eq!((reset.kind, reset.code()), (kind::RST_STREAM, 0x7));
        let answer = frames
            .iter()
            .find(|f| f.stream == 1 && f.ends_stream())
            .unwrap();
        assert!(answer.at.duration_since(sent) >= Duration::from_millis(100));
    }

    #[tokio::test]
    async fn four_concurrent_reqwest_requests_complete_one_after_another() {
        for server in plain_and_tls("h2_max_streams_1", &[("delay_ms", "100")]) {
            let client = reqwest_for(&server).build().unwrap();
            // A connection whose SETTINGS the client has read: a client may open more streams
            // than the limit before it knows it, and see them refused.
            client.get(server.url("/warm")).send().await.unwrap();
            server.clear_history();
            let requests = (0..4).map(|i| client.get(server.url(&format!("/{i}"))).send());
            for response in join_all(requests).await {
                assert_eq!(response.unwrap().status(), 200);
            }
            one_after_another(&server);
        }
    }

    #[tokio::test]
    async fn four_concurrent_hyper_requests_on_one_connection_complete_one_after_another() {
        for server in plain_and_tls("h2_max_streams_1", &[("delay_ms", "100")]) {
            let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
            sender
                .send_request(hyper_get(&server, "/warm"))
                .await
                .unwrap();
            server.clear_history();
            let requests = (0..4).map(|i| {
                let mut sender: SendRequest<Empty<Bytes>> = sender.clone();
                let request = hyper_get(&server, &format!("/{i}"));
                async move { sender.send_request(request).await }
            });
            for response in join_all(requests).await {
                assert_eq!(response.unwrap().status(), 200, "{}", over(&server));
            }
            one_after_another(&server);
        }
    }

    #[test]
    fn curl_in_parallel_opens_a_connection_per_transfer_rather_than_wait() {
        for server in plain_and_tls("h2_max_streams_1", &[("delay_ms", "100")]) {
            let url = server.url("/");
            let null = ["-o", "/dev/null"];
            let mut args = vec!["--parallel", "--parallel-immediate"];
            args.extend(null.repeat(3));
            args.extend([url.as_str(), url.as_str()]);
            let outcome = curl_h2(&server, "/", &args);
            assert_eq!(outcome.code, 0, "{outcome:?}");
            let history = server.history();
            assert_eq!(history.len(), 3);
            assert_eq!(history.connections().len(), 3, "{history}");
        }
    }
}

mod ping_silence {
    use super::*;

    #[test]
    fn pings_go_unanswered_while_requests_are_answered() {
        let server = start("h2_ping_silence");
        let mut wire = H2Wire::connect(server.addr(), &[]);
        // The PING goes first: an acknowledgement would leave before the answer.
        wire.ping(*b"hamms-h2").request(1, "GET", "/", true);
        let (frames, end) = wire.read_until(PATIENCE, ends(1));
        assert_eq!(end, WireEnd::Done);
        assert!(
            frames.iter().all(|f| f.kind != kind::PING),
            "{:?}",
            kinds(&frames)
        );
        let answer = frames.iter().find(|f| f.kind == kind::DATA).unwrap();
        assert_eq!(answer.payload, br#"{"stream":1}"#);
    }

    /// hyper pinging every 50 ms, giving up on a PING after 100 ms.
    fn pinging() -> Builder<TokioExecutor> {
        let mut builder = hyper_h2_builder();
        builder
            .timer(hyper_util::rt::TokioTimer::new())
            .keep_alive_interval(Duration::from_millis(50))
            .keep_alive_timeout(Duration::from_millis(100))
            .keep_alive_while_idle(true);
        builder
    }

    #[tokio::test]
    async fn hyper_keep_alive_times_out_on_an_idle_connection() {
        for server in plain_and_tls("h2_ping_silence", &[]) {
            let (_sender, connection) = hyper_for::<Empty<Bytes>>(&server, &pinging()).await;
            let ended = tokio::time::timeout(PATIENCE, connection)
                .await
                .expect("the connection gives up")
                .unwrap();
            let error = ended.unwrap_err();
            assert!(error.is_timeout(), "{} {}", over(&server), chain(&error));
            assert!(
                chain(&error).contains("keep-alive timed out"),
                "{}",
                chain(&error)
            );
        }
    }

    #[tokio::test]
    async fn hyper_keep_alive_fails_a_request_whose_answer_is_slow() {
        for server in plain_and_tls("h2_ping_silence", &[("delay_ms", "10000")]) {
            let (mut sender, _connection) = hyper_for(&server, &pinging()).await;
            let started = Instant::now();
            let error = sender
                .send_request(hyper_get(&server, "/"))
                .await
                .unwrap_err();
            assert!(
                hyper_errors(&error).iter().any(|e| e.is_timeout()),
                "{}",
                chain(&error)
            );
            assert!(started.elapsed() < PATIENCE, "{:?}", started.elapsed());
        }
    }

    #[tokio::test]
    async fn reqwest_keep_alive_fails_a_request_whose_answer_is_slow() {
        for server in plain_and_tls("h2_ping_silence", &[("delay_ms", "10000")]) {
            let error = reqwest_for(&server)
                .http2_keep_alive_interval(Duration::from_millis(50))
                .http2_keep_alive_timeout(Duration::from_millis(100))
                .build()
                .unwrap()
                .get(server.url("/"))
                .send()
                .await
                .unwrap_err();
            assert!(
                chain(&error).contains("keep-alive timed out"),
                "{} {}",
                over(&server),
                chain(&error)
            );
        }
    }

    #[test]
    fn curl_sends_no_pings_and_gets_its_answer() {
        for server in plain_and_tls("h2_ping_silence", &[]) {
            let outcome = curl_h2(&server, "/", &[]);
            assert_eq!(
                (outcome.code, outcome.stdout.as_str()),
                (0, r#"{"stream":1}"#)
            );
        }
    }
}

mod settings_never_acked {
    use super::*;

    #[test]
    fn the_server_uses_the_client_window_without_ever_acknowledging_it() {
        let server = start("h2_settings_never_acked");
        let mut wire = H2Wire::connect(server.addr(), &[(setting::INITIAL_WINDOW_SIZE, 1 << 20)]);
        // The connection's window grows by WINDOW_UPDATE, which needs no acknowledgement.
        wire.send_frame(kind::WINDOW_UPDATE, 0, 0, &(1u32 << 20).to_be_bytes());
        wire.request(1, "GET", "/", true);
        let (frames, end) = wire.read_until(PATIENCE, ends(1));
        assert_eq!(end, WireEnd::Done);
        assert!(frames.iter().any(|f| f.kind == kind::SETTINGS));
        assert!(
            !frames.iter().any(WireFrame::is_ack),
            "{:?}",
            kinds(&frames)
        );
        let data: usize = frames
            .iter()
            .filter(|f| f.kind == kind::DATA)
            .map(|f| f.payload.len())
            .sum();
        assert_eq!(
            data, 131_072,
            "past the 65 535 of a window not yet confirmed"
        );
    }

    /// Waits until the client under test has reported the overflow to `server` (a RST_STREAM
    /// with FLOW_CONTROL_ERROR, on its `connection`th connection, from 0): it does so as soon
    /// as the burst overflows its window. Its application reads the body only then, so nothing
    /// it read made room in the window before the burst was in (the race the mode's summary
    /// names), and the outcome is the same on every run.
    async fn until_the_client_reported_the_overflow(server: &FaultServer, connection: usize) {
        let code = Http2ErrorCode::FLOW_CONTROL_ERROR.code();
        assert!(
            client_reported(server, connection, code, PATIENCE).await,
            "the client reported no FLOW_CONTROL_ERROR on connection {connection}: {} connection(s)",
            server.history().connections().len()
        );
    }

    #[tokio::test]
    async fn reqwest_and_hyper_keep_the_default_window_until_the_ack_and_report_flow_control_error()
    {
        for server in plain_and_tls("h2_settings_never_acked", &[]) {
            let response = reqwest_for(&server)
                .build()
                .unwrap()
                .get(server.url("/"))
                .send()
                .await
                .unwrap();
            until_the_client_reported_the_overflow(&server, 0).await;
            let error = response.bytes().await.unwrap_err();
            assert_eq!(
                h2_reason(&error),
                Some(Reason::FLOW_CONTROL_ERROR),
                "reqwest {} {}",
                over(&server),
                chain(&error)
            );

            let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
            let response = sender.send_request(hyper_get(&server, "/")).await.unwrap();
            until_the_client_reported_the_overflow(&server, 1).await;
            let error = response.into_body().collect().await.unwrap_err();
            assert_eq!(
                h2_reason(&error),
                Some(Reason::FLOW_CONTROL_ERROR),
                "hyper {} {}",
                over(&server),
                chain(&error)
            );
        }
    }

    #[tokio::test]
    async fn a_fixture_that_acknowledges_gets_the_same_body_through_to_hyper() {
        let server = FaultServer::fixture().start().unwrap();
        server.respond_with(hamms_test::Response::ok().body(vec![b'a'; 131_072]));
        let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
        let response = sender.send_request(hyper_get(&server, "/")).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), 131_072);
    }

    #[test]
    fn curl_applies_its_window_at_once_and_reads_the_whole_body() {
        for server in plain_and_tls("h2_settings_never_acked", &[]) {
            let outcome = curl_h2(&server, "/", &[]);
            assert_eq!(
                (outcome.code, outcome.stdout.len()),
                (0, 131_072),
                "{} {}",
                over(&server),
                outcome.stderr
            );
        }
    }
}

mod protocol_error {
    use super::*;

    #[test]
    fn a_data_frame_on_stream_zero_follows_the_request_then_the_close() {
        let server = start("h2_protocol_error");
        let mut wire = H2Wire::connect(server.addr(), &[]);
        wire.request(1, "POST", "/", false).data(1, b"body", true);
        let (frames, end) = wire.read_all(PATIENCE);
        assert_eq!(end, WireEnd::Eof);
        let last = frames.last().unwrap();
        assert_eq!(
            (last.kind, last.stream, last.payload.len()),
            (kind::DATA, 0, 0),
            "{:?}",
            kinds(&frames)
        );
        assert!(frames.iter().all(|f| f.kind != kind::HEADERS));
        let history = server.history();
        let exchange = &history.exchanges()[0];
        assert_eq!(exchange.request.body, b"body");
        assert_eq!(exchange.reply, Reply::Raw(vec![0; 9]));
    }

    #[tokio::test]
    async fn reqwest_and_hyper_detect_a_protocol_error_and_tell_the_server_with_goaway() {
        for server in plain_and_tls("h2_protocol_error", &[]) {
            let error = reqwest_for(&server)
                .build()
                .unwrap()
                .get(server.url("/"))
                .send()
                .await
                .unwrap_err();
            let h2 = h2_error(&error).unwrap_or_else(|| panic!("{}", chain(&error)));
            assert!(h2.is_go_away() && !h2.is_remote(), "{}", chain(&error));
            assert_eq!(
                h2.reason(),
                Some(Reason::PROTOCOL_ERROR),
                "reqwest {}",
                over(&server)
            );

            let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
            let error = sender
                .send_request(hyper_get(&server, "/"))
                .await
                .unwrap_err();
            assert_eq!(
                h2_reason(&error),
                Some(Reason::PROTOCOL_ERROR),
                "hyper {}",
                over(&server)
            );
            for index in 0..2 {
                assert_eq!(
                    stream_of(&settled(&server, index).await).1,
                    StreamEnd::ClientGoAway(Http2ErrorCode::PROTOCOL_ERROR)
                );
            }
        }
    }

    #[test]
    fn curl_exits_52_having_no_reply() {
        for server in plain_and_tls("h2_protocol_error", &[]) {
            let outcome = curl_h2(&server, "/", &[]);
            assert_eq!(outcome.code, 52, "{} {outcome:?}", over(&server));
        }
    }
}

mod huge_headers {
    use super::*;

    /// The length of the longest run of `byte` in the header blocks of `stream`.
    fn longest_run(frames: &[WireFrame], stream: u32, byte: u8) -> usize {
        let block: Vec<u8> = frames
            .iter()
            .filter(|f| f.stream == stream && matches!(f.kind, kind::HEADERS | kind::CONTINUATION))
            .flat_map(|f| f.payload.clone())
            .collect();
        block
            .split(|b| *b != byte)
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn the_header_is_one_byte_past_the_announced_limit_or_size_bytes_without_one() {
        let server = start("h2_huge_headers");
        // `X` is 0xfc in HPACK's Huffman code: the header's value is a run of 0xfc bytes.
        for (settings, target, length) in [
            (vec![(setting::MAX_HEADER_LIST_SIZE, 5000)], "/", 5001),
            (vec![], "/?size=3000", 3000),
        ] {
            let mut wire = H2Wire::connect(server.addr(), &settings);
            wire.request(1, "GET", target, true);
            let (frames, _) = wire.read_until(PATIENCE, |frames| {
                frames
                    .iter()
                    .any(|f| f.stream == 1 && f.flags & END_HEADERS != 0)
            });
            assert_eq!(longest_run(&frames, 1, 0xfc), length, "{target}");
        }
        let history = server.history();
        let Reply::Response { headers, .. } = &history.exchanges()[0].reply else {
            panic!("{history}");
        };
        assert!(
            headers
                .iter()
                .any(|(name, value)| name == "X-Huge" && value.ends_with("(5001 bytes)")),
            "{headers:?}"
        );
    }

    #[tokio::test]
    async fn reqwest_and_hyper_refuse_headers_past_their_16_kib_with_protocol_error() {
        for server in plain_and_tls("h2_huge_headers", &[]) {
            let error = reqwest_for(&server)
                .build()
                .unwrap()
                .get(server.url("/"))
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                h2_reason(&error),
                Some(Reason::PROTOCOL_ERROR),
                "reqwest {} {}",
                over(&server),
                chain(&error)
            );

            let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
            let error = sender
                .send_request(hyper_get(&server, "/"))
                .await
                .unwrap_err();
            let h2 = h2_error(&error).unwrap_or_else(|| panic!("{}", chain(&error)));
            assert!(h2.is_reset() && !h2.is_remote(), "{}", chain(&error));
            assert_eq!(
                h2.reason(),
                Some(Reason::PROTOCOL_ERROR),
                "hyper {}",
                over(&server)
            );
            let Reply::Response { headers, .. } = &settled(&server, 1).await.reply else {
                panic!("{}", server.history());
            };
            // hyper announces 16 KiB.
            assert!(headers.iter().any(|(_, v)| v.ends_with("(16385 bytes)")));
        }
    }

    #[test]
    fn curl_announces_no_limit_and_exits_52_on_a_1_mib_header() {
        for server in plain_and_tls("h2_huge_headers", &[]) {
            let outcome = curl_h2(&server, "/", &[]);
            assert_eq!(outcome.code, 52, "{} {outcome:?}", over(&server));
        }
    }
}

mod engine {
    use super::*;

    #[test]
    fn http_1_1_clients_get_a_505_saying_how_to_speak_http2() {
        for mode in ["h2_goaway", "h2_max_streams_1"] {
            let server = start(mode);
            let answer = Raw::connect(server.addr())
                .send(&get("/"))
                .read_all(PATIENCE);
            let text = answer.text();
            assert!(
                text.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"),
                "{text}"
            );
            assert!(text.contains("prior knowledge"), "{text}");
            assert!(text.contains(mode), "{text}");
        }
        let server = start("h2_refused_stream");
        let outcome = curl(&[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &server.url("/"),
        ]);
        assert_eq!(outcome.stdout, "505");
    }

    #[tokio::test]
    async fn bad_per_request_parameters_get_a_400_on_their_stream_naming_the_valid_range() {
        let server = start("h2_rst_stream");
        let client = reqwest_for(&server).build().unwrap();
        for (target, named) in [
            ("/?after_bytes=lots", "from 0 to 1048576"),
            ("/?error_code=OOPS", "INTERNAL_ERROR, FLOW_CONTROL_ERROR"),
            ("/?tls=true", "set when the server starts"),
        ] {
            let response = client.get(server.url(target)).send().await.unwrap();
            assert_eq!(response.status(), 400, "{target}");
            assert_eq!(response.version(), reqwest::Version::HTTP_2);
            let body = response.text().await.unwrap();
            assert!(body.contains(named), "{target}: {body}");
        }
        // The connection, and the server, go on serving.
        let response = client.get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }

    #[test]
    fn a_switch_reaches_an_open_connection_at_its_next_stream_with_a_goaway_naming_the_last() {
        let server = FaultServer::fixture().start().unwrap();
        server.set_behavior(Behavior::mode("h2_refused_stream").unwrap());
        let mut wire = H2Wire::connect(server.addr(), &[]);
        wire.request(1, "GET", "/", true);
        wire.read_until(PATIENCE, ends(1));
        server.set_behavior(Behavior::fixture());
        wire.request(3, "GET", "/", true);
        let (frames, end) = wire.read_all(PATIENCE);
        assert_eq!(end, WireEnd::Eof);
        let goaway = frames.iter().find(|f| f.kind == kind::GOAWAY).unwrap();
        assert_eq!((goaway.last_stream_id(), goaway.code()), (1, 0));
        assert!(frames.iter().all(|f| f.stream != 3));
    }

    #[test]
    fn a_client_that_breaks_the_protocol_gets_goaway_and_the_server_serves_the_next() {
        let server = start("h2_rst_stream");
        let mut wire = H2Wire::connect(server.addr(), &[]);
        // DATA on stream 0, from the client this time.
        wire.send_frame(kind::DATA, 0, 0, &[]);
        let (frames, _) = wire.read_until(PATIENCE, has_goaway);
        let goaway = frames.iter().find(|f| f.kind == kind::GOAWAY).unwrap();
        assert_eq!(goaway.code(), 0x1, "PROTOCOL_ERROR");
        let mut next = H2Wire::connect(server.addr(), &[]);
        next.request(1, "GET", "/", true);
        let (frames, _) = next.read_until(PATIENCE, ends(1));
        assert_eq!(frames.last().unwrap().kind, kind::RST_STREAM);
    }

    #[hamms_test::with_fault_server(
        port = "h2_rst_stream",
        error_code = "CANCEL",
        after_bytes = 0,
        tls = true
    )]
    #[tokio::test]
    async fn the_attribute_takes_the_modes_and_their_parameters(server: FaultServer) {
        let response = reqwest_for(&server)
            .build()
            .unwrap()
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert_eq!(h2_reason(&error), Some(Reason::CANCEL), "{}", chain(&error));
        assert!(matches!(
            settled(&server, 0).await.reply,
            Reply::Response { body_len: 0, .. }
        ));
    }

    #[tokio::test]
    async fn the_control_api_history_shows_each_stream_and_its_end() {
        let server = std::sync::Arc::new(start("h2_refused_stream"));
        let control = hamms_test::control::ControlServer::start(
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            vec![("refusing".to_owned(), std::sync::Arc::clone(&server))],
            false,
        )
        .unwrap();
        let (mut sender, _connection) = hyper_for(&server, &hyper_h2_builder()).await;
        let _ = sender.send_request(hyper_get(&server, "/")).await;
        settled(&server, 0).await;
        let history: serde_json::Value = client_builder()
            .build()
            .unwrap()
            .get(format!(
                "http://{}/servers/refusing/history",
                control.addr()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            history["requests"][0]["stream"],
            serde_json::json!({"id": 1, "end": "ServerReset(REFUSED_STREAM)"})
        );
        assert_eq!(history["requests"][0]["version"], "HTTP/2.0");
    }

    #[tokio::test]
    async fn the_history_tells_each_stream_and_how_it_ended() {
        let server = start("h2_refused_stream");
        let client = reqwest_for(&server).build().unwrap();
        let _ = client.get(server.url("/x")).send().await;
        let text = server.history().to_string();
        assert!(
            text.contains(
                "GET /x HTTP/2.0 -> reset\n      stream 1: reset by the server (REFUSED_STREAM)"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_catalog_serves_the_http2_block_from_offset_60_and_offers_h2_by_alpn() {
        let modes: Vec<_> = hamms_test::catalog::modes()
            .iter()
            .filter(|m| m.name().starts_with("h2_"))
            .map(|m| (m.offset(), m.name()))
            .collect();
        assert_eq!(
            modes,
            [
                (60, "h2_goaway"),
                (61, "h2_refused_stream"),
                (62, "h2_rst_stream"),
                (63, "h2_flow_stall"),
                (64, "h2_max_streams_1"),
                (65, "h2_ping_silence"),
                (66, "h2_settings_never_acked"),
                (67, "h2_protocol_error"),
                (68, "h2_huge_headers"),
            ]
        );
        for (_, mode) in modes {
            let server = FaultServer::builder(mode).tls().start().unwrap();
            let outcome = curl_h2(&server, "/", &["-o", "/dev/null"]);
            let history = server.history();
            let tls = history.connections()[0].tls.clone();
            assert_eq!(
                tls.and_then(|t| t.alpn),
                Some("h2".to_owned()),
                "{mode}: {outcome:?}"
            );
        }
    }
}
