//! What a server recorded: requests, what it answered, and raw connections. Owned snapshots.

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue, Method, Version};

use super::grpc::GrpcCall;
use crate::http2::Http2ErrorCode;

/// One HTTP request as the server received it: an owned snapshot of exactly that request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: Method,
    /// The request target exactly as sent, e.g. `/search?q=a%20b`.
    pub target: String,
    /// The path part of the target, still percent-encoded, e.g. `/search`.
    pub path: String,
    /// The query pairs, percent-decoded, in order, repeats kept.
    pub query: Vec<(String, String)>,
    /// The HTTP version of the request line.
    pub version: Version,
    /// The headers in the order they arrived, repeats kept.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body, up to the server's body cap (see [`Request::body_truncated`]).
    pub body: Vec<u8>,
    /// The full length of the body as sent, even when `body` was capped.
    pub body_len: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// The id of the connection the request arrived on (see [`ConnectionRecord::id`]).
    pub connection: u64,
    /// When the request had fully arrived; over HTTP/2 in the HTTP/2 modes, when its headers
    /// arrived (its body is recorded as it comes, and may never end: `h2_flow_stall`).
    pub received_at: Instant,
    /// Whether the request came over TLS.
    pub tls: bool,
}

impl Request {
    /// The path (origin stripped, still percent-encoded) and decoded query pairs of a request
    /// target.
    pub(crate) fn split_target(target: &str) -> (String, Vec<(String, String)>) {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        (strip_origin(path).to_owned(), query)
    }

    /// The first value of a header (case-insensitive name), if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }

