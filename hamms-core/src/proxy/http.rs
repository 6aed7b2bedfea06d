//! The proxy for HTTP/1.x: one request per turn of the connection loop, so each request of a
//! keep-alive connection meets the behavior current at its arrival.

use http::Version;
use rand::RngExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::time::Instant;

use super::shaper::shapers;
use super::stack::{Call, has, stage};
use super::state::ProxyState;
use crate::connection::{After, Conn, Served, Stop};
use crate::history::{Reply, Request};
use crate::http1::{BodyReader, Framing, Response};
use crate::params::Params;

/// Bytes read from the backend at a time.
const READ_CHUNK: usize = 64 * 1024;
/// The largest response head the proxy reads from a backend.
const MAX_HEAD: usize = 1024 * 1024;
/// The statuses `error` picks from, as Vaurien does.
const ERRORS: [u16; 4] = [500, 501, 502, 503];

/// Relays the next request to `backend` (a connection per request) and its response back.
pub(super) async fn serve(conn: &mut Conn, state: &ProxyState, stack: &[Params]) -> Served {
    let backend = state.backend.addr.as_str();
    let request = conn.read_request().await?;
    if request.body_truncated() {
        // Forwarding the kept part would corrupt the request; say so instead.
        let cap = conn.shared().history.limits().body_cap;
        let description = format!(
            "the http proxy forwards bodies of up to {cap} bytes (the server's body cap); this one has {}; raise the cap or relay with protocol tcp",
            request.body_len
        );
        let response =
            Response::error(413, "body", "body", &description).header("Connection", "close");
        conn.send_response(&request, &response).await?;
        return Ok(After::Close);
    }
    if Call::decide(state, stack) == Call::Fail {
        let status = conn
            .shared()
            .random(None, |rng| ERRORS[rng.random_range(0..ERRORS.len())]);
        let response = Response::new(status)
            .header("Content-Type", "text/plain")
            .header("Connection", "close")
            .body(format!("hamms proxy: {status} on purpose\r\n"));
        conn.send_response(&request, &response).await?;
        return Ok(After::Close);
    }
    if let Some(delay) = stage(stack, "delay").filter(|s| s.flag("before")) {
        conn.pause_until(Instant::now() + delay.duration("sleep"))
            .await?;
    }
    let mut upstream = match TcpStream::connect(backend).await {
        Ok(stream) => stream,
        Err(error) => {
            let response =
                Response::error(502, "backend", "backend", &format!("{backend}: {error}"))
                    .header("Connection", "close");
            conn.send_response(&request, &response).await?;
            return Ok(After::Close);
        }
    };
    let _ = upstream.set_nodelay(true);
    let (mut up, mut down) = shapers(stack, conn.shared(), &state.bandwidth_clock);
    if !matches!(
        up.forward(&wire_bytes(&request), Instant::now(), &mut upstream)
            .await,
        Ok(true)
    ) {
        return Ok(After::Close);
    }
    if has(stack, "abort") {
        return Ok(After::Close);
    }
    let (mut from_backend, _to_backend) = upstream.into_split();
    // A backend that never answers must not keep the connection once its client has left.
    let answer = tokio::select! {
        answer = read_head(&mut from_backend) => answer,
        end = conn.until_client_leaves() => return Err(Stop::Ended(end)),
    };
    let Some((head, mut rest)) = answer else {
        return Ok(After::Close);
    };
    if let Some(delay) = stage(stack, "delay").filter(|s| !s.flag("before")) {
        conn.pause_until(Instant::now() + delay.duration("sleep"))
            .await?;
    }
    let framing = Framing::of_response(
        &request.method,
        head.status,
        head.headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
    );
    conn.set_reply(head.reply(framing));
    let mut client = conn.lend_io();
    if !matches!(
        down.forward(&head.bytes, Instant::now(), &mut client).await,
        Ok(true)
    ) {
        return Ok(After::Close);
    }
    // The body, as it arrives, until its framing says it ended.
    let mut body = BodyReader::new(framing);
    loop {
        // A body whose chunking is broken is relayed as it is, to the end of the connection.
        let used = body.read(&rest, |_| {}).unwrap_or(rest.len());
        if !matches!(
            down.forward(&rest[..used], Instant::now(), &mut client)
                .await,
            Ok(true)
        ) {
            return Ok(After::Close);
        }
        if body.is_done() {
            break;
        }
        rest.clear();
        rest.resize(READ_CHUNK, 0);
        match from_backend.read(&mut rest).await {
            Ok(0) | Err(_) if framing == Framing::UntilClose => {
                let _ = client.shutdown().await;
                return Ok(After::Close);
            }
            Ok(0) | Err(_) => return Ok(After::Close),
            Ok(n) => rest.truncate(n),
        }
    }
    let close = request.wants_close() || head.closes || framing == Framing::UntilClose;
    Ok(if close {
        After::Close
    } else {
        After::KeepAlive
    })
}

/// The request as the backend gets it: the request line and headers as received, the body as
/// decoded (so `Content-Length` frames it, whatever the client used).
fn wire_bytes(request: &Request) -> Vec<u8> {
    let version = if request.version == Version::HTTP_10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    let mut out = format!("{} {} {version}\r\n", request.method, request.target).into_bytes();
    for (name, value) in &request.headers {
        // The body goes as decoded, with its own length; the proxy already answered any
        // `Expect: 100-continue` itself.
        if name == http::header::TRANSFER_ENCODING
            || name == http::header::CONTENT_LENGTH
            || name == http::header::EXPECT
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !request.body.is_empty() || request.header("content-length").is_some() {
        out.extend_from_slice(format!("content-length: {}\r\n", request.body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&request.body);
    out
}

/// A response head from the backend.
struct Head {
    bytes: Vec<u8>,
    status: u16,
    headers: Vec<(String, String)>,
    closes: bool,
}

impl Head {
    fn reply(&self, framing: Framing) -> Reply {
        Reply::Response {
            status: self.status,
            headers: self.headers.clone(),
            body_len: match framing {
                Framing::Length(n) => n,
                _ => 0,
            },
        }
    }
}

/// Reads a response head; returns it and the bytes after it, or `None` if the backend closed or
/// sent something that is not HTTP.
async fn read_head(from: &mut OwnedReadHalf) -> Option<(Head, Vec<u8>)> {
    let mut buf = Vec::new();
    loop {
        match parse_head(&buf) {
            Err(()) => return None,
            // Interim answers (`100 Continue`) are the proxy's business: the proxy answered the
            // client's `Expect` itself.
            Ok(Some((head, rest))) if (100..200).contains(&head.status) && head.status != 101 => {
                buf = rest;
                continue;
            }
            Ok(Some(complete)) => return Some(complete),
            Ok(None) if buf.len() >= MAX_HEAD => return None,
            Ok(None) => {}
        }
        let mut chunk = vec![0; READ_CHUNK];
        match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The response head at the start of `buf` and the bytes after it; `Ok(None)` while incomplete,
/// `Err(())` for bytes that are not an HTTP response.
fn parse_head(buf: &[u8]) -> Result<Option<(Head, Vec<u8>)>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut response = httparse::Response::new(&mut headers);
    let end = match response.parse(buf) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(()),
    };
    let pairs: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let closes = values(&pairs, "connection").any(|v| v.contains("close"));
    let head = Head {
        status: response.code.unwrap_or(502),
        closes,
        headers: pairs,
        bytes: buf[..end].to_vec(),
    };
    Ok(Some((head, buf[end..].to_vec())))
}

/// The values of header `name`, lowercased.
fn values<'a>(pairs: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = String> + 'a {
    pairs
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.to_ascii_lowercase())
}
