//! [`Accepted`]: a connection as it waits for its client's first byte, holding its socket and
//! its identity only.
//!
//! Design note: a test that holds thousands of idle connections (a slowloris, a pool that
//! connects ahead) pays for what each one holds while it says nothing. A behavior that does
//! nothing before the client speaks (a request to read, a TLS handshake to answer) gets the
//! connection as an `Accepted` until the first byte comes: no journal, no parser state, no
//! buffers, no TLS state, and a task whose future is this and a peek. The [`Conn`] is made
//! then, as it would have been at accept (same record, same count of closing changes).

use std::future::poll_fn;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::ReadBuf;
use tokio::net::TcpStream;

use super::conn::Conn;
use super::shared::Shared;
use crate::history::{ConnectionEnd, Journal};

pub(crate) struct Accepted {
    /// `None` once it became a [`Conn`].
    stream: Option<TcpStream>,
    /// Its record in the history (which keeps the peer's address: asked of the socket again
    /// when the `Conn` is made, rather than held by every idle connection).
    id: u64,
    /// How many changes had told open connections to close when it was accepted.
    closings: u64,
    shared: Arc<Shared>,
}

impl Drop for Accepted {
    /// An `Accepted` dropped before it became a `Conn` is one whose server stopped (its task
    /// aborted) while the client had sent nothing.
    fn drop(&mut self) {
        if self.stream.is_some() {
            let mut nothing = Journal::new(0);
            self.shared.history.close_connection(
                self.id,
                &mut nothing,
                ConnectionEnd::ServerStopped,
            );
        }
    }
}

impl Accepted {
    /// Takes over an accepted connection and opens its record in the history.
    pub(crate) fn new(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) -> Accepted {
        // Modes write single bytes on purpose; Nagle's algorithm (with the client's delayed ACKs)
        // would hold them back for up to 40 ms and blur every timing a test asserts.
        let _ = stream.set_nodelay(true);
        let id = shared.history.open_connection(peer);
        Accepted {
            stream: Some(stream),
            id,
            closings: shared.closings(),
            shared,
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Returns once the client has sent a byte, closed or failed: whatever it did, the
    /// connection's serving notices it at its first read.
    pub(crate) async fn first_byte(&self) {
        let Some(tcp) = &self.stream else {
            return;
        };
        // A peek, not `readable()`: tokio reports a new socket readable before any byte came.
        // Polled in place: a peek future would keep room for its waiter while the client waits.
        let _ = poll_fn(|cx| {
            let mut byte = [MaybeUninit::<u8>::uninit()];
            tcp.poll_peek(cx, &mut ReadBuf::uninit(&mut byte))
        })
        .await;
    }

    /// The connection, ready to serve.
    pub(crate) fn into_conn(mut self) -> Conn {
        let stream = self
            .stream
            .take()
            // Taken only here, which consumes `self`.
            .expect("an accepted connection has its socket");
        // A socket whose client already reset it no longer says: its record does, unless
        // evicted.
        let peer = stream
            .peer_addr()
            .ok()
            .or_else(|| self.shared.history.peer(self.id))
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        Conn::new(
            Arc::clone(&self.shared),
            stream,
            peer,
            self.id,
            self.closings,
        )
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;
    use tokio::io::AsyncWriteExt;

    use super::*;
    use crate::Behavior;
    use crate::connection::conn::testing::accepted_by;
    use crate::connection::shared::Role;

    async fn accepted() -> (Accepted, tokio::net::TcpStream) {
        accepted_by(
            Behavior::mode("no_response").expect("a mode"),
            Role::catalog(false),
        )
        .await
    }

    #[tokio::test]
    async fn the_first_byte_is_awaited_then_read_by_the_conn_it_becomes() {
        let (accepted, mut client) = accepted().await;
        assert!(
            accepted.first_byte().now_or_never().is_none(),
            "nothing sent yet"
        );
        client.write_all(b"G").await.expect("send");
        accepted.first_byte().await;
        let peer = client.local_addr().expect("an address");
        let shared = Arc::clone(accepted.shared());
        let mut conn = accepted.into_conn();
        assert_eq!(conn.peer(), peer);
        conn.read_more().await.expect("the byte");
        assert_eq!(conn.received, b"G", "peeked, not consumed");
        conn.finish(ConnectionEnd::ServerClosed);
        let history = shared.history.snapshot();
        assert_eq!(history.connections()[0].received, b"G");
    }

    #[tokio::test]
    async fn one_dropped_before_its_first_byte_is_recorded_as_stopped_by_the_server() {
        let (accepted, _client) = accepted().await;
        let shared = Arc::clone(accepted.shared());
        drop(accepted);
        let history = shared.history.snapshot();
        assert_eq!(
            history.connections()[0].end,
            Some(ConnectionEnd::ServerStopped)
        );
    }
}
