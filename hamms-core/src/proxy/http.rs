//! The proxy for HTTP/1.x: one request per turn of the connection loop, so each request of a
//! keep-alive connection meets the behavior in force at its arrival (drawn then, as a tcp
//! connection draws when it opens). Toxics act on the bytes of each exchange: `latency`,
//! `bandwidth`, `slicer`, `limit_data` on what passes, `timeout` and `reset_peer` with clocks from
//! the request's arrival, `slow_close` on the close that ends it. A request that a stub
//! mounted on the proxy claims gets the stub's answer instead, as on the fixture.

use http::Version;
use rand::RngExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::Instant;

use super::calls::{Call, answer_delay, hangs};
use super::pipeline::{Flow, Pipeline, expiry};
use super::roll::draw_mix;
use super::state::ProxyState;
use crate::connection::{After, Conn, Record, Served, Stop};
use crate::engine::Mix;
use crate::engine::{Direction, Stage};
use crate::fixture::claim_by_stubs;
use crate::history::{ConnectionEnd, Reply, Request};
use crate::http1::{BodyReader, Framing, Location, WireResponse};

/// Bytes read from the backend at a time.
const READ_CHUNK: usize = 64 * 1024;
/// The largest response head the proxy reads from a backend.
const MAX_HEAD: usize = 1024 * 1024;
/// The most headers the proxy reads in a backend's response head; past it, a 502 says so.
pub(super) const MAX_BACKEND_HEADERS: usize = 1024;
/// The statuses `error` picks from, as Vaurien does.
const ERRORS: [u16; 4] = [500, 501, 502, 503];

/// Serves the next request under `mix` (the behavior in force): its stages drawn now, the
/// connection-level toxics (a reset or a close at a set time from the request's arrival) around
/// the relay, and `slow_close` on the close that ends it.
pub(super) async fn serve(conn: &mut Conn, mix: &Mix, state: &ProxyState) -> Served {
    let shared = std::sync::Arc::clone(conn.shared());
    if shared.stubs.in_use() {
        // A request a stub (or its own fault header) claims gets that answer, untouched by the
        // behavior; the others are relayed under it.
        let request = conn.read_request(Record::WithAnswer).await?;
        if let Some(after) = claim_by_stubs(conn, std::sync::Arc::clone(&request)).await? {
            return Ok(after);
        }
        conn.hand_on(request);
    }
    let (stages, seed): (Vec<Stage>, u64) = shared.random(None, |rng| {
        let stages = draw_mix(mix, rng, shared.history.meter());
        (stages, rng.random())
    });
    if stages.contains(&Stage::Blackout) {
        return Ok(After::Reset);
    }
    if stages.contains(&Stage::Down) || conn.is_to_close() {
        // The request of a connection accepted as the proxy went down (or was told to close its
        // connections) is not relayed.
        return Ok(After::Close);
    }
    if hangs(&stages) {
        return Err(Stop::Ended(conn.hold().await));
    }
    let now = Instant::now();
    let mut up = Pipeline::new(Direction::Upstream, seed, state.bandwidth_clock.clone());
    let mut down = Pipeline::new(
        Direction::Downstream,
        seed ^ 1,
        state.bandwidth_clock.clone(),
    );
    up.follow(&stages, now);
    down.follow(&stages, now);
    let deadline = [up.deadline(), down.deadline()]
        .into_iter()
        .flatten()
        .min_by_key(|(at, _)| *at);
    if let Some((at, end)) = deadline
        && at <= now
    {
        return Ok(end.into());
    }
    let served = tokio::select! {
        biased;
        end = expiry(deadline) => Ok(end.into()),
        served = relay(conn, state, &stages, &mut up, &mut down) => served,
    };
    // A clock still running keeps the connection under its toxic until it runs out: a `timeout`
    // closes it, a `reset_peer` resets it, whatever was answered meanwhile.
    let served = match (served, deadline) {
        (Ok(After::KeepAlive | After::Close), Some((at, end))) => {
            conn.pause_until(at).await?;
            Ok(end.into())
        }
        (served, _) => served,
    };
    if matches!(served, Ok(After::Close)) {
        // The close the client sees is downstream, as a tcp relay's would be.
        down.wait_to_close().await;
    }
    served
}

