//! What serving a connection (or one of its requests) returns: what becomes of the connection.

use std::future::Future;
use std::pin::Pin;

use crate::history::ConnectionEnd;

/// A boxed, sendable future: what a mode's serve function returns.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a mode, the fixture or the proxy returns.
pub(crate) type Served = Result<After, Stop>;

/// What becomes of the connection after a mode has served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// Wait for the next request, then serve it with the behavior current at that time.
    KeepAlive,
    /// Close gracefully (FIN).
    Close,
    /// Reset: close with SO_LINGER 0, so the client gets a TCP RST.
    Reset,
}

/// Why a mode stopped early: `?` on [`Conn`] operations produces these.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The connection ended (the client left, or I/O failed).
    Ended(ConnectionEnd),
    /// The request was answered on the mode's behalf (a 400 for a bad parameter or a malformed
    /// request); the connection continues as given.
    Handled(After),
}

impl From<ConnectionEnd> for Stop {
    fn from(end: ConnectionEnd) -> Self {
        Stop::Ended(end)
    }
}
