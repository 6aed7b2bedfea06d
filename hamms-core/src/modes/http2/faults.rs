//! What each fault of the HTTP/2 block does: the settings its connections announce, the frames
//! they withhold, and what each stream gets.

use bytes::Bytes;
use h2::Reason;
use h2::server::Builder;

use super::answering::{Answering, Release, head_of};
use super::session::Block;
use super::tap::Withheld;
use crate::connection::{BoxFuture, bad_parameter};
use crate::engine::Http2;
use crate::history::Reply;
use crate::http1::{Location, WireResponse};
use crate::http2::{Http2ErrorCode, data_on_stream_zero, goaway};

/// The longest header `h2_huge_headers` sends, whatever the client announced: its `size`
/// parameter's maximum.
const HUGE_HEADER_MAX: usize = 16 * 1024 * 1024;
/// The window of a connection before any WINDOW_UPDATE (RFC 9113 §6.9.2).
const DEFAULT_WINDOW: u32 = 65_535;

impl Block for Http2 {
    fn settings(&self) -> Builder {
        settings(*self)
    }

    fn withheld(&self) -> Withheld {
        withheld(*self)
    }

    fn serve_stream<'a>(&'a self, stream: Answering<'a>) -> BoxFuture<'a, Option<Vec<u8>>> {
        Box::pin(serve_stream(*self, stream))
    }
}

/// The settings the server announces, and the flow control it grants.
fn settings(fault: Http2) -> Builder {
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
fn withheld(fault: Http2) -> Withheld {
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

/// Answers one stream as `fault` says, with the stream's request's overrides of its parameters.
/// Returns the frames that end the connection, for the faults that end it.
async fn serve_stream(fault: Http2, mut stream: Answering<'_>) -> Option<Vec<u8>> {
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

/// The answer of the faults that answer: which stream carried the request.
fn answered(stream: u32) -> WireResponse {
    WireResponse::json(200, &serde_json::json!({ "stream": stream }))
}

impl Answering<'_> {
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
