//! What a chaos proxy keeps for its whole life, across behavior changes: where it relays, the
//! clock of its shared bandwidth, and the calls its counted behaviors count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use crate::stages::Protocol;

/// Where a proxy relays to, and how.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    pub(crate) addr: String,
    pub(crate) protocol: Protocol,
}

/// When the proxy-wide bandwidth next has room: shared by every connection of one proxy.
pub(crate) type SharedClock = Arc<Mutex<Option<Instant>>>;

/// A proxy's own state: its role's part of the server state.
#[derive(Debug)]
pub(crate) struct ProxyState {
    pub(crate) backend: Backend,
    /// The clock of `bandwidth` toxics with `shared=true`.
    pub(crate) bandwidth_clock: SharedClock,
    /// Calls seen since the behavior was last set: `transient` and `error`'s `warmup` count
    /// them, and each behavior set (a restore included) starts from zero.
    calls: AtomicU64,
}

impl ProxyState {
    pub(crate) fn new(backend: Backend) -> ProxyState {
        ProxyState {
            backend,
            bandwidth_clock: SharedClock::default(),
            calls: AtomicU64::new(0),
        }
    }

    /// Counts one call and returns how many came before it.
    pub(crate) fn count_call(&self) -> u64 {
        self.calls.fetch_add(1, Ordering::Relaxed)
    }

    /// How many calls were counted since the behavior was set.
    pub(crate) fn calls_seen(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// A behavior was set: its counted calls start over.
    pub(crate) fn count_afresh(&self) {
        self.calls.store(0, Ordering::Relaxed);
    }
}
