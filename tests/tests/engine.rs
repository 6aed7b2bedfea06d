//! The engine rules every server follows: ephemeral ports, independence from the test's runtime,
//! certain stop, swappable behavior, history, reproducible randomness, clear errors.

use std::collections::HashSet;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hamms_integration_tests::{End, Raw, client, eventually, get};
use hamms_test::http::{Method, Version};
use hamms_test::{Behavior, ConnectionEnd, Error, FaultServer, Reply, ServerKind};

const WAIT: Duration = Duration::from_secs(10);
/// A read expecting bytes returns when the answer is complete; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

fn start(mode: &str) -> FaultServer {
    FaultServer::start(mode).expect("start the server")
}

/// Sends a `Connection: close` GET on a new connection and returns the whole answer.
fn fetch(server: &FaultServer, target: &str) -> String {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

mod lifecycle {
    use super::*;

    #[test]
    fn a_server_dropped_inside_a_panicking_test_frees_its_port_and_closes_its_connections() {
        let addr = Mutex::new(None);
        let open = Mutex::new(None);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let server = start("no_response");
            *addr.lock().unwrap() = Some(server.addr());
            let mut stream = TcpStream::connect(server.addr()).unwrap();
            stream.write_all(&get("/")).unwrap();
            server.wait_for_requests_blocking(1, WAIT).unwrap();
            *open.lock().unwrap() = Some(stream);
            panic!("the test fails while the server runs");
        }));
        assert!(outcome.is_err());
        let addr = addr.into_inner().unwrap().unwrap();
        let refused = TcpStream::connect(addr).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);

        let mut stream = open.into_inner().unwrap().unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let mut rest = Vec::new();
        let read = stream.read_to_end(&mut rest);
        assert!(
            matches!(&read, Ok(0))
                || matches!(&read, Err(e) if e.kind() == ErrorKind::ConnectionReset),
            "the open connection must be closed by the drop, got {read:?}"
        );
    }

    #[test]
    fn drop_returns_only_after_the_port_is_free_so_it_can_be_bound_again_at_once() {
        let server = start("status");
        let addr = server.addr();
        assert_eq!(fetch(&server, "/").lines().next(), Some("HTTP/1.1 200 OK"));
        drop(server);
        std::net::TcpListener::bind(addr).expect("the port is free as soon as drop returns");
    }

    #[test]
    fn two_hundred_servers_started_from_eight_threads_get_distinct_ports_and_all_serve() {
        let servers: Vec<FaultServer> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| (0..25).map(|_| start("status")).collect::<Vec<_>>()))
                .collect();
            threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect()
        });
        let ports: HashSet<u16> = servers.iter().map(FaultServer::port).collect();
        assert_eq!(ports.len(), 200);
        std::thread::scope(|scope| {
            for chunk in servers.chunks(25) {
                scope.spawn(move || {
                    for server in chunk {
                        let status = fetch(server, "/?status=204");
                        assert!(
                            status.starts_with("HTTP/1.1 204 "),
                            "{}: {status}",
                            server.port()
                        );
                    }
                });
            }
        });
    }

    #[test]
    fn servers_bind_loopback_on_a_fresh_port_by_default() {
        let server = start("status");
        assert!(server.addr().ip().is_loopback());
        assert_ne!(server.port(), 0);
        assert_eq!(
            server.url("/a"),
            format!("http://127.0.0.1:{}/a", server.port())
        );
        assert_eq!(
            server.url("b"),
            format!("http://127.0.0.1:{}/b", server.port())
        );
    }

    #[test]
    fn binding_a_taken_address_is_a_bind_error_naming_it() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let err = FaultServer::builder("status")
            .bind(addr)
            .start()
            .unwrap_err();
        assert!(matches!(err, Error::Bind { .. }), "{err:?}");
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
    }
}

