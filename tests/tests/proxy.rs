//! The chaos proxy in front of real backends: TCP servers with one job, and a hamms fixture as
//! HTTP backend (a Redis server in the second tier, `peers/redis_proxy.rs`). Every behavior and
//! toxic is checked by what the client sees.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use hamms_integration_tests::{
    End, Raw, client, count_then_answer, echo, echo_through, get, greet, pattern,
    proxy_behavior as behavior, tcp_backend,
};
use hamms_test::{Behavior, FaultServer, Protocol, Reply, Response};

/// A read expecting bytes returns when they arrive; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

fn proxy_to(backend: impl ToString) -> FaultServer {
    FaultServer::proxy(backend.to_string())
        .seed(7)
        .start()
        .expect("start the proxy")
}

fn http_proxy_to(backend: &FaultServer) -> FaultServer {
    FaultServer::proxy(backend.addr().to_string())
        .protocol(Protocol::Http)
        .seed(7)
        .start()
        .expect("start the proxy")
}

mod tcp {
    use super::*;

    #[test]
    fn sixty_four_mib_each_way_pass_dummy_intact() {
        let proxy = proxy_to(tcp_backend(echo));
        let sent = pattern(0x5eed, 64 * 1024 * 1024);
        let echoed = echo_through(proxy.addr(), &sent, PATIENCE);
        assert_eq!(echoed.len(), sent.len());
        assert!(echoed == sent, "the echoed bytes differ from those sent");
        let history = proxy.history();
        let connection = &history.connections()[0];
        assert_eq!(connection.received_len, sent.len() as u64);
    }

    #[test]
    fn a_client_that_half_closes_still_gets_the_whole_reply() {
        let proxy = proxy_to(tcp_backend(count_then_answer));
        let mut stream = TcpStream::connect(proxy.addr()).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(&vec![b'x'; 1_000_000]).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert_eq!(reply, "got 1000000 bytes");
    }

    #[test]
    fn a_mix_draws_per_connection_from_the_seed() {
        let run = || {
            let proxy = FaultServer::proxy(tcp_backend(greet).to_string())
                .behavior("50:blackout,50:dummy")
                .seed(11)
                .start()
                .unwrap();
            // Passed through: the backend's greeting arrives; blacked out: a reset.
            (0..20)
                .map(|_| Raw::connect(proxy.addr()).read_up_to(5, PATIENCE).bytes == b"hello")
                .collect::<Vec<bool>>()
        };
        let first = run();
        assert!(first.contains(&true) && first.contains(&false), "{first:?}");
        assert_eq!(run(), first, "the same seed draws the same choices");
    }
}

mod http {
    use super::*;

    fn backend() -> FaultServer {
        let backend = FaultServer::fixture().start().unwrap();
        backend.respond_with(Response::ok().text("from the backend"));
        backend
    }

