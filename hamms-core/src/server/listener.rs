//! The listening socket and the accept loop.
//!
//! Design note: a server's port stays its own for the server's whole life, even while its behavior
//! is `refused`. Refusing is done by a socket that is bound but not listening: the kernel answers
//! SYNs on that port with RST (ECONNREFUSED), and no other program can take the port meanwhile.
//! Switching back to accepting calls `listen()` on that same socket. Switching to refusing must
//! close the listener and bind again; the gap is a few microseconds.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio_util::task::TaskTracker;

use super::connection;
use super::shared::Shared;

/// Connections the kernel may queue before the accept loop takes them.
const BACKLOG: u32 = 1024;
/// Pause after a failed accept (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// The server's socket in its current state.
pub(crate) enum Socket {
    Listening(TcpListener),
    /// Bound, not listening: connecting is refused and the port stays reserved.
    Reserved(TcpSocket),
    /// Neither: binding the port again failed (another program took it in the moment between
    /// closing the listener and reserving the port). Logged; retried at the next behavior change.
    Unbound,
}

/// Binds `addr`, listening unless the behavior refuses connections. Must run inside hamms'
/// runtime context (a listener registers with its reactor).
pub(crate) fn bind(addr: SocketAddr, refuse: bool) -> io::Result<(Socket, SocketAddr)> {
    let socket = new_socket(addr)?;
    socket.bind(addr)?;
    let local = socket.local_addr()?;
    if refuse {
        Ok((Socket::Reserved(keep_reserved(socket)?), local))
    } else {
        Ok((Socket::Listening(socket.listen(BACKLOG)?), local))
    }
}

/// A socket with SO_REUSEADDR. Connections a listener accepts inherit the flag, and so do their
/// TIME_WAIT remains once closed; without it those remains would keep anyone, this server
/// included, from binding the port again after a drop or a switch back from refusing.
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
/// changes between listening and refusing.
pub(crate) async fn accept_loop(shared: Arc<Shared>, mut socket: Socket, tasks: TaskTracker) {
    let mut behavior = shared.subscribe();
    loop {
        let (refuse, generation) = {
            let current = behavior.borrow_and_update();
            (current.behavior.refuses_connections(), current.generation)
        };
        socket = follow(socket, refuse, shared.addr);
        shared.listener_follows(generation);
        let accepted = match &socket {
            Socket::Listening(listener) => tokio::select! {
                biased;
                () = shared.stop.cancelled() => return,
                _ = behavior.changed() => continue,
                accepted = listener.accept() => accepted,
            },
            Socket::Reserved(_) | Socket::Unbound => tokio::select! {
                () = shared.stop.cancelled() => return,
                _ = behavior.changed() => continue,
            },
        };
        match accepted {
            Ok((stream, peer)) => {
                tasks.spawn(connection::serve(Arc::clone(&shared), stream, peer));
            }
            Err(error) => {
                tracing::warn!(addr = %shared.addr, %error, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Moves the socket to the state the behavior wants: listening, or bound and refusing.
fn follow(socket: Socket, refuse: bool, addr: SocketAddr) -> Socket {
    let result = match (socket, refuse) {
        (Socket::Reserved(reserved), false) => reserved
            .set_reuseaddr(true)
            .and_then(|()| reserved.listen(BACKLOG))
            .map(Socket::Listening),
        (Socket::Listening(listener), true) => {
            drop(listener);
            bind(addr, true).map(|(socket, _)| socket)
        }
        (Socket::Unbound, refuse) => bind(addr, refuse).map(|(socket, _)| socket),
        (unchanged, _) => Ok(unchanged),
    };
    result.unwrap_or_else(|error| {
        tracing::warn!(%addr, %error, "could not re-bind the server's port");
        Socket::Unbound
    })
}
