//! Stubs: request-matched answers (any of them a catalog fault), expectations checked at drop,
//! near misses, priorities, sequences, scenarios, scoped guards, on the fixture over HTTP/1.1
//! and HTTP/2 and on an http proxy in front of a real backend, and faults chosen by request
//! headers. Over real sockets: reqwest, curl, raw bytes and raw HTTP/2 frames.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use hamms_integration_tests::{
    End, H2Wire, Raw, WireEnd, client, client_builder, curl, get, h2_reason, kind, mode_behavior,
};
use hamms_test::matchers::*;
use hamms_test::{Answer, Behavior, Delay, FaultServer, Protocol, Reply, Request, Response, Stub};
use serde_json::json;

/// A read expecting bytes returns when the answer is complete; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

fn fixture() -> FaultServer {
    FaultServer::fixture().start().expect("start the fixture")
}

fn mode(name: &str) -> Behavior {
    Behavior::mode(name).expect("a catalog mode")
}

/// What `server` answered each exchange it recorded, in order.
fn replies(server: &FaultServer) -> Vec<Reply> {
    server
        .history()
        .exchanges()
        .iter()
        .map(|e| e.reply.clone())
        .collect()
}

/// The status and body text of what reqwest got.
async fn answer_of(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// Every kind of matcher, matching one request and refusing another, through reqwest: the
/// stub answers `hit`; a refused request gets the 404 naming the refusal.
mod matching {
    use super::*;

    /// One matcher's case: the stub, a request it matches, one it refuses, and a piece of the
    /// refusal the 404 must name.
    struct Case {
        name: &'static str,
        matcher: Box<dyn Match>,
        hit: fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        miss: fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        refusal: &'static str,
    }

    fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "method",
                matcher: method("PUT").boxed(),
                hit: |c, u| c.put(format!("{u}/x")),
                miss: |c, u| c.get(format!("{u}/x")),
                refusal: "method == PUT (was GET)",
            },
            Case {
                name: "path",
                matcher: path("/payments").boxed(),
                hit: |c, u| c.get(format!("{u}/payments?x=1")),
                miss: |c, u| c.get(format!("{u}/payment")),
                refusal: r#"path == "/payments" (was "/payment")"#,
            },
            Case {
                name: "path_prefix",
                matcher: path_prefix("/api/").boxed(),
                hit: |c, u| c.get(format!("{u}/api/v1")),
                miss: |c, u| c.get(format!("{u}/apix")),
                refusal: r#"path starts with "/api/" (was "/apix")"#,
            },
            Case {
                name: "path_template",
                matcher: path_template("/items/{id}").boxed(),
                hit: |c, u| c.get(format!("{u}/items/7")),
                miss: |c, u| c.get(format!("{u}/items/7/parts")),
                refusal: r#"path fits "/items/{id}" (was "/items/7/parts")"#,
            },
            Case {
                name: "path_regex",
                matcher: path_regex(r"^/v\d+/").boxed(),
                hit: |c, u| c.get(format!("{u}/v2/x")),
                miss: |c, u| c.get(format!("{u}/vx/x")),
                refusal: r#"path ~ /^/v\d+// (was "/vx/x")"#,
            },
            Case {
                name: "query_param",
                matcher: query_param("page", "2").boxed(),
                hit: |c, u| c.get(format!("{u}/?page=1&page=2")),
                miss: |c, u| c.get(format!("{u}/?page=3")),
                refusal: r#"query "page" == "2" (was "3")"#,
            },
            Case {
                name: "query_param_contains",
                matcher: query_param_contains("q", "rust").boxed(),
                hit: |c, u| c.get(format!("{u}/?q=trusty")),
                miss: |c, u| c.get(format!("{u}/?q=go")),
                refusal: r#"query "q" contains "rust" (was "go")"#,
            },
            Case {
                name: "query_param_is_missing",
                matcher: query_param_is_missing("debug").boxed(),
                hit: |c, u| c.get(format!("{u}/")),
                miss: |c, u| c.get(format!("{u}/?debug=1")),
                refusal: r#"query "debug" absent (was "1")"#,
            },
            Case {
                name: "query_param_exists",
                matcher: query_param_exists("token").boxed(),
                hit: |c, u| c.get(format!("{u}/?token=")),
                miss: |c, u| c.get(format!("{u}/")),
                refusal: r#"query "token" present"#,
            },
            Case {
                name: "header",
                matcher: header("X-Api-Key", "k-1").boxed(),
                hit: |c, u| {
                    c.get(u)
                        .header("x-api-key", "k-0")
                        .header("x-api-key", "k-1")
                },
                miss: |c, u| c.get(u).header("x-api-key", "k-2"),
                refusal: r#"header "X-Api-Key" == "k-1" (was "k-2")"#,
            },
            Case {
                name: "header_contains",
                matcher: header_contains("accept", "json").boxed(),
                hit: |c, u| c.get(u).header("accept", "application/json"),
                miss: |c, u| c.get(u).header("accept", "text/html"),
                refusal: r#"header "accept" contains "json" (was "text/html")"#,
            },
            Case {
                name: "header_regex",
                matcher: header_regex("authorization", "^Bearer [a-z]+$").boxed(),
                hit: |c, u| c.get(u).header("authorization", "Bearer abc"),
                miss: |c, u| c.get(u).header("authorization", "Basic abc"),
                refusal: r#"header "authorization" ~ /^Bearer [a-z]+$/ (was "Basic abc")"#,
            },
            Case {
                name: "header_exists",
                matcher: header_exists("x-trace").boxed(),
                hit: |c, u| c.get(u).header("x-trace", "1"),
                miss: |c, u| c.get(u),
                refusal: r#"header "x-trace" present"#,
            },
            Case {
                name: "header_missing",
                matcher: header_missing("cookie").boxed(),
                hit: |c, u| c.get(u),
                miss: |c, u| c.get(u).header("cookie", "a=1"),
                refusal: r#"header "cookie" absent (was "a=1")"#,
            },
            Case {
                name: "body_bytes",
                matcher: body_bytes(vec![0u8, 159, 146, 150]).boxed(),
                hit: |c, u| c.post(u).body(vec![0u8, 159, 146, 150]),
                miss: |c, u| c.post(u).body(vec![0u8, 159]),
                refusal: "body == ",
            },
            Case {
                name: "body_string",
                matcher: body_string("hello").boxed(),
                hit: |c, u| c.post(u).body("hello"),
                miss: |c, u| c.post(u).body("hello!"),
                refusal: r#"body == "hello" (was "hello!")"#,
            },
            Case {
                name: "body_string_contains",
                matcher: body_string_contains("needle").boxed(),
                hit: |c, u| c.post(u).body("hay needle hay"),
                miss: |c, u| c.post(u).body("hay"),
                refusal: r#"body contains "needle" (was "hay")"#,
            },
            Case {
                name: "body_regex",
                matcher: body_regex(r#""amount":\s*\d+"#).boxed(),
                hit: |c, u| c.post(u).body(r#"{"amount": 12}"#),
                miss: |c, u| c.post(u).body(r#"{"amount": "12"}"#),
                refusal: r#"body ~ /"amount":\s*\d+/"#,
            },
            Case {
                name: "body_json",
                matcher: body_json(json!({"a": 1, "b": [1, 2]})).boxed(),
                hit: |c, u| c.post(u).body(r#"{"b": [1, 2], "a": 1.0}"#),
                miss: |c, u| c.post(u).body(r#"{"b": [2, 1], "a": 1}"#),
                refusal: r#"body json == "{\"a\":1,\"b\":[1,2]}""#,
            },
            Case {
                name: "body_json ignoring array order",
                matcher: body_json(json!({"tags": ["x", "y"]}))
                    .ignoring_array_order()
                    .boxed(),
                hit: |c, u| c.post(u).json(&json!({"tags": ["y", "x"]})),
                miss: |c, u| c.post(u).json(&json!({"tags": ["y", "y"]})),
                refusal: "(arrays in any order)",
            },
            Case {
                name: "body_partial_json",
                matcher: body_partial_json(json!({"user": {"id": 7}})).boxed(),
                hit: |c, u| {
                    c.post(u)
                        .json(&json!({"user": {"id": 7, "name": "a"}, "x": 1}))
                },
                miss: |c, u| c.post(u).json(&json!({"user": {"id": 8}})),
                refusal: r#"body json includes "{\"user\":{\"id\":7}}""#,
            },
            Case {
                name: "body_json_pointer",
                matcher: body_json_pointer("/order/total", 30).boxed(),
                hit: |c, u| c.post(u).json(&json!({"order": {"total": 30.0}})),
                miss: |c, u| c.post(u).json(&json!({"order": {"total": 31}})),
                refusal: r#"body json at "/order/total" == "30" (was "31")"#,
            },
            Case {
                name: "form_field",
                matcher: form_field("grant_type", "client credentials").boxed(),
                hit: |c, u| {
                    c.post(u)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("grant_type=client+credentials&scope=a")
                },
                miss: |c, u| c.post(u).body("grant_type=password"),
                refusal: r#"form field "grant_type" == "client credentials" (was "password")"#,
            },
            Case {
                name: "http_version",
                matcher: http_version(hamms_test::http::Version::HTTP_11).boxed(),
                hit: |c, u| c.get(u),
                miss: |c, u| c.get(u).version(reqwest::Version::HTTP_10),
                refusal: "version == HTTP/1.1 (was HTTP/1.0)",
            },
            Case {
                name: "over_tls",
                matcher: over_tls(true).boxed(),
                hit: |_, _| unreachable!("a clear-text server: see the TLS test"),
                miss: |c, u| c.get(u),
                refusal: "over TLS",
            },
            Case {
                name: "closure",
                matcher: matching("a body of 3 bytes", |r: &Request| r.body.len() == 3).boxed(),
                hit: |c, u| c.post(u).body("abc"),
                miss: |c, u| c.post(u).body("abcd"),
                refusal: "a body of 3 bytes",
            },
            Case {
                name: "any_of",
                matcher: path("/a").or(path("/b")).boxed(),
                hit: |c, u| c.get(format!("{u}/b")),
                miss: |c, u| c.get(format!("{u}/c")),
                refusal: r#"none of (path == "/a" (was "/c"), path == "/b" (was "/c"))"#,
            },
            Case {
                name: "all_of",
                matcher: all_of([method("GET").boxed(), header_exists("x-a").boxed()]).boxed(),
                hit: |c, u| c.get(u).header("x-a", "1"),
                miss: |c, u| c.post(u).header("x-a", "1"),
                refusal: "method == GET (was POST)",
            },
            Case {
                name: "not",
                matcher: not(method("DELETE")).boxed(),
                hit: |c, u| c.get(u),
                miss: |c, u| c.delete(u),
                refusal: "not method == DELETE",
            },
        ]
    }

    #[tokio::test]
    async fn every_kind_matches_its_request_and_refuses_the_other_naming_why() {
        let client = client(Some(PATIENCE));
        for case in cases() {
            let server = fixture();
            let url = server.url("");
            let url = url.trim_end_matches('/');
            let hit_reachable = case.name != "over_tls";
            server.mount(
                Stub::any()
                    .and(BoxedMatcher(case.matcher))
                    .respond_with(Response::ok().text("hit")),
            );
            if hit_reachable {
                let (status, body) = answer_of((case.hit)(&client, url)).await;
                assert_eq!((status, body.as_str()), (200, "hit"), "{}", case.name);
            }
            let (status, body) = answer_of((case.miss)(&client, url)).await;
            assert_eq!(status, 404, "{}: {body}", case.name);
            assert!(
                body.contains(case.refusal),
                "{}: the near miss should name `{}`:\n{body}",
                case.name,
                case.refusal
            );
        }
    }

    /// A boxed matcher as a `Match` of its own, so a table of them mounts like any matcher.
    struct BoxedMatcher(Box<dyn Match>);

    impl Match for BoxedMatcher {
        fn matches(&self, request: &Request) -> bool {
            self.0.matches(request)
        }
        fn describe(&self) -> String {
            self.0.describe()
        }
        fn refusal(&self, request: &Request) -> String {
            self.0.refusal(request)
        }
        fn captures(&self, request: &Request) -> Vec<(String, String)> {
            self.0.captures(request)
        }
    }

    #[tokio::test]
    async fn over_tls_and_http2_match_what_the_connection_is() {
        let server = FaultServer::fixture().tls().start().expect("a TLS fixture");
        server.mount(
            Stub::given(over_tls(true))
                .and(http_version(hamms_test::http::Version::HTTP_2))
                .respond_with(Response::ok().text("h2 over tls")),
        );
        let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).expect("the CA");
        let h2 = client_builder()
            .add_root_certificate(ca.clone())
            .build()
            .expect("a client");
        let (status, body) = answer_of(h2.get(server.url("/"))).await;
        assert_eq!((status, body.as_str()), (200, "h2 over tls"));
        let h1 = client_builder()
            .add_root_certificate(ca)
            .http1_only()
            .build()
            .expect("a client");
        let (status, body) = answer_of(h1.get(server.url("/"))).await;
        assert_eq!(status, 404);
        assert!(
            body.contains("version == HTTP/2.0 (was HTTP/1.1)"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn an_answer_reads_the_segments_its_template_captured() {
        let server = fixture();
        server.mount(
            Stub::given(path_template("/users/{user}/orders/{order}")).respond_with(
                Answer::compute(|m| {
                    Response::ok().json(&json!({
                        "user": m.path_param("user"),
                        "order": m.path_param("order"),
                        "nth": m.nth(),
                    }))
                }),
            ),
        );
        let client = client(Some(PATIENCE));
        let (_, body) = answer_of(client.get(server.url("/users/a%20b/orders/9"))).await;
        assert_eq!(body, r#"{"nth":0,"order":"9","user":"a b"}"#);
        let (_, body) = answer_of(client.get(server.url("/users/c/orders/1"))).await;
        assert_eq!(body, r#"{"nth":1,"order":"1","user":"c"}"#);
    }
}

/// What a request no stub claims gets.
mod unmatched {
    use super::*;

    #[tokio::test]
    async fn with_no_stub_mounted_the_fixture_keeps_its_default() {
        let server = fixture();
        let (status, body) = answer_of(client(Some(PATIENCE)).get(server.url("/any"))).await;
        assert_eq!((status, body.as_str()), (200, ""));
    }

    #[test]
    fn with_stubs_and_no_default_a_404_names_the_nearest_stubs_and_what_refused_each() {
        let server = fixture();
        server.mount(
            Stub::given(method("POST"))
                .and(path("/payments"))
                .named("payments"),
        );
        server.mount(Stub::given(path("/status")));
        server.mount(Stub::given(path("/a")).and(header("x", "1")));
        server.mount(Stub::given(path("/b")).and(header("x", "1")));
        let answer = Raw::connect(server.addr())
            .send(b"POST /payment HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            .read_response(PATIENCE);
        assert!(
            answer.text().starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{}",
            answer.text()
        );
        let body = String::from_utf8_lossy(answer.body()).into_owned();
        assert_eq!(
            body,
            "hamms: no stub matched this request\n\nPOST /payment HTTP/1.1\n\n\
             Nearest stubs, and what refused each:\n  \
             stub \"payments\" (#0) (method == POST and path == \"/payments\"): path == \"/payments\" (was \"/payment\")\n  \
             stub #1 (path == \"/status\"): path == \"/status\" (was \"/payment\")\n  \
             stub #2 (path == \"/a\" and header \"x\" == \"1\"): path == \"/a\" (was \"/payment\"); header \"x\" == \"1\" (absent)\n  \
             ... and 1 more\n"
        );
    }

    #[tokio::test]
    async fn a_default_the_test_set_answers_what_no_stub_claims() {
        let server = fixture();
        server.mount(Stub::given(path("/a")).respond_with(Response::status(201)));
        server.respond_with(Response::status(418));
        let client = client(Some(PATIENCE));
        assert_eq!(answer_of(client.get(server.url("/a"))).await.0, 201);
        assert_eq!(answer_of(client.get(server.url("/b"))).await.0, 418);
    }

    #[tokio::test]
    async fn the_history_and_its_assertions_name_the_stub_that_answered() {
        let server = fixture();
        let id = server.mount(Stub::given(path("/a")).named("the a stub"));
        let client = client(Some(PATIENCE));
        answer_of(client.get(server.url("/a"))).await;
        answer_of(client.get(server.url("/b"))).await;
        let history = server.history();
        assert_eq!(history.exchanges()[0].stub.as_ref(), Some(&id));
        assert_eq!(history.exchanges()[1].stub, None);
        assert_eq!(id.name(), Some("the a stub"));
        let failed = catch_unwind(AssertUnwindSafe(|| {
            hamms_test::assert_requests!(server, 3);
        }))
        .expect_err("two requests, not three");
        let message = failed.downcast_ref::<String>().expect("a message");
        assert!(
            message.contains(r#"GET /a HTTP/1.1 -> 200 (0 body bytes) by stub "the a stub" (#0)"#),
            "{message}"
        );
    }
}

/// Expectations, checked at drop and on demand, and what a failure reports.
mod expectations {
    use super::*;

    #[test]
    #[should_panic(expected = "hamms: 1 stub did not get the requests it expected")]
    fn a_stub_that_got_fewer_requests_than_expected_fails_the_test_at_drop() {
        let server = fixture();
        server.mount(Stub::given(path("/payments")).expect(2));
        Raw::connect(server.addr())
            .send(&get("/payments"))
            .read_response(PATIENCE);
    }

    #[test]
    #[should_panic(
        expected = "- stub \"payments\" (#0) (method == POST and path == \"/payments\"): expected exactly 2 requests, received 1\n    \
                    requests it answered: #0 POST /payments\n    \
                    nearest requests it did not answer:\n      \
                    #1 POST /payment: path == \"/payments\" (was \"/payment\")\n      \
                    #2 GET /payments: method == POST (was GET)\n"
    )]
    fn the_failure_lists_expected_and_received_counts_the_requests_and_the_near_misses() {
        let server = fixture();
        server.respond_with(Response::status(404));
        server.mount(
            Stub::given(method("POST"))
                .and(path("/payments"))
                .named("payments")
                .expect(2),
        );
        let mut raw = Raw::connect(server.addr());
        for request in [
            "POST /payments HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "POST /payment HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "GET /payments HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            raw.send(request.as_bytes()).read_response(PATIENCE);
        }
    }

    #[test]
    fn verify_checks_now_and_ranges_count_as_wiremock_rs_counts_them() {
        let server = fixture();
        server.mount(Stub::given(path("/a")).expect(1..));
        server.mount(Stub::given(path("/b")).expect(..=1));
        let failed = catch_unwind(AssertUnwindSafe(|| server.verify()))
            .expect_err("/a expects at least one request");
        let message = failed.downcast_ref::<String>().expect("a message");
        assert!(
            message.contains("expected at least 1 request, received 0"),
            "{message}"
        );
        assert!(!message.contains("stub #1"), "/b holds: {message}");
        let mut raw = Raw::connect(server.addr());
        raw.send(&get("/a")).read_response(PATIENCE);
        server.verify();
        let a = server.history().exchanges()[0]
            .stub
            .clone()
            .expect("answered by /a");
        assert_eq!(server.received_by(&a).len(), 1);
    }

    #[test]
    fn a_test_already_panicking_is_not_hidden_by_the_expectations() {
        let failed = catch_unwind(|| {
            let server = fixture();
            server.mount(Stub::given(path("/never")).expect(1));
            panic!("the test's own failure");
        })
        .expect_err("the test panics");
        assert_eq!(
            failed.downcast_ref::<&str>(),
            Some(&"the test's own failure")
        );
    }
}

/// Which stub answers: priorities, ties, limits, sequences, scenarios, scoped guards.
mod resolution {
    use super::*;

    #[tokio::test]
    async fn the_lowest_priority_wins_ties_go_to_the_first_mounted_and_limits_pass_on() {
        let server = fixture();
        server.mount(Stub::given(path_prefix("/")).respond_with(Response::ok().text("catch-all")));
        server.mount(Stub::given(path("/a")).respond_with(Response::ok().text("first /a")));
        server.mount(Stub::given(path("/a")).respond_with(Response::ok().text("second /a")));
        server.mount(
            Stub::given(path("/a"))
                .with_priority(1)
                .up_to_n_times(2)
                .respond_with(Response::ok().text("urgent /a")),
        );
        let client = client(Some(PATIENCE));
        let mut got = Vec::new();
        for target in ["/a", "/a", "/a", "/b"] {
            got.push(answer_of(client.get(server.url(target))).await.1);
        }
        // The catch-all was mounted first, with the same priority as the /a stubs: it wins.
        assert_eq!(got, ["urgent /a", "urgent /a", "catch-all", "catch-all"]);
    }

    #[test]
    fn a_route_fails_twice_with_a_reset_then_answers() {
        let server = fixture();
        server.mount(
            Stub::given(path("/flaky"))
                .respond_with(
                    Answer::fault(mode("reset_by_peer"))
                        .times(2)
                        .then(Response::status(201)),
                )
                .expect(3),
        );
        for _ in 0..2 {
            let answer = Raw::connect(server.addr())
                .send(&get("/flaky"))
                .read_all(PATIENCE);
            assert_eq!((answer.end, answer.bytes.len()), (End::Reset, 0));
        }
        let answer = Raw::connect(server.addr())
            .send(&get("/flaky"))
            .read_response(PATIENCE);
        assert!(
            answer.text().starts_with("HTTP/1.1 201 Created\r\n"),
            "{}",
            answer.text()
        );
        let replies = replies(&server);
        assert!(
            matches!(
                replies[..],
                [
                    Reply::Reset,
                    Reply::Reset,
                    Reply::Response { status: 201, .. }
                ]
            ),
            "{replies:?}"
        );
    }

    #[tokio::test]
    async fn a_sequence_answers_in_turn_and_its_last_repeats() {
        let server = fixture();
        server.mount(Stub::given(path("/s")).respond_with(Answer::sequence([
            Response::status(429).header("retry-after", "0").into(),
            Response::status(503).into(),
            Response::ok().into(),
        ])));
        let client = client(Some(PATIENCE));
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(answer_of(client.get(server.url("/s"))).await.0);
        }
        assert_eq!(statuses, [429, 503, 200, 200, 200]);
    }

    #[tokio::test]
    async fn a_scenario_walks_login_refresh_and_expiry() {
        let server = fixture();
        let ok = |text: &str| Response::ok().text(text.to_owned());
        server.mount(
            Stub::given(path("/login"))
                .in_scenario("session")
                .will_set_scenario_state("logged_in")
                .respond_with(ok("token-1")),
        );
        server.mount(
            Stub::given(path("/data"))
                .in_scenario("session")
                .when_scenario_state("logged_in")
                .will_set_scenario_state("expired")
                .respond_with(ok("data")),
        );
        server.mount(
            Stub::given(path("/data"))
                .in_scenario("session")
                .when_scenario_state("expired")
                .respond_with(Response::status(401)),
        );
        server.mount(
            Stub::given(path("/refresh"))
                .in_scenario("session")
                .when_scenario_state("expired")
                .will_set_scenario_state("logged_in")
                .respond_with(ok("token-2")),
        );
        let client = client(Some(PATIENCE));
        let mut got = Vec::new();
        for target in ["/data", "/login", "/data", "/data", "/refresh", "/data"] {
            let (status, body) = answer_of(client.get(server.url(target))).await;
            got.push(format!(
                "{status} {}",
                body.lines().next().unwrap_or_default()
            ));
        }
        assert_eq!(
            got,
            [
                "404 hamms: no stub matched this request",
                "200 token-1",
                "200 data",
                "401 ",
                "200 token-2",
                "200 data",
            ]
        );
        assert_eq!(server.scenario_state("session"), "expired");
        server.set_scenario_state("session", "logged_in");
        assert_eq!(answer_of(client.get(server.url("/data"))).await.1, "data");
        server.reset_scenarios();
        assert_eq!(server.scenario_state("session"), "Started");
    }

    #[test]
    fn a_scoped_stub_answers_while_its_guard_lives_and_is_checked_when_it_drops() {
        let server = fixture();
        server.respond_with(Response::ok().text("outside"));
        {
            let guard = server.mount_scoped(
                Stub::given(path("/a"))
                    .respond_with(Response::ok().text("scoped"))
                    .expect(1),
            );
            let answer = Raw::connect(server.addr())
                .send(&get("/a"))
                .read_response(PATIENCE);
            assert_eq!(answer.body(), b"scoped");
            assert_eq!(guard.answered(), 1);
            assert_eq!(guard.received_requests()[0].path, "/a");
        }
        let answer = Raw::connect(server.addr())
            .send(&get("/a"))
            .read_response(PATIENCE);
        assert_eq!(answer.body(), b"outside");
        let failed = catch_unwind(AssertUnwindSafe(|| {
            let _guard = server.mount_scoped(Stub::given(path("/b")).expect(1));
        }))
        .expect_err("its expectation failed");
        let message = failed.downcast_ref::<String>().expect("a message");
        assert!(
            message.contains("expected exactly 1 request, received 0"),
            "{message}"
        );
        server.verify();
    }
}

/// A catalog fault for one route, the others answered as stubbed, over HTTP/1.1 and HTTP/2.
mod faults_per_route {
    use super::*;

    #[tokio::test]
    async fn slow_drip_and_close_mid_headers_on_their_routes_json_on_another() {
        let server = fixture();
        let drip = mode_behavior("slow_drip", &[("interval_ms", "40")]);
        server.mount(Stub::given(path("/slow")).respond_with(Answer::fault(drip)));
        server.mount(
            Stub::given(path("/cut")).respond_with(Answer::fault(mode("close_mid_headers"))),
        );
        server.mount(
            Stub::given(path("/status")).respond_with(Response::ok().json(&json!({"ok": true}))),
        );

        // By bytes and timing on a raw socket: a byte every 40 ms, so the fifth cannot arrive
        // before 160 ms (the server's timers never fire early; a loaded client reads late).
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        let answer = raw.send(&get("/slow")).read_up_to(5, PATIENCE);
        assert_eq!(answer.bytes, b"HTTP/");
        let fifth = answer.arrivals[4] - sent;
        assert!(fifth >= Duration::from_millis(4 * 40), "{fifth:?}");
        let cut = Raw::connect(server.addr())
            .send(&get("/cut"))
            .read_all(PATIENCE);
        assert_eq!(cut.end, End::Eof);
        assert!(
            cut.text().starts_with("HTTP/1.1 ") && !cut.text().contains("\r\n\r\n"),
            "{}",
            cut.text()
        );

        // By what reqwest reports: its head drips for seconds, past a 300 ms timeout; the other
        // routes answer (or cut) a patient client.
        let error = client(Some(Duration::from_millis(300)))
            .get(server.url("/slow"))
            .send()
            .await
            .expect_err("too slow");
        assert!(error.is_timeout(), "{error:?}");
        let client = client(Some(PATIENCE));
        let error = client
            .get(server.url("/cut"))
            .send()
            .await
            .expect_err("a cut head");
        assert!(!error.is_timeout(), "{error:?}");
        let (status, body) = answer_of(client.get(server.url("/status"))).await;
        assert_eq!((status, body.as_str()), (200, r#"{"ok":true}"#));
    }

    #[tokio::test]
    async fn over_http2_stream_faults_reset_their_stream_and_others_answer() {
        let server = fixture();
        let rst = mode_behavior(
            "h2_rst_stream",
            &[("error_code", "ENHANCE_YOUR_CALM"), ("after_bytes", "10")],
        );
        server.mount(
            Stub::given(path("/refused")).respond_with(Answer::fault(mode("h2_refused_stream"))),
        );
        server.mount(Stub::given(path("/cut")).respond_with(Answer::fault(rst)));
        server
            .mount(Stub::given(path("/reset")).respond_with(Answer::fault(mode("reset_by_peer"))));
        server.mount(Stub::given(path("/ok")).respond_with(Response::ok().text("fine")));
        let client = client_builder()
            .http2_prior_knowledge()
            .timeout(PATIENCE)
            .build()
            .unwrap();

        // The reason of the reset each route met, on the head or (after the head and some
        // bytes, as frames happen to arrive) on the body.
        let reason = async |target: &str| {
            let error = match client.get(server.url(target)).send().await {
                Ok(response) => response.bytes().await.expect_err("a reset stream"),
                Err(error) => error,
            };
            h2_reason(&error).unwrap_or_else(|| panic!("{target}: {error:?}"))
        };
        assert_eq!(reason("/refused").await, h2::Reason::REFUSED_STREAM);
        assert_eq!(reason("/cut").await, h2::Reason::ENHANCE_YOUR_CALM);
        assert_eq!(reason("/reset").await, h2::Reason::INTERNAL_ERROR);
        let (status, body) = answer_of(client.get(server.url("/ok"))).await;
        assert_eq!((status, body.as_str()), (200, "fine"));
        let replies = replies(&server);
        assert!(matches!(replies[0], Reply::Reset), "{replies:?}");
    }

    #[test]
    fn over_http2_a_reset_stub_sends_its_head_and_bytes_then_rst_stream_with_its_code() {
        let server = fixture();
        let rst = mode_behavior(
            "h2_rst_stream",
            &[("error_code", "CANCEL"), ("after_bytes", "10")],
        );
        server.mount(Stub::given(path("/cut")).respond_with(Answer::fault(rst)));
        let mut wire = H2Wire::connect(server.addr(), &[]);
        wire.ack_settings().request(1, "GET", "/cut", true);
        let (frames, end) = wire.read_until(PATIENCE, |frames| {
            frames.iter().any(|f| f.kind == kind::RST_STREAM)
        });
        assert_eq!(end, WireEnd::Done, "{frames:?}");
        let on_stream: Vec<&hamms_integration_tests::WireFrame> =
            frames.iter().filter(|f| f.stream == 1).collect();
        let kinds: Vec<u8> = on_stream.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [kind::HEADERS, kind::DATA, kind::RST_STREAM],
            "{frames:?}"
        );
        assert_eq!(on_stream[1].payload, b"xxxxxxxxxx");
        assert!(!on_stream[1].ends_stream());
        assert_eq!(on_stream[2].code(), 0x8, "CANCEL");
    }

    #[test]
    fn over_http2_a_goaway_stub_refuses_its_stream_and_winds_the_connection_down() {
        let server = fixture();
        server.mount(Stub::given(path("/go")).respond_with(Answer::fault(mode("h2_goaway"))));
        let mut wire = H2Wire::connect(server.addr(), &[]);
        wire.ack_settings().request(1, "GET", "/go", true);
        let (frames, end) = wire.read_until(PATIENCE, |frames| {
            frames.iter().any(|f| f.kind == kind::RST_STREAM)
                && frames.iter().any(|f| f.kind == kind::GOAWAY)
        });
        assert_eq!(end, WireEnd::Done, "{frames:?}");
        let reset = frames.iter().find(|f| f.kind == kind::RST_STREAM).unwrap();
        assert_eq!(
            (reset.stream, reset.code()),
            (1, 0x7),
            "REFUSED_STREAM on stream 1"
        );
        assert!(matches!(
            server.history().exchanges()[0].reply,
            Reply::Closed
        ));
    }
}

/// Stubs on an http proxy: matched routes get the stub's answer or fault; others are relayed
/// intact.
mod on_a_proxy {
    use super::*;

    #[tokio::test]
    async fn matched_routes_are_faulted_and_the_rest_reaches_the_backend_intact() {
        let backend = fixture();
        backend.respond_fn(|r| Response::ok().text(format!("backend saw {} {}", r.method, r.path)));
        let proxy = FaultServer::proxy(backend.addr().to_string())
            .protocol(Protocol::Http)
            .start()
            .expect("an http proxy");
        let id = proxy.mount(
            Stub::given(path("/flaky"))
                .respond_with(
                    Answer::fault(mode("reset_by_peer"))
                        .times(2)
                        .then(Answer::pass()),
                )
                .expect(3),
        );
        proxy.mount(
            Stub::given(path("/mocked")).respond_with(Response::status(202).text("from the stub")),
        );
        let client = client(Some(PATIENCE));
        for _ in 0..2 {
            let error = client
                .get(proxy.url("/flaky"))
                .send()
                .await
                .expect_err("reset");
            assert!(!error.is_timeout(), "{error:?}");
        }
        let (status, body) = answer_of(client.get(proxy.url("/flaky"))).await;
        assert_eq!((status, body.as_str()), (200, "backend saw GET /flaky"));
        let (status, body) = answer_of(client.get(proxy.url("/mocked"))).await;
        assert_eq!((status, body.as_str()), (202, "from the stub"));
        let (status, body) = answer_of(client.post(proxy.url("/other")).body("payload")).await;
        assert_eq!((status, body.as_str()), (200, "backend saw POST /other"));
        let relayed: Vec<String> = backend
            .history()
            .requests()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(relayed, ["GET /flaky", "POST /other"]);
        assert_eq!(backend.history().exchanges()[1].request.body, b"payload");
        assert_eq!(proxy.received_by(&id).len(), 3);
    }

    #[test]
    fn a_tcp_proxy_refuses_stubs_naming_where_they_go() {
        let proxy = FaultServer::proxy("127.0.0.1:9")
            .start()
            .expect("a tcp proxy");
        let error = proxy
            .try_mount(Stub::any())
            .expect_err("no requests to match");
        assert!(
            error
                .to_string()
                .contains("is a tcp proxy, which relays bytes"),
            "{error}"
        );
        assert!(
            error.to_string().contains("protocol(Protocol::Http)"),
            "{error}"
        );
    }
}

/// Faults a request chooses by header, on servers that allow it, seen by curl.
mod header_faults {
    use super::*;

    fn allowing() -> FaultServer {
        FaultServer::fixture()
            .header_faults()
            .start()
            .expect("a fixture with header faults")
    }

    #[test]
    fn curl_gets_the_abort_status_the_delay_and_the_catalog_fault_it_asked_for() {
        let server = allowing();
        let url = server.url("/pay");
        let abort = curl(&[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "x-envoy-fault-abort-request: 503",
            &url,
        ]);
        assert_eq!((abort.code, abort.stdout.as_str()), (0, "503"), "{abort:?}");
        let started = Instant::now();
        let delayed = curl(&["-H", "x-envoy-fault-delay-request: 300", &url]);
        assert_eq!(delayed.code, 0, "{delayed:?}");
        assert!(started.elapsed() >= Duration::from_millis(300));
        let reset = curl(&["-H", "x-hamms-fault: reset_by_peer", &url]);
        assert_eq!(
            reset.code, 56,
            "curl's `failure receiving network data`: {reset:?}"
        );
        let dripped = curl(&[
            "-m",
            "0.3",
            "-H",
            "x-hamms-fault: slow_drip(interval_ms=100)",
            &url,
        ]);
        assert_eq!(dripped.code, 28, "curl's timeout: {dripped:?}");
        let bad = curl(&["-H", "x-hamms-fault: slow_drp", &url]);
        assert!(bad.stdout.contains("did you mean `slow_drip`?"), "{bad:?}");
        assert!(
            bad.stdout
                .contains(r#""location":"header","name":"x-hamms-fault""#),
            "{bad:?}"
        );
        let replies = replies(&server);
        assert!(
            matches!(replies[0], Reply::Response { status: 503, .. }),
            "{replies:?}"
        );
        assert!(matches!(replies[2], Reply::Reset), "{replies:?}");
    }

    #[test]
    fn they_are_ignored_unless_the_server_allows_them() {
        let server = fixture();
        let plain = curl(&[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "x-envoy-fault-abort-request: 503",
            "-H",
            "x-hamms-fault: reset_by_peer",
            &server.url("/"),
        ]);
        assert_eq!((plain.code, plain.stdout.as_str()), (0, "200"), "{plain:?}");
    }

    #[test]
    fn a_percentage_applies_the_fault_to_that_share_of_requests_under_the_seed() {
        let server = FaultServer::fixture()
            .header_faults()
            .seed(7)
            .start()
            .unwrap();
        let mut aborted = 0;
        for _ in 0..200 {
            let answer = Raw::connect(server.addr())
                .send(b"GET / HTTP/1.1\r\nHost: x\r\nx-envoy-fault-abort-request: 503\r\nx-envoy-fault-abort-request-percentage: 25\r\nConnection: close\r\n\r\n")
                .read_all(PATIENCE);
            aborted += usize::from(answer.text().starts_with("HTTP/1.1 503"));
        }
        assert!(
            (25..=75).contains(&aborted),
            "{aborted} of 200 aborted at 25%"
        );
    }

    #[test]
    fn an_http_proxy_takes_them_too_and_relays_the_others() {
        let backend = fixture();
        backend.respond_with(Response::ok().text("from the backend"));
        let proxy = FaultServer::proxy(backend.addr().to_string())
            .protocol(Protocol::Http)
            .header_faults()
            .start()
            .unwrap();
        let aborted = curl(&[
            "-w",
            " %{http_code}",
            "-H",
            "x-envoy-fault-abort-request: 429",
            &proxy.url("/"),
        ]);
        assert_eq!(aborted.stdout, "fault filter abort 429", "{aborted:?}");
        let relayed = curl(&[&proxy.url("/")]);
        assert_eq!(relayed.stdout, "from the backend", "{relayed:?}");
        assert_eq!(backend.history().len(), 1);
    }
}

/// Mounting, unmounting and verifying while clients hammer the server loses and miscounts
/// nothing.
mod races {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn eight_clients_hammering_while_stubs_come_and_go_are_all_counted_exactly() {
        let server = Arc::new(fixture());
        server.respond_with(Response::ok().text("none"));
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..8)
            .map(|_| {
                let (server, stop) = (Arc::clone(&server), Arc::clone(&stop));
                std::thread::spawn(move || {
                    let mut seen = std::collections::BTreeMap::<String, u64>::new();
                    let mut raw = Raw::connect(server.addr());
                    while !stop.load(Ordering::Acquire) {
                        let answer = raw.send(&get("/hammer")).read_response(PATIENCE);
                        assert_eq!(answer.end, End::Complete, "{}", answer.text());
                        let body = String::from_utf8_lossy(answer.body()).into_owned();
                        *seen.entry(body).or_default() += 1;
                    }
                    seen
                })
            })
            .collect();
        let mut ids = Vec::new();
        for round in 0..40 {
            let id = server.mount(
                Stub::given(path("/hammer"))
                    .with_priority(if round % 2 == 0 { 1 } else { 9 })
                    .respond_with(Response::ok().text(format!("stub {round}"))),
            );
            ids.push(id.clone());
            server.verify();
            if round % 3 == 2 {
                server.unmount(&ids[round - 1]);
            }
            // Some requests between changes, whatever the scheduler does.
            let before = server.history().len();
            hamms_integration_tests::eventually(PATIENCE, "requests arrive", || {
                server.history().len() >= before + 8
            });
        }
        stop.store(true, Ordering::Release);
        let mut seen = std::collections::BTreeMap::<String, u64>::new();
        for client in clients {
            for (body, n) in client.join().expect("a client") {
                *seen.entry(body).or_default() += n;
            }
        }
        let history = server.history();
        assert_eq!(history.evicted(), 0, "the history keeps every request");
        let total: u64 = seen.values().sum();
        assert_eq!(
            total,
            history.len() as u64,
            "every request answered and recorded once"
        );
        for (round, id) in ids.iter().enumerate() {
            let by_client = seen.get(&format!("stub {round}")).copied().unwrap_or(0);
            assert_eq!(
                server.received_by(id).len() as u64,
                by_client,
                "stub {round}"
            );
        }
        let unclaimed = history
            .exchanges()
            .iter()
            .filter(|e| e.stub.is_none())
            .count() as u64;
        assert_eq!(unclaimed, seen.get("none").copied().unwrap_or(0));
    }
}

#[test]
fn a_delay_distribution_draws_each_requests_wait_within_its_bounds() {
    let server = FaultServer::fixture().seed(11).start().unwrap();
    let ms = Duration::from_millis;
    server.mount(Stub::any().respond_with(Response::ok().delay(Delay::uniform(ms(40), ms(120)))));
    let mut raw = Raw::connect(server.addr());
    for _ in 0..8 {
        raw.send(&get("/")).read_response(PATIENCE);
    }
    // The server's own record: from the request's arrival to its answer's first byte.
    let waits: Vec<Duration> = server
        .history()
        .exchanges()
        .iter()
        .map(|e| e.first_byte_at.expect("answered") - e.request.received_at)
        .collect();
    assert!(waits.iter().all(|w| *w >= ms(40)), "never early: {waits:?}");
    let (shortest, longest) = (waits.iter().min().unwrap(), waits.iter().max().unwrap());
    assert!(
        *longest - *shortest >= ms(10),
        "drawn, not fixed: {waits:?}"
    );
    assert!(*longest < ms(2000), "{waits:?}");
}
