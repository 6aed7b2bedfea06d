//! [`ServerBuilder`]: a server's configuration before it starts, starting it, and the
//! constructors of [`FaultServer`] that return one.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use super::handle::{FaultServer, TASK_WAIT_LIMIT};
use super::{listener, runtime};
use crate::Behavior;
use crate::Protocol;
use crate::connection::{INITIAL_GENERATION, Role, Shared, resolve_seed};
use crate::engine::{Disposition, model};
use crate::error::{Error, ServerKind};
use crate::history::Limits;
use crate::proxy::{Backend, ProxyState};
use crate::tls::TestCa;

/// The history's cap on each request body, for a proxy that was given none.
const PROXY_BODY_CAP: usize = 64 * 1024;
/// The largest request body the `http` proxy forwards (a larger one gets a 413).
const PROXY_FORWARD_CAP: usize = 16 * 1024 * 1024;

/// Starting servers.
impl FaultServer {
    /// Starts the catalog mode `mode` with its default parameters on `127.0.0.1` and a free port.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the valid modes; [`Error::InvalidSeedEnv`] if `HAMMS_SEED`
    /// is not a number.
    pub fn start(mode: &str) -> Result<FaultServer, Error> {
        FaultServer::builder(mode).start()
    }

    /// A builder for the catalog mode `mode`: set parameters, seed and address, then `start()`.
    pub fn builder(mode: &str) -> ServerBuilder {
        ServerBuilder::new(mode)
    }

    /// A builder for the fixture: a well-behaved HTTP/1.1 and HTTP/2 server that answers `200`
    /// with an empty body until the test programs other answers ([`respond_with`](Self::respond_with),
    /// [`respond_once`](Self::respond_once), [`respond_in_order`](Self::respond_in_order),
    /// [`respond_fn`](Self::respond_fn), [`fail_next`](Self::fail_next)). `.tls()` serves HTTPS
    /// with the test CA, offering `h2` and `http/1.1` by ALPN.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use hamms_core::{FaultServer, Response};
    ///
    /// let server = FaultServer::fixture().start()?;
    /// server.respond_with(Response::status(201).header("location", "/items/7").json(&[7]));
    /// let mut socket = std::net::TcpStream::connect(server.addr())?;
    /// socket.write_all(b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")?;
    /// let mut answer = String::new();
    /// socket.read_to_string(&mut answer)?;
    /// assert!(answer.starts_with("HTTP/1.1 201 Created\r\nlocation: /items/7\r\n"));
    /// assert!(answer.ends_with("\r\n\r\n[7]"));
    /// assert_eq!(server.history().last().unwrap().request.body, b"{}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fixture() -> ServerBuilder {
        FaultServer::builder("fixture")
    }

    /// A builder for a chaos proxy in front of `backend` (`host:port`): it relays every
    /// connection there, as it is (`dummy`) or degraded by the behavior set with
    /// [`ServerBuilder::behavior`] or, later, [`set_behavior`](Self::set_behavior) and
    /// [`with_behavior`](Self::with_behavior) with a [`Behavior::proxy`]. The history records
    /// each connection (bytes each way), and for [`Protocol::Http`] each request and response.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use hamms_core::{Behavior, FaultServer, Response};
    ///
    /// let backend = FaultServer::fixture().start()?;
    /// backend.respond_with(Response::ok().text("from the backend"));
    /// let proxy = FaultServer::proxy(backend.addr().to_string()).start()?;
    /// let mut socket = std::net::TcpStream::connect(proxy.addr())?;
    /// socket.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    /// let mut answer = String::new();
    /// socket.read_to_string(&mut answer)?;
    /// assert!(answer.ends_with("from the backend"));
    ///
    /// proxy.set_behavior(Behavior::proxy("blackout")?);
    /// // new connections are now reset at once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy(backend: impl Into<String>) -> ServerBuilder {
        ServerBuilder::proxy(backend.into())
    }
}

