//! Parameters a request gives a mode (`?status=503`, or a form body), over raw sockets and
//! reqwest: which keys are read, which are refused with a 400 naming the fix, and where the 400
//! says the bad one was.

use std::time::Duration;

use hamms_integration_tests::{Raw, client, client_builder, get};
use hamms_test::FaultServer;
use serde_json::{Value, json};

/// A read expecting bytes returns when the answer is complete; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

/// The status and JSON body of the answer to a raw `request`.
fn answer(server: &FaultServer, request: &[u8]) -> (u16, Value) {
    let received = Raw::connect(server.addr())
        .send(request)
        .read_response(PATIENCE);
    let text = received.text();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not a response: {text:?}"));
    let body = serde_json::from_slice(received.body()).unwrap_or(Value::Null);
    (status, body)
}

/// The one error entry of a Vaurien-shaped 400 body.
#[track_caller]
fn error_entry(body: &Value) -> &Value {
    assert_eq!(body["status"], "error", "{body}");
    &body["errors"][0]
}

/// A form POST of `form` to `/`.
fn form_post(form: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: hamms.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .into_bytes()
}

#[test]
fn a_query_key_that_is_almost_a_parameter_gets_a_400_naming_the_parameter_meant() {
    let server = FaultServer::start("status").unwrap();
    for key in ["statuss", "Status"] {
        let (status, body) = answer(&server, &get(&format!("/?{key}=500")));
        assert_eq!(status, 400, "{key}: {body}");
        let error = error_entry(&body);
        assert_eq!(error["location"], "querystring", "{body}");
        assert_eq!(error["name"], key, "{body}");
        assert_eq!(
            error["description"],
            format!(
                "mode `status` has no parameter `{key}` (did you mean `status`?); valid parameters: status, seed"
            )
        );
    }
}

#[tokio::test]
async fn reqwest_sees_the_400_and_its_did_you_mean() {
    let server = FaultServer::start("sleep").unwrap();
    let response = client(Some(PATIENCE))
        .get(server.url("/?slep=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    let description = error_entry(&body)["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        description.contains("did you mean `sleep`?"),
        "{description}"
    );
}

#[test]
fn a_clients_own_query_keys_are_ignored_and_the_parameters_read() {
    let server = FaultServer::start("status").unwrap();
    let target = "/?_=1700000000&t=1&ts=2&utm_source=docs&traceparent=00-4bf9-00f0-01&status=503";
    let (status, body) = answer(&server, &get(target));
    assert_eq!(status, 503, "{body}");
}

#[test]
fn a_parameter_set_at_start_gets_a_400_from_every_mode_and_the_fixture() {
    for mode in [
        "fixture",
        "status",
        "sleep",
        "no_content_type",
        "slow_drip",
        "redirect_loop",
    ] {
        let server = FaultServer::start(mode).unwrap();
        for value in ["zz", "true"] {
            let (status, body) = answer(&server, &get(&format!("/?tls={value}")));
            assert_eq!(status, 400, "{mode} ?tls={value}: {body}");
            let error = error_entry(&body);
            assert_eq!(
                (&error["location"], &error["name"]),
                (&json!("querystring"), &json!("tls")),
                "{body}"
            );
            let description = error["description"].as_str().unwrap();
            assert!(
                description.contains("set when the server starts"),
                "{mode}: {description}"
            );
        }
    }
}

#[tokio::test]
async fn the_fixture_refuses_a_parameter_set_at_start_over_http2_too_and_ignores_other_keys() {
    let server = FaultServer::fixture().start().unwrap();
    let h2 = client_builder()
        .http2_prior_knowledge()
        .timeout(PATIENCE)
        .build()
        .unwrap();
    let refused = h2.get(server.url("/?tls=zz")).send().await.unwrap();
    assert_eq!(refused.version(), reqwest::Version::HTTP_2);
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(error_entry(&body)["name"], "tls", "{body}");

    // The application's own keys, `seed` and near misses included, are the fixture's to record.
    let target = "/search?seed=minecraft&TLS=1&sttaus=x";
    let answered = h2.get(server.url(target)).send().await.unwrap();
    assert_eq!(answered.status(), 200);
    let answered = client(Some(PATIENCE))
        .get(server.url(target))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200);
    assert_eq!(server.history().requests_to("/search").count(), 2);
}

#[test]
fn a_bad_parameter_in_a_form_body_is_located_in_the_body_and_in_a_query_in_the_querystring() {
    let server = FaultServer::start("status").unwrap();
    let (status, body) = answer(&server, &form_post("status=abc"));
    assert_eq!(status, 400, "{body}");
    let error = error_entry(&body);
    assert_eq!(
        (&error["location"], &error["name"]),
        (&json!("body"), &json!("status"))
    );

    let (_, body) = answer(&server, &form_post("statuss=500"));
    assert_eq!(error_entry(&body)["location"], "body", "{body}");

    let (_, body) = answer(&server, &get("/?status=abc"));
    assert_eq!(error_entry(&body)["location"], "querystring", "{body}");

    // A valid form body is read.
    let (status, _) = answer(&server, &form_post("status=418"));
    assert_eq!(status, 418);
}
