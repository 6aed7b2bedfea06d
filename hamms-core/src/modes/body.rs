//! Responses whose body is the problem: missing or lying content types, corrupt or random bytes,
//! broken or endless chunking, a corrupt gzip stream.

use http::Method;
use rand::{Rng, RngExt};
use serde_json::json;
use tokio::time::Instant;

use crate::connection::{After, BoxFuture, Conn, Served};
use crate::engine::{AfterBody, ChunkedDribble, Configured, DroppedBytes, InfiniteBody, Size};
use crate::history::{Reply, Request};
use crate::http1::{Framing, WireResponse, chunk};

/// A JSON document that nothing labels as JSON.
pub(crate) fn no_content_type<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, _) = conn.read_request_with(configured, &()).await?;
        let body = json!({"message": "this body is JSON, but no Content-Type says so"});
        let response = WireResponse::new(200).body(body.to_string());
        conn.respond(&request, response).await
    })
}

/// The error page a proxy or load balancer serves, labelled as the JSON the client expects.
pub(crate) fn wrong_content_type<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, _) = conn.read_request_with(configured, &()).await?;
        let response = WireResponse::new(200)
            .header("Content-Type", "application/json")
            .body(ERROR_PAGE);
        conn.respond(&request, response).await
    })
}

const ERROR_PAGE: &str = "<!doctype html>\n<html><head><title>502 Bad Gateway</title></head>\n\
<body><h1>Bad Gateway</h1><p>The upstream server did not answer in time.</p></body></html>\n";

/// The JSON `dropped_bytes` corrupts.
fn document() -> String {
    json!({
        "id": 7,
        "name": "hamms",
        "tags": ["testing", "http", "faults"],
        "nested": {"ok": true, "count": 42, "ratio": 0.5},
        "message": "if you can read this, no byte was dropped",
    })
    .to_string()
}

/// Valid JSON with `count` bytes removed at seeded positions, under the original
/// `Content-Length`; then, per `after_body`, the connection closes or stays open.
pub(crate) fn dropped_bytes<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    dropped: &'a DroppedBytes,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, dropped) = conn.read_request_with(configured, dropped).await?;
        let original = document().into_bytes();
        let mut body = original.clone();
        conn.random(dropped.seed, |rng| {
            for _ in 0..dropped.typed.count.min(body.len() - 1) {
                let at = rng.random_range(0..body.len());
                body.remove(at);
            }
        });
        let response = WireResponse::new(200)
            .header("Content-Type", "application/json")
            .header("Content-Length", original.len().to_string())
            .body(body);
        conn.send_response(&request, &response).await?;
        Ok(after_body(dropped.typed.after_body))
    })
}

/// `size` random bytes (seeded) that are not UTF-8, labelled `text/plain; charset=utf-8`.
pub(crate) fn binary_body<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    size: &'a Size,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, size) = conn.read_request_with(configured, size).await?;
        let mut body = vec![0; size.typed.size];
        conn.random(size.seed, |rng| rng.fill_bytes(&mut body));
        // 0xFF never occurs in UTF-8: however the dice fall, the body is not text.
        body[0] = 0xFF;
        let response = WireResponse::new(200)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(body);
        conn.respond(&request, response).await
    })
}

/// A chunked 200 with one good chunk, then a chunk-size line that is not hexadecimal.
pub(crate) fn malformed_chunk<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, _) = conn.read_request_with(configured, &()).await?;
        let response = streamed_head(Framing::Chunked);
        conn.set_reply(Reply::of(&response));
        let mut bytes = response.head_bytes();
        if request.method != Method::HEAD {
            bytes.extend_from_slice(&chunk(b"{\"partial\": "));
            bytes.extend_from_slice(b"zz\r\nnot a chunk\r\n");
        }
        conn.write(&bytes).await?;
        Ok(After::Close)
    })
}

/// A valid body of `chunks` chunks spread evenly over `duration_ms`: chunk k of n is sent k/n of
/// the way through, the last at the end. A client that waits gets all of it.
pub(crate) fn chunked_dribble<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    dribble: &'a ChunkedDribble,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, dribble) = conn.read_request_with(configured, dribble).await?;
        let ChunkedDribble { chunks, duration } = *dribble.typed;
        let pieces: Vec<String> = (1..=chunks)
            .map(|k| format!("chunk {k} of {chunks}\n"))
            .collect();
        let framing = Framing::for_streaming(&request.method, request.version);
        let head = streamed_head(framing);
        let mut reply = Reply::of(&head);
        if let Reply::Response { body_len, .. } = &mut reply {
            *body_len = pieces.iter().map(|p| p.len() as u64).sum();
        }
        conn.set_reply(reply);
        conn.write(&head.head_bytes()).await?;
        if framing == Framing::None {
            return Ok(after_streaming(framing, &request));
        }
        let start = Instant::now();
        for (k, piece) in (1..=chunks).zip(&pieces) {
            conn.pause_until(start + duration * k / chunks).await?;
            conn.write(&framing.piece(piece.as_bytes())).await?;
        }
        conn.write(framing.end()).await?;
        Ok(after_streaming(framing, &request))
    })
}

/// `Content-Encoding: gzip` over bytes that start like gzip and then are not deflate data.
pub(crate) fn bad_gzip<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, _) = conn.read_request_with(configured, &()).await?;
        // A valid gzip header (magic, deflate, no flags, no time, Unix), then garbage.
        let mut body = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03];
        body.extend_from_slice(b"\xff\xfe\xfd this is not a deflate stream");
        let response = WireResponse::new(200)
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .body(body);
        conn.respond(&request, response).await
    })
}

/// A 200 whose body never ends: a chunk of `chunk_size` bytes every `interval_ms`, for as long
/// as the client reads.
pub(crate) fn infinite_body<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    infinite: &'a InfiniteBody,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, infinite) = conn.read_request_with(configured, infinite).await?;
        let InfiniteBody {
            chunk_size: size,
            interval,
        } = *infinite.typed;
        let framing = Framing::for_streaming(&request.method, request.version);
        let head = streamed_head(framing);
        // The body has no length: the history records none.
        conn.set_reply(Reply::of(&head));
        conn.write(&head.head_bytes()).await?;
        if framing == Framing::None {
            return Ok(after_streaming(framing, &request));
        }
        let piece = framing.piece(&vec![b'a'; size]);
        let mut next = Instant::now();
        loop {
            conn.write(&piece).await?;
            next += interval;
            conn.pause_until(next).await?;
        }
    })
}

/// The head of a 200 whose body the mode writes piece by piece, framed as `framing` says (a HEAD
/// request gets the head a GET would).
fn streamed_head(framing: Framing) -> WireResponse {
    let response = WireResponse::new(200)
        .header("Content-Type", "text/plain")
        .streamed();
    if framing == Framing::UntilClose {
        response.header("Connection", "close")
    } else {
        response.header("Transfer-Encoding", "chunked")
    }
}

/// What becomes of the connection after a streamed body: a body delimited by the close closes it.
fn after_streaming(framing: Framing, request: &Request) -> After {
    if !framing.delimits() || request.wants_close() {
        After::Close
    } else {
        After::KeepAlive
    }
}

/// What `after_body` asks: close, or keep the connection open so the client waits.
pub(crate) fn after_body(choice: AfterBody) -> After {
    match choice {
        AfterBody::Close => After::Close,
        AfterBody::KeepOpen => After::KeepAlive,
    }
}
