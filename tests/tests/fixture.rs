//! The fixture server: programmable responses and the request history, over raw sockets and real
//! clients (reqwest async and blocking, ureq, hyper, curl), HTTP/1.1, HTTP/2 and HTTPS.

use std::time::{Duration, Instant};

use hamms_integration_tests::{Raw, Received, client, client_builder, get};
use hamms_test::{FaultServer, Reply, Response};

/// A read expecting bytes returns when the answer is complete; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

fn fixture() -> FaultServer {
    FaultServer::fixture().start().expect("start the fixture")
}

/// Asserts that a raw read received a `200 OK`.
#[track_caller]
fn assert_ok(answer: &Received) {
    assert!(
        answer.text().starts_with("HTTP/1.1 200 OK\r\n"),
        "expected a 200, got {:?}",
        answer.text()
    );
}

/// The status and headers of a recorded reply.
fn recorded_response(reply: &Reply) -> (u16, Vec<(String, String)>) {
    match reply {
        Reply::Response {
            status, headers, ..
        } => (*status, headers.clone()),
        other => panic!("expected a response, the server recorded {other:?}"),
    }
}

mod responses {
    use super::*;

    #[test]
    fn the_default_is_200_with_an_empty_body_and_content_length_0() {
        let server = fixture();
        let answer = Raw::connect(server.addr())
            .send(&get("/"))
            .read_response(PATIENCE);
        assert_eq!(
            answer.text(),
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
        );
    }

    #[test]
    fn headers_go_on_the_wire_in_the_order_set_with_repeats() {
        let server = fixture();
        server.respond_with(
            Response::status(201)
                .header("x-tag", "a")
                .header("set-cookie", "a=1")
                .header("x-tag", "b")
                .header("x-latin1", &b"caf\xe9"[..])
                .text("created"),
        );
        let answer = Raw::connect(server.addr())
            .send(&get("/"))
            .read_response(PATIENCE);
        assert_eq!(
            answer.bytes,
            b"HTTP/1.1 201 Created\r\nx-tag: a\r\nset-cookie: a=1\r\nx-tag: b\r\nx-latin1: caf\xe9\r\n\
              content-type: text/plain; charset=utf-8\r\ncontent-length: 7\r\n\r\ncreated"
        );
    }

