//! [`FaultServer`], the handle a test holds, and [`BehaviorGuard`].

use std::fmt;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::listener;
use super::runtime;
use crate::Behavior;
use crate::connection::Shared;
use crate::engine::{Mode, Model, model};
use crate::error::{Error, ServerKind};
use crate::fixture::{Plan, Response};
#[cfg(any(feature = "control", test))]
use crate::history::Meter;
use crate::history::{History, Request};
#[cfg(feature = "tls")]
use crate::tls::TestCa;

/// How long a call on the handle waits for the server's tasks (connections closing on drop, the
/// listener following a behavior change) before giving up. Both take microseconds; this only
/// bounds a pathological case.
pub(super) const TASK_WAIT_LIMIT: Duration = Duration::from_secs(10);

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
    /// The handle of a server the builder started.
    pub(super) fn new(shared: Arc<Shared>) -> FaultServer {
        FaultServer { shared }
    }

    /// The state the server's tasks share.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl FaultServer {
    /// The address of the server's TLS port, if it has one ([`ServerBuilder::also_tls_on`](crate::ServerBuilder::also_tls_on)).
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.shared.tls_addr.get().copied()
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

    #[cfg(feature = "tls")]
    /// The certificate authority that signs this server's TLS certificates: trust it in the
    /// client (`reqwest::Certificate::from_pem(server.ca_pem().as_bytes())`). In-process servers
    /// share the CA of the process; see [`ServerBuilder::certificate_authority`](crate::ServerBuilder::certificate_authority).
    pub fn ca(&self) -> &TestCa {
        &self.shared.ca
    }

    #[cfg(feature = "tls")]
    /// The CA certificate in PEM. Shorthand for `server.ca().pem()`.
    pub fn ca_pem(&self) -> &str {
        self.shared.ca.pem()
    }

    #[cfg(feature = "tls")]
    /// The CA certificate in DER. Shorthand for `server.ca().der()`.
    pub fn ca_der(&self) -> &[u8] {
        self.shared.ca.der()
    }

    /// The seed of this server's random choices: print it to replay a failure
    /// (`HAMMS_SEED=<seed>` or [`ServerBuilder::seed`](crate::ServerBuilder::seed)).
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
    ///
    /// # Panics
    /// If the behavior is for another kind of server: a proxy behavior on a server that is not a
    /// proxy, a catalog mode on a proxy, the fixture on a mode's server. The message names the
    /// fix; [`try_set_behavior`](Self::try_set_behavior) returns it as an error instead.
    #[track_caller]
    pub fn set_behavior(&self, behavior: Behavior) -> Behavior {
        self.try_set_behavior(behavior)
            .unwrap_or_else(|error| panic!("hamms: {error}"))
    }

    /// [`set_behavior`](Self::set_behavior), for a behavior that may not suit this server.
    ///
    /// ```
    /// use hamms_core::{Behavior, Error, FaultServer};
    /// let server = FaultServer::start("status")?;
    /// let error = server.try_set_behavior(Behavior::proxy("delay")?).unwrap_err();
    /// assert!(matches!(error, Error::WrongRole { .. }), "{error}");
    /// assert_eq!(server.behavior().name(), "status");
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::WrongRole`] for a behavior meant for another kind of server; the behavior in
    /// force stays.
    pub fn try_set_behavior(&self, behavior: Behavior) -> Result<Behavior, Error> {
        self.shared.admit(&behavior)?;
        tracing::debug!(addr = %self.addr(), %behavior, "behavior set");
        let (previous, generation) = self.shared.replace_behavior(behavior);
        // One of hamms' own threads must not block on the accept loop, which may need it.
        if !runtime::is_hamms_thread()
            && !self.shared.wait_for_listener(generation, TASK_WAIT_LIMIT)
        {
            tracing::warn!(addr = %self.addr(), "the listener did not follow the new behavior in time");
        }
        Ok(previous)
    }

    /// [`try_set_behavior`](Self::try_set_behavior) for hamms' own tasks (the control API):
    /// waits for the listener without blocking a runtime thread.
    #[cfg(feature = "control")]
    pub(crate) async fn switch_behavior(&self, behavior: Behavior) -> Result<Behavior, Error> {
        self.shared.admit(&behavior)?;
        tracing::info!(addr = %self.addr(), %behavior, "behavior set");
        let (previous, generation) = self.shared.replace_behavior(behavior);
        let shared = Arc::clone(&self.shared);
        let _ = tokio::task::spawn_blocking(move || {
            shared.wait_for_listener(generation, TASK_WAIT_LIMIT)
        })
        .await;
        Ok(previous)
    }

    /// Where a proxy relays to (`host:port`); `None` for servers that are not proxies.
    pub fn backend(&self) -> Option<String> {
        self.shared
            .role
            .proxy()
            .map(|state| state.backend().addr.clone())
    }

    /// Relays a proxy's next connections (tcp) and requests (http) to `backend` (`host:port`);
    /// connections already open stay with the backend they were relayed to. Returns the
    /// previous backend.
    ///
    /// ```
    /// use hamms_core::FaultServer;
    /// let (old, new) = (FaultServer::fixture().start()?, FaultServer::fixture().start()?);
    /// let proxy = FaultServer::proxy(old.addr().to_string()).start()?;
    /// let previous = proxy.set_backend(new.addr().to_string())?;
    /// assert_eq!(previous, old.addr().to_string());
    /// assert_eq!(proxy.backend(), Some(new.addr().to_string()));
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidBackend`] for an address that is not `host:port`; [`Error::WrongRole`] on
    /// a server that is not a proxy. The backend in force stays.
    pub fn set_backend(&self, backend: impl Into<String>) -> Result<String, Error> {
        let Some(state) = self.shared.role.proxy() else {
            return Err(Error::WrongRole {
                asked: "set_backend".to_owned(),
                needs: ServerKind::Proxy,
                server: self.shared.kind(),
            });
        };
        let backend = backend.into();
        let previous = state.set_backend(&backend)?;
        tracing::info!(addr = %self.addr(), %backend, "backend set");
        Ok(previous.addr.clone())
    }

    /// Closes the connections open now (idle ones at once, the others once their exchange is
    /// over), as a restart would, keeping the port and the behavior: what a proxy's new upstream
    /// does through Toxiproxy's API. Marked before this returns.
    #[cfg(feature = "control")]
    pub(crate) fn close_open_connections(&self) {
        self.shared.close_open_connections();
    }

    /// Stops the server as dropping it does (no more connections, open ones closed, the port
    /// free), without blocking a thread: for hamms' own tasks (the control API deleting a proxy
    /// it created), which must not block the runtime they run on.
    #[cfg(feature = "control")]
    pub(crate) async fn stop(&self) {
        self.shared.stop();
        self.shared.tasks.wait().await;
    }

    /// The server's running totals.
    #[cfg(any(feature = "control", test))]
    pub(crate) fn meter(&self) -> &Meter {
        self.shared.history.meter()
    }

    /// What kind of server this is now (for the control API's errors).
    #[cfg(feature = "control")]
    pub(crate) fn kind(&self) -> ServerKind {
        self.shared.kind()
    }

    /// Whether this server is a chaos proxy (it takes [`Behavior::proxy`] behaviors).
    pub fn is_proxy(&self) -> bool {
        self.shared.role.proxy().is_some()
    }

    /// Sets `behavior` until the returned guard drops, then restores the previous one.
    /// Panics as [`set_behavior`](Self::set_behavior) does.
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
    #[track_caller]
    pub fn scoped_behavior(&self, behavior: Behavior) -> BehaviorGuard<'_> {
        BehaviorGuard::new(self, self.set_behavior(behavior))
    }

    /// Runs `body` with `behavior` in place, then restores the previous behavior, also if `body`
    /// panics. Works under any async executor. Panics as [`set_behavior`](Self::set_behavior)
    /// does.
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
    #[track_caller]
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

/// Programming the fixture (a server started with [`FaultServer::fixture`], or one started as
/// a mode once it has switched to [`Behavior::fixture`]). The answers are kept across behavior
/// changes and apply while the behavior is the fixture: a test can switch a fixture to a failure
/// and back, or a failure mode to the fixture (its answers are made at that first switch, `200`
/// with an empty body until the test programs others) and back.
///
/// ```
/// use hamms_core::{Behavior, FaultServer, Response};
/// let server = FaultServer::start("reset_by_peer")?;
/// // ... the client meets the resets ...
/// server.set_behavior(Behavior::fixture());
/// server.respond_with(Response::ok().text("recovered"));
/// // ... and now the answer
/// # Ok::<(), hamms_core::Error>(())
/// ```
///
/// The `respond_*` methods panic on a server that has never served the fixture (a proxy, or a
/// mode server before its first switch), naming the fix: there would be nothing to answer with
/// what they set.
impl FaultServer {
    /// The fixture's plan; a programming mistake on a server that has never served the fixture.
    #[track_caller]
    fn plan(&self) -> &Plan {
        match self.shared.role.plan() {
            Some(plan) => plan,
            None if self.is_proxy() => panic!(
                "hamms: a chaos proxy relays its backend's answers and programs none; \
                 program the backend, or start a fixture with FaultServer::fixture()"
            ),
            None => panic!(
                "hamms: only the fixture answers what a test programs, and this server runs `{}`; \
                 switch it first (server.set_behavior(Behavior::fixture())), or start it with \
                 FaultServer::fixture()",
                self.behavior()
            ),
        }
    }