    #[tokio::test]
    async fn dummy_relays_requests_and_responses_and_both_histories_show_them() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        let client = client(Some(PATIENCE));
        for path in ["/a", "/b"] {
            let response = client
                .post(proxy.url(path))
                .body("hi")
                .send()
                .await
                .unwrap();
            assert_eq!(response.text().await.unwrap(), "from the backend");
        }
        let seen: Vec<(String, Vec<u8>)> = backend
            .history()
            .requests()
            .map(|r| (r.path.clone(), r.body.clone()))
            .collect();
        assert_eq!(
            seen,
            [("/a".into(), b"hi".to_vec()), ("/b".into(), b"hi".to_vec())]
        );
        let history = proxy.history();
        assert_eq!(history.len(), 2);
        assert!(matches!(
            history.exchanges()[1].reply,
            Reply::Response { status: 200, .. }
        ));
    }

    #[test]
    fn error_answers_a_real_5xx_with_crlf_and_connection_close() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        proxy.set_behavior(behavior("error", &[]));
        let answer = Raw::connect(proxy.addr())
            .send(&get("/"))
            .read_all(PATIENCE);
        assert_eq!(answer.end, End::Eof);
        let text = answer.text();
        let status: u16 = text[9..12].parse().unwrap();
        assert!((500..=503).contains(&status), "{text}");
        assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
        let head = answer.head();
        assert!(
            !head.replace("\r\n", "").contains('\n'),
            "a bare LF in {head:?}"
        );
        assert!(backend.history().is_empty(), "the backend saw nothing");
    }

    #[test]
    fn connection_toxics_apply_per_request_in_http_mode() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        proxy.set_behavior(behavior("reset_peer", &[("timeout", "0")]));
        let answer = Raw::connect(proxy.addr()).read_all(PATIENCE);
        assert_eq!(answer.end, End::Reset);
        proxy.set_behavior(behavior(
            "timeout",
            &[("timeout", "200"), ("direction", "upstream")],
        ));
        let sent = Instant::now();
        let answer = Raw::connect(proxy.addr())
            .send(&get("/"))
            .read_all(PATIENCE);
        assert!(answer.bytes.is_empty(), "{}", answer.text());
        assert_eq!(answer.end, End::Eof);
        assert!(answer.ended_at - sent >= Duration::from_millis(200));
        proxy.set_behavior(behavior("slow_close", &[("delay", "300")]));
        let answer = Raw::connect(proxy.addr())
            .send(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            .read_all(PATIENCE);
        assert!(
            answer.text().ends_with("from the backend"),
            "{}",
            answer.text()
        );
        assert!(answer.ended_at - *answer.arrivals.last().unwrap() >= Duration::from_millis(250));
    }

    #[test]
    fn a_client_that_leaves_a_hung_backend_ends_its_connection() {
        let backend = backend();
        backend.set_behavior(Behavior::mode("no_response").unwrap());
        let proxy = http_proxy_to(&backend);
        let mut raw = Raw::connect(proxy.addr());
        raw.send(&get("/"));
        backend.wait_for_requests_blocking(1, PATIENCE).unwrap();
        drop(raw);
        hamms_integration_tests::eventually(PATIENCE, "the proxy notices the client left", || {
            proxy.history().connections()[0].end.is_some()
        });
    }

    #[tokio::test]
    async fn setting_a_counted_behavior_again_starts_its_count_over() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        let transient = behavior("transient", &[("agitate", "1")]);
        let client = client(Some(PATIENCE));
        for _ in 0..2 {
            proxy.set_behavior(transient.clone());
            let first = client.get(proxy.url("/")).send().await.unwrap().status();
            let second = client.get(proxy.url("/")).send().await.unwrap().status();
            assert!((500..=503).contains(&first.as_u16()), "{first}");
            assert_eq!(second, 200);
        }
    }

    #[tokio::test]
    async fn reqwest_sees_an_error_status_from_error() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        proxy.set_behavior(behavior("error", &[]));
        let response = client(Some(PATIENCE))
            .get(proxy.url("/"))
            .send()
            .await
            .unwrap();
        assert!((500..=503).contains(&response.status().as_u16()));
    }

    #[tokio::test]
    async fn transient_fails_the_first_calls_then_lets_through() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        proxy.set_behavior(behavior("transient", &[("agitate", "2")]));
        let client = client(Some(PATIENCE));
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(
                client
                    .get(proxy.url("/"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        assert!(
            statuses[..2].iter().all(|s| (500..=503).contains(s)),
            "{statuses:?}"
        );
        assert_eq!(statuses[2..], [200, 200]);
        assert_eq!(backend.history().len(), 2);
    }

    #[tokio::test]
    async fn abort_forwards_the_request_then_cuts_the_client_off() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        proxy.set_behavior(behavior("abort", &[]));
        let error = client(Some(PATIENCE))
            .get(proxy.url("/gone"))
            .send()
            .await
            .unwrap_err();
        assert!(
            hamms_integration_tests::is_incomplete_message(&error),
            "{error:?}"
        );
        let history = backend.wait_for_requests_blocking(1, PATIENCE).unwrap();
        assert_eq!(history.last().unwrap().request.path, "/gone");
    }

    #[test]
    fn a_client_expecting_100_continue_gets_one_continue_and_the_backend_gets_the_body() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        let mut raw = Raw::connect(proxy.addr());
        raw.send(
            b"POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        );
        let interim = raw.read_until(PATIENCE, |b| b.ends_with(b"\r\n\r\n"));
        assert_eq!(interim.text(), "HTTP/1.1 100 Continue\r\n\r\n");
        let answer = raw.send(b"hello").read_response(PATIENCE);
        assert!(
            answer.text().starts_with("HTTP/1.1 200 OK\r\n"),
            "{}",
            answer.text()
        );
        let history = backend.history();
        assert_eq!(history.last().unwrap().request.body, b"hello");
        assert_eq!(history.last().unwrap().request.header("expect"), None);
    }

    #[test]
    fn a_body_over_what_the_proxy_forwards_is_refused_with_413_not_forwarded_cut() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        let too_big = 16 * 1024 * 1024 + 1;
        let answer = Raw::connect(proxy.addr())
            .send(
                format!("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: {too_big}\r\n\r\n")
                    .as_bytes(),
            )
            .send(&vec![b'x'; too_big])
            .read_all(PATIENCE);
        assert!(
            answer.text().starts_with("HTTP/1.1 413 "),
            "{}",
            answer.text()
        );
        assert!(answer.text().contains("protocol tcp"), "{}", answer.text());
        assert!(backend.history().is_empty());
    }

    #[test]
    fn the_body_cap_bounds_the_history_not_what_is_forwarded() {
        let backend = backend();
        let proxy = FaultServer::proxy(backend.addr().to_string())
            .protocol(Protocol::Http)
            .body_cap(1000)
            .start()
            .unwrap();
        let answer = Raw::connect(proxy.addr())
            .send(
                b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n",
            )
            .send(&[b'x'; 2000])
            .read_all(PATIENCE);
        assert!(
            answer.text().starts_with("HTTP/1.1 200 "),
            "{}",
            answer.text()
        );
        let forwarded = backend.wait_for_requests_blocking(1, PATIENCE).unwrap();
        assert_eq!(forwarded.last().unwrap().request.body.len(), 2000);
        let kept = proxy.history();
        let request = &kept.last().unwrap().request;
        assert_eq!((request.body.len(), request.body_len), (1000, 2000));
        assert!(request.body_truncated());
    }

    #[test]
    fn a_client_that_half_closes_after_its_request_still_gets_the_answer() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        let mut stream = TcpStream::connect(proxy.addr()).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream
            .write_all(b"GET /half HTTP/1.1\r\nHost: h\r\n\r\n")
            .unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("from the backend"), "{answer}");
        let history = proxy.history();
        assert!(
            matches!(
                history.last().unwrap().reply,
                Reply::Response { status: 200, .. }
            ),
            "{history}"
        );
    }

    /// A backend answering every request with a 200 carrying `HEADERS` headers.
    fn many_headers<const HEADERS: usize>(mut stream: TcpStream) {
        let mut request = [0; 4096];
        let _ = stream.read(&mut request);
        let mut answer = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..HEADERS {
            answer.push_str(&format!("x-h{i}: {i}\r\n"));
        }
        answer.push_str("content-length: 2\r\nconnection: close\r\n\r\nok");
        let _ = stream.write_all(answer.as_bytes());
    }

    fn http_proxy_to_addr(backend: std::net::SocketAddr) -> FaultServer {
        FaultServer::proxy(backend.to_string())
            .protocol(Protocol::Http)
            .start()
            .unwrap()
    }

    #[test]
    fn a_backend_answer_with_hundreds_of_headers_is_relayed_and_past_the_limit_is_a_502() {
        let proxy = http_proxy_to_addr(tcp_backend(many_headers::<300>));
        let answer = Raw::connect(proxy.addr())
            .send(&get("/"))
            .read_all(PATIENCE);
        assert!(
            answer.text().starts_with("HTTP/1.1 200 OK\r\n"),
            "{}",
            answer.head()
        );
        assert!(answer.text().contains("x-h299: 299\r\n"));
        assert!(answer.text().ends_with("ok"));

        let proxy = http_proxy_to_addr(tcp_backend(many_headers::<1100>));
        let answer = Raw::connect(proxy.addr())
            .send(&get("/"))
            .read_all(PATIENCE);
        assert!(
            answer.text().starts_with("HTTP/1.1 502 "),
            "{}",
            answer.head()
        );
        assert!(
            answer.text().contains("more than 1024 headers"),
            "{}",
            answer.text()
        );
    }

    #[test]
    fn a_proxy_keeps_a_small_part_of_each_body_by_default_and_forwards_it_all() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        let body = vec![b'b'; 1024 * 1024];
        for _ in 0..4 {
            let answer = Raw::connect(proxy.addr())
                .send(b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n")
                .send(&body)
                .read_all(PATIENCE);
            assert!(
                answer.text().starts_with("HTTP/1.1 200 "),
                "{}",
                answer.head()
            );
        }
        let forwarded = backend.wait_for_requests_blocking(4, PATIENCE).unwrap();
        assert!(forwarded.requests().all(|r| r.body.len() == body.len()));
        let kept = proxy.history();
        assert_eq!(kept.len(), 4);
        for request in kept.requests() {
            assert_eq!(
                (request.body.len(), request.body_len),
                (64 * 1024, 1024 * 1024)
            );
        }
    }

    #[test]
    fn behaviors_apply_per_request_on_a_keep_alive_connection() {
        let backend = backend();
        let proxy = http_proxy_to(&backend);
        let mut raw = Raw::connect(proxy.addr());
        let first = raw.send(&get("/1")).read_response(PATIENCE);
        assert!(
            first.text().ends_with("from the backend"),
            "{}",
            first.text()
        );
        proxy.set_behavior(behavior("delay", &[("sleep", "0.2")]));
        let sent = Instant::now();
        let second = raw.send(&get("/2")).read_response(PATIENCE);
        assert!(
            second.text().ends_with("from the backend"),
            "{}",
            second.text()
        );
        assert!(second.arrivals[0] - sent >= Duration::from_millis(200));
        let history = proxy.history();
        let connections: Vec<u64> = history.requests().map(|r| r.connection).collect();
        assert_eq!(connections.len(), 2);
        assert_eq!(
            connections[0], connections[1],
            "both requests on one connection"
        );
    }
}

