//! [`FrameTap`]: the HTTP/2 connection's bytes as the `h2` crate reads and writes them, followed
//! frame by frame: every frame is filed in the [`StreamLog`], and the acknowledgements a fault
//! withholds never leave.
//!
//! Design note: the tap takes whole frames out of what `h2` writes, so it must see a frame's
//! header before letting any of its bytes through. It keeps what passes in a small outbox (the
//! way a buffered writer does) and sends it on every write and flush; the `h2` crate flushes
//! after each batch of frames, so nothing waits there. Frames written by hand
//! ([`FrameTap::send_frame`]) go through the same path, after the frame in progress.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

use super::streams::StreamLog;
use crate::http2::{FrameHeader, FrameScanner, Kind, Scanned};

/// Past this many bytes waiting in the outbox, a write waits for the socket first. Below it,
/// what `h2` writes in one batch leaves in one write at the batch's flush: the client receives
/// a burst as the server meant it, whatever the scheduler does between `h2`'s writes (a window
/// overflowed at once, not piece by piece as the client makes room).
const OUTBOX_LIMIT: usize = 1024 * 1024;

/// The frames of the server that never leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::modes) enum Withheld {
    Nothing,
    /// SETTINGS acknowledgements: the client's settings are never confirmed.
    SettingsAcks,
    /// PING acknowledgements: the client's pings go unanswered.
    PingAcks,
}

impl Withheld {
    fn withholds(self, header: &FrameHeader) -> bool {
        match self {
            Withheld::Nothing => false,
            Withheld::SettingsAcks => header.kind == Kind::Settings && header.is_ack(),
            Withheld::PingAcks => header.kind == Kind::Ping && header.is_ack(),
        }
    }
}

/// Follows (and, for a fault, filters) the frames crossing `io`.
pub(super) struct FrameTap<'a, IO> {
    io: IO,
    log: &'a StreamLog,
    withheld: Withheld,
    /// Follows the server's frames.
    sent: FrameScanner,
    /// Follows the client's frames, after its preface.
    received: FrameScanner,
    /// Bytes that passed, not yet written to `io`.
    outbox: Vec<u8>,
}

impl<'a, IO: AsyncRead + AsyncWrite + Unpin> FrameTap<'a, IO> {
    pub(super) fn new(io: IO, log: &'a StreamLog, withheld: Withheld) -> Self {
        FrameTap {
            io,
            log,
            withheld,
            sent: FrameScanner::new(),
            received: FrameScanner::after_preface(),
            outbox: Vec::new(),
        }
    }

    /// Sends whole frames written by hand, and flushes. Returns `false`, sending nothing, if the
    /// last frame `h2` began is unfinished (it stopped mid-frame): the frames would land inside
    /// it.
    pub(super) async fn send_frame(&mut self, frame: &[u8]) -> io::Result<bool> {
        if !self.sent.at_boundary() {
            return Ok(false);
        }
        self.write_all(frame).await?;
        self.flush().await?;
        Ok(true)
    }

    /// Writes the outbox to `io`.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.outbox.is_empty() {
            let written = ready!(Pin::new(&mut self.io).poll_write(cx, &self.outbox))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.outbox.drain(..written);
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for FrameTap<'_, IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        let log = this.log;
        this.received.feed(&buf.filled()[before..], |scanned| {
            if let Scanned::End(frame) = scanned {
                log.received(frame);
            }
        });
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for FrameTap<'_, IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.outbox.len() >= OUTBOX_LIMIT {
            ready!(this.poll_drain(cx))?;
        }
        let (outbox, withheld, log) = (&mut this.outbox, this.withheld, this.log);
        this.sent.feed(buf, |scanned| match scanned {
            Scanned::Bytes(header, run) => {
                if !withheld.withholds(header) {
                    outbox.extend_from_slice(run);
                }
            }
            Scanned::End(frame) => {
                if !withheld.withholds(&frame.header) {
                    log.sent(frame);
                }
            }
        });
        // Sent at the flush that follows every batch (or past the limit, above).
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
