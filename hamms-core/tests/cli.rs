//! The `hamms` binary, driven as a user drives it: real process, real ports, real signals.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;

const HAMMS: &str = env!("CARGO_BIN_EXE_hamms");
const WAIT: Duration = Duration::from_secs(20);
const IDLE: Duration = Duration::from_millis(300);
/// The file a CA directory keeps the CA in.
const CA_FILE: &str = "hamms-ca-with-private-key.pem";
/// How many modes the catalog has.
const MODES: usize = 64;
/// Offsets run from 0 to 81.
const SPAN: u16 = 82;

/// A base port whose 82 ports are free now. Below Linux's ephemeral range (32768+), so the
/// kernel does not hand them to clients meanwhile; distinct per call and per process.
fn free_base() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    loop {
        let slot =
            (std::process::id() as u16).wrapping_mul(7) ^ NEXT.fetch_add(1, Ordering::Relaxed);
        // 150 slots of 82 ports end at 32 299, below the ephemeral range.
        let base = 20_000 + (slot % 150) * SPAN;
        if (0..SPAN).all(|offset| TcpListener::bind(("127.0.0.1", base + offset)).is_ok()) {
            return base;
        }
    }
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A `hamms` process, killed if the test ends without stopping it. Its CA lives in a directory
/// of its own, removed with it: tests leave the user's cache directory alone.
struct Hamms {
    child: Child,
    lines: mpsc::Receiver<String>,
    ca_dir: TempDir,
}

impl Hamms {
    fn spawn(args: &[&str]) -> Hamms {
        Hamms::spawn_with(
            args,
            None,
            TempDir::new().expect("a temporary CA directory"),
        )
    }

    /// Runs `hamms` with `HAMMS_SEED` set to `seed` (or unset), keeping its CA in `ca_dir`.
    fn spawn_with(args: &[&str], seed: Option<&str>, ca_dir: TempDir) -> Hamms {
        let mut command = Command::new(HAMMS);
        command.env("HAMMS_CA_DIR", ca_dir.path());
        match seed {
            Some(seed) => command.env("HAMMS_SEED", seed),
            None => command.env_remove("HAMMS_SEED"),
        };
        let mut child = command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the hamms binary");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Hamms {
            child,
            lines,
            ca_dir,
        }
    }

    /// The table printed at start: the header and one row per mode.
    fn table(&self, rows: usize) -> Vec<String> {
        (0..=rows)
            .map(|_| {
                self.lines
                    .recv_timeout(WAIT)
                    .expect("hamms prints its table")
            })
            .collect()
    }

    /// Kills the process and hands over its CA directory, for another `hamms` to reuse.
    fn stop_keeping_ca(mut self) -> TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(
            &mut self.ca_dir,
            TempDir::new().expect("a temporary directory"),
        )
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("signal hamms");
    }

    fn wait(&mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "hamms did not exit");
            std::thread::sleep(Duration::from_millis(5));
        };
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, stderr)
    }
}

impl Drop for Hamms {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to read an answer: how long to wait for its first byte, then for each next one.
#[derive(Clone, Copy)]
struct Patience {
    first: Duration,
    next: Duration,
}

/// The answer ends with a close: wait as long as it takes.
const UNTIL_CLOSED: Patience = Patience {
    first: WAIT,
    next: WAIT,
};
/// Nothing should come: a short wait proves silence.
const SILENCE: Patience = Patience {
    first: IDLE,
    next: IDLE,
};
/// Bytes come, then the connection stays open.
const THEN_OPEN: Patience = Patience {
    first: WAIT,
    next: IDLE,
};

/// Connects, optionally sends `request`, and reads with `patience`. Returns what arrived and
/// whether the server closed.
fn exchange(port: u16, request: Option<&[u8]>, patience: Patience) -> (String, bool) {
    let mut stream = TcpStream::connect(addr(port)).expect("connect");
    if let Some(request) = request {
        stream.write_all(request).unwrap();
    }
    stream.set_read_timeout(Some(patience.first)).unwrap();
    let mut bytes = Vec::new();
    let mut chunk = [0; 65536];
    let closed = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => {
                bytes.extend_from_slice(&chunk[..n]);
                stream.set_read_timeout(Some(patience.next)).unwrap();
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break false;
            }
            Err(e) => panic!("port {port}: {e}"),
        }
    };
    (String::from_utf8_lossy(&bytes).into_owned(), closed)
}

/// A port check: offset, what the client sends, how long to read, what must have arrived,
/// whether the server closed.
type Check = (u16, Option<Vec<u8>>, Patience, Expect, bool);

