//! One HTTP/2 connection of a mode of the HTTP/2 or gRPC block: the handshake, the streams as
//! they arrive, and how the connection ends. What a block does differently is its [`Block`].

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::answering::Answering;
use super::streams::StreamLog;
use super::tap::{FrameTap, Withheld};
use crate::connection::{BoxFuture, CLOSE_LINGER, Conn, Record, Served, Shared, Stop, end_from_io};
use crate::engine::Configured;
use crate::history::{ConnectionEnd, Reply};
use crate::http1::{Location, WireResponse};
use crate::http2::{Http2ErrorCode, goaway};

/// A block of faults the engine serves (the HTTP/2 block's [`Http2`](crate::engine::Http2), the
/// gRPC block's [`Grpc`](crate::engine::Grpc)): the settings its connections announce, the
/// acknowledgements they keep back, and what each stream gets.
pub(in crate::modes) trait Block: Send + Sync {
    /// The settings the server announces, and the flow control it grants.
    fn settings(&self) -> h2::server::Builder;

    /// The acknowledgements the server keeps back.
    fn withheld(&self) -> Withheld;

    /// Answers one stream, with the stream's request's overrides of the mode's parameters.
    /// Returns the frames that end the connection, for an answer that ends it.
    fn serve_stream<'a>(&'a self, stream: Answering<'a>) -> BoxFuture<'a, Option<Vec<u8>>>;
}

/// How the connection ends.
enum Ending {
    /// The client closed it, or it failed.
    Ended(ConnectionEnd),
    /// The server sends these frames, written by hand, then closes it.
    Frames(Vec<u8>),
}

/// Serves the connection with `fault` until it ends. A behavior switch reaches the connection at
/// its next stream: the server answers it with a GOAWAY that leaves it out (NO_ERROR, naming the
/// last stream accepted before), so the client retries it on a new connection, which the new
/// behavior serves.
pub(in crate::modes) async fn serve<B: Block>(
    conn: &mut Conn,
    configured: &Configured,
    fault: &B,
) -> Served {
    let shared = Arc::clone(conn.shared());
    let generation = conn.generation();
    if !conn.speaks_http2().await? {
        return only_http2(conn, configured).await;
    }
    let log = StreamLog::new(Arc::clone(&shared), conn.id(), conn.peer(), conn.is_tls());
    let mut tap = FrameTap::new(conn.lend_io(), &log, fault.withheld());
    let ending = match fault.settings().handshake::<_, Bytes>(&mut tap).await {
        Ok(connection) => run(connection, &shared, generation, &log, configured, fault).await,
        Err(error) => Ending::Ended(end_of(&error)),
    };
    // The `h2` connection is gone: the tap, and what it still holds, is the server's again.
    Err(Stop::Ended(match ending {
        Ending::Ended(end) => end,
        Ending::Frames(frames) => close_with(&mut tap, &frames).await,
    }))
}

/// Accepts streams and answers each on this task, until the connection ends or an answer ends
/// it.
async fn run<IO: AsyncRead + AsyncWrite + Unpin, B: Block>(
    mut connection: h2::server::Connection<IO, Bytes>,
    shared: &Shared,
    generation: u64,
    log: &StreamLog,
    configured: &Configured,
    fault: &B,
) -> Ending {
    let mut answers = FuturesUnordered::new();
    let mut last_accepted = 0;
    let mut calls = 0;
    loop {
        tokio::select! {
            accepted = connection.accept() => {
                let (request, respond) = match accepted {
                    None => return Ending::Ended(ConnectionEnd::ClientClosed),
                    Some(Err(error)) => return Ending::Ended(end_of(&error)),
                    Some(Ok(accepted)) => accepted,
                };
                let received_at = Instant::now();
                let stream = u32::from(respond.stream_id());
                let (parts, body) = request.into_parts();
                let exchange = log.open(stream, &parts);
                let previous = std::mem::replace(&mut last_accepted, stream);
                if shared.generation() != generation {
                    log.reply(exchange, Reply::Closed);
                    return Ending::Frames(goaway(previous, Http2ErrorCode::NO_ERROR));
                }
                calls += 1;
                answers.push(fault.serve_stream(Answering {
                    stream,
                    previous,
                    call: calls,
                    exchange,
                    received_at,
                    parts,
                    body,
                    respond,
                    log,
                    configured,
                }));
            }
            Some(closing) = answers.next(), if !answers.is_empty() => {
                if let Some(frames) = closing {
                    return Ending::Frames(frames);
                }
            }
        }
    }
}

/// Sends `frames`, then closes: FIN, and what the client still sends (its GOAWAY naming the
/// error it found, say) is read through the tap, so it is filed, until it closes too or a
/// while passes.
async fn close_with<IO: AsyncRead + AsyncWrite + Unpin>(
    tap: &mut FrameTap<'_, IO>,
    frames: &[u8],
) -> ConnectionEnd {
    if let Err(error) = tap.send_frame(frames).await {
        return end_from_io(&error);
    }
    let _ = tap.shutdown().await;
    let drain = async {
        let mut buf = [0; 4096];
        while tap.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    };
    let _ = tokio::time::timeout(CLOSE_LINGER, drain).await;
    ConnectionEnd::ServerClosed
}

/// A client that does not speak HTTP/2 (no preface, or `http/1.1` by ALPN) gets a 505 saying
/// how to reach the mode.
async fn only_http2(conn: &mut Conn, configured: &Configured) -> Served {
    let request = conn.read_request(Record::AtOnce).await?;
    let description = format!(
        "`{}` speaks HTTP/2 only: connect with prior knowledge (curl --http2-prior-knowledge, \
         reqwest's http2_prior_knowledge, a gRPC client to http://) or over TLS offering h2 by \
         ALPN",
        configured.spec().name()
    );
    let response = WireResponse::error(505, Location::Request, "version", &description)
        .header("Connection", "close");
    conn.respond(&request, response).await
}

/// How an `h2` connection error ends the connection.
fn end_of(error: &h2::Error) -> ConnectionEnd {
    if let Some(io) = error.get_io() {
        return end_from_io(io);
    }
    if error.is_go_away() && error.is_remote() {
        return ConnectionEnd::ClientClosed;
    }
    ConnectionEnd::Failed(error.to_string())
}