    /// Answers every request that nothing else claims with `response` (replacing a closure set
    /// by [`respond_fn`](Self::respond_fn)).
    #[track_caller]
    pub fn respond_with(&self, response: Response) {
        self.plan().respond_with(response);
    }

    /// Answers the next request with `response`, then goes back to what answered before. Queued
    /// after responses already waiting, like [`respond_in_order`](Self::respond_in_order).
    #[track_caller]
    pub fn respond_once(&self, response: Response) {
        self.plan().enqueue([response]);
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
    #[track_caller]
    pub fn respond_in_order(&self, responses: impl IntoIterator<Item = Response>) {
        self.plan().enqueue(responses);
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
    #[track_caller]
    pub fn respond_fn(&self, respond: impl Fn(&Request) -> Response + Send + Sync + 'static) {
        self.plan().respond_fn(Arc::new(respond));
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
    /// [`Error::WrongRole`] on a server that has never served the fixture;
    /// [`Error::NotPerRequest`] for a failure that cannot serve a single request: `refused` and
    /// `connect_timeout` (they act on the listening socket: switch the whole server with
    /// [`set_behavior`](Self::set_behavior) for those), the fixture itself, a proxy behavior.
    pub fn fail_next(&self, n: usize, failure: Behavior) -> Result<(), Error> {
        let Some(plan) = self.shared.role.plan() else {
            return Err(Error::WrongRole {
                asked: "fail_next".to_owned(),
                needs: ServerKind::Fixture,
                server: self.shared.kind(),
            });
        };
        let configured = match model(&failure) {
            Model::Mode(configured)
                if failure.accepts_connections() && *configured.mode() != Mode::Fixture =>
            {
                configured
            }
            // The fixture itself, a mode of the listening socket, a proxy's behavior.
            _ => {
                return Err(Error::NotPerRequest {
                    failure: failure.to_string(),
                });
            }
        };
        plan.fail_next(n, configured.clone());
        Ok(())
    }

    /// Back to the start: the fixture answers `200` with an empty body (no queue, no closure, no
    /// pending failures), no stub is mounted (their expectations are not checked), every
    /// scenario is back in `"Started"`, and the history is empty. The behavior stays as it is.
    pub fn reset(&self) {
        if let Some(plan) = self.shared.role.plan() {
            plan.reset();
        }
        self.shared.stubs.clear();
        self.shared.history.clear();
    }
}

impl Drop for FaultServer {
    /// Stops the server, then checks the expectations of its mounted stubs: a failed one
    /// panics with its report, unless the test is already panicking.
    fn drop(&mut self) {
        let shared = &self.shared;
        shared.stop();
        if !runtime::stop_and_wait(&shared.stop, &shared.tasks, TASK_WAIT_LIMIT) {
            tracing::warn!(addr = %self.addr(), "server tasks did not stop within {TASK_WAIT_LIMIT:?}");
        }
        if !std::thread::panicking()
            && let Some(report) = self.failed_expectations()
        {
            panic!("{report}");
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

/// Restores a server's previous behavior when dropped. From [`FaultServer::scoped_behavior`].
#[must_use = "the previous behavior comes back as soon as the guard drops"]
pub struct BehaviorGuard<'a> {
    server: &'a FaultServer,
    previous: Option<Behavior>,
}

impl<'a> BehaviorGuard<'a> {
    pub(super) fn new(server: &'a FaultServer, previous: Behavior) -> Self {
        BehaviorGuard {
            server,
            previous: Some(previous),
        }
    }
}

impl Drop for BehaviorGuard<'_> {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            // The previous behavior was this server's own, so its role admits it.
            let _ = self.server.try_set_behavior(previous);
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
