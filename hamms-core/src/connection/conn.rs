//! [`Conn`], one accepted connection: the I/O primitives modes are written with.
//!
//! Design note: every byte in and out goes through [`Conn`], which records it in the history, so
//! modes never think about recording. What a connection records is gathered in its [`Journal`]
//! and committed in one lock at the moments a test may look: before the connection waits (for
//! bytes or a timer), before it writes, and when it ends.
//!
//! A connection holds memory in proportion to what it holds: none for its reads until bytes
//! arrive (they are read into a scratch buffer on the stack, then kept in a buffer of their
//! size), a read buffer that grows with a large request and is released after it, and no TLS
//! state until a client's first handshake bytes arrive. A thousand idle connections (a
//! slowloris test) cost about a kilobyte each.
//!
//! Closing is graceful by default (FIN, then drain what the client still sends): closing a
//! socket with unread data makes the kernel send RST, which can destroy bytes the client has not
//! read yet. Only the reset modes reset, on purpose.

use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::Method;
use rand::rngs::Xoshiro256PlusPlus;
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_rustls::TlsAcceptor;

use super::overrides::{named, overrides, refused_fixed};
use super::served::{After, Served, Stop};
use super::shared::Shared;
use super::stream::Stream;
use crate::history::{ConnectionEnd, Journal, RECORDED_VALUE_LIMIT, Reply, Request, SharedReply};
use crate::http1::{ParseError, ParsedRequest, RequestParser, Response};
use crate::http2::PREFACE;
use crate::params::Params;

/// How long a graceful close keeps reading what the client still sends before dropping the socket.
pub(crate) const CLOSE_LINGER: Duration = Duration::from_secs(2);
/// The stack buffer a read goes to when the receive buffer has little room: an idle connection
/// keeps no buffer of its own.
const SCRATCH: usize = 16 * 1024;
/// Room in the receive buffer from which reads go straight into it (a large request arriving).
const DIRECT_READ: usize = 4 * 1024;
/// A receive buffer larger than this is released once its bytes are consumed.
const KEEP_CAPACITY: usize = 4 * 1024;
/// While a mode pauses, it reads (to notice a client that leaves) until this much is buffered;
/// past it, the client waits for the mode like any server's client would.
const PAUSE_READ_LIMIT: usize = 1024 * 1024;

pub(crate) struct Conn {
    pub(super) stream: Stream,
    /// Received bytes no request has consumed yet.
    pub(super) received: Vec<u8>,
    /// When the last bytes arrived: a request's arrival time is that of the read that completed it.
    pub(super) last_read: Instant,
    parser: RequestParser,
    /// Set once the client sent something that is not HTTP: stop trying to parse requests.
    not_http: bool,
    /// What the connection has to record and has not yet.
    journal: Journal,
    /// The number of the behavior serving the connection now (see `Shared::versioned`).
    generation: u64,
    /// How many changes had told open connections to close when this one was accepted (see
    /// `Shared::closings`): once the count grows, this connection is to close.
    closings: u64,
    /// What the server sent before any request was complete (modes that write on connect): the
    /// reply of the next request recorded on this connection.
    early_reply: Option<SharedReply>,
    pub(super) id: u64,
    peer: SocketAddr,
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
    /// Takes over an accepted connection and opens its record in the history.
    pub(crate) fn new(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) -> Conn {
        // Modes write single bytes on purpose; Nagle's algorithm (with the client's delayed ACKs)
        // would hold them back for up to 40 ms and blur every timing a test asserts.
        let _ = stream.set_nodelay(true);
        let id = shared.history.open_connection(peer);
        let limits = shared.history.limits();
        Conn {
            stream: Stream::Plain(stream),
            received: Vec::new(),
            last_read: Instant::now(),
            parser: RequestParser::new(limits.read_cap),
            not_http: false,
            journal: Journal::new(limits.raw_cap),
            generation: 0,
            closings: shared.closings(),
            early_reply: None,
            id,
            peer,
            shared,
            finished: false,
        }
    }

