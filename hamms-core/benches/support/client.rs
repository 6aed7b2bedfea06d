//! The blocking HTTP/1.1 client the throughput benches drive servers with: one request, sent
//! again and again on keep-alive connections, each response read whole without allocating.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// The request every client sends: what an HTTP client library sends for a GET.
#[allow(dead_code, reason = "the proxy bench relays bytes, not HTTP")]
pub(crate) const REQUEST: &[u8] =
    b"GET /items/7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: hamms-bench\r\nAccept: */*\r\n\r\n";

/// Reads one response (head, then a `Content-Length` body) into `buf`, which must hold it.
#[allow(dead_code, reason = "the proxy bench relays bytes, not HTTP")]
pub(crate) fn read_response(stream: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<()> {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buf[filled..])?;
        if n == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        filled += n;
        if let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            let head = &buf[..end];
            let length = content_length(head);
            let want = end + 4 + length;
            while filled < want {
                let n = stream.read(&mut buf[filled..want])?;
                if n == 0 {
                    return Err(ErrorKind::UnexpectedEof.into());
                }
                filled += n;
            }
            return Ok(());
        }
    }
}

/// The `Content-Length` of a response head, without allocating.
fn content_length(head: &[u8]) -> usize {
    head.split(|b| *b == b'\n')
        .find_map(|line| {
            let colon = line.iter().position(|b| *b == b':')?;
            let (name, value) = line.split_at(colon);
            if !name.eq_ignore_ascii_case(b"content-length") {
                return None;
            }
            let digits = value[1..].iter().filter(|b| b.is_ascii_digit());
            Some(digits.fold(0, |n, d| n * 10 + usize::from(d - b'0')))
        })
        .unwrap_or(0)
}

/// Keep-alive requests from `clients` blocking connections for `length`: how many were answered.
#[allow(dead_code, reason = "the proxy bench relays bytes, not HTTP")]
pub(crate) fn drive(addr: SocketAddr, clients: usize, length: Duration) -> u64 {
    let done = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (done, answered) = (Arc::clone(&done), Arc::clone(&answered));
            thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let mut buf = [0u8; 4096];
                let mut count = 0;
                while !done.load(Ordering::Relaxed) {
                    stream.write_all(REQUEST).expect("send");
                    read_response(&mut stream, &mut buf).expect("an answer");
                    count += 1;
                }
                answered.fetch_add(count, Ordering::Relaxed);
            })
        })
        .collect();
    thread::sleep(length);
    done.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().expect("a client thread");
    }
    answered.load(Ordering::Relaxed)
}

/// A loopback port free now (bound, then released), for a server in a process of its own that
/// takes its port from its arguments or its config.
#[allow(
    dead_code,
    reason = "the engine bench starts its servers in-process, on port 0"
)]
pub(crate) fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
}
