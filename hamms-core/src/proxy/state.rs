//! What a chaos proxy keeps for its whole life, across behavior changes: where it relays (which
//! can change too), the clock of its shared bandwidth, and the calls its counted behaviors count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use crate::Protocol;
use crate::error::Error;
use crate::sync::lock;

/// Where a proxy relays to, and how.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    pub(crate) addr: String,
    pub(crate) protocol: Protocol,
}

impl Backend {
    /// A backend at `addr`, which must read `host:port` (a host name, an IPv4 address, or an
    /// IPv6 address in brackets). Whether it can be reached is a matter for each connection:
    /// an unreachable backend is a fault a test may want.
    ///
    /// # Errors
    /// [`Error::InvalidBackend`] naming what is wrong.
    pub(crate) fn new(addr: &str, protocol: Protocol) -> Result<Backend, Error> {
        let invalid = |reason| Error::InvalidBackend {
            backend: addr.to_owned(),
            reason,
        };
        let (host, port) = addr
            .rsplit_once(':')
            .ok_or_else(|| invalid("it has no port"))?;
        if host.is_empty() {
            return Err(invalid("it has no host"));
        }
        let bracketed = host.starts_with('[') || host.ends_with(']');
        if bracketed && !(host.starts_with('[') && host.ends_with(']') && host.len() > 2) {
            return Err(invalid("an IPv6 host goes in brackets, as in [::1]:6379"));
        }
        if !bracketed && host.contains(':') {
            return Err(invalid("an IPv6 host goes in brackets, as in [::1]:6379"));
        }
        match port.parse::<u16>() {
            Ok(0) => Err(invalid("port 0 names no server")),
            Ok(_) => Ok(Backend {
                addr: addr.to_owned(),
                protocol,
            }),
            Err(_) => Err(invalid("its port is not a number from 1 to 65535")),
        }
    }
}

/// When the proxy-wide bandwidth next has room: shared by every connection of one proxy.
pub(crate) type SharedClock = Arc<Mutex<Option<Instant>>>;

/// A proxy's own state: its role's part of the server state.
#[derive(Debug)]
pub(crate) struct ProxyState {
    /// Where it relays now: read as each connection (tcp) or request (http) calls the backend,
    /// so a change reaches the next one.
    backend: Mutex<Arc<Backend>>,
    /// The clock of `bandwidth` toxics with `shared=true`.
    pub(crate) bandwidth_clock: SharedClock,
    /// Calls seen since the behavior was last set: `transient` and `error`'s `warmup` count
    /// them, and each behavior set (a restore included) starts from zero.
    calls: AtomicU64,
}

impl ProxyState {
    pub(crate) fn new(backend: Backend) -> ProxyState {
        ProxyState {
            backend: Mutex::new(Arc::new(backend)),
            bandwidth_clock: SharedClock::default(),
            calls: AtomicU64::new(0),
        }
    }

    /// Where the proxy relays now.
    pub(crate) fn backend(&self) -> Arc<Backend> {
        Arc::clone(&lock(&self.backend))
    }

    /// Relays the next connections (tcp) or requests (http) to `addr`, with the same protocol;
    /// returns the previous backend.
    ///
    /// # Errors
    /// [`Error::InvalidBackend`] for an address that is not `host:port`.
    pub(crate) fn set_backend(&self, addr: &str) -> Result<Arc<Backend>, Error> {
        let mut backend = lock(&self.backend);
        let next = Backend::new(addr, backend.protocol)?;
        Ok(std::mem::replace(&mut *backend, Arc::new(next)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backend_is_host_and_port_and_anything_else_is_named() {
        for good in [
            "127.0.0.1:6379",
            "localhost:8080",
            "[::1]:9",
            "db.internal:5432",
        ] {
            assert!(Backend::new(good, Protocol::Tcp).is_ok(), "{good}");
        }
        for (bad, reason) in [
            ("", "no port"),
            ("nohostport", "no port"),
            (":6379", "no host"),
            ("127.0.0.1:99999", "from 1 to 65535"),
            ("127.0.0.1:0", "port 0"),
            ("::1:6379", "brackets"),
            ("127.0.0.1:http", "from 1 to 65535"),
        ] {
            let error = Backend::new(bad, Protocol::Tcp).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad}: {error}");
            assert!(error.contains("host:port"), "{bad}: {error}");
        }
    }
}
