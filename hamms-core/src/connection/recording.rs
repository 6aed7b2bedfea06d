//! Recording: what a connection gathers in its journal, committed to the history in one lock
//! at the moments a test may look (before the connection waits or writes, and at its end),
//! and the requests it noted, whole or as far as they came.

use std::net::SocketAddr;
use std::sync::Arc;

use super::conn::Conn;
use super::shared::Shared;
use crate::history::{ConnectionEnd, Reply, Request, SharedReply, StubId};
use crate::http1::ParsedRequest;

/// A receive buffer larger than this is released once its bytes are consumed.
const KEEP_CAPACITY: usize = 4 * 1024;

impl Conn {
    /// Records what the journal holds (one lock), if anything.
    pub(crate) fn flush(&mut self) {
        if !self.journal.is_empty() {
            self.shared.history.commit(self.id, &mut self.journal, &[]);
        }
    }

    /// Notes that `stub` answers the request being answered (recorded with the request, or
    /// with the answer's first write).
    pub(crate) fn answered_by(&mut self, stub: Arc<StubId>) {
        self.journal.answered_by(stub);
    }

    /// Releases a large receive buffer once its bytes are consumed (after a large request).
    pub(super) fn release_spare(&mut self) {
        if self.received.is_empty() && self.received.capacity() > KEEP_CAPACITY {
            self.received = Vec::new();
        }
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

    /// Notes a parsed request in the journal (recorded at the next commit); it becomes the
    /// request being answered. Its reply is what the server already sent unprompted on this
    /// connection, if anything, else `reply`.
    pub(super) fn note_request(
        &mut self,
        parsed: ParsedRequest,
        reply: SharedReply,
    ) -> Arc<Request> {
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
            tls: self.is_tls(),
        }
    }
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

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use crate::connection::conn::testing::{accepted, history};
    use crate::history::{ConnectionEnd, Reply};
    use crate::http1::WireResponse;

    #[tokio::test]
    async fn a_request_cut_off_by_the_end_is_recorded_as_far_as_it_came() {
        let (mut conn, mut client) = accepted().await;
        client
            .write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            .await
            .unwrap();
        client.shutdown().await.unwrap();
        let end = conn.hold().await;
        assert_eq!(end, ConnectionEnd::ClientClosed);
        conn.finish(end);
        let recorded = history(&conn);
        let request = &recorded.last().expect("the request, cut off").request;
        assert_eq!(
            (request.path.as_str(), request.body.as_slice()),
            ("/upload", &b"abc"[..])
        );
    }

    #[tokio::test]
    async fn what_was_sent_before_a_request_arrived_is_its_reply() {
        let (mut conn, mut client) = accepted().await;
        let early = WireResponse::new(200).body("early");
        conn.send_unprompted(&early).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        conn.wait_for_request_or_garbage().await.unwrap();
        conn.flush();
        let recorded = history(&conn);
        assert!(
            matches!(
                recorded.last().unwrap().reply,
                Reply::Response { status: 200, .. }
            ),
            "{:?}",
            recorded.last()
        );
    }
}
