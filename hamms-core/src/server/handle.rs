//! [`FaultServer`], the handle a test holds; [`ServerBuilder`]; [`BehaviorGuard`].

use std::fmt;
use std::future::IntoFuture;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::listener;
use super::runtime;
use super::shared::{INITIAL_GENERATION, Shared, resolve_seed};
use crate::behavior::Behavior;
use crate::error::Error;
use crate::fixture::Response;
use crate::history::{History, Limits, Request};
use crate::proxy::{Backend, Protocol};
use crate::tls::TestCa;

/// How long a call on the handle waits for the server's tasks (connections closing on drop, the
/// listener following a behavior change) before giving up. Both take microseconds; this only
/// bounds a pathological case.
const TASK_WAIT_LIMIT: Duration = Duration::from_secs(10);

/// A running server: a catalog mode or the fixture, on its own port, in this process.
///
/// Start one with [`FaultServer::start`], [`FaultServer::builder`] or [`FaultServer::fixture`];
/// point the client at
/// [`url`](FaultServer::url); read what happened with [`history`](FaultServer::history).
/// Dropping the handle, also while a test panics, stops accepting, closes every open connection
/// and frees the port before `drop` returns.
///
/// ```
/// use std::io::{Read, Write};
/// use hamms_core::FaultServer;
///
/// let server = FaultServer::builder("status").param("status", 503).start()?;
/// let mut socket = std::net::TcpStream::connect(server.addr())?;
/// socket.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
/// let mut answer = String::new();
/// socket.read_to_string(&mut answer)?;
/// assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
/// assert_eq!(server.history().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FaultServer {
    shared: Arc<Shared>,
}

impl FaultServer {
    /// Starts the catalog mode `mode` with its default parameters on `127.0.0.1` and a free port.
    ///
    /// # Errors
    /// [`Error::UnknownMode`] naming the valid modes; [`Error::InvalidSeedEnv`] if `HAMMS_SEED`
    /// is not a number.
    pub fn start(mode: &str) -> Result<FaultServer, Error> {
        FaultServer::builder(mode).start()
    }

    /// A builder for the catalog mode `mode`: set parameters, seed and address, then `start()`.
    pub fn builder(mode: &str) -> ServerBuilder {
        ServerBuilder {
            mode: mode.to_owned(),
            params: Vec::new(),
            seed: None,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            limits: Limits::default(),
            ca: None,
            backend: None,
        }
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
        let mut builder = FaultServer::builder("dummy");
        builder.backend = Some(Backend {
            addr: backend.into(),
            protocol: Protocol::Tcp,
        });
        builder
    }

    /// The address the server is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The port the server is bound to.
    pub fn port(&self) -> u16 {
        self.shared.addr.port()
    }

    /// A URL for `path` on this server, e.g. `server.url("/a?b=1")` is `http://127.0.0.1:PORT/a?b=1`,
    /// or `https://...` while the behavior speaks TLS. A server bound to all interfaces is reached
    /// through loopback.
    pub fn url(&self, path: &str) -> String {
        let addr = listener::connectable(self.shared.addr);
        let slash = if path.starts_with('/') { "" } else { "/" };
        let scheme = if self.behavior().serves_tls() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{addr}{slash}{path}")
    }

    /// The certificate authority that signs this server's TLS certificates: trust it in the
    /// client (`reqwest::Certificate::from_pem(server.ca_pem().as_bytes())`). In-process servers
    /// share the CA of the process; see [`ServerBuilder::certificate_authority`].
    pub fn ca(&self) -> &TestCa {
        &self.shared.ca
    }

    /// The CA certificate in PEM. Shorthand for `server.ca().pem()`.
    pub fn ca_pem(&self) -> &str {
        self.shared.ca.pem()
    }

    /// The CA certificate in DER. Shorthand for `server.ca().der()`.
    pub fn ca_der(&self) -> &[u8] {
        self.shared.ca.der()
    }

    /// The seed of this server's random choices: print it to replay a failure
    /// (`HAMMS_SEED=<seed>` or [`ServerBuilder::seed`]).
    pub fn seed(&self) -> u64 {
        self.shared.history.seed()
    }

