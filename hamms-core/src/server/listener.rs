//! The listening socket and the accept loop.
//!
//! Design note: a server's port stays its own for the server's whole life, whatever its behavior
//! asks of the socket:
//! - accepting: an ordinary listener;
//! - refusing (`refused`): a socket bound but not listening, so the kernel answers SYNs with RST
//!   (ECONNREFUSED) and no other program can take the port meanwhile;
//! - stalling (`connect_timeout`): a listener with a backlog of 0 whose one queue slot is taken by
//!   a connection of our own, never accepted. Linux drops SYNs to a listener whose accept queue is
//!   full, so a client's `connect()` neither succeeds nor fails until its own timeout.
//!
//! Moving between states closes the socket and binds the port again (a listener cannot stop
//! listening); the gap is a few microseconds. Going back to accepting from refusing reuses the
//! reserved socket, with no gap.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};

use super::session;
use crate::connection::{Accepted, Shared};
use crate::engine::{Disposition, model};

/// Connections the kernel may queue before the accept loop takes them.
const BACKLOG: u32 = 1024;
/// Pause after a failed accept (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);
/// How long a connect to our own stalled listener may take before we conclude its SYN was
/// dropped, i.e. the queue is full. A loopback connect with room in the queue completes within
/// the `connect` call itself.
const FILL_PROBE: Duration = Duration::from_millis(100);
/// Most connect attempts made to fill a stalled listener's queue (one filler does it on Linux).
const MAX_FILL_ATTEMPTS: usize = 16;

/// The server's socket in its current state.
pub(crate) enum Socket {
    Listening(TcpListener),
    /// Bound, not listening: connecting is refused and the port stays reserved.
    Reserved(TcpSocket),
    /// Listening with a full queue it never accepts from; `fillers` hold the queue full.
    Stalled {
        listener: TcpListener,
        fillers: Vec<TcpStream>,
    },
    /// None: binding the port again failed (another program took it in the moment between
    /// closing the socket and binding again). Logged; retried at the next behavior change.
    Unbound,
}

/// Binds `addr` as `disposition` wants (a stalled listener is filled later by the accept loop).
/// Must run inside hamms' runtime context (a listener registers with its reactor).
pub(crate) fn bind(addr: SocketAddr, disposition: Disposition) -> io::Result<(Socket, SocketAddr)> {
    let socket = new_socket(addr)?;
    socket.bind(addr)?;
    let local = socket.local_addr()?;
    let socket = match disposition {
        Disposition::Accept => Socket::Listening(socket.listen(BACKLOG)?),
        Disposition::Refuse => Socket::Reserved(keep_reserved(socket)?),
        Disposition::Stall => Socket::Stalled {
            listener: socket.listen(0)?,
            fillers: Vec::new(),
        },
    };
    Ok((socket, local))
}

/// A socket with SO_REUSEADDR. Connections a listener accepts inherit the flag, and so do their
/// TIME_WAIT remains once closed; without it those remains would keep anyone, this server
/// included, from binding the port again after a drop or a switch of behavior.
fn new_socket(addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    Ok(socket)
}

/// A bound socket that will not listen: clearing SO_REUSEADDR means no other socket can bind the
/// port while we refuse on it.
fn keep_reserved(socket: TcpSocket) -> io::Result<TcpSocket> {
    socket.set_reuseaddr(false)?;
    Ok(socket)
}