mod toxics {
    use super::*;

    /// A fixture answering `body`, behind a tcp proxy with `toxic`.
    fn toxic_proxy(body: &[u8], toxic: Behavior) -> (FaultServer, FaultServer) {
        let backend = FaultServer::fixture().start().unwrap();
        backend.respond_with(Response::ok().body(body.to_vec()));
        let proxy = proxy_to(backend.addr());
        proxy.set_behavior(toxic);
        (backend, proxy)
    }

    /// Sends 2 MiB as soon as a client connects, then closes.
    fn two_mib(mut stream: TcpStream) {
        let _ = stream.write_all(&vec![b'x'; 2 * 1024 * 1024]);
    }

    #[test]
    fn a_slicer_without_delay_sends_its_pieces_as_fast_as_the_socket_takes_them() {
        let proxy = proxy_to(tcp_backend(two_mib));
        let transfer = || {
            let started = Instant::now();
            let received = Raw::connect(proxy.addr()).read_all(PATIENCE);
            assert_eq!(received.bytes.len(), 2 * 1024 * 1024);
            assert_eq!(received.end, End::Eof);
            started.elapsed()
        };
        // The same transfer unsliced, in the same run: what this machine takes now.
        let unsliced = transfer();
        proxy.set_behavior(behavior("slicer", &[("average_size", "1024")]));
        let sliced = transfer();
        // 2048 pieces: a millisecond timer per piece (the old behavior) took over 2 s whatever
        // the machine; slicing alone costs a few times the unsliced copy.
        let bound = (unsliced * 4).max(Duration::from_millis(1000));
        assert!(sliced < bound, "{sliced:?} sliced, {unsliced:?} unsliced");
    }

