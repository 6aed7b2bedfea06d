//! [`Error`]: everything that can go wrong configuring, starting or driving a hamms server. Every
//! message names the fix or the valid choices.
//!
//! Design note: a behavior, parameter or value the tables refuse is the tables' own error
//! ([`Invalid`], from `hamms-catalog`, which the attribute macro reports at compile time too),
//! carried whole by [`Error::Invalid`]; the rest is the engine's. Messages are built from the
//! data each error carries, never by looking anything up: this file sits below everything that
//! reports errors.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

pub(crate) use hamms_catalog::Invalid;

/// Everything that can go wrong configuring, starting or driving a hamms server.
///
/// ```
/// use hamms_core::{Behavior, Error, FaultServer, ServerKind};
/// use hamms_core::catalog::Invalid;
///
/// let error = FaultServer::start("slow_drp").unwrap_err();
/// assert!(matches!(error, Error::Invalid(Invalid::UnknownMode { suggestion: Some("slow_drip"), .. })));
///
/// let server = FaultServer::start("status")?;
/// let error = server.try_set_behavior(Behavior::proxy("delay")?).unwrap_err();
/// assert!(matches!(error, Error::WrongRole { needs: ServerKind::Proxy, server: ServerKind::Mode, .. }));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A mode, proxy behavior, parameter or value that the tables refuse, with the valid
    /// choices.
    #[error(transparent)]
    Invalid(#[from] Invalid),

    /// A proxy backend that is not `host:port`.
    #[error(
        "invalid backend `{backend}`: {reason}; write host:port, e.g. 127.0.0.1:6379, [::1]:6379 or localhost:8080"
    )]
    InvalidBackend {
        /// What was given.
        backend: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Something asked of a server of another kind: a proxy behavior of a server that is not a
    /// proxy, a catalog mode of a proxy, a proxy's option of another server, the fixture's
    /// failures of a server that has never served the fixture.
    #[error("{asked} needs {}, but this server {}; {}", needs.noun(), server.is(), needs.fix())]
    WrongRole {
        /// What was asked: a behavior (`` `delay` ``), or a call (`set_backend`).
        asked: String,
        /// The kind of server it is for.
        needs: ServerKind,
        /// The kind this server is now.
        server: ServerKind,
    },

    /// A behavior that cannot fail single requests of the fixture: one that acts on the
    /// listening socket (`refused`, `connect_timeout`), the fixture itself, or a proxy's.
    #[error(
        "`{failure}` cannot fail single requests; fail them with a catalog mode that serves a connection (e.g. `reset_by_peer`, `empty_on_connect`, `status`), or switch the whole server with set_behavior"
    )]
    NotPerRequest {
        /// The behavior that was given.
        failure: String,
    },

    /// A behavior that cannot answer one request of a stub (or a request's fault header).
    #[error(
        "`{behavior}` cannot answer a request: {reason}; answer with a Response, or a catalog mode that serves a request (e.g. `reset_by_peer`, `slow_drip`, `close_mid_headers`, `status`), or an HTTP/2 stream fault (`h2_refused_stream`, `h2_rst_stream`, `h2_goaway`)"
    )]
    NotAnAnswer {
        /// The behavior that was given.
        behavior: String,
        /// Why it cannot.
        reason: &'static str,
    },

    /// A WireMock mapping (a file, or an admin call's body) that cannot be served.
    #[error("{file}: {pointer}: {detail}")]
    BadMapping {
        /// The file it came from.
        file: String,
        /// The JSON pointer of the member at fault (`/request/urlpath`).
        pointer: String,
        /// What is wrong, naming the valid choices.
        detail: String,
    },

    /// A stub's proxy URL that hamms cannot forward to.
    #[error(
        "cannot proxy to `{url}`: {reason}; write http://host:port, e.g. http://127.0.0.1:8080"
    )]
    InvalidProxyUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Stubs for a server that serves no HTTP requests to match them against.
    #[error(
        "stubs answer HTTP requests, and this server {server}; mount them on the fixture (FaultServer::fixture()) or on an http proxy (FaultServer::proxy(backend).protocol(Protocol::Http))"
    )]
    NoStubsHere {
        /// What the server is instead.
        server: &'static str,
    },

    /// The server could not bind its address.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the operating system said (e.g. address in use).
        #[source]
        source: io::Error,
    },

    /// A control API asked to listen beyond loopback without permission.
    #[error(
        "the control API would listen on {addr}, which is not loopback: anyone who reaches it could switch your servers; bind 127.0.0.1 or ::1, or pass --control-allow-remote"
    )]
    RemoteControl {
        /// The address asked for.
        addr: SocketAddr,
    },

    /// A control API was asked about a server it does not serve.
    #[error("the control API serves no server `{name}`; servers: {}", .valid.join(", "))]
    UnknownServer {
        /// The name that was asked for.
        name: String,
        /// The servers it serves.
        valid: Vec<String>,
    },

    /// A Toxiproxy configuration (the `populate` format) that cannot be applied.
    #[error(
        "invalid Toxiproxy configuration: {reason}; write a JSON array of proxies such as [{{\"name\": \"redis\", \"listen\": \"127.0.0.1:26379\", \"upstream\": \"127.0.0.1:6379\"}}]"
    )]
    ToxiproxyConfig {
        /// What is wrong with it.
        reason: String,
    },

    /// A base port so high that a mode's `base + offset` passes 65535.
    #[error("base port {base_port} puts `{mode}` past port 65535; choose a lower base port")]
    PortOutOfRange {
        /// The base port asked for.
        base_port: u16,
        /// The first mode that does not fit.
        mode: &'static str,
    },

    /// A certificate or TLS configuration could not be made (hamms' own certificates: a bug).
    #[error("TLS setup failed: {0}")]
    Tls(String),

    /// The certificate authority kept on disk (for `hamms serve`) cannot be used.
    #[error("the hamms CA at {} cannot be used: {reason}", path.display())]
    CertificateAuthority {
        /// The CA file.
        path: std::path::PathBuf,
        /// What is wrong, and the fix.
        reason: String,
    },

    /// `HAMMS_SEED` is set but is not a number.
    #[error("HAMMS_SEED must be an unsigned 64-bit integer (e.g. HAMMS_SEED=42); got `{value}`")]
    InvalidSeedEnv {
        /// The value of the variable.
        value: String,
    },

    /// `wait_for_requests` gave up before enough requests arrived.
    #[error(
        "waited {waited:?} for {expected} request(s) but {received} arrived (seed {seed}); recorded:\n{recorded}"
    )]
    WaitTimeout {
        /// How many requests were awaited.
        expected: usize,
        /// How many had arrived when the wait ended.
        received: usize,
        /// How long the wait lasted.
        waited: Duration,
        /// The server's seed, to reproduce the run.
        seed: u64,
        /// The recorded exchanges, formatted for a failure message.
        recorded: String,
    },
}

