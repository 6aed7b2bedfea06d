//! Toxiproxy's HTTP API on a hamms control API, route by route over plain HTTP: the status codes
//! and bodies Toxiproxy answers (201, 204, 404, 409, 500 and its `{"error", "status"}` body),
//! and what each change does to the proxy's sockets.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use hamms_integration_tests::{echo, greet, tcp_backend};
use hamms_test::FaultServer;
use hamms_test::control::ControlServer;
use reqwest::blocking::Client;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(10);

/// A control API and an HTTP client for it.
struct Api {
    control: ControlServer,
    http: Client,
}

/// A status, the `content-type` and the body (JSON, or `Null` when empty).
type Answer = (StatusCode, Option<String>, Value);

impl Api {
    fn new() -> Api {
        Api::over(ControlServer::builder().seed(3).start().unwrap())
    }

    fn over(control: ControlServer) -> Api {
        let http = Client::builder().timeout(PATIENCE).build().unwrap();
        Api { control, http }
    }

    fn call(&self, method: Method, path: &str, body: &str) -> Answer {
        let url = format!("http://{}{path}", self.control.addr());
        let response = self
            .http
            .request(method, url)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        (status, content_type, body)
    }

    fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, "")
    }

    fn post(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, &body.to_string())
    }

    /// Creates the proxy `name` on a free port in front of `upstream`; its address.
    fn create(&self, name: &str, upstream: SocketAddr) -> SocketAddr {
        let (status, _, body) = self.post(
            "/proxies",
            &json!({"name": name, "listen": "127.0.0.1:0", "upstream": upstream.to_string()}),
        );
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["listen"].as_str().unwrap().parse().unwrap()
    }

    /// The behavior the proxy `name` is under, as hamms writes it.
    fn spec(&self, name: &str) -> String {
        let (_, _, body) = self.get(&format!("/servers/{name}/behavior"));
        body["spec"].as_str().unwrap().to_owned()
    }
}

/// Asserts a Toxiproxy-shaped error: `status`, and `{"error": message, "status": code}`.
#[track_caller]
fn assert_error(answer: &Answer, status: StatusCode, message: &str) {
    let (got, content_type, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(body["status"], status.as_u16(), "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.starts_with(message),
        "`{error}` does not start with `{message}`"
    );
}

/// What a client connecting to `addr` reads until the connection ends.
fn read_from(addr: SocketAddr) -> Result<Vec<u8>, ErrorKind> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.kind())?;
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut greeting = [0; 5];
    stream.read_exact(&mut greeting).map_err(|e| e.kind())?;
    Ok(greeting.to_vec())
}

/// A greeting backend saying `hello`.
fn hello() -> SocketAddr {
    tcp_backend(greet)
}

mod version_reset_and_routes {
    use super::*;