/// What must have arrived.
enum Expect {
    Exactly(&'static str),
    Contains(&'static str),
}

impl Expect {
    fn holds(&self, received: &str) -> bool {
        match self {
            Expect::Exactly(expected) => received == *expected,
            Expect::Contains(part) => received.contains(part),
        }
    }
}

/// A GET that asks the server to close after answering, so reading ends at its close.
fn get(target: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: h\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn serve_answers_every_mode_on_base_plus_offset_and_exits_0_on_ctrl_c() {
    let base = free_base();
    let mut hamms = Hamms::spawn(&["serve", "--base-port", &base.to_string(), "--seed", "5"]);
    let table = hamms.table(MODES);
    assert!(table[0].starts_with("OFFSET  PORT"), "{table:?}");
    for row in &table[1..] {
        let offset: u16 = row.split_whitespace().next().unwrap().parse().unwrap();
        let port = base + offset;
        // The TLS block speaks TLS; the HTTP/2 block after it, plain h2c.
        let scheme = if (40..60).contains(&offset) {
            "https"
        } else {
            "http"
        };
        assert!(row.starts_with(&format!("{offset:<6}  {port}  ")), "{row}");
        assert!(
            row.contains(&format!("{scheme}://127.0.0.1:{port}/")),
            "{row}"
        );
    }
    let refused = TcpStream::connect(addr(base)).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "0 refused");

    // Each port is checked as the spec describes its mode.
    let drip = "HTTP/1.1 204 No Content\r\nServer: hamms/0.1\r\n\r\n";
    // The start of a JSON document Hamms sends is 85 bytes; Content-Length promises 2000 more.
    let short = "Content-Length: 2085\r\n";
    #[rustfmt::skip]
    let checks: [Check; 19] = [
        (1, Some(get("/")), SILENCE, Expect::Exactly(""), false),
        (2, None, UNTIL_CLOSED, Expect::Exactly(""), true),
        (3, None, SILENCE, Expect::Exactly(""), false),
        (3, Some(b"G".to_vec()), UNTIL_CLOSED, Expect::Exactly(""), true),
        (4, None, UNTIL_CLOSED, Expect::Exactly("foo bar"), true),
        (5, None, SILENCE, Expect::Exactly(""), false),
        (5, Some(b"G".to_vec()), UNTIL_CLOSED, Expect::Exactly("foo bar"), true),
        (6, Some(get("/?interval_ms=1")), UNTIL_CLOSED, Expect::Exactly(drip), true),
        (7, Some(get("/")), SILENCE, Expect::Exactly(""), false),
        (8, Some(get("/?sleep=0")), UNTIL_CLOSED, Expect::Contains("\"headers\""), true),
        (9, Some(get("/?status=503")), UNTIL_CLOSED, Expect::Contains("HTTP/1.1 503 "), true),
        (10, None, UNTIL_CLOSED, Expect::Contains("Content-Length: 3\r\n"), true),
        (11, Some(get("/?size=10")), UNTIL_CLOSED, Expect::Contains("\r\nCookie: aaaaaaaaaa\r\n"), true),
        (12, Some(get("/")), UNTIL_CLOSED, Expect::Contains("\"tries_remaining\":2"), true),
        (13, Some(get("/?failrate=0")), UNTIL_CLOSED, Expect::Contains("{\"success\":true}"), true),
        (14, Some(get("/")), UNTIL_CLOSED, Expect::Contains("Content-Type: text/morse"), true),
        (15, Some(get("/")), THEN_OPEN, Expect::Contains(short), false),
        (16, Some(get("/")), UNTIL_CLOSED, Expect::Contains(short), true),
        // The HTTP/2 block tells an HTTP/1.1 client how to reach it.
        (61, Some(get("/")), UNTIL_CLOSED, Expect::Contains("HTTP/1.1 505 "), true),
    ];
    for (offset, request, patience, expect, closes) in checks {
        let (received, closed) = exchange(base + offset, request.as_deref(), patience);
        let mode = table
            .iter()
            .map(|row| row.split_whitespace().collect::<Vec<_>>())
            .find(|cells| cells[0] == offset.to_string())
            .map_or("?", |cells| cells[2]);
        assert!(
            expect.holds(&received),
            "offset {offset} ({mode}): got {received:?}"
        );
        assert_eq!(closed, closes, "offset {offset} ({mode}): closed?");
    }

    hamms.signal(Signal::SIGINT);
    let (status, stderr) = hamms.wait();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("seed 5"), "{stderr}");
}

#[test]
fn serve_exits_0_on_sigterm_and_takes_its_seed_from_hamms_seed() {
    let base = free_base();
    let mut hamms = Hamms::spawn_with(
        &[
            "serve",
            "--only",
            "status",
            "--base-port",
            &base.to_string(),
        ],
        Some("42"),
        TempDir::new().unwrap(),
    );
    let table = hamms.table(1);
    assert!(table[1].contains(" status "), "{table:?}");
    hamms.signal(Signal::SIGTERM);
    let (status, stderr) = hamms.wait();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("seed 42"), "{stderr}");
}

