//! Make HTTP and TCP clients fail on purpose in `cargo test`.
//!
//! This is the crate tests depend on. Put [`with_fault_server`] above a test to get a started
//! server (a failure mode of the [`catalog`], the fixture, or a chaos proxy) injected, stopped
//! when the test ends; assert on what it recorded with [`assert_history!`] and friends:
//!
//! ```
//! use hamms_test::prelude::*;
//!
//! #[with_fault_server(port = "status", status = 503)]
//! fn my_client_reports_the_outage(url: String) {
//!     // point a blocking client at `url`, expect its error for a 503
//! #   let _ = url;
//! }
//! ```
//!
//! Without the attribute, [`FaultServer`] starts the same servers by hand:
//! `FaultServer::builder("slow_drip").param("interval_ms", 20).start()?`,
//! [`FaultServer::fixture`] (answers the test programs with [`Response`], or with [`Stub`]s that
//! match requests and answer each route with a response or any fault, see [`matchers`]) and
//! [`FaultServer::proxy`] (a chaos proxy in front of a real backend, [`Behavior::proxy`]).
//!
//! With the `wiremock` feature, the fixture also serves WireMock's mapping files
//! (`ServerBuilder::mappings`) and admin API (`ServerBuilder::wiremock_admin`).
//!
//! What a given client reports for each mode (curl's exit code, urllib's exception, reqwest's
//! error predicates, ureq's and hyper's errors, Node's fetch) is in [`what_clients_see`].
//!
//! # Layout
//! - the attribute, [`with_fault_server`], comes from `hamms-macros` (an implementation detail);
//! - `assertions`: the assertion macros over a server's history (HTTP requests, gRPC calls);
//! - [`prelude`]: what a test file imports;
//! - [`what_clients_see`]: the client matrix (`CLIENTS.md`), documentation only;
//! - everything else is `hamms-core`'s API, re-exported: the everyday types at the root, and
//!   its [`catalog`], [`http`] and [`matchers`] modules, and `control` with the `control`
//!   feature (the control API; off by default, so a test crate does not compile it); TLS (the
//!   TLS modes, `TestCa`, `ClientCert`) is the `tls` feature, on by default: a crate that tests
//!   no TLS can set `default-features = false` and skip the TLS stack in its build.

#[doc(hidden)]
pub mod __private;
mod assertions;

#[doc = include_str!("../CLIENTS.md")]
pub mod what_clients_see {}

pub use hamms_core::{
    Answer, AnswerTimes, Behavior, BehaviorGuard, ConnectionEnd, ConnectionRecord, Delay, Error,
    Exchange, FaultServer, GrpcCall, GrpcCode, GrpcMessage, GrpcStatus, History, Matched, Protocol,
    Reply, Request, Response, ServerBuilder, ServerKind, StreamEnd, StreamRecord, Stub, StubGuard,
    StubId, Times, TlsInfo, catalog, http, matchers,
};
/// The test certificate authority, and client certificates it signs: with the `tls` feature
/// (on by default).
#[cfg(feature = "tls")]
pub use hamms_core::{ClientCert, TestCa};

/// The control API (JSON over HTTP for Vaurien's, Toxiproxy's and hamms' own clients), with the
/// `control` feature: `hamms-test = { version = "0.1", features = ["control"] }`.
#[cfg(feature = "control")]
pub use hamms_core::control;

/// Starts a hamms server for a test, injects it into the test's first parameter, and stops it
/// when the test ends: passed, failed, returned `Err` or panicked.
///
/// Forms:
/// - `#[with_fault_server(port = "slow_drip")]`, with mode parameters
///   (`#[with_fault_server(port = "status", status = 503)]`), `tls = true` and `seed = 7`;
/// - `#[with_fault_server(fixture)]` and `#[with_fault_server(fixture, tls)]`, and with the
///   `wiremock` feature `#[with_fault_server(fixture, mappings = "tests/stubs")]`: WireMock's
///   mapping files (a directory with `mappings/` and `__files/`, or one file, relative to the
///   crate) loaded as stubs; a malformed file is a compile error naming the file and the field,
///   and editing one rebuilds the test;
/// - `#[with_fault_server(proxy = "127.0.0.1:6379", behavior = "delay", sleep = 0.1)]`, where the
///   address is a literal or any expression that displays as `host:port`, with `protocol = "http"`
///   and the behavior's options.
///
/// The parameter is the handle (`server: FaultServer`) or only its URL (`url: String` or
/// `url: http::Uri`); with a URL the server still lives until the test ends. Stacked
/// attributes inject several servers into the first parameters, in order.
///
/// Put it above `#[tokio::test]` (any flavor), or below it: the servers start before the test's
/// runtime either way. On an `async fn` without a test attribute it adds `#[tokio::test]`; on a
/// plain `fn` it adds `#[test]` (servers run on hamms' own threads, so a blocking client works
/// there).
///
/// Modes, parameters and their types are checked at compile time against the catalog:
///
/// ```compile_fail
/// use hamms_test::prelude::*;
///
/// #[with_fault_server(port = "slow_drp")] // unknown mode `slow_drp` (did you mean `slow_drip`?)
/// fn typo(server: FaultServer) {}
/// ```
///
/// ```compile_fail
/// use hamms_test::prelude::*;
///
/// #[with_fault_server(port = "slow_drip", interval_ms = "fast")] // `interval_ms` takes an integer
/// fn wrong_type(server: FaultServer) {}
/// ```
///
/// ```compile_fail
/// use hamms_test::prelude::*;
///
/// #[with_fault_server(fixture)] // add a parameter to receive the server
/// fn nowhere_to_put_it() {}
/// ```
pub use hamms_macros::with_fault_server;

/// What a test file imports: `use hamms_test::prelude::*;`. Besides the attribute, the
/// assertion macros and the types tests build (`FaultServer`, `Behavior`, `Response`,
/// `GrpcCode`, `Stub`, `Answer`, `Delay`; the matchers stay in [`matchers`], imported by name),
/// the types an assertion on the [`History`] names: a request (`Request`, `Method`,
/// `Version`), what the server did (`Reply`, `StreamEnd`, `Http2ErrorCode`, `GrpcStatus`) and
/// how a connection ended (`ConnectionRecord`, `ConnectionEnd`).
pub mod prelude {
    pub use std::time::Duration;

    pub use crate::http::{Http2ErrorCode, Method, Version};
    pub use crate::{
        Answer, Behavior, ConnectionEnd, ConnectionRecord, Delay, Exchange, FaultServer, GrpcCode,
        GrpcStatus, History, Protocol, Reply, Request, Response, StreamEnd, Stub, assert_backoff,
        assert_grpc_calls, assert_history, assert_no_requests, assert_requests, with_fault_server,
    };
}
