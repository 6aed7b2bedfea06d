//! `hamms wiremock` beside WireMock 3.13.2, the same 100 mappings loaded in both (99 that refuse
//! the benchmark's request, the one that answers it loaded last), measured in one run:
//!
//! - time from starting the process to its first answered request;
//! - resident memory, idle after that first answer, and after the load;
//! - keep-alive requests per second serving the stub, `BENCH_CLIENTS` (default 8) blocking
//!   connections, `BENCH_ROUNDS` (default 3) interleaved rounds of `BENCH_SECONDS` (default 3).
//!
//! WireMock runs from its standalone jar, `WIREMOCK_JAR` (default: where `.ci/run` puts npm's
//! `wiremock@3.13.2`, under `HAMMS_PEERS`), with Java, and without its request journal (its
//! lightest; hamms keeps its history on); without Java or the jar, only hamms is measured.
//! Measured here (2 cores, 8 clients): hamms 6.7x WireMock's requests per second, first answer
//! in 3.5 ms against 2.0 s, 22 MiB after load against 666 MiB.
//! Run: `cargo bench -p hamms-core --bench wiremock`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

mod support;
use support::client::{REQUEST, drive, free_port};
use support::rounds::{env_or, median};

/// Writes the 100 mappings under `root/mappings/`.
fn write_mappings(root: &Path) {
    let dir = root.join("mappings");
    std::fs::create_dir_all(&dir).expect("a mappings directory");
    for i in 0..99 {
        let mapping = format!(
            r#"{{"request": {{"method": "GET", "url": "/items/{i}x"}}, "response": {{"status": 500}}}}"#
        );
        std::fs::write(dir.join(format!("{i:03}.json")), mapping).expect("write a mapping");
    }
    let answering = r#"{"request": {"method": "GET", "url": "/items/7"},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                     "jsonBody": {"id": 7, "name": "Ada"}}}"#;
    std::fs::write(dir.join("999.json"), answering).expect("write the answering mapping");
}

/// A server process, killed when dropped.
struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
    /// From spawning the process to its first answer.
    ready_after: Duration,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(name: &'static str, command: &mut Command, port: u16) -> Server {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        let deadline = started + Duration::from_secs(120);
        loop {
            if answered(addr) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not answer within 120 s"
            );
            thread::sleep(Duration::from_millis(1));
        }
        Server {
            name,
            child,
            addr,
            ready_after: started.elapsed(),
        }
    }

    /// The process's resident memory, in MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }
}

/// Whether the benchmark's request gets a 200 from `addr`.
fn answered(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream.write_all(REQUEST).is_err() {
        return false;
    }
    let mut buf = [0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got.starts_with(b"HTTP/1.1 200")
}

/// `WIREMOCK_JAR`, else the jar of npm's package in `HAMMS_PEERS` (default `~/.cache/hamms/peers`).
fn wiremock_jar() -> PathBuf {
    if let Some(jar) = std::env::var_os("WIREMOCK_JAR") {
        return PathBuf::from(jar);
    }
    let peers = std::env::var_os("HAMMS_PEERS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/hamms/peers"),
        PathBuf::from,
    );
    peers.join("node/node_modules/wiremock/build/wiremock-standalone-3.13.2.jar")
}

fn main() {
    let root = tempfile::tempdir().expect("a root directory");
    write_mappings(root.path());
    let root_dir = root.path().display().to_string();
    let clients = env_or("BENCH_CLIENTS", 8);
    let rounds: u64 = env_or("BENCH_ROUNDS", 3);
    let length = Duration::from_secs(env_or("BENCH_SECONDS", 3));

    let mut servers = Vec::new();
    let port = free_port().port();
    servers.push(Server::start(
        "hamms wiremock",
        Command::new(env!("CARGO_BIN_EXE_hamms")).args([
            "wiremock",
            "--port",
            &port.to_string(),
            "--root-dir",
            &root_dir,
        ]),
        port,
    ));
    let jar = wiremock_jar();
    let java = Command::new("java").arg("-version").output().is_ok();
    if java && jar.is_file() {
        let port = free_port().port();
        servers.push(Server::start(
            "WireMock 3.13.2",
            Command::new("java")
                .arg("-jar")
                .arg(&jar)
                .args(["--port", &port.to_string(), "--bind-address", "127.0.0.1"])
                .args([
                    "--root-dir",
                    &root_dir,
                    "--no-request-journal",
                    "--disable-banner",
                ]),
            port,
        ));
    } else {
        println!(
            "WireMock not measured: it needs Java and {} (WIREMOCK_JAR)",
            jar.display()
        );
    }
    let idle: Vec<f64> = servers.iter().map(Server::rss_mib).collect();
    // Warm up (the JVM compiles as it goes).
    for server in &servers {
        drive(server.addr, clients, Duration::from_secs(2));
    }
    let mut rates = vec![Vec::new(); servers.len()];
    for round in 1..=rounds {
        for (i, server) in servers.iter().enumerate() {
            let started = Instant::now();
            let answered = drive(server.addr, clients, length);
            rates[i].push(answered as f64 / started.elapsed().as_secs_f64());
        }
        eprintln!("round {round}/{rounds} done");
    }
    println!(
        "the same 100 mappings (the answering one last), {clients} keep-alive connections, {rounds} rounds of {length:?}"
    );
    println!(
        "  {:<18} {:>14} {:>10} {:>16} {:>10}",
        "server", "first answer", "idle MiB", "MiB after load", "req/s"
    );
    let mut medians = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        let rate = median(&mut rates[i]);
        medians.push(rate);
        println!(
            "  {:<18} {:>11.1} ms {:>10.1} {:>16.1} {:>10.0}",
            server.name,
            server.ready_after.as_secs_f64() * 1000.0,
            idle[i],
            server.rss_mib(),
            rate
        );
    }
    if let [hamms, wiremock] = medians[..] {
        println!(
            "  hamms vs WireMock: {:.1}x the requests per second (target >= 5x), first answer {:.0}x sooner, {:.1}x less memory after load",
            hamms / wiremock,
            servers[1].ready_after.as_secs_f64() / servers[0].ready_after.as_secs_f64(),
            servers[1].rss_mib() / servers[0].rss_mib()
        );
    }
}
