//! The gRPC block (offsets 70–81) and the fixture's gRPC answers. Each mode is pinned twice: by
//! the frames the server sends, read with the raw HTTP/2 client ([`H2Wire`], header blocks
//! decoded), and by the status tonic reports (`Status::code()`), with prior knowledge and over
//! TLS. The history records each call: its method, its messages, its deadline, and the status
//! sent (or the stream's end).

use std::time::{Duration, Instant};

use hamms_integration_tests::{
    Echo, H2Wire, Raw, SAY, WireEnd, WireFrame, code_of, kind, mode_behavior, mode_server, setting,
    status_of, tonic_channel, tonic_stream, tonic_unary,
};
use hamms_test::http::Http2ErrorCode;
use hamms_test::{
    Behavior, FaultServer, GrpcCode, GrpcStatus, Reply, Response, StreamEnd, assert_grpc_calls,
};
use prost::Message;
use tonic::Code;

/// A wait that ends when the awaited thing happens; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

/// A server of `mode` with `params`, over TLS when `tls`.
fn start(mode: &str, params: &[(&str, &str)], tls: bool) -> FaultServer {
    let builder = mode_server(mode, params);
    let builder = if tls { builder.tls() } else { builder };
    builder.start().expect("start the server")
}

/// tonic's channel to `server`, over TLS trusting the test CA when the server speaks TLS.
fn channel(server: &FaultServer) -> tonic::transport::Channel {
    let url = server.url("/");
    let ca = url.starts_with("https://").then(|| server.ca_pem());
    tonic_channel(&url, ca)
}

