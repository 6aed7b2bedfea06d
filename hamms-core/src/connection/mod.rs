//! The connection layer: what modes, the fixture and the proxy are written against.
//!
//! Design note: every byte in and out of an accepted connection goes through [`Conn`], which
//! records it in the history, so the layers above never think about recording. `Shared` is the
//! state a server's connections share with its handle, including its role's own state.

mod conn;
mod lent_io;
mod overrides;
mod served;
mod shared;
mod stream;

pub(crate) use conn::{CLOSE_LINGER, Conn, bad_parameter, end_from_io, log_access};
pub(crate) use overrides::refused_fixed;
pub(crate) use served::{After, BoxFuture, Served, Stop};
pub(crate) use shared::{INITIAL_GENERATION, Role, Shared, Versioned, resolve_seed};
