//! [`Conn`], one accepted connection: what it holds, and what it is (its identity, its TLS,
//! the behavior serving it). What it does is split by concern: `reading` (bytes and requests
//! from the client, and the waits between them), `recording` (what it commits to the history,
//! and when), `writing` (bytes and responses to the client), `closing` (graceful or reset).
//!
//! Design note: every byte in and out goes through [`Conn`], which records it in the history, so
//! modes never think about recording. What a connection records is gathered in its [`Journal`]
//! and committed in one lock at the moments a test may look: before the connection waits (for
//! bytes or a timer), before it writes, and when it ends.
//!
//! A connection holds memory in proportion to what it holds: none for its reads until bytes
//! arrive (they are read into a scratch buffer on the stack, then kept in a buffer of their
//! size), a read buffer that grows with a large request and is released after it, and no TLS
//! state until a client's first handshake bytes arrive. Before its client's first byte, a
//! connection under a behavior that waits for it is not a `Conn` yet but an `Accepted`: a
//! thousand idle connections (a slowloris test) cost under a kilobyte each.

#[cfg(feature = "tls")]
use std::future::poll_fn;
use std::io;
#[cfg(feature = "tls")]
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::Xoshiro256PlusPlus;
#[cfg(feature = "tls")]
use tokio::io::ReadBuf;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
#[cfg(feature = "tls")]
use tokio_rustls::TlsAcceptor;

use super::shared::Shared;
use super::stream::Stream;
use crate::history::{ConnectionEnd, Journal, Request, SharedReply};
use crate::http1::RequestParser;
use crate::tls::ServerConfig;

pub(crate) struct Conn {
    pub(super) stream: Stream,
    /// Received bytes no request has consumed yet.
    pub(super) received: Vec<u8>,
    /// When the last bytes arrived: a request's arrival time is that of the read that completed it.
    pub(super) last_read: Instant,
    pub(super) parser: RequestParser,
    /// Set once the client sent something that is not HTTP: stop trying to parse requests.
    pub(super) not_http: bool,
    /// What the connection has to record and has not yet.
    pub(super) journal: Journal,
    /// The number of the behavior serving the connection now (see `Shared::versioned`).
    generation: u64,
    /// How many changes had told open connections to close when this one was accepted (see
    /// `Shared::closings`): once the count grows, this connection is to close.
    closings: u64,
    /// What the server sent before any request was complete (modes that write on connect): the
    /// reply of the next request recorded on this connection.
    pub(super) early_reply: Option<SharedReply>,
    /// A request read and recorded already, for the next read to return: a stub that answers
    /// with a catalog mode hands the mode the request it matched.
    pub(super) pending: Option<Arc<Request>>,
    pub(super) id: u64,
    pub(super) peer: SocketAddr,
    pub(super) shared: Arc<Shared>,
    /// Whether how the connection ended is recorded.
    finished: bool,
}

impl Drop for Conn {
    /// A connection dropped before it ended is one whose server stopped (its task aborted).
    fn drop(&mut self) {
        if !self.finished {
            self.finish(ConnectionEnd::ServerStopped);
        }
    }
}

impl Conn {
    /// The connection accepted as `id` (its record open in the history), when the server had
    /// told open connections to close `closings` times.
    pub(super) fn new(
        shared: Arc<Shared>,
        stream: TcpStream,
        peer: SocketAddr,
        id: u64,
        closings: u64,
    ) -> Conn {
        let limits = shared.history.limits();
        Conn {
            stream: Stream::Plain(stream),
            received: Vec::new(),
            last_read: Instant::now(),
            parser: RequestParser::new(limits.read_cap),
            not_http: false,
            journal: Journal::new(limits.raw_cap),
            generation: 0,
            closings,
            early_reply: None,
            pending: None,
            id,
            peer,
            shared,
            finished: false,
        }
    }

    /// Records what the journal still holds, the request still arriving (as far as it came),
    /// then how the connection ended.
    pub(crate) fn finish(&mut self, end: ConnectionEnd) {
        self.finished = true;
        self.notice_unfinished_request(&end);
        self.shared
            .history
            .close_connection(self.id, &mut self.journal, end);
    }

    /// The connection's TCP socket in two halves, with the bytes already read and not consumed,
    /// for a relay that drives each direction on a task of its own; `None` on a TLS connection.
    /// Bytes through the halves are not recorded: the relay records them. Give the halves back
    /// with [`rejoin_tcp`](Self::rejoin_tcp) before the connection ends.
    pub(crate) fn split_tcp(&mut self) -> Option<(Vec<u8>, OwnedReadHalf, OwnedWriteHalf)> {
        self.flush();
        match std::mem::replace(&mut self.stream, Stream::Detached) {
            Stream::Plain(tcp) => {
                let (read, write) = tcp.into_split();
                Some((std::mem::take(&mut self.received), read, write))
            }
            other => {
                self.stream = other;
                None
            }
        }
    }

