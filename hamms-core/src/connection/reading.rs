//! Reading from the client: bytes as they come, the next request (recorded as the caller
//! says), and the waits between them that still notice a client that leaves.

use std::future::poll_fn;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, ReadBuf};

use super::conn::{Conn, end_from_io};
use super::overrides::{bad_parameter, overrides, refused_fixed};
use super::served::{After, Stop};
use crate::engine::{Configured, ForRequest, FromParams};
use crate::history::{ConnectionEnd, Reply, Request, SharedReply};
use crate::http1::{Location, ParseError, WireResponse};
use crate::http2::PREFACE;

/// The stack buffer a read goes to when the receive buffer has little room: an idle connection
/// keeps no buffer of its own.
const SCRATCH: usize = 16 * 1024;
/// Room in the receive buffer from which reads go straight into it (a large request arriving).
const DIRECT_READ: usize = 4 * 1024;
/// While a mode pauses, it reads (to notice a client that leaves) until this much is buffered;
/// past it, the client waits for the mode like any server's client would.
const PAUSE_READ_LIMIT: usize = 1024 * 1024;

/// When a request the connection reads is recorded in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Record {
    /// At once: the history has the request before the caller does anything with it (a mode
    /// that waits, drips, or never answers).
    AtOnce,
    /// With its answer's first write, in one lock for both, or before the connection waits for
    /// anything, whichever comes first: for answers that start at once (the fixture's).
    WithAnswer,
}

impl Conn {
    /// Reads once more from the client. Cancel-safe: nothing is lost if the future is dropped.
    /// Before it waits, what the journal holds is recorded.
    pub(super) async fn read_more(&mut self) -> Result<(), ConnectionEnd> {
        poll_fn(|cx| self.poll_read_more(cx)).await
    }

