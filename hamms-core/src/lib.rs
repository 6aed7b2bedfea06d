//! The hamms engine: servers that make HTTP and TCP clients fail on purpose.
//!
//! A [`FaultServer`] runs one mode of the [catalog](catalog::modes) (refused connections, hangs,
//! empty and malformed replies, slow drips, lying lengths, fat headers, flaky 5xx...) on its own
//! loopback port, on a runtime hamms owns. A test points its client at [`FaultServer::url`],
//! swaps behaviors with [`FaultServer::with_behavior`], and asserts on the recorded
//! [`History`]. The fixture ([`FaultServer::fixture`]) is the same handle serving answers the
//! test programs ([`Response`]), over HTTP/1.1 and HTTP/2, and failing on command; stubs
//! ([`Stub`], [`FaultServer::mount`]) match requests and answer each route with a response or
//! any catalog fault, with expectations checked when the server drops; the chaos
//! proxy ([`FaultServer::proxy`]) relays to a real backend and degrades the traffic on command
//! ([`Behavior::proxy`]), also through the [`ControlServer`](control::ControlServer)'s JSON API, which speaks Vaurien's
//! and Toxiproxy's APIs too (Toxiproxy's clients create proxies and toxics with it). Most users
//! want the `hamms-test` crate, which re-exports this one with test macros; the `hamms` binary
//! (feature `cli`) serves the whole catalog on fixed ports. The `wiremock` feature adds
//! WireMock's mapping files and admin API over the stubs.
//!
//! The tables (modes, proxy behaviors, parameters) and [`Behavior`] come from `hamms-catalog`, a
//! data-only crate this one re-exports, which the attribute macro reads at compile time without
//! building the engine. The `cli` feature (on by default) adds the `hamms` binary's dependencies.
//!
//! ```
//! use std::time::Duration;
//! use hamms_core::{Behavior, FaultServer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = FaultServer::builder("slow_drip").param("interval_ms", 20).seed(7).start()?;
//! // ... point a client at server.url("/") and watch it time out ...
//! # use std::io::Write;
//! # std::net::TcpStream::connect(server.addr())?.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")?;
//! let history = server.wait_for_requests_blocking(1, Duration::from_secs(5))?;
//! assert_eq!(history.last().unwrap().request.path, "/");
//!
//! server.with_behavior_blocking(Behavior::mode("refused")?, || {
//!     assert!(std::net::TcpStream::connect(server.addr()).is_err());
//! });
//! # Ok(()) }
//! ```
//!
//! # What is public, and what for
//! - At the root, what a test uses every day: to start and drive servers, [`FaultServer`],
//!   [`ServerBuilder`], [`BehaviorGuard`], [`Behavior`], [`Protocol`], the fixture's
//!   [`Response`] (and its [`Delay`]), and [`TestCa`] / [`ClientCert`] to trust their TLS (the
//!   `tls` feature); to
//!   stand in for an API, [`Stub`], its [`Answer`] ([`AnswerTimes`], [`Matched`]), [`Times`],
//!   [`StubGuard`] and [`StubId`]; to assert on what
//!   happened, [`History`], [`Exchange`], [`Request`], [`Reply`], [`ConnectionRecord`],
//!   [`ConnectionEnd`], [`TlsInfo`], the HTTP/2 modes' [`StreamRecord`] and [`StreamEnd`], and
//!   gRPC calls ([`GrpcCall`], [`GrpcMessage`], [`GrpcStatus`], [`GrpcCode`]);
//!   when something is wrong, [`Error`] (with [`ServerKind`] in its role mismatches).
//! - [`matchers`]: what a stub matches, one type per kind of condition, in wiremock-rs's style.
//! - [`http`]: the `http` crate's types the history holds ([`http::Method`], [`http::Version`],
//!   [`http::HeaderName`], [`http::HeaderValue`], [`http::Uri`]) and [`http::Http2ErrorCode`].
//! - [`catalog`]: what exists, for tools, docs and the attribute macro: the modes
//!   ([`catalog::modes`], [`catalog::ModeSpec`]), the proxy's behaviors
//!   ([`catalog::proxy_behaviors`]), their parameters ([`catalog::ParamSpec`],
//!   [`catalog::ParamKind`]), and what the tables refuse ([`catalog::Invalid`]).
//! - [`control`]: the control API that drives servers from outside the test process (hamms'
//!   routes, Vaurien's, Toxiproxy's, `GET /metrics`): [`control::ControlServer`], its builder,
//!   and [`control::Presets`] for the options of behaviors it sets later. With the `control`
//!   feature (on with `cli`, the default; hamms-test leaves it to its users to ask for).
//!
//! # Layout
//! Layers from the bottom; each module imports only modules listed before it, so no two files
//! import each other, directly or around a loop (`tests/layers.rs` checks).
//! 0. The tables, from `hamms-catalog`: [`Behavior`], the [`catalog`]'s entries, and `engine`,
//!    the typed view of a behavior the engine serves (a mode's typed parameters, a proxy's
//!    typed stages).
//! 1. Utilities: `error` ([`Error`]), `sync` (locking that survives a panic), `capped`
//!    (keeping the start of bytes).
//! 2. Wire formats: `http1/` (byte-exact request parsing, body framing, response writing, and
//!    the small client a stub forwards with),
//!    `http2/` (frame headers, the few frames written by hand, a scanner that follows frames as
//!    they pass, [`http::Http2ErrorCode`]), `grpc/` (length-prefixed messages, gRPC's
//!    metadata, and what a gRPC mode answers a call, as data both HTTP/2 servers send).
//! 3. `history/`: what servers record ([`History`], [`Request`], [`ConnectionRecord`]),
//!    bounded in entries and bytes, what a connection gathers between two records (`journal`),
//!    and their running totals (`meter`, for `GET /metrics`).
//! 4. `tls/`: handshake profiles as data, and the test certificate authority ([`TestCa`]) that
//!    builds their configurations.
//! 5. State kept by a server's role: the fixture's plan (`fixture/plan`, with its responses,
//!    `fixture/response` and `fixture/delay`, and its standing answer as it goes on the wire,
//!    `fixture/wire`), the proxy's state (`proxy/state`), and the
//!    stubs the fixture and the `http` proxy consult (`stub/`: the [`matchers`], answers, the
//!    registry that picks one per request, scenarios, what they report, header faults; and
//!    `stub/wiremock/`, feature `wiremock`: a WireMock mapping as a stub, its templates, its
//!    journal's JSON).
//! 6. `connection/`: the connection layer modes are written against: `Conn` (recording I/O),
//!    `Accepted` (a connection before its client's first byte), `Shared` (the state a server's
//!    connections share, and its `Role`), what serving returns.
//! 7. What serves connections: `modes/` (one file per family, `http2/` for the HTTP/2 block on
//!    the `h2` crate and `grpc/` for the gRPC block on the same engine, and `handlers` from the
//!    typed modes to functions), `fixture/` (the programmable answers, [`Response`], gRPC's
//!    among them; HTTP/1.1 on the engine, HTTP/2 through hyper; the stubs' answers carried out,
//!    `fixture/stubbed`, for the proxy too),
//!    `proxy/` (the chaos proxy: links whose directions follow behavior changes, `pipeline` of
//!    toxics, the `tcp` and `http` relays).
//! 8. `server/`: [`FaultServer`] (`handle`; its stubs, `stubs`; WireMock's mapping files,
//!    `mappings`, and admin API, `admin/`), [`ServerBuilder`] (`builder`), the accept loop
//!    (`listener`), one connection's life and the dispatch to what serves it (`session`), hamms'
//!    runtime (`runtime`).
//! 9. `control/`: the control API ([`control::ControlServer`]), JSON over HTTP for any server: a registry
//!    of servers (given, or proxies it creates and owns), Vaurien's routes, `/servers`,
//!    Toxiproxy's v2 API (`toxiproxy/`, named toxics stacked into a proxy's behavior), `/metrics`,
//!    and WireMock's `/__admin/` for its first fixture.
//!
//! The `hamms` binary (`src/bin/hamms/`) is a client of this API: serving the catalog on fixed
//! ports, the proxy, `hamms toxiproxy` (in place of `toxiproxy-server`), `hamms wiremock` (in
//! place of WireMock's standalone jar), `hamms ctl` (a typed
//! client of the control API) and the catalog's tables.

