//! What each fault of the HTTP/2 block does: the settings its connections announce, the frames
//! they withhold, and what each stream gets.

use std::time::Instant;

use bytes::Bytes;
use h2::server::{Builder, SendResponse};
use h2::{Reason, RecvStream};
use http::{HeaderName, HeaderValue, StatusCode};

use super::streams::StreamLog;
use super::tap::Withheld;
use crate::connection::bad_parameter;
use crate::engine::{Configured, Http2};
use crate::history::{ExchangeId, Reply};
use crate::http1::{Location, WireResponse};
use crate::http2::{Http2ErrorCode, data_on_stream_zero, goaway};

/// The longest header `h2_huge_headers` sends, whatever the client announced: its `size`
/// parameter's maximum.
const HUGE_HEADER_MAX: usize = 16 * 1024 * 1024;
/// The window of a connection before any WINDOW_UPDATE (RFC 9113 §6.9.2).
const DEFAULT_WINDOW: u32 = 65_535;

/// The settings the server announces, and the flow control it grants.
pub(super) fn settings(fault: Http2) -> Builder {
    let mut builder = Builder::new();
    match fault {
        Http2::FlowStall { initial_window } => {
            builder
                .initial_window_size(initial_window)
                // The connection's window starts at 65 535 and only grows.
                .initial_connection_window_size(initial_window.max(DEFAULT_WINDOW));
        }
        Http2::MaxStreams1 { .. } => {
            builder.max_concurrent_streams(1);
        }
        Http2::GoAway { .. }
        | Http2::RefusedStream
        | Http2::RstStream { .. }
        | Http2::PingSilence { .. }
        | Http2::SettingsNeverAcked { .. }
        | Http2::ProtocolError
        | Http2::HugeHeaders { .. } => {}
    }
    builder
}

/// The acknowledgements the server keeps back.
pub(super) fn withheld(fault: Http2) -> Withheld {
    match fault {
        Http2::PingSilence { .. } => Withheld::PingAcks,
        Http2::SettingsNeverAcked { .. } => Withheld::SettingsAcks,
        Http2::GoAway { .. }
        | Http2::RefusedStream
        | Http2::RstStream { .. }
        | Http2::FlowStall { .. }
        | Http2::MaxStreams1 { .. }
        | Http2::ProtocolError
        | Http2::HugeHeaders { .. } => Withheld::Nothing,
    }
}

/// A stream the server accepted, to answer.
pub(super) struct Answering<'a> {
    pub(super) stream: u32,
    /// The stream accepted before it on the connection (0 for the first).
    pub(super) previous: u32,
    pub(super) exchange: ExchangeId,
    /// When its headers arrived.
    pub(super) received_at: Instant,
    pub(super) parts: http::request::Parts,
    pub(super) body: RecvStream,
    pub(super) respond: SendResponse<Bytes>,
    pub(super) log: &'a StreamLog,
    /// The mode, for the request's overrides of its parameters.
    pub(super) configured: &'a Configured,
}