    /// The current behavior.
    pub fn behavior(&self) -> Behavior {
        self.shared.behavior()
    }

    /// Replaces the behavior for every new connection, and for the next request on open
    /// keep-alive connections (idle ones close at once on a switch to `refused`). Returns the
    /// previous behavior.
    ///
    /// A switch to or from `refused` is in effect on the socket when this returns. Switching to
    /// `refused` closes the listener and reserves the port again; should another program take
    /// the port in that moment, hamms logs a warning and binds it at the next behavior change.
    ///
    /// ```
    /// use hamms_core::{Behavior, FaultServer};
    /// let server = FaultServer::start("status")?;
    /// let previous = server.set_behavior(Behavior::mode("refused")?);
    /// assert_eq!(previous.name(), "status");
    /// assert!(std::net::TcpStream::connect(server.addr()).is_err());
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    pub fn set_behavior(&self, behavior: Behavior) -> Behavior {
        tracing::debug!(addr = %self.addr(), %behavior, "behavior set");
        let (previous, generation) = self.shared.replace_behavior(behavior);
        // One of hamms' own threads must not block on the accept loop, which may need it.
        if !runtime::is_hamms_thread()
            && !self.shared.wait_for_listener(generation, TASK_WAIT_LIMIT)
        {
            tracing::warn!(addr = %self.addr(), "the listener did not follow the new behavior in time");
        }
        previous
    }

    /// [`set_behavior`](Self::set_behavior) for hamms' own tasks (the control API): waits for the
    /// listener without blocking a runtime thread.
    pub(crate) async fn switch_behavior(&self, behavior: Behavior) -> Behavior {
        tracing::info!(addr = %self.addr(), %behavior, "behavior set");
        let (previous, generation) = self.shared.replace_behavior(behavior);
        let shared = Arc::clone(&self.shared);
        let _ = tokio::task::spawn_blocking(move || {
            shared.wait_for_listener(generation, TASK_WAIT_LIMIT)
        })
        .await;
        previous
    }

    /// Where a proxy relays to (`host:port`); `None` for servers that are not proxies.
    pub fn backend(&self) -> Option<&str> {
        self.shared.backend.as_ref().map(|b| b.addr.as_str())
    }

    /// Sets `behavior` until the returned guard drops, then restores the previous one.
    ///
    /// ```
    /// use hamms_core::{Behavior, FaultServer};
    /// let server = FaultServer::start("status")?;
    /// {
    ///     let _hang = server.scoped_behavior(Behavior::mode("no_response")?);
    ///     assert_eq!(server.behavior().name(), "no_response");
    /// }
    /// assert_eq!(server.behavior().name(), "status");
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    pub fn scoped_behavior(&self, behavior: Behavior) -> BehaviorGuard<'_> {
        let previous = self.set_behavior(behavior);
        BehaviorGuard {
            server: self,
            previous: Some(previous),
        }
    }

    /// Runs `body` with `behavior` in place, then restores the previous behavior, also if `body`
    /// panics. Works under any async executor.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hamms_core::Error> {
    /// use hamms_core::{Behavior, FaultServer};
    /// let server = FaultServer::start("status")?;
    /// server.with_behavior(Behavior::mode("no_response")?, async {
    ///     // every new connection now hangs
    /// }).await;
    /// assert_eq!(server.behavior().name(), "status");
    /// # Ok(()) }
    /// ```
    pub async fn with_behavior<F: IntoFuture>(&self, behavior: Behavior, body: F) -> F::Output {
        let _restore = self.scoped_behavior(behavior);
        body.await
    }

    /// The blocking twin of [`with_behavior`](FaultServer::with_behavior), for sync tests.
    pub fn with_behavior_blocking<T>(&self, behavior: Behavior, body: impl FnOnce() -> T) -> T {
        let _restore = self.scoped_behavior(behavior);
        body()
    }

    /// A snapshot of everything recorded since start or the last [`clear_history`](Self::clear_history).
    pub fn history(&self) -> History {
        self.shared.history.snapshot()
    }

    /// Forgets everything recorded so far.
    pub fn clear_history(&self) {
        self.shared.history.clear();
    }

    /// Waits until `n` requests have arrived since start or the last clear, and returns the
    /// history then. Works under any async executor.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hamms_core::Error> {
    /// use std::time::Duration;
    /// use hamms_core::FaultServer;
    /// let server = FaultServer::start("no_response")?;
    /// // ... a client sends its request and hangs ...
    /// let history = server.wait_for_requests(1, Duration::from_secs(5)).await?;
    /// assert_eq!(history.last().unwrap().request.path, "/");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::WaitTimeout`], listing what did arrive, if `timeout` passes first.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Result<History, Error> {
        let shared = Arc::clone(&self.shared);
        // Timers belong to hamms' runtime, so the caller's executor needs none. If the caller
        // stops waiting (its future dropped), so does the task.
        let mut wait = AbortOnDrop(
            runtime::handle()
                .spawn(async move { shared.history.wait_for_requests(n, timeout).await }),
        );
        match (&mut wait.0).await {
            Ok(result) => result,
            // The task only ends early by panicking; pass the panic on to the caller.
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("hamms' wait task was cancelled: {e}"),
            },
        }
    }

    /// The blocking twin of [`wait_for_requests`](Self::wait_for_requests), for sync tests.
    ///
    /// # Errors
    /// [`Error::WaitTimeout`], listing what did arrive, if `timeout` passes first.
    pub fn wait_for_requests_blocking(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<History, Error> {
        self.shared.history.wait_for_requests_blocking(n, timeout)
    }
}