    #[test]
    fn version_answers_toxiproxys_api_version_in_json() {
        let api = Api::new();
        let (status, content_type, body) = api.get("/version");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type.as_deref(), Some("application/json"));
        assert_eq!(body["version"], "2.6.0");
        assert!(body["server"].as_str().unwrap().starts_with("hamms "));
    }

    #[test]
    fn reset_answers_204_and_enables_every_proxy_without_toxics() {
        let api = Api::new();
        let addr = api.create("a", hello());
        let (status, _, _) = api.post("/proxies/a/toxics", &json!({"type": "latency"}));
        assert_eq!(status, StatusCode::OK, "the toxic the reset must remove");
        api.post("/proxies/a", &json!({"enabled": false}));
        assert_eq!(read_from(addr), Err(ErrorKind::ConnectionRefused));
        let (status, _, body) = api.post("/reset", &json!({}));
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        let (_, _, proxy) = api.get("/proxies/a");
        assert_eq!(
            (&proxy["enabled"], &proxy["toxics"]),
            (&json!(true), &json!([]))
        );
        assert_eq!(read_from(addr), Ok(b"hello".to_vec()));
    }

    #[test]
    fn wrong_methods_get_405_with_allow_and_unknown_paths_404() {
        let api = Api::new();
        api.create("a", hello());
        for (method, path, allow) in [
            (Method::PUT, "/proxies", "GET, POST"),
            (Method::PUT, "/proxies/a", "GET, POST, PATCH, DELETE"),
            (Method::DELETE, "/proxies/a/toxics", "GET, POST"),
            (Method::GET, "/reset", "POST"),
            (Method::GET, "/populate", "POST"),
            (Method::POST, "/version", "GET"),
        ] {
            let url = format!("http://{}{path}", api.control.addr());
            let response = api.http.request(method.clone(), url).send().unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(response.headers()["allow"], allow, "{method} {path}");
            let body: Value = response.json().unwrap();
            assert_eq!(body["status"], 405);
        }
        let (status, _, body) = api.get("/proxies/a/toxics/x/y");
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("routes: "),
            "{body}"
        );
    }

    #[test]
    fn a_browser_cannot_change_anything() {
        let api = Api::new();
        let url = format!("http://{}/proxies", api.control.addr());
        let body = json!({"name": "a", "upstream": "127.0.0.1:1"}).to_string();
        let response = api
            .http
            .post(&url)
            .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64)")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(api.get("/proxies").2, json!({}), "nothing was created");
        let read = api
            .http
            .get(&url)
            .header("user-agent", "Mozilla/5.0")
            .send()
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK, "reading is harmless");
    }
}

mod proxies {
    use super::*;

    #[test]
    fn a_proxy_created_on_port_0_reports_its_port_and_relays() {
        let api = Api::new();
        assert_eq!(api.get("/proxies").2, json!({}));
        let upstream = hello();
        let (status, _, body) = api.post(
            "/proxies",
            &json!({"name": "greeter", "listen": "localhost:0", "upstream": upstream.to_string()}),
        );
        assert_eq!(status, StatusCode::CREATED);
        let listen: SocketAddr = body["listen"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            listen.ip().to_string(),
            "127.0.0.1",
            "localhost, as Toxiproxy reports it"
        );
        assert_ne!(listen.port(), 0);
        assert_eq!(
            body,
            json!({"name": "greeter", "listen": listen.to_string(), "upstream": upstream.to_string(), "enabled": true, "toxics": []})
        );
        assert_eq!(read_from(listen), Ok(b"hello".to_vec()));
        assert_eq!(api.get("/proxies").2, json!({"greeter": body}));
        assert_eq!(api.get("/proxies/greeter").2, body);
        // It is a server of the control API like any other.
        assert_eq!(api.get("/behavior").2["behavior"], "dummy");
    }

    #[test]
    fn creating_answers_toxiproxys_errors() {
        let api = Api::new();
        api.create("taken", hello());
        let occupied = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = occupied.local_addr().unwrap();
        #[rustfmt::skip]
        let cases: [(String, StatusCode, String); 7] = [
            ("{not json".into(), StatusCode::BAD_REQUEST, "bad request body: invalid JSON".into()),
            (json!({"upstream": "127.0.0.1:1"}).to_string(), StatusCode::BAD_REQUEST, "missing required field: name".into()),
            (json!({"name": "b"}).to_string(), StatusCode::BAD_REQUEST, "missing required field: upstream".into()),
            (json!({"name": "taken", "upstream": "127.0.0.1:1"}).to_string(), StatusCode::CONFLICT, "proxy already exists".into()),
            (json!({"name": "b", "upstream": "nohostport"}).to_string(), StatusCode::BAD_REQUEST, "bad request body: invalid backend `nohostport`".into()),
            (json!({"name": "b", "upstream": "127.0.0.1:1", "listen": "nowhere"}).to_string(), StatusCode::BAD_REQUEST, "bad request body: listen `nowhere`".into()),
            (json!({"name": "b", "upstream": "127.0.0.1:1", "listen": port.to_string()}).to_string(), StatusCode::INTERNAL_SERVER_ERROR, format!("listen tcp {port}: bind: address already in use")),
        ];
        for (body, status, message) in cases {
            assert_error(&api.call(Method::POST, "/proxies", &body), status, &message);
        }
        assert_eq!(api.get("/proxies").2.as_object().unwrap().len(), 1);
    }