/// The code tonic reports for a unary call to `server` with `metadata`, with prior knowledge
/// and over TLS (the same both ways, or the test fails).
async fn tonic_code(
    mode: &str,
    params: &[(&str, &str)],
    metadata: &[(&'static str, &str)],
) -> tonic::Status {
    let mut statuses = Vec::new();
    for tls in [false, true] {
        let server = start(mode, params, tls);
        statuses.push(status_of(
            tonic_unary(channel(&server), metadata, PATIENCE).await,
        ));
    }
    assert_eq!(
        statuses[0].code(),
        statuses[1].code(),
        "`{mode}` with prior knowledge and over TLS: {statuses:?}"
    );
    statuses.remove(0)
}

/// Unary calls on `channel` until one succeeds (at most `attempts`): the codes of those that
/// failed, and the answer. A client's retry loop, as a test of a switch back writes it.
async fn until_ok(
    channel: &tonic::transport::Channel,
    attempts: usize,
) -> (Vec<Code>, Option<Echo>) {
    let mut failed = Vec::new();
    for _ in 0..attempts {
        match tonic_unary(channel.clone(), &[], PATIENCE).await {
            Ok(answer) => return (failed, Some(answer)),
            Err(status) => failed.push(status.code()),
        }
    }
    (failed, None)
}

/// Unary calls on `channel` until one gets UNAVAILABLE (at most 4): the codes each got.
async fn until_unavailable(channel: &tonic::transport::Channel) -> Vec<Code> {
    let mut seen = Vec::new();
    for _ in 0..4 {
        let code = code_of(&tonic_unary(channel.clone(), &[], PATIENCE).await);
        seen.push(code);
        if code == Code::Unavailable {
            break;
        }
    }
    seen
}

/// One call on a raw connection: the frames the server sends until the call's stream ends
/// (END_STREAM, RST_STREAM) or the connection does.
fn wire_call(server: &FaultServer, metadata: &[(&str, &str)]) -> (Vec<WireFrame>, WireEnd) {
    let mut wire = H2Wire::connect(server.addr(), &[]);
    wire.ack_settings()
        .grpc_call(1, SAY, metadata, &Echo::default().encode_to_vec());
    wire.read_until(PATIENCE, ends(1))
}

/// Whether the frames read so far end `stream`.
fn ends(stream: u32) -> impl Fn(&[WireFrame]) -> bool {
    move |frames| {
        frames.iter().any(|f| {
            f.stream == stream && (f.ends_stream() || f.kind == kind::RST_STREAM)
                || f.kind == kind::GOAWAY
        })
    }
}

/// The frames of stream 1, by kind, with whether each ends the stream.
fn on_stream_1(frames: &[WireFrame]) -> Vec<&WireFrame> {
    frames.iter().filter(|f| f.stream == 1).collect()
}

/// The frames' kinds and END_STREAM flags, for a message naming what was sent.
fn shape(frames: &[&WireFrame]) -> Vec<(u8, bool)> {
    frames.iter().map(|f| (f.kind, f.ends_stream())).collect()
}

const HEADERS_ONLY: (u8, bool) = (kind::HEADERS, false);
const HEADERS_END: (u8, bool) = (kind::HEADERS, true);
const DATA: (u8, bool) = (kind::DATA, false);
const DATA_END: (u8, bool) = (kind::DATA, true);

/// The whole DATA payload of stream 1.
fn data(frames: &[&WireFrame]) -> Vec<u8> {
    frames
        .iter()
        .filter(|f| f.kind == kind::DATA)
        .flat_map(|f| f.payload.clone())
        .collect()
}

/// A call answered by one DATA frame then status OK: checks stream 1 is the response's headers,
/// the DATA, and trailers ending the stream with `grpc-status: 0`; returns the response's
/// headers frame and the DATA payload, for the test to check.
fn data_then_ok(frames: &[WireFrame]) -> (&WireFrame, Vec<u8>) {
    let stream = on_stream_1(frames);
    assert_eq!(
        shape(&stream),
        [HEADERS_ONLY, DATA, HEADERS_END],
        "{frames:?}"
    );
    assert_eq!(stream[2].field("grpc-status").as_deref(), Some("0"));
    (stream[0], data(&stream))
}

mod status {
    use super::*;

    #[test]
    fn the_response_headers_then_trailers_carry_the_status_and_no_message() {
        let server = start("grpc_status", &[], false);
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        assert_eq!(shape(&stream), [HEADERS_ONLY, HEADERS_END], "{frames:?}");
        assert_eq!(stream[0].field(":status").as_deref(), Some("200"));
        assert_eq!(
            stream[0].field("content-type").as_deref(),
            Some("application/grpc")
        );
        assert_eq!(stream[1].field("grpc-status").as_deref(), Some("14"));
        assert_eq!(
            stream[1].field("grpc-message").as_deref(),
            Some("hamms: grpc_status")
        );
    }

    #[tokio::test]
    async fn tonic_reports_the_chosen_code_and_message_per_server_or_per_call() {
        let status = tonic_code("grpc_status", &[], &[]).await;
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert_eq!(status.message(), "hamms: grpc_status");
        let status = tonic_code(
            "grpc_status",
            &[
                ("code", "RESOURCE_EXHAUSTED"),
                ("message", "quota: 100% used"),
            ],
            &[],
        )
        .await;
        assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
        assert_eq!(status.message(), "quota: 100% used");
        let status = tonic_code("grpc_status", &[], &[("hamms-code", "NOT_FOUND")]).await;
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
    }

    #[tokio::test]
    async fn the_history_records_the_method_the_messages_the_deadline_and_the_status() {
        let server = start("grpc_status", &[], false);
        let _ = tonic_unary(channel(&server), &[], Duration::from_secs(3)).await;
        let history = server.wait_for_requests(1, PATIENCE).await.unwrap();
        let exchange = history.last().unwrap();
        let call = exchange.grpc.as_ref().expect("a gRPC call");
        assert_eq!(call.method, SAY);
        assert_eq!(call.messages.len(), 1);
        assert!(!call.messages[0].compressed);
        assert_eq!(
            Echo::decode(&call.messages[0].bytes[..]).unwrap().text,
            "hello"
        );
        let timeout = call.timeout.expect("tonic sends grpc-timeout");
        assert!(
            timeout <= Duration::from_secs(3) && timeout > Duration::from_secs(2),
            "{timeout:?}"
        );
        assert_eq!(
            call.status,
            Some(GrpcStatus::new(GrpcCode::Unavailable, "hamms: grpc_status"))
        );
        let ended = call.ended_at.expect("the call ended");
        assert!(ended >= exchange.request.received_at);
        assert_eq!(
            exchange.stream.as_ref().unwrap().end,
            Some(StreamEnd::Completed)
        );
        assert!(
            history
                .to_string()
                .contains("gRPC /echo.Echo/Say: UNAVAILABLE"),
            "{history}"
        );
    }

    #[tokio::test]
    async fn assert_grpc_calls_names_methods_and_statuses() {
        let server = start("grpc_status", &[], false);
        let channel = channel(&server);
        let _ = tonic_unary(channel.clone(), &[], PATIENCE).await;
        let _ = tonic_unary(channel, &[("hamms-code", "OK")], PATIENCE).await;
        server.wait_for_requests(2, PATIENCE).await.unwrap();
        assert_grpc_calls!(server, ["/echo.Echo/Say" => UNAVAILABLE, "/echo.Echo/Say" => OK]);
    }

    #[tokio::test]
    #[should_panic(expected = "assert_grpc_calls! failed: expected [/echo.Echo/Say => NOT_FOUND]")]
    async fn a_failed_assert_grpc_calls_prints_what_was_expected_and_recorded() {
        let server = start("grpc_status", &[], false);
        let _ = tonic_unary(channel(&server), &[], PATIENCE).await;
        server.wait_for_requests(1, PATIENCE).await.unwrap();
        assert_grpc_calls!(server, ["/echo.Echo/Say" => NOT_FOUND]);
    }
}

mod trailers_only {
    use super::*;

    #[test]
    fn the_status_comes_in_the_only_headers_frame_which_ends_the_stream() {
        let server = start("grpc_trailers_only", &[("code", "ABORTED")], false);
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        assert_eq!(shape(&stream), [HEADERS_END], "{frames:?}");
        assert_eq!(stream[0].field(":status").as_deref(), Some("200"));
        assert_eq!(stream[0].field("grpc-status").as_deref(), Some("10"));
    }

    #[tokio::test]
    async fn tonic_reports_the_code() {
        let status = tonic_code("grpc_trailers_only", &[], &[]).await;
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert_eq!(status.message(), "hamms: grpc_trailers_only");
    }
}

mod retry_pushback {
    use super::*;

    #[test]
    fn the_pushback_rides_the_trailers_only_status_or_says_stop() {
        let server = start("grpc_retry_pushback", &[("pushback_ms", "250")], false);
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        assert_eq!(shape(&stream), [HEADERS_END], "{frames:?}");
        assert_eq!(stream[0].field("grpc-status").as_deref(), Some("14"));
        assert_eq!(
            stream[0].field("grpc-retry-pushback-ms").as_deref(),
            Some("250")
        );
        let (frames, _) = wire_call(&server, &[("hamms-retry", "false")]);
        assert_eq!(
            on_stream_1(&frames)[0]
                .field("grpc-retry-pushback-ms")
                .as_deref(),
            Some("-1")
        );
    }

    #[tokio::test]
    async fn tonic_which_has_no_retry_policy_reports_unavailable() {
        let status = tonic_code("grpc_retry_pushback", &[], &[]).await;
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    }
}

mod deadline {
    use super::*;

    #[test]
    fn deadline_exceeded_comes_only_after_the_calls_timeout_and_after_ms() {
        let server = start("grpc_deadline", &[("after_ms", "50")], false);
        let sent = Instant::now();
        let (frames, _) = wire_call(&server, &[("grpc-timeout", "100m")]);
        let stream = on_stream_1(&frames);
        assert_eq!(shape(&stream), [HEADERS_END], "{frames:?}");
        assert_eq!(stream[0].field("grpc-status").as_deref(), Some("4"));
        // 150 ms from the request's arrival, which is after `sent`.
        assert!(
            stream[0].at.duration_since(sent) >= Duration::from_millis(150),
            "answered after {:?}",
            stream[0].at.duration_since(sent)
        );
    }

    #[test]
    fn a_call_without_a_deadline_is_never_answered() {
        let server = start("grpc_deadline", &[], false);
        let (frames, end) = {
            let mut wire = H2Wire::connect(server.addr(), &[]);
            wire.ack_settings().grpc_call(1, SAY, &[], &[]);
            wire.read_until(Duration::from_millis(300), ends(1))
        };
        assert_eq!(end, WireEnd::Idle, "{frames:?}");
        assert!(on_stream_1(&frames).is_empty(), "{frames:?}");
    }

    #[tokio::test]
    async fn tonic_gives_up_at_its_own_deadline_and_the_history_shows_its_cancel() {
        let server = start("grpc_deadline", &[], false);
        let started = Instant::now();
        let status = tonic_unary(channel(&server), &[], Duration::from_millis(100))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Cancelled, "{status:?}");
        assert!(started.elapsed() >= Duration::from_millis(90));
        let history = server.wait_for_requests(1, PATIENCE).await.unwrap();
        let call = history.last().unwrap().grpc.clone().unwrap();
        assert_eq!(
            call.timeout.map(|t| t <= Duration::from_millis(100)),
            Some(true)
        );
    }
}

mod reset_mid_message {
    use super::*;

    #[test]
    fn half_a_message_leaves_then_the_reset() {
        let server = start("grpc_reset_mid_message", &[("size", "100")], false);
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        let kinds: Vec<u8> = stream.iter().map(|f| f.kind).collect();
        assert_eq!(kinds.first(), Some(&kind::HEADERS), "{frames:?}");
        assert_eq!(kinds.last(), Some(&kind::RST_STREAM), "{frames:?}");
        assert_eq!(stream.last().unwrap().code(), 2, "INTERNAL_ERROR");
        let payload = data(&stream);
        assert_eq!(&payload[..5], [0, 0, 0, 0, 100]);
        assert_eq!(payload.len(), 5 + 50);
    }

    #[test]
    fn a_fixture_failing_a_call_with_it_sends_the_same_half_message_before_the_reset() {
        let server = FaultServer::fixture().start().unwrap();
        let reset = mode_behavior("grpc_reset_mid_message", &[("size", "100")]);
        server.fail_next(1, reset).unwrap();
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        let kinds: Vec<u8> = stream.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [kind::HEADERS, kind::DATA, kind::RST_STREAM],
            "{frames:?}"
        );
        assert_eq!(stream[2].code(), 2, "INTERNAL_ERROR");
        assert_eq!(data(&stream).len(), 5 + 50);
    }

    #[tokio::test]
    async fn tonic_reports_the_reset_and_the_history_its_code() {
        // A reset while reading the body is an error of the body to tonic: UNKNOWN, with the
        // RST_STREAM's code in its source.
        let status = tonic_code("grpc_reset_mid_message", &[], &[]).await;
        assert_eq!(status.code(), Code::Unknown, "{status:?}");
        assert!(
            format!("{status:?}").contains("INTERNAL_ERROR"),
            "{status:?}"
        );
        let status = tonic_code(
            "grpc_reset_mid_message",
            &[],
            &[("hamms-error-code", "CANCEL")],
        )
        .await;
        assert_eq!(status.code(), Code::Unknown, "{status:?}");
        assert!(format!("{status:?}").contains("CANCEL"), "{status:?}");

        let server = start("grpc_reset_mid_message", &[], false);
        let _ = tonic_unary(channel(&server), &[], PATIENCE).await;
        let history = server.wait_for_requests(1, PATIENCE).await.unwrap();
        let exchange = history.last().unwrap();
        assert_eq!(
            exchange.stream.as_ref().unwrap().end,
            Some(StreamEnd::ServerReset(Http2ErrorCode::INTERNAL_ERROR))
        );
        let call = exchange.grpc.as_ref().unwrap();
        assert_eq!(call.status, None);
        assert!(call.ended_at.is_some());
    }
}

