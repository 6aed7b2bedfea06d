//! The control API: JSON over HTTP that reads and switches the servers of this process.
//!
//! Design note: Vaurien's routes (`GET /behavior`, `PUT /behavior`, `GET /behaviors`) address the
//! first server, so a Vaurien client drives a single proxy unchanged; `/servers/{name}/...` reach
//! any of them (one control port for many proxies). hyper serves it on hamms' runtime; `routes`
//! holds the handlers.

mod routes;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::behavior::Behavior;
use crate::error::Error;
use crate::server::{FaultServer, runtime_handle, stop_and_wait};

/// How long dropping the control server waits for its connections to close.
const STOP_LIMIT: Duration = Duration::from_secs(5);

/// A running control API. Dropping it stops it.
///
/// ```
/// use std::sync::Arc;
/// use hamms_core::{ControlServer, FaultServer};
///
/// let backend = FaultServer::fixture().start()?;
/// let proxy = Arc::new(FaultServer::proxy(backend.addr().to_string()).start()?);
/// let control = ControlServer::start(
///     "127.0.0.1:0".parse().unwrap(),
///     vec![("proxy".to_owned(), Arc::clone(&proxy))],
///     false,
/// )?;
/// // PUT http://{control.addr()}/behavior {"name": "delay", "sleep": 0.5}
/// # let _ = control.addr();
/// # Ok::<(), hamms_core::Error>(())
/// ```
pub struct ControlServer {
    addr: SocketAddr,
    stop: CancellationToken,
    tasks: TaskTracker,
}

/// The servers a control API reaches, by name, in order (the first one answers Vaurien's routes),
/// with the behavior each started with (what `reset` restores).
pub(crate) type Servers = Arc<Vec<Controlled>>;

pub(crate) struct Controlled {
    pub(crate) name: String,
    pub(crate) server: Arc<FaultServer>,
    pub(crate) initial: Behavior,
}

impl ControlServer {
    /// Serves the control API on `addr` for `servers`. The first server answers the
    /// Vaurien-compatible routes.
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
        if !addr.ip().is_loopback() && !allow_remote {
            return Err(Error::RemoteControl { addr });
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
        let servers: Servers = Arc::new(
            servers
                .into_iter()
                .map(|(name, server)| Controlled {
                    initial: server.behavior(),
                    name,
                    server,
                })
                .collect(),
        );
        tasks.spawn_on(
            accept_loop(listener, servers, stop.clone(), tasks.clone()),
            runtime,
        );
        tracing::debug!(%addr, "control API started");
        Ok(ControlServer { addr, stop, tasks })
    }

    /// The address the control API listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    servers: Servers,
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
        let servers = Arc::clone(&servers);
        let stop = stop.clone();
        tasks.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                routes::handle(Arc::clone(&servers), request)
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
    }
}

impl fmt::Debug for ControlServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
