//! Lending a connection to another protocol engine (hyper's HTTP/2) without losing the history:
//! what the client already sent is read first, and every byte in and out is still recorded.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::conn::Conn;

/// The connection's bytes, for as long as the borrow lasts.
pub(crate) struct LentIo<'a> {
    conn: &'a mut Conn,
}

impl Conn {
    /// Lends the connection's stream, starting with the bytes no request has consumed yet.
    pub(crate) fn lend_io(&mut self) -> LentIo<'_> {
        // What the journal holds goes first: the borrower records as it reads and writes.
        self.flush();
        LentIo { conn: self }
    }
}

impl AsyncRead for LentIo<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let conn = &mut *self.get_mut().conn;
        if !conn.received.is_empty() {
            // Already recorded when it was read.
            let n = buf.remaining().min(conn.received.len());
            buf.put_slice(&conn.received[..n]);
            conn.received.drain(..n);
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut conn.stream).poll_read(cx, buf))?;
        let arrived = &buf.filled()[before..];
        if !arrived.is_empty() {
            conn.last_read = Instant::now();
            conn.shared.history.received(conn.id, arrived);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for LentIo<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let conn = &mut *self.get_mut().conn;
        let written = ready!(Pin::new(&mut conn.stream).poll_write(cx, buf))?;
        conn.shared.history.sent(conn.id, &buf[..written]);
        Poll::Ready(Ok(written))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().conn.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().conn.stream).poll_shutdown(cx)
    }
}