mod bad_length {
    use super::*;

    #[test]
    fn the_prefix_promises_more_than_the_stream_carries_before_status_ok() {
        let server = start("grpc_bad_length", &[("size", "10")], false);
        let (frames, _) = wire_call(&server, &[]);
        let (_, payload) = data_then_ok(&frames);
        assert_eq!(payload, [0, 0, 0, 0, 10, b'a', b'a', b'a', b'a', b'a']);
    }

    #[tokio::test]
    async fn tonic_reports_internal() {
        let status = tonic_code("grpc_bad_length", &[], &[]).await;
        assert_eq!(status.code(), Code::Internal, "{status:?}");
    }
}

mod compressed_without_encoding {
    use super::*;

    #[test]
    fn the_message_has_its_compressed_flag_and_no_encoding_was_sent() {
        let server = start("grpc_compressed_without_encoding", &[], false);
        let (frames, _) = wire_call(&server, &[]);
        let (head, payload) = data_then_ok(&frames);
        assert_eq!(payload, [1, 0, 0, 0, 0]);
        assert_eq!(head.field("grpc-encoding"), None);
    }

    #[tokio::test]
    async fn tonic_refuses_the_message() {
        let status = tonic_code("grpc_compressed_without_encoding", &[], &[]).await;
        assert_eq!(status.code(), Code::Internal, "{status:?}");
    }
}