/// Relays the next request to the backend (a connection per request) and its response back,
/// in the steps an exchange has: the request read and decided by the behavior, forwarded to the
/// backend, the answer's head read, then relayed with the answer's body as it arrives.
async fn relay(
    conn: &mut Conn,
    state: &ProxyState,
    stages: &[Stage],
    up: &mut Pipeline,
    down: &mut Pipeline,
) -> Served {
    let request = conn.read_request(Record::AtOnce).await?;
    let abort = match decide(conn, &request, state, stages).await? {
        Decision::Relay { abort } => abort,
        Decision::Answered(after) => return Ok(after),
    };
    let backend = state.backend();
    let Some((mut from_backend, to_backend)) =
        forward(conn, &request, &backend.addr, up, abort).await?
    else {
        return Ok(After::Close);
    };
    let Some(answer) =
        read_answer_head(conn, &request, &backend.addr, &mut from_backend, to_backend).await?
    else {
        return Ok(After::Close);
    };
    let delay = answer_delay(stages);
    if !delay.is_zero() {
        conn.pause_until(Instant::now() + delay).await?;
    }
    relay_answer(conn, &request, answer, from_backend, down).await
}

/// What the behavior in force makes of a request the proxy read.
enum Decision {
    /// Relay it to the backend; with `abort`, cut both connections once it is forwarded.
    Relay { abort: bool },
    /// The proxy answered it itself (an error, a refusal), or the connection's end is decided.
    Answered(After),
}

/// Decides `request` under `stages`: answered by the proxy (a body too large to forward whole,
/// `error`), held (`hang`), reset (`blackout`), or relayed once its `delay` has passed.
async fn decide(
    conn: &mut Conn,
    request: &Request,
    state: &ProxyState,
    stages: &[Stage],
) -> Result<Decision, Stop> {
    if request.body_truncated() {
        // Forwarding the kept part would corrupt the request; say so instead.
        let description = format!(
            "the http proxy forwards bodies of up to {} bytes; this one has {}; relay with protocol tcp for larger ones",
            conn.shared().history.limits().read_cap,
            request.body_len
        );
        let response = WireResponse::error(413, Location::Body, "body", &description)
            .header("Connection", "close");
        conn.send_response(request, &response).await?;
        return Ok(Decision::Answered(After::Close));
    }
    let (delay, abort) = match Call::decide(stages, state) {
        Call::Fail => {
            let status = conn
                .shared()
                .random(None, |rng| ERRORS[rng.random_range(0..ERRORS.len())]);
            let response = WireResponse::new(status)
                .header("Content-Type", "text/plain")
                .header("Connection", "close")
                .body(format!("hamms proxy: {status} on purpose\r\n"));
            conn.send_response(request, &response).await?;
            return Ok(Decision::Answered(After::Close));
        }
        // Decided when the request was drawn: `serve` handled them.
        Call::Blackout => return Ok(Decision::Answered(After::Reset)),
        Call::Hang => return Err(Stop::Ended(conn.hold().await)),
        Call::Pass { delay, abort } => (delay, abort),
    };
    if !delay.is_zero() {
        conn.pause_until(Instant::now() + delay).await?;
    }
    Ok(Decision::Relay { abort })
}

/// Sends `request` to `backend` through the upstream toxics, on a connection of its own; its
/// two halves, or `None` if the exchange ends here (the backend unreachable, answered with a
/// 502; the toxics closing; `abort`).
async fn forward(
    conn: &mut Conn,
    request: &Request,
    backend: &str,
    up: &mut Pipeline,
    abort: bool,
) -> Result<Option<(OwnedReadHalf, OwnedWriteHalf)>, Stop> {
    let mut upstream = match TcpStream::connect(backend).await {
        Ok(stream) => stream,
        Err(error) => {
            bad_gateway(conn, request, &format!("{backend}: {error}")).await?;
            return Ok(None);
        }
    };
    let _ = upstream.set_nodelay(true);
    match up
        .forward(&wire_bytes(request), Instant::now(), &mut upstream)
        .await
    {
        Ok((Flow::Continue, _)) if !abort => Ok(Some(upstream.into_split())),
        _ => Ok(None),
    }
}

/// The backend's answer, as far as the proxy read it before relaying.
struct AnswerSoFar {
    head: Head,
    /// Bytes read past the head: the start of the body.
    rest: Vec<u8>,
    /// The client closed its side after its request (its FIN was passed on).
    half_closed: bool,
}

