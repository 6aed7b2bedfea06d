//! `#[with_fault_server]` and the assertion macros as users write them: every form, stacked
//! servers, sync and async tests of each flavor, and the server's lifetime around the test.

use std::cell::Cell;
use std::net::{SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};

use hamms_integration_tests::client;
use hamms_test::http::Uri;
use hamms_test::prelude::*;

const PATIENCE: Duration = Duration::from_secs(5);

mod forms {
    use super::*;

    #[with_fault_server(port = "slow_drip", interval_ms = 50)]
    #[tokio::test]
    async fn client_gives_up_on_a_slow_body(server: FaultServer) {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let err = client.get(server.url("/")).send().await.unwrap_err();
        assert!(err.is_timeout());
        assert_history!(server, [GET "/"]);
    }

    #[with_fault_server(port = "status", status = 503, seed = 7)]
    #[tokio::test]
    async fn parameters_and_seed_reach_the_server(server: FaultServer) {
        assert_eq!(server.seed(), 7);
        let response = client(Some(PATIENCE))
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503);
        assert_requests!(server, 1);
    }

    #[with_fault_server(port = "status", tls = true)]
    #[tokio::test]
    async fn tls_serves_https_with_the_test_ca(server: FaultServer) {
        assert!(server.url("/").starts_with("https://"));
        let config = hamms_integration_tests::tls_config(
            server.ca_pem(),
            hamms_integration_tests::ANY_VERSION,
            None,
        );
        let client = hamms_integration_tests::tls_client(config, Some(PATIENCE));
        assert_eq!(
            client.get(server.url("/")).send().await.unwrap().status(),
            200
        );
    }

    #[with_fault_server(fixture)]
    #[tokio::test]
    async fn the_fixture_answers_and_records(server: FaultServer) {
        server.respond_with(Response::ok().text("hi"));
        let client = client(Some(PATIENCE));
        client.post(server.url("/a")).send().await.unwrap();
        let body = client
            .get(server.url("/b?x=1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "hi");
        assert_history!(server, [POST "/a", GET "/b?x=1"]);
    }

    #[with_fault_server(fixture, tls)]
    #[tokio::test]
    async fn the_tls_fixture_speaks_https(server: FaultServer) {
        assert!(server.url("/").starts_with("https://"));
        let config = hamms_integration_tests::tls_config(
            server.ca_pem(),
            hamms_integration_tests::ANY_VERSION,
            None,
        );
        let client = hamms_integration_tests::tls_client(config, Some(PATIENCE));
        assert_eq!(
            client.get(server.url("/")).send().await.unwrap().status(),
            200
        );
        assert!(server.history().connections()[0].tls.is_some());
    }

    #[with_fault_server(fixture)]
    #[with_fault_server(proxy = backend.addr(), behavior = "delay", sleep = 0.2)]
    #[tokio::test]
    async fn a_proxy_in_front_of_a_server_injected_above(backend: FaultServer, proxy: FaultServer) {
        backend.respond_with(Response::ok().text("through"));
        let started = std::time::Instant::now();
        let response = client(Some(PATIENCE))
            .get(proxy.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "through");
        assert!(started.elapsed() >= Duration::from_millis(200));
        proxy
            .with_behavior(Behavior::proxy("blackout").unwrap(), async {
                let fresh = client(Some(PATIENCE));
                assert!(fresh.get(proxy.url("/")).send().await.is_err());
            })
            .await;
        assert_history!(backend, [GET "/"]);
    }

    #[with_fault_server(port = "status", status = 201)]
    #[with_fault_server(port = "status", status = 202)]
    #[tokio::test]
    async fn stacked_attributes_inject_in_order(first: String, second: Uri) {
        let client = client(Some(PATIENCE));
        assert_eq!(client.get(&first).send().await.unwrap().status(), 201);
        assert_eq!(
            client
                .get(second.to_string())
                .send()
                .await
                .unwrap()
                .status(),
            202
        );
    }

    /// A backend address written as a constant: an expression, as `backend.addr()` is.
    const BACKEND: &str = "127.0.0.1:6379";

    #[with_fault_server(proxy = "127.0.0.1:6379", behavior = "delay", sleep = 0.1)]
    #[tokio::test]
    async fn a_proxy_to_an_address_written_as_a_literal(server: FaultServer) {
        assert!(server.is_proxy());
        assert_eq!(server.backend().as_deref(), Some("127.0.0.1:6379"));
        assert_eq!(server.behavior().to_string(), "delay(sleep=0.1)");
    }

    #[with_fault_server(proxy = BACKEND, protocol = "http", behavior = "20:error,80:dummy")]
    #[tokio::test]
    async fn a_proxy_to_an_address_written_as_a_constant(server: FaultServer) {
        assert_eq!(server.backend().as_deref(), Some(BACKEND));
        assert_eq!(server.behavior().to_string(), "20:error,80:dummy");
    }

    #[with_fault_server(port = "slow_drip", interval_ms = 20, tls = true, seed = 7)]
    #[tokio::test]
    async fn tls_and_the_interval_among_several_parameters_reach_the_server(url: String) {
        assert!(url.starts_with("https://"), "{url}");
        // In-process servers sign with the process CA: a URL is all a test needs.
        let config = hamms_integration_tests::tls_config(
            hamms_test::TestCa::for_process().pem(),
            hamms_integration_tests::ANY_VERSION,
            None,
        );
        let client = hamms_integration_tests::tls_client(config, Some(PATIENCE));
        let started = std::time::Instant::now();
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 204);
        // A byte every 20 ms: the 27 bytes of `HTTP/1.1 204 No Content\r\n\r\n` at the least
        // take 26 intervals (timers never fire early, so the bound holds on any machine).
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(520), "answered in {took:?}");
    }

    #[with_fault_server(port = "fail_rate", failrate = 0.5, seed = 3)]
    #[tokio::test]
    async fn a_float_parameter_reaches_the_server_given_as_a_uri(url: Uri) {
        let (mut answered, mut dropped) = (0, 0);
        for _ in 0..40 {
            // A fresh connection each time: a dropped one must not be retried by the pool.
            match client(Some(PATIENCE)).get(url.to_string()).send().await {
                Ok(response) if response.status() == 200 => answered += 1,
                Ok(response) => panic!("fail_rate answered {}", response.status()),
                Err(_) => dropped += 1,
            }
        }
        assert!(
            answered > 0 && dropped > 0,
            "{answered} answered, {dropped} dropped"
        );
    }

    #[with_fault_server(fixture)]
    #[with_fault_server(proxy = backend.addr())]
    #[with_fault_server(port = "refused")]
    #[tokio::test]
    async fn three_stacked_servers(backend: FaultServer, proxy: FaultServer, down: String) {
        backend.respond_with(Response::status(201));
        let client = client(Some(PATIENCE));
        assert_eq!(
            client.get(proxy.url("/")).send().await.unwrap().status(),
            201
        );
        assert!(client.get(&down).send().await.unwrap_err().is_connect());
        assert_history!(backend, [GET "/"]);
    }

    // Below #[tokio::test] too: the servers start before tokio's runtime, in the same order.
    #[tokio::test]
    #[with_fault_server(fixture)]
    #[with_fault_server(proxy = backend.addr())]
    async fn attributes_below_tokio_test_inject_in_order_too(backend: FaultServer, proxy: String) {
        backend.respond_with(Response::ok().text("through"));
        let response = client(Some(PATIENCE)).get(&proxy).send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "through");
        assert_history!(backend, [GET "/"]);
    }

    #[with_fault_server(port = "status", status = 418)]
    fn a_sync_test_with_a_blocking_client(url: String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .proxy(None)
            .http_status_as_error(false)
            .build()
            .into();
        assert_eq!(agent.get(&url).call().unwrap().status(), 418);
    }

    #[with_fault_server(port = "status", status = 418)]
    async fn an_async_test_without_a_test_attribute_gets_one(url: String) {
        let response = client(Some(PATIENCE)).get(&url).send().await.unwrap();
        assert_eq!(response.status(), 418);
    }

    #[with_fault_server(fixture)]
    #[test]
    fn a_sync_test_with_its_own_test_attribute(server: FaultServer) {
        let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
        assert_eq!(agent.get(&server.url("/")).call().unwrap().status(), 200);
        assert_requests!(server, 1);
    }

    #[with_fault_server(fixture)]
    #[tokio::test]
    async fn a_blocking_client_inside_a_current_thread_test_works(url: String) {
        // The only runtime thread blocks; the server runs on hamms' own threads.
        let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
        assert_eq!(agent.get(&url).call().unwrap().status(), 200);
    }

    #[with_fault_server(fixture)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_multi_thread_test_works(server: FaultServer) {
        let response = client(Some(PATIENCE))
            .get(server.url("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    #[with_fault_server(fixture)]
    #[tokio::test]
    async fn a_test_may_return_a_result(server: FaultServer) -> Result<(), reqwest::Error> {
        client(Some(PATIENCE)).get(server.url("/")).send().await?;
        assert_requests!(server, 1);
        Ok(())
    }
}

mod lifetime {
    use super::*;

    thread_local! {
        /// The address of the server the last helper test on this thread was given.
        static SEEN: Cell<Option<SocketAddr>> = const { Cell::new(None) };
    }

    fn refused(addr: SocketAddr) -> bool {
        TcpStream::connect(addr).is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
    }

    #[with_fault_server(fixture)]
    #[ignore = "run by the_server_stops_when_the_test_passes"]
    fn passes(server: FaultServer) {
        SEEN.set(Some(server.addr()));
        assert!(!refused(server.addr()));
    }

    #[with_fault_server(fixture)]
    #[ignore = "run by the_server_stops_when_the_test_panics"]
    fn panics(server: FaultServer) {
        SEEN.set(Some(server.addr()));
        panic!("on purpose");
    }

    #[with_fault_server(fixture)]
    #[tokio::test]
    #[ignore = "run by the_server_stops_when_the_test_returns_err"]
    async fn returns_err(server: FaultServer) -> Result<(), String> {
        SEEN.set(Some(server.addr()));
        Err("on purpose".to_owned())
    }

    #[test]
    fn the_server_stops_when_the_test_passes() {
        passes();
        assert!(refused(SEEN.get().unwrap()));
    }

    #[test]
    fn the_server_stops_when_the_test_panics() {
        let outcome = catch_unwind(panics);
        assert!(outcome.is_err());
        assert!(refused(SEEN.get().unwrap()));
    }

    #[test]
    fn the_server_stops_when_the_test_returns_err() {
        assert_eq!(returns_err(), Err("on purpose".to_owned()));
        assert!(refused(SEEN.get().unwrap()));
    }

    #[with_fault_server(port = "status")]
    fn with_behavior_restores_the_previous_behavior_when_its_block_panics(server: FaultServer) {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            server.with_behavior_blocking(Behavior::mode("no_response").unwrap(), || {
                panic!("inside the block");
            })
        }));
        assert!(outcome.is_err());
        assert_eq!(server.behavior().name(), "status");
    }

    #[with_fault_server(port = "status")]
    #[tokio::test]
    async fn the_async_with_behavior_restores_too_when_its_block_panics(server: FaultServer) {
        let server = std::sync::Arc::new(server);
        let inside = std::sync::Arc::clone(&server);
        let task = tokio::spawn(async move {
            inside
                .with_behavior(Behavior::mode("no_response").unwrap(), async {
                    panic!("inside the block");
                })
                .await
        });
        assert!(task.await.unwrap_err().is_panic());
        assert_eq!(server.behavior().name(), "status");
    }
}