mod oversized_message {
    use super::*;

    #[test]
    fn one_message_of_size_bytes_then_status_ok() {
        let server = start("grpc_oversized_message", &[], false);
        let (frames, _) = wire_call(&server, &[("hamms-size", "100")]);
        let (_, payload) = data_then_ok(&frames);
        assert_eq!(&payload[..5], [0, 0, 0, 0, 100]);
        assert_eq!(payload.len(), 105);
    }

    #[test]
    fn by_default_the_message_is_one_byte_past_four_mebibytes() {
        let server = start("grpc_oversized_message", &[], false);
        let mut wire = H2Wire::connect(server.addr(), &[(setting::INITIAL_WINDOW_SIZE, 1 << 30)]);
        // The connection's window, beside the stream's.
        wire.ack_settings()
            .send_frame(kind::WINDOW_UPDATE, 0, 0, &(1u32 << 30).to_be_bytes())
            .grpc_call(1, SAY, &[], &[]);
        let (frames, _) = wire.read_until(PATIENCE, ends(1));
        let payload = data(&on_stream_1(&frames));
        assert_eq!(
            &payload[..5],
            (4 * 1024 * 1024 + 1u32)
                .to_be_bytes()
                .iter()
                .fold(vec![0], |mut v, b| {
                    v.push(*b);
                    v
                })
        );
        assert_eq!(payload.len(), 5 + 4 * 1024 * 1024 + 1);
    }

