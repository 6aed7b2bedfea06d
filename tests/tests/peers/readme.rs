//! The README's example that needs a Toxiproxy client, run as written (the README and
//! `readme.rs` keep it in step), and type-checked with exactly the dependencies the README shows
//! for it.

use hamms_integration_tests::readme;

mod coming_from_toxiproxy {
    use std::time::{Duration, Instant};

    use hamms_test::control::ControlServer;
    use hamms_test::{FaultServer, Response};
    use toxiproxy_rust::client::Client;
    use toxiproxy_rust::proxy::ProxyPack;

    #[test]
    fn my_client_meets_toxiproxy_latency_from_hamms() {
        // Where `toxiproxy-server` was: hamms' control API, started and stopped by the test.
        let toxiproxy = ControlServer::builder().start().unwrap();
        let client = Client::new(toxiproxy.addr());

        // A fixture stands in for your service (e.g. "127.0.0.1:6379").
        let backend = FaultServer::fixture().start().unwrap();
        backend.respond_with(Response::ok().text("pong"));
        let upstream = backend.addr().to_string();
        let created = client
            .populate(vec![ProxyPack::new(
                "api".into(),
                "127.0.0.1:0".into(),
                upstream,
            )])
            .unwrap();
        let url = format!("http://{}/ping", created[0].proxy_pack.listen);

        let proxy = client.find_proxy("api").unwrap();
        proxy
            .with_latency("downstream".into(), 300, 0, 1.0)
            .apply(|| {
                let started = Instant::now();
                let answer = reqwest::blocking::get(&url).unwrap().text().unwrap();
                assert_eq!(answer, "pong");
                assert!(started.elapsed() >= Duration::from_millis(300));
            })
            .unwrap();
    }
}

#[test]
fn the_readme_examples_that_add_dependencies_compile_with_exactly_those_it_shows() {
    let groups = readme::groups();
    assert!(
        groups[1..].iter().any(readme::needs_openssl),
        "the Toxiproxy section adds its client"
    );
    // The others (gRPC's tonic) are checked in the first tier (`readme_dependencies.rs`).
    for group in groups[1..].iter().filter(|g| readme::needs_openssl(g)) {
        if let Err(errors) = readme::check(group) {
            panic!(
                "these README examples do not compile with the [dev-dependencies] block and\n{}:\n{errors}",
                group.additions
            );
        }
    }
}
