//! The chaos proxy: relays a client to a backend, passing traffic through or degrading it.
//!
//! Design note: a proxy is a server like any other (same handle, history, behavior switching); its
//! behavior is a mix of stages from the proxy's table (Vaurien's behaviors and Toxiproxy's toxics,
//! typed as `Stage`), and its role's state (`state`) keeps the backend, the shared bandwidth clock
//! and the call count. A behavior change reaches open connections: a `tcp` connection is a `Link`
//! whose two directions (`pump`, two futures of the connection's task) follow the behavior at every
//! read, drawing their stages anew (`roll`) and keeping the state of toxics that stay (`pipeline`);
//! Vaurien's behaviors decide each call as it comes (`calls`). The `http` protocol (`http`) parses
//! each request with the engine's parser and each response with httparse, and meets the behavior in
//! force at each request. On Linux, a direction whose bytes nothing acts on is spliced
//! (`splice`): the kernel moves them from socket to socket.

mod bell;
mod calls;
mod http;
mod link;
mod pipeline;
mod pump;
mod relay;
mod roll;
#[cfg(target_os = "linux")]
mod splice;
mod state;
mod tcp;

pub(crate) use relay::serve;
pub(crate) use state::{Backend, ProxyState};
