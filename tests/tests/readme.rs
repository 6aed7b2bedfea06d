//! The README's Rust examples, compiled and run exactly as written, one module each; the last
//! test keeps the README and this file in step. The example that needs a Toxiproxy client
//! (OpenSSL) runs in the second tier, `peers/readme.rs`.

mod quick_start {
    use hamms_test::prelude::*;

    #[with_fault_server(port = "slow_drip", interval_ms = 50)]
    #[tokio::test]
    async fn client_gives_up_on_a_slow_body(server: FaultServer) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let err = client.get(server.url("/")).send().await.unwrap_err();
        assert!(err.is_timeout());
        assert_history!(server, [GET "/"]);

        // Swap the behavior for one block; the previous one comes back after it, even on panic.
        let unavailable = Behavior::mode("status")
            .unwrap()
            .param("status", 503)
            .unwrap();
        server
            .with_behavior(unavailable, async {
                let response = client.get(server.url("/")).send().await.unwrap();
                assert_eq!(response.status(), 503);
            })
            .await;
    }
}

mod history {
    use hamms_test::prelude::*;

    #[with_fault_server(port = "reset_by_peer")]
    #[tokio::test]
    async fn my_client_sends_the_order_once_and_reports_the_reset(server: FaultServer) {
        let client = reqwest::Client::new();
        let err = client
            .post(server.url("/orders?id=7"))
            .json(&serde_json::json!({"item": "book"}))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_request(), "{err:?}");

        let history = server.history();
        assert_eq!(history.len(), 1, "no retry");
        let exchange: &Exchange = history.last().unwrap();
        let request: &Request = &exchange.request;
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.version, Version::HTTP_11);
        assert_eq!(request.query_param("id"), Some("7"));
        assert_eq!(request.body_text(), r#"{"item":"book"}"#);
        assert_eq!(exchange.reply, Reply::Reset);
        let connection: &ConnectionRecord = &history.connections()[0];
        assert_eq!(connection.end, Some(ConnectionEnd::ServerReset));
    }
}

mod tls {
    use hamms_test::FaultServer;

    #[tokio::test]
    async fn my_client_refuses_an_expired_certificate() {
        let server = FaultServer::start("tls_expired").unwrap(); // or any mode with .tls()
        let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()
            .unwrap();

        // server.url("/") is https://127.0.0.1:PORT/
        let err = client.get(server.url("/")).send().await.unwrap_err();
        assert!(err.is_connect(), "{err:?}"); // invalid peer certificate: certificate expired
    }
}

mod fixture {
    use hamms_test::prelude::*;

    #[with_fault_server(fixture)]
    #[tokio::test]
    async fn my_client_retries_through_two_resets(server: FaultServer) {
        server.respond_with(Response::ok().json(&serde_json::json!({"id": 7})));
        // The next two requests are reset (TCP RST); then the fixture answers again.
        server
            .fail_next(2, Behavior::mode("reset_by_peer").unwrap())
            .unwrap();

        let client = reqwest::Client::new();
        let mut attempts = 0;
        let body = loop {
            attempts += 1;
            match client.get(server.url("/items/7")).send().await {
                Ok(response) => break response.text().await.unwrap(),
                Err(_) if attempts < 5 => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(e) => panic!("gave up: {e}"),
            }
        };
        assert_eq!(body, r#"{"id":7}"#);
        assert_history!(server, [GET "/items/7", GET "/items/7", GET "/items/7"]);
        // The client backed off between attempts.
        assert_backoff!(server, [50, 50]);
    }
}

mod stubs {
    use hamms_test::matchers::{method, path};
    use hamms_test::prelude::*;