    #[tokio::test]
    async fn latency_with_jitter_stays_within_its_bounds() {
        let (_backend, proxy) = toxic_proxy(
            b"ok",
            behavior("latency", &[("latency", "150"), ("jitter", "50")]),
        );
        let client = client(Some(PATIENCE));
        for _ in 0..5 {
            let started = Instant::now();
            let response = client.get(proxy.url("/")).send().await.unwrap();
            assert_eq!(response.text().await.unwrap(), "ok");
            let took = started.elapsed();
            // At least latency - jitter; the upper bound only catches a toxic applied twice.
            assert!(took >= Duration::from_millis(100), "{took:?}");
            assert!(took < Duration::from_millis(2000), "{took:?}");
        }
    }

    #[tokio::test]
    async fn bandwidth_moves_200_kb_at_100_kb_per_second_in_about_two_seconds() {
        let body = vec![b'b'; 200_000];
        let (_backend, proxy) = toxic_proxy(&body, behavior("bandwidth", &[("rate", "100")]));
        let started = Instant::now();
        let response = client(Some(Duration::from_secs(30)))
            .get(proxy.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.bytes().await.unwrap().len(), body.len());
        let took = started.elapsed();
        assert!(
            (Duration::from_millis(1600)..Duration::from_millis(2400)).contains(&took),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn a_shared_bandwidth_is_split_between_connections() {
        let body = vec![b's'; 100_000];
        let (_backend, proxy) = toxic_proxy(
            &body,
            behavior("bandwidth", &[("rate", "100"), ("shared", "true")]),
        );
        let started = Instant::now();
        let fetch = |client: reqwest::Client, url: String| async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len()
        };
        // Two clients, two connections: 200 KB through one 100 KB/s link.
        let (a, b) = tokio::join!(
            fetch(client(Some(PATIENCE)), proxy.url("/a")),
            fetch(client(Some(PATIENCE)), proxy.url("/b")),
        );
        assert_eq!((a, b), (body.len(), body.len()));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1600), "{took:?}");
    }

    #[test]
    fn stacked_toxics_all_apply() {
        let (_backend, proxy) = toxic_proxy(
            &[b'z'; 1000],
            behavior("latency+limit_data", &[("latency", "100"), ("bytes", "50")]),
        );
        let mut raw = Raw::connect(proxy.addr());
        let sent = Instant::now();
        let answer = raw.send(&get("/")).read_all(PATIENCE);
        assert_eq!(answer.bytes.len(), 50);
        assert_eq!(answer.end, End::Eof);
        assert!(answer.arrivals[0] - sent >= Duration::from_millis(100));
    }

    #[test]
    fn limit_data_closes_after_the_bytes_it_allows() {
        let (_backend, proxy) =
            toxic_proxy(&[b'z'; 1000], behavior("limit_data", &[("bytes", "100")]));
        let answer = Raw::connect(proxy.addr())
            .send(&get("/"))
            .read_all(PATIENCE);
        assert_eq!(answer.bytes.len(), 100);
        assert_eq!(answer.end, End::Eof);
        assert!(answer.text().starts_with("HTTP/1.1 200 OK\r\n"));
    }

    #[test]
    fn slicer_cuts_the_answer_into_spaced_pieces() {
        let (_backend, proxy) = toxic_proxy(
            b"0123456789",
            behavior("slicer", &[("average_size", "10"), ("delay", "20000")]),
        );
        let mut raw = Raw::connect(proxy.addr());
        let sent = Instant::now();
        let answer = raw.send(&get("/")).read_response(PATIENCE);
        assert!(answer.text().ends_with("0123456789"), "{}", answer.text());
        // Pieces of 10 bytes, 20 ms apart: the last byte waited for every pause before it.
        let pieces = answer.bytes.len().div_ceil(10) as u32;
        let took = *answer.arrivals.last().unwrap() - sent;
        assert!(
            took >= Duration::from_millis(20) * (pieces - 1),
            "{pieces} pieces in {took:?}"
        );
    }

    #[test]
    fn slow_close_holds_the_fin_back() {
        let (_backend, proxy) = toxic_proxy(b"bye", behavior("slow_close", &[("delay", "300")]));
        let answer = Raw::connect(proxy.addr())
            .send(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            .read_all(PATIENCE);
        assert!(answer.text().ends_with("bye"));
        assert_eq!(answer.end, End::Eof);
        let held = answer.ended_at - *answer.arrivals.last().unwrap();
        assert!(held >= Duration::from_millis(250), "{held:?}");
    }

    #[test]
    fn timeout_drops_the_data_then_closes() {
        let (_backend, proxy) = toxic_proxy(b"never", behavior("timeout", &[("timeout", "200")]));
        let mut raw = Raw::connect(proxy.addr());
        let sent = Instant::now();
        let answer = raw.send(&get("/")).read_all(PATIENCE);
        assert!(answer.bytes.is_empty(), "{}", answer.text());
        assert_eq!(answer.end, End::Eof);
        assert!(answer.ended_at - sent >= Duration::from_millis(200));
    }

    #[test]
    fn timeout_zero_is_a_black_hole_that_never_closes() {
        let (_backend, proxy) = toxic_proxy(b"never", behavior("timeout", &[("timeout", "0")]));
        let answer = Raw::connect(proxy.addr())
            .send(&get("/"))
            .read_all(Duration::from_millis(400));
        assert!(answer.bytes.is_empty(), "{}", answer.text());
        assert_eq!(answer.end, End::Idle);
    }

    #[tokio::test]
    async fn reset_peer_sends_a_real_rst() {
        let (_backend, proxy) = toxic_proxy(b"ok", behavior("reset_peer", &[("timeout", "100")]));
        let started = Instant::now();
        let answer = tokio::task::spawn_blocking({
            let addr = proxy.addr();
            move || Raw::connect(addr).read_all(PATIENCE)
        })
        .await
        .unwrap();
        assert_eq!(answer.end, End::Reset);
        assert!(started.elapsed() >= Duration::from_millis(100));
        proxy.set_behavior(behavior("reset_peer", &[("timeout", "0")]));
        let error = client(Some(PATIENCE))
            .get(proxy.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(!error.is_timeout(), "{error:?}");
        assert_eq!(
            hamms_integration_tests::io_error_kind(&error),
            Some(ErrorKind::ConnectionReset),
            "{error:?}"
        );
    }

    #[test]
    fn toxicity_zero_never_applies_the_toxic() {
        let (_backend, proxy) = toxic_proxy(
            b"untouched",
            behavior("reset_peer", &[("timeout", "0"), ("toxicity", "0")]),
        );
        for _ in 0..20 {
            let answer = Raw::connect(proxy.addr())
                .send(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
                .read_all(PATIENCE);
            assert!(answer.text().ends_with("untouched"), "{}", answer.text());
            assert_eq!(answer.end, End::Eof);
        }
    }

    #[test]
    fn down_closes_the_listener_so_connecting_is_refused() {
        let (_backend, proxy) = toxic_proxy(b"ok", behavior("down", &[]));
        let error = TcpStream::connect(proxy.addr()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    }
}
