//! Backends for the proxy tests: a real Redis started on a free loopback port, and small TCP
//! servers with one job each.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

/// A `redis-server` of its own, on a free loopback port, stopped on drop.
#[derive(Debug)]
pub struct Redis {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Redis {
    /// Starts `redis-server` (no persistence) and waits until it answers PING.
    ///
    /// # Panics
    /// If `redis-server` is not installed (`.ci/run` installs it) or does not answer in time.
    pub fn start() -> Redis {
        // The port is free now; should another process take it first, Redis fails to start and
        // the wait below says so.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install redis-server)");
        let redis = Redis {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        crate::eventually(Duration::from_secs(10), "redis-server answers PING", || {
            Resp::connect(redis.addr)
                .and_then(|mut r| r.command(&["PING"]))
                .is_ok_and(|reply| reply == "+PONG")
        });
        redis
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal RESP client: commands out, one reply line (or bulk string) back.
#[derive(Debug)]
pub struct Resp {
    reader: BufReader<TcpStream>,
}

impl Resp {
    /// Connects with a 5 s read timeout.
    pub fn connect(addr: SocketAddr) -> io::Result<Resp> {
        Resp::connect_with_timeout(addr, Duration::from_secs(5))
    }

    /// Connects with this read timeout.
    pub fn connect_with_timeout(addr: SocketAddr, timeout: Duration) -> io::Result<Resp> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(timeout))?;
        Ok(Resp {
            reader: BufReader::new(stream),
        })
    }

    /// Sends a command and reads its reply: `+OK`, `-ERR ...`, `:1`, or a bulk string's value.
    pub fn command(&mut self, args: &[&str]) -> io::Result<String> {
        let mut out = format!("*{}\r\n", args.len());
        for arg in args {
            out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        self.reader.get_mut().write_all(out.as_bytes())?;
        let line = self.line()?;
        if line.starts_with('$') && line != "$-1" {
            return self.line();
        }
        Ok(line)
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end().to_owned())
    }
}

/// A TCP server on a free loopback port that serves each connection with `serve` on its own
/// thread, until the process ends.
pub fn tcp_backend(serve: fn(TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    let _: JoinHandle<()> = std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    addr
}

/// Echoes every byte back, then closes when the client does.
pub fn echo(mut stream: TcpStream) {
    let mut reader = stream.try_clone().expect("clone a socket");
    let _ = io::copy(&mut reader, &mut stream);
    let _ = stream.shutdown(Shutdown::Write);
}

/// Says `hello` at once, then echoes.
pub fn greet(mut stream: TcpStream) {
    if stream.write_all(b"hello").is_ok() {
        echo(stream);
    }
}

/// Reads until the client's FIN, then answers how many bytes arrived, then closes.
pub fn count_then_answer(mut stream: TcpStream) {
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    let _ = write!(stream, "got {} bytes", received.len());
    let _ = stream.shutdown(Shutdown::Write);
}

/// A deterministic stream of `len` bytes (xorshift from `seed`), large payloads both ends can
/// compare without a fixture file.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Sends `bytes` to an echo (through whatever stands at `addr`) from a thread of its own, then
/// half-closes, and returns everything echoed until the far end closes. Writing and reading at
/// once, so neither side's buffers fill up and stall the other.
pub fn echo_through(addr: SocketAddr, bytes: &[u8], patience: Duration) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(patience))
        .expect("a read timeout");
    let mut writer = stream.try_clone().expect("clone a socket");
    std::thread::scope(|scope| {
        scope.spawn(move || {
            writer.write_all(bytes).expect("send everything");
            writer.shutdown(Shutdown::Write).expect("half-close");
        });
        let mut echoed = Vec::with_capacity(bytes.len());
        stream.read_to_end(&mut echoed).expect("read the echo");
        echoed
    })
}

/// The proxy behavior `spec` with `options` set, for tests that switch a proxy: a mistake in
/// either is the test's own, so it panics.
pub fn proxy_behavior(spec: &str, options: &[(&str, &str)]) -> hamms_test::Behavior {
    with_params(hamms_test::Behavior::proxy(spec).unwrap(), options)
}

/// The catalog mode `name` with `params` set, for tests that switch a server or fail calls with
/// it: a mistake in either is the test's own, so it panics.
pub fn mode_behavior(name: &str, params: &[(&str, &str)]) -> hamms_test::Behavior {
    with_params(hamms_test::Behavior::mode(name).unwrap(), params)
}

fn with_params(behavior: hamms_test::Behavior, params: &[(&str, &str)]) -> hamms_test::Behavior {
    params
        .iter()
        .try_fold(behavior, |b, (k, v)| b.param(k, v))
        .unwrap()
}

/// A server of the catalog mode `name` with `params` set, to start (a mistake in either is
/// reported by its start).
pub fn mode_server(name: &str, params: &[(&str, &str)]) -> hamms_test::ServerBuilder {
    params
        .iter()
        .fold(hamms_test::FaultServer::builder(name), |b, (k, v)| {
            b.param(k, v)
        })
}