    #[tokio::test]
    async fn tonic_reports_out_of_range_naming_its_limit() {
        let status = tonic_code("grpc_oversized_message", &[], &[]).await;
        assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
        assert!(
            status.message().contains("the limit is: 4194304 bytes"),
            "{status:?}"
        );
        // At the limit, the message gets through to the decoder (which `a`s do not please).
        let status = tonic_code("grpc_oversized_message", &[("size", "4194304")], &[]).await;
        assert_eq!(status.code(), Code::Internal, "{status:?}");
        assert!(
            status.message().contains("failed to decode Protobuf"),
            "{status:?}"
        );
    }
}

mod missing_status {
    use super::*;

    #[test]
    fn the_stream_ends_on_its_message_with_no_trailers() {
        let server = start("grpc_missing_status", &[], false);
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        assert_eq!(shape(&stream), [HEADERS_ONLY, DATA_END], "{frames:?}");
        assert_eq!(data(&stream), [0, 0, 0, 0, 0]);
        assert!(frames.iter().all(|f| f.field("grpc-status").is_none()));
    }

    #[tokio::test]
    async fn tonic_takes_the_message_without_a_status_as_a_success() {
        let status = tonic_code("grpc_missing_status", &[], &[]).await;
        assert_eq!(status.code(), Code::Ok, "{status:?}");
    }
}

mod http_error {
    use super::*;

    #[test]
    fn an_html_page_with_the_http_status_and_no_grpc_at_all() {
        let server = start("grpc_http_error", &[("status", "503")], false);
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        assert_eq!(shape(&stream), [HEADERS_ONLY, DATA_END], "{frames:?}");
        assert_eq!(stream[0].field(":status").as_deref(), Some("503"));
        assert_eq!(
            stream[0].field("content-type").as_deref(),
            Some("text/html")
        );
        assert!(String::from_utf8_lossy(&data(&stream)).starts_with("<html>"));
    }

    #[tokio::test]
    async fn tonic_reads_the_page_as_a_broken_message_whatever_the_http_status() {
        // The gRPC spec maps 502, 503, 429 to UNAVAILABLE and 404 to UNIMPLEMENTED; tonic reads
        // the body first, and its first byte (`<`) is no valid compressed flag.
        for status in ["502", "503", "429", "404"] {
            let reported = tonic_code("grpc_http_error", &[], &[("hamms-status", status)]).await;
            assert_eq!(reported.code(), Code::Internal, "{status}: {reported:?}");
            assert!(
                reported.message().contains("invalid compression flag: 60"),
                "{reported:?}"
            );
        }
    }
}

mod goaway_after {
    use super::*;

    #[test]
    fn the_connection_answers_its_calls_then_goes_away_naming_the_last() {
        let server = start("grpc_goaway_after", &[("calls", "2")], false);
        let mut wire = H2Wire::connect(server.addr(), &[]);
        wire.ack_settings().grpc_call(1, SAY, &[], &[]);
        let (mut frames, _) = wire.read_until(PATIENCE, ends(1));
        wire.grpc_call(3, SAY, &[], &[]);
        let (more, end) = wire.read_all(PATIENCE);
        frames.extend(more);
        let goaway = frames
            .iter()
            .find(|f| f.kind == kind::GOAWAY)
            .expect("a GOAWAY");
        assert_eq!((goaway.last_stream_id(), goaway.code()), (3, 0));
        let answered: Vec<u32> = frames
            .iter()
            .filter(|f| f.kind == kind::HEADERS && f.ends_stream())
            .map(|f| f.stream)
            .collect();
        assert_eq!(answered, [1, 3]);
        let goaway_at = frames.iter().position(|f| f.kind == kind::GOAWAY).unwrap();
        assert!(
            frames[..goaway_at]
                .iter()
                .any(|f| f.stream == 3 && f.ends_stream())
        );
        assert_eq!(end, WireEnd::Eof);
    }