    /// Every value of a header (case-insensitive name) that is valid UTF-8, in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .filter_map(|(_, v)| v.to_str().ok())
    }

    /// The first value of a query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Whether the body was longer than the server's body cap and `body` holds only its start.
    pub fn body_truncated(&self) -> bool {
        self.body_len > self.body.len() as u64
    }

    /// The request's parameters as Hamms read them: the query pairs, then the pairs of an
    /// `application/x-www-form-urlencoded` body.
    pub(crate) fn parameters(&self) -> Vec<(String, String)> {
        let mut pairs = self.query.clone();
        if self.has_form_body() {
            pairs.extend(
                form_urlencoded::parse(&self.body).map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
        }
        pairs
    }

    /// Whether any of the request's parameter keys (see [`parameters`](Self::parameters))
    /// satisfies `wanted`; reads them in place, copying nothing.
    pub(crate) fn any_parameter_key(&self, wanted: impl Fn(&str) -> bool) -> bool {
        self.query.iter().any(|(key, _)| wanted(key))
            || (self.has_form_body()
                && form_urlencoded::parse(&self.body).any(|(key, _)| wanted(&key)))
    }

    /// Whether the body is `application/x-www-form-urlencoded`, whose pairs are parameters too.
    fn has_form_body(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.split(';').next().is_some_and(|media| {
                media
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
    }

    /// An HTTP/2 request as it arrived on `connection` (its headers; no body yet), recorded now.
    pub(crate) fn http2(
        parts: &http::request::Parts,
        peer: SocketAddr,
        connection: u64,
        tls: bool,
    ) -> Request {
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", |target| target.as_str())
            .to_owned();
        let (path, query) = Request::split_target(&target);
        Request {
            method: parts.method.clone(),
            target,
            path,
            query,
            version: Version::HTTP_2,
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            body: Vec::new(),
            body_len: 0,
            peer,
            connection,
            received_at: Instant::now(),
            tls,
        }
    }

    /// Whether the client asked to close the connection after this request.
    pub(crate) fn wants_close(&self) -> bool {
        crate::http1::wants_close(self.version, &self.headers)
    }

    /// What the request holds on the heap, as the history counts it against its byte limit.
    /// Header values parsed by the engine share one buffer, the request's head: their lengths
    /// add up to about its size.
    pub(crate) fn heap_bytes(&self) -> usize {
        let pair = std::mem::size_of::<(HeaderName, HeaderValue)>();
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        let query: usize = self
            .query
            .iter()
            .map(|(k, v)| std::mem::size_of::<(String, String)>() + k.capacity() + v.capacity())
            .sum();
        std::mem::size_of::<Request>()
            + self.target.capacity()
            + self.path.capacity()
            + query
            + self.headers.capacity() * pair
            + headers
            + self.body.capacity()
    }
}

#[cfg(test)]
impl Request {
    /// A request as the engine records it, for unit tests: HTTP/1.1, from 127.0.0.1:1, on
    /// connection 0, arrived now.
    pub(crate) fn for_test(
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Request {
        let (path, query) = Request::split_target(target);
        Request {
            method: Method::from_bytes(method.as_bytes()).expect("a method"),
            target: target.to_owned(),
            path,
            query,
            version: Version::HTTP_11,
            headers: headers
                .iter()
                .map(|(n, v)| {
                    let name = HeaderName::from_bytes(n.as_bytes()).expect("a header name");
                    (name, HeaderValue::from_str(v).expect("a header value"))
                })
                .collect(),
            body: body.to_vec(),
            body_len: body.len() as u64,
            peer: SocketAddr::from(([127, 0, 0, 1], 1)),
            connection: 0,
            received_at: Instant::now(),
            tls: false,
        }
    }
}

/// What the server did about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// Nothing (yet): the server is holding the request, or the connection ended first.
    Pending,
    /// An HTTP response head and body (which a mode may then send slowly, short, or not at all).
    Response {
        /// The status code.
        status: u16,
        /// The response headers, in order.
        headers: Vec<(String, String)>,
        /// The length of the body the server wrote or began to write.
        body_len: u64,
    },
    /// Bytes that are not an HTTP response, such as `foo bar` (their first KiB).
    Raw(Vec<u8>),
    /// The server closed the connection without answering (over HTTP/2: ended it with GOAWAY).
    Closed,
    /// The server reset the connection (TCP RST) without answering; over HTTP/2, the request's
    /// stream (RST_STREAM, its code in [`Exchange::stream`]).
    Reset,
}

impl Reply {
    /// What the reply holds on the heap, as the history counts it.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Reply::Response { headers, .. } => {
                headers.capacity() * std::mem::size_of::<(String, String)>()
                    + headers
                        .iter()
                        .map(|(n, v)| n.capacity() + v.capacity())
                        .sum::<usize>()
            }
            Reply::Raw(bytes) => bytes.capacity(),
            Reply::Pending | Reply::Closed | Reply::Reset => 0,
        }
    }

    /// How the history records a response an engine mode wrote. Header values longer than
    /// [`RECORDED_VALUE_LIMIT`] are shortened: a 16 MiB `Cookie` need not be kept per request.
    pub(crate) fn of(response: &crate::http1::WireResponse) -> Reply {
        Reply::Response {
            status: response.status(),
            headers: response
                .headers()
                .map(|(n, v)| (n.to_owned(), shorten(v)))
                .collect(),
            body_len: response.body_len() as u64,
        }
    }

    /// How the history records a response sent as a head of `headers` (as they went out,
    /// framing included) and `body_len` bytes of body: the fixture's, and the gRPC block's
    /// answers. Values are kept as lossy text, shortened as [`Reply::of`] shortens them.
    pub(crate) fn from_fields(
        status: u16,
        headers: &[(HeaderName, HeaderValue)],
        body_len: u64,
    ) -> Reply {
        Reply::Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes());
                    (n.as_str().to_owned(), shorten(&value))
                })
                .collect(),
            body_len,
        }
    }
}

/// The longest header value (or raw reply) the history keeps whole.
pub(crate) const RECORDED_VALUE_LIMIT: usize = 1024;

/// `value`, or its first bytes and its length when longer than the limit.
pub(crate) fn shorten(value: &str) -> String {
    if value.len() <= RECORDED_VALUE_LIMIT {
        return value.to_owned();
    }
    let mut end = RECORDED_VALUE_LIMIT;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &value[..end], value.len())
}

/// A request and what the server answered.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Exchange {
    /// The request.
    pub request: Request,
    /// The answer.
    pub reply: Reply,
    /// When the first byte of the answer left, if any did.
    pub first_byte_at: Option<Instant>,
    /// The HTTP/2 stream that carried the request, recorded by the HTTP/2 modes (`h2_*`): its id
    /// and how it ended. `None` over HTTP/1.x and for the fixture's HTTP/2 (hyper serves it and
    /// keeps its streams to itself).
    pub stream: Option<StreamRecord>,
    /// The gRPC call, for a request whose `content-type` is gRPC's: its method, its messages,
    /// its deadline, and the status the server sent.
    pub grpc: Option<GrpcCall>,
    /// The stub that answered the request, if one did (see [`FaultServer::mount`](crate::FaultServer::mount)).
    pub stub: Option<StubId>,
}

