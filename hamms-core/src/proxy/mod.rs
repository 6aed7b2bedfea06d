//! The chaos proxy: relays a client to a backend, passing traffic through or degrading it.
//!
//! Design note: a proxy is a server like any other (same handle, history, behavior switching);
//! its behavior is a [`Relay`]: weighted choices of stacked stages from one table (`stages`,
//! Vaurien's behaviors and Toxiproxy's toxics). Each connection (tcp) or request (http) draws its
//! stages from the server's seeded sequence. Byte-level toxics live in a [`Shaper`] per
//! direction; `tcp` pumps both directions at once (relaying half-closes), `http` parses each
//! request with the engine's parser and each response with httparse, so behaviors apply per
//! request on keep-alive connections.

mod http;
mod relay;
mod shaper;
mod stages;
mod tcp;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

pub(crate) use relay::Relay;
pub(crate) use shaper::SharedClock;
pub(crate) use stages::{names as stage_names, stage as stage_spec};

use crate::params::Params;
use crate::server::{After, Conn, Served, Stop};

/// What a proxy understands of the traffic it relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Protocol {
    /// Bytes, both ways: behaviors apply per connection. The default.
    #[default]
    Tcp,
    /// HTTP/1.x requests and responses: behaviors apply per request, `error` answers a 5xx.
    Http,
}

impl FromStr for Protocol {
    type Err = crate::Error;

    fn from_str(name: &str) -> Result<Protocol, crate::Error> {
        match name {
            "tcp" => Ok(Protocol::Tcp),
            "http" => Ok(Protocol::Http),
            other => Err(crate::Error::UnknownProtocol {
                name: other.to_owned(),
            }),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Http => "http",
        })
    }
}

/// Where a proxy relays to, and how.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    pub(crate) addr: String,
    pub(crate) protocol: Protocol,
}

/// Serves a connection (tcp) or its next request (http) with `relay`.
pub(crate) async fn serve(conn: &mut Conn, relay: &Relay) -> Served {
    let Some(backend) = conn.shared().backend.clone() else {
        tracing::warn!("a proxy behavior on a server started without a backend: closing");
        return Ok(After::Close);
    };
    let stack = conn.shared().random(None, |rng| relay.pick(rng));
    if has(&stack, "blackout") {
        return Ok(After::Reset);
    }
    if has(&stack, "hang") {
        return Err(Stop::Ended(conn.hold().await));
    }
    // The connection-level toxics: a reset or a close at a set time (from the connection's
    // start for tcp, from the request's for http).
    let reset_after = timer(&stack, "reset_peer");
    if reset_after == Some(Duration::ZERO) {
        return Ok(After::Reset);
    }
    let close_after = timer(&stack, "timeout").filter(|t| !t.is_zero());
    let relayed = async {
        match backend.protocol {
            Protocol::Tcp => tcp::serve(conn, relay, &stack, &backend.addr).await,
            Protocol::Http => http::serve(conn, relay, &stack, &backend.addr).await,
        }
    };
    let served = tokio::select! {
        biased;
        () = sleep_if(reset_after) => Ok(After::Reset),
        () = sleep_if(close_after) => Ok(After::Close),
        served = relayed => served,
    };
    if backend.protocol == Protocol::Http && matches!(served, Ok(After::Close)) {
        // tcp passes each FIN on late in its pumps; http closes here.
        // The close the client sees is downstream, as a tcp relay's would be.
        let slow = stack
            .iter()
            .filter(|s| s.mode().name() == "slow_close" && s.text("direction") == "downstream")
            .map(|s| s.duration("delay"))
            .max();
        if let Some(delay) = slow {
            tokio::time::sleep(delay).await;
        }
    }
    served
}

/// Sleeps for `after`, or forever.
async fn sleep_if(after: Option<Duration>) {
    match after {
        Some(after) => tokio::time::sleep(after).await,
        None => std::future::pending().await,
    }
}

/// The stage `name` among the drawn stages, if any.
fn stage<'a>(stack: &'a [Params], name: &str) -> Option<&'a Params> {
    stack.iter().find(|s| s.mode().name() == name)
}

fn has(stack: &[Params], name: &str) -> bool {
    stage(stack, name).is_some()
}

/// What Vaurien's per-call behaviors make of one call (a client's read for tcp, a request for
/// http).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    /// Relay it.
    Pass,
    /// Answer an error instead (`error` past its warmup, `transient` while agitated).
    Fail,
}

impl Call {
    /// Counts one call of `relay` and decides it.
    fn decide(relay: &Relay, stack: &[Params]) -> Call {
        let seen = relay.count_call();
        let agitated = stage(stack, "transient").is_some_and(|s| seen < s.int("agitate"));
        let erring =
            stage(stack, "error").is_some_and(|s| !s.flag("inject") && seen >= s.int("warmup"));
        if agitated || erring {
            Call::Fail
        } else {
            Call::Pass
        }
    }
}

/// The shortest `timeout` of the `name` stages drawn, if any: when a connection-level toxic acts.
fn timer(stack: &[Params], name: &str) -> Option<Duration> {
    stack
        .iter()
        .filter(|s| s.mode().name() == name)
        .map(|s| s.duration("timeout"))
        .min()
}
