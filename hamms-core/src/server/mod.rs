//! Servers: the handle a test holds and what runs behind it.
//!
//! Design note: a [`FaultServer`] is a thin handle over the connection layer's `Shared` state. Its
//! accept loop (`listener`) and one task per connection (`session`) run on hamms' own runtime
//! (`runtime`), all tracked so that dropping the handle can cancel them and wait until every
//! socket is closed. The behavior lives in a `watch` channel: connections read it at each request,
//! the accept loop follows it between listening and refusing. `builder` configures and starts a
//! server, fixing its role (mode, fixture or proxy).

#[cfg(feature = "wiremock")]
pub(crate) mod admin;
mod builder;
mod handle;
mod listener;
#[cfg(feature = "wiremock")]
mod mappings;
mod runtime;
mod session;
mod stubs;

pub use builder::ServerBuilder;
pub use handle::{BehaviorGuard, FaultServer};
#[cfg(feature = "control")]
pub(crate) use runtime::{block_on, handle as runtime_handle, stop_and_wait};
pub use stubs::StubGuard;
