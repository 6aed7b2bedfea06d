//! [`ControlServer`], the running control API, and [`ControlBuilder`], its configuration.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::registry::{Controlled, Origin, Registry, names};
use super::{router, toxiproxy};
use crate::error::{Error, ServerKind};
use crate::server::{FaultServer, block_on, runtime_handle, stop_and_wait};
use hamms_catalog::Presets;

/// How long dropping the control server waits for its connections to close.
const STOP_LIMIT: Duration = Duration::from_secs(5);

/// A running control API: JSON over HTTP to read and switch servers, with Vaurien's routes,
/// hamms' `/servers/...` routes, Toxiproxy's v2 API (proxies and named toxics created at run
/// time) and `GET /metrics`. Dropping it stops it, and the proxies it created with it.
///
/// ```
/// use std::sync::Arc;
/// use hamms_core::FaultServer;
/// use hamms_core::control::ControlServer;
///
/// let backend = FaultServer::fixture().start()?;
/// let proxy = Arc::new(FaultServer::proxy(backend.addr().to_string()).start()?);
/// let control = ControlServer::start(
///     "127.0.0.1:0".parse().unwrap(),
///     vec![("proxy".to_owned(), Arc::clone(&proxy))],
///     false,
/// )?;
/// // PUT http://{control.addr()}/behavior {"name": "delay", "sleep": 0.5}
/// // POST http://{control.addr()}/proxies/proxy/toxics {"type": "latency", "attributes": {"latency": 100}}
/// # let _ = control.addr();
/// # Ok::<(), hamms_core::Error>(())
/// ```
pub struct ControlServer {
    addr: SocketAddr,
    stop: CancellationToken,
    tasks: TaskTracker,
    registry: Arc<Registry>,
}

/// Configures a [`ControlServer`] before it starts: its address, its servers, options preset for
/// their behaviors, and the seed of the proxies it creates. Errors surface from
/// [`start`](Self::start).
///
/// ```
/// use std::sync::Arc;
/// use hamms_core::FaultServer;
/// use hamms_core::control::{ControlServer, Presets};
///
/// let backend = FaultServer::fixture().start()?;
/// let proxy = Arc::new(FaultServer::proxy(backend.addr().to_string()).start()?);
/// // PUT /behavior {"name": "delay"} will sleep 0.2 s, as Vaurien's --behavior-delay-sleep.
/// let presets = Presets::new(&proxy.behavior(), [("delay.sleep", "0.2")])?;
/// let control = ControlServer::builder()
///     .server("proxy", Arc::clone(&proxy))
///     .presets("proxy", presets)
///     .start()?;
/// # let _ = control.addr();
/// # Ok::<(), hamms_core::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start()`"]
pub struct ControlBuilder {
    addr: SocketAddr,
    allow_remote: bool,
    servers: Vec<(String, Arc<FaultServer>)>,
    presets: Vec<(String, Presets)>,
    seed: Option<u64>,
}

impl ControlServer {
    /// Serves the control API on `addr` for `servers`. The first server answers the
    /// Vaurien-compatible routes. Shorthand for [`ControlServer::builder`].
    ///
    /// # Errors
    /// [`Error::RemoteControl`] for an address that is not loopback, unless `allow_remote`
    /// (anyone who reaches the port can switch the servers); [`Error::Bind`] if the address is
    /// taken.
    pub fn start(
        addr: SocketAddr,
        servers: Vec<(String, Arc<FaultServer>)>,
        allow_remote: bool,
    ) -> Result<ControlServer, Error> {
        let builder = ControlServer::builder().bind(addr);
        let builder = if allow_remote {
            builder.allow_remote()
        } else {
            builder
        };
        servers
            .into_iter()
            .fold(builder, |builder, (name, server)| {
                builder.server(name, server)
            })
            .start()
    }

    /// A builder: on `127.0.0.1:0`, with no server until [`server`](ControlBuilder::server)
    /// adds some (Toxiproxy's routes can create proxies later).
    pub fn builder() -> ControlBuilder {
        ControlBuilder {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_remote: false,
            servers: Vec::new(),
            presets: Vec::new(),
            seed: None,
        }
    }