/// Reads the head of the backend's answer, passing a client's half-close on meanwhile (it
/// still gets the answer; a backend that ends its side in turn lets the connection end), as
/// the tcp protocol does. `None` if the exchange ends here: the backend closed first, or sent
/// something that is not a response (answered with a 502). A client that resets ends it.
async fn read_answer_head(
    conn: &mut Conn,
    request: &Request,
    backend: &str,
    from_backend: &mut OwnedReadHalf,
    mut to_backend: OwnedWriteHalf,
) -> Result<Option<AnswerSoFar>, Stop> {
    let mut half_closed = false;
    let answer = {
        let answer = read_head(from_backend);
        tokio::pin!(answer);
        tokio::select! {
            answer = &mut answer => answer,
            end = conn.until_client_leaves() => match end {
                ConnectionEnd::ClientClosed => {
                    half_closed = true;
                    let _ = to_backend.shutdown().await;
                    answer.await
                }
                end => return Err(Stop::Ended(end)),
            },
        }
    };
    match answer {
        BackendAnswer::Head(head, rest) => Ok(Some(AnswerSoFar {
            head,
            rest,
            half_closed,
        })),
        BackendAnswer::Closed => Ok(None),
        BackendAnswer::Unusable(reason) => {
            bad_gateway(conn, request, &format!("{backend}: {reason}")).await?;
            Ok(None)
        }
    }
}

/// Relays the answer's head, then its body as it arrives through the downstream toxics,
/// until its framing says it ended; says what becomes of the connection.
async fn relay_answer(
    conn: &mut Conn,
    request: &Request,
    answer: AnswerSoFar,
    mut from_backend: OwnedReadHalf,
    down: &mut Pipeline,
) -> Served {
    let AnswerSoFar {
        head,
        mut rest,
        half_closed,
    } = answer;
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
        Ok((Flow::Continue, _))
    ) {
        return Ok(After::Close);
    }
    let mut body = BodyReader::new(framing);
    loop {
        // A body whose chunking is broken is relayed as it is, to the end of the connection.
        let used = body.read(&rest, |_| {}).unwrap_or(rest.len());
        if !matches!(
            down.forward(&rest[..used], Instant::now(), &mut client)
                .await,
            Ok((Flow::Continue, _))
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
    let close =
        half_closed || request.wants_close() || head.closes || framing == Framing::UntilClose;
    Ok(if close {
        After::Close
    } else {
        After::KeepAlive
    })
}

/// Answers `request` with a 502 saying what is wrong with the backend, and closes.
async fn bad_gateway(conn: &mut Conn, request: &Request, reason: &str) -> Result<(), Stop> {
    let response = WireResponse::error(502, Location::Backend, "backend", reason)
        .header("Connection", "close");
    conn.send_response(request, &response).await?;
    Ok(())
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

/// What the backend answered.
enum BackendAnswer {
    /// A response head, and the bytes after it.
    Head(Head, Vec<u8>),
    /// Nothing: it closed (or failed) before a whole head.
    Closed,
    /// Something the proxy cannot relay as a response, and why.
    Unusable(String),
}

/// Reads a response head from the backend.
async fn read_head(from: &mut (impl AsyncRead + Unpin)) -> BackendAnswer {
    let mut buf = Vec::new();
    loop {
        match parse_head(&buf) {
            Err(reason) => return BackendAnswer::Unusable(reason),
            // Interim answers (`100 Continue`) are the proxy's business: the proxy answered the
            // client's `Expect` itself.
            Ok(Some((head, rest))) if (100..200).contains(&head.status) && head.status != 101 => {
                buf = rest;
                continue;
            }
            Ok(Some((head, rest))) => return BackendAnswer::Head(head, rest),
            Ok(None) if buf.len() >= MAX_HEAD => {
                return BackendAnswer::Unusable(format!(
                    "its response head is larger than {MAX_HEAD} bytes, the most the proxy reads"
                ));
            }
            Ok(None) => {}
        }
        let mut chunk = vec![0; READ_CHUNK];
        match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return BackendAnswer::Closed,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The response head at the start of `buf` and the bytes after it; `Ok(None)` while incomplete,
/// `Err` naming why for a head the proxy cannot relay.
fn parse_head(buf: &[u8]) -> Result<Option<(Head, Vec<u8>)>, String> {
    let mut headers = vec![httparse::EMPTY_HEADER; MAX_BACKEND_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let end = match response.parse(buf) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(format!(
                "its response has more than {MAX_BACKEND_HEADERS} headers, the most the proxy relays"
            ));
        }
        Err(error) => return Err(format!("its answer is not an HTTP response ({error})")),
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