mod runtimes {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_blocking_client_inside_a_current_thread_test_does_not_deadlock() {
        let server = start("sleep");
        // The test's only thread blocks for the whole exchange, including the server's sleep:
        // the server must run elsewhere.
        let started = Instant::now();
        let answer = fetch(&server, "/?sleep=0.2");
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(started.elapsed() >= Duration::from_millis(200));
        let history = server.wait_for_requests(1, WAIT).await.unwrap();
        assert_eq!(history.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn async_and_blocking_clients_work_from_a_multi_thread_test() {
        let server = start("status");
        let response = client(None)
            .get(server.url("/?status=201"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let answer = tokio::task::spawn_blocking({
            let addr = server.addr();
            move || {
                let mut raw = Raw::connect(addr);
                raw.send(&get("/?status=202"));
                raw.read_response(PATIENCE).text()
            }
        })
        .await
        .unwrap();
        assert!(answer.starts_with("HTTP/1.1 202 "), "{answer}");
    }

    #[test]
    fn wait_for_requests_works_without_any_tokio_runtime_in_the_caller() {
        let server = start("no_response");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/x"));
        // A minimal executor of our own: the future must not need tokio's context.
        let history = block_on(server.wait_for_requests(1, WAIT)).unwrap();
        assert_eq!(history.last().unwrap().request.path, "/x");
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        use std::sync::Arc;
        use std::task::{Context, Poll, Wake, Waker};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            std::thread::park();
        }
    }
}

mod behavior {
    use super::*;

    #[tokio::test]
    async fn with_behavior_switches_new_connections_and_restores_afterwards() {
        let server = start("status");
        let slow = Behavior::mode("no_response").unwrap();
        server
            .with_behavior(slow, async {
                let impatient = client(Some(Duration::from_millis(300)));
                let err = impatient.get(server.url("/")).send().await.unwrap_err();
                assert!(err.is_timeout());
            })
            .await;
        assert_eq!(server.behavior().name(), "status");
        let response = client(None).get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }

    #[test]
    fn with_behavior_blocking_restores_even_when_the_body_panics() {
        let server = start("status");
        let refused = Behavior::mode("refused").unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            server.with_behavior_blocking(refused, || panic!("inside the block"))
        }));
        assert!(outcome.is_err());
        assert_eq!(server.behavior().name(), "status");
        assert!(fetch(&server, "/").starts_with("HTTP/1.1 200 OK"));
    }

    #[test]
    fn switching_to_refused_and_back_takes_effect_on_the_same_port_before_set_behavior_returns() {
        let server = start("status");
        let addr = server.addr();
        let previous = server.set_behavior(Behavior::mode("refused").unwrap());
        assert_eq!(previous.name(), "status");
        assert_eq!(
            TcpStream::connect(addr).unwrap_err().kind(),
            ErrorKind::ConnectionRefused
        );
        assert_eq!(
            std::net::TcpListener::bind(addr).unwrap_err().kind(),
            ErrorKind::AddrInUse,
            "the port stays reserved while refusing"
        );
        server.set_behavior(Behavior::mode("status").unwrap());
        assert!(
            fetch(&server, "/").starts_with("HTTP/1.1 200 OK"),
            "accepting again at once"
        );
    }

    #[test]
    fn a_keep_alive_connection_gets_the_new_behavior_at_its_next_request() {
        let server = start("status");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        assert!(
            raw.read_response(PATIENCE)
                .text()
                .starts_with("HTTP/1.1 200 OK")
        );
        let _guard = server.scoped_behavior(Behavior::mode("malformed_after_request").unwrap());
        raw.send(&get("/"));
        let received = raw.read_all(PATIENCE);
        assert_eq!(
            (received.bytes.as_slice(), received.end),
            (&b"foo bar"[..], End::Eof)
        );
    }

