//! What wiremock-rs documents for its mocks, one test each, written for hamms' stubs, so the two
//! compare point by point. Each test names the wiremock-rs API it mirrors; where hamms differs
//! on purpose, the test says so.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use hamms_integration_tests::client;
use hamms_test::matchers::{
    Match, body_json, body_partial_json, header, method, path, path_regex, query_param,
};
use hamms_test::{Answer, FaultServer, Request, Response, Stub};
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(5);

/// `MockServer::start()`.
fn server() -> FaultServer {
    FaultServer::fixture().start().expect("start the fixture")
}

async fn status(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.expect("an answer").status().as_u16()
}

/// The panic message of `body`.
fn panic_message(body: impl FnOnce()) -> String {
    let failed = catch_unwind(AssertUnwindSafe(body)).expect_err("it panics");
    failed
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| failed.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// `Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server)`: a
/// mounted mock answers what it matches.
#[tokio::test]
async fn a_mounted_mock_answers_the_requests_it_matches() {
    let server = server();
    Stub::given(method("GET"))
        .respond_with(Response::ok())
        .mount(&server);
    assert_eq!(
        status(client(Some(PATIENCE)).get(server.url("/"))).await,
        200
    );
}

/// "404, the default response when no mocks matched on the mock server." hamms answers 404 once
/// a stub is mounted (naming the nearest stubs in the body); with no stub at all the fixture
/// keeps its programmable default (200), as it did before stubs existed.
#[tokio::test]
async fn a_request_no_mock_matches_gets_a_404() {
    let server = server();
    Stub::given(method("GET")).mount(&server);
    let client = client(Some(PATIENCE));
    assert_eq!(status(client.post(server.url("/"))).await, 404);
    assert_eq!(status(client.get(server.url("/"))).await, 200);
}

/// `Mock::expect(1)`: "expectations are verified when the MockServer is dropped", panicking
/// with the mocks that failed.
#[test]
#[should_panic(expected = "expected exactly 1 request, received 0")]
fn expectations_are_verified_when_the_server_is_dropped() {
    let server = server();
    Stub::given(method("GET")).expect(1).mount(&server);
}

/// `Mock::expect(1..)`, `expect(..=2)`, `expect(2..4)`: ranges of `u64`.
#[tokio::test]
async fn expectations_take_ranges() {
    let server = server();
    Stub::given(path("/a")).expect(1..).mount(&server);
    Stub::given(path("/b")).expect(..=2).mount(&server);
    Stub::given(path("/c")).expect(2..4).mount(&server);
    let client = client(Some(PATIENCE));
    for target in ["/a", "/a", "/a", "/c", "/c", "/c"] {
        status(client.get(server.url(target))).await;
    }
    server.verify();
}

/// `Mock::named("...")`: the name appears in the failure.
#[test]
#[should_panic(expected = "stub \"token endpoint\" (#0)")]
fn a_named_mock_is_named_in_the_failure() {
    let server = server();
    Stub::given(path("/token"))
        .named("token endpoint")
        .expect(1)
        .mount(&server);
}

/// `Mock::up_to_n_times(n)`: "the mock will stop matching after n requests", and the next mock
/// in line takes them.
#[tokio::test]
async fn up_to_n_times_stops_matching_after_n() {
    let server = server();
    Stub::given(method("GET"))
        .respond_with(Response::status(503))
        .up_to_n_times(2)
        .mount(&server);
    Stub::given(method("GET"))
        .respond_with(Response::ok())
        .mount(&server);
    let client = client(Some(PATIENCE));
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(status(client.get(server.url("/"))).await);
    }
    assert_eq!(got, [503, 503, 200, 200]);
}

/// `Mock::with_priority(1)`: lower first; the default is 5; between equal priorities the mock
/// mounted first wins (WireMock's own rule is the newest; hamms follows wiremock-rs).
#[tokio::test]
async fn priorities_pick_the_lowest_then_the_first_mounted() {
    let server = server();
    Stub::given(method("GET"))
        .respond_with(Response::status(201))
        .mount(&server);
    Stub::given(method("GET"))
        .respond_with(Response::status(202))
        .mount(&server);
    let client = client(Some(PATIENCE));
    assert_eq!(status(client.get(server.url("/"))).await, 201);
    Stub::given(path("/"))
        .respond_with(Response::status(203))
        .with_priority(1)
        .mount(&server);
    assert_eq!(status(client.get(server.url("/"))).await, 203);
    assert_eq!(Stub::DEFAULT_PRIORITY, 5);
}

/// `Mock::mount_as_scoped(&server)` returns a `MockGuard`: the mock is removed when the guard
/// drops, and its expectations are verified then.
#[tokio::test]
async fn a_scoped_mock_lives_and_is_verified_with_its_guard() {
    let server = server();
    let client = client(Some(PATIENCE));
    {
        let guard = Stub::given(path("/scoped"))
            .respond_with(Response::status(201))
            .expect(1)
            .mount_scoped(&server);
        assert_eq!(status(client.get(server.url("/scoped"))).await, 201);
        assert_eq!(guard.received_requests().len(), 1);
    }
    Stub::given(path("/other")).mount(&server);
    assert_eq!(status(client.get(server.url("/scoped"))).await, 404);
    let message = panic_message(|| {
        let _guard = Stub::given(path("/never")).expect(1).mount_scoped(&server);
    });
    assert!(
        message.contains("expected exactly 1 request, received 0"),
        "{message}"
    );
}

