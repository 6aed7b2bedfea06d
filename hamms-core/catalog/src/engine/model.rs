//! [`Model`]: a behavior as the engine looks at it.

use super::mode::{Configured, Disposition, Tls};
use crate::behavior::{Behavior, Kind};
use crate::mix::Mix;

/// A behavior as the engine serves it.
#[derive(Debug, Clone, Copy)]
pub enum Model<'a> {
    /// A catalog mode, the fixture among them.
    Mode(&'a Configured),
    /// A chaos proxy's behavior.
    Proxy(&'a Mix),
}

/// How the engine looks at `behavior`.
pub fn model(behavior: &Behavior) -> Model<'_> {
    match behavior.kind() {
        Kind::Mode(configured) => Model::Mode(configured),
        Kind::Proxy(mix) => Model::Proxy(mix),
    }
}

impl Model<'_> {
    /// What the behavior wants of the listening socket.
    pub fn disposition(self) -> Disposition {
        match self {
            Model::Proxy(mix) => mix.disposition(),
            Model::Mode(configured) => configured.disposition(),
        }
    }

    /// Whether the behavior does nothing before the client's first byte (see
    /// [`Configured::waits_for_client`]); a proxy's does (it calls the backend at once, which
    /// may speak first).
    pub fn waits_for_client(self) -> bool {
        match self {
            Model::Mode(configured) => configured.waits_for_client(),
            Model::Proxy(_) => false,
        }
    }

    /// Whether the engine performs a TLS handshake before the mode serves (`tls = true`); the
    /// TLS block's modes handle theirs themselves.
    pub fn wants_engine_tls(self) -> bool {
        matches!(self, Model::Mode(configured) if configured.tls() == Tls::ByEngine)
    }

    /// Whether the behavior speaks HTTP/2 (the fixture, besides HTTP/1.1, the HTTP/2 and the
    /// gRPC blocks): over TLS, ALPN offers it `h2`.
    pub fn speaks_http2(self) -> bool {
        matches!(self, Model::Mode(configured) if configured.spec().speaks_http2())
    }
}