    #[test]
    fn scoped_behaviors_nest_and_unwind_in_order() {
        let server = start("status");
        {
            let _outer = server.scoped_behavior(Behavior::mode("sleep").unwrap());
            {
                let _inner = server.scoped_behavior(Behavior::mode("fail_rate").unwrap());
                assert_eq!(server.behavior().name(), "fail_rate");
            }
            assert_eq!(server.behavior().name(), "sleep");
        }
        assert_eq!(server.behavior().name(), "status");
    }

    #[test]
    fn invalid_modes_and_parameters_are_errors_naming_the_valid_choices() {
        let unknown = Behavior::mode("slow_drp").unwrap_err().to_string();
        assert!(unknown.contains("did you mean `slow_drip`?"), "{unknown}");
        assert!(unknown.contains("no_response"), "{unknown}");
        let param = FaultServer::builder("status")
            .param("code", 500)
            .start()
            .unwrap_err();
        assert!(
            param.to_string().contains("valid parameters: status"),
            "{param}"
        );
        let range = FaultServer::builder("status")
            .param("status", 99)
            .start()
            .unwrap_err();
        assert!(
            range.to_string().contains("an integer from 100 to 599"),
            "{range}"
        );
    }
}

mod history {
    use super::*;

    #[test]
    fn requests_are_recorded_with_every_field_in_order() {
        let server = start("status");
        let mut raw = Raw::connect(server.addr());
        raw.send(b"POST /a/b?x=1&y=two%20words&x=3 HTTP/1.1\r\nHost: h\r\nX-Repeat: 1\r\nX-Repeat: 2\r\nContent-Length: 5\r\n\r\nhello");
        assert!(
            raw.read_response(PATIENCE)
                .text()
                .starts_with("HTTP/1.1 200 OK")
        );
        raw.send(b"GET /c HTTP/1.0\r\n\r\n");
        assert!(
            raw.read_response(PATIENCE)
                .text()
                .starts_with("HTTP/1.1 200 OK")
        );

        let history = server.wait_for_requests_blocking(2, WAIT).unwrap();
        let post = &history.exchanges()[0];
        assert_eq!(post.request.method, Method::POST);
        assert_eq!(post.request.target, "/a/b?x=1&y=two%20words&x=3");
        assert_eq!(post.request.path, "/a/b");
        assert_eq!(
            post.request.query,
            [("x", "1"), ("y", "two words"), ("x", "3")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(post.request.version, Version::HTTP_11);
        let names: Vec<&str> = post
            .request
            .headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["host", "x-repeat", "x-repeat", "content-length"]);
        assert_eq!(
            post.request.header_all("X-Repeat").collect::<Vec<_>>(),
            ["1", "2"]
        );
        assert_eq!(post.request.body, b"hello");
        assert!(matches!(post.reply, Reply::Response { status: 200, .. }));

        let get = &history.exchanges()[1];
        assert_eq!(get.request.version, Version::HTTP_10);
        assert!(
            get.request.body.is_empty(),
            "no stale body from the previous request"
        );
        let arrivals: Vec<_> = history.requests().map(|r| r.received_at).collect();
        assert_eq!(history.intervals(), [arrivals[1] - arrivals[0]]);
        assert_eq!(history.requests_to("/c").count(), 1);

        let connection = &history.connections()[0];
        assert!(connection.received.starts_with(b"POST /a/b?x=1"));
        assert!(connection.sent.starts_with(b"HTTP/1.1 200 OK\r\n"));
        drop(raw);
        eventually(WAIT, "the close is recorded", || {
            server.history().connections()[0].end.is_some()
        });
        assert_eq!(
            server.history().connections()[0].end,
            Some(ConnectionEnd::ServerClosed),
            "HTTP/1.0 without keep-alive: the server closes"
        );
    }

    #[test]
    fn bodies_are_capped_but_their_length_is_kept() {
        let server = FaultServer::builder("status").body_cap(4).start().unwrap();
        let mut raw = Raw::connect(server.addr());
        raw.send(b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assert!(
            raw.read_response(PATIENCE)
                .text()
                .starts_with("HTTP/1.1 200 OK")
        );
        let request = server.history().last().unwrap().request.clone();
        assert_eq!(request.body, b"hell");
        assert_eq!(request.body_len, 11);
        assert!(request.body_truncated());
    }

    #[test]
    fn clear_history_forgets_and_waits_count_from_the_clear() {
        let server = start("status");
        fetch(&server, "/one");
        server.wait_for_requests_blocking(1, WAIT).unwrap();
        server.clear_history();
        assert!(server.history().is_empty());
        fetch(&server, "/two");
        let history = server.wait_for_requests_blocking(1, WAIT).unwrap();
        assert_eq!(
            history
                .requests()
                .map(|r| r.path.as_str())
                .collect::<Vec<_>>(),
            ["/two"]
        );
    }

    #[test]
    fn a_wait_that_times_out_says_what_arrived_and_the_seed() {
        let server = FaultServer::builder("status").seed(99).start().unwrap();
        fetch(&server, "/only");
        let err = server
            .wait_for_requests_blocking(2, Duration::from_millis(200))
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("for 2 request(s) but 1 arrived (seed 99)"),
            "{message}"
        );
        assert!(message.contains("GET /only"), "{message}");
    }

    #[test]
    fn the_history_limit_evicts_the_oldest_requests() {
        let server = FaultServer::builder("status")
            .history_limit(2)
            .start()
            .unwrap();
        for path in ["/1", "/2", "/3"] {
            fetch(&server, path);
        }
        let history = server.wait_for_requests_blocking(3, WAIT).unwrap();
        let paths: Vec<&str> = history.requests().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/2", "/3"]);
        assert_eq!(history.evicted(), 1);
    }

    #[test]
    fn the_history_stays_within_its_byte_limit_while_connections_churn_with_large_requests() {
        const LIMIT: usize = 1024 * 1024;
        let server = FaultServer::fixture().history_bytes(LIMIT).start().unwrap();
        let body = vec![b'x'; 100 * 1024];
        let mut head_bytes = 0;
        for i in 0..60 {
            let mut raw = Raw::connect(server.addr());
            let head = format!(
                "POST /upload/{i} HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            head_bytes = head.len();
            raw.send(head.as_bytes()).send(&body);
            assert_eq!(raw.read_all(PATIENCE).end, End::Eof, "answered and closed");
            let history = server.history();
            assert!(
                history.recorded_bytes() <= LIMIT,
                "after {} uploads of 100 KiB, {} bytes recorded",
                i + 1,
                history.recorded_bytes()
            );
        }
        let history = server.wait_for_requests_blocking(60, WAIT).unwrap();
        assert_eq!(history.byte_limit(), LIMIT);
        assert!(history.evicted() > 40, "{} evicted", history.evicted());
        assert!(history.evicted_connections() > 40);
        assert_eq!(history.len() as u64 + history.evicted(), 60);
        // The newest are kept, bodies whole; each connection's raw bytes up to 16 KiB.
        let last = history.last().unwrap();
        assert_eq!(last.request.path, "/upload/59");
        assert_eq!(last.request.body, body);
        let connection = history.connections().last().unwrap();
        assert_eq!(connection.received_len, (head_bytes + body.len()) as u64);
        assert_eq!(connection.received.len(), 16 * 1024);
        assert!(
            history.to_string().contains(&format!(
                "older exchange(s) and {} connection(s) dropped to stay within the history's \
                 limits: 10000 entries, {LIMIT} bytes",
                history.evicted_connections()
            )),
            "{history}"
        );
    }

    #[test]
    fn a_client_that_has_read_its_answer_finds_the_request_its_reply_and_the_bytes_recorded() {
        let server = FaultServer::fixture().start().unwrap();
        let mut raw = Raw::connect(server.addr());
        for i in 0..20 {
            raw.send(&get(&format!("/{i}")));
            assert_eq!(raw.read_response(PATIENCE).end, End::Complete);
            // No wait: what the client read is in the history already.
            let history = server.history();
            let exchange = history.last().unwrap();
            assert_eq!(exchange.request.path, format!("/{i}"));
            assert!(matches!(
                exchange.reply,
                Reply::Response { status: 200, .. }
            ));
            assert!(exchange.first_byte_at.is_some());
            let connection = &history.connections()[0];
            assert!(
                connection.sent_len >= 38 * (i + 1),
                "{}",
                connection.sent_len
            );
            assert!(connection.received_len > 0);
        }
    }

    #[test]
    fn connections_record_who_ended_them() {
        let server = start("no_response");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/"));
        server.wait_for_requests_blocking(1, WAIT).unwrap();
        drop(raw);
        eventually(WAIT, "the close is recorded", || {
            server.history().connections()[0].end.is_some()
        });
        let end = server.history().connections()[0].end.clone().unwrap();
        assert_eq!(end, ConnectionEnd::ClientClosed);
        assert!(end.by_client());
    }
}

mod bad_input {
    use super::*;

    #[test]
    fn malformed_requests_get_a_400_and_the_server_keeps_serving_others() {
        let server = start("status");
        for garbage in [
            &b"foo bar\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
            b"\x16\x03\x01\x02\x00",
        ] {
            let mut raw = Raw::connect(server.addr());
            raw.send(garbage);
            let received = raw.read_all(Duration::from_secs(5));
            assert!(
                received.text().starts_with("HTTP/1.1 400 Bad Request"),
                "{garbage:?}: {}",
                received.text()
            );
            assert!(received.text().contains("\"status\":\"error\""));
            assert_eq!(received.end, End::Eof);
        }
        assert!(fetch(&server, "/").starts_with("HTTP/1.1 200 OK"));
    }

    #[test]
    fn too_many_headers_get_a_431() {
        let server = start("status");
        let mut request = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..2000 {
            request.extend_from_slice(format!("x-h{i}: v\r\n").as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        let mut raw = Raw::connect(server.addr());
        raw.send(&request);
        let text = raw.read_all(Duration::from_secs(5)).text();
        assert!(
            text.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
            "{text}"
        );
        assert!(fetch(&server, "/").starts_with("HTTP/1.1 200 OK"));
    }
}

mod seeds {
    use super::*;

    /// The drop pattern of `n` sequential requests to a fail_rate server.
    fn drops(server: &FaultServer, n: usize) -> Vec<bool> {
        (0..n)
            .map(|_| fetch(server, "/?failrate=0.5").is_empty())
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_fail_rate_sequence_and_another_seed_differs() {
        let a = FaultServer::builder("fail_rate").seed(7).start().unwrap();
        let b = FaultServer::builder("fail_rate").seed(7).start().unwrap();
        let c = FaultServer::builder("fail_rate").seed(8).start().unwrap();
        assert_eq!(a.seed(), 7);
        let (from_a, from_b, from_c) = (drops(&a, 40), drops(&b, 40), drops(&c, 40));
        assert_eq!(from_a, from_b);
        assert_ne!(from_a, from_c);
        assert!(
            from_a.contains(&true) && from_a.contains(&false),
            "{from_a:?}"
        );
    }

    #[test]
    fn a_request_seed_makes_that_requests_choice_independent_of_the_server() {
        let a = FaultServer::builder("fail_rate").seed(1).start().unwrap();
        let b = FaultServer::builder("fail_rate").seed(2).start().unwrap();
        for seed in 0..16 {
            let target = format!("/?failrate=0.5&seed={seed}");
            let first = fetch(&a, &target).is_empty();
            assert_eq!(
                fetch(&a, &target).is_empty(),
                first,
                "seed {seed} on the same server"
            );
            assert_eq!(
                fetch(&b, &target).is_empty(),
                first,
                "seed {seed} on another server"
            );
        }
    }

    #[test]
    fn servers_without_a_builder_seed_take_hamms_seed_or_draw_one_and_report_it() {
        let a = start("fail_rate");
        let b = start("fail_rate");
        match std::env::var("HAMMS_SEED") {
            Ok(seed) => {
                let seed: u64 = seed.parse().expect("HAMMS_SEED is a number");
                assert_eq!((a.seed(), b.seed()), (seed, seed));
            }
            Err(_) => assert_ne!(a.seed(), b.seed(), "each draws its own"),
        }
        assert_eq!(a.history().seed(), a.seed());
    }
}

mod roles {
    use super::*;
    use hamms_test::{Protocol, Response};

    #[test]
    fn a_proxy_behavior_on_a_mode_server_is_an_error_and_the_behavior_stays() {
        let server = start("status");
        let error = server
            .try_set_behavior(Behavior::proxy("delay").unwrap())
            .unwrap_err();
        assert!(matches!(error, Error::WrongRole { .. }), "{error:?}");
        assert!(
            error.to_string().contains("FaultServer::proxy(backend)"),
            "{error}"
        );
        assert_eq!(server.behavior().name(), "status");
        assert!(fetch(&server, "/").starts_with("HTTP/1.1 200 OK\r\n"));
    }

    #[test]
    #[should_panic(
        expected = "`latency` needs a chaos proxy, but this server serves a catalog mode; start one with FaultServer::proxy(backend)"
    )]
    fn set_behavior_panics_naming_the_fix_for_another_role() {
        start("status").set_behavior(Behavior::proxy("latency").unwrap());
    }

    #[test]
    fn a_mode_or_the_fixture_on_a_proxy_is_an_error_and_the_proxy_stays() {
        let backend = start("status");
        let proxy = FaultServer::proxy(backend.addr().to_string())
            .start()
            .unwrap();
        for behavior in [Behavior::mode("status").unwrap(), Behavior::fixture()] {
            let error = proxy.try_set_behavior(behavior).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::WrongRole {
                        needs: ServerKind::Mode,
                        server: ServerKind::Proxy,
                        ..
                    }
                ),
                "{error:?}"
            );
            assert!(
                error
                    .to_string()
                    .contains("but this server is a chaos proxy"),
                "{error}"
            );
        }
        assert_eq!(proxy.behavior().name(), "dummy");
        // A mode server, by contrast, becomes the fixture (`fixture.rs` tests what it answers).
        assert!(backend.try_set_behavior(Behavior::fixture()).is_ok());
    }

    #[test]
    fn a_protocol_on_a_builder_that_is_not_a_proxy_is_an_error_at_start() {
        let error = FaultServer::builder("status")
            .protocol(Protocol::Http)
            .start()
            .unwrap_err();
        match &error {
            Error::WrongRole {
                asked,
                needs: ServerKind::Proxy,
                server: ServerKind::Mode,
            } => assert_eq!(asked, "`protocol(http)`"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fail_next_needs_a_fixture_and_a_catalog_mode() {
        let error = start("status")
            .fail_next(1, Behavior::mode("reset_by_peer").unwrap())
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::WrongRole {
                    needs: ServerKind::Fixture,
                    server: ServerKind::Mode,
                    ..
                }
            ),
            "{error:?}"
        );
        let fixture = FaultServer::fixture().start().unwrap();
        for failure in [Behavior::proxy("blackout").unwrap(), Behavior::fixture()] {
            let name = failure.to_string();
            let error = fixture.fail_next(1, failure).unwrap_err();
            assert!(
                matches!(&error, Error::NotPerRequest { failure } if *failure == name),
                "{error:?}"
            );
        }
        assert!(fetch(&fixture, "/").starts_with("HTTP/1.1 200 OK\r\n"));
    }

    #[test]
    #[should_panic(expected = "only the fixture answers what a test programs")]
    fn programming_answers_on_a_mode_server_panics_naming_the_fix() {
        start("status").respond_with(Response::status(503));
    }
}
