//! The control API, every route, with a real HTTP client: Vaurien's routes for one proxy, the
//! `/servers/{name}` routes for many, and the errors a user can make.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hamms_integration_tests::client;
use hamms_test::{ControlServer, Error, FaultServer, Response};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(5);

/// A fixture backend, two proxies in front of it, and a control API for both (`a` first).
struct Setup {
    backend: FaultServer,
    a: Arc<FaultServer>,
    b: Arc<FaultServer>,
    control: ControlServer,
}

/// A control API on a free loopback port for `servers`.
fn control_for(servers: &[(&str, &Arc<FaultServer>)]) -> ControlServer {
    let servers = servers
        .iter()
        .map(|(name, server)| ((*name).to_owned(), Arc::clone(server)))
        .collect();
    ControlServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), servers, false).unwrap()
}

fn setup() -> Setup {
    let backend = FaultServer::fixture().start().unwrap();
    backend.respond_with(Response::ok().text("backend"));
    let proxy = || {
        Arc::new(
            FaultServer::proxy(backend.addr().to_string())
                .start()
                .unwrap(),
        )
    };
    let (a, b) = (proxy(), proxy());
    let control = control_for(&[("a", &a), ("b", &b)]);
    Setup {
        backend,
        a,
        b,
        control,
    }
}

impl Setup {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.control.addr())
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&str>) -> (u16, Value) {
        let mut request = client(Some(PATIENCE)).request(method, self.url(path));
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn put(&self, path: &str, body: &str) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
}

/// The one error entry of a Vaurien-shaped error answer.
fn error_entry(answer: &Value) -> (&str, &str, &str) {
    assert_eq!(answer["status"], "error", "{answer}");
    let entry = &answer["errors"][0];
    (
        entry["location"].as_str().unwrap(),
        entry["name"].as_str().unwrap(),
        entry["description"].as_str().unwrap(),
    )
}

mod vaurien_routes {
    use super::*;

    #[tokio::test]
    async fn get_behavior_names_the_first_servers_behavior() {
        let setup = setup();
        assert_eq!(
            setup.get("/behavior").await,
            (200, json!({"behavior": "dummy"}))
        );
    }