    #[tokio::test]
    async fn reqwest_reads_status_repeated_headers_and_body() {
        let server = fixture();
        server.respond_with(
            Response::status(418)
                .header("set-cookie", "a=1")
                .header("set-cookie", "b=2")
                .header("x-request-id", "r-7")
                .text("short and stout"),
        );
        let response = client(Some(PATIENCE))
            .get(server.url("/teapot"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 418);
        let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert_eq!(response.headers()["x-request-id"], "r-7");
        assert_eq!(response.text().await.unwrap(), "short and stout");
    }

    #[tokio::test]
    async fn json_bodies_come_from_serde() {
        let server = fixture();
        server
            .respond_with(Response::ok().json(&serde_json::json!({"items": [1, 2], "next": null})));
        let response = client(Some(PATIENCE))
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], "application/json");
        let value: serde_json::Value = response.json().await.unwrap();
        assert_eq!(value, serde_json::json!({"items": [1, 2], "next": null}));
    }

    #[tokio::test]
    async fn ten_mib_bodies_cross_both_ways_intact() {
        let server = fixture();
        let document: Vec<u8> = (0..10 * 1024 * 1024_u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let upload: Vec<u8> = document.iter().rev().copied().collect();
        server.respond_with(Response::ok().body(document.clone()));
        let response = client(Some(Duration::from_secs(60)))
            .post(server.url("/upload"))
            .body(upload.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.content_length(), Some(document.len() as u64));
        assert!(
            response.bytes().await.unwrap() == document,
            "the body changed on the way"
        );
        let history = server.history();
        let request = &history.last().unwrap().request;
        assert_eq!(request.body_len, upload.len() as u64);
        assert!(
            request.body == upload,
            "the recorded body differs from the upload"
        );
    }

    #[tokio::test]
    async fn once_and_queued_responses_come_in_order_then_the_default() {
        let server = fixture();
        server.respond_with(Response::ok().text("default"));
        server.respond_in_order([Response::status(201), Response::status(202)]);
        server.respond_once(Response::status(203));
        let client = client(Some(PATIENCE));
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(
                client
                    .get(server.url("/"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(statuses, [201, 202, 203, 200, 200]);
    }

    #[tokio::test]
    async fn a_closure_answers_from_the_request() {
        let server = fixture();
        server.respond_fn(|request| {
            Response::ok().text(format!(
                "{} {} id={}",
                request.method,
                request.path,
                request.query_param("id").unwrap_or("-")
            ))
        });
        let client = client(Some(PATIENCE));
        let a = client.get(server.url("/items?id=7")).send().await.unwrap();
        assert_eq!(a.text().await.unwrap(), "GET /items id=7");
        let b = client.delete(server.url("/items")).send().await.unwrap();
        assert_eq!(b.text().await.unwrap(), "DELETE /items id=-");
    }

    #[tokio::test]
    async fn a_panicking_closure_gets_the_client_a_500_and_the_server_keeps_serving() {
        let server = fixture();
        server.respond_fn(|request| {
            assert!(request.path != "/boom", "the test's closure gave up");
            Response::ok().text("fine")
        });
        let client = client(Some(PATIENCE));
        let boom = client.get(server.url("/boom")).send().await.unwrap();
        assert_eq!(boom.status(), 500);
        assert!(
            boom.text()
                .await
                .unwrap()
                .contains("the test's closure gave up")
        );
        let fine = client.get(server.url("/fine")).send().await.unwrap();
        assert_eq!(fine.text().await.unwrap(), "fine");
    }

    #[tokio::test]
    async fn reset_brings_back_200_and_an_empty_history() {
        let server = fixture();
        server.respond_with(Response::status(500));
        server.respond_in_order([Response::status(503)]);
        let client = client(Some(PATIENCE));
        assert_eq!(
            client.get(server.url("/")).send().await.unwrap().status(),
            503
        );
        server.reset();
        assert!(server.history().is_empty());
        let response = client.get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.content_length(), Some(0));
    }

    #[test]
    fn framing_the_test_sets_is_sent_as_given_even_when_it_lies() {
        let server = fixture();
        server.respond_with(Response::ok().header("content-length", "10").body("12345"));
        let answer = Raw::connect(server.addr())
            .send(&get("/"))
            .read_until(PATIENCE, |b| b.ends_with(b"12345"));
        assert_eq!(
            answer.text(),
            "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345"
        );
    }

    #[test]
    fn trailers_follow_a_chunked_body() {
        let server = fixture();
        server.respond_with(
            Response::ok()
                .body("abc")
                .trailer("x-checksum", "900150983cd24fb0"),
        );
        let answer = Raw::connect(server.addr())
            .send(&get("/"))
            .read_until(PATIENCE, |b| {
                b.ends_with(b"\r\n\r\n") && b.windows(3).any(|w| w == b"0\r\n")
            });
        assert_eq!(
            answer.text(),
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-checksum: 900150983cd24fb0\r\n\r\n"
        );
    }

    #[test]
    fn a_head_request_gets_the_length_without_the_body() {
        let server = fixture();
        server.respond_with(Response::ok().text("hello"));
        let mut raw = Raw::connect(server.addr());
        raw.send(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
        let head = raw.read_until(PATIENCE, |b| b.ends_with(b"\r\n\r\n"));
        assert_eq!(
            head.text(),
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 5\r\n\r\n"
        );
        // No body follows: the next answer on the connection starts with its status line.
        let next = raw.send(&get("/")).read_response(PATIENCE);
        assert_ok(&next);
    }

    #[test]
    fn an_http_1_0_client_gets_a_paced_body_delimited_by_the_close() {
        let server = fixture();
        server.respond_with(
            Response::ok()
                .body("abcdef")
                .chunk_size(3)
                .chunk_delay(Duration::from_millis(10)),
        );
        let answer = Raw::connect(server.addr())
            .send(b"GET / HTTP/1.0\r\n\r\n")
            .read_all(PATIENCE);
        assert_eq!(answer.end, hamms_integration_tests::End::Eof);
        assert_eq!(
            answer.text(),
            "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabcdef"
        );
    }
}

mod pacing {
    use super::*;

    const DELAY: Duration = Duration::from_millis(200);
    const PIECE_PAUSE: Duration = Duration::from_millis(80);

    #[test]
    fn a_delay_holds_back_the_whole_response() {
        let server = fixture();
        server.respond_with(Response::ok().text("late").delay(DELAY));
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        let answer = raw.send(&get("/")).read_response(PATIENCE);
        assert!(answer.text().ends_with("\r\n\r\nlate"), "{}", answer.text());
        // The server waits from the request's arrival, which is after `sent`.
        assert!(
            answer.arrivals[0] - sent >= DELAY,
            "{:?}",
            answer.arrivals[0] - sent
        );
        let history = server.history();
        assert!(history.last().unwrap().time_to_first_byte().unwrap() >= DELAY);
    }

    #[tokio::test]
    async fn reqwest_waits_out_the_delay_or_times_out_first() {
        let server = fixture();
        server.respond_with(Response::ok().delay(DELAY));
        let sent = Instant::now();
        let response = client(Some(PATIENCE))
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(sent.elapsed() >= DELAY);
        let impatient = client(Some(Duration::from_millis(50)));
        let error = impatient.get(server.url("/")).send().await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    }

    #[test]
    fn paced_pieces_leave_as_separate_chunks_a_pause_apart() {
        let server = fixture();
        server.respond_with(
            Response::ok()
                .body("aaaaabbbbbccccc")
                .chunk_size(5)
                .chunk_delay(PIECE_PAUSE),
        );
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        let answer = raw
            .send(&get("/"))
            .read_until(PATIENCE, |b| b.ends_with(b"0\r\n\r\n"));
        let text = answer.text();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\naaaaa\r\n5\r\nbbbbb\r\n5\r\nccccc\r\n0\r\n\r\n"
        );
        // Piece k cannot leave before k pauses have passed since the request was sent.
        for (k, piece) in ["bbbbb", "ccccc"].iter().enumerate() {
            let at = text.find(piece).unwrap();
            let waited = answer.arrivals[at] - sent;
            assert!(
                waited >= PIECE_PAUSE * (k as u32 + 1),
                "piece {piece} after {waited:?}"
            );
        }
    }

    #[tokio::test]
    async fn reqwest_reads_paced_pieces_as_separate_chunks() {
        let server = fixture();
        server.respond_with(
            Response::ok()
                .body("aaaaabbbbbccccc")
                .chunk_size(5)
                .chunk_delay(PIECE_PAUSE),
        );
        let sent = Instant::now();
        let mut response = client(Some(PATIENCE))
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        let mut chunks = Vec::new();
        while let Some(chunk) = response.chunk().await.unwrap() {
            chunks.push((chunk, sent.elapsed()));
        }
        let bodies: Vec<_> = chunks.iter().map(|(c, _)| c.as_ref()).collect();
        assert_eq!(bodies, [b"aaaaa", b"bbbbb", b"ccccc"]);
        for (k, (_, at)) in chunks.iter().enumerate() {
            assert!(*at >= PIECE_PAUSE * k as u32, "chunk {k} after {at:?}");
        }
    }
}

mod history {
    use super::*;
    use hamms_test::http::{Method, Version};

    #[test]
    fn every_field_of_every_request_is_recorded_exactly_with_no_stale_body() {
        let server = fixture();
        let mut raw = Raw::connect(server.addr());
        let before = Instant::now();
        raw.send(
            b"POST /submit?a=1&b=x%20y&a=2 HTTP/1.1\r\nHost: h\r\nX-Rep: 1\r\n\
              Content-Type: text/plain\r\nX-Rep: 2\r\nContent-Length: 5\r\n\r\nhello",
        );
        raw.read_response(PATIENCE);
        raw.send(b"GET /after HTTP/1.1\r\nHost: h\r\n\r\n")
            .read_response(PATIENCE);

        let history = server.history();
        let [post, after] = history.exchanges() else {
            panic!("expected two exchanges: {history}");
        };
        let request = &post.request;
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.target, "/submit?a=1&b=x%20y&a=2");
        assert_eq!(request.path, "/submit");
        let query: Vec<(&str, &str)> = request
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(query, [("a", "1"), ("b", "x y"), ("a", "2")]);
        assert_eq!(request.version, Version::HTTP_11);
        let headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(
            headers,
            [
                ("host", "h"),
                ("x-rep", "1"),
                ("content-type", "text/plain"),
                ("x-rep", "2"),
                ("content-length", "5"),
            ]
        );
        assert_eq!(request.body, b"hello");
        assert_eq!(request.body_len, 5);
        assert_eq!(request.peer, raw.local_addr());
        assert!(request.received_at >= before);
        assert_eq!(
            recorded_response(&post.reply),
            (200, vec![("content-length".to_owned(), "0".to_owned())])
        );
        assert!(post.time_to_first_byte().is_some());

        assert_eq!(after.request.method, Method::GET);
        assert!(
            after.request.body.is_empty(),
            "stale body: {:?}",
            after.request.body_text()
        );
        assert_eq!(after.request.body_len, 0);
        assert_eq!(after.request.connection, request.connection);
        assert!(after.request.received_at >= request.received_at);
    }

    #[tokio::test]
    async fn a_post_then_a_get_from_reqwest_shows_each_its_own_body() {
        let server = fixture();
        let client = client(Some(PATIENCE));
        client
            .post(server.url("/a"))
            .body("payload")
            .send()
            .await
            .unwrap();
        client.get(server.url("/b")).send().await.unwrap();
        let history = server.history();
        let bodies: Vec<&[u8]> = history.bodies().collect();
        assert_eq!(bodies, [&b"payload"[..], b""]);
        let to_b: Vec<_> = history.requests_to("/b").collect();
        assert_eq!(to_b.len(), 1);
        assert_eq!(to_b[0].method, hamms_test::http::Method::GET);
    }

    #[tokio::test]
    async fn intervals_show_a_clients_retry_back_off() {
        let server = fixture();
        server.respond_in_order([
            Response::status(503),
            Response::status(503),
            Response::status(503),
        ]);
        // The client under test: retries 503s with exponential back-off, 100 ms first.
        let client = client(Some(PATIENCE));
        let mut back_off = Duration::from_millis(100);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let response = client.get(server.url("/flaky")).send().await.unwrap();
            if response.status() != 503 {
                break;
            }
            tokio::time::sleep(back_off).await;
            back_off *= 2;
        }
        assert_eq!(attempts, 4);
        let intervals = server.history().intervals();
        assert_eq!(intervals.len(), 3);
        for (interval, expected) in intervals.iter().zip([100, 200, 400]) {
            assert!(
                *interval >= Duration::from_millis(expected),
                "{intervals:?}"
            );
        }
    }

    #[test]
    fn a_body_over_the_cap_is_truncated_with_its_full_length_recorded() {
        let server = FaultServer::fixture().body_cap(1024).start().unwrap();
        let body = vec![b'z'; 100 * 1024];
        let mut raw = Raw::connect(server.addr());
        raw.send(
            format!(
                "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .send(&body);
        let answer = raw.read_response(PATIENCE);
        assert_ok(&answer);
        let history = server.history();
        let request = &history.last().unwrap().request;
        assert_eq!(request.body, body[..1024]);
        assert_eq!(request.body_len, body.len() as u64);
        assert!(request.body_truncated());
        // The connection stays usable: the whole body was read, not just the kept part.
        let next = raw.send(&get("/next")).read_response(PATIENCE);
        assert_ok(&next);
    }
}

mod failing_on_purpose {
    use super::*;
    use hamms_test::{Behavior, Error};

    #[tokio::test]
    async fn two_resets_then_200_for_a_retrying_client() {
        let server = fixture();
        server.respond_with(Response::ok().text("finally"));
        server
            .fail_next(2, Behavior::mode("reset_by_peer").unwrap())
            .unwrap();
        // The client under test: up to 5 attempts on connection errors.
        let client = client(Some(PATIENCE));
        let mut errors = Vec::new();
        let body = loop {
            match client.get(server.url("/retry")).send().await {
                Ok(response) => break response.text().await.unwrap(),
                Err(e) if errors.len() < 4 => errors.push(e),
                Err(e) => panic!("gave up after {errors:?} and {e:?}"),
            }
        };
        assert_eq!(body, "finally");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors.iter().all(|e| !e.is_timeout() && !e.is_status()),
            "{errors:?}"
        );
        let history = server.history();
        let replies: Vec<&Reply> = history.exchanges().iter().map(|e| &e.reply).collect();
        assert_eq!(replies.len(), 3);
        assert_eq!(replies[..2], [&Reply::Reset, &Reply::Reset]);
        assert_eq!(recorded_response(replies[2]).0, 200);
    }

    #[tokio::test]
    async fn a_failure_on_a_keep_alive_connection_hands_the_next_request_back_to_the_fixture() {
        let server = fixture();
        let unavailable = Behavior::mode("status")
            .unwrap()
            .param("status", 503)
            .unwrap();
        server.fail_next(1, unavailable).unwrap();
        let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let (mut sender, _connection) = hamms_integration_tests::hyper_connection(stream).await;
        let first = sender
            .send_request(hamms_integration_tests::hyper_get("/a"))
            .await
            .unwrap();
        assert_eq!(first.status(), 503);
        drop(first);
        sender.ready().await.unwrap();
        let second = sender
            .send_request(hamms_integration_tests::hyper_get("/b"))
            .await
            .unwrap();
        assert_eq!(second.status(), 200);
        let history = server.history();
        let connections: Vec<u64> = history.requests().map(|r| r.connection).collect();
        assert_eq!(connections.len(), 2);
        assert_eq!(
            connections[0], connections[1],
            "both requests used one connection"
        );
    }

    #[test]
    fn socket_level_modes_cannot_fail_single_requests() {
        let server = fixture();
        let error = server
            .fail_next(1, Behavior::mode("refused").unwrap())
            .unwrap_err();
        assert!(
            matches!(&error, Error::NotPerRequest { failure } if failure == "refused"),
            "{error:?}"
        );
        assert!(error.to_string().contains("reset_by_peer"), "{error}");
    }

    #[test]
    fn a_fixture_switched_to_a_failure_and_back_keeps_its_programmed_answers() {
        let server = fixture();
        server.respond_with(Response::ok().text("programmed"));
        let drip = Behavior::mode("slow_drip")
            .unwrap()
            .param("interval_ms", 1)
            .unwrap();
        server.with_behavior_blocking(drip, || {
            let answer = Raw::connect(server.addr())
                .send(&get("/"))
                .read_all(PATIENCE);
            assert!(
                answer.text().starts_with("HTTP/1.1 204"),
                "{}",
                answer.text()
            );
        });
        assert_eq!(server.behavior().name(), "fixture");
        let answer = Raw::connect(server.addr())
            .send(&get("/"))
            .read_response(PATIENCE);
        assert!(
            answer.text().ends_with("\r\n\r\nprogrammed"),
            "{}",
            answer.text()
        );
    }
}

mod a_mode_server_becoming_the_fixture {
    use super::*;
    use hamms_test::Behavior;

    #[tokio::test]
    async fn a_mode_server_switched_to_the_fixture_answers_what_the_test_programs_and_keeps_it() {
        // The shape of a recovery test: the client meets resets, then the working answer.
        let server = FaultServer::start("reset_by_peer").unwrap();
        let client = client(Some(PATIENCE));
        let error = client.get(server.url("/pay")).send().await.unwrap_err();
        assert!(error.is_request(), "{error:?}");

        server.set_behavior(Behavior::fixture());
        let answer = client.get(server.url("/pay")).send().await.unwrap();
        assert_eq!(
            (answer.status().as_u16(), answer.text().await.unwrap()),
            (200, String::new()),
            "the fixture's default answer"
        );
        server.respond_with(Response::status(201).text("paid"));
        let answer = client.get(server.url("/pay")).send().await.unwrap();
        assert_eq!(answer.status(), 201);
        assert_eq!(answer.text().await.unwrap(), "paid");

        // Back to the mode and to the fixture again: the programmed answer was kept.
        server
            .with_behavior(Behavior::mode("reset_by_peer").unwrap(), async {
                assert!(client.get(server.url("/pay")).send().await.is_err());
            })
            .await;
        assert_eq!(server.behavior().name(), "fixture");
        let answer = client.get(server.url("/pay")).send().await.unwrap();
        assert_eq!(answer.text().await.unwrap(), "paid");
        assert_eq!(server.history().len(), 5);
    }

    #[test]
    #[should_panic(
        expected = "only the fixture answers what a test programs, and this server runs `status`; \
                    switch it first (server.set_behavior(Behavior::fixture()))"
    )]
    fn programming_a_mode_server_that_never_was_the_fixture_panics_naming_the_switch() {
        let server = FaultServer::start("status").unwrap();
        server.respond_with(Response::ok());
    }
}