/// Configures a [`FaultServer`] before it starts. Errors surface from [`start`](Self::start).
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start()`"]
pub struct ServerBuilder {
    mode: String,
    params: Vec<(String, String)>,
    seed: Option<u64>,
    addr: SocketAddr,
    limits: Limits,
    /// Set by [`body_cap`](Self::body_cap); the default depends on the role.
    body_cap: Option<usize>,
    ca: Option<Arc<TestCa>>,
    /// Where a proxy relays to: set by [`FaultServer::proxy`], and what makes the server a proxy.
    backend: Option<String>,
    /// Set by [`protocol`](Self::protocol); only a proxy takes it.
    protocol: Option<Protocol>,
    /// Set by [`header_faults`](Self::header_faults).
    header_faults: bool,
    /// Set by [`also_tls_on`](Self::also_tls_on).
    tls_also_on: Option<SocketAddr>,
    /// WireMock's door: the admin API on the server's port, mapping files, templating.
    #[cfg(feature = "wiremock")]
    wiremock: WireMockOptions,
}

/// What a builder asks of a server's WireMock door.
#[cfg(feature = "wiremock")]
#[derive(Debug, Clone, Default)]
struct WireMockOptions {
    admin: bool,
    mappings: Vec<std::path::PathBuf>,
    global_templating: bool,
}

impl ServerBuilder {
    /// A builder for the catalog mode (or the fixture) `mode`.
    pub(super) fn new(mode: &str) -> ServerBuilder {
        ServerBuilder {
            mode: mode.to_owned(),
            params: Vec::new(),
            seed: None,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            limits: Limits::default(),
            body_cap: None,
            ca: None,
            backend: None,
            protocol: None,
            header_faults: false,
            tls_also_on: None,
            #[cfg(feature = "wiremock")]
            wiremock: WireMockOptions::default(),
        }
    }

    /// A builder for a chaos proxy in front of `backend`, passing everything through (`dummy`).
    pub(super) fn proxy(backend: String) -> ServerBuilder {
        ServerBuilder {
            backend: Some(backend),
            ..ServerBuilder::new("dummy")
        }
    }

    /// Sets a parameter of the mode, e.g. `.param("interval_ms", 50)`.
    pub fn param(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.params.push((name.to_owned(), value.to_string()));
        self
    }

    /// Sets the behavior to start with, by name: a catalog mode, or for a proxy a
    /// [`Behavior::proxy`] spec such as `delay` or `20:delay,80:dummy`.
    pub fn behavior(mut self, name: &str) -> Self {
        name.clone_into(&mut self.mode);
        self
    }

    /// What a proxy understands of its traffic: [`Protocol::Tcp`] (the default) or
    /// [`Protocol::Http`]. Only a proxy takes it: on another server, [`start`](Self::start)
    /// fails with [`Error::WrongRole`].
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Seeds the server's random choices (overrides `HAMMS_SEED`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Binds this address instead of `127.0.0.1:0`. Port 0 picks a free port.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Serves TLS (for the modes that take the `tls` parameter). Shorthand for
    /// `.param("tls", true)`.
    pub fn tls(self) -> Self {
        self.param("tls", true)
    }

    #[cfg(feature = "tls")]
    /// Signs TLS certificates with `ca` instead of the process CA ([`TestCa::for_process`]);
    /// `hamms serve` uses a CA kept on disk so that other processes can trust it.
    pub fn certificate_authority(mut self, ca: Arc<TestCa>) -> Self {
        self.ca = Some(ca);
        self
    }

    /// Keeps at most this many requests (and, separately, connections) in the history; the oldest
    /// are evicted first, and counted ([`History::evicted`](crate::History::evicted)). Default
    /// 10 000.
    pub fn history_limit(mut self, entries: usize) -> Self {
        self.limits.entries = entries.max(1);
        self
    }

    /// Keeps the history's memory under this many bytes: what its entries hold (request heads
    /// and bodies, replies, the bytes each connection carried, up to 16 KiB each way), counted
    /// as they are recorded. The oldest entries, requests or connections, are dropped first, and
    /// counted ([`History::evicted`](crate::History::evicted),
    /// [`History::evicted_connections`](crate::History::evicted_connections)). Default 64 MiB,
    /// so that a server stays bounded however long it runs and whatever its clients send; the
    /// body cap is kept under it.
    ///
    /// ```
    /// use hamms_core::FaultServer;
    /// let server = FaultServer::fixture().history_bytes(1024 * 1024).start()?;
    /// assert_eq!(server.history().byte_limit(), 1024 * 1024);
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    pub fn history_bytes(mut self, bytes: usize) -> Self {
        self.limits.bytes = bytes.max(1);
        self
    }

    /// Keeps at most this many bytes of each request body in the history (the length is kept
    /// whole). Default 16 MiB; for a proxy 64 KiB, as a proxy relays whatever it is sent (its
    /// `http` protocol forwards bodies of up to 16 MiB, or of the cap if larger). At most half
    /// the history's byte limit ([`history_bytes`](Self::history_bytes)).
    pub fn body_cap(mut self, bytes: usize) -> Self {
        self.body_cap = Some(bytes);
        self
    }

    /// Lets each request choose a fault for itself by header, on the fixture and on an `http`
    /// proxy: Envoy's fault headers (`x-envoy-fault-abort-request: 503`,
    /// `x-envoy-fault-abort-grpc-request: 14`, `x-envoy-fault-delay-request: 200` in
    /// milliseconds, and their `-percentage` headers, 0 to 100) and hamms' `x-hamms-fault`
    /// naming a catalog mode with its parameters (`slow_drip(interval_ms=50)`; with
    /// `x-hamms-fault-percentage`). A test in another process, or several services down a call
    /// chain, picks the fault of one request.
    ///
    /// Off by default, and meant for test servers only: a client pointed at a server that
    /// allows it meets whatever fault a header passing through asks for.
    pub fn header_faults(mut self) -> Self {
        self.header_faults = true;
        self
    }

    /// Also listens on `addr` (port 0 picks a free one) for connections that all speak TLS
    /// with the test CA: the same server, behaviors, stubs and history on a second port, as
    /// WireMock's `--https-port`. Its address is [`FaultServer::tls_addr`]. ALPN offers `h2`
    /// to the behaviors that speak it, and a mode of the TLS block in force makes its own
    /// handshake there (its fault), as on a server started as that mode.
    pub fn also_tls_on(mut self, addr: SocketAddr) -> Self {
        self.tls_also_on = Some(addr);
        self
    }

    /// Answers WireMock's admin API (`/__admin/...`) on the server's own port, as WireMock's
    /// server does, so WireMock's clients drive it (`hamms wiremock` starts such a fixture).
    #[cfg(feature = "wiremock")]
    pub fn wiremock_admin(mut self) -> Self {
        self.wiremock.admin = true;
        self
    }

    /// Loads WireMock mappings at start (see [`FaultServer::load_mappings`]); repeatable.
    #[cfg(feature = "wiremock")]
    pub fn mappings(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.wiremock.mappings.push(path.into());
        self
    }

    /// Renders every WireMock answer as a template (`--global-response-templating`), not only
    /// those of mappings with the `response-template` transformer.
    #[cfg(feature = "wiremock")]
    pub fn global_response_templating(mut self) -> Self {
        self.wiremock.global_templating = true;
        self
    }

    /// Starts the server. Returns once its socket accepts connections.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a mode, parameter or value the catalog refuses, naming the valid
    /// choices; [`Error::WrongRole`] for a proxy option on a server that is not a proxy;
    /// [`Error::InvalidBackend`] for a proxy's backend that is not `host:port`;
    /// [`Error::Bind`] if the address is taken; [`Error::InvalidSeedEnv`].
    pub fn start(self) -> Result<FaultServer, Error> {
        let (mut behavior, role) = match &self.backend {
            Some(addr) => {
                let backend = Backend::new(addr, self.protocol.unwrap_or_default())?;
                let behavior = Behavior::proxy(&self.mode)?;
                (behavior, Role::Proxy(ProxyState::new(backend)))
            }
            None => {
                let behavior = Behavior::mode(&self.mode)?;
                if let Some(protocol) = self.protocol {
                    return Err(Error::WrongRole {
                        asked: format!("`protocol({protocol})`"),
                        needs: ServerKind::Proxy,
                        server: if behavior.is_fixture() {
                            ServerKind::Fixture
                        } else {
                            ServerKind::Mode
                        },
                    });
                }
                let role = Role::catalog(behavior.is_fixture());
                (behavior, role)
            }
        };
        for (name, value) in &self.params {
            behavior = behavior.param(name, value)?;
        }
        #[cfg(not(feature = "tls"))]
        if behavior.serves_tls() || self.tls_also_on.is_some() {
            return Err(Error::Tls(crate::tls::MISSING.to_owned()));
        }
        let mut limits = self.limits;
        if matches!(role, Role::Proxy(_)) {
            limits.body_cap = self.body_cap.unwrap_or(PROXY_BODY_CAP);
            limits.read_cap = limits.body_cap.max(PROXY_FORWARD_CAP);
        } else if let Some(cap) = self.body_cap {
            limits.body_cap = cap;
            limits.read_cap = cap;
        }
        // A body kept whole must fit the history, raw bytes a share of it. What is read (and
        // served, or forwarded) is not cut.
        limits.body_cap = limits.body_cap.min(limits.bytes / 2);
        limits.raw_cap = limits.raw_cap.min(limits.bytes / 8);
        let seed = resolve_seed(self.seed)?;
        let runtime = runtime::handle();
        let _context = runtime.enter();
        let disposition = model(&behavior).disposition();
        let (socket, addr) =
            listener::bind(self.addr, disposition).map_err(|source| Error::Bind {
                addr: self.addr,
                source,
            })?;
        tracing::debug!(%addr, %behavior, seed, "server started");
        let ca = self.ca.unwrap_or_else(TestCa::for_process);
        let shared = Arc::new(Shared::new(addr, behavior, seed, limits, ca, role));
        shared.stubs.allow_header_faults(self.header_faults);
        if let Some(tls_addr) = self.tls_also_on {
            let listener = std::net::TcpListener::bind(tls_addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .and_then(tokio::net::TcpListener::from_std)
                .map_err(|source| Error::Bind {
                    addr: tls_addr,
                    source,
                })?;
            let bound = listener.local_addr().map_err(|source| Error::Bind {
                addr: tls_addr,
                source,
            })?;
            let _ = shared.tls_addr.set(bound);
            shared.tasks.spawn_on(
                listener::accept_tls_loop(Arc::clone(&shared), listener),
                runtime,
            );
        }
        shared
            .tasks
            .spawn_on(listener::accept_loop(Arc::clone(&shared), socket), runtime);
        // Return once the socket is as the behavior wants it, so the first client already
        // meets the fault. A listening or reserved socket is, since `bind`; a stalled one
        // (`connect_timeout`) once the accept loop has filled its queue.
        if disposition != Disposition::Stall {
            shared.listener_follows(INITIAL_GENERATION);
        } else if !runtime::is_hamms_thread() {
            shared.wait_for_listener(INITIAL_GENERATION, TASK_WAIT_LIMIT);
        }
        let server = FaultServer::new(shared);
        #[cfg(feature = "wiremock")]
        self.wiremock.open(&server)?;
        Ok(server)
    }
}

#[cfg(feature = "wiremock")]
impl WireMockOptions {
    /// Opens the door on `server` as asked: templating, the admin API, the mapping files (a
    /// refused file fails the start; dropping the server on the way out stops it).
    fn open(&self, server: &FaultServer) -> Result<(), Error> {
        let shared = server.shared();
        shared
            .stubs
            .door
            .set_global_templating(self.global_templating);
        if self.admin {
            super::admin::open(shared);
        }
        for path in &self.mappings {
            server.load_mappings(path)?;
        }
        Ok(())
    }
}