    /// Puts back the halves [`split_tcp`](Self::split_tcp) gave.
    pub(crate) fn rejoin_tcp(&mut self, read: OwnedReadHalf, write: OwnedWriteHalf) {
        if let Ok(tcp) = read.reunite(write) {
            self.stream = Stream::Plain(tcp);
        }
    }

    /// Whether the connection speaks TLS (its handshake succeeded).
    pub(crate) fn is_tls(&self) -> bool {
        self.stream.is_tls()
    }

    /// Performs the TLS handshake with `config`, unless the connection already speaks TLS.
    /// Records what it settled, or why it failed. The handshake's state (rustls' buffers) is
    /// made once the client's first bytes arrive: a client that never starts its handshake
    /// costs no more than any idle connection.
    pub(crate) async fn accept_tls(
        &mut self,
        config: Arc<ServerConfig>,
    ) -> Result<(), ConnectionEnd> {
        // Without TLS there is no configuration to be given (`tls::absent`).
        #[cfg(not(feature = "tls"))]
        match *config {}
        #[cfg(feature = "tls")]
        {
            self.flush();
            let tcp = match std::mem::replace(&mut self.stream, Stream::Detached) {
                Stream::Plain(tcp) => tcp,
                other => {
                    self.stream = other;
                    return Ok(());
                }
            };
            // A peek, not `readable()`: tokio reports a new socket readable before any byte came.
            // Polled in place: a peek future would keep room for its waiter while the client waits.
            let peeked = poll_fn(|cx| {
                let mut byte = [MaybeUninit::<u8>::uninit()];
                tcp.poll_peek(cx, &mut ReadBuf::uninit(&mut byte))
            })
            .await;
            if let Err(e) = peeked {
                return Err(end_from_io(&e));
            }
            // Boxed: the handshake's state is large, and only TLS connections need room for it.
            match Box::pin(TlsAcceptor::from(config).accept(tcp)).await {
                Ok(tls) => {
                    self.stream = Stream::Tls(Box::new(tls));
                    if let Some(info) = self.stream.tls_info() {
                        self.shared.history.tls_established(self.id, info);
                    }
                    Ok(())
                }
                Err(e) => Err(ConnectionEnd::TlsHandshakeFailed(e.to_string())),
            }
        }
    }

    /// What the TLS handshake of this connection settled, if it speaks TLS.
    pub(crate) fn tls_info(&self) -> Option<crate::history::TlsInfo> {
        self.stream.tls_info()
    }

    /// Whether a change since the connection was accepted told open connections to close.
    pub(crate) fn is_to_close(&self) -> bool {
        self.shared.closings() != self.closings
    }

    /// How many changes had told open connections to close when this one was accepted.
    pub(crate) fn closings(&self) -> u64 {
        self.closings
    }

    /// Notes which behavior (by number) serves the connection from now on.
    pub(crate) fn served_by(&mut self, generation: u64) {
        self.generation = generation;
    }

    /// The number of the behavior serving the connection: a mode that keeps the connection to
    /// itself (HTTP/2) compares it with the server's to notice a switch.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Runs `draw` on the server's seeded random sequence, or on a fresh one seeded with the
    /// request's own `?seed=` (`request_seed`).
    pub(crate) fn random<T>(
        &self,
        request_seed: Option<u64>,
        draw: impl FnOnce(&mut Xoshiro256PlusPlus) -> T,
    ) -> T {
        self.shared.random(request_seed, draw)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

/// How an I/O error ends a connection.
pub(crate) fn end_from_io(error: &io::Error) -> ConnectionEnd {
    match error.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => ConnectionEnd::ClientReset,
        io::ErrorKind::UnexpectedEof => ConnectionEnd::ClientClosed,
        _ => ConnectionEnd::Failed(error.to_string()),
    }
}

/// What the connection layer's unit tests drive: a [`Conn`] over a real loopback socket, and
/// the client's end of it.
#[cfg(test)]
pub(super) mod testing {
    use std::sync::Arc;

    use tokio::net::{TcpListener, TcpStream};

    use super::Conn;
    use crate::Behavior;
    use crate::connection::accepted::Accepted;
    use crate::connection::shared::{Role, Shared};
    use crate::history::{History, Limits};
    use crate::tls::TestCa;

    /// A connection accepted by a server under `behavior` in `role`, as its accept loop does
    /// it, and the client connected to it.
    pub(crate) async fn accepted_by(behavior: Behavior, role: Role) -> (Accepted, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared::new(
            addr,
            behavior,
            7,
            Limits::default(),
            TestCa::for_process(),
            role,
        ));
        let client = TcpStream::connect(addr).await.expect("connect to loopback");
        let (stream, peer) = listener.accept().await.expect("accept");
        (Accepted::new(shared, stream, peer), client)
    }

    /// A connection accepted by a fixture's `Shared`, and the client connected to it.
    pub(crate) async fn accepted() -> (Conn, TcpStream) {
        let (accepted, client) = accepted_by(Behavior::fixture(), Role::catalog(true)).await;
        (accepted.into_conn(), client)
    }

    /// What the connection's server recorded.
    pub(crate) fn history(conn: &Conn) -> History {
        conn.shared.history.snapshot()
    }
}
