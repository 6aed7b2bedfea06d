//! Servers: the handle a test holds and the engine behind it.
//!
//! Design note: a [`FaultServer`] is a thin handle over `Shared` state. Its accept loop
//! (`listener`) and one task per connection (`connection`) run on hamms' own runtime (`runtime`),
//! all tracked so that dropping the handle can cancel them and wait until every socket is closed.
//! The behavior lives in a `watch` channel: connections read it at each request, the accept loop
//! follows it between listening and refusing.

mod connection;
mod handle;
mod lent_io;
mod listener;
mod runtime;
mod shared;
mod stream;

pub(crate) use connection::{
    After, BoxFuture, Conn, ServeFn, Served, Stop, end_from_io, log_access,
};
pub use handle::{BehaviorGuard, FaultServer, ServerBuilder};
pub(crate) use listener::Disposition;
pub(crate) use runtime::{handle as runtime_handle, stop_and_wait};
#[cfg(feature = "cli")]
pub(crate) use shared::resolve_seed;
pub(crate) use shared::{Shared, lock};