/// Programming the fixture. The answers are kept across behavior changes and apply while the
/// behavior is [`Behavior::fixture`]: a test can switch a fixture to a failure and back.
impl FaultServer {
    /// Answers every request that nothing else claims with `response` (replacing a closure set
    /// by [`respond_fn`](Self::respond_fn)).
    pub fn respond_with(&self, response: Response) {
        self.shared.fixture.respond_with(response);
    }

    /// Answers the next request with `response`, then goes back to what answered before. Queued
    /// after responses already waiting, like [`respond_in_order`](Self::respond_in_order).
    pub fn respond_once(&self, response: Response) {
        self.shared.fixture.enqueue([response]);
    }

    /// Answers the next requests with `responses`, one each, in order; then the default (or the
    /// closure) answers again.
    ///
    /// ```
    /// use hamms_core::{FaultServer, Response};
    /// let server = FaultServer::fixture().start()?;
    /// server.respond_in_order([Response::status(503), Response::status(503)]);
    /// // the next two requests get 503, every later one the default 200
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    pub fn respond_in_order(&self, responses: impl IntoIterator<Item = Response>) {
        self.shared.fixture.enqueue(responses);
    }

    /// Computes the answer to every request nothing else claims from the request itself. The
    /// closure runs on hamms' runtime; if it panics, the client gets a 500 naming the panic.
    ///
    /// ```
    /// use hamms_core::{FaultServer, Response};
    /// let server = FaultServer::fixture().start()?;
    /// server.respond_fn(|request| match request.query_param("id") {
    ///     Some(id) => Response::ok().json(&serde_json::json!({ "id": id })),
    ///     None => Response::status(400).text("missing id"),
    /// });
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    pub fn respond_fn(&self, respond: impl Fn(&Request) -> Response + Send + Sync + 'static) {
        self.shared.fixture.respond_fn(Arc::new(respond));
    }