    #[with_fault_server(fixture)]
    #[tokio::test]
    async fn my_client_pays_through_two_resets(server: FaultServer) {
        // POST /payments is reset (TCP RST) twice, then answers 201: exactly 3 requests expected.
        let reset = Behavior::mode("reset_by_peer").unwrap();
        server.mount(
            Stub::given(method("POST"))
                .and(path("/payments"))
                .respond_with(
                    Answer::fault(reset)
                        .times(2)
                        .then(Response::status(201).json(&serde_json::json!({"id": "pay_1"}))),
                )
                .named("payments")
                .expect(3),
        );
        server.mount(
            Stub::given(method("GET"))
                .and(path("/status"))
                .respond_with(Response::ok().json(&serde_json::json!({"healthy": true}))),
        );

        let client = reqwest::Client::new();
        let status = client.get(server.url("/status")).send().await.unwrap();
        assert_eq!(status.text().await.unwrap(), r#"{"healthy":true}"#);
        let url = server.url("/payments");
        let mut attempts = 0;
        let payment = loop {
            attempts += 1;
            match client.post(&url).body("amount=10").send().await {
                Ok(response) => break response,
                Err(_) if attempts < 5 => continue,
                Err(e) => panic!("gave up: {e}"),
            }
        };
        assert_eq!(payment.status(), 201);
        // When the server drops, `payments` must have answered exactly 3 requests, or the test
        // fails with what it answered and the nearest requests it did not, with the reason.
    }
}

mod coming_from_wiremock {
    use hamms_test::prelude::*;

    // tests/stubs/mappings/*.json and tests/stubs/__files/, as WireMock's root directory.
    #[with_fault_server(fixture, mappings = "tests/stubs")]
    #[tokio::test]
    async fn my_client_reads_users_from_the_mapped_api(server: FaultServer) {
        let client = reqwest::Client::new();
        let user = client.get(server.url("/users/7")).send().await.unwrap();
        assert_eq!(user.text().await.unwrap(), r#"{"id":"7","name":"Ada"}"#);
        // The mapped payment is reset once (CONNECTION_RESET_BY_PEER), then goes through.
        let url = server.url("/payments");
        let pay = || client.post(&url).body(r#"{"amount": 10}"#).send();
        assert!(pay().await.is_err());
        assert_eq!(pay().await.unwrap().status(), 201);
    }
}

mod chaos_proxy {
    use std::time::Instant;

    use hamms_test::prelude::*;

    // A fixture stands in for the backend here; in your tests it is your service's address, e.g.
    // #[with_fault_server(proxy = "127.0.0.1:6379")] in front of a Redis.
    #[with_fault_server(fixture)]
    #[with_fault_server(proxy = backend.addr())]
    #[tokio::test]
    async fn my_pooled_client_meets_a_slow_backend_then_recovers(
        backend: FaultServer,
        proxy: FaultServer,
    ) {
        backend.respond_with(Response::ok().text("pong"));
        // One client: its pooled keep-alive connection carries every request below.
        let client = reqwest::Client::new();
        let ping = || async { client.get(proxy.url("/ping")).send().await?.text().await };
        assert_eq!(ping().await.unwrap(), "pong");

        // The change reaches the connection the pool already holds, at its next read.
        let slow = Behavior::proxy("latency")
            .unwrap()
            .param("latency", 300)
            .unwrap();
        proxy
            .with_behavior(slow, async {
                let started = Instant::now();
                assert_eq!(ping().await.unwrap(), "pong");
                assert!(started.elapsed() >= Duration::from_millis(300));
            })
            .await;
        // Pass-through again after the block, on the same connection.
        assert_eq!(ping().await.unwrap(), "pong");
        assert_eq!(proxy.history().connections().len(), 1);

        // `blackout` resets open connections at their next call, and new ones at once.
        proxy.set_behavior(Behavior::proxy("blackout").unwrap());
        assert!(ping().await.is_err());
    }
}

mod http2 {
    use hamms_test::prelude::*;

    #[with_fault_server(fixture)]
    #[tokio::test]
    async fn my_client_survives_a_server_going_away(server: FaultServer) {
        server.respond_with(Response::ok().text("paid"));
        let client = reqwest::Client::builder()
            .http2_prior_knowledge()
            .build()
            .unwrap();

        // GOAWAY leaves the request out (not processed): reqwest retries it twice on new
        // connections, then reports the GOAWAY.
        server.set_behavior(Behavior::mode("h2_goaway").unwrap());
        assert!(client.get(server.url("/pay")).send().await.is_err());
        let history = server.history();
        assert_eq!(history.connections().len(), 3);
        let stream = history.last().unwrap().stream.clone().unwrap();
        let left_out = StreamEnd::GoAway {
            last_stream_id: 0,
            code: Http2ErrorCode::NO_ERROR,
        };
        assert_eq!(stream.end, Some(left_out));

        // Back to the fixture: the next attempt gets through.
        server.set_behavior(Behavior::fixture());
        let response = client.get(server.url("/pay")).send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "paid");
    }
}

mod grpc {
    use hamms_test::prelude::*;
    use prost::Message;
    use tonic::codegen::http::uri::PathAndQuery;
    use tonic::transport::{Channel, Endpoint};
    use tonic_prost::ProstCodec;