    #[test]
    fn a_proxy_created_disabled_refuses_until_enabled() {
        let api = Api::new();
        let (status, _, body) = api.post(
            "/proxies",
            &json!({"name": "p", "listen": "127.0.0.1:0", "upstream": hello().to_string(), "enabled": false}),
        );
        assert_eq!(
            (status, &body["enabled"]),
            (StatusCode::CREATED, &json!(false))
        );
        let listen: SocketAddr = body["listen"].as_str().unwrap().parse().unwrap();
        assert_eq!(read_from(listen), Err(ErrorKind::ConnectionRefused));
        let (status, _, body) = api.call(Method::PATCH, "/proxies/p", r#"{"enabled": true}"#);
        assert_eq!((status, &body["enabled"]), (StatusCode::OK, &json!(true)));
        assert_eq!(read_from(listen), Ok(b"hello".to_vec()));
    }

    #[test]
    fn a_new_upstream_closes_open_connections_and_sends_new_ones_there() {
        let api = Api::new();
        let listen = api.create("p", tcp_backend(echo));
        let mut open = TcpStream::connect(listen).unwrap();
        open.set_read_timeout(Some(PATIENCE)).unwrap();
        open.write_all(b"ping").unwrap();
        let mut back = [0; 4];
        open.read_exact(&mut back).unwrap();
        api.post(
            "/proxies/p/toxics",
            &json!({"type": "latency", "attributes": {"latency": 1}}),
        );

        let greeter = hello();
        let (status, _, body) = api.call(
            Method::PATCH,
            "/proxies/p",
            &json!({"upstream": greeter.to_string()}).to_string(),
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["upstream"], greeter.to_string());
        assert_eq!(body["listen"], listen.to_string(), "the port stays");
        assert_eq!(
            body["toxics"].as_array().unwrap().len(),
            1,
            "the toxics stay"
        );
        // As Toxiproxy's restart: the connection to the old upstream is closed...
        let read = open.read(&mut back);
        assert!(
            matches!(read, Ok(0))
                || matches!(&read, Err(e) if e.kind() == ErrorKind::ConnectionReset),
            "the old upstream's connection must be closed, got {read:?}"
        );
        // ...and new ones meet the new upstream, under the same toxics.
        assert_eq!(read_from(listen), Ok(b"hello".to_vec()));
        assert_eq!(api.spec("p"), "latency(latency=1)");
    }

    #[test]
    fn a_new_listen_address_moves_a_created_proxy_with_its_toxics() {
        let api = Api::new();
        let old = api.create("p", hello());
        api.post(
            "/proxies/p/toxics",
            &json!({"type": "latency", "attributes": {"latency": 1}}),
        );
        let (status, _, body) = api.post("/proxies/p", &json!({"listen": "127.0.0.1:0"}));
        assert_eq!(status, StatusCode::OK, "POST updates as PATCH does");
        let new: SocketAddr = body["listen"].as_str().unwrap().parse().unwrap();
        assert_ne!(new, old);
        assert_eq!(read_from(old), Err(ErrorKind::ConnectionRefused));
        assert_eq!(read_from(new), Ok(b"hello".to_vec()));
        assert_eq!(api.spec("p"), "latency(latency=1)");
    }

    #[test]
    fn updating_answers_toxiproxys_errors() {
        let api = Api::new();
        api.create("p", hello());
        assert_error(
            &api.call(Method::PATCH, "/proxies/nope", "{}"),
            StatusCode::NOT_FOUND,
            "proxy not found",
        );
        assert_error(
            &api.call(Method::PATCH, "/proxies/p", "[]"),
            StatusCode::BAD_REQUEST,
            "bad request body: expected a JSON object",
        );
        assert_error(
            &api.call(Method::PATCH, "/proxies/p", r#"{"enabled": "yes"}"#),
            StatusCode::BAD_REQUEST,
            "bad request body: `enabled` must be true or false",
        );
        assert_error(
            &api.call(Method::PATCH, "/proxies/p", r#"{"upstream": "nohostport"}"#),
            StatusCode::BAD_REQUEST,
            "bad request body: invalid backend",
        );
        assert_error(
            &api.get("/proxies/nope"),
            StatusCode::NOT_FOUND,
            "proxy not found",
        );
    }

    #[test]
    fn moving_to_an_address_in_use_answers_500_and_leaves_the_proxy_where_it_was() {
        let api = Api::new();
        let listen = api.create("p", hello());
        let occupied = TcpListener::bind("127.0.0.1:0").unwrap();
        let taken = occupied.local_addr().unwrap();
        let body = json!({"listen": taken.to_string()}).to_string();
        assert_error(
            &api.call(Method::PATCH, "/proxies/p", &body),
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("listen tcp {taken}: bind: address already in use"),
        );
        assert_eq!(api.get("/proxies/p").2["listen"], listen.to_string());
        assert_eq!(read_from(listen), Ok(b"hello".to_vec()));
    }

    #[test]
    fn deleting_frees_the_port_before_answering_204_and_again_is_404() {
        let api = Api::new();
        let listen = api.create("p", hello());
        let (status, _, body) = api.call(Method::DELETE, "/proxies/p", "");
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(read_from(listen), Err(ErrorKind::ConnectionRefused));
        // The port is free: a proxy can be created on it at once.
        let (status, _, _) = api.post(
            "/proxies",
            &json!({"name": "again", "listen": listen.to_string(), "upstream": hello().to_string()}),
        );
        assert_eq!(status, StatusCode::CREATED);
        assert_error(
            &api.call(Method::DELETE, "/proxies/p", ""),
            StatusCode::NOT_FOUND,
            "proxy not found",
        );
    }

    #[test]
    fn a_proxy_handed_over_at_start_is_switched_but_never_deleted_or_moved() {
        let backend = hello();
        let given = Arc::new(FaultServer::proxy(backend.to_string()).start().unwrap());
        let api = Api::over(
            ControlServer::builder()
                .server("given", Arc::clone(&given))
                .start()
                .unwrap(),
        );
        assert_eq!(
            api.get("/proxies/given").2["listen"],
            given.addr().to_string()
        );
        let (status, _, _) = api.post("/proxies/given/toxics", &json!({"type": "latency"}));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(given.behavior().to_string(), "latency");
        for answer in [
            api.call(Method::DELETE, "/proxies/given", ""),
            api.post("/proxies/given", &json!({"listen": "127.0.0.1:0"})),
            api.post(
                "/populate",
                &json!([{"name": "given", "upstream": "127.0.0.1:1"}]),
            ),
        ] {
            assert_error(
                &answer,
                StatusCode::CONFLICT,
                "proxy `given` was handed to this control API",
            );
        }
        assert_eq!(read_from(given.addr()), Ok(b"hello".to_vec()));
        // A catalog server is no proxy to Toxiproxy's routes.
        let status_server = Arc::new(FaultServer::start("status").unwrap());
        let api = Api::over(
            ControlServer::builder()
                .server("status", status_server)
                .start()
                .unwrap(),
        );
        assert_eq!(api.get("/proxies").2, json!({}));
        assert_error(
            &api.get("/proxies/status"),
            StatusCode::NOT_FOUND,
            "proxy not found",
        );
    }
}

mod toxics {
    use super::*;

    #[test]
    fn toxics_are_added_named_shown_updated_and_removed_one_at_a_time() {
        let api = Api::new();
        api.create("p", hello());
        assert_eq!(api.get("/proxies/p/toxics").2, json!([]));
        let (status, _, latency) = api.post(
            "/proxies/p/toxics",
            &json!({"type": "latency", "attributes": {"latency": 100, "jitter": 10}}),
        );
        // Toxiproxy answers a created toxic with 200, not 201.
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            latency,
            json!({"name": "latency_downstream", "type": "latency", "stream": "downstream", "toxicity": 1.0, "attributes": {"latency": 100, "jitter": 10}})
        );
        // Two of the same type, told apart by name, stacked in order.
        let (status, _, slow) = api.post(
            "/proxies/p/toxics",
            &json!({"name": "slow_up", "type": "latency", "stream": "upstream", "toxicity": 0.5, "attributes": {"latency": 30}}),
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(api.get("/proxies/p/toxics").2, json!([latency, slow]));
        assert_eq!(
            api.spec("p"),
            "latency(latency=100, jitter=10)+latency(latency=30, direction=\"upstream\", toxicity=0.5)"
        );
        assert_eq!(api.get("/proxies/p/toxics/slow_up").2, slow);

        // An update changes what it names, over the rest.
        let (status, _, updated) = api.call(
            Method::PATCH,
            "/proxies/p/toxics/latency_downstream",
            r#"{"attributes": {"latency": 200}, "toxicity": 0.25}"#,
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(updated["attributes"], json!({"latency": 200, "jitter": 10}));
        assert_eq!(
            (&updated["toxicity"], &updated["stream"]),
            (&json!(0.25), &json!("downstream"))
        );

        let (status, _, body) =
            api.call(Method::DELETE, "/proxies/p/toxics/latency_downstream", "");
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(api.get("/proxies/p").2["toxics"], json!([slow]));
        api.call(Method::DELETE, "/proxies/p/toxics/slow_up", "");
        assert_eq!(api.spec("p"), "dummy", "no toxic left: pass-through");
    }

    #[test]
    fn toxic_routes_answer_toxiproxys_errors() {
        let api = Api::new();
        api.create("p", hello());
        api.post("/proxies/p/toxics", &json!({"type": "latency"}));
        #[rustfmt::skip]
        let cases = [
            (Method::POST, "/proxies/p/toxics", r#"{"type": "slow_close"}"#.replace("slow_close\"", "slow_close\", \"name\": \"latency_downstream\""), StatusCode::CONFLICT, "toxic already exists"),
            (Method::POST, "/proxies/p/toxics", r#"{"type": "latency"}"#.to_owned(), StatusCode::CONFLICT, "toxic already exists"),
            (Method::POST, "/proxies/p/toxics", r#"{"type": "latncy"}"#.to_owned(), StatusCode::BAD_REQUEST, "invalid toxic type: `latncy` (did you mean `latency`?)"),
            (Method::POST, "/proxies/p/toxics", r#"{"type": "latency", "stream": "walrustream"}"#.to_owned(), StatusCode::BAD_REQUEST, "stream was invalid, can be either upstream or downstream"),
            (Method::POST, "/proxies/p/toxics", r#"{"type": "bandwidth", "attributes": {"rate": "fast"}}"#.to_owned(), StatusCode::BAD_REQUEST, "bad request body: option `rate` of proxy behavior `bandwidth` must be"),
            (Method::POST, "/proxies/p/toxics", "{oops".to_owned(), StatusCode::BAD_REQUEST, "bad request body: invalid JSON"),
            (Method::POST, "/proxies/nope/toxics", r#"{"type": "latency"}"#.to_owned(), StatusCode::NOT_FOUND, "proxy not found"),
            (Method::GET, "/proxies/p/toxics/nope", String::new(), StatusCode::NOT_FOUND, "toxic not found"),
            (Method::PATCH, "/proxies/p/toxics/nope", "{}".to_owned(), StatusCode::NOT_FOUND, "toxic not found"),
            (Method::DELETE, "/proxies/p/toxics/nope", String::new(), StatusCode::NOT_FOUND, "toxic not found"),
            (Method::PATCH, "/proxies/p/toxics/latency_downstream", r#"{"toxicity": 7}"#.to_owned(), StatusCode::BAD_REQUEST, "bad request body: `toxicity` must be a probability from 0 to 1"),
        ];
        for (method, path, body, status, message) in cases {
            assert_error(&api.call(method, path, &body), status, message);
        }
        assert_eq!(api.get("/proxies/p/toxics").2.as_array().unwrap().len(), 1);
        assert_eq!(api.spec("p"), "latency", "a refused change changes nothing");
    }

    #[test]
    fn hamms_behaviors_are_extra_toxic_types() {
        let api = Api::new();
        let listen = api.create("p", hello());
        let (status, _, toxic) = api.post(
            "/proxies/p/toxics",
            &json!({"type": "delay", "attributes": {"sleep": 0.2, "before": false}}),
        );
        assert_eq!(status, StatusCode::OK, "{toxic}");
        assert_eq!(toxic["name"], "delay_downstream");
        assert_eq!(toxic["attributes"], json!({"sleep": 0.2, "before": false}));
        let started = std::time::Instant::now();
        assert_eq!(read_from(listen), Ok(b"hello".to_vec()));
        assert!(started.elapsed() >= Duration::from_millis(190));
        let (status, _, noop) = api.post("/proxies/p/toxics", &json!({"type": "noop"}));
        assert_eq!((status, &noop["attributes"]), (StatusCode::OK, &json!({})));
        assert_eq!(api.spec("p"), "delay(sleep=0.2, before=false)+dummy");
    }

    #[test]
    fn toxics_added_to_a_disabled_proxy_wait_for_it_to_be_enabled() {
        let api = Api::new();
        let listen = api.create("p", hello());
        api.post("/proxies/p", &json!({"enabled": false}));
        let (status, _, _) = api.post(
            "/proxies/p/toxics",
            &json!({"type": "limit_data", "attributes": {"bytes": 2}}),
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(api.spec("p"), "down");
        assert_eq!(read_from(listen), Err(ErrorKind::ConnectionRefused));
        api.post("/proxies/p", &json!({"enabled": true}));
        assert_eq!(api.spec("p"), "limit_data(bytes=2)");
        // Two bytes of the greeting, then the close.
        let mut stream = TcpStream::connect(listen).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"he");
    }
}

mod populate {
    use super::*;

    #[test]
    fn populate_creates_a_list_and_answers_201_with_the_proxies() {
        let api = Api::new();
        let upstream = hello().to_string();
        let config = json!([
            {"name": "one", "listen": "127.0.0.1:0", "upstream": upstream},
            {"name": "two", "listen": "127.0.0.1:0", "upstream": upstream, "enabled": false},
        ]);
        let (status, _, body) = api.post("/populate", &config);
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let proxies = body["proxies"].as_array().unwrap();
        assert_eq!(proxies.len(), 2);
        assert_eq!(
            (&proxies[0]["name"], &proxies[0]["enabled"]),
            (&json!("one"), &json!(true))
        );
        assert_eq!(
            (&proxies[1]["name"], &proxies[1]["enabled"]),
            (&json!("two"), &json!(false))
        );
        let one: SocketAddr = proxies[0]["listen"].as_str().unwrap().parse().unwrap();
        assert_eq!(read_from(one), Ok(b"hello".to_vec()));
        // The same list again changes nothing: same ports, same proxies.
        let (status, _, again) = api.post("/populate", &config);
        assert_eq!((status, again), (StatusCode::CREATED, body));
    }

    #[test]
    fn a_bad_list_creates_nothing_and_answers_toxiproxys_error() {
        let api = Api::new();
        #[rustfmt::skip]
        let cases = [
            (json!({"name": "x"}), "bad request body: expected a JSON array"),
            (json!([{"name": "a", "upstream": "127.0.0.1:1"}, {"upstream": "127.0.0.1:1"}]), "missing required field: name at proxy 2"),
            (json!([{"name": "a"}]), "missing required field: upstream at proxy 1"),
            (json!([{"name": "a", "upstream": "127.0.0.1:1"}, {"name": "a", "upstream": "127.0.0.1:2"}]), "bad request body: duplicate proxy name `a`"),
            (json!([{"name": "a", "upstream": "nohostport"}]), "bad request body: invalid backend"),
        ];
        for (config, message) in cases {
            let answer = api.post("/populate", &config);
            assert_error(&answer, StatusCode::BAD_REQUEST, message);
            assert_eq!(answer.2["proxies"], Value::Null);
        }
        assert_eq!(
            api.get("/proxies").2,
            json!({}),
            "the valid proxies before were not created"
        );
    }
}
