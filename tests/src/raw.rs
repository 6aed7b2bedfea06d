//! A blocking client that speaks raw bytes and timestamps every byte it reads.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

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

    /// The client's own address, as the server sees it.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream
            .local_addr()
            .expect("a connected socket has a local address")
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