    /// Records what the journal holds (one lock), if anything.
    pub(crate) fn flush(&mut self) {
        if !self.journal.is_empty() {
            self.shared.history.commit(self.id, &mut self.journal, &[]);
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

    /// Releases a large receive buffer once its bytes are consumed (after a large request).
    fn release_spare(&mut self) {
        if self.received.is_empty() && self.received.capacity() > KEEP_CAPACITY {
            self.received = Vec::new();
        }
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

    /// Resets the connection: SO_LINGER 0, so that dropping the socket sends RST instead of
    /// FIN. Records the reset as the answer of an unanswered request.
    pub(crate) fn reset(&mut self) -> ConnectionEnd {
        self.reply_if_unanswered(Reply::Reset);
        if let Some(tcp) = self.stream.tcp() {
            let _ = tcp.set_zero_linger();
        }
        ConnectionEnd::ServerReset
    }

    /// Between keep-alive requests: `Ok(true)` once bytes of the next request arrive, `Ok(false)`
    /// if the server should close because a change told open connections to close (a switch
    /// to `refused`, `connect_timeout` or `down`, even one already undone; a proxy's new
    /// upstream).
    pub(crate) async fn wait_for_next_request(&mut self) -> Result<bool, ConnectionEnd> {
        self.flush();
        self.journal.answered();
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

    /// Reads once more from the client. Cancel-safe: nothing is lost if the future is dropped.
    /// Before it waits, what the journal holds is recorded.
    async fn read_more(&mut self) -> Result<(), ConnectionEnd> {
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
        let first = self
            .peek_until(|bytes| bytes.len() >= PREFACE.len() || !PREFACE.starts_with(bytes))
            .await?;
        Ok(first.starts_with(PREFACE))
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

    /// Waits for the client's first bytes (not a whole request), noting any complete request.
    pub(crate) async fn read_first_bytes(&mut self) -> Result<(), ConnectionEnd> {
        self.wait_for_bytes().await?;
        self.notice_requests(Reply::Pending);
        Ok(())
    }

    /// Waits until a complete request has arrived (and records it), or until the bytes show they
    /// are not HTTP; answers nothing either way.
    pub(crate) async fn read_request_or_garbage(&mut self) -> Result<(), ConnectionEnd> {
        loop {
            self.notice_requests(Reply::Pending);
            if self.journal.answering() || self.not_http {
                return Ok(());
            }
            self.read_more().await?;
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

    /// Performs the TLS handshake with `config`, unless the connection already speaks TLS.
    /// Records what it settled, or why it failed. The handshake's state (rustls' buffers) is
    /// made once the client's first bytes arrive: a client that never starts its handshake
    /// costs no more than any idle connection.
    pub(crate) async fn accept_tls(
        &mut self,
        config: Arc<ServerConfig>,
    ) -> Result<(), ConnectionEnd> {
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

    /// Writes all of `bytes` (and flushes, so TLS records leave too). They are recorded as sent
    /// before they leave, with what the journal holds, in one lock: a client that reads them and
    /// then the history finds them there, with the request they answer.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), ConnectionEnd> {
        if !bytes.is_empty() && self.journal.answering() {
            self.journal.first_byte();
        }
        if !bytes.is_empty() || !self.journal.is_empty() {
            self.shared
                .history
                .commit(self.id, &mut self.journal, bytes);
        }
        let mut written = 0;
        while written < bytes.len() {
            let end = match self.stream.write(&bytes[written..]).await {
                Ok(0) => ConnectionEnd::ClientReset,
                Ok(n) => {
                    self.shared.history.meter().sent(n);
                    written += n;
                    continue;
                }
                Err(e) => end_from_io(&e),
            };
            self.shared.history.unsent(self.id, bytes.len() - written);
            return Err(end);
        }
        self.stream.flush().await.map_err(|e| end_from_io(&e))
    }

    /// Sends bytes that are not an HTTP response, recording (the start of) them as the reply.
    pub(crate) async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ConnectionEnd> {
        let recorded = &bytes[..bytes.len().min(RECORDED_VALUE_LIMIT)];
        self.set_reply(Reply::Raw(recorded.to_vec()));
        self.write(bytes).await
    }

    /// What the TLS handshake of this connection settled, if it speaks TLS.
    pub(crate) fn tls_info(&self) -> Option<crate::history::TlsInfo> {
        self.stream.tls_info()
    }

    /// Sends a response that answers no particular request (it may precede the request).
    pub(crate) async fn send_unprompted(
        &mut self,
        response: &Response,
    ) -> Result<(), ConnectionEnd> {
        self.set_reply(Reply::of(response));
        self.write(&response.to_bytes()).await
    }

    /// Reads the next complete request and records it. Answers `Expect: 100-continue` and, for
    /// requests that are not valid HTTP, a 400 or 431 before closing.
    pub(crate) async fn read_request(&mut self) -> Result<Arc<Request>, Stop> {
        let request = self.read_request_deferred().await?;
        self.flush();
        Ok(request)
    }

    /// [`read_request`](Self::read_request), but the request is recorded later: with its
    /// answer's first write (one lock for both), or before the connection waits for anything,
    /// whichever comes first. For answers that start at once.
    pub(crate) async fn read_request_deferred(&mut self) -> Result<Arc<Request>, Stop> {
        // What the parser returns is matched without an await in the match: a value matched
        // lives to the end of its match, so an await there would keep room for a whole parsed
        // request in every connection waiting for one.
        let mut continued = false;
        let error = loop {
            let expects_continue = match self.parser.advance(&mut self.received) {
                Ok(Some(parsed)) => {
                    let request = self.note_request(parsed, SharedReply::default());
                    self.release_spare();
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

    /// Reads the next request and applies its query-string and form-body overrides to `params`
    /// (see [`Params::overridden_by`]). An invalid override is answered with a 400 naming the
    /// valid choices, and where the override was: `querystring` or `body`.
    pub(crate) async fn read_request_with(
        &mut self,
        params: &Params,
    ) -> Result<(Arc<Request>, Params), Stop> {
        let request = self.read_request().await?;
        // The refusal is made into its answer in the match, so it is not kept across the await.
        let response = match overrides(&request, params) {
            Ok(params) => return Ok((request, params.into_owned())),
            Err(refused) => bad_parameter(&refused.error, refused.location),
        };
        Err(Stop::Handled(
            Box::pin(self.respond(&request, response)).await?,
        ))
    }

    /// [`read_request_deferred`](Self::read_request_deferred), refusing overrides of `params`
    /// as [`read_request_with`](Self::read_request_with) does, for a server that reads none
    /// (the fixture): only a request that tries to set one costs more than the request.
    pub(crate) async fn read_request_deferred_checked(
        &mut self,
        params: &Params,
    ) -> Result<Arc<Request>, Stop> {
        let request = self.read_request_deferred().await?;
        let response = match refused_fixed(&request, params) {
            None => return Ok(request),
            Some(refused) => bad_parameter(&refused.error, refused.location),
        };
        Err(Stop::Handled(
            Box::pin(self.respond(&request, response)).await?,
        ))
    }

    /// Writes a complete response to `request` and records it. Keeps the connection if both sides
    /// allow it; adds `Connection: close` when the client asked to close.
    pub(crate) async fn respond(&mut self, request: &Request, response: Response) -> Served {
        let close = response.closes() || request.wants_close();
        let response = if close && !response.closes() {
            response.header("Connection", "close")
        } else {
            response
        };
        self.send_response(request, &response).await?;
        Ok(if close {
            After::Close
        } else {
            After::KeepAlive
        })
    }

    /// Writes `response` exactly as built (no body for HEAD) and records it, leaving what happens
    /// to the connection to the mode.
    pub(crate) async fn send_response(
        &mut self,
        request: &Request,
        response: &Response,
    ) -> Result<(), ConnectionEnd> {
        self.set_reply(Reply::of(response));
        let bytes = if request.method == Method::HEAD {
            response.head_bytes()
        } else {
            response.to_bytes()
        };
        self.write(&bytes).await
    }

    /// Records `reply` as the answer to the current request without writing anything, for modes
    /// that then send it slowly, partly or not at all. With no request yet, it becomes the reply
    /// of the next one.
    pub(crate) fn set_reply(&mut self, reply: impl Into<SharedReply>) {
        let reply = reply.into();
        if self.journal.answering() {
            self.journal.reply(reply);
        } else {
            self.early_reply = Some(reply);
        }
    }

    /// Records `reply` for the current request unless a mode already recorded one.
    pub(crate) fn reply_if_unanswered(&mut self, reply: Reply) {
        if self.journal.unreplied() {
            self.set_reply(reply);
        }
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

    /// Runs `draw` on the server's seeded random sequence (or the request's own `?seed=`).
    pub(crate) fn random<T>(
        &self,
        params: &Params,
        draw: impl FnOnce(&mut Xoshiro256PlusPlus) -> T,
    ) -> T {
        self.shared.random(params.request_seed(), draw)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Sends FIN, then reads (and records) what the client still sends, for a while.
    pub(crate) async fn close_gracefully(&mut self) -> ConnectionEnd {
        self.flush();
        let _ = self.stream.shutdown().await;
        let drain = async {
            loop {
                self.notice_requests(Reply::Closed);
                if self.read_more().await.is_err() {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_LINGER, drain).await;
        ConnectionEnd::ServerClosed
    }

    /// Records the requests already complete in the buffer, without waiting for more bytes: modes
    /// that act on raw bytes still leave a request history.
    pub(crate) fn notice_requests(&mut self, reply: Reply) {
        let reply = SharedReply::from(reply);
        while !self.not_http {
            match self.parser.advance(&mut self.received) {
                Ok(Some(parsed)) => {
                    self.note_request(parsed, reply.clone());
                }
                Ok(None) => {
                    self.release_spare();
                    return;
                }
                Err(_) => self.not_http = true,
            }
        }
        // Not HTTP: the connection record keeps the raw bytes; the buffer need not.
        self.received = Vec::new();
    }

    /// Records the request still arriving as the connection ended (`end`), as far as it came:
    /// its head and the body so far, or its request line and the header lines that arrived
    /// whole. A mode that acts on the first bytes (and the client that gives up on seeing it),
    /// or a client that leaves mid-request, still leaves the request in the history, not only
    /// in the connection's bytes. Its reply is what the server sent unprompted, if anything,
    /// else what the end says: closed, reset, or nothing.
    pub(crate) fn notice_unfinished_request(&mut self, end: &ConnectionEnd) {
        if self.not_http {
            return;
        }
        let reply = match end {
            ConnectionEnd::ServerClosed => Reply::Closed,
            ConnectionEnd::ServerReset => Reply::Reset,
            _ => Reply::Pending,
        };
        if let Some(parsed) = self.parser.take_unfinished(&mut self.received) {
            self.note_request(parsed, reply.into());
        }
    }

    /// Answers a request that is not valid HTTP and gives up on the connection.
    async fn reject(&mut self, error: ParseError) -> Stop {
        self.not_http = true;
        let response = Response::error(error.status, "request", "request", &error.description)
            .header("Connection", "close");
        match self.write(&response.to_bytes()).await {
            Ok(()) => Stop::Handled(After::Close),
            Err(end) => Stop::Ended(end),
        }
    }

    /// Notes a parsed request in the journal (recorded at the next commit); it becomes the
    /// request being answered. Its reply is what the server already sent unprompted on this
    /// connection, if anything, else `reply`.
    fn note_request(&mut self, parsed: ParsedRequest, reply: SharedReply) -> Arc<Request> {
        // A request still unrecorded (pipelined behind this one) goes first.
        if self.journal.has_unrecorded_request() {
            self.flush();
        }
        let mut request = self.to_request(parsed);
        log_access(&self.shared, self.peer, &request);
        // The history keeps less of a body than a proxy reads to forward it: its copy is made
        // without the body, which gets only the kept start.
        let cap = self.shared.history.limits().body_cap;
        let (request, recorded) = if request.body.len() > cap {
            let body = std::mem::take(&mut request.body);
            let mut capped = request.clone();
            capped.body = body[..cap].to_vec();
            request.body = body;
            (Arc::new(request), Arc::new(capped))
        } else {
            let request = Arc::new(request);
            (Arc::clone(&request), request)
        };
        let reply = self.early_reply.take().unwrap_or(reply);
        self.journal.request(recorded, reply);
        request
    }

    fn to_request(&self, parsed: ParsedRequest) -> Request {
        let ParsedRequest {
            head,
            body,
            body_len,
        } = parsed;
        let (path, query) = Request::split_target(&head.target);
        Request {
            method: head.method,
            target: head.target,
            path,
            query,
            version: head.version,
            headers: head.headers,
            body,
            body_len,
            peer: self.peer,
            connection: self.id,
            received_at: self.last_read,
        }
    }
}

/// The 400 that answers a request whose parameters are invalid: it names the parameter (or
/// the misspelt key), its valid range, and where it was (`querystring` or `body`).
pub(crate) fn bad_parameter(error: &crate::Error, location: &str) -> Response {
    Response::error(400, location, named(error), &error.to_string())
}

/// The access log `hamms serve` prints, one line per request as Hamms did.
pub(crate) fn log_access(shared: &Shared, peer: SocketAddr, request: &Request) {
    tracing::info!(
        port = shared.addr.port(),
        %peer,
        user_agent = request.header("user-agent").unwrap_or("-"),
        "{} {} {:?}",
        request.method,
        request.target,
        request.version,
    );
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
