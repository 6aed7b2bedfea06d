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
//! # Layout
//! - `catalog`: the one table of modes (name, Hamms port offset, summary, parameters);
//! - `params`: parameter kinds, bounds and parsing, shared by builder, query string and CLI;
//! - `behavior`: [`Behavior`], a validated mode with parameters, swappable at run time;
//! - `server/`: [`FaultServer`] (`handle`), the accept loop (`listener`), one task per
//!   connection with recording I/O (`connection`), hamms' runtime (`runtime`);
//! - `modes/`: the behavior of each mode, one file per family;
//! - `proxy/`: the chaos proxy: its behaviors and toxics (`stages`), mixes (`relay`), the
//!   byte shaping of toxics (`shaper`), and the `tcp` and `http` relays;
//! - `fixture/`: the fixture, whose answers a test programs ([`Response`]; HTTP/1.1 on the
//!   engine, HTTP/2 through hyper);
//! - `http1/`: byte-exact HTTP/1.x request parsing and response writing;
//! - `history/`: what servers record ([`History`], [`Request`], [`ConnectionRecord`]);
//! - `tls/`: the test certificate authority ([`TestCa`]) and the TLS modes' handshake profiles;
//! - `control/`: the control API ([`ControlServer`]), JSON over HTTP for any server, and `ctl`
//!   its client for `hamms ctl`;
//! - `serve`: the whole catalog on fixed ports, and `table`: the catalog as text, both for the
//!   `hamms` binary (feature `cli`, on by default; hamms-test turns it off);
//! - `error`: [`Error`], whose messages name the valid choices.

mod behavior;
mod catalog;
mod control;
#[cfg(feature = "cli")]
mod ctl;
mod error;
mod fixture;
mod history;
mod http1;
mod modes;
mod params;
mod proxy;
#[cfg(feature = "cli")]
mod serve;
mod server;
#[cfg(feature = "cli")]
mod table;
mod tls;

pub use behavior::Behavior;
pub use catalog::{ModeSpec, catalog};
pub use control::ControlServer;
#[cfg(feature = "cli")]
pub use ctl::ControlClient;
pub use error::Error;
pub use fixture::Response;
pub use history::{ConnectionEnd, ConnectionRecord, Exchange, History, Reply, Request, TlsInfo};
pub use params::{ParamKind, ParamSpec};
pub use proxy::Protocol;
#[cfg(feature = "cli")]
pub use serve::{CatalogServers, DEFAULT_BASE_PORT, ServeOptions};
pub use server::{BehaviorGuard, FaultServer, ServerBuilder};
#[cfg(feature = "cli")]
pub use table::{catalog_markdown, catalog_table};
pub use tls::{ClientCert, TestCa};

/// The `http` crate's types that appear in this API.
pub use http::{HeaderName, HeaderValue, Method, Uri, Version};