    /// The address the control API listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Creates the proxies of a Toxiproxy configuration (`toxiproxy-server -config`, the body of
    /// `POST /populate`: a JSON array of `{"name", "listen", "upstream", "enabled"}`), as
    /// `POST /populate` does: a proxy of the same name is kept if its `listen` and `upstream`
    /// are the same, else replaced. Returns each proxy's name and address, in the list's order.
    /// Blocks until the proxies listen.
    ///
    /// ```
    /// use hamms_core::FaultServer;
    /// use hamms_core::control::ControlServer;
    /// let backend = FaultServer::fixture().start()?;
    /// let control = ControlServer::builder().start()?;
    /// let config = format!(r#"[{{"name": "web", "listen": "127.0.0.1:0", "upstream": "{}"}}]"#, backend.addr());
    /// let proxies = control.populate(config.as_bytes())?;
    /// assert_eq!(proxies[0].0, "web");
    /// assert!(std::net::TcpStream::connect(proxies[0].1).is_ok());
    /// # Ok::<(), hamms_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ToxiproxyConfig`] naming what is wrong (not a list, a proxy without name or
    /// upstream, an address in use...). The whole list is checked before anything is created.
    ///
    /// # Panics
    /// If called on one of hamms' own threads (inside a fixture's `respond_fn`), which must
    /// never wait on hamms' runtime.
    pub fn populate(&self, config: &[u8]) -> Result<Vec<(String, SocketAddr)>, Error> {
        let registry = Arc::clone(&self.registry);
        let config = config.to_vec();
        block_on(async move {
            let mut servers = registry.lock().await;
            let created = toxiproxy::populate(&mut servers, registry.seed, &config).await;
            created
                .map(|created| {
                    created
                        .into_iter()
                        .filter_map(|name| {
                            let proxy = servers.iter().find(|c| c.name == name)?;
                            Some((name, proxy.server.addr()))
                        })
                        .collect()
                })
                .map_err(|failure| Error::ToxiproxyConfig {
                    reason: failure.description,
                })
        })
    }
}

impl ControlBuilder {
    /// Listens on `addr` instead of `127.0.0.1:0` (port 0 picks a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Lets the control API listen beyond loopback: anyone who reaches the port can then switch
    /// the servers and create proxies.
    pub fn allow_remote(mut self) -> Self {
        self.allow_remote = true;
        self
    }

    /// Adds a server under `name` (its name in `/servers/{name}` and, for a proxy, in
    /// Toxiproxy's `/proxies/{name}`). The first server answers Vaurien's routes. The control
    /// API switches it, but never stops or moves it: it stays its owner's.
    pub fn server(mut self, name: impl Into<String>, server: Arc<FaultServer>) -> Self {
        self.servers.push((name.into(), server));
        self
    }

    /// Options for the behaviors of the proxy `name` ([`Presets`]), used whenever the API
    /// switches it to one of them (a `PUT /behavior`, a toxic), before the request's own
    /// options, which win: Vaurien's `--behavior-delay-sleep 1`.
    pub fn presets(mut self, name: &str, presets: Presets) -> Self {
        self.presets.push((name.to_owned(), presets));
        self
    }

    /// Seeds the random choices of the proxies the API creates (default: `HAMMS_SEED`, else
    /// random).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Starts serving. Returns once the socket accepts connections.
    ///
    /// # Errors
    /// [`Error::RemoteControl`] for an address that is not loopback without
    /// [`allow_remote`](Self::allow_remote); [`Error::Bind`] if the address is taken;
    /// [`Error::UnknownServer`] for presets of a server not added; [`Error::WrongRole`] for
    /// presets of a server that is not a proxy.
    pub fn start(self) -> Result<ControlServer, Error> {
        let addr = self.addr;
        if !addr.ip().is_loopback() && !self.allow_remote {
            return Err(Error::RemoteControl { addr });
        }
        let mut servers: Vec<Controlled> = self
            .servers
            .into_iter()
            .map(|(name, server)| Controlled::new(name, server, Presets::default(), Origin::Given))
            .collect();
        for (name, presets) in self.presets {
            let valid = names(&servers);
            let server = servers.iter_mut().find(|c| c.name == name).ok_or_else(|| {
                Error::UnknownServer {
                    name: name.clone(),
                    valid,
                }
            })?;
            if !server.server.is_proxy() {
                return Err(Error::WrongRole {
                    asked: format!("`.presets(\"{name}\", ..)`"),
                    needs: ServerKind::Proxy,
                    server: server.server.kind(),
                });
            }
            server.presets = presets;
        }
        let bind_error = |source| Error::Bind { addr, source };
        let listener = std::net::TcpListener::bind(addr).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let runtime = runtime_handle();
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(bind_error)?
        };
        let stop = CancellationToken::new();
        let tasks = TaskTracker::new();
        let registry = Arc::new(Registry::new(servers, self.seed));
        tasks.spawn_on(
            accept_loop(listener, Arc::clone(&registry), stop.clone(), tasks.clone()),
            runtime,
        );
        tracing::debug!(%addr, "control API started");
        Ok(ControlServer {
            addr,
            stop,
            tasks,
            registry,
        })
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    registry: Arc<Registry>,
    stop: CancellationToken,
    tasks: TaskTracker,
) {
    loop {
        let (stream, _) = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "control API: accept failed");
                    continue;
                }
            },
        };
        let registry = Arc::clone(&registry);
        let stop = stop.clone();
        tasks.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                router::handle(Arc::clone(&registry), request)
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                () = stop.cancelled() => {}
                _ = connection => {}
            }
        });
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        if !stop_and_wait(&self.stop, &self.tasks, STOP_LIMIT) {
            tracing::warn!(addr = %self.addr, "control API tasks did not stop within {STOP_LIMIT:?}");
        }
        // The proxies it created drop with the registry, after this: each frees its port before
        // its own drop returns.
    }
}

impl fmt::Debug for ControlServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