// The typed view of behaviors the engine serves (modes, proxy stages), from the tables' crate.
use hamms_catalog::engine;

mod capped;
// How property tests run (a fixed, printed seed): one file for both crates, kept with the
// lower one.
#[cfg(test)]
#[path = "../catalog/src/check.rs"]
mod check;
mod connection;
#[cfg(feature = "control")]
pub mod control;
mod error;
mod fixture;
mod grpc;
mod history;
mod http1;
mod http2;
mod modes;
mod proxy;
mod server;
mod stub;
mod sync;
mod tls;

pub use error::{Error, ServerKind};
pub use fixture::{Delay, Response};
pub use hamms_catalog::GrpcCode;
pub use hamms_catalog::{Behavior, Protocol};
pub use history::{
    ConnectionEnd, ConnectionRecord, Exchange, GrpcCall, GrpcMessage, GrpcStatus, History, Reply,
    Request, StreamEnd, StreamRecord, StubId, TlsInfo,
};
pub use server::{BehaviorGuard, FaultServer, ServerBuilder, StubGuard};
pub use stub::{Answer, AnswerTimes, Matched, Stub, Times, matchers};
#[cfg(feature = "tls")]
pub use tls::{ClientCert, TestCa};

/// What exists: the catalog of modes and the chaos proxy's behaviors, with their parameters, as
/// tools, docs and the attribute macro read them; and [`Invalid`](catalog::Invalid), what the
/// tables refuse.
///
/// ```
/// use hamms_core::catalog::{self, ParamKind};
/// let drip = catalog::ModeSpec::named("slow_drip")?;
/// assert_eq!(drip.offset(), 6);
/// assert!(matches!(drip.params()[0].kind(), ParamKind::Millis { .. }));
/// assert!(catalog::proxy_behaviors().iter().any(|b| b.name() == "latency"));
/// # Ok::<(), catalog::Invalid>(())
/// ```
pub mod catalog {
    pub use hamms_catalog::{
        Invalid, ModeSpec, ParamKind, ParamOwner, ParamSpec, modes, proxy_behaviors,
    };
}

/// The `http` crate's types that appear in the history, and the HTTP/2 error codes the HTTP/2
/// modes record.
pub mod http {
    pub use crate::http2::Http2ErrorCode;
    pub use ::http::{HeaderName, HeaderValue, Method, Uri, Version};
}
