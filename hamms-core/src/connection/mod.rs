//! The connection layer: what modes, the fixture and the proxy are written against.
//!
//! Design note: until its client's first byte, a connection may be an [`Accepted`] (its socket
//! and identity only: what an idle connection costs); every byte in and out of an accepted
//! connection goes through [`Conn`], which
//! records it in the history, so the layers above never think about recording. `conn` holds
//! the connection; `reading`, `recording`, `writing` and `closing` are what it does, one concern
//! each; `overrides` reads a request's parameters; `lent_io` lends it to another protocol
//! engine; `stream` is its socket, plain or TLS. `Shared` is the state a server's connections
//! share with its handle, including its role's own state.

mod accepted;
mod closing;
mod conn;
mod lent_io;
mod overrides;
mod reading;
mod recording;
mod served;
mod shared;
mod stream;
mod writing;

pub(crate) use accepted::Accepted;
pub(crate) use closing::CLOSE_LINGER;
pub(crate) use conn::{Conn, end_from_io};
pub(crate) use overrides::{bad_parameter, refused_fixed};
pub(crate) use reading::Record;
pub(crate) use recording::log_access;
pub(crate) use served::{After, BoxFuture, Served, Stop};
pub(crate) use shared::{INITIAL_GENERATION, Role, Shared, Versioned, resolve_seed};