/// `body_json(value)`: the body is that JSON (key order aside).
#[tokio::test]
async fn body_json_matches_equal_json() {
    let server = server();
    Stub::given(body_json(json!({"a": 1, "b": "x"})))
        .respond_with(Response::status(201))
        .mount(&server);
    let client = client(Some(PATIENCE));
    let sent = client.post(server.url("/")).body(r#"{"b":"x","a":1}"#);
    assert_eq!(status(sent).await, 201);
    let extra = client
        .post(server.url("/"))
        .json(&json!({"a": 1, "b": "x", "c": 2}));
    assert_eq!(status(extra).await, 404);
}

/// `body_partial_json(value)`: the body includes that JSON.
#[tokio::test]
async fn body_partial_json_matches_a_subset() {
    let server = server();
    Stub::given(body_partial_json(json!({"user": {"id": 7}})))
        .respond_with(Response::status(201))
        .mount(&server);
    let client = client(Some(PATIENCE));
    let sent = client
        .post(server.url("/"))
        .json(&json!({"user": {"id": 7, "name": "n"}, "at": 1}));
    assert_eq!(status(sent).await, 201);
}

/// `header`, `query_param`, `path_regex`: conditions chained with `.and(...)`.
#[tokio::test]
async fn conditions_chain_with_and() {
    let server = server();
    Stub::given(method("GET"))
        .and(path_regex(r"^/users/\d+$"))
        .and(query_param("fields", "name"))
        .and(header("accept", "application/json"))
        .respond_with(Response::ok().json(&json!({"name": "n"})))
        .mount(&server);
    let client = client(Some(PATIENCE));
    let hit = client
        .get(server.url("/users/12?fields=name"))
        .header("accept", "application/json");
    assert_eq!(status(hit).await, 200);
    let miss = client.get(server.url("/users/12?fields=name"));
    assert_eq!(status(miss).await, 404);
}

/// `impl Match for MyMatcher`: a matcher of the test's own.
#[tokio::test]
async fn a_custom_matcher() {
    struct HasBody;
    impl Match for HasBody {
        fn matches(&self, request: &Request) -> bool {
            !request.body.is_empty()
        }
        fn describe(&self) -> String {
            "a body".to_owned()
        }
    }
    let server = server();
    Stub::given(HasBody)
        .respond_with(Response::status(201))
        .mount(&server);
    let client = client(Some(PATIENCE));
    assert_eq!(status(client.post(server.url("/")).body("x")).await, 201);
    assert_eq!(status(client.post(server.url("/"))).await, 404);
}

/// `impl Respond for MyResponder`: an answer computed from the request.
#[tokio::test]
async fn an_answer_computed_from_the_request() {
    let server = server();
    Stub::given(method("POST"))
        .respond_with(Answer::compute(|request| {
            Response::ok().body(request.body.clone())
        }))
        .mount(&server);
    let answer = client(Some(PATIENCE))
        .post(server.url("/echo"))
        .body("echo me")
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.text().await.expect("a body"), "echo me");
}

/// `ResponseTemplate::set_delay(d)`: the answer waits.
#[tokio::test]
async fn a_delayed_answer_waits() {
    let server = server();
    Stub::given(method("GET"))
        .respond_with(Response::ok().delay(Duration::from_millis(200)))
        .mount(&server);
    let started = Instant::now();
    assert_eq!(
        status(client(Some(PATIENCE)).get(server.url("/"))).await,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
}

/// `MockServer::received_requests()`: every request, in order (hamms: the history, which also
/// says which stub answered each).
#[tokio::test]
async fn received_requests_in_order() {
    let server = server();
    let id = Stub::given(path("/a")).mount(&server);
    let client = client(Some(PATIENCE));
    status(client.get(server.url("/a"))).await;
    status(client.get(server.url("/b"))).await;
    let history = server.history();
    let paths: Vec<&str> = history.requests().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/a", "/b"]);
    assert_eq!(server.received_by(&id).len(), 1);
}

/// `MockServer::reset()`: no mocks, no recorded requests.
#[tokio::test]
async fn reset_removes_mocks_and_requests() {
    let server = server();
    Stub::given(path("/a"))
        .respond_with(Response::status(201))
        .expect(5)
        .mount(&server);
    let client = client(Some(PATIENCE));
    assert_eq!(status(client.get(server.url("/a"))).await, 201);
    server.reset();
    assert_eq!(server.history().len(), 0);
    // No stub left: the fixture's default answers (and the dropped expectation is not checked).
    assert_eq!(status(client.get(server.url("/a"))).await, 200);
}
