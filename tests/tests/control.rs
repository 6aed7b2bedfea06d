//! The control API, every route, with a real HTTP client: Vaurien's routes for one proxy, the
//! `/servers/{name}` routes for many, and the errors a user can make.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hamms_integration_tests::client;
use hamms_test::control::ControlServer;
use hamms_test::{Error, FaultServer, Response, ServerKind};
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
            (200, json!({"behavior": "dummy", "spec": "dummy"}))
        );
    }

    #[tokio::test]
    async fn put_behavior_switches_with_exactly_the_options_given() {
        let setup = setup();
        let answer = setup
            .put("/behavior", r#"{"name": "delay", "sleep": 0.3}"#)
            .await;
        assert_eq!(answer, (200, json!({"status": "ok"})));
        // The bare name, as Vaurien answers it; the options in `spec`.
        assert_eq!(
            setup.get("/behavior").await.1,
            json!({"behavior": "delay", "spec": "delay(sleep=0.3)"})
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

/// A control API at `control` answering `method path body` (a raw HTTP client's view).
async fn call(
    control: SocketAddr,
    method: reqwest::Method,
    path: &str,
    body: &str,
) -> (u16, Value) {
    let response = client(Some(PATIENCE))
        .request(method, format!("http://{control}{path}"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// What a client reads through `proxy` for `GET /`, and how long it took.
async fn fetch(proxy: &FaultServer) -> (String, Duration) {
    let started = Instant::now();
    let response = client(Some(PATIENCE))
        .get(proxy.url("/"))
        .send()
        .await
        .unwrap();
    (response.text().await.unwrap(), started.elapsed())
}

mod vaurien_compatibility {
    use super::*;
    use hamms_test::control::Presets;

    /// A fixture backend and a proxy in front of it started with `behavior` and `presets`
    /// (`hamms proxy --behavior .. --opt ..`), with a control API.
    fn proxy_with(
        behavior: &str,
        presets: &[(&str, &str)],
    ) -> (FaultServer, Arc<FaultServer>, ControlServer) {
        let backend = FaultServer::fixture().start().unwrap();
        backend.respond_with(Response::ok().text("backend"));
        let proxy = Arc::new(
            FaultServer::proxy(backend.addr().to_string())
                .behavior(behavior)
                .start()
                .unwrap(),
        );
        let presets = Presets::new(&proxy.behavior(), presets.iter().copied()).unwrap();
        let control = ControlServer::builder()
            .server("proxy", Arc::clone(&proxy))
            .presets("proxy", presets)
            .start()
            .unwrap();
        (backend, proxy, control)
    }

    #[tokio::test]
    async fn vaurienclients_with_behavior_round_trip_restores_the_behavior_it_read() {
        // `hamms proxy --behavior delay --opt sleep=0.2`, driven as vaurienclient's
        // `with_behavior` does: get, set another with options, restore by the name it read.
        let (_backend, proxy, control) = proxy_with("delay", &[("sleep", "0.2")]);
        let addr = control.addr();
        let (status, current) = call(addr, reqwest::Method::GET, "/behavior", "").await;
        assert_eq!((status, &current["behavior"]), (200, &json!("delay")));

        let set = json!({"name": "latency", "latency": 1, "jitter": 0}).to_string();
        assert_eq!(
            call(addr, reqwest::Method::PUT, "/behavior", &set).await.0,
            200
        );
        assert_eq!(proxy.behavior().to_string(), "latency(latency=1)");

        let restore = json!({"name": current["behavior"]}).to_string();
        let (status, answer) = call(addr, reqwest::Method::PUT, "/behavior", &restore).await;
        assert_eq!((status, answer), (200, json!({"status": "ok"})));
        // The start's options come back with the name: the delay is 0.2 s again, not 1 s.
        assert_eq!(proxy.behavior().to_string(), "delay(sleep=0.2)");
        let (text, took) = fetch(&proxy).await;
        assert_eq!(text, "backend");
        assert!(took >= Duration::from_millis(190), "{took:?}");
        assert!(
            took < Duration::from_millis(900),
            "not the default 1 s: {took:?}"
        );
    }

    #[tokio::test]
    async fn presets_of_another_behavior_are_used_when_the_proxy_switches_to_it_and_a_puts_options_win()
     {
        // `--behavior dummy --opt delay.sleep=0.2`: Vaurien's `--behavior-delay-sleep 0.2`.
        let (_backend, proxy, control) = proxy_with("dummy", &[("delay.sleep", "0.2")]);
        let addr = control.addr();
        assert_eq!(proxy.behavior().to_string(), "dummy");
        call(
            addr,
            reqwest::Method::PUT,
            "/behavior",
            r#"{"name": "delay"}"#,
        )
        .await;
        assert_eq!(proxy.behavior().to_string(), "delay(sleep=0.2)");
        let (_, took) = fetch(&proxy).await;
        assert!(took >= Duration::from_millis(190), "{took:?}");
        // Unlike vaurien#56, the request's own option wins over the preset.
        call(
            addr,
            reqwest::Method::PUT,
            "/behavior",
            r#"{"name": "delay", "sleep": 0.05}"#,
        )
        .await;
        assert_eq!(proxy.behavior().to_string(), "delay(sleep=0.05)");
        let (status, answer) = call(addr, reqwest::Method::GET, "/behavior", "").await;
        assert_eq!(
            (status, answer),
            (
                200,
                json!({"behavior": "delay", "spec": "delay(sleep=0.05)"})
            )
        );
    }

    #[test]
    fn bad_presets_fail_the_start_naming_the_fix() {
        let proxy = FaultServer::proxy("127.0.0.1:9").start().unwrap();
        let error = Presets::new(&proxy.behavior(), [("delay.slep", "1")]).unwrap_err();
        assert!(
            error.to_string().contains("did you mean `sleep`?"),
            "{error}"
        );
        let error = ControlServer::builder()
            .presets("nobody", Presets::default())
            .start()
            .unwrap_err();
        assert!(matches!(error, Error::UnknownServer { .. }), "{error}");
        let server = Arc::new(FaultServer::start("status").unwrap());
        let error = ControlServer::builder()
            .server("status", server)
            .presets("status", Presets::default())
            .start()
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::WrongRole {
                    needs: ServerKind::Proxy,
                    server: ServerKind::Mode,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn the_backend_route_reads_and_switches_where_new_connections_go() {
        let (backend, proxy, control) = proxy_with("dummy", &[]);
        let other = FaultServer::fixture().start().unwrap();
        other.respond_with(Response::ok().text("other"));
        let addr = control.addr();
        let (status, answer) = call(addr, reqwest::Method::GET, "/backend", "").await;
        assert_eq!(
            (status, answer),
            (200, json!({"backend": backend.addr().to_string()}))
        );

        let body = json!({"backend": other.addr().to_string()}).to_string();
        let (status, answer) = call(addr, reqwest::Method::PUT, "/backend", &body).await;
        assert_eq!((status, answer), (200, json!({"status": "ok"})));
        assert_eq!(fetch(&proxy).await.0, "other");
        assert_eq!(proxy.backend(), Some(other.addr().to_string()));
        let (_, listed) = call(addr, reqwest::Method::GET, "/servers/proxy/backend", "").await;
        assert_eq!(listed["backend"], other.addr().to_string());

        for (body, needle) in [
            (r#"{"backend": "nohostport"}"#, "host:port"),
            (r#"{"backend": 7}"#, "a `backend` string is required"),
            ("{not json", "invalid JSON"),
        ] {
            let (status, answer) = call(addr, reqwest::Method::PUT, "/backend", body).await;
            assert_eq!(status, 400, "{body}: {answer}");
            assert!(error_entry(&answer).2.contains(needle), "{body}: {answer}");
            // Hamms' shape beside Vaurien's.
            assert_eq!(answer["error"], answer["errors"][0]["description"]);
        }
        assert_eq!(
            fetch(&proxy).await.0,
            "other",
            "a refused change changes nothing"
        );
    }

    #[tokio::test]
    async fn a_catalog_server_has_no_backend_to_read_or_switch() {
        let server = Arc::new(FaultServer::start("status").unwrap());
        let control = control_for(&[("status", &server)]);
        for method in [reqwest::Method::GET, reqwest::Method::PUT] {
            let (status, answer) = call(
                control.addr(),
                method,
                "/backend",
                r#"{"backend": "127.0.0.1:1"}"#,
            )
            .await;
            assert_eq!(status, 400, "{answer}");
            assert!(
                error_entry(&answer)
                    .2
                    .contains("only a proxy has a backend"),
                "{answer}"
            );
        }
    }
}

mod metrics {
    use super::*;
    use std::io::{Read, Write};

    /// The value of the series `name{labels}` in a Prometheus text answer.
    fn series(text: &str, name_and_labels: &str) -> Option<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' '))
            .map(|value| value.trim().parse().unwrap())
    }

    async fn scrape(control: &ControlServer) -> String {
        let response = client(Some(PATIENCE))
            .get(format!("http://{}/metrics", control.addr()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        response.text().await.unwrap()
    }

    #[tokio::test]
    async fn metrics_count_a_proxys_connections_bytes_each_way_and_stages_applied() {
        let backend = hamms_integration_tests::tcp_backend(hamms_integration_tests::echo);
        let proxy = Arc::new(
            FaultServer::proxy(backend.to_string())
                .behavior("latency")
                .start()
                .unwrap(),
        );
        let status = Arc::new(FaultServer::start("status").unwrap());
        let control = control_for(&[("echo", &proxy), ("status", &status)]);

        // Two connections through the proxy: 1000 bytes each way, then one stays open.
        let exchange = |stream: &mut std::net::TcpStream| {
            stream.write_all(&[b'x'; 1000]).unwrap();
            let mut back = [0; 1000];
            stream.read_exact(&mut back).unwrap();
        };
        let mut closed = std::net::TcpStream::connect(proxy.addr()).unwrap();
        exchange(&mut closed);
        drop(closed);
        let mut open = std::net::TcpStream::connect(proxy.addr()).unwrap();
        exchange(&mut open);
        for _ in 0..3 {
            client(Some(PATIENCE))
                .get(status.url("/"))
                .send()
                .await
                .unwrap();
        }
        // The closed connection's end is recorded as the proxy notices it.
        let mut text = String::new();
        let deadline = Instant::now() + PATIENCE;
        while series(&text, r#"hamms_connections_open{server="echo"}"#) != Some(1) {
            assert!(Instant::now() < deadline, "{text}");
            text = scrape(&control).await;
        }
        assert!(
            text.contains("# TYPE hamms_connections_total counter"),
            "{text}"
        );
        assert_eq!(
            series(&text, r#"hamms_connections_total{server="echo"}"#),
            Some(2)
        );
        assert_eq!(
            series(&text, r#"hamms_received_bytes_total{server="echo"}"#),
            Some(2000)
        );
        assert_eq!(
            series(&text, r#"hamms_sent_bytes_total{server="echo"}"#),
            Some(2000)
        );
        assert_eq!(
            series(
                &text,
                r#"hamms_proxy_stage_applications_total{server="echo",stage="latency"}"#
            ),
            Some(2)
        );
        assert_eq!(
            series(
                &text,
                r#"hamms_proxy_stage_applications_total{server="echo",stage="delay"}"#
            ),
            Some(0)
        );
        assert_eq!(
            series(&text, r#"hamms_requests_total{server="status"}"#),
            Some(3)
        );
        assert_eq!(
            series(&text, r#"hamms_proxy_toxics{server="echo"}"#),
            Some(0)
        );
        assert_eq!(
            series(&text, r#"hamms_proxy_toxics{server="status"}"#),
            None,
            "a catalog server has no toxics"
        );
        drop(open);
    }

    #[tokio::test]
    async fn behavior_changes_and_toxics_are_counted() {
        let backend = hamms_integration_tests::tcp_backend(hamms_integration_tests::echo);
        let proxy = Arc::new(FaultServer::proxy(backend.to_string()).start().unwrap());
        let control = control_for(&[("p", &proxy)]);
        let add = r#"{"type": "latency", "attributes": {"latency": 1}}"#;
        let (status, _) = call(
            control.addr(),
            reqwest::Method::POST,
            "/proxies/p/toxics",
            add,
        )
        .await;
        assert_eq!(status, 200);
        let text = scrape(&control).await;
        assert_eq!(series(&text, r#"hamms_proxy_toxics{server="p"}"#), Some(1));
        assert_eq!(
            series(&text, r#"hamms_behavior_changes_total{server="p"}"#),
            Some(1)
        );
        let (status, _) = call(control.addr(), reqwest::Method::POST, "/metrics", "").await;
        assert_eq!(status, 405);
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
            (
                200,
                json!({"status": "ok", "behavior": "dummy", "spec": "dummy"})
            )
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
        let (status, answer) = setup.call(reqwest::Method::DELETE, "/behavior", None).await;
        assert_eq!(status, 405, "a route, not for this method");
        assert!(
            error_entry(&answer)
                .2
                .contains("/behavior takes GET, PUT, POST"),
            "{answer}"
        );
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