mod clients {
    use super::*;

    #[test]
    fn reqwest_blocking_in_a_plain_test() {
        let server = fixture();
        server.respond_with(Response::status(202).text("accepted"));
        let client = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(PATIENCE)
            .build()
            .unwrap();
        let response = client.post(server.url("/jobs")).body("job").send().unwrap();
        assert_eq!(response.status(), 202);
        assert_eq!(response.text().unwrap(), "accepted");
        assert_eq!(server.history().last().unwrap().request.body, b"job");
    }

    #[test]
    fn ureq_reads_status_headers_and_body() {
        let server = fixture();
        server.respond_with(
            Response::status(404)
                .header("x-reason", "gone")
                .text("not here"),
        );
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .proxy(None)
            .http_status_as_error(false)
            .timeout_global(Some(PATIENCE))
            .build()
            .into();
        let mut response = agent.get(server.url("/missing")).call().unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()["x-reason"], "gone");
        assert_eq!(response.body_mut().read_to_string().unwrap(), "not here");
        assert_eq!(server.history().last().unwrap().request.path, "/missing");
    }

    #[test]
    fn curl_speaks_http_1_1_and_http_2_with_prior_knowledge() {
        let server = fixture();
        server.respond_with(Response::ok().text("hi"));
        for (flag, version) in [("--http1.1", "1.1"), ("--http2-prior-knowledge", "2")] {
            let outcome = hamms_integration_tests::curl(&[
                "-s",
                flag,
                "-w",
                " %{http_version}",
                &server.url("/"),
            ]);
            assert_eq!(outcome.code, 0, "{outcome:?}");
            assert_eq!(outcome.stdout, format!("hi {version}"));
        }
        let history = server.history();
        let versions: Vec<_> = history.requests().map(|r| r.version).collect();
        assert_eq!(
            versions,
            [
                hamms_test::http::Version::HTTP_11,
                hamms_test::http::Version::HTTP_2
            ]
        );
    }
}