    #[tokio::test]
    async fn tonic_reconnects_after_the_goaway_and_a_retry_loop_gets_every_answer() {
        for tls in [false, true] {
            let server = start("grpc_goaway_after", &[], tls);
            let channel = channel(&server);
            // The first call of a connection is answered.
            assert_eq!(until_ok(&channel, 1).await, (vec![], Some(Echo::default())));
            // A call sent before tonic has read the GOAWAY goes to the closing connection and
            // fails (tonic retries nothing); the next one reconnects.
            for _ in 0..2 {
                let (failed, answer) = until_ok(&channel, 3).await;
                assert_eq!(answer, Some(Echo::default()), "{failed:?}");
                assert!(failed.len() < 2, "{failed:?}");
            }
            let history = server.history();
            assert!(history.connections().len() >= 3, "{history}");
            let answered = history
                .exchanges()
                .iter()
                .filter(|e| e.grpc.as_ref().is_some_and(|c| c.status.is_some()))
                .count();
            assert_eq!(answered, 3, "{history}");
        }
    }
}

mod slow_stream {
    use super::*;

    #[test]
    fn messages_leave_interval_apart_then_status_ok() {
        let server = start(
            "grpc_slow_stream",
            &[("messages", "3"), ("interval_ms", "50")],
            false,
        );
        let sent = Instant::now();
        let (frames, _) = wire_call(&server, &[]);
        let stream = on_stream_1(&frames);
        assert_eq!(
            shape(&stream),
            [HEADERS_ONLY, DATA, DATA, DATA, HEADERS_END],
            "{frames:?}"
        );
        // The server pauses 50 ms before each message after the first, from the call's arrival
        // (after `sent`): message k cannot arrive before k pauses, however late the client reads.
        for (k, message) in stream[1..4].iter().enumerate() {
            let arrived = message.at.duration_since(sent);
            let pauses = Duration::from_millis(50) * u32::try_from(k).unwrap();
            assert!(arrived >= pauses, "message {k} after {arrived:?}");
        }
        assert_eq!(stream[4].field("grpc-status").as_deref(), Some("0"));
    }

    #[tokio::test]
    async fn tonic_reads_each_message_then_ok_even_past_its_deadline() {
        let server = start("grpc_slow_stream", &[("interval_ms", "20")], false);
        let (messages, status) =
            tonic_stream(channel(&server), &[("hamms-messages", "4")], PATIENCE).await;
        assert_eq!((messages.len(), status.code()), (4, Code::Ok), "{status:?}");
        // tonic's timeout bounds the wait for the response's headers, not its messages: the
        // stream outlives the deadline (hamms does not end it for the deadline either).
        let started = Instant::now();
        let (messages, status) = tonic_stream(
            channel(&server),
            &[("hamms-interval-ms", "200"), ("hamms-messages", "3")],
            Duration::from_millis(300),
        )
        .await;
        assert_eq!((messages.len(), status.code()), (3, Code::Ok), "{status:?}");
        assert!(started.elapsed() >= Duration::from_millis(390));
    }
}

mod parameters {
    use super::*;

    #[test]
    fn a_bad_parameter_gets_invalid_argument_naming_it_and_its_range() {
        let server = start("grpc_status", &[], false);
        let (frames, _) = wire_call(&server, &[("hamms-code", "NOPE")]);
        let stream = on_stream_1(&frames);
        assert_eq!(shape(&stream), [HEADERS_END], "{frames:?}");
        assert_eq!(stream[0].field("grpc-status").as_deref(), Some("3"));
        let message = stream[0].field("grpc-message").unwrap();
        assert!(message.contains("`code`"), "{message}");
        assert!(message.contains("one of: OK, CANCELLED"), "{message}");
    }

    #[tokio::test]
    async fn tonic_reports_invalid_argument_for_a_value_out_of_range_or_a_near_miss() {
        let status = tonic_code("grpc_slow_stream", &[], &[("hamms-interval-ms", "-1")]).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status
                .message()
                .contains("whole milliseconds from 0 to 600000"),
            "{status:?}"
        );
        let status = tonic_code("grpc_status", &[], &[("hamms-mesage", "x")]).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().contains("did you mean `message`?"),
            "{status:?}"
        );
        let status = tonic_code("grpc_status", &[], &[("hamms-tls", "true")]).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    }

    #[test]
    fn an_http_1_client_gets_a_505_saying_how_to_speak_http_2() {
        let server = start("grpc_status", &[], false);
        let mut raw = Raw::connect(server.addr());
        raw.send(b"POST /echo.Echo/Say HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        let text = raw.read_all(PATIENCE).text();
        assert!(text.starts_with("HTTP/1.1 505"), "{text}");
        assert!(text.contains("speaks HTTP/2 only"), "{text}");
    }
}

