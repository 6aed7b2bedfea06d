//! hamms' WireMock door beside WireMock 3.13.2 itself: the same admin calls and stub requests
//! replayed against both, and the status codes and the JSON members WireMock's clients read
//! compared. WireMock runs from npm's `wiremock` package (its standalone jar, in `HAMMS_PEERS`)
//! where Java is installed; without Java the test says so and checks nothing.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hamms_integration_tests::eventually;
use hamms_integration_tests::matrix::peer_packages;
use hamms_test::FaultServer;
use serde_json::{Value, json};

/// WireMock's standalone jar, as npm's `wiremock@3.13.2` ships it.
fn jar() -> PathBuf {
    peer_packages().join("node/node_modules/wiremock/build/wiremock-standalone-3.13.2.jar")
}

/// A running WireMock, stopped when dropped.
struct WireMock {
    child: Child,
    base: String,
}

impl Drop for WireMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl WireMock {
    /// Starts WireMock on a free loopback port; `None` (said why) where Java or the jar is
    /// missing.
    fn start() -> Option<WireMock> {
        let java = Command::new("java").arg("-version").output();
        if java.is_err() || !jar().is_file() {
            eprintln!(
                "skipped: WireMock 3.13.2 needs Java and {} (npm install wiremock@3.13.2 into HAMMS_PEERS/node; .ci/run does)",
                jar().display()
            );
            return None;
        }
        // The port is free now; should another process take it first, WireMock fails to start
        // and the wait below says so.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("java")
            .arg("-jar")
            .arg(jar())
            .args([
                "--port",
                &port.to_string(),
                "--bind-address",
                "127.0.0.1",
                "--disable-banner",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run WireMock");
        let wiremock = WireMock {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        // A JVM takes a second or so to listen.
        let (client, health) = (client(), format!("{}/__admin/health", wiremock.base));
        eventually(Duration::from_secs(60), "WireMock answers", || {
            client.get(&health).send().is_ok()
        });
        Some(wiremock)
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client")
}

/// One call of the replay: what is sent, and the members of the answer to compare (JSON
/// pointers; the status is always compared).
struct Call {
    method: &'static str,
    path: String,
    body: Option<Value>,
    headers: &'static [(&'static str, &'static str)],
    members: &'static [&'static str],
}

fn call(
    method: &'static str,
    path: &str,
    body: Option<Value>,
    members: &'static [&'static str],
) -> Call {
    Call {
        method,
        path: path.to_owned(),
        body,
        headers: &[],
        members,
    }
}

const A: &str = "aaaaaaaa-1111-4111-8111-111111111111";
const B: &str = "bbbbbbbb-1111-4111-8111-111111111111";

/// The replay: mappings created, listed, paged, read, edited; stub requests matched and not;
/// the journal read, counted, queried; bad mappings; scenarios; settings; removals; import.
fn replay() -> Vec<Call> {
    let mut calls = vec![
        call("POST", "/__admin/reset", None, &[]),
        call(
            "POST",
            "/__admin/mappings",
            Some(
                json!({"id": A, "request": {"method": "GET", "url": "/one"}, "response": {"status": 200, "body": "one"}}),
            ),
            &[
                "/id",
                "/uuid",
                "/request/url",
                "/request/method",
                "/response/status",
                "/response/body",
            ],
        ),
        call(
            "POST",
            "/__admin/mappings",
            Some(json!({
                "id": B,
                "priority": 1,
                "request": {"method": "POST", "urlPath": "/two", "headers": {"X-A": {"equalTo": "1"}}},
                "response": {"status": 201, "jsonBody": {"made": true}, "headers": {"Content-Type": "application/json"}}
            })),
            &[
                "/id",
                "/priority",
                "/request/urlPath",
                "/request/headers/X-A/equalTo",
                "/response/jsonBody",
            ],
        ),
        call(
            "GET",
            "/__admin/mappings",
            None,
            &["/meta/total", "/mappings/0/id", "/mappings/1/id"],
        ),
        call(
            "GET",
            "/__admin/mappings?limit=1&offset=1",
            None,
            &["/meta/total", "/mappings/0/id"],
        ),
        call(
            "GET",
            &format!("/__admin/mappings/{A}"),
            None,
            &["/id", "/request/url"],
        ),
        call(
            "GET",
            "/__admin/mappings/cccccccc-1111-4111-8111-111111111111",
            None,
            &[],
        ),
        call(
            "PUT",
            &format!("/__admin/mappings/{A}"),
            Some(
                json!({"request": {"method": "GET", "url": "/one"}, "response": {"status": 202, "body": "one again"}}),
            ),
            &["/id", "/response/status"],
        ),
        call("GET", "/one", None, &[]),
        call("GET", "/nope", None, &[]),
        call(
            "GET",
            "/__admin/requests",
            None,
            &[
                "/meta/total",
                "/requests/0/request/url",
                "/requests/0/request/method",
                "/requests/0/wasMatched",
                "/requests/1/request/url",
                "/requests/1/wasMatched",
                "/requests/1/stubMapping/id",
                "/requests/1/responseDefinition/status",
            ],
        ),
        call(
            "POST",
            "/__admin/requests/count",
            Some(json!({"method": "GET", "url": "/one"})),
            &["/count"],
        ),
        call(
            "POST",
            "/__admin/requests/find",
            Some(json!({"urlPath": "/one"})),
            &["/requests/0/url", "/requests/0/method"],
        ),
        call(
            "GET",
            "/__admin/requests/unmatched",
            None,
            &["/requests/0/url"],
        ),
        call(
            "GET",
            "/__admin/requests/unmatched/near-misses",
            None,
            &["/nearMisses/0/request/url", "/nearMisses/0/stubMapping/id"],
        ),
        call(
            "POST",
            "/__admin/near-misses/request-pattern",
            Some(json!({"method": "GET", "url": "/onf"})),
            &["/nearMisses/0/request/url"],
        ),
        call(
            "POST",
            "/__admin/mappings",
            Some(json!({"request": {"urlpath": "/x"}})),
            &["/errors/0/code", "/errors/0/title"],
        ),
        call(
            "POST",
            "/__admin/mappings",
            Some(json!({"request": {"url": "/x"}, "response": {"status": "abc"}})),
            &["/errors/0/source/pointer"],
        ),
        call(
            "POST",
            "/__admin/mappings",
            Some(json!({"response": {"fault": "NOPE"}})),
            &["/errors/0/source/pointer"],
        ),
        call(
            "POST",
            "/__admin/mappings",
            Some(
                json!({"scenarioName": "flow", "requiredScenarioState": "Started", "newScenarioState": "second",
                        "request": {"url": "/state"}, "response": {"status": 200, "body": "first"}}),
            ),
            &["/scenarioName", "/newScenarioState"],
        ),
        call("GET", "/state", None, &[]),
        call(
            "GET",
            "/__admin/scenarios",
            None,
            &["/scenarios/0/name", "/scenarios/0/state"],
        ),
        call(
            "PUT",
            "/__admin/scenarios/flow/state",
            Some(json!({"state": "Started"})),
            &[],
        ),
        call(
            "PUT",
            "/__admin/scenarios/nope/state",
            Some(json!({"state": "x"})),
            &["/errors/0/title"],
        ),
        call("POST", "/__admin/scenarios/reset", None, &[]),
        call(
            "POST",
            "/__admin/settings",
            Some(json!({"fixedDelay": 0})),
            &[],
        ),
        call("GET", "/__admin/settings", None, &["/settings/fixedDelay"]),
        call("DELETE", &format!("/__admin/mappings/{A}"), None, &[]),
        call("DELETE", &format!("/__admin/mappings/{A}"), None, &[]),
        call("GET", "/__admin/mappings", None, &["/meta/total"]),
        call("DELETE", "/__admin/mappings", None, &[]),
        call("DELETE", "/__admin/requests", None, &[]),
        call("GET", "/__admin/requests", None, &["/meta/total"]),
        call(
            "POST",
            "/__admin/mappings/import",
            Some(
                json!({"mappings": [{"id": A, "request": {"url": "/i"}, "response": {"status": 200}}]}),
            ),
            &[],
        ),
        call(
            "GET",
            "/__admin/mappings",
            None,
            &["/meta/total", "/mappings/0/id"],
        ),
        call("GET", "/__admin/health", None, &["/status"]),
    ];
    calls.insert(
        9,
        Call {
            method: "POST",
            path: "/two".to_owned(),
            body: Some(json!({"x": 1})),
            headers: &[("X-A", "1")],
            members: &["/made"],
        },
    );
    calls
}

/// What a server answered: the status, and the JSON body (`null` if none or not JSON).
fn send(base: &str, call: &Call) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).unwrap();
    let mut request = client().request(method, format!("{base}{}", call.path));
    for (name, value) in call.headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = &call.body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().expect("an answer");
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn the_admin_api_answers_as_wiremock_3_13_2_does() {
    let Some(wiremock) = WireMock::start() else {
        return;
    };
    let hamms = FaultServer::fixture().wiremock_admin().start().unwrap();
    let hamms_base = hamms.url("");
    let hamms_base = hamms_base.trim_end_matches('/');
    let mut differences = Vec::new();
    for call in replay() {
        let (theirs, their_body) = send(&wiremock.base, &call);
        let (ours, our_body) = send(hamms_base, &call);
        if theirs != ours {
            differences.push(format!(
                "{} {}: status {ours}, WireMock's {theirs}",
                call.method, call.path
            ));
        }
        for member in call.members {
            let (mine, wiremocks) = (our_body.pointer(member), their_body.pointer(member));
            if wiremocks.is_none() {
                // Each member compared is one WireMock sends: two bodies without it agree on
                // nothing.
                differences.push(format!(
                    "{} {}: WireMock's answer has no {member}: {their_body}",
                    call.method, call.path
                ));
            } else if mine != wiremocks {
                differences.push(format!(
                    "{} {}: {member} is {mine:?}, WireMock's {wiremocks:?}",
                    call.method, call.path
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "hamms answers otherwise than WireMock 3.13.2:\n{}",
        differences.join("\n")
    );
}
