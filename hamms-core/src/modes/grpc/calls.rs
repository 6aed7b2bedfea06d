//! What each call of a gRPC mode gets: its answer ([`GrpcAnswer`]) sent frame by frame on the
//! HTTP/2 engine.

use std::time::Instant;

use bytes::Bytes;
use h2::Reason;
use h2::server::Builder;
use http::{HeaderMap, StatusCode};
use tokio::time::sleep_until;

use super::Block;
use crate::connection::{BoxFuture, Conn, Served};
use crate::engine::{Configured, Grpc};
use crate::grpc::{GrpcAnswer, GrpcEnd};
use crate::history::{GrpcStatus, Reply};
use crate::http2::{Http2ErrorCode, goaway};
use crate::modes::http2::{self, Answering, Release, Withheld};

/// Serves the connection's calls with `fault` until it ends.
pub(in crate::modes) async fn serve(
    conn: &mut Conn,
    configured: &Configured,
    fault: &Grpc,
) -> Served {
    http2::serve(conn, configured, fault).await
}

impl Block for Grpc {
    fn settings(&self) -> Builder {
        Builder::new()
    }

    fn withheld(&self) -> Withheld {
        Withheld::Nothing
    }

    fn serve_stream<'a>(&'a self, stream: Answering<'a>) -> BoxFuture<'a, Option<Vec<u8>>> {
        Box::pin(serve_call(self, stream))
    }
}

/// Reads the call's request whole (as a unary or server-streaming method does), then answers it
/// as `fault`, with the call's `hamms-*` metadata's overrides, says. Returns the GOAWAY that ends
/// the connection after the call, for `grpc_goaway_after`.
async fn serve_call(fault: &Grpc, mut stream: Answering<'_>) -> Option<Vec<u8>> {
    let answer = GrpcAnswer::for_request(
        stream.configured,
        fault,
        &stream.parts.headers,
        Some(stream.call),
    );
    stream.read_body(Release::AsRead).await?;
    send(&mut stream, &answer).await
}

/// Sends `answer` on the stream, frame by frame, recording what left. A client that reset the
/// stream meanwhile (its deadline passed) gets nothing more.
async fn send(stream: &mut Answering<'_>, answer: &GrpcAnswer) -> Option<Vec<u8>> {
    let Some(delay) = answer.delay else {
        // Never answered: the client gives up (RST_STREAM), or a GOAWAY leaves the call out.
        return std::future::pending().await;
    };
    sleep_until(Instant::into(stream.received_at + delay)).await;
    let mut head = http::Response::new(());
    *head.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    head.headers_mut().extend(answer.headers.iter().cloned());
    let mut sending = stream
        .respond
        .send_response(head, answer.head_ends_stream())
        .ok()?;
    let reply = Reply::from_fields(answer.status, &answer.headers, answer.data_len() as u64);
    stream.log.reply(stream.exchange, reply);
    if answer.head_ends_stream() {
        record_status(stream, answer);
    }
    let last = answer.messages.len();
    for (i, (pause, data)) in answer.messages.iter().enumerate() {
        if !pause.is_zero() {
            tokio::time::sleep(*pause).await;
        }
        let ends_stream = i + 1 == last && answer.end == GrpcEnd::Data;
        sending.send_data(data.clone(), ends_stream).ok()?;
    }
    match &answer.end {
        GrpcEnd::HeadOnly => {}
        GrpcEnd::Trailers(trailers) => {
            sending
                .send_trailers(trailers.iter().cloned().collect::<HeaderMap>())
                .ok()?;
            record_status(stream, answer);
        }
        GrpcEnd::Data if last == 0 => sending.send_data(Bytes::new(), true).ok()?,
        GrpcEnd::Data => {}
        GrpcEnd::Reset(code) => {
            // A reset discards what is still queued: the messages leave first.
            stream
                .log
                .until_sent(stream.stream, answer.data_len() as u64)
                .await;
            sending.send_reset(Reason::from(*code));
        }
    }
    if answer.then_goaway {
        stream.log.until_ended_through(stream.stream).await;
        return Some(goaway(stream.stream, Http2ErrorCode::NO_ERROR));
    }
    None
}

/// Records the answer's gRPC status, once it is on its way.
fn record_status(stream: &Answering<'_>, answer: &GrpcAnswer) {
    if let Some((code, message)) = &answer.grpc_status {
        stream
            .log
            .grpc_status(stream.exchange, GrpcStatus::new(*code, message.clone()));
    }
}