mod fixture {
    use super::*;

    fn fixture(tls: bool) -> FaultServer {
        let builder = FaultServer::fixture();
        let builder = if tls { builder.tls() } else { builder };
        builder.start().expect("start the fixture")
    }

    #[tokio::test]
    async fn a_unary_answer_reaches_tonic_and_the_request_message_is_recorded() {
        for tls in [false, true] {
            let server = fixture(tls);
            let reply = Echo {
                text: "hi back".to_owned(),
            };
            server.respond_with(Response::grpc(reply.encode_to_vec()));
            let answer = tonic_unary(channel(&server), &[], PATIENCE).await.unwrap();
            assert_eq!(answer, reply);
            let history = server.wait_for_requests(1, PATIENCE).await.unwrap();
            let call = history.last().unwrap().grpc.clone().unwrap();
            assert_eq!(call.method, SAY);
            assert_eq!(
                Echo::decode(&call.messages[0].bytes[..]).unwrap().text,
                "hello"
            );
            assert_eq!(call.status, Some(GrpcStatus::new(GrpcCode::Ok, "")));
            assert!(call.ended_at.is_some());
        }
    }

    #[tokio::test]
    async fn a_status_carries_its_message_and_metadata_in_headers_and_trailers() {
        let server = fixture(false);
        server.respond_with(
            Response::grpc_status(GrpcCode::FailedPrecondition, "not yet: 50% done")
                .grpc_header("x-region", "eu")
                .grpc_trailer("x-retry", "later")
                .grpc_trailer("details-bin", [0u8, 0xfb, 0xff]),
        );
        let status = tonic_unary(channel(&server), &[], PATIENCE)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
        assert_eq!(status.message(), "not yet: 50% done");
        let metadata = status.metadata();
        assert_eq!(metadata.get("x-region").unwrap(), "eu");
        assert_eq!(metadata.get("x-retry").unwrap(), "later");
        assert_eq!(
            metadata.get_bin("details-bin").unwrap().to_bytes().unwrap(),
            &[0u8, 0xfb, 0xff][..]
        );
    }

