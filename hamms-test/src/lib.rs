//! Make HTTP and TCP clients fail on purpose in `cargo test`.
//!
//! This is the crate tests depend on. A [`FaultServer`] runs one failure mode of the
//! [`catalog`] on its own loopback port, on threads hamms owns; point a client at
//! [`FaultServer::url`], swap behaviors with [`FaultServer::with_behavior`], and assert on the
//! recorded [`History`]:
//!
//! ```
//! use hamms_test::FaultServer;
//!
//! let server = FaultServer::builder("status").param("status", 503).start()?;
//! // point a client at server.url("/"), then assert on server.history()
//! # Ok::<(), hamms_test::Error>(())
//! ```
//!
//! [`FaultServer::fixture`] starts a server whose answers the test programs ([`Response`]), and
//! [`FaultServer::proxy`] a chaos proxy in front of a real backend ([`Behavior::proxy`]).
//!
//! The attribute macro and assertion macros will live here too (`hamms-macros` is their
//! implementation detail).

pub use hamms_core::{
    Behavior, BehaviorGuard, ClientCert, ConnectionEnd, ConnectionRecord, ControlServer, Error,
    Exchange, FaultServer, HeaderName, HeaderValue, History, Method, ModeSpec, ParamKind,
    ParamSpec, Protocol, Reply, Request, Response, ServerBuilder, TestCa, TlsInfo, Version,
    catalog,
};