/// Which stub answered: its index (in the order the server's stubs were mounted, from 0) and
/// its name, if it was given one ([`Stub::named`](crate::Stub::named)). Displays as
/// `stub "payments" (#2)` or `stub #2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StubId {
    index: u64,
    name: Option<Arc<str>>,
}

impl StubId {
    pub(crate) fn new(index: u64, name: Option<Arc<str>>) -> StubId {
        StubId { index, name }
    }

    /// The stub's number on its server: 0 for the first mounted, counting every mount.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The stub's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Display for StubId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "stub {name:?} (#{})", self.index),
            None => write!(f, "stub #{}", self.index),
        }
    }
}

/// An HTTP/2 stream: its id, and how it ended, as the frames that crossed the connection say.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamRecord {
    /// The stream id (odd: clients open streams 1, 3, 5...).
    pub id: u32,
    /// How the stream ended, once it has.
    pub end: Option<StreamEnd>,
}

/// How an HTTP/2 stream ended, and who ended it: the first frame that settled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamEnd {
    /// The server sent its whole answer: its last frame carried END_STREAM.
    Completed,
    /// The server reset the stream (RST_STREAM) with this code: `REFUSED_STREAM` (not processed,
    /// safe to retry), `INTERNAL_ERROR`...
    ServerReset(Http2ErrorCode),
    /// The client reset the stream (RST_STREAM) with this code: `CANCEL` when it gave up,
    /// `REFUSED_STREAM` or `PROTOCOL_ERROR` when it refused what it received...
    ClientReset(Http2ErrorCode),
    /// The server's GOAWAY left the stream out: its id is above `last_stream_id`, so it was
    /// not processed and the client may retry it on a new connection.
    GoAway {
        /// The highest stream id the server may have processed.
        last_stream_id: u32,
        /// The GOAWAY's code: `NO_ERROR` for a graceful shutdown.
        code: Http2ErrorCode,
    },
    /// The client closed the connection with a GOAWAY carrying this error code while the stream
    /// was open: a connection error, such as `PROTOCOL_ERROR` for a malformed frame.
    ClientGoAway(Http2ErrorCode),
    /// The connection ended while the stream was open.
    ConnectionClosed,
}

impl fmt::Display for StreamEnd {
    /// `completed`, `reset by the server (REFUSED_STREAM)`, `left out by GOAWAY (last stream 0,
    /// NO_ERROR)`...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamEnd::Completed => f.write_str("completed"),
            StreamEnd::ServerReset(code) => write!(f, "reset by the server ({code})"),
            StreamEnd::ClientReset(code) => write!(f, "reset by the client ({code})"),
            StreamEnd::GoAway {
                last_stream_id,
                code,
            } => write!(
                f,
                "left out by GOAWAY (last stream {last_stream_id}, {code})"
            ),
            StreamEnd::ClientGoAway(code) => write!(f, "connection failed by the client ({code})"),
            StreamEnd::ConnectionClosed => f.write_str("cut by the connection's close"),
        }
    }
}

impl Exchange {
    /// How long the server took from the request's arrival to the first byte of its answer: the
    /// server-side time to first byte (a response's `delay`, a mode's sleep).
    pub fn time_to_first_byte(&self) -> Option<Duration> {
        self.first_byte_at
            .map(|at| at.saturating_duration_since(self.request.received_at))
    }
}

/// How a connection ended, and who ended it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEnd {
    /// The client closed its side (FIN).
    ClientClosed,
    /// The client reset the connection (RST), or vanished while the server wrote.
    ClientReset,
    /// The server closed the connection (FIN).
    ServerClosed,
    /// The server reset the connection (TCP RST).
    ServerReset,
    /// The server was stopped (its handle dropped) while the connection was open.
    ServerStopped,
    /// The TLS handshake failed, for the reason given: the client refused the certificate
    /// (e.g. "received fatal alert: UnknownCA"), offered no version in common, sent no
    /// certificate when one was required...
    TlsHandshakeFailed(String),
    /// An I/O error other than the above.
    Failed(String),
}

