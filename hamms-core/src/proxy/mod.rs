//! The chaos proxy: relays a client to a backend, passing traffic through or degrading it.
//!
//! Design note: a proxy is a server like any other (same handle, history, behavior switching);
//! its behavior is a [`Mix`](crate::mix::Mix): weighted choices of stacked stages from one table
//! (`stages`, Vaurien's behaviors and Toxiproxy's toxics), and its role's state (`state`) keeps
//! the backend, the shared bandwidth clock and the call count. Each connection (tcp) or request
//! (http) draws its stages from the server's seeded sequence (`relay`). Byte-level toxics live in
//! a `Shaper` per direction; `tcp` pumps both directions at once (relaying half-closes), `http`
//! parses each request with the engine's parser and each response with httparse, so behaviors
//! apply per request on keep-alive connections.

mod http;
mod relay;
mod shaper;
mod stack;
mod state;
mod tcp;

pub(crate) use relay::serve;
pub(crate) use state::{Backend, ProxyState};