#[test]
fn serve_keeps_serving_after_its_log_reader_goes_away() {
    // As with `hamms serve 2>&1 | head`: standard error is a pipe whose reader has left.
    let base = free_base();
    let mut child = Command::new(HAMMS)
        .args([
            "serve",
            "--base-port",
            &base.to_string(),
            "--only",
            "status",
        ])
        .env("HAMMS_CA_DIR", TempDir::new().unwrap().path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let mut table = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    for _ in 0..2 {
        line.clear();
        table.read_line(&mut line).unwrap();
    }
    for _ in 0..3 {
        // Each request writes an access-log line to the broken pipe.
        let (answer, _) = exchange(base + 9, Some(&get("/")), UNTIL_CLOSED);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer:?}");
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn serve_only_binds_the_modes_asked_for() {
    let base = free_base();
    let hamms = Hamms::spawn(&[
        "serve",
        "--base-port",
        &base.to_string(),
        "--only",
        "status,slow_drip",
    ]);
    let table = hamms.table(2);
    assert!(
        table[1].contains(" slow_drip ") && table[2].contains(" status "),
        "{table:?}"
    );
    let ca_files = std::fs::read_dir(hamms.ca_dir.path()).unwrap().count();
    assert_eq!(ca_files, 0, "no https port: no CA is made");
    assert!(
        exchange(base + 9, Some(&get("/?status=201")), UNTIL_CLOSED)
            .0
            .starts_with("HTTP/1.1 201 ")
    );
    let unserved = TcpStream::connect(addr(base + 1)).unwrap_err();
    assert_eq!(unserved.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn serve_with_header_faults_lets_a_request_to_the_fixture_choose_its_fault() {
    let base = free_base();
    let serve = |extra: &[&str]| {
        let base = base.to_string();
        let mut args = vec!["serve", "--base-port", &base, "--only", "fixture"];
        args.extend_from_slice(extra);
        let hamms = Hamms::spawn(&args);
        hamms.table(1);
        hamms
    };
    let aborted = b"GET / HTTP/1.1\r\nHost: h\r\nx-envoy-fault-abort-request: 503\r\nConnection: close\r\n\r\n";
    let hamms = serve(&["--header-faults"]);
    let (answer, _) = exchange(base + 31, Some(aborted), UNTIL_CLOSED);
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    drop(hamms);
    // Off unless asked for: the header is an ordinary header.
    let _hamms = serve(&[]);
    let (answer, _) = exchange(base + 31, Some(aborted), UNTIL_CLOSED);
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[test]
fn serve_with_a_port_taken_fails_with_exit_1_naming_the_port_and_the_fix() {
    let base = free_base();
    let _taken = TcpListener::bind(addr(base + 6)).unwrap();
    let mut hamms = Hamms::spawn(&["serve", "--base-port", &base.to_string()]);
    let (status, stderr) = hamms.wait();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "port {} (for slow_drip) is already in use",
            base + 6
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--base-port"), "{stderr}");
}

#[test]
fn bad_usage_exits_2_with_a_message_naming_the_valid_choices() {
    let cases: [(&[&str], &str); 4] = [
        (&["serve", "--bogus"], "unexpected argument '--bogus'"),
        (
            &["serve", "--base-port", "abc"],
            "invalid value 'abc' for '--base-port",
        ),
        (
            &["serve", "--only", "slow_drp"],
            "did you mean `slow_drip`?",
        ),
        (&["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, expected) in cases {
        let output = Command::new(HAMMS).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let unknown = Command::new(HAMMS)
        .args(["serve", "--only", "nope"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("valid modes: refused, no_response"),
        "{stderr}"
    );
}

#[test]
fn catalog_refuses_a_base_port_that_puts_modes_past_65535_with_exit_2_as_serve_does() {
    for command in ["catalog", "serve"] {
        let mut hamms = Hamms::spawn(&[command, "--base-port", "65535"]);
        let (status, stderr) = hamms.wait();
        assert_eq!(status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains(
                "base port 65535 puts `no_response` past port 65535; choose a lower base port"
            ),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn every_command_checks_ports_and_addresses_the_same_way_with_exit_2() {
    #[rustfmt::skip]
    let cases: [(&[&str], &str); 12] = [
        (&["catalog", "--base-port", "0"], "port 0 is out of range: ports go from 1 to 65535"),
        (&["serve", "--base-port", "70000"], "port 70000 is out of range: ports go from 1 to 65535"),
        (&["serve", "--base-port", "x"], "`x` is not a port"),
        (&["serve", "--control", "localhost:8080"], "`localhost` is not an IP address to listen on"),
        (&["serve", "--control", "127.0.0.1"], "has no port; write HOST:PORT"),
        (&["proxy", "--backend", "127.0.0.1"], "it has no port; write host:port"),
        (&["proxy", "--backend", "127.0.0.1:0"], "port 0 names no server"),
        (&["proxy", "--backend", ":6379"], "it has no host"),
        (&["proxy", "--backend", "127.0.0.1:9", "--listen", "127.0.0.1:99999"], "port 99999 is out of range"),
        (&["ctl", "--control", "http://127.0.0.1:0", "servers"], "port 0 is out of range"),
        (&["ctl", "--control", "https://127.0.0.1:8080", "servers"], "is not plain http"),
        (&["ctl", "--timeout", "0", "servers"], "`0` is not a timeout"),
    ];
    for (args, expected) in cases {
        let mut hamms = Hamms::spawn(args);
        let (status, stderr) = hamms.wait();
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn catalog_prints_the_table_without_serving() {
    let base = free_base();
    let output = Command::new(HAMMS)
        .args(["catalog", "--base-port", &base.to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), MODES + 1, "{stdout}");
    assert!(
        stdout.contains(&format!("{}  slow_drip", base + 6)),
        "{stdout}"
    );
    assert_eq!(
        TcpStream::connect(addr(base + 9)).unwrap_err().kind(),
        ErrorKind::ConnectionRefused,
        "catalog does not serve"
    );

    let markdown = Command::new(HAMMS)
        .args(["catalog", "--markdown"])
        .output()
        .unwrap();
    let markdown = String::from_utf8(markdown.stdout).unwrap();
    assert!(markdown.starts_with("| offset | mode |"), "{markdown}");
    assert!(markdown.contains("| 9 | `status` |"), "{markdown}");
}

#[test]
fn serve_stalls_connect_timeout_and_serves_tls_with_the_ca_that_hamms_ca_prints() {
    let base = free_base();
    let hamms = Hamms::spawn(&[
        "serve",
        "--base-port",
        &base.to_string(),
        "--only",
        "connect_timeout,tls_ok,tls_expired",
    ]);
    hamms.table(3);
    let stalled = TcpStream::connect_timeout(&addr(base + 30), Duration::from_millis(500));
    assert_eq!(
        stalled.unwrap_err().kind(),
        ErrorKind::TimedOut,
        "30 connect_timeout"
    );

    // Another process (here: `hamms ca`, then curl) trusts the CA kept in the directory.
    let ca_file = hamms.ca_dir.path().join("exported.pem");
    let exported = Command::new(HAMMS)
        .env("HAMMS_CA_DIR", hamms.ca_dir.path())
        .args(["ca", "--out"])
        .arg(&ca_file)
        .output()
        .unwrap();
    assert_eq!(exported.status.code(), Some(0), "{exported:?}");
    let curl = |port: u16| {
        Command::new("curl")
            .args(["-sS", "--noproxy", "*", "--max-time", "10", "--cacert"])
            .arg(&ca_file)
            .arg(format!("https://127.0.0.1:{port}/"))
            .output()
            .expect("curl is installed (apt-get install -y curl)")
    };
    let ok = curl(base + 40);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("\"version\":\"TLSv1.3\""));
    assert_eq!(
        curl(base + 43).status.code(),
        Some(60),
        "expired: curl's certificate error"
    );

    // A second `hamms serve` on the same directory loads that CA rather than making one: the
    // certificate exported before still verifies its ports.
    let ca_dir = hamms.stop_keeping_ca();
    let again = Hamms::spawn_with(
        &[
            "serve",
            "--base-port",
            &base.to_string(),
            "--only",
            "tls_ok",
        ],
        None,
        ca_dir,
    );
    again.table(1);
    let ok = curl(base + 40);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
}

#[test]
fn hamms_ca_creates_the_ca_once_and_prints_the_same_one_every_time() {
    let dir = TempDir::new().unwrap();
    let print = || {
        let output = Command::new(HAMMS)
            .args(["ca", "--ca-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let first = print();
    assert!(first.starts_with("-----BEGIN CERTIFICATE-----"), "{first}");
    assert!(
        !first.contains("PRIVATE KEY"),
        "only the certificate is printed"
    );
    assert_eq!(print(), first);

    let stored = std::fs::read_to_string(dir.path().join(CA_FILE)).unwrap();
    assert!(
        stored.contains("PRIVATE KEY"),
        "the directory keeps the key too"
    );

    let refused = |contents: &str, reason: &str| {
        let broken = TempDir::new().unwrap();
        std::fs::write(broken.path().join(CA_FILE), contents).unwrap();
        let output = Command::new(HAMMS)
            .args(["ca", "--ca-dir"])
            .arg(broken.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{stderr}");
        assert!(
            stderr.contains("delete the file to make a new CA"),
            "{stderr}"
        );
    };
    refused("not a CA", "no CA certificate");
    // The certificate of one CA with the key of another: it would sign leaves nobody trusts.
    let other = TempDir::new().unwrap();
    Command::new(HAMMS)
        .args(["ca", "--ca-dir"])
        .arg(other.path())
        .output()
        .unwrap();
    let other_key = std::fs::read_to_string(other.path().join(CA_FILE)).unwrap();
    let other_key = &other_key[other_key.find("-----BEGIN PRIVATE KEY").unwrap()..];
    refused(
        &format!("{first}{other_key}"),
        "does not sign for its certificate",
    );
}

/// Runs `hamms ctl --control <control> <args>`: exit code, standard output, standard error.
fn ctl(control: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(HAMMS)
        .args(["ctl", "--control", control])
        .args(args)
        .output()
        .expect("run hamms ctl");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A backend that says `hello` to every connection, then closes.
fn greeting_backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"hello");
        }
    });
    addr
}

/// What a client connecting through `proxy` reads: the bytes, or the error that ended it.
fn through(proxy: SocketAddr) -> Result<Vec<u8>, ErrorKind> {
    let mut stream = TcpStream::connect(proxy).map_err(|e| e.kind())?;
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).map_err(|e| e.kind())?;
    Ok(bytes)
}

/// `curl -sS -X METHOD [-d BODY] URL`, printing the status code after the body.
fn curl(method: &str, url: &str, body: Option<&str>) -> (u16, String) {
    let mut command = Command::new("curl");
    command.args(["-sS", "--noproxy", "*", "--max-time", "10", "-X", method]);
    command.args(["-w", "\n%{http_code}"]);
    if let Some(body) = body {
        command.args(["-H", "Content-Type: application/json", "-d", body]);
    }
    let output = command
        .arg(url)
        .output()
        .expect("curl is installed (apt-get install -y curl)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text
        .rsplit_once('\n')
        .expect("curl printed the status code");
    (code.parse().expect("a status code"), body.to_owned())
}

mod proxy_and_ctl {
    use super::*;

    /// `hamms proxy` on a free port with a control API; returns the process, the proxy's
    /// address and the control URL it printed.
    fn start_proxy(backend: SocketAddr, extra: &[&str]) -> (Hamms, SocketAddr, String) {
        let backend = backend.to_string();
        let mut args = vec!["proxy", "--listen", "127.0.0.1:0", "--backend", &backend];
        args.extend_from_slice(&["--control", "127.0.0.1:0"]);
        args.extend_from_slice(extra);
        let proxy = Hamms::spawn(&args);
        let first = proxy.lines.recv_timeout(WAIT).expect("the proxy line");
        let addr = first
            .strip_prefix("proxy ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {first}"));
        let second = proxy.lines.recv_timeout(WAIT).expect("the control line");
        let control = second
            .strip_prefix("control ")
            .unwrap_or_else(|| panic!("unexpected second line: {second}"))
            .to_owned();
        (proxy, addr, control)
    }

    #[test]
    fn hamms_ctl_switches_a_running_proxy_to_blackout_and_back() {
        let (mut proxy, addr, control) = start_proxy(greeting_backend(), &[]);
        assert_eq!(through(addr), Ok(b"hello".to_vec()));

        let (code, stdout, stderr) = ctl(&control, &["set-behavior", "blackout"]);
        assert_eq!(
            (code, stdout.as_str()),
            (Some(0), "behavior set: blackout\n"),
            "{stderr}"
        );
        assert_eq!(through(addr), Err(ErrorKind::ConnectionReset));
        assert_eq!(ctl(&control, &["get-behavior"]).1, "blackout\n");
        assert_eq!(
            ctl(&control, &["--json", "get-behavior"]).1,
            "{\"behavior\":\"blackout\",\"spec\":\"blackout\"}\n"
        );

        let (code, _, stderr) = ctl(&control, &["reset"]);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(through(addr), Ok(b"hello".to_vec()));

        proxy.signal(Signal::SIGTERM);
        let (status, stderr) = proxy.wait();
        assert!(status.success(), "{stderr}");
    }

    #[test]
    fn hamms_ctl_rejects_unknown_names_and_options_with_exit_2_naming_the_valid_ones() {
        let (_proxy, _, control) = start_proxy(greeting_backend(), &[]);
        #[rustfmt::skip]
        let cases: [(&[&str], &str); 3] = [
            (&["set-behavior", "blakout"], "did you mean `blackout`?"),
            (&["set-behavior", "delay", "--opt", "slep=1"], "did you mean `sleep`?"),
            (&["--server", "nope", "get-behavior"], "no server `nope`; servers: proxy"),
        ];
        for (args, needle) in cases {
            let (code, _, stderr) = ctl(&control, args);
            assert_eq!(code, Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(needle), "{args:?}: {stderr}");
        }
    }

    #[test]
    fn options_given_at_start_are_used() {
        let (_proxy, addr, control) = start_proxy(
            greeting_backend(),
            &[
                "--behavior",
                "delay",
                "--opt",
                "sleep=0.3",
                "--opt",
                "before=false",
            ],
        );
        assert_eq!(
            ctl(&control, &["get-behavior"]).1,
            "delay(sleep=0.3, before=false)\n"
        );
        // `before=false`: what the backend sends waits, here its greeting.
        let started = Instant::now();
        assert_eq!(through(addr), Ok(b"hello".to_vec()));
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn a_qualified_opt_presets_a_behavior_the_control_api_switches_to_later() {
        // Vaurien's `--behavior-delay-sleep 0.3`, with the proxy starting as `dummy`.
        let (_proxy, addr, control) = start_proxy(
            greeting_backend(),
            &[
                "--opt",
                "delay.sleep=0.3",
                "--opt",
                "delay.before=false",
                "--opt",
                "latency.latency=5",
            ],
        );
        assert_eq!(ctl(&control, &["get-behavior"]).1, "dummy\n");
        let (code, _, stderr) = ctl(&control, &["set-behavior", "delay"]);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(
            ctl(&control, &["get-behavior"]).1,
            "delay(sleep=0.3, before=false)\n"
        );
        // `before=false`: the backend's greeting waits.
        let started = Instant::now();
        assert_eq!(through(addr), Ok(b"hello".to_vec()));
        assert!(started.elapsed() >= Duration::from_millis(300));
        // The command line's options give way to a request's own.
        ctl(&control, &["set-behavior", "delay", "--opt", "sleep=0.01"]);
        assert_eq!(
            ctl(&control, &["get-behavior"]).1,
            "delay(sleep=0.01, before=false)\n"
        );
    }

    #[test]
    fn bad_proxy_flags_exit_2_naming_the_valid_choices() {
        #[rustfmt::skip]
        let cases: [(&[&str], &str); 6] = [
            (&["--protocol", "udp"], "valid protocols: tcp, http"),
            (&["--header-faults"], "--header-faults needs --protocol http"),
            (&["--behavior", "dumy"], "did you mean `dummy`?"),
            (&["--opt", "slep=1"], "`dummy` takes no options"),
            (&["--opt", "dealy.sleep=1"], "did you mean `delay`?"),
            (&["--opt", "delay.sleep=soon"], "option `sleep` of proxy behavior `delay` must be"),
        ];
        for (extra, needle) in cases {
            let mut args = vec!["proxy", "--backend", "127.0.0.1:9"];
            args.extend_from_slice(extra);
            let output = Command::new(HAMMS).args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
            assert!(stderr.contains(needle), "{extra:?}: {stderr}");
        }
    }

    #[test]
    fn a_backend_that_is_not_host_and_port_exits_2_at_start_naming_the_reason() {
        for (backend, reason) in [
            ("", "no port"),
            ("nohostport", "no port"),
            ("127.0.0.1:99999", "from 1 to 65535"),
        ] {
            let output = Command::new(HAMMS)
                .args(["proxy", "--backend", backend])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{backend:?}: {stderr}");
            assert!(stderr.contains(reason), "{backend:?}: {stderr}");
            assert!(stderr.contains("host:port"), "{backend:?}: {stderr}");
        }
    }

    #[test]
    fn an_unreachable_backend_is_a_fault_of_each_connection_not_of_the_start() {
        // A port that was free a moment ago: valid, and nothing listens there.
        let closed = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap();
        let (_hamms, proxy, _) = start_proxy(closed, &[]);
        // Accepted, then closed with nothing sent: the backend's absence is the connection's fault.
        assert_eq!(through(proxy), Ok(Vec::new()));
        assert_eq!(through(proxy), Ok(Vec::new()), "it keeps serving");
    }

    #[test]
    fn a_control_api_beyond_loopback_is_refused_unless_allowed() {
        let output = Command::new(HAMMS)
            .args([
                "proxy",
                "--backend",
                "127.0.0.1:9",
                "--control",
                "0.0.0.0:0",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--control-allow-remote"), "{stderr}");
    }

    #[test]
    fn hamms_ctl_without_a_control_api_says_where_it_looked() {
        let (code, _, stderr) = ctl("http://127.0.0.1:9", &["get-behavior"]);
        assert_eq!(code, Some(1));
        assert!(
            stderr.contains("cannot reach the control API at http://127.0.0.1:9"),
            "{stderr}"
        );
    }

    #[test]
    fn hamms_ctl_refuses_json_that_is_not_the_control_apis_naming_the_member_it_lacks() {
        // A catalog port that answers every request with a 200 of JSON (its request's headers).
        let echo = hamms_core::FaultServer::builder("sleep")
            .param("sleep", 0)
            .start()
            .unwrap();
        let control = format!("http://{}", echo.addr());
        #[rustfmt::skip]
        let cases: [(&[&str], &str); 3] = [
            (&["get-behavior"], "has no `spec` (a string)"),
            (&["servers"], "has no `servers` (a list)"),
            (&["history"], "has no `requests` (a list)"),
        ];
        for (args, lacks) in cases {
            let (code, stdout, stderr) = ctl(&control, args);
            assert_eq!(code, Some(1), "{args:?}: {stdout}{stderr}");
            assert_eq!(stdout, "", "{args:?}: prints nothing it did not get");
            assert!(
                stderr.contains("is not hamms' control API"),
                "{args:?}: {stderr}"
            );
            assert!(stderr.contains(lacks), "{args:?}: {stderr}");
        }
        // Nor is a refusal without the control API's `errors`, or an answer that is not JSON.
        let refusing = hamms_core::FaultServer::fixture().start().unwrap();
        refusing.respond_with(hamms_core::Response::status(404).json(&serde_json::json!({})));
        let teapot = hamms_core::FaultServer::builder("status")
            .param("status", 418)
            .start()
            .unwrap();
        for (server, why) in [
            (refusing, "has no `errors` (a list)"),
            (teapot, "is not JSON"),
        ] {
            let (code, _, stderr) = ctl(&format!("http://{}", server.addr()), &["servers"]);
            assert_eq!(code, Some(1), "{stderr}");
            assert!(stderr.contains("is not hamms' control API"), "{stderr}");
            assert!(stderr.contains(why), "{stderr}");
        }
    }

    /// Runs `hamms ctl --timeout 0.3` against `mode`, a server that never lets the control
    /// exchange finish: returns the exit code, standard error and how long it took.
    fn ctl_against(mode: &str) -> (Option<i32>, String, Duration) {
        let silent = hamms_core::FaultServer::start(mode).unwrap();
        let control = format!("http://{}", silent.addr());
        let started = Instant::now();
        let (code, _, stderr) = ctl(&control, &["--timeout", "0.3", "get-behavior"]);
        (code, stderr, started.elapsed())
    }

    #[test]
    fn hamms_ctl_gives_up_on_a_control_api_that_never_answers_naming_the_address() {
        let (code, stderr, took) = ctl_against("no_response");
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains("the control API at http://127.0.0.1:"),
            "{stderr}"
        );
        assert!(stderr.contains("did not answer within 300ms"), "{stderr}");
        assert!(stderr.contains("--timeout"), "{stderr}");
        assert!(took >= Duration::from_millis(300), "{took:?}");
        assert!(took < Duration::from_secs(8), "gave up after {took:?}");
    }

    #[test]
    fn hamms_ctl_gives_up_on_a_connection_that_is_never_accepted() {
        // `connect_timeout` keeps its listen queue full: connect() neither succeeds nor fails.
        let (code, stderr, took) = ctl_against("connect_timeout");
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains("did not accept the connection within 300ms"),
            "{stderr}"
        );
        assert!(took < Duration::from_secs(8), "gave up after {took:?}");
    }

    #[test]
    fn hamms_ctl_waits_ten_seconds_by_default() {
        let help = Command::new(HAMMS)
            .args(["ctl", "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(help.contains("--timeout <SECONDS>"), "{help}");
        assert!(help.contains("[default: 10]"), "{help}");
    }

    #[test]
    fn hamms_serve_with_a_control_api_switches_catalog_servers_by_name() {
        let base = free_base();
        let base_port = base.to_string();
        let serve = Hamms::spawn(&[
            "serve",
            "--base-port",
            &base_port,
            "--only",
            "fixture",
            "--control",
            "127.0.0.1:0",
        ]);
        let lines = serve.table(1);
        assert!(lines[1].contains("fixture"), "{lines:?}");
        let control_line = serve.lines.recv_timeout(WAIT).expect("the control line");
        let control = control_line.strip_prefix("control ").unwrap().to_owned();
        let (code, _, stderr) = ctl(
            &control,
            &[
                "--server",
                "fixture",
                "set-behavior",
                "status",
                "--opt",
                "status=503",
            ],
        );
        assert_eq!(code, Some(0), "{stderr}");
        let (answer, _) = exchange(base + 31, Some(&get("/")), UNTIL_CLOSED);
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        let (_, servers, _) = ctl(&control, &["servers"]);
        assert!(servers.starts_with("fixture\t127.0.0.1:"), "{servers}");
    }
}

mod toxiproxy_command {
    use super::*;

    /// `hamms toxiproxy --port 0 ARGS`: the process and the API's URL it printed.
    fn start_toxiproxy(args: &[&str]) -> (Hamms, String) {
        let mut all = vec!["toxiproxy", "--port", "0"];
        all.extend_from_slice(args);
        let hamms = Hamms::spawn(&all);
        let first = hamms.lines.recv_timeout(WAIT).expect("the API line");
        let api = first
            .strip_prefix("toxiproxy ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        (hamms, api)
    }

    #[test]
    fn hamms_toxiproxy_serves_toxiproxys_api_with_the_proxies_of_its_config() {
        let backend = greeting_backend();
        let dir = TempDir::new().unwrap();
        let config = dir.path().join("toxiproxy.json");
        std::fs::write(
            &config,
            format!(r#"[{{"name": "greeter", "listen": "127.0.0.1:0", "upstream": "{backend}"}}]"#),
        )
        .unwrap();
        let (mut hamms, api) =
            start_toxiproxy(&["--config", config.to_str().unwrap(), "--seed", "1"]);
        let line = hamms.lines.recv_timeout(WAIT).expect("the proxy line");
        let listen: SocketAddr = line
            .strip_prefix("proxy greeter ")
            .unwrap_or_else(|| panic!("unexpected proxy line: {line}"))
            .parse()
            .unwrap();
        assert_eq!(through(listen), Ok(b"hello".to_vec()));

        let (code, body) = curl("GET", &format!("{api}/proxies/greeter"), None);
        assert_eq!(code, 200, "{body}");
        assert!(body.contains(&format!(r#""listen":"{listen}""#)), "{body}");
        let (code, body) = curl("GET", &format!("{api}/version"), None);
        assert_eq!(code, 200, "{body}");
        assert!(body.contains(r#""version":"2.6.0""#), "{body}");

        // limit_data: 2 bytes of the greeting, then the close.
        let toxic = r#"{"type": "limit_data", "attributes": {"bytes": 2}}"#;
        let (code, body) = curl(
            "POST",
            &format!("{api}/proxies/greeter/toxics"),
            Some(toxic),
        );
        assert_eq!(code, 200, "{body}");
        assert!(body.contains(r#""name":"limit_data_downstream""#), "{body}");
        assert_eq!(through(listen), Ok(b"he".to_vec()));
        let (code, body) = curl(
            "DELETE",
            &format!("{api}/proxies/greeter/toxics/limit_data_downstream"),
            None,
        );
        assert_eq!((code, body.as_str()), (204, ""));
        assert_eq!(through(listen), Ok(b"hello".to_vec()));

        let (code, _) = curl(
            "POST",
            &format!("{api}/proxies/greeter"),
            Some(r#"{"enabled": false}"#),
        );
        assert_eq!(code, 200);
        assert_eq!(through(listen), Err(ErrorKind::ConnectionRefused));
        let (code, body) = curl(
            "POST",
            &format!("{api}/proxies"),
            Some(r#"{"name": "greeter", "upstream": "127.0.0.1:1"}"#),
        );
        assert_eq!(code, 409);
        assert_eq!(body, r#"{"error":"proxy already exists","status":409}"#);
        let (code, _) = curl("POST", &format!("{api}/reset"), None);
        assert_eq!(code, 204);
        assert_eq!(through(listen), Ok(b"hello".to_vec()));
        let (code, body) = curl("GET", &format!("{api}/metrics"), None);
        assert_eq!(code, 200);
        assert!(
            body.contains(r#"hamms_connections_total{server="greeter"} 4"#),
            "{body}"
        );

        hamms.signal(Signal::SIGTERM);
        let (status, stderr) = hamms.wait();
        assert!(status.success(), "{stderr}");
        // The proxies it created are gone with it.
        assert_eq!(through(listen), Err(ErrorKind::ConnectionRefused));
    }

    #[test]
    fn hamms_toxiproxy_refuses_a_bad_config_or_address_with_exit_2_naming_the_fix() {
        let dir = TempDir::new().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"[{"name": "x"}]"#).unwrap();
        let missing = dir.path().join("missing.json");
        #[rustfmt::skip]
        let cases: [(Vec<&str>, &str); 4] = [
            (vec!["--config", bad.to_str().unwrap()], "missing required field: upstream at proxy 1"),
            (vec!["--config", missing.to_str().unwrap()], "cannot read the config"),
            (vec!["--host", "0.0.0.0"], "pass --allow-remote"),
            (vec!["--port", "http"], "invalid value 'http'"),
        ];
        for (args, needle) in cases {
            let port: &[&str] = if args.contains(&"--port") {
                &[]
            } else {
                &["--port", "0"]
            };
            let output = Command::new(HAMMS)
                .arg("toxiproxy")
                .args(port)
                .args(&args)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(needle), "{args:?}: {stderr}");
        }
        let help = Command::new(HAMMS)
            .args(["toxiproxy", "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(help.contains("[default: 8474]"), "{help}");
    }
}

mod wiremock_command {
    use super::*;

    /// The repository of mapping files the integration tests load too.
    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/tests/stubs");

    /// `hamms wiremock --port 0 ARGS`: the process and its base URL.
    fn start_wiremock(args: &[&str]) -> (Hamms, String) {
        let mut all = vec!["wiremock", "--port", "0"];
        all.extend_from_slice(args);
        let hamms = Hamms::spawn(&all);
        let first = hamms.lines.recv_timeout(WAIT).expect("the URL line");
        let url = first
            .strip_prefix("wiremock ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        (hamms, url)
    }

    #[test]
    fn hamms_wiremock_serves_a_root_directory_and_stops_on_the_admin_shutdown() {
        let (mut hamms, url) = start_wiremock(&["--root-dir", ROOT]);
        assert_eq!(
            curl("GET", &format!("{url}/health"), None),
            (200, "ok".to_owned())
        );
        let (status, user) = curl("GET", &format!("{url}/users/7"), None);
        assert_eq!((status, user.as_str()), (200, r#"{"id":"7","name":"Ada"}"#));
        let (status, users) = curl("GET", &format!("{url}/users"), None);
        assert_eq!(status, 200);
        assert!(users.contains("Grace"), "{users}");
        let (status, listed) = curl("GET", &format!("{url}/__admin/mappings"), None);
        assert_eq!(status, 200);
        assert!(listed.contains(r#""total": 6"#), "{listed}");
        assert_eq!(
            curl("POST", &format!("{url}/__admin/shutdown"), None).0,
            200
        );
        let (status, stderr) = hamms.wait();
        assert!(status.success(), "{stderr}");
    }

    #[test]
    fn hamms_wiremock_also_serves_https_with_the_ca_hamms_ca_prints() {
        let (hamms, url) = start_wiremock(&["--https-port", "0", "--root-dir", ROOT]);
        let second = hamms.lines.recv_timeout(WAIT).expect("the https line");
        let https = second
            .strip_prefix("wiremock ")
            .expect("the https URL")
            .to_owned();
        assert!(https.starts_with("https://"), "{https}");
        let ca = Command::new(HAMMS)
            .env("HAMMS_CA_DIR", hamms.ca_dir.path())
            .arg("ca")
            .output()
            .unwrap();
        let ca_file = hamms.ca_dir.path().join("printed.pem");
        std::fs::write(&ca_file, &ca.stdout).unwrap();
        let output = Command::new("curl")
            .args(["-sS", "--noproxy", "*", "--cacert"])
            .arg(&ca_file)
            .arg(format!("{https}/health"))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout), "ok", "{output:?}");
        assert_eq!(curl("GET", &format!("{url}/health"), None).1, "ok");
    }

    #[test]
    fn a_bad_mapping_file_exits_2_naming_the_file_and_the_field() {
        let dir = TempDir::new().unwrap();
        std::fs::create_dir(dir.path().join("mappings")).unwrap();
        std::fs::write(
            dir.path().join("mappings/typo.json"),
            r#"{"request": {"method": "GET", "urlpath": "/x"}, "response": {"status": 200}}"#,
        )
        .unwrap();
        let root = dir.path().display().to_string();
        let output = Command::new(HAMMS)
            .args(["wiremock", "--port", "0", "--root-dir", &root])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("mappings/typo.json: /request/urlpath: "),
            "{stderr}"
        );
        assert!(stderr.contains("did you mean `urlPath`?"), "{stderr}");
        let missing = Command::new(HAMMS)
            .args(["wiremock", "--root-dir", "/no/such/dir"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&missing.stderr);
        assert_eq!(missing.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("no such directory"), "{stderr}");
    }
}