    fn poll_read_more(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ConnectionEnd>> {
        let before = self.received.len();
        let polled = if self.received.capacity() - before >= DIRECT_READ {
            tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.received)
        } else {
            let mut scratch = [const { MaybeUninit::<u8>::uninit() }; SCRATCH];
            let mut buf = ReadBuf::uninit(&mut scratch);
            match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => {
                    self.received.extend_from_slice(buf.filled());
                    Poll::Ready(Ok(buf.filled().len()))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        };
        match polled {
            Poll::Pending => {
                self.flush();
                Poll::Pending
            }
            Poll::Ready(Ok(0)) => Poll::Ready(Err(ConnectionEnd::ClientClosed)),
            Poll::Ready(Ok(n)) => {
                self.last_read = Instant::now();
                self.shared.history.meter().received(n);
                self.journal.received(&self.received[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(end_from_io(&e))),
        }
    }

    /// Returns once at least one unconsumed byte is buffered.
    async fn wait_for_bytes(&mut self) -> Result<(), ConnectionEnd> {
        while self.received.is_empty() {
            self.read_more().await?;
        }
        Ok(())
    }

    /// Reads until `enough` says the unconsumed bytes suffice, and returns them, unconsumed: a
    /// behavior looks at what the client sends before deciding how to serve it.
    async fn peek_until(&mut self, enough: impl Fn(&[u8]) -> bool) -> Result<&[u8], ConnectionEnd> {
        while !enough(&self.received) {
            self.read_more().await?;
        }
        Ok(&self.received)
    }

    /// Whether the client speaks HTTP/2: `h2` settled by ALPN, or the HTTP/2 preface in clear
    /// text. Reads just enough of the first bytes to tell; consumes nothing.
    pub(crate) async fn speaks_http2(&mut self) -> Result<bool, ConnectionEnd> {
        if self.stream.alpn() == Some(b"h2") {
            return Ok(true);
        }
        if self.pending.is_some() {
            // An HTTP/1.x request, read already and handed on.
            return Ok(false);
        }
        let first = self
            .peek_until(|bytes| bytes.len() >= PREFACE.len() || !PREFACE.starts_with(bytes))
            .await?;
        Ok(first.starts_with(PREFACE))
    }

    /// Reads the next complete request, recorded as `record` says. Answers `Expect:
    /// 100-continue` and, for requests that are not valid HTTP, a 400 or 431 before closing.
    pub(crate) async fn read_request(&mut self, record: Record) -> Result<Arc<Request>, Stop> {
        if let Some(request) = self.pending.take() {
            if record == Record::AtOnce {
                self.flush();
            }
            return Ok(request);
        }
        // What the parser returns is matched without an await in the match: a value matched
        // lives to the end of its match, so an await there would keep room for a whole parsed
        // request in every connection waiting for one.
        let mut continued = false;
        let error = loop {
            let expects_continue = match self.parser.advance(&mut self.received) {
                Ok(Some(parsed)) => {
                    let request = self.note_request(parsed, SharedReply::default());
                    self.release_spare();
                    if record == Record::AtOnce {
                        self.flush();
                    }
                    return Ok(request);
                }
                Ok(None) => self
                    .parser
                    .pending_head()
                    .is_some_and(|h| h.expects_continue()),
                Err(e) => break e,
            };
            if expects_continue && !continued && self.received.is_empty() {
                continued = true;
                // Boxed, as the rejection below: a connection waiting for its request holds no
                // room for the rare answers while it waits.
                Box::pin(self.write(b"HTTP/1.1 100 Continue\r\n\r\n")).await?;
            }
            self.read_more().await?;
        };
        Err(Box::pin(self.reject(error)).await)
    }

    /// Reads the next request (recorded at once) and the mode's typed parameters for it:
    /// `typed`, the part of `configured`'s a mode reads, as the request's query-string and
    /// form-body overrides leave it (see `Configured::for_request`). An invalid override is
    /// answered with a 400 naming the valid choices, and where the override was.
    pub(crate) async fn read_request_with<'t, T: FromParams + Clone>(
        &mut self,
        configured: &Configured,
        typed: &'t T,
    ) -> Result<(Arc<Request>, ForRequest<'t, T>), Stop> {
        let request = self.read_request(Record::AtOnce).await?;
        // The refusal is made into its answer in the match, so it is not kept across the await.
        let response = match overrides(&request, configured, typed) {
            Ok(typed) => return Ok((request, typed)),
            Err(refused) => bad_parameter(&refused.error, refused.location),
        };
        Err(Stop::Handled(
            Box::pin(self.respond(&request, response)).await?,
        ))
    }

    /// Refuses `request` if it tries to set one of `configured`'s parameters, for a server that
    /// reads none from requests (the fixture), with the 400 a mode answers: only a request
    /// that names one costs more than a look at its keys.
    pub(crate) async fn refuse_fixed_params(
        &mut self,
        request: &Request,
        configured: &Configured,
    ) -> Result<(), Stop> {
        let response = match refused_fixed(request, configured) {
            None => return Ok(()),
            Some(refused) => bad_parameter(&refused.error, refused.location),
        };
        Err(Stop::Handled(
            Box::pin(self.respond(request, response)).await?,
        ))
    }

    /// Waits for the client's first bytes (not a whole request), noting any complete request.
    /// A request already read (and handed on, see [`hand_on`](Self::hand_on)) is bytes
    /// enough.
    pub(crate) async fn wait_for_first_bytes(&mut self) -> Result<(), ConnectionEnd> {
        if self.pending.is_some() {
            return Ok(());
        }
        self.wait_for_bytes().await?;
        self.notice_requests(Reply::Pending);
        Ok(())
    }

    /// Hands `request`, read and recorded already, to whatever serves the connection next: its
    /// next [`read_request`](Self::read_request) returns it (a stub's catalog fault serves the
    /// request the stub matched; a proxy relays the request no stub claimed).
    pub(crate) fn hand_on(&mut self, request: Arc<Request>) {
        self.pending = Some(request);
    }

    /// Waits until a complete request has arrived (and records it), or until the bytes show they
    /// are not HTTP; answers nothing either way.
    pub(crate) async fn wait_for_request_or_garbage(&mut self) -> Result<(), ConnectionEnd> {
        loop {
            self.notice_requests(Reply::Pending);
            if self.journal.answering() || self.not_http {
                return Ok(());
            }
            self.read_more().await?;
        }
    }

    /// Between keep-alive requests: `Ok(true)` once bytes of the next request arrive, `Ok(false)`
    /// if the server should close because a change told open connections to close (a switch
    /// to `refused`, `connect_timeout` or `down`, even one already undone; a proxy's new
    /// upstream).
    pub(crate) async fn wait_for_next_request(&mut self) -> Result<bool, ConnectionEnd> {
        self.flush();
        self.journal.answered();
        // A request handed on belongs to the exchange just over, served or not.
        self.pending = None;
        // Subscribed before the check: a switch made after it wakes the wait below.
        let mut behavior = self.shared.subscribe();
        loop {
            if self.is_to_close() {
                return Ok(false);
            }
            tokio::select! {
                biased;
                read = self.wait_for_bytes() => return read.map(|()| true),
                _ = behavior.changed() => {}
            }
        }
    }

    /// Waits until `deadline`, but ends early if the client leaves: a mode that waits long (a
    /// sleep, a drip) must not keep a dead connection. What the client sends meanwhile is kept
    /// for its next request.
    pub(crate) async fn pause_until(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> Result<(), ConnectionEnd> {
        self.flush();
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => Ok(()),
            end = self.until_client_leaves() => Err(end),
        }
    }

    /// Reads until the client leaves, keeping what it sends for its next request (up to a limit,
    /// past which it waits): for a behavior waiting on something else, such as a backend.
    pub(crate) async fn until_client_leaves(&mut self) -> ConnectionEnd {
        while self.received.len() < PAUSE_READ_LIMIT {
            if let Err(end) = self.read_more().await {
                return end;
            }
        }
        self.flush();
        std::future::pending().await
    }

    /// Reads forever and answers nothing, until the client leaves.
    pub(crate) async fn hold(&mut self) -> ConnectionEnd {
        loop {
            self.notice_requests(Reply::Pending);
            if let Err(end) = self.read_more().await {
                return end;
            }
        }
    }

    /// Answers a request that is not valid HTTP and gives up on the connection.
    async fn reject(&mut self, error: ParseError) -> Stop {
        self.not_http = true;
        let response = WireResponse::error(
            error.status,
            Location::Request,
            "request",
            &error.description,
        )
        .header("Connection", "close");
        match self.write(&response.to_bytes()).await {
            Ok(()) => Stop::Handled(After::Close),
            Err(end) => Stop::Ended(end),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::connection::conn::testing::{accepted, history};

    const GET: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n";

    #[tokio::test]
    async fn a_request_read_at_once_is_in_the_history_before_anything_is_written() {
        let (mut conn, mut client) = accepted().await;
        client.write_all(GET).await.unwrap();
        let request = conn.read_request(Record::AtOnce).await.unwrap();
        assert_eq!(request.path, "/a");
        let recorded = history(&conn);
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded.last().unwrap().reply, Reply::Pending);
    }

    #[tokio::test]
    async fn a_request_read_with_its_answer_is_recorded_with_the_answers_first_write() {
        let (mut conn, mut client) = accepted().await;
        client.write_all(GET).await.unwrap();
        let request = conn.read_request(Record::WithAnswer).await.unwrap();
        assert_eq!(history(&conn).len(), 0, "not before the answer");
        conn.respond(&request, WireResponse::new(204))
            .await
            .unwrap();
        let recorded = history(&conn);
        assert_eq!(recorded.len(), 1);
        assert!(
            matches!(
                recorded.last().unwrap().reply,
                Reply::Response { status: 204, .. }
            ),
            "{:?}",
            recorded.last()
        );
        assert!(recorded.connections()[0].sent_len > 0, "and the bytes sent");
    }

    #[tokio::test]
    async fn a_request_that_is_not_http_gets_a_400_and_ends_the_connection() {
        let (mut conn, mut client) = accepted().await;
        client
            .write_all(b"GET / HTTP/1.1\r\nHost x\r\n\r\n")
            .await
            .unwrap();
        let stop = conn.read_request(Record::AtOnce).await.unwrap_err();
        assert!(matches!(stop, Stop::Handled(After::Close)));
        let mut answer = Vec::new();
        client.read_buf(&mut answer).await.unwrap();
        assert!(answer.starts_with(b"HTTP/1.1 400 "), "{answer:?}");
    }

    #[tokio::test]
    async fn an_override_out_of_range_is_refused_with_a_400_naming_it() {
        let (mut conn, mut client) = accepted().await;
        let behavior = crate::Behavior::mode("status").unwrap();
        let crate::engine::Model::Mode(configured) = crate::engine::model(&behavior) else {
            panic!("`status` is a catalog mode");
        };
        let crate::engine::Mode::Status(status) = configured.mode() else {
            panic!("`status` is typed as a status");
        };
        client
            .write_all(b"GET /?status=9000 HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let stop = conn
            .read_request_with(configured, status)
            .await
            .unwrap_err();
        assert!(matches!(stop, Stop::Handled(_)));
        drop(conn);
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        assert!(
            answer.contains(r#""location":"querystring","name":"status""#),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn a_request_handed_on_is_what_the_next_read_returns_and_no_more_after_it() {
        let (mut conn, mut client) = accepted().await;
        client.write_all(GET).await.unwrap();
        let request = conn.read_request(Record::AtOnce).await.unwrap();
        conn.hand_on(Arc::clone(&request));
        conn.wait_for_first_bytes().await.unwrap();
        let again = conn.read_request(Record::AtOnce).await.unwrap();
        assert!(Arc::ptr_eq(&request, &again));
        assert_eq!(history(&conn).len(), 1, "recorded once");
        conn.hand_on(again);
        // The client sends nothing more, so the wait can only time out.
        let waited = std::time::Duration::from_millis(10);
        let wait = tokio::time::timeout(waited, conn.wait_for_next_request()).await;
        assert!(wait.is_err(), "no next request arrived: {wait:?}");
        assert!(
            conn.pending.is_none(),
            "a new exchange starts with nothing handed on"
        );
    }

    #[tokio::test]
    async fn waiting_for_the_next_request_gives_up_once_open_connections_are_told_to_close() {
        let (mut conn, _client) = accepted().await;
        let shared = std::sync::Arc::clone(conn.shared());
        let waiting = tokio::spawn(async move { conn.wait_for_next_request().await });
        shared.close_open_connections();
        assert_eq!(waiting.await.unwrap(), Ok(false));
    }
}