impl ConnectionEnd {
    /// Whether the client, rather than the server, ended the connection.
    pub fn by_client(&self) -> bool {
        matches!(
            self,
            ConnectionEnd::ClientClosed | ConnectionEnd::ClientReset
        )
    }
}

/// What a TLS handshake settled.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsInfo {
    /// The protocol version, e.g. `TLSv1.3`.
    pub version: String,
    /// The cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The host name the client sent (SNI); clients send none for an IP address.
    pub server_name: Option<String>,
    /// The application protocol agreed by ALPN, e.g. `http/1.1`.
    pub alpn: Option<String>,
    /// Whether the client presented a certificate.
    pub client_certificate: bool,
}

/// One TCP connection: the bytes it carried and how it ended.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionRecord {
    /// Unique within its server, in accept order.
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// When the server accepted it.
    pub opened_at: Instant,
    /// When it ended, if it has.
    pub closed_at: Option<Instant>,
    /// The bytes received, up to the server's raw-bytes cap.
    pub received: Vec<u8>,
    /// The number of bytes received, even past the cap.
    pub received_len: u64,
    /// The bytes sent, up to the server's raw-bytes cap.
    pub sent: Vec<u8>,
    /// The number of bytes sent, even past the cap.
    pub sent_len: u64,
    /// What the TLS handshake settled, on a TLS connection whose handshake succeeded. Bytes
    /// received and sent are then the decrypted ones.
    pub tls: Option<TlsInfo>,
    /// How it ended, once it has.
    pub end: Option<ConnectionEnd>,
}

/// A snapshot of everything a server recorded since it started or was last cleared.
///
/// ```
/// use std::io::{Read, Write};
/// use std::time::Duration;
/// use hamms_core::{FaultServer, Reply};
///
/// let server = FaultServer::start("retry_counter")?;
/// for _ in 0..3 {
///     let mut socket = std::net::TcpStream::connect(server.addr())?;
///     socket.write_all(b"GET /?tries=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
///     socket.read_to_end(&mut Vec::new())?;
/// }
/// let history = server.wait_for_requests_blocking(3, Duration::from_secs(5))?;
/// let statuses: Vec<u16> = history
///     .exchanges()
///     .iter()
///     .filter_map(|e| match e.reply {
///         Reply::Response { status, .. } => Some(status),
///         _ => None,
///     })
///     .collect();
/// assert_eq!(statuses, [500, 500, 200]);
/// assert_eq!(history.intervals().len(), 2); // the gaps a retry back-off assertion reads
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct History {
    pub(crate) exchanges: Vec<Exchange>,
    pub(crate) connections: Vec<ConnectionRecord>,
    pub(crate) evicted: u64,
    pub(crate) evicted_connections: u64,
    pub(crate) bytes: usize,
    pub(crate) entry_limit: usize,
    pub(crate) byte_limit: usize,
    pub(crate) started: Instant,
    pub(crate) seed: u64,
}