mod http2_and_https {
    use super::*;
    use hamms_integration_tests::{ANY_VERSION, tls_client, tls_config};
    use hamms_integration_tests::{hyper_h2_builder, hyper_h2_with};
    use hamms_test::http::Version;
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;

    /// One HTTP/2 connection with prior knowledge, driven by hyper's connection-level client.
    async fn hyper_h2(
        server: &FaultServer,
    ) -> (
        hyper::client::conn::http2::SendRequest<Empty<Bytes>>,
        tokio::task::JoinHandle<hyper::Result<()>>,
    ) {
        let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        hyper_h2_with(&hyper_h2_builder(), stream).await
    }

    fn h2_get(server: &FaultServer, path: &str) -> hyper::Request<Empty<Bytes>> {
        hyper::Request::get(server.url(path))
            .body(Empty::new())
            .unwrap()
    }

    #[tokio::test]
    async fn reqwest_with_prior_knowledge_speaks_http2_and_the_history_says_so() {
        let server = fixture();
        server.respond_with(
            Response::status(201)
                .header("set-cookie", "a=1")
                .header("set-cookie", "b=2")
                .text("over h2"),
        );
        let client = client_builder()
            .http2_prior_knowledge()
            .timeout(PATIENCE)
            .build()
            .unwrap();
        let response = client
            .post(server.url("/h2?x=1"))
            .header("x-test", "yes")
            .body("sent")
            .send()
            .await
            .unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.status(), 201);
        let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert_eq!(response.text().await.unwrap(), "over h2");
        let history = server.history();
        let request = &history.last().unwrap().request;
        assert_eq!(request.version, Version::HTTP_2);
        assert_eq!(
            (request.path.as_str(), request.query_param("x")),
            ("/h2", Some("1"))
        );
        assert_eq!(request.header("x-test"), Some("yes"));
        assert_eq!(request.body, b"sent");
    }

    #[tokio::test]
    async fn hyper_receives_paced_data_frames_then_trailers() {
        let server = fixture();
        server.respond_with(
            Response::ok()
                .body("aaabbb")
                .chunk_size(3)
                .chunk_delay(Duration::from_millis(50))
                .trailer("x-checksum", "c0ffee"),
        );
        let (mut sender, _connection) = hyper_h2(&server).await;
        let sent = Instant::now();
        let response = sender.send_request(h2_get(&server, "/")).await.unwrap();
        let mut body = response.into_body();
        let mut data = Vec::new();
        let mut trailers = None;
        while let Some(frame) = body.frame().await {
            let frame = frame.unwrap();
            match frame.into_data() {
                Ok(chunk) => data.push((chunk, sent.elapsed())),
                Err(frame) => trailers = frame.into_trailers().ok(),
            }
        }
        let chunks: Vec<_> = data.iter().map(|(c, _)| c.as_ref()).collect();
        assert_eq!(chunks, [b"aaa", b"bbb"]);
        assert!(data[1].1 >= Duration::from_millis(50), "{:?}", data[1].1);
        assert_eq!(trailers.unwrap()["x-checksum"], "c0ffee");
    }

    #[tokio::test]
    async fn a_failure_resets_the_http2_stream_and_the_next_request_succeeds() {
        let server = fixture();
        server
            .fail_next(1, hamms_test::Behavior::mode("status").unwrap())
            .unwrap();
        let (mut sender, _connection) = hyper_h2(&server).await;
        let error = sender
            .send_request(h2_get(&server, "/a"))
            .await
            .unwrap_err();
        assert!(
            hamms_integration_tests::chain(&error).contains("stream error"),
            "{}",
            hamms_integration_tests::chain(&error)
        );
        let response = sender.send_request(h2_get(&server, "/b")).await.unwrap();
        assert_eq!(response.status(), 200);
        let history = server.history();
        assert_eq!(history.exchanges()[0].reply, Reply::Reset);
        assert_eq!(recorded_response(&history.exchanges()[1].reply).0, 200);
    }

    #[tokio::test]
    async fn switching_to_a_mode_without_http2_winds_the_connection_down() {
        let server = fixture();
        let (mut sender, connection) = hyper_h2(&server).await;
        let response = sender.send_request(h2_get(&server, "/")).await.unwrap();
        assert_eq!(response.status(), 200);
        server.set_behavior(hamms_test::Behavior::mode("status").unwrap());
        // GOAWAY: hyper's connection task ends cleanly.
        let ended = tokio::time::timeout(PATIENCE, connection).await;
        assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
    }

    #[tokio::test]
    async fn https_with_the_test_ca_negotiates_http2_by_alpn() {
        let server = FaultServer::fixture().tls().start().unwrap();
        server.respond_with(Response::ok().text("secure"));
        assert!(server.url("/").starts_with("https://"));
        let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
        let client = client_builder()
            .tls_certs_only([ca])
            .timeout(PATIENCE)
            .build()
            .unwrap();
        let response = client.get(server.url("/")).send().await.unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.text().await.unwrap(), "secure");
        let history = server.history();
        assert_eq!(history.last().unwrap().request.version, Version::HTTP_2);
        let tls = history.connections()[0].tls.clone().unwrap();
        assert_eq!(tls.alpn.as_deref(), Some("h2"));
    }

    #[tokio::test]
    async fn an_http_1_1_only_tls_client_gets_http_1_1() {
        let server = FaultServer::fixture().tls().start().unwrap();
        let client = tls_client(
            tls_config(server.ca_pem(), ANY_VERSION, None),
            Some(PATIENCE),
        );
        let response = client.get(server.url("/")).send().await.unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_11);
        assert_eq!(response.status(), 200);
        let history = server.history();
        let tls = history.connections()[0].tls.clone().unwrap();
        assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    }

    #[test]
    fn curl_trusting_the_ca_file_gets_http2_over_tls() {
        let server = FaultServer::fixture().tls().start().unwrap();
        let ca = hamms_integration_tests::temp_file(server.ca_pem());
        let outcome = hamms_integration_tests::curl(&[
            "-s",
            "--cacert",
            ca.path().to_str().unwrap(),
            "-w",
            "%{http_code} %{http_version}",
            &server.url("/"),
        ]);
        assert_eq!(
            (outcome.code, outcome.stdout.as_str()),
            (0, "200 2"),
            "{outcome:?}"
        );
    }
}

