//! [`StreamLog`]: the streams of one HTTP/2 connection, filed in the history as the frames that
//! settle them cross the connection.
//!
//! Design note: how a stream ended is read off the wire (the [`FrameTap`](super::tap::FrameTap)
//! reports every frame either way), not inferred from what the code meant to do: a RST_STREAM the
//! `h2` crate sent on its own, a client's reset, or a GOAWAY written by hand are all recorded
//! the same way, and only once they have left or arrived.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::connection::{Shared, log_access};
use crate::history::{ExchangeId, GrpcStatus, Reply, Request, StreamEnd};
use crate::http2::{Frame, Http2ErrorCode, Kind, SETTINGS_MAX_HEADER_LIST_SIZE};
use crate::sync::lock;

/// A stream the server accepted, and what of its answer has left.
#[derive(Debug)]
struct Tracked {
    exchange: ExchangeId,
    ended: bool,
    /// A HEADERS or DATA frame of the answer has left.
    answered: bool,
    /// DATA payload bytes that have left.
    data_sent: u64,
}

#[derive(Debug, Default)]
struct State {
    /// The streams still open, by id (an ended one leaves, so a long connection keeps few).
    streams: BTreeMap<u32, Tracked>,
    /// What the client announced in SETTINGS_MAX_HEADER_LIST_SIZE, once its SETTINGS arrived.
    client_max_header_list: Option<u32>,
}

/// The streams of one connection and their exchanges in the history.
pub(in crate::modes) struct StreamLog {
    shared: Arc<Shared>,
    connection: u64,
    peer: SocketAddr,
    /// Whether the connection speaks TLS (its requests say so).
    tls: bool,
    state: Mutex<State>,
    /// Bumped after every frame the server sends, for answers waiting for theirs to leave.
    sent: watch::Sender<u64>,
}

impl StreamLog {
    pub(super) fn new(
        shared: Arc<Shared>,
        connection: u64,
        peer: SocketAddr,
        tls: bool,
    ) -> StreamLog {
        StreamLog {
            shared,
            connection,
            peer,
            tls,
            state: Mutex::default(),
            sent: watch::Sender::new(0),
        }
    }

    /// Records a request whose headers arrived on `stream`; returns its exchange.
    pub(super) fn open(&self, stream: u32, parts: &http::request::Parts) -> ExchangeId {
        let request = Request::http2(parts, self.peer, self.connection, self.tls);
        log_access(&self.shared, self.peer, &request);
        let history = &self.shared.history;
        let exchange = history.push_exchange(Arc::new(request), Reply::Pending);
        history.open_stream(exchange, stream);
        lock(&self.state).streams.insert(
            stream,
            Tracked {
                exchange,
                ended: false,
                answered: false,
                data_sent: 0,
            },
        );
        exchange
    }

    /// Records what the server answers (or means to) to `exchange`.
    pub(in crate::modes) fn reply(&self, exchange: ExchangeId, reply: Reply) {
        self.shared.history.set_reply(exchange, reply);
    }

    /// Records body bytes of `exchange` as they arrive.
    pub(in crate::modes) fn body(&self, exchange: ExchangeId, bytes: &[u8]) {
        self.shared.history.extend_body(exchange, bytes);
    }

    /// What the client announced as the largest header list it accepts, if it did.
    pub(super) fn client_max_header_list(&self) -> Option<u32> {
        lock(&self.state).client_max_header_list
    }

    /// Waits until the answer on `stream` has left with at least `bytes` of body, or the stream
    /// ended (and left the log): what must be on the wire before a reset, which discards what
    /// is still queued.
    pub(in crate::modes) async fn until_sent(&self, stream: u32, bytes: u64) {
        let mut sent = self.sent.subscribe();
        loop {
            let done = lock(&self.state)
                .streams
                .get(&stream)
                .is_none_or(|s| s.answered && s.data_sent >= bytes);
            // The sender lives as long as `self`: `changed` fails only if it is gone.
            if done || sent.changed().await.is_err() {
                return;
            }
        }
    }