impl History {
    /// Every request with its answer, in arrival order.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// Every request, in arrival order.
    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        self.exchanges.iter().map(|e| &e.request)
    }

    /// Every connection, in accept order.
    pub fn connections(&self) -> &[ConnectionRecord] {
        &self.connections
    }

    /// The most recent exchange.
    pub fn last(&self) -> Option<&Exchange> {
        self.exchanges.last()
    }

    /// The requests whose path is `path` (query excluded).
    pub fn requests_to<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Request> + 'a {
        self.requests().filter(move |r| r.path == path)
    }

    /// The request bodies, in order.
    pub fn bodies(&self) -> impl Iterator<Item = &[u8]> {
        self.requests().map(|r| r.body.as_slice())
    }

    /// The time between consecutive request arrivals: what a retry back-off assertion needs.
    pub fn intervals(&self) -> Vec<Duration> {
        self.exchanges
            .windows(2)
            .map(|w| {
                w[1].request
                    .received_at
                    .saturating_duration_since(w[0].request.received_at)
            })
            .collect()
    }

    /// The number of exchanges.
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// Whether no request was recorded.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }

    /// How many of the oldest exchanges were dropped to respect the server's history limits
    /// (entries and bytes, see [`ServerBuilder::history_limit`](crate::ServerBuilder::history_limit)
    /// and [`ServerBuilder::history_bytes`](crate::ServerBuilder::history_bytes)).
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// How many of the oldest connection records were dropped to respect the limits.
    pub fn evicted_connections(&self) -> u64 {
        self.evicted_connections
    }

    /// The memory the history's entries hold (bodies, headers, raw bytes, the records), as it
    /// counts them against its byte limit: never more than
    /// [`byte_limit`](Self::byte_limit), but for a single entry larger than it.
    pub fn recorded_bytes(&self) -> usize {
        self.bytes
    }

    /// The server's limit on [`recorded_bytes`](Self::recorded_bytes).
    pub fn byte_limit(&self) -> usize {
        self.byte_limit
    }

    /// The seed of the server's random choices, to reproduce this run.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl fmt::Display for History {
    /// One line per exchange, e.g. `#0 +12ms GET /a HTTP/1.1 -> 200 (3 body bytes)` (and `by
    /// stub "name" (#0)` when a stub answered), then the
    /// number of connections and the seed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.evicted > 0 || self.evicted_connections > 0 {
            writeln!(
                f,
                "  ({} older exchange(s) and {} connection(s) dropped to stay within the \
                 history's limits: {} entries, {} bytes)",
                self.evicted, self.evicted_connections, self.entry_limit, self.byte_limit
            )?;
        }
        if self.exchanges.is_empty() {
            writeln!(f, "  (no requests)")?;
        }
        for (i, e) in self.exchanges.iter().enumerate() {
            let r = &e.request;
            let at = r.received_at.saturating_duration_since(self.started);
            write!(
                f,
                "  #{} +{}ms {} {} {:?}",
                i as u64 + self.evicted,
                at.as_millis(),
                r.method,
                r.target,
                r.version
            )?;
            if !r.body.is_empty() {
                write!(f, " ({} body bytes)", r.body_len)?;
            }
            match &e.reply {
                Reply::Pending => write!(f, " -> (no answer)")?,
                Reply::Response {
                    status, body_len, ..
                } => write!(f, " -> {status} ({body_len} body bytes)")?,
                Reply::Raw(bytes) => write!(f, " -> raw {:?}", String::from_utf8_lossy(bytes))?,
                Reply::Closed => write!(f, " -> closed")?,
                Reply::Reset => write!(f, " -> reset")?,
            }
            match &e.stub {
                Some(stub) => writeln!(f, " by {stub}")?,
                None => writeln!(f)?,
            }
            if let Some(call) = &e.grpc {
                match &call.status {
                    Some(status) => writeln!(f, "      gRPC {}: {status}", call.method)?,
                    None => writeln!(f, "      gRPC {}: no status", call.method)?,
                }
            }
            if let Some(stream) = &e.stream {
                match &stream.end {
                    Some(end) => writeln!(f, "      stream {}: {end}", stream.id)?,
                    None => writeln!(f, "      stream {}: open", stream.id)?,
                }
            }
        }
        write!(
            f,
            "  {} connection(s); seed {}",
            self.connections.len(),
            self.seed
        )
    }
}

/// `http://host:port/path` (absolute form, as sent to proxies) becomes `/path`.
fn strip_origin(path: &str) -> &str {
    let Some(rest) = path
        .strip_prefix("http://")
        .or_else(|| path.strip_prefix("https://"))
    else {
        return path;
    };
    rest.find('/').map_or("/", |i| &rest[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_header_values_are_shortened_past_the_limit() {
        let response = crate::http1::WireResponse::new(200).header("Cookie", "a".repeat(5000));
        let Reply::Response { headers, .. } = Reply::of(&response) else {
            panic!("a response is recorded as one");
        };
        assert!(headers[1].1.ends_with("… (5000 bytes)"), "{}", headers[1].1);
        assert!(headers[1].1.len() < 1100);
    }

    #[test]
    fn absolute_targets_lose_their_origin() {
        assert_eq!(strip_origin("http://example.test:80/a/b"), "/a/b");
        assert_eq!(strip_origin("http://example.test"), "/");
        assert_eq!(strip_origin("/plain"), "/plain");
    }
}