mod robustness {
    use super::*;

    /// A client that sends `bytes`, whatever the server does meanwhile, and reads the answer.
    fn send_and_read(server: &FaultServer, bytes: &[u8]) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        // The server may answer and stop reading before the last byte: that is its right.
        let _ = stream.write_all(bytes);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn malformed_requests_get_400_or_431_and_the_server_keeps_serving() {
        let server = fixture();
        let many_headers: String = (0..100_000).map(|i| format!("x-h{i}: v\r\n")).collect();
        let cases: [(&str, Vec<u8>, &str); 4] = [
            ("bad request line", b"GET\r\n\r\n".to_vec(), "HTTP/1.1 400 "),
            (
                "bad header",
                b"GET / HTTP/1.1\r\nno colon here\r\n\r\n".to_vec(),
                "HTTP/1.1 400 ",
            ),
            (
                "bad length",
                b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n".to_vec(),
                "HTTP/1.1 400 ",
            ),
            (
                "100 000 headers",
                format!("GET / HTTP/1.1\r\nHost: h\r\n{many_headers}\r\n").into_bytes(),
                "HTTP/1.1 431 ",
            ),
        ];
        for (case, bytes, status_line) in cases {
            let answer = send_and_read(&server, &bytes);
            assert!(answer.starts_with(status_line), "{case}: {answer}");
            assert!(answer.contains("\"status\":\"error\""), "{case}: {answer}");
            let ok = Raw::connect(server.addr())
                .send(&get("/still-there"))
                .read_response(PATIENCE);
            assert_ok(&ok);
        }
    }