    /// Serves the next `n` requests with the catalog mode `failure`, then answers as before: the
    /// shape of a retry test ("reset the next 2 connections, then 200"). Counted per request (or
    /// per connection, for modes that act on connect). Over HTTP/2, where the catalog's HTTP/1.1
    /// bytes have no place, a failed request gets its stream reset.
    ///
    /// ```
    /// use hamms_core::{Behavior, FaultServer};
    /// let server = FaultServer::fixture().start()?;
    /// server.fail_next(2, Behavior::mode("reset_by_peer")?)?;
    /// // the next two requests are reset, the third gets 200
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotPerRequest`] for `refused` and `connect_timeout`, which act on the listening
    /// socket; switch the whole server with [`set_behavior`](Self::set_behavior) for those.
    pub fn fail_next(&self, n: usize, failure: Behavior) -> Result<(), Error> {
        if !failure.accepts_connections() {
            return Err(Error::NotPerRequest {
                mode: failure.name(),
            });
        }
        self.shared.fixture.fail_next(n, failure);
        Ok(())
    }

    /// Back to the start: the fixture answers `200` with an empty body (no queue, no closure, no
    /// pending failures) and the history is empty. The behavior stays as it is.
    pub fn reset(&self) {
        self.shared.fixture.reset();
        self.shared.history.clear();
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        let shared = &self.shared;
        if !runtime::stop_and_wait(&shared.stop, &shared.tasks, TASK_WAIT_LIMIT) {
            tracing::warn!(addr = %self.addr(), "server tasks did not stop within {TASK_WAIT_LIMIT:?}");
        }
    }
}

impl fmt::Debug for FaultServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultServer")
            .field("addr", &self.addr())
            .field("behavior", &self.behavior().to_string())
            .field("seed", &self.seed())
            .finish()
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
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
    ca: Option<Arc<TestCa>>,
    backend: Option<Backend>,
}

impl ServerBuilder {
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
    /// [`Protocol::Http`]. Ignored by servers that are not proxies.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        if let Some(backend) = &mut self.backend {
            backend.protocol = protocol;
        }
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

    /// Signs TLS certificates with `ca` instead of the process CA ([`TestCa::for_process`]);
    /// `hamms serve` uses a CA kept on disk so that other processes can trust it.
    pub fn certificate_authority(mut self, ca: Arc<TestCa>) -> Self {
        self.ca = Some(ca);
        self
    }

    /// Keeps at most this many requests (and, separately, connections) in the history; the oldest
    /// are evicted first. Default 10 000.
    pub fn history_limit(mut self, entries: usize) -> Self {
        self.limits.entries = entries.max(1);
        self
    }

    /// Keeps at most this many bytes of each request body in the history. Default 16 MiB.
    pub fn body_cap(mut self, bytes: usize) -> Self {
        self.limits.body_cap = bytes;
        self
    }

    /// Starts the server. Returns once its socket accepts connections.
    ///
    /// # Errors
    /// [`Error::UnknownMode`], [`Error::UnknownParam`] or [`Error::InvalidParam`] naming the
    /// valid choices; [`Error::Bind`] if the address is taken; [`Error::InvalidSeedEnv`].
    pub fn start(self) -> Result<FaultServer, Error> {
        let mut behavior = if self.backend.is_some() {
            Behavior::proxy(&self.mode)?
        } else {
            Behavior::mode(&self.mode)?
        };
        for (name, value) in &self.params {
            behavior = behavior.param(name, value)?;
        }
        let seed = resolve_seed(self.seed)?;
        let runtime = runtime::handle();
        let _context = runtime.enter();
        let (socket, addr) =
            listener::bind(self.addr, behavior.disposition()).map_err(|source| Error::Bind {
                addr: self.addr,
                source,
            })?;
        tracing::debug!(%addr, %behavior, seed, "server started");
        let ca = self.ca.unwrap_or_else(TestCa::for_process);
        let shared = Arc::new(Shared::new(
            addr,
            behavior,
            seed,
            self.limits,
            ca,
            self.backend,
        ));
        shared
            .tasks
            .spawn_on(listener::accept_loop(Arc::clone(&shared), socket), runtime);
        // Return once the socket is as the behavior wants it (for `connect_timeout`: its queue
        // filled), so the first client already meets the fault.
        if !runtime::is_hamms_thread() {
            shared.wait_for_listener(INITIAL_GENERATION, TASK_WAIT_LIMIT);
        }
        Ok(FaultServer { shared })
    }
}

/// Restores a server's previous behavior when dropped. From [`FaultServer::scoped_behavior`].
#[must_use = "the previous behavior comes back as soon as the guard drops"]
pub struct BehaviorGuard<'a> {
    server: &'a FaultServer,
    previous: Option<Behavior>,
}

impl Drop for BehaviorGuard<'_> {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            self.server.set_behavior(previous);
        }
    }
}

impl fmt::Debug for BehaviorGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BehaviorGuard")
            .field("restores", &self.previous.as_ref().map(ToString::to_string))
            .finish()
    }
}