    #[tokio::test]
    async fn a_server_stream_sends_each_message_after_its_delay() {
        let server = fixture(false);
        let message = |text: &str| {
            Echo {
                text: text.to_owned(),
            }
            .encode_to_vec()
        };
        server.respond_with(Response::grpc_stream([
            (Duration::ZERO, message("one")),
            (Duration::from_millis(100), message("two")),
        ]));
        let started = Instant::now();
        let (messages, status) = tonic_stream(channel(&server), &[], PATIENCE).await;
        assert_eq!(status.code(), Code::Ok, "{status:?}");
        let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["one", "two"]);
        assert!(started.elapsed() >= Duration::from_millis(90));
    }

    #[test]
    fn on_the_wire_the_status_follows_the_message_in_trailers() {
        let server = fixture(false);
        server.respond_with(Response::grpc(b"\x0a\x02ok"));
        let (frames, _) = wire_call(&server, &[]);
        let (head, payload) = data_then_ok(&frames);
        assert_eq!(head.field("content-length"), None);
        assert_eq!(payload, b"\x00\x00\x00\x00\x04\x0a\x02ok");
    }

    #[tokio::test]
    async fn fail_next_fails_each_call_with_the_grpc_mode_then_the_answers_return() {
        let server = fixture(false);
        server.respond_with(Response::grpc(Echo::default().encode_to_vec()));
        let unavailable = mode_behavior("grpc_status", &[("message", "warming up")]);
        server.fail_next(2, unavailable).unwrap();
        let channel = channel(&server);
        let mut codes = Vec::new();
        for _ in 0..3 {
            codes.push(code_of(&tonic_unary(channel.clone(), &[], PATIENCE).await));
        }
        assert_eq!(codes, [Code::Unavailable, Code::Unavailable, Code::Ok]);
        assert_grpc_calls!(
            server,
            ["/echo.Echo/Say" => UNAVAILABLE, "/echo.Echo/Say" => UNAVAILABLE, "/echo.Echo/Say" => OK]
        );
        assert_eq!(
            server.history().connections().len(),
            1,
            "one connection throughout"
        );
    }

    #[tokio::test]
    async fn fail_next_with_other_grpc_modes_answers_as_they_do() {
        let server = fixture(false);
        server.respond_with(Response::grpc(Echo::default().encode_to_vec()));
        let channel = channel(&server);
        for (mode, code) in [
            ("grpc_trailers_only", Code::Unavailable),
            ("grpc_http_error", Code::Internal),
            ("grpc_oversized_message", Code::OutOfRange),
            ("grpc_bad_length", Code::Internal),
        ] {
            server.fail_next(1, Behavior::mode(mode).unwrap()).unwrap();
            let status = tonic_unary(channel.clone(), &[], PATIENCE)
                .await
                .unwrap_err();
            assert_eq!(status.code(), code, "{mode}: {status:?}");
        }
        // A failure that is not a gRPC mode resets the call's stream.
        server
            .fail_next(1, Behavior::mode("status").unwrap())
            .unwrap();
        let status = tonic_unary(channel.clone(), &[], PATIENCE)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unknown, "{status:?}");
        assert!(
            format!("{status:?}").contains("INTERNAL_ERROR"),
            "{status:?}"
        );
        assert_eq!(server.history().last().unwrap().reply, Reply::Reset);
        assert!(tonic_unary(channel, &[], PATIENCE).await.is_ok());
    }

    #[tokio::test]
    async fn a_retry_loop_succeeds_once_the_test_switches_a_grpc_mode_back_to_the_fixture() {
        let server = fixture(false);
        let ready = Echo {
            text: "ready".to_owned(),
        };
        server.respond_with(Response::grpc(ready.encode_to_vec()));
        let channel = channel(&server);
        assert_eq!(until_ok(&channel, 1).await.1.as_ref(), Some(&ready));
        let unavailable = Behavior::mode("grpc_trailers_only").unwrap();
        server
            .with_behavior(unavailable.clone(), async {
                // The fixture's connection winds down at the switch (a call may still reach it,
                // or meet it closing), then calls get the mode's status.
                let seen = until_unavailable(&channel).await;
                assert_eq!(seen.last(), Some(&Code::Unavailable), "{seen:?}");
            })
            .await;
        // Back to the fixture: the mode's connection answers its next call with a GOAWAY that
        // leaves it out (tonic reports it, retrying nothing), and the retry gets through.
        let (failed, answer) = until_ok(&channel, 3).await;
        assert_eq!(answer.as_ref(), Some(&ready), "{failed:?}");
        assert!(failed.len() < 2, "{failed:?}");
        let previous = server.set_behavior(unavailable);
        assert!(previous.is_fixture());
        let seen = until_unavailable(&channel).await;
        assert_eq!(seen.last(), Some(&Code::Unavailable), "{seen:?}");
    }
}

/// Stubs for gRPC methods: a call matched by its method gets the stub's answer (a gRPC
/// response, or any gRPC mode as a fault, for its first calls), the others what else answers.
mod stubs {
    use hamms_test::matchers::grpc_method;
    use hamms_test::{Answer, Stub};

    use super::*;

    #[tokio::test]
    async fn a_method_fails_twice_with_unavailable_then_answers_and_the_stub_counts_its_calls() {
        let server = FaultServer::fixture().start().unwrap();
        let reply = Echo {
            text: "third time".to_owned(),
        };
        let unavailable = Behavior::mode("grpc_status").unwrap();
        server.mount(
            Stub::given(grpc_method(SAY))
                .respond_with(
                    Answer::fault(unavailable)
                        .times(2)
                        .then(Response::grpc(reply.encode_to_vec())),
                )
                .expect(3),
        );
        server.mount(
            Stub::given(grpc_method("/echo.Echo/Other"))
                .respond_with(Response::grpc_status(GrpcCode::NotFound, "no such thing")),
        );
        let (codes, answer) = until_ok(&channel(&server), 5).await;
        assert_eq!(codes, [Code::Unavailable, Code::Unavailable]);
        assert_eq!(answer, Some(reply));
        assert_grpc_calls!(
            server,
            ["/echo.Echo/Say" => UNAVAILABLE, "/echo.Echo/Say" => UNAVAILABLE, "/echo.Echo/Say" => OK]
        );
        let history = server.history();
        assert!(history.exchanges().iter().all(|e| e.stub.is_some()));
    }

    #[tokio::test]
    async fn envoys_grpc_abort_header_ends_the_call_with_its_status() {
        let server = FaultServer::fixture().header_faults().start().unwrap();
        server.respond_with(Response::grpc(Echo::default().encode_to_vec()));
        let metadata = [("x-envoy-fault-abort-grpc-request", "14")];
        let status = tonic_unary(channel(&server), &metadata, PATIENCE)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert_eq!(status.message(), "fault filter abort");
        assert!(tonic_unary(channel(&server), &[], PATIENCE).await.is_ok());
    }
}