/// Accepts connections and spawns a task for each, until the server stops. Follows behavior
/// changes between accepting, refusing and stalling.
pub(crate) async fn accept_loop(shared: Arc<Shared>, mut socket: Socket) {
    let mut behavior = shared.subscribe();
    loop {
        let (disposition, generation) = {
            let current = behavior.borrow_and_update();
            (model(&current.behavior).disposition(), current.generation)
        };
        socket = follow(socket, disposition, shared.addr).await;
        shared.listener_follows(generation);
        let accepted = match &socket {
            Socket::Listening(listener) => tokio::select! {
                biased;
                () = shared.stop.cancelled() => return,
                _ = behavior.changed() => continue,
                accepted = listener.accept() => accepted,
            },
            Socket::Reserved(_) | Socket::Stalled { .. } | Socket::Unbound => tokio::select! {
                () = shared.stop.cancelled() => return,
                _ = behavior.changed() => continue,
            },
        };
        match accepted {
            Ok((stream, peer)) => start::<false>(&shared, stream, peer),
            Err(error) => {
                tracing::warn!(addr = %shared.addr, %error, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Starts serving a connection just accepted (on the TLS port if `OVER_TLS`). Opened here, in
/// accept order: the connection's id and record come first.
fn start<const OVER_TLS: bool>(shared: &Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let accepted = Accepted::new(Arc::clone(shared), stream, peer);
    let id = accepted.id();
    shared.start_connection(id, || {
        shared
            .tasks
            .spawn(session::serve::<OVER_TLS>(accepted))
            .abort_handle()
    });
}

/// Accepts connections on a second listener whose connections all speak TLS (`tls_also_on`, a
/// WireMock server's `--https-port`), until the server stops: the same server, behaviors,
/// stubs and history as its first port.
pub(crate) async fn accept_tls_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            biased;
            () = shared.stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => start::<true>(&shared, stream, peer),
            Err(error) => {
                tracing::warn!(%error, "accept failed on the TLS port");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Moves the socket to the state the behavior wants.
async fn follow(socket: Socket, want: Disposition, addr: SocketAddr) -> Socket {
    let result = match (socket, want) {
        (Socket::Reserved(reserved), Disposition::Accept) => reserved
            .set_reuseaddr(true)
            .and_then(|()| reserved.listen(BACKLOG))
            .map(Socket::Listening),
        (Socket::Stalled { listener, fillers }, Disposition::Stall) if fillers.is_empty() => {
            fill(listener).await
        }
        (socket @ Socket::Listening(_), Disposition::Accept)
        | (socket @ Socket::Reserved(_), Disposition::Refuse)
        | (socket @ Socket::Stalled { .. }, Disposition::Stall) => Ok(socket),
        (socket, want) => {
            drop(socket);
            match bind(addr, want) {
                Ok((Socket::Stalled { listener, .. }, _)) => fill(listener).await,
                Ok((socket, _)) => Ok(socket),
                Err(e) => Err(e),
            }
        }
    };
    result.unwrap_or_else(|error| {
        tracing::warn!(%addr, %error, "could not bind the server's port again");
        Socket::Unbound
    })
}

/// Fills the accept queue of a backlog-0 listener with connections of our own, until a connect
/// shows the kernel dropping SYNs. The first connect must succeed (the queue starts empty), so
/// a slow first probe is retried rather than taken for a full queue. Should the queue never fill
/// (a kernel that accepts past the backlog), the listener is kept stalled as well as it can be:
/// the port stays the server's, and a warning says connects may complete.
async fn fill(listener: TcpListener) -> io::Result<Socket> {
    let target = connectable(listener.local_addr()?);
    let mut fillers = Vec::new();
    for _ in 0..MAX_FILL_ATTEMPTS {
        match tokio::time::timeout(FILL_PROBE, TcpStream::connect(target)).await {
            Ok(connected) => fillers.push(connected?),
            // The SYN was dropped: the queue is full. Dropping the attempt closes its socket.
            Err(_) if !fillers.is_empty() => return Ok(Socket::Stalled { listener, fillers }),
            Err(_) => {}
        }
    }
    tracing::warn!(
        addr = %target,
        "connect_timeout could not fill the listen queue ({} connections queued); clients may connect",
        fillers.len()
    );
    Ok(Socket::Stalled { listener, fillers })
}

/// An address a client on this machine can connect to for a socket bound to `addr`.
pub(crate) fn connectable(mut addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            Ipv4Addr::LOCALHOST.into()
        } else {
            Ipv6Addr::LOCALHOST.into()
        });
    }
    addr
}
