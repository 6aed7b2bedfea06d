//! The hamms engine: servers that make HTTP and TCP clients fail on purpose.
//!
//! A [`FaultServer`] runs one mode of the [catalog](catalog()) (refused connections, hangs,
//! empty and malformed replies, slow drips, lying lengths, fat headers, flaky 5xx...) on its own
//! loopback port, on a runtime hamms owns. A test points its client at [`FaultServer::url`],
//! swaps behaviors with [`FaultServer::with_behavior`], and asserts on the recorded
//! [`History`]. The fixture ([`FaultServer::fixture`]) is the same handle serving answers the
//! test programs ([`Response`]), over HTTP/1.1 and HTTP/2, and failing on command; the chaos
//! proxy ([`FaultServer::proxy`]) relays to a real backend and degrades the traffic on command
//! ([`Behavior::proxy`]), also through the [`ControlServer`]'s JSON API. Most users
//! want the `hamms-test` crate, which re-exports this one with test macros; the `hamms` binary
//! (feature `cli`) serves the whole catalog on fixed ports.
//!
//! Features: `engine` (the servers; on by default, through `cli`) and `cli` (the `hamms`
//! binary's dependencies). Without them, hamms-core is the catalog's data only: names,
//! parameters and their validation, which is what the attribute macro reads at compile time.
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
//! - To start and drive servers: [`FaultServer`], [`ServerBuilder`], [`BehaviorGuard`],
//!   [`Behavior`], the fixture's [`Response`], and [`TestCa`] / [`ClientCert`] to trust their TLS.
//! - To assert on what happened: [`History`], [`Exchange`], [`Request`], [`Reply`],
//!   [`ConnectionRecord`], [`ConnectionEnd`], [`TlsInfo`], and the `http` types they hold
//!   ([`Method`], [`Version`], [`HeaderName`], [`HeaderValue`], [`Uri`]).
//! - To list what exists (tools, docs, the attribute macro): [`catalog`] and [`ModeSpec`],
//!   [`proxy_behaviors`], [`ParamSpec`], [`ParamKind`], [`Protocol`].
//! - To control servers from outside the test process: [`ControlServer`].
//! - When something is wrong: [`Error`] (with [`ParamOwner`] in its messages).
//!
//! # Layout
//! Layers from the bottom; each module imports only modules listed before it, so no two files
//! import each other, directly or around a loop (`tests/layers.rs` checks, with
//! `python3 hamms-core/tests/cycles.py hamms-core/src`).
//! 1. Utilities: `sync` (locking that survives a panic), `capped` (keeping the start of bytes).
//! 2. [`Error`] (`error`), whose messages name the valid choices from the data they carry.
//! 3. Data, compiled without the engine too: `params` ([`ParamSpec`] declarations, then `Params`
//!    values), `catalog` (the one table of modes, [`ModeSpec`]), `stages` (the proxy's table of
//!    behaviors and toxics, [`Protocol`]), `mix` (a proxy behavior: weighted stacks of stages),
//!    `behavior` ([`Behavior`]: a mode or a mix, validated).
//! 4. Wire formats: `http1/` (byte-exact request parsing, body framing, response writing).
//! 5. `history/`: what servers record ([`History`], [`Request`], [`ConnectionRecord`]).
//! 6. `tls/`: handshake profiles as data, and the test certificate authority ([`TestCa`]) that
//!    builds their configurations.
//! 7. State kept by a server's role: the fixture's plan (`fixture/plan`), the proxy's state
//!    (`proxy/state`).
//! 8. `connection/`: the connection layer modes are written against: `Conn` (recording I/O),
//!    `Shared` (the state a server's connections share, and its `Role`), what serving returns.
//! 9. What serves connections: `modes/` (one file per family, and `handlers` from the catalog's
//!    names to functions), `fixture/` (the programmable answers, [`Response`]; HTTP/1.1 on the
//!    engine, HTTP/2 through hyper), `proxy/` (the chaos proxy: `relay`, `shaper`, `tcp`, `http`).
//! 10. `server/`: [`FaultServer`] (`handle`), [`ServerBuilder`] (`builder`), the accept loop
//!     (`listener`), one connection's life and the dispatch to what serves it (`session`), hamms'
//!     runtime (`runtime`).
//! 11. `control/`: the control API ([`ControlServer`]), JSON over HTTP for any server.
//!
//! The `hamms` binary (`src/bin/hamms/`) is a client of this API: serving the catalog on fixed
//! ports, the proxy, `hamms ctl` (a typed client of the control API) and the catalog's tables.

#![cfg_attr(
    not(feature = "engine"),
    allow(
        dead_code,
        reason = "without the engine, only the data layer is built, for the attribute macro; the engine reads the rest of it"
    )
)]

mod behavior;
mod capped;
mod catalog;
#[cfg(feature = "engine")]
mod connection;
#[cfg(feature = "engine")]
mod control;
mod error;
#[cfg(feature = "engine")]
mod fixture;
#[cfg(feature = "engine")]
mod history;
#[cfg(feature = "engine")]
mod http1;
mod mix;
#[cfg(feature = "engine")]
mod modes;
mod params;
#[cfg(feature = "engine")]
mod proxy;
#[cfg(feature = "engine")]
mod server;
mod stages;
mod sync;
#[cfg(feature = "engine")]
mod tls;

pub use behavior::Behavior;
pub use catalog::{ModeSpec, catalog};
pub use error::{Error, ParamOwner};
pub use params::{ParamKind, ParamSpec};
pub use stages::{Protocol, proxy_behaviors};

#[cfg(feature = "engine")]
pub use control::ControlServer;
#[cfg(feature = "engine")]
pub use fixture::Response;
#[cfg(feature = "engine")]
pub use history::{ConnectionEnd, ConnectionRecord, Exchange, History, Reply, Request, TlsInfo};
#[cfg(feature = "engine")]
pub use server::{BehaviorGuard, FaultServer, ServerBuilder};
#[cfg(feature = "engine")]
pub use tls::{ClientCert, TestCa};

#[cfg(feature = "engine")]
pub use http::{HeaderName, HeaderValue, Method, Uri, Version};