/// The kinds of server hamms runs, as [`Error::WrongRole`] names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerKind {
    /// A server of the catalog's modes (`FaultServer::start`, `FaultServer::builder`).
    Mode,
    /// The fixture (`FaultServer::fixture`, or a mode's server switched to it).
    Fixture,
    /// A chaos proxy (`FaultServer::proxy`).
    Proxy,
}

impl ServerKind {
    fn noun(self) -> &'static str {
        match self {
            ServerKind::Mode => "a server of the catalog's modes",
            ServerKind::Fixture => "the fixture",
            ServerKind::Proxy => "a chaos proxy",
        }
    }

    /// What a server of this kind is, after "this server".
    fn is(self) -> &'static str {
        match self {
            ServerKind::Mode => "serves a catalog mode",
            ServerKind::Fixture => "is the fixture",
            ServerKind::Proxy => "is a chaos proxy",
        }
    }

    /// How to get a server of this kind.
    fn fix(self) -> &'static str {
        match self {
            ServerKind::Mode => {
                "start one with FaultServer::start(mode); a proxy takes proxy behaviors (Behavior::proxy)"
            }
            ServerKind::Fixture => {
                "start it with FaultServer::fixture(), or switch this server to Behavior::fixture() first"
            }
            ServerKind::Proxy => "start one with FaultServer::proxy(backend)",
        }
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_role_names_what_was_asked_both_kinds_and_the_fix() {
        let error = Error::WrongRole {
            asked: "`delay`".to_owned(),
            needs: ServerKind::Proxy,
            server: ServerKind::Mode,
        };
        assert_eq!(
            error.to_string(),
            "`delay` needs a chaos proxy, but this server serves a catalog mode; start one with \
             FaultServer::proxy(backend)"
        );
    }

    #[test]
    fn the_tables_errors_are_carried_whole() {
        let invalid = hamms_catalog::Behavior::mode("slow_drp").unwrap_err();
        let error = Error::from(invalid.clone());
        assert_eq!(error.to_string(), invalid.to_string());
        assert!(matches!(error, Error::Invalid(Invalid::UnknownMode { .. })));
    }
}
