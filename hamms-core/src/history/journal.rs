//! [`Journal`]: what one connection has to record and has not yet, so that the history's lock
//! is taken once where a request's events come together.
//!
//! Design note: a request on a keep-alive connection makes five events (bytes received, the
//! request, its reply, the answer's first byte, bytes sent). Each used to take the history's
//! lock, which the server's other connections (and waiting tests) contend for. A connection
//! now notes them here, where no lock is needed, and commits them in one go
//! ([`Recorder::commit`](super::Recorder::commit)) at the moments a test may look: before the
//! connection waits for anything (bytes, a timer), before it writes, and when it ends. A client
//! that has read an answer therefore finds the request, its reply and the bytes in the history.

use std::sync::Arc;

use super::records::{Reply, Request, StubId};

/// The received-bytes buffer is released after a commit past this size (a large request).
const KEEP_CAPACITY: usize = 1024;

/// Identifies an exchange while its connection is still answering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExchangeId(pub(super) u64);

/// A reply as the history keeps it: shared, since many requests get the same answer (the
/// fixture's standing response); `None` while there is none (`Reply::Pending`).
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedReply(Option<Arc<Reply>>);

impl SharedReply {
    /// The reply for the public snapshot.
    pub(crate) fn to_reply(&self) -> Reply {
        self.0.as_deref().cloned().unwrap_or(Reply::Pending)
    }

    /// Whether there is no reply yet.
    pub(crate) fn is_pending(&self) -> bool {
        self.0.is_none()
    }

    /// The heap bytes the reply holds (shared ones counted for each holder: an upper bound).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.0
            .as_deref()
            .map_or(0, |reply| std::mem::size_of::<Reply>() + reply.heap_bytes())
    }
}

impl From<Reply> for SharedReply {
    fn from(reply: Reply) -> Self {
        match reply {
            Reply::Pending => SharedReply(None),
            reply => SharedReply(Some(Arc::new(reply))),
        }
    }
}

impl From<Arc<Reply>> for SharedReply {
    fn from(reply: Arc<Reply>) -> Self {
        match *reply {
            Reply::Pending => SharedReply(None),
            _ => SharedReply(Some(reply)),
        }
    }
}

/// The request a connection is answering, as far as the history knows it.
#[derive(Debug, Default)]
pub(crate) enum Current {
    /// None since the last request was answered.
    #[default]
    None,
    /// Parsed, to be recorded at the next commit.
    Unrecorded(Arc<Request>),
    /// Recorded as this exchange.
    Recorded(ExchangeId),
}

/// What a connection noted since its last commit.
#[derive(Debug)]
pub(crate) struct Journal {
    /// Received bytes for the connection's record, no more than its raw cap leaves room for.
    pub(super) received: Vec<u8>,
    /// How many bytes were received since the last commit, kept or not.
    pub(super) received_count: u64,
    /// How many more received bytes the connection's record can keep.
    received_room: usize,
    /// The request being answered.
    pub(super) current: Current,
    /// Its reply, once known, until recorded.
    pub(super) reply: Option<SharedReply>,
    /// Whether it has its reply (recorded or noted here): `reply` is emptied by a commit, this
    /// is not.
    replied: bool,
    /// Whether the first byte of its answer has left (and should be timed at the commit).
    pub(super) first_byte: bool,
    /// The stub that answers it, until recorded.
    pub(super) stub: Option<Arc<StubId>>,
}

impl Journal {
    /// The journal of a connection whose record keeps `raw_cap` bytes of what it receives.
    pub(crate) fn new(raw_cap: usize) -> Journal {
        Journal {
            received: Vec::new(),
            received_count: 0,
            received_room: raw_cap,
            current: Current::None,
            reply: None,
            replied: false,
            first_byte: false,
            stub: None,
        }
    }

    /// Notes bytes received.
    pub(crate) fn received(&mut self, bytes: &[u8]) {
        self.received_count += bytes.len() as u64;
        let kept = bytes.len().min(self.received_room);
        if kept > 0 {
            self.received.extend_from_slice(&bytes[..kept]);
            self.received_room -= kept;
        }
    }

    /// Notes a complete request, which becomes the one being answered; `reply` is its reply if
    /// already known. The caller commits any request still unrecorded first.
    pub(crate) fn request(&mut self, request: Arc<Request>, reply: SharedReply) {
        debug_assert!(!matches!(self.current, Current::Unrecorded(_)));
        self.current = Current::Unrecorded(request);
        self.replied = !reply.is_pending();
        self.reply = self.replied.then_some(reply);
        self.first_byte = false;
    }

    /// Whether a request is being answered (recorded or not).
    pub(crate) fn answering(&self) -> bool {
        !matches!(self.current, Current::None)
    }

    /// Whether a request waits to be recorded.
    pub(crate) fn has_unrecorded_request(&self) -> bool {
        matches!(self.current, Current::Unrecorded(_))
    }

    /// Notes that the first byte of the answer to the request being answered leaves now.
    pub(crate) fn first_byte(&mut self) {
        self.first_byte = true;
    }

    /// Notes the stub that answers the request being answered.
    pub(crate) fn answered_by(&mut self, stub: Arc<StubId>) {
        self.stub = Some(stub);
    }

    /// Notes the reply to the request being answered.
    pub(crate) fn reply(&mut self, reply: SharedReply) {
        self.reply = Some(reply);
        self.replied = true;
    }

    /// Whether a request is being answered and has no reply yet.
    pub(crate) fn unreplied(&self) -> bool {
        self.answering() && !self.replied
    }

    /// Done with the request being answered (it must be recorded: commit first).
    pub(crate) fn answered(&mut self) {
        debug_assert!(!self.has_unrecorded_request());
        self.current = Current::None;
        self.reply = None;
        self.replied = false;
        self.first_byte = false;
        self.stub = None;
    }

    /// Whether a commit would record anything.
    pub(crate) fn is_empty(&self) -> bool {
        self.received_count == 0
            && !self.has_unrecorded_request()
            && self.reply.is_none()
            && !self.first_byte
            && self.stub.is_none()
    }

    /// After a commit: what was recorded is cleared (a small buffer kept for the next bytes).
    pub(super) fn committed(&mut self, exchange: Option<ExchangeId>) {
        if self.received.capacity() > KEEP_CAPACITY || self.received_room == 0 {
            self.received = Vec::new();
        } else {
            self.received.clear();
        }
        self.received_count = 0;
        self.reply = None;
        self.first_byte = false;
        if let Some(id) = exchange {
            self.current = Current::Recorded(id);
        }
    }
}