mod assertions {
    use super::*;

    #[with_fault_server(fixture)]
    #[tokio::test]
    async fn assertions_pass_on_what_happened(server: FaultServer) {
        assert_no_requests!(server);
        let client = client(Some(PATIENCE));
        for attempt in 0..3_u64 {
            tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            client.get(server.url("/retry")).send().await.unwrap();
        }
        assert_requests!(server, 3);
        assert_backoff!(server, [50, 100]);
        assert_history!(server, [GET "/retry", GET "/retry", GET "/retry"]);
    }

    #[with_fault_server(fixture, seed = 42)]
    #[should_panic(
        expected = "assert_history! failed: expected [GET /a], but the server recorded:\n  (no requests)"
    )]
    fn assert_history_prints_what_was_recorded(server: FaultServer) {
        assert_history!(server, [GET "/a"]);
    }

    #[with_fault_server(fixture, seed = 42)]
    #[should_panic(expected = "seed 42")]
    fn assertion_failures_name_the_seed(server: FaultServer) {
        assert_requests!(server, 1);
    }

    #[with_fault_server(fixture)]
    #[should_panic(expected = "assert_backoff! failed: expected gaps [>=100ms], the server saw []")]
    fn assert_backoff_says_which_gaps_it_saw(server: FaultServer) {
        assert_backoff!(server, [100]);
    }
}
