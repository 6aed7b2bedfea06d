//! What the code `#[with_fault_server]` generates calls. Not a public API.

use std::fmt;

use hamms_core::http::Uri;
use hamms_core::{Behavior, FaultServer, Protocol, ServerBuilder};
pub use tokio;

pub use crate::assertions::{check_backoff, check_count, check_grpc_calls, check_history};

/// Starts the catalog mode `name` with `params` (checked at compile time).
#[track_caller]
pub fn start_mode(name: &str, params: &[(&str, &str)], seed: Option<u64>) -> FaultServer {
    let mut builder = FaultServer::builder(name);
    for (key, value) in params {
        builder = builder.param(key, value);
    }
    start(builder, seed, &format!("`{name}`"))
}

/// Starts `builder` with `seed`; a test cannot go on without its server, so failing is a panic
/// that says which server and why (a taken address, a bad `HAMMS_SEED`).
#[track_caller]
fn start(builder: ServerBuilder, seed: Option<u64>, what: &str) -> FaultServer {
    let builder = match seed {
        Some(seed) => builder.seed(seed),
        None => builder,
    };
    builder
        .start()
        .unwrap_or_else(|e| panic!("hamms could not start {what}: {e}"))
}

/// Starts the fixture.
#[track_caller]
pub fn start_fixture(tls: bool, seed: Option<u64>) -> FaultServer {
    let builder = FaultServer::fixture();
    let builder = if tls { builder.tls() } else { builder };
    start(builder, seed, "the fixture")
}

/// Starts the fixture with the WireMock mappings at `path` (checked at compile time).
#[cfg(feature = "wiremock")]
#[track_caller]
pub fn start_fixture_with_mappings(tls: bool, path: &str, seed: Option<u64>) -> FaultServer {
    let builder = FaultServer::fixture().mappings(path);
    let builder = if tls { builder.tls() } else { builder };
    start(
        builder,
        seed,
        &format!("the fixture with the mappings of {path}"),
    )
}

/// Starts a chaos proxy in front of `backend`.
#[track_caller]
pub fn start_proxy(
    backend: &dyn fmt::Display,
    behavior: &str,
    protocol: &str,
    options: &[(&str, &str)],
    seed: Option<u64>,
) -> FaultServer {
    let backend = backend.to_string();
    let protocol: Protocol = protocol.parse().unwrap_or_else(|e| panic!("hamms: {e}"));
    let builder = FaultServer::proxy(&backend).protocol(protocol);
    let server = start(builder, seed, &format!("a proxy to {backend}"));
    let mut configured = Behavior::proxy(behavior).unwrap_or_else(|e| panic!("hamms: {e}"));
    for (key, value) in options {
        configured = configured
            .param(key, value)
            .unwrap_or_else(|e| panic!("hamms: {e}"));
    }
    server.set_behavior(configured);
    server
}

/// The servers `#[with_fault_server]` starts at the top of a test's body, in the order of the
/// attributes: the macro emits its `let`s inside one invocation of this, which a stacked
/// attribute recognises by its path and adds its own to. It expands to the statements it holds,
/// whose bindings the body sees as the test's parameters.
#[doc(hidden)]
#[macro_export]
macro_rules! __hamms_servers {
    ($($statements:tt)*) => { $($statements)* };
}

pub use crate::__hamms_servers as servers;

/// What an injected parameter other than the handle is built from.
pub trait Inject {
    /// Built from the running server.
    fn inject(server: &FaultServer) -> Self;
}

impl Inject for String {
    fn inject(server: &FaultServer) -> Self {
        server.url("/")
    }
}

impl Inject for Uri {
    fn inject(server: &FaultServer) -> Self {
        server
            .url("/")
            .parse()
            .expect("a server's URL is a valid URI")
    }
}
