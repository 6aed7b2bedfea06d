//! The second tier: hamms against peer programs a machine may lack, each test as its users run
//! it. `redis_proxy` and `redis_live` put the chaos proxy in front of a real `redis-server`;
//! `toxiproxy_rust` drives the Toxiproxy API with the `toxiproxy_rust` crate (reqwest 0.11 with
//! native TLS: it links OpenSSL, so building it needs `libssl-dev` and `pkg-config`); `readme`
//! runs the README's Toxiproxy example and type-checks it with the dependencies the README
//! shows; `fetch` checks Node's column of the client matrix (`node`); `grpc` checks the gRPC
//! section's grpcio and grpc-js columns and a grpcio retry policy against
//! `grpc_retry_pushback`; `wiremock_python` drives the WireMock door with WireMock's Python
//! client; `wiremock_diff` replays admin calls against hamms and against WireMock 3.13.2 (when
//! Java runs here) and compares what they answer (the packages in `HAMMS_PEERS`, which `.ci/run`
//! installs).
//!
//! Built with the `peers` feature of this crate only (it brings the Toxiproxy client); without
//! it, one ignored test says how to run the tier, so `cargo test --workspace` shows the tier is
//! there and was not run. `.ci/run` installs what the tier needs and runs it:
//! `cargo test --workspace --features hamms-integration-tests/peers --test peers`.

#[cfg(feature = "peers")]
use std::time::Duration;

/// A read expecting bytes returns when they arrive; this only bounds a failure.
#[cfg(feature = "peers")]
const PATIENCE: Duration = Duration::from_secs(5);

#[cfg(feature = "peers")]
mod fetch;
#[cfg(feature = "peers")]
mod grpc;
#[cfg(feature = "peers")]
mod readme;
#[cfg(feature = "peers")]
mod redis_live;
#[cfg(feature = "peers")]
mod redis_proxy;
#[cfg(feature = "peers")]
mod toxiproxy_rust;
#[cfg(feature = "peers")]
mod wiremock_diff;
#[cfg(feature = "peers")]
mod wiremock_python;

#[cfg(not(feature = "peers"))]
#[test]
#[ignore = "the second tier needs redis-server, node, grpcio, grpc-js and OpenSSL (libssl-dev, pkg-config): \
            `cargo test --workspace --features hamms-integration-tests/peers --test peers` (.ci/run runs it)"]
fn the_second_tier_runs_with_the_peers_feature() {
    panic!(
        "built without the `peers` feature: run `cargo test --workspace \
         --features hamms-integration-tests/peers --test peers`"
    );
}
