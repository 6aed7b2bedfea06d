//! WireMock's door: its admin API (`/__admin/...`) on the server's own port, its mapping
//! format (request patterns, response definitions, WireMock's faults and the catalog's), mapping
//! files loaded from a root directory by `hamms wiremock`, the builder and the attribute. Over
//! real sockets with reqwest, curl and raw bytes.

use std::path::Path;
use std::time::{Duration, Instant};

use hamms_integration_tests::{End, Raw, curl, get};
use hamms_test::{FaultServer, Reply, Response, with_fault_server};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(5);

/// The repository of mapping files the tests load, as a team keeps one.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/stubs");

/// A fixture answering WireMock's admin API on its own port.
fn wiremock() -> FaultServer {
    FaultServer::fixture()
        .wiremock_admin()
        .start()
        .expect("start a WireMock fixture")
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(PATIENCE)
        .build()
        .expect("a client")
}

/// An admin call: its status, and its JSON body (`null` when empty).
fn admin(server: &FaultServer, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = server.url(&format!("/__admin{path}"));
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client().request(method, url);
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().expect("an answer");
    let status = response.status().as_u16();
    let text = response.text().expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A mapping created through the admin API; its id.
fn create(server: &FaultServer, mapping: Value) -> String {
    let (status, stored) = admin(server, "POST", "/mappings", Some(mapping));
    assert_eq!(status, 201, "{stored}");
    stored["id"].as_str().expect("an id").to_owned()
}

/// A request's status and body.
fn call(request: reqwest::blocking::RequestBuilder) -> (u16, String) {
    let response = request.send().expect("an answer");
    (response.status().as_u16(), response.text().expect("a body"))
}

/// A mapping of scenario `name`: `url` answers `status` in state `required`, and moves the
/// scenario to `next`, if any.
fn scenario_step(name: &str, url: &str, required: &str, next: Option<&str>, status: u16) -> Value {
    let mut mapping = json!({
        "scenarioName": name,
        "requiredScenarioState": required,
        "request": {"url": url},
        "response": {"status": status}
    });
    if let Some(next) = next {
        mapping["newScenarioState"] = json!(next);
    }
    mapping
}

mod admin_api {
    use super::*;

    #[test]
    fn mappings_are_created_listed_paged_read_edited_and_removed() {
        let server = wiremock();
        let one = create(
            &server,
            json!({"request": {"url": "/one"}, "response": {"status": 200}}),
        );
        let two = create(
            &server,
            json!({"id": "bbbbbbbb-1111-4111-8111-111111111111", "request": {"method": "GET", "url": "/two"}, "response": {"status": 202}}),
        );
        assert_eq!(two, "bbbbbbbb-1111-4111-8111-111111111111");
        assert_eq!(one.len(), 36, "a UUID: {one}");
        let (_, listed) = admin(&server, "GET", "/mappings", None);
        assert_eq!(listed["meta"]["total"], 2);
        assert_eq!(listed["mappings"][0]["id"], two, "newest first");
        assert_eq!(listed["mappings"][1]["request"]["method"], "ANY");
        let (_, page) = admin(&server, "GET", "/mappings?limit=1&offset=1", None);
        assert_eq!(page["mappings"][0]["id"], one);
        assert_eq!(page["meta"]["total"], 2);
        assert_eq!(call(client().get(server.url("/two"))).0, 202);

        let (status, edited) = admin(
            &server,
            "PUT",
            &format!("/mappings/{two}"),
            Some(json!({"request": {"url": "/two"}, "response": {"status": 203}})),
        );
        assert_eq!((status, &edited["id"]), (200, &json!(two)));
        assert_eq!(call(client().get(server.url("/two"))).0, 203);
        assert_eq!(
            admin(&server, "GET", &format!("/mappings/{two}"), None).1["response"]["status"],
            203
        );

        assert_eq!(
            admin(&server, "DELETE", &format!("/mappings/{one}"), None).0,
            200
        );
        assert_eq!(
            admin(&server, "GET", &format!("/mappings/{one}"), None).0,
            404
        );
        assert_eq!(
            admin(&server, "DELETE", &format!("/mappings/{one}"), None).0,
            404
        );
        let missing = "cccccccc-1111-4111-8111-111111111111";
        let put = Some(json!({"request": {"url": "/x"}}));
        assert_eq!(
            admin(&server, "PUT", &format!("/mappings/{missing}"), put).0,
            404
        );
        assert_eq!(admin(&server, "DELETE", "/mappings", None).0, 200);
        assert_eq!(
            admin(&server, "GET", "/mappings", None).1["meta"]["total"],
            0
        );
    }

    #[test]
    fn a_bad_mapping_is_refused_as_wiremock_refuses_it_with_the_near_miss_named() {
        let server = wiremock();
        let cases = [
            (
                json!({"request": {"urlpath": "/x"}}),
                "/request/urlpath",
                "did you mean `urlPath`?",
            ),
            (
                json!({"request": {"url": "/x"}, "response": {"status": "abc"}}),
                "/response/status",
                "integer",
            ),
            (json!({"requst": {}}), "/requst", "did you mean `request`?"),
            (
                json!({"response": {"fault": "NOPE"}}),
                "/response/fault",
                "CONNECTION_RESET_BY_PEER",
            ),
            (
                json!({"request": {"headers": {"a": {"equalsTo": "b"}}}}),
                "/request/headers/a/equalsTo",
                "did you mean `equalTo`?",
            ),
        ];
        for (mapping, pointer, detail) in cases {
            let (status, body) = admin(&server, "POST", "/mappings", Some(mapping.clone()));
            assert_eq!(status, 422, "{mapping}: {body}");
            let error = &body["errors"][0];
            assert_eq!(error["source"]["pointer"], pointer, "{mapping}: {body}");
            assert_eq!(error["title"], "Error parsing JSON");
            assert!(
                error["detail"].as_str().unwrap().contains(detail),
                "{mapping}: {body}"
            );
        }
        let response = client()
            .post(server.url("/__admin/mappings"))
            .body("{not json")
            .send()
            .unwrap();
        assert_eq!(response.status(), 422);
        assert_eq!(
            admin(&server, "GET", "/mappings", None).1["meta"]["total"],
            0,
            "nothing mounted"
        );
    }

    #[test]
    fn imports_keep_or_replace_duplicates_and_metadata_finds_and_removes() {
        let server = wiremock();
        let id = "dddddddd-1111-4111-8111-111111111111";
        create(
            &server,
            json!({"id": id, "request": {"url": "/a"}, "response": {"status": 200}, "metadata": {"team": "billing"}}),
        );
        let import = |policy: &str, status: u16, delete_others: bool| {
            json!({
                "mappings": [
                    {"id": id, "request": {"url": "/a"}, "response": {"status": status}},
                    {"request": {"url": "/b"}, "response": {"status": 200}, "metadata": {"team": "search"}}
                ],
                "importOptions": {"duplicatePolicy": policy, "deleteAllNotInImport": delete_others}
            })
        };
        assert_eq!(
            admin(
                &server,
                "POST",
                "/mappings/import",
                Some(import("IGNORE", 500, false))
            )
            .0,
            200
        );
        assert_eq!(call(client().get(server.url("/a"))).0, 200, "kept");
        assert_eq!(
            admin(
                &server,
                "POST",
                "/mappings/import",
                Some(import("OVERWRITE", 201, false))
            )
            .0,
            200
        );
        assert_eq!(call(client().get(server.url("/a"))).0, 201, "replaced");
        let total = admin(&server, "GET", "/mappings", None).1["meta"]["total"].clone();
        assert_eq!(total, 3);
        let by_team = json!({"matchesJsonPath": {"expression": "$.team", "equalTo": "search"}});
        let (_, found) = admin(
            &server,
            "POST",
            "/mappings/find-by-metadata",
            Some(by_team.clone()),
        );
        assert_eq!(found["meta"]["total"], 2);
        admin(
            &server,
            "POST",
            "/mappings/remove-by-metadata",
            Some(by_team),
        );
        assert_eq!(
            admin(&server, "GET", "/mappings", None).1["meta"]["total"],
            1
        );
        let (_, unused) = admin(&server, "GET", "/mappings/unmatched", None);
        assert_eq!(unused["meta"]["total"], 0, "/a answered: {unused}");
    }

    #[test]
    fn the_journal_lists_reads_counts_finds_and_removes_requests_but_never_admin_calls() {
        let server = wiremock();
        create(
            &server,
            json!({"request": {"urlPath": "/a"}, "response": {"status": 200}}),
        );
        for target in ["/a?x=1", "/a?x=2", "/b"] {
            call(client().get(server.url(target)));
        }
        let (_, journal) = admin(&server, "GET", "/requests", None);
        assert_eq!(journal["meta"]["total"], 3, "{journal}");
        let events = journal["requests"].as_array().unwrap();
        assert_eq!(events[0]["request"]["url"], "/b", "newest first");
        assert_eq!(events[0]["wasMatched"], false);
        assert_eq!(events[1]["wasMatched"], true);
        assert_eq!(events[1]["stubMapping"]["request"]["urlPath"], "/a");
        assert_eq!(
            events[2]["request"]["queryParams"]["x"]["values"],
            json!(["1"])
        );
        assert_eq!(
            events[2]["request"]["headers"]["Host"],
            server.addr().to_string()
        );
        let id = events[2]["id"].as_str().unwrap();
        assert_eq!(
            admin(&server, "GET", &format!("/requests/{id}"), None).1["request"]["url"],
            "/a?x=1"
        );
        let pattern = json!({"method": "GET", "urlPath": "/a"});
        assert_eq!(
            admin(&server, "POST", "/requests/count", Some(pattern.clone())).1["count"],
            2
        );
        let (_, found) = admin(&server, "POST", "/requests/find", Some(pattern.clone()));
        assert_eq!(found["requests"].as_array().unwrap().len(), 2);
        let (_, unmatched) = admin(&server, "GET", "/requests/unmatched", None);
        assert_eq!(unmatched["requests"][0]["url"], "/b");
        let (_, near) = admin(&server, "GET", "/requests/unmatched/near-misses", None);
        assert_eq!(near["nearMisses"][0]["request"]["url"], "/b");
        assert_eq!(
            near["nearMisses"][0]["stubMapping"]["request"]["urlPath"],
            "/a"
        );
        assert!(
            near["nearMisses"][0]["matchResult"]["distance"]
                .as_f64()
                .unwrap()
                > 0.0
        );

        let (_, removed) = admin(
            &server,
            "POST",
            "/requests/remove",
            Some(json!({"url": "/a?x=2"})),
        );
        assert_eq!(removed["serveEvents"].as_array().unwrap().len(), 1);
        assert_eq!(
            admin(&server, "DELETE", &format!("/requests/{id}"), None).0,
            200
        );
        assert_eq!(
            admin(&server, "GET", &format!("/requests/{id}"), None).0,
            404
        );
        assert_eq!(
            admin(&server, "GET", "/requests", None).1["meta"]["total"],
            1
        );
        assert_eq!(admin(&server, "DELETE", "/requests", None).0, 200);
        assert_eq!(
            admin(&server, "GET", "/requests", None).1["meta"]["total"],
            0
        );
    }

    #[test]
    fn near_misses_of_a_request_and_of_a_pattern() {
        let server = wiremock();
        create(
            &server,
            json!({"request": {"method": "POST", "url": "/orders"}, "response": {"status": 201}}),
        );
        create(
            &server,
            json!({"request": {"method": "GET", "url": "/status"}, "response": {"status": 200}}),
        );
        let logged = json!({"url": "/orders", "method": "GET", "headers": {}});
        let (_, near) = admin(&server, "POST", "/near-misses/request", Some(logged));
        let nearest = &near["nearMisses"][0];
        assert_eq!(
            nearest["stubMapping"]["request"]["url"], "/orders",
            "{near}"
        );
        // WireMock weighs the URL (10) over the method (3): the method alone missed, 3 / 13.
        let distance = nearest["matchResult"]["distance"].as_f64().unwrap();
        assert!((distance - 3.0 / 13.0).abs() < 1e-9, "{near}");
        call(client().get(server.url("/orders")));
        let pattern = json!({"method": "GET", "url": "/orders"});
        let (_, near) = admin(
            &server,
            "POST",
            "/near-misses/request-pattern",
            Some(pattern),
        );
        assert_eq!(near["nearMisses"][0]["request"]["url"], "/orders");
        assert_eq!(near["nearMisses"][0]["matchResult"]["distance"], 0.0);
    }

    #[test]
    fn scenarios_are_listed_with_their_states_moved_set_and_reset() {
        let server = wiremock();
        create(
            &server,
            scenario_step("login", "/me", "Started", Some("logged in"), 401),
        );
        create(
            &server,
            scenario_step("login", "/me", "logged in", None, 200),
        );
        let statuses: Vec<u16> = (0..3)
            .map(|_| call(client().get(server.url("/me"))).0)
            .collect();
        assert_eq!(statuses, [401, 200, 200]);
        let (_, listed) = admin(&server, "GET", "/scenarios", None);
        let scenario = &listed["scenarios"][0];
        assert_eq!(
            (&scenario["name"], &scenario["state"]),
            (&json!("login"), &json!("logged in"))
        );
        assert_eq!(scenario["possibleStates"], json!(["Started", "logged in"]));
        assert_eq!(admin(&server, "POST", "/scenarios/reset", None).0, 200);
        assert_eq!(call(client().get(server.url("/me"))).0, 401);
        let set = Some(json!({"state": "logged in"}));
        assert_eq!(
            admin(&server, "PUT", "/scenarios/login/state", set.clone()).0,
            200
        );
        assert_eq!(call(client().get(server.url("/me"))).0, 200);
        let (status, body) = admin(&server, "PUT", "/scenarios/nope/state", set);
        assert_eq!(
            (status, &body["errors"][0]["title"]),
            (404, &json!("Scenario nope does not exist"))
        );
    }

    #[test]
    fn a_global_fixed_delay_holds_every_answer_and_health_answers() {
        let server = wiremock();
        create(
            &server,
            json!({"request": {"url": "/a"}, "response": {"status": 200}}),
        );
        assert_eq!(
            admin(
                &server,
                "POST",
                "/settings",
                Some(json!({"fixedDelay": 250}))
            )
            .0,
            200
        );
        assert_eq!(
            admin(&server, "GET", "/settings", None).1["settings"]["fixedDelay"],
            250
        );
        let started = Instant::now();
        assert_eq!(call(client().get(server.url("/a"))).0, 200);
        assert!(started.elapsed() >= Duration::from_millis(250));
        let (status, health) = admin(&server, "GET", "/health", None);
        assert_eq!((status, &health["status"]), (200, &json!("healthy")));
        let (status, miss) = admin(&server, "GET", "/nope", None);
        assert_eq!(status, 404);
        assert!(
            miss["errors"][0]["title"]
                .as_str()
                .unwrap()
                .contains("routes:"),
            "{miss}"
        );
    }

    #[test]
    fn reset_goes_back_to_the_mappings_loaded_from_files_and_empties_the_journal() {
        let server = FaultServer::fixture()
            .wiremock_admin()
            .mappings(ROOT)
            .start()
            .unwrap();
        let loaded = admin(&server, "GET", "/mappings", None).1["meta"]["total"].clone();
        assert_eq!(loaded, 6);
        create(
            &server,
            json!({"request": {"url": "/extra"}, "response": {"status": 200}}),
        );
        call(client().get(server.url("/health")));
        assert_eq!(admin(&server, "POST", "/reset", None).0, 200);
        assert_eq!(
            admin(&server, "GET", "/mappings", None).1["meta"]["total"],
            loaded
        );
        assert_eq!(
            admin(&server, "GET", "/requests", None).1["meta"]["total"],
            0
        );
        assert_eq!(call(client().get(server.url("/health"))).1, "ok");
    }

    #[test]
    fn the_control_api_serves_the_admin_api_for_its_first_server() {
        let server = std::sync::Arc::new(FaultServer::fixture().start().unwrap());
        let control = hamms_test::control::ControlServer::start(
            "127.0.0.1:0".parse().unwrap(),
            vec![("stubs".to_owned(), std::sync::Arc::clone(&server))],
            false,
        )
        .unwrap();
        let url = format!("http://{}/__admin/mappings", control.addr());
        let mapping = json!({"request": {"url": "/via-control"}, "response": {"status": 207}});
        let response = client()
            .post(&url)
            .body(mapping.to_string())
            .send()
            .unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(call(client().get(server.url("/via-control"))).0, 207);
    }
}

/// WireMock's request patterns, each matching one request and refusing another.
mod matching {
    use super::*;

    type Build = fn(&reqwest::blocking::Client, &str) -> reqwest::blocking::RequestBuilder;

    fn cases() -> Vec<(&'static str, Value, Build, Build)> {
        vec![
            (
                "url",
                json!({"url": "/a?b=1"}),
                |c, u| c.get(format!("{u}/a?b=1")),
                |c, u| c.get(format!("{u}/a?b=2")),
            ),
            (
                "urlPattern",
                json!({"urlPattern": "/a/[0-9]+.*"}),
                |c, u| c.get(format!("{u}/a/12?x")),
                |c, u| c.get(format!("{u}/a/x")),
            ),
            (
                "urlPath",
                json!({"urlPath": "/a"}),
                |c, u| c.get(format!("{u}/a?any=1")),
                |c, u| c.get(format!("{u}/ab")),
            ),
            (
                "urlPathPattern",
                json!({"urlPathPattern": "/v[0-9]/.*"}),
                |c, u| c.get(format!("{u}/v2/x?q")),
                |c, u| c.get(format!("{u}/vx/x")),
            ),
            (
                "urlPathTemplate",
                json!({"urlPathTemplate": "/u/{id}", "pathParameters": {"id": {"doesNotMatch": "0+"}}}),
                |c, u| c.get(format!("{u}/u/7")),
                |c, u| c.get(format!("{u}/u/00")),
            ),
            (
                "method",
                json!({"method": "PATCH"}),
                |c, u| c.patch(u),
                |c, u| c.put(u),
            ),
            (
                "header caseInsensitive",
                json!({"headers": {"X-Env": {"equalTo": "PROD", "caseInsensitive": true}}}),
                |c, u| c.get(u).header("x-env", "prod"),
                |c, u| c.get(u).header("x-env", "dev"),
            ),
            (
                "header absent",
                json!({"headers": {"Authorization": {"absent": true}}}),
                |c, u| c.get(u),
                |c, u| c.get(u).header("authorization", "x"),
            ),
            (
                "header and/or",
                json!({"headers": {"Accept": {"and": [{"contains": "json"}, {"or": [{"contains": "app"}, {"contains": "text"}]}]}}}),
                |c, u| c.get(u).header("accept", "application/json"),
                |c, u| c.get(u).header("accept", "image/json"),
            ),
            (
                "header hasExactly",
                json!({"headers": {"X-T": {"hasExactly": [{"equalTo": "a"}, {"equalTo": "b"}]}}}),
                |c, u| c.get(u).header("x-t", "a").header("x-t", "b"),
                |c, u| c.get(u).header("x-t", "a"),
            ),
            (
                "query",
                json!({"queryParameters": {"q": {"matches": "r.st"}}}),
                |c, u| c.get(format!("{u}/?q=rust")),
                |c, u| c.get(format!("{u}/?q=go")),
            ),
            (
                "cookie",
                json!({"cookies": {"session": {"equalTo": "s1"}}}),
                |c, u| c.get(u).header("cookie", "a=1; session=s1"),
                |c, u| c.get(u).header("cookie", "session=s2"),
            ),
            (
                "form",
                json!({"formParameters": {"grant": {"equalTo": "code"}}}),
                |c, u| {
                    c.post(u)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("grant=code")
                },
                |c, u| c.post(u).body("grant=other"),
            ),
            (
                "basic auth",
                json!({"basicAuthCredentials": {"username": "u", "password": "p"}}),
                |c, u| c.get(u).basic_auth("u", Some("p")),
                |c, u| c.get(u).basic_auth("u", Some("q")),
            ),
            (
                "body equalTo",
                json!({"bodyPatterns": [{"equalTo": "hi"}]}),
                |c, u| c.post(u).body("hi"),
                |c, u| c.post(u).body("hi!"),
            ),
            (
                "body contains",
                json!({"bodyPatterns": [{"contains": "needle"}]}),
                |c, u| c.post(u).body("a needle"),
                |c, u| c.post(u).body("hay"),
            ),
            (
                "body equalToJson",
                json!({"bodyPatterns": [{"equalToJson": {"a": [1, 2]}, "ignoreArrayOrder": true, "ignoreExtraElements": true}]}),
                |c, u| c.post(u).body(r#"{"a": [2, 1], "b": 3}"#),
                |c, u| c.post(u).body(r#"{"a": [1]}"#),
            ),
            (
                "body matchesJsonPath",
                json!({"bodyPatterns": [{"matchesJsonPath": "$.items[?(@.qty > 1)]"}]}),
                |c, u| c.post(u).body(r#"{"items": [{"qty": 2}]}"#),
                |c, u| c.post(u).body(r#"{"items": [{"qty": 1}]}"#),
            ),
            (
                "body binaryEqualTo",
                json!({"bodyPatterns": [{"binaryEqualTo": "AAEC"}]}),
                |c, u| c.post(u).body(vec![0u8, 1, 2]),
                |c, u| c.post(u).body(vec![0u8, 1]),
            ),
        ]
    }

    #[test]
    fn every_pattern_matches_its_request_and_refuses_the_other() {
        let client = client();
        for (name, request, hit, miss) in cases() {
            let server = wiremock();
            create(
                &server,
                json!({"request": request, "response": {"status": 299}}),
            );
            let url = server.url("");
            let url = url.trim_end_matches('/');
            assert_eq!(call(hit(&client, url)).0, 299, "{name} should match");
            let (status, body) = call(miss(&client, url));
            assert_eq!(status, 404, "{name} should refuse: {body}");
        }
    }

    #[test]
    fn a_lower_priority_wins_and_ties_go_to_the_newest_as_in_wiremock() {
        let server = wiremock();
        create(
            &server,
            json!({"request": {"urlPath": "/p"}, "response": {"status": 201}}),
        );
        create(
            &server,
            json!({"request": {"urlPath": "/p"}, "response": {"status": 202}}),
        );
        assert_eq!(call(client().get(server.url("/p"))).0, 202, "the newest");
        create(
            &server,
            json!({"priority": 9, "request": {"urlPath": "/p"}, "response": {"status": 209}}),
        );
        create(
            &server,
            json!({"priority": 1, "request": {"urlPath": "/p"}, "response": {"status": 203}}),
        );
        assert_eq!(call(client().get(server.url("/p"))).0, 203);
    }
}

/// WireMock's response definitions, and its faults and the catalog's.
mod responses {
    use super::*;

    #[test]
    fn status_reason_headers_and_every_kind_of_body() {
        let server = wiremock();
        create(
            &server,
            json!({"request": {"url": "/text"}, "response": {"status": 503, "statusMessage": "Down for maintenance", "headers": {"Retry-After": 3, "Set-Cookie": ["a=1", "b=2"]}, "body": "later"}}),
        );
        create(
            &server,
            json!({"request": {"url": "/json"}, "response": {"jsonBody": {"ok": true}}}),
        );
        create(
            &server,
            json!({"request": {"url": "/b64"}, "response": {"base64Body": "aGVsbG8="}}),
        );
        let raw = Raw::connect(server.addr())
            .send(&get("/text"))
            .read_response(PATIENCE);
        let head = raw.head();
        assert!(
            head.starts_with("HTTP/1.1 503 Down for maintenance\r\n"),
            "{head}"
        );
        assert!(
            head.contains("retry-after: 3\r\n")
                && head.contains("set-cookie: a=1\r\nset-cookie: b=2\r\n"),
            "{head}"
        );
        assert_eq!(raw.body(), b"later");
        assert_eq!(call(client().get(server.url("/json"))).1, r#"{"ok":true}"#);
        assert_eq!(call(client().get(server.url("/b64"))).1, "hello");
    }

    #[test]
    fn fixed_and_distributed_delays_and_a_chunked_dribble() {
        let server = wiremock();
        create(
            &server,
            json!({"request": {"url": "/fixed"}, "response": {"fixedDelayMilliseconds": 200}}),
        );
        create(
            &server,
            json!({"request": {"url": "/uniform"}, "response": {"delayDistribution": {"type": "uniform", "lower": 150, "upper": 200}}}),
        );
        create(
            &server,
            json!({"request": {"url": "/dribble"}, "response": {"body": "abcdef", "chunkedDribbleDelay": {"numberOfChunks": 3, "totalDuration": 300}}}),
        );
        for target in ["/fixed", "/uniform"] {
            let started = Instant::now();
            call(client().get(server.url(target)));
            assert!(started.elapsed() >= Duration::from_millis(150), "{target}");
        }
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        let answer = raw
            .send(&get("/dribble"))
            .read_until(PATIENCE, |b| b.ends_with(b"0\r\n\r\n"));
        assert!(
            answer.text().contains("transfer-encoding: chunked"),
            "{}",
            answer.text()
        );
        assert!(
            answer.text().contains("2\r\nab\r\n") && answer.text().contains("2\r\nef\r\n"),
            "{}",
            answer.text()
        );
        // Three chunks, 100 ms apart: the last cannot arrive before 200 ms.
        assert!(*answer.arrivals.last().unwrap() - sent >= Duration::from_millis(200));
    }

    #[test]
    fn templates_per_mapping_and_globally() {
        let server = wiremock();
        create(
            &server,
            json!({
                "request": {"urlPathTemplate": "/orders/{id}"},
                "response": {
                    "headers": {"X-Echo": "{{request.headers.X-Trace}}"},
                    "body": "order {{request.pathParameters.id}} for {{jsonPath request.body '$.user'}}, page {{request.query.page}}",
                    "transformers": ["response-template"]
                }
            }),
        );
        let response = client()
            .post(server.url("/orders/42?page=3"))
            .header("x-trace", "t-1")
            .body(r#"{"user": "ada"}"#)
            .send()
            .unwrap();
        assert_eq!(response.headers()["x-echo"], "t-1");
        assert_eq!(response.text().unwrap(), "order 42 for ada, page 3");
        let global = FaultServer::fixture()
            .wiremock_admin()
            .global_response_templating()
            .start()
            .unwrap();
        create(
            &global,
            json!({"request": {"urlPath": "/hi"}, "response": {"body": "{{request.method}} {{request.path}}"}}),
        );
        assert_eq!(call(client().put(global.url("/hi"))).1, "PUT /hi");
    }

    #[test]
    fn a_proxying_mapping_forwards_with_its_added_headers_and_relays_the_answer() {
        let backend = FaultServer::fixture().start().unwrap();
        backend.respond_fn(|r| {
            Response::status(208).text(format!(
                "{} {} {}",
                r.method,
                r.target,
                r.header("x-added").unwrap_or("-")
            ))
        });
        let server = wiremock();
        create(
            &server,
            json!({
                "request": {"urlPathPattern": "/api/.*"},
                "response": {
                    "proxyBaseUrl": format!("http://{}", backend.addr()),
                    "additionalProxyRequestHeaders": {"X-Added": "yes"}
                }
            }),
        );
        let (status, body) = call(client().post(server.url("/api/items?x=1")).body("payload"));
        assert_eq!((status, body.as_str()), (208, "POST /api/items?x=1 yes"));
        assert_eq!(backend.history().last().unwrap().request.body, b"payload");
    }

    #[test]
    fn a_webhook_is_sent_after_the_answer_with_its_templated_body() {
        let hooked = FaultServer::fixture().start().unwrap();
        let server = wiremock();
        create(
            &server,
            json!({
                "request": {"urlPath": "/order"},
                "response": {"status": 202},
                "serveEventListeners": [{
                    "name": "webhook",
                    "parameters": {
                        "method": "PUT",
                        "url": format!("http://{}/callback", hooked.addr()),
                        "headers": {"Content-Type": "application/json"},
                        "body": "{\"order\": \"{{jsonPath request.body '$.id'}}\"}",
                        "delay": {"type": "fixed", "milliseconds": 50}
                    }
                }]
            }),
        );
        assert_eq!(
            call(client().post(server.url("/order")).body(r#"{"id": "o-9"}"#)).0,
            202
        );
        let history = hooked.wait_for_requests_blocking(1, PATIENCE).unwrap();
        let hook = &history.last().unwrap().request;
        assert_eq!(
            (hook.method.as_str(), hook.path.as_str()),
            ("PUT", "/callback")
        );
        assert_eq!(hook.body_text(), r#"{"order": "o-9"}"#);
        assert_eq!(hook.header("content-type"), Some("application/json"));
    }

    #[test]
    fn wiremocks_four_faults_on_the_wire_and_in_a_client() {
        let server = wiremock();
        for (fault, path) in [
            ("CONNECTION_RESET_BY_PEER", "/reset"),
            ("EMPTY_RESPONSE", "/empty"),
            ("MALFORMED_RESPONSE_CHUNK", "/chunk"),
            ("RANDOM_DATA_THEN_CLOSE", "/random"),
        ] {
            create(
                &server,
                json!({"request": {"url": path}, "response": {"fault": fault}}),
            );
        }
        // A real RST on the wire (WireMock's does not always send one: wiremock#812).
        let reset = Raw::connect(server.addr())
            .send(&get("/reset"))
            .read_all(PATIENCE);
        assert_eq!((reset.end, reset.bytes.len()), (End::Reset, 0));
        let empty = Raw::connect(server.addr())
            .send(&get("/empty"))
            .read_all(PATIENCE);
        assert_eq!((empty.end, empty.bytes.len()), (End::Eof, 0));
        let chunk = Raw::connect(server.addr())
            .send(&get("/chunk"))
            .read_all(PATIENCE);
        assert!(
            chunk.text().starts_with("HTTP/1.1 200 OK\r\n"),
            "{}",
            chunk.text()
        );
        let head = chunk.head().to_ascii_lowercase();
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
        let random = Raw::connect(server.addr())
            .send(&get("/random"))
            .read_all(PATIENCE);
        assert!(!random.bytes.is_empty() && !random.text().starts_with("HTTP/"));
        assert_eq!(random.end, End::Eof);
        for path in ["/reset", "/empty", "/chunk", "/random"] {
            let outcome = client()
                .get(server.url(path))
                .send()
                .and_then(|r| r.bytes());
            assert!(outcome.is_err(), "{path}: {outcome:?}");
        }
        // The history has the admin calls too; the first request to /reset was reset.
        let history = server.history();
        let reset = history
            .exchanges()
            .iter()
            .find(|e| e.request.path == "/reset")
            .expect("the request to /reset");
        assert_eq!(reset.reply, Reply::Reset);
    }

    #[test]
    fn any_catalog_mode_by_name_is_a_fault_over_http1_and_http2() {
        let server = wiremock();
        create(
            &server,
            json!({"request": {"url": "/drip"}, "response": {"fault": "slow_drip(interval_ms=40)"}}),
        );
        create(
            &server,
            json!({"request": {"url": "/cut"}, "response": {"fault": "close_mid_headers"}}),
        );
        create(
            &server,
            json!({"request": {"url": "/h2"}, "response": {"fault": "h2_refused_stream"}}),
        );
        let mut raw = Raw::connect(server.addr());
        let sent = Instant::now();
        let drip = raw.send(&get("/drip")).read_up_to(4, PATIENCE);
        assert_eq!(drip.bytes, b"HTTP");
        assert!(drip.arrivals[3] - sent >= Duration::from_millis(120));
        let cut = Raw::connect(server.addr())
            .send(&get("/cut"))
            .read_all(PATIENCE);
        assert!(
            !cut.text().contains("\r\n\r\n") && cut.end == End::Eof,
            "{}",
            cut.text()
        );
        let h2 = reqwest::blocking::Client::builder()
            .no_proxy()
            .http2_prior_knowledge()
            .timeout(PATIENCE)
            .build()
            .unwrap();
        let error = h2.get(server.url("/h2")).send().unwrap_err();
        assert_eq!(
            hamms_integration_tests::h2_reason(&error),
            Some(h2::Reason::REFUSED_STREAM),
            "{error:?}"
        );
    }
}

/// A repository of mapping files, loaded by the builder and the attribute (`hamms wiremock
/// --root-dir` serves it too: hamms-core's `tests/cli.rs`).
mod files {
    use super::*;

    /// What the repository's mappings answer, the same from any server that loaded them.
    fn served_as_committed(base: &str) {
        let client = client();
        assert_eq!(call(client.get(format!("{base}/health"))).1, "ok");
        assert_eq!(
            call(client.get(format!("{base}/users/7"))).1,
            r#"{"id":"7","name":"Ada"}"#
        );
        assert_eq!(call(client.get(format!("{base}/users/x"))).0, 404);
        let (status, users) = call(client.get(format!("{base}/users")));
        assert_eq!((status, users.contains("Grace")), (200, true), "{users}");
        // The payment scenario: reset once, then paid.
        let pay = || {
            client
                .post(format!("{base}/payments"))
                .body(r#"{"amount": 10}"#)
                .send()
        };
        assert!(pay().is_err(), "the first payment is reset");
        assert_eq!(pay().unwrap().status(), 201);
        let started = Instant::now();
        let report = curl(&["-m", "0.25", &format!("{base}/report")]);
        assert_eq!(report.code, 28, "slow_drip times curl out: {report:?}");
        assert!(started.elapsed() >= Duration::from_millis(250));
    }

    #[test]
    fn the_builder_loads_a_root_directory_and_refuses_a_bad_file_naming_it() {
        let server = FaultServer::fixture().mappings(ROOT).start().unwrap();
        served_as_committed(server.url("").trim_end_matches('/'));
        let error = FaultServer::fixture()
            .mappings(Path::new(ROOT).join("no-such"))
            .start()
            .unwrap_err();
        assert!(error.to_string().contains("no-such"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("typo.json"),
            r#"{"request": {"urlpath": "/x"}}"#,
        )
        .unwrap();
        let error = FaultServer::fixture()
            .mappings(dir.path())
            .start()
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("typo.json: /request/urlpath: "),
            "{message}"
        );
        assert!(message.contains("did you mean `urlPath`?"), "{message}");
    }

    #[with_fault_server(fixture, mappings = "tests/stubs")]
    fn the_attribute_loads_the_same_directory(server: FaultServer) {
        served_as_committed(server.url("").trim_end_matches('/'));
    }
}

#[test]
fn a_scenario_named_with_a_space_is_set_through_its_percent_encoded_path() {
    let server = wiremock();
    for (required, next, status) in [("Started", Some("done"), 202), ("done", None, 200)] {
        create(
            &server,
            scenario_step("To do list", "/todo", required, next, status),
        );
    }
    let set = Some(json!({"state": "done"}));
    let (status, body) = admin(&server, "PUT", "/scenarios/To%20do%20list/state", set);
    assert_eq!(status, 200, "{body}");
    assert_eq!(call(client().get(server.url("/todo"))).0, 200);
}