    /// Records the gRPC status the server sends to `exchange`.
    pub(in crate::modes) fn grpc_status(&self, exchange: ExchangeId, status: GrpcStatus) {
        self.shared.history.set_grpc_status(exchange, status);
    }

    /// Waits until every stream up to `stream` has ended (and left the log): what must be over
    /// before a GOAWAY naming `stream` closes the connection.
    pub(in crate::modes) async fn until_ended_through(&self, stream: u32) {
        let mut sent = self.sent.subscribe();
        loop {
            let done = lock(&self.state).streams.range(..=stream).next().is_none();
            // The sender lives as long as `self`: `changed` fails only if it is gone.
            if done || sent.changed().await.is_err() {
                return;
            }
        }
    }

    /// Files a frame the server sends.
    pub(super) fn sent(&self, frame: &Frame) {
        let header = frame.header;
        let mut state = lock(&self.state);
        match header.kind {
            Kind::Headers | Kind::Data => {
                if let Some(tracked) = state.streams.get_mut(&header.stream) {
                    if !tracked.answered {
                        tracked.answered = true;
                        self.shared.history.reply_started(tracked.exchange);
                    }
                    if header.kind == Kind::Data {
                        tracked.data_sent += u64::from(header.length);
                    }
                    if header.ends_stream() {
                        self.end(tracked, StreamEnd::Completed);
                    }
                }
            }
            Kind::RstStream => {
                if let (Some(tracked), Some(code)) = (
                    state.streams.get_mut(&header.stream),
                    frame.rst_stream_code(),
                ) {
                    self.end(tracked, StreamEnd::ServerReset(code));
                }
            }
            Kind::GoAway => {
                if let Some((last_stream_id, code)) = frame.goaway() {
                    for (_, tracked) in state.streams.range_mut(last_stream_id + 1..) {
                        self.end(
                            tracked,
                            StreamEnd::GoAway {
                                last_stream_id,
                                code,
                            },
                        );
                    }
                }
            }
            _ => {}
        }
        state.streams.retain(|_, tracked| !tracked.ended);
        drop(state);
        self.sent.send_modify(|count| *count += 1);
    }

    /// Files a frame the client sends.
    pub(super) fn received(&self, frame: &Frame) {
        let header = frame.header;
        let mut state = lock(&self.state);
        match header.kind {
            Kind::Settings if !header.is_ack() => {
                if let Some((_, limit)) = frame
                    .settings()
                    .find(|(id, _)| *id == SETTINGS_MAX_HEADER_LIST_SIZE)
                {
                    state.client_max_header_list = Some(limit);
                }
            }
            Kind::RstStream => {
                if let (Some(tracked), Some(code)) = (
                    state.streams.get_mut(&header.stream),
                    frame.rst_stream_code(),
                ) {
                    self.end(tracked, StreamEnd::ClientReset(code));
                }
            }
            // A graceful GOAWAY leaves the client's open streams to finish; an error ends them.
            Kind::GoAway => {
                if let Some((_, code)) = frame.goaway()
                    && code != Http2ErrorCode::NO_ERROR
                {
                    for tracked in state.streams.values_mut() {
                        self.end(tracked, StreamEnd::ClientGoAway(code));
                    }
                }
            }
            _ => {}
        }
        state.streams.retain(|_, tracked| !tracked.ended);
    }

    fn end(&self, tracked: &mut Tracked, end: StreamEnd) {
        if !tracked.ended {
            tracked.ended = true;
            self.shared.history.end_stream(tracked.exchange, end);
        }
    }
}

impl Drop for StreamLog {
    /// The connection is over: the streams still open were cut by its end.
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        for tracked in state.streams.values_mut() {
            self.end(tracked, StreamEnd::ConnectionClosed);
        }
    }
}
