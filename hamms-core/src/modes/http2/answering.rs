//! [`Answering`]: a stream the HTTP/2 engine accepted, as a block's answer gets it: the
//! request's head and body, the way to answer, and the connection's [`StreamLog`].

use std::time::Instant;

use bytes::Bytes;
use h2::RecvStream;
use h2::server::SendResponse;
use http::{HeaderName, HeaderValue, StatusCode};

use super::streams::StreamLog;
use crate::engine::Configured;
use crate::history::{ExchangeId, Reply};
use crate::http1::WireResponse;

/// A stream the server accepted, to answer.
pub(in crate::modes) struct Answering<'a> {
    pub(in crate::modes) stream: u32,
    /// The stream accepted before it on the connection (0 for the first).
    pub(in crate::modes) previous: u32,
    /// Its number among the streams of its connection, from 1.
    pub(in crate::modes) call: u64,
    pub(in crate::modes) exchange: ExchangeId,
    /// When its headers arrived.
    pub(in crate::modes) received_at: Instant,
    pub(in crate::modes) parts: http::request::Parts,
    pub(in crate::modes) body: RecvStream,
    pub(in crate::modes) respond: SendResponse<Bytes>,
    pub(in crate::modes) log: &'a StreamLog,
    /// The mode, for the request's overrides of its parameters.
    pub(in crate::modes) configured: &'a Configured,
}

/// Whether reading a request body gives its flow-control window back.
#[derive(Debug, Clone, Copy)]
pub(in crate::modes) enum Release {
    /// As it is read, so the client can send more: what a server does.
    AsRead,
    /// Never: the client's window closes once it has sent that much.
    Never,
}

impl Answering<'_> {
    /// Reads the request's body to its end, recording it. `None` if the client reset the
    /// stream meanwhile.
    pub(in crate::modes) async fn read_body(&mut self, release: Release) -> Option<()> {
        while let Some(data) = self.body.data().await {
            let data = data.ok()?;
            self.log.body(self.exchange, &data);
            if let Release::AsRead = release {
                // Fails only for a stream already gone, whose next read says so.
                let _ = self.body.flow_control().release_capacity(data.len());
            }
        }
        Some(())
    }

    /// Sends `response` whole and records it. A client that reset the stream meanwhile gets
    /// nothing, as it asked.
    pub(in crate::modes) fn send(&mut self, response: &WireResponse) {
        self.log.reply(self.exchange, Reply::of(response));
        let body = response.body_bytes();
        let head = head_of(response, Some(body.len()));
        if let Ok(mut sending) = self.respond.send_response(head, body.is_empty())
            && !body.is_empty()
        {
            let _ = sending.send_data(Bytes::copy_from_slice(body), true);
        }
    }
}

/// The status and headers of `response` as an HTTP/2 head: names in lower case, no
/// connection-specific headers (RFC 9113 §8.2.2), and `content-length` when `length` is given.
pub(in crate::modes) fn head_of(
    response: &WireResponse,
    length: Option<usize>,
) -> http::Response<()> {
    let mut head = http::Response::new(());
    *head.status_mut() =
        StatusCode::from_u16(response.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers() {
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            head.headers_mut().append(name, value);
        }
    }
    if let Some(length) = length {
        head.headers_mut()
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    head
}