    // A message as prost derives it (tonic-build's generated code does the same).
    #[derive(Clone, PartialEq, prost::Message)]
    struct Greeting {
        #[prost(string, tag = "1")]
        text: String,
    }

    // One call of /greet.Greeter/Hello with a 5 s deadline, as a generated client makes it.
    async fn hello(channel: Channel) -> Result<Greeting, tonic::Status> {
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready()
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        let mut request = tonic::Request::new(Greeting { text: "hi".into() });
        request.set_timeout(Duration::from_secs(5));
        let path = PathAndQuery::from_static("/greet.Greeter/Hello");
        let response = grpc.unary(request, path, ProstCodec::default()).await?;
        Ok(response.into_inner())
    }

    // The client's retry loop: at most `attempts` calls, 20 ms apart, until one succeeds.
    async fn hello_with_retries(
        channel: &Channel,
        attempts: u32,
    ) -> Result<Greeting, tonic::Status> {
        let mut outcome = hello(channel.clone()).await;
        for _ in 1..attempts {
            if outcome.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            outcome = hello(channel.clone()).await;
        }
        outcome
    }

    #[with_fault_server(port = "grpc_status", code = "UNAVAILABLE")]
    #[tokio::test]
    async fn my_client_retries_unavailable_then_gets_its_answer(server: FaultServer) {
        let channel = Endpoint::from_shared(server.url("/"))
            .unwrap()
            .connect_lazy();

        // Every call ends UNAVAILABLE: the client tries three times, then reports it.
        let status = hello_with_retries(&channel, 3).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert_grpc_calls!(
            server,
            [
                "/greet.Greeter/Hello" => UNAVAILABLE,
                "/greet.Greeter/Hello" => UNAVAILABLE,
                "/greet.Greeter/Hello" => UNAVAILABLE,
            ]
        );

        // The fixture's unary answer for one block: the switch closes the mode's connection
        // (tonic, which retries nothing, may report that once), and the retry loop gets through.
        let answer = Greeting {
            text: "hello".into(),
        };
        server
            .with_behavior(Behavior::fixture(), async {
                server.respond_with(Response::grpc(answer.encode_to_vec()));
                assert_eq!(hello_with_retries(&channel, 3).await.unwrap(), answer);
            })
            .await;
        let call = server.history().last().unwrap().grpc.clone().unwrap();
        assert_eq!(
            Greeting::decode(&call.messages[0].bytes[..]).unwrap().text,
            "hi"
        );
    }
}

#[test]
fn the_readme_shows_these_examples_verbatim() {
    // This file's examples and the second tier's, without the indentation of their modules.
    let here: String = [include_str!("readme.rs"), include_str!("peers/readme.rs")]
        .concat()
        .lines()
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    let readme = include_str!("../../README.md");
    let blocks: Vec<&str> = readme
        .split("```rust\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").unwrap()])
        .collect();
    assert_eq!(
        blocks.len(),
        10,
        "one module here (or in peers/readme.rs) per Rust block of the README"
    );
    for block in blocks {
        assert!(
            here.contains(block),
            "this README example differs from tests/tests/readme.rs; make them equal:\n{block}"
        );
    }
}