    #[tokio::test]
    async fn put_behavior_switches_with_exactly_the_options_given() {
        let setup = setup();
        let answer = setup
            .put("/behavior", r#"{"name": "delay", "sleep": 0.3}"#)
            .await;
        assert_eq!(answer, (200, json!({"status": "ok"})));
        assert_eq!(
            setup.get("/behavior").await.1,
            json!({"behavior": "delay(sleep=0.3)"})
        );
        assert_eq!(setup.a.behavior().to_string(), "delay(sleep=0.3)");
        // The options are those of this PUT, over the defaults (not an earlier command line's).
        let started = Instant::now();
        let response = client(Some(PATIENCE))
            .get(setup.a.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "backend");
        assert!(started.elapsed() >= Duration::from_millis(300));
        // A second PUT without options is the behavior's defaults again.
        setup.put("/behavior", r#"{"name": "delay"}"#).await;
        assert_eq!(setup.a.behavior().to_string(), "delay");
    }

    #[tokio::test]
    async fn get_behaviors_lists_every_proxy_behavior() {
        let setup = setup();
        let (status, answer) = setup.get("/behaviors").await;
        assert_eq!(status, 200);
        let names: Vec<&str> = answer["behaviors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        for name in [
            "dummy",
            "blackout",
            "delay",
            "error",
            "hang",
            "transient",
            "abort",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        for name in [
            "latency",
            "bandwidth",
            "slow_close",
            "timeout",
            "reset_peer",
            "slicer",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        assert!(names.contains(&"limit_data") && names.contains(&"down"));
    }

    #[tokio::test]
    async fn bad_requests_get_400_with_vaurien_shaped_errors_naming_the_fix() {
        let setup = setup();
        #[rustfmt::skip]
        let cases = [
            ("{not json", "body", "invalid JSON"),
            ("[1, 2]", "body", "expected a JSON object"),
            (r#"{"sleep": 1}"#, "name", "a behavior `name` is required; valid: dummy, blackout"),
            (r#"{"name": 7}"#, "name", "`name` must be a string"),
            (r#"{"name": "dealy"}"#, "name", "did you mean `delay`?"),
            (r#"{"name": "delay", "sleep": [1]}"#, "sleep", "must be a number, a string or a boolean"),
            (r#"{"name": "delay", "sleep": "soon"}"#, "sleep", "must be"),
            (r#"{"name": "delay", "sleep": -1}"#, "sleep", "must be"),
            (r#"{"name": "delay", "slep": 1}"#, "slep", "did you mean `sleep`?"),
        ];
        for (body, name, needle) in cases {
            let (status, answer) = setup.put("/behavior", body).await;
            assert_eq!(status, 400, "{body}: {answer}");
            let (location, entry_name, description) = error_entry(&answer);
            assert_eq!((location, entry_name), ("body", name), "{body}: {answer}");
            assert!(description.contains(needle), "{body}: {description}");
        }
        // Nothing changed, and the proxy still relays.
        assert_eq!(setup.a.behavior().to_string(), "dummy");
        let response = client(Some(PATIENCE))
            .get(setup.a.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "backend");
    }
}

mod server_routes {
    use super::*;

    #[tokio::test]
    async fn servers_lists_every_server_with_its_address_and_behavior() {
        let setup = setup();
        let (status, answer) = setup.get("/servers").await;
        assert_eq!(status, 200);
        let servers = answer["servers"].as_array().unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[1]["name"], "b");
        assert_eq!(servers[1]["addr"], setup.b.addr().to_string());
        assert_eq!(servers[1]["behavior"], "dummy");
        assert_eq!(servers[1]["backend"], setup.backend.addr().to_string());
    }

    #[tokio::test]
    async fn a_named_server_is_read_and_switched_alone() {
        let setup = setup();
        let answer = setup
            .put("/servers/b/behavior", r#"{"name": "blackout"}"#)
            .await;
        assert_eq!(answer.0, 200);
        assert_eq!(
            setup.get("/servers/b/behavior").await.1["behavior"],
            "blackout"
        );
        assert_eq!(
            setup.get("/servers/a/behavior").await.1["behavior"],
            "dummy"
        );
        let error = client(Some(PATIENCE))
            .get(setup.b.url("/"))
            .send()
            .await
            .unwrap_err();
        assert!(!error.is_timeout(), "{error:?}");
        let ok = client(Some(PATIENCE))
            .get(setup.a.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
    }

    #[tokio::test]
    async fn down_through_the_api_refuses_connections_when_the_put_returns() {
        let setup = setup();
        setup
            .put("/servers/a/behavior", r#"{"name": "down"}"#)
            .await;
        let error = std::net::TcpStream::connect(setup.a.addr()).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[tokio::test]
    async fn history_is_read_and_cleared() {
        let backend = FaultServer::fixture().start().unwrap();
        let proxy = Arc::new(
            FaultServer::proxy(backend.addr().to_string())
                .protocol(hamms_test::Protocol::Http)
                .start()
                .unwrap(),
        );
        let control = control_for(&[("web", &proxy)]);
        client(Some(PATIENCE))
            .get(proxy.url("/seen?x=1"))
            .send()
            .await
            .unwrap();
        let url = format!("http://{}/servers/web/history", control.addr());
        let history: Value = client(None)
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(history["requests"][0]["method"], "GET");
        assert_eq!(history["requests"][0]["target"], "/seen?x=1");
        assert_eq!(history["requests"][0]["reply"]["status"], 200);
        assert_eq!(history["connections"].as_array().unwrap().len(), 1);
        assert_eq!(history["seed"], proxy.seed());
        let cleared = client(None).delete(&url).send().await.unwrap();
        assert_eq!(cleared.status(), 200);
        assert!(proxy.history().is_empty());
    }

    #[tokio::test]
    async fn reset_restores_the_starting_behavior_and_clears_the_history() {
        let setup = setup();
        setup
            .put("/servers/a/behavior", r#"{"name": "hang"}"#)
            .await;
        let (status, answer) = setup
            .call(reqwest::Method::POST, "/servers/a/reset", None)
            .await;
        assert_eq!(
            (status, answer),
            (200, json!({"status": "ok", "behavior": "dummy"}))
        );
        assert_eq!(setup.a.behavior().to_string(), "dummy");
    }

    #[tokio::test]
    async fn unknown_servers_and_routes_get_404_naming_what_exists() {
        let setup = setup();
        let (status, answer) = setup.get("/servers/c/behavior").await;
        assert_eq!(status, 404);
        assert!(
            error_entry(&answer)
                .2
                .contains("no server `c`; servers: a, b"),
            "{answer}"
        );
        let (status, answer) = setup.get("/nope/nope").await;
        assert_eq!(status, 404);
        assert!(
            error_entry(&answer).2.contains("routes: GET /behavior"),
            "{answer}"
        );
        let (status, _) = setup.call(reqwest::Method::DELETE, "/behavior", None).await;
        assert_eq!(status, 404);
    }

    #[test]
    fn a_control_api_beyond_loopback_is_refused_without_permission() {
        let error = ControlServer::start(SocketAddr::from(([0, 0, 0, 0], 0)), Vec::new(), false)
            .unwrap_err();
        assert!(matches!(error, Error::RemoteControl { .. }), "{error:?}");
        assert!(
            error.to_string().contains("--control-allow-remote"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn catalog_servers_are_switched_to_catalog_modes() {
        let server = Arc::new(FaultServer::start("fixture").unwrap());
        let control = control_for(&[("fixture", &server)]);
        let response = client(None)
            .put(format!("http://{}/behavior", control.addr()))
            .body(r#"{"name": "status", "status": 503}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let answer = client(Some(PATIENCE))
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 503);
    }
}