    #[tokio::test]
    async fn a_thousand_requests_on_one_keep_alive_connection_are_all_recorded_in_order() {
        let server = fixture();
        let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let (mut sender, _connection) = hamms_integration_tests::hyper_connection(stream).await;
        for i in 0..1000 {
            sender.ready().await.unwrap();
            let response = sender
                .send_request(hamms_integration_tests::hyper_get(&format!("/{i}")))
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "request {i}");
        }
        let history = server.history();
        let paths: Vec<String> = history.requests().map(|r| r.path.clone()).collect();
        let expected: Vec<String> = (0..1000).map(|i| format!("/{i}")).collect();
        assert_eq!(paths, expected);
        assert_eq!(history.connections().len(), 1);
        assert!(
            history
                .requests()
                .all(|r| r.connection == history.connections()[0].id)
        );
    }

    #[test]
    fn two_hundred_concurrent_connections_are_all_answered_and_recorded() {
        let server = fixture();
        // All 200 are open before any sends, so the server holds them at once.
        let mut clients: Vec<Raw> = (0..200).map(|_| Raw::connect(server.addr())).collect();
        for (i, raw) in clients.iter_mut().enumerate() {
            raw.send(&get(&format!("/c{i}")));
        }
        for raw in &mut clients {
            assert_ok(&raw.read_response(PATIENCE));
        }
        let history = server.history();
        let mut paths: Vec<String> = history.requests().map(|r| r.path.clone()).collect();
        paths.sort();
        let mut expected: Vec<String> = (0..200).map(|i| format!("/c{i}")).collect();
        expected.sort();
        assert_eq!(paths, expected);
        let mut connections: Vec<u64> = history.requests().map(|r| r.connection).collect();
        connections.sort_unstable();
        connections.dedup();
        assert_eq!(connections.len(), 200);
        assert_eq!(history.connections().len(), 200);
    }
}