/// Answers one stream as `fault` says, with the stream's request's overrides of its parameters.
/// Returns the frames that end the connection, for the faults that end it.
pub(super) async fn serve_stream(fault: Http2, mut stream: Answering<'_>) -> Option<Vec<u8>> {
    // Per-request parameters come from the query string, as for the HTTP/1.1 modes.
    let query = stream.parts.uri.query().unwrap_or_default().as_bytes();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query).into_owned().collect();
    let overrides = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let fault = match stream.configured.for_request(&fault, overrides) {
        Ok(for_request) => *for_request.typed,
        Err(error) => {
            // HTTP/2 faults read the query string only.
            stream.send(&bad_parameter(&error, Location::QueryString));
            return None;
        }
    };
    match fault {
        // Right after the headers: the request's body, if any, is never read.
        Http2::GoAway { error_code } => {
            stream.log.reply(stream.exchange, Reply::Closed);
            Some(goaway(stream.previous, Http2ErrorCode::from(error_code)))
        }
        Http2::RefusedStream => {
            stream.log.reply(stream.exchange, Reply::Reset);
            stream.respond.send_reset(Reason::REFUSED_STREAM);
            None
        }
        // The others read the whole request first.
        Http2::RstStream {
            error_code,
            after_bytes,
        } => {
            stream.read_body(Release::AsRead).await?;
            stream.reset_mid_body(after_bytes, error_code).await;
            None
        }
        // The window is never given back, so a body larger than it never ends, and its request
        // is never answered.
        Http2::FlowStall { .. } => {
            stream.read_body(Release::Never).await?;
            stream.send(&answered(stream.stream));
            None
        }
        Http2::MaxStreams1 { delay } | Http2::PingSilence { delay } => {
            stream.read_body(Release::AsRead).await?;
            tokio::time::sleep_until((stream.received_at + delay).into()).await;
            stream.send(&answered(stream.stream));
            None
        }
        Http2::SettingsNeverAcked { size } => {
            stream.read_body(Release::AsRead).await?;
            let response = WireResponse::new(200)
                .header("Content-Type", "application/octet-stream")
                .body(vec![b'a'; size]);
            stream.send(&response);
            None
        }
        Http2::ProtocolError => {
            stream.read_body(Release::AsRead).await?;
            let frame = data_on_stream_zero();
            stream.log.reply(stream.exchange, Reply::Raw(frame.clone()));
            Some(frame)
        }
        Http2::HugeHeaders { size } => {
            stream.read_body(Release::AsRead).await?;
            // One byte past the list the client accepts is past it whatever else the list
            // holds; past 16 MiB (the parameter's maximum) hamms sends no more.
            let size = match stream.log.client_max_header_list() {
                Some(limit) => (usize::try_from(limit).unwrap_or(usize::MAX))
                    .saturating_add(1)
                    .min(HUGE_HEADER_MAX),
                None => size,
            };
            // `X` has an 8-bit HPACK Huffman code, so the header block is as long as the
            // header, whatever the encoder.
            let response = WireResponse::new(200).header("X-Huge", "X".repeat(size));
            stream.send(&response);
            None
        }
    }
}

/// Whether reading a request body gives its flow-control window back.
#[derive(Debug, Clone, Copy)]
enum Release {
    /// As it is read, so the client can send more: what a server does.
    AsRead,
    /// Never: the client's window closes once it has sent that much.
    Never,
}

/// The answer of the faults that answer: which stream carried the request.
fn answered(stream: u32) -> WireResponse {
    WireResponse::json(200, &serde_json::json!({ "stream": stream }))
}

impl Answering<'_> {
    /// Reads the request's body to its end, recording it. `None` if the client reset the
    /// stream meanwhile.
    async fn read_body(&mut self, release: Release) -> Option<()> {
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
    fn send(&mut self, response: &WireResponse) {
        self.log.reply(self.exchange, Reply::of(response));
        let body = response.body_bytes();
        let head = head_of(response, Some(body.len()));
        if let Ok(mut sending) = self.respond.send_response(head, body.is_empty())
            && !body.is_empty()
        {
            let _ = sending.send_data(Bytes::copy_from_slice(body), true);
        }
    }

    /// `h2_rst_stream`: a 200 and `sent` bytes of its body, then RST_STREAM with `error_code`,
    /// once those bytes have left (a reset discards what is still queued).
    async fn reset_mid_body(&mut self, sent: usize, error_code: u32) {
        let response = WireResponse::new(200)
            .header("Content-Type", "application/octet-stream")
            .body(vec![b'a'; sent]);
        self.log.reply(self.exchange, Reply::of(&response));
        let Ok(mut sending) = self.respond.send_response(head_of(&response, None), false) else {
            return;
        };
        if sent > 0
            && sending
                .send_data(Bytes::from(vec![b'a'; sent]), false)
                .is_err()
        {
            return;
        }
        self.log.until_sent(self.stream, sent as u64).await;
        sending.send_reset(Reason::from(error_code));
    }
}

/// The status and headers of `response` as an HTTP/2 head: names in lower case, no
/// connection-specific headers (RFC 9113 §8.2.2), and `content-length` when `length` is given.
fn head_of(response: &WireResponse, length: Option<usize>) -> http::Response<()> {
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
