//! Helpers shared by the cross-crate tests: a raw socket client that timestamps every byte, and
//! ways to name the error class a real client reports.

use std::error::Error as StdError;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;

/// A plain `GET /` that keeps the connection alive.
pub fn get(target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: hamms.test\r\nUser-Agent: raw-test\r\n\r\n")
        .into_bytes()
}

/// How a raw read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The server closed (FIN): read returned 0.
    Eof,
    /// The server reset the connection (RST).
    Reset,
    /// Nothing arrived for the idle limit; the connection is still open.
    Idle,
    /// A complete response arrived (head and `Content-Length` body); the connection may be open.
    Complete,
}

/// What a raw read received, with the arrival time of every byte.
#[derive(Debug)]
pub struct Received {
    /// Every byte received, in order.
    pub bytes: Vec<u8>,
    /// `arrivals[i]` is when `bytes[i]` was read.
    pub arrivals: Vec<Instant>,
    /// How reading stopped.
    pub end: End,
    /// When reading stopped.
    pub ended_at: Instant,
}

impl Received {
    /// The bytes as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The response head (up to the blank line), as text.
    pub fn head(&self) -> String {
        let text = self.text();
        text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
    }

    /// The bytes after the response head.
    pub fn body(&self) -> &[u8] {
        let at = self
            .bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(self.bytes.len(), |i| i + 4);
        &self.bytes[at..]
    }
}

/// A blocking client speaking raw bytes, for tests that pin exact bytes and timing.
#[derive(Debug)]
pub struct Raw {
    stream: TcpStream,
}

impl Raw {
    /// Connects to `addr`; panics if it cannot.
    pub fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).expect("connect to the hamms server");
        stream.set_nodelay(true).expect("set TCP_NODELAY");
        Raw { stream }
    }

    /// Writes `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> &mut Raw {
        self.stream
            .write_all(bytes)
            .expect("write to the hamms server");
        self
    }

    /// Reads until EOF, reset, or `idle` passes without a byte.
    pub fn read_all(&mut self, idle: Duration) -> Received {
        self.read_up_to(usize::MAX, idle)
    }

    /// Reads one response: until its head and `Content-Length` body are complete (or the head of
    /// a bodiless status), EOF, reset, or `idle` passes without a byte.
    pub fn read_response(&mut self, idle: Duration) -> Received {
        self.read_until(idle, response_complete)
    }

    /// Reads until `limit` bytes arrived, EOF, reset, or `idle` passes without a byte.
    pub fn read_up_to(&mut self, limit: usize, idle: Duration) -> Received {
        let mut received = self.read_until(idle, |bytes| bytes.len() >= limit);
        if received.end == End::Complete {
            received.end = End::Idle;
        }
        received
    }

    /// Reads until `done` holds for what arrived, EOF, reset, or `idle` passes without a byte.
    pub fn read_until(&mut self, idle: Duration, done: impl Fn(&[u8]) -> bool) -> Received {
        self.stream
            .set_read_timeout(Some(idle))
            .expect("set read timeout");
        let mut bytes = Vec::new();
        let mut arrivals = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        let end = loop {
            if done(&bytes) {
                break End::Complete;
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => break End::Eof,
                Ok(n) => {
                    let now = Instant::now();
                    bytes.extend_from_slice(&chunk[..n]);
                    arrivals.extend(std::iter::repeat_n(now, n));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break End::Idle;
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break End::Reset,
                Err(e) => panic!("unexpected read error: {e}"),
            }
        };
        Received {
            bytes,
            arrivals,
            end,
            ended_at: Instant::now(),
        }
    }
}

/// Polls `condition` until it holds, panicking with `what` if `timeout` passes first. For state
/// a server reaches asynchronously (a recorded close, a listener switch): the test waits for the
/// event itself rather than sleeping a guessed time.
pub fn eventually(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether `bytes` hold a complete response: a head, and as much body as its `Content-Length`
/// says (none for 1xx, 204 and 304, or when no length is given).
fn response_complete(bytes: &[u8]) -> bool {
    let Some(head_end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    bytes.len() >= head_end + 4 + length
}

/// A reqwest client that never uses a proxy from the environment, with an overall timeout.
pub fn client(timeout: Option<Duration>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder().no_proxy();
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().expect("build a reqwest client")
}

/// Every hyper error in `error`'s source chain, outermost first. hyper may wrap one in another
/// (a `Canceled` around an `IncompleteMessage`, depending on whether the request was written
/// before the server closed), so tests ask whether any of them has the expected class.
pub fn hyper_errors<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a hyper::Error> {
    let mut found = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            found.push(hyper);
        }
        current = e.source();
    }
    found
}

/// The kind of the first I/O error in `error`'s source chain, if any.
pub fn io_error_kind(error: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<io::Error>() {
            return Some(found.kind());
        }
        current = e.source();
    }
    None
}

/// The whole source chain as one line, for assertion messages.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut current = error.source();
    while let Some(e) = current {
        parts.push(e.to_string());
        current = e.source();
    }
    parts.join(": ")
}

/// Whether hyper rejected bytes that arrived before it had written its request.
pub fn is_unexpected_message(error: &hyper::Error) -> bool {
    error.to_string().contains("unexpected message")
}

/// One HTTP/1 connection driven by hyper's connection-level client (no pool, no retry), for
/// tests that need a real client to reuse one connection. The task driving the connection ends
/// with the error hyper reports for the connection itself, if any.
pub async fn hyper_connection(
    stream: tokio::net::TcpStream,
) -> (
    SendRequest<Empty<Bytes>>,
    tokio::task::JoinHandle<hyper::Result<()>>,
) {
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("HTTP/1 handshake (no I/O happens here)");
    (sender, tokio::spawn(connection))
}

/// `GET target` with a Host header and no body, for [`hyper_connection`].
pub fn hyper_get(target: &str) -> hyper::Request<Empty<Bytes>> {
    hyper::Request::get(target)
        .header("host", "hamms.test")
        .body(Empty::new())
        .expect("a valid request")
}
