//! The chaos proxy's speed, measured against yardsticks in the same run: throughput and added
//! round-trip time of hamms `dummy` (and `latency` 0 attached) next to direct loopback and a bare
//! tokio relay (`copy_bidirectional`).
//!
//! Run: `cargo bench -p hamms-core --bench proxy` (release build). `BENCH_ROUNDS` (default 7)
//! sets the interleaved rounds, `BENCH_MIB` (default 256) the MiB sent each way per round,
//! `BENCH_PINGS` (default 5000) the round trips per round. Only loopback is used.
//!
//! What it prints: per target, the median throughput (MB/s, both directions at once: each round
//! sends BENCH_MIB each way) and median round-trip time of a 1-byte ping; then the ratios the
//! project's targets are stated in: hamms' throughput over the bare relay's, and the round-trip
//! time hamms adds over loopback against what the bare relay adds.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use hamms_core::{Behavior, FaultServer};

const CHUNK: usize = 64 * 1024;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A server that, on each connection, sends `bytes` while discarding what it reads; it answers
/// every 1-byte ping with the byte when `bytes` is 0.
fn backend(bytes: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_nodelay(true);
            thread::spawn(move || serve(stream, bytes));
        }
    });
    addr
}

fn serve(mut stream: TcpStream, bytes: usize) {
    if bytes == 0 {
        let mut byte = [0; 1];
        while stream.read_exact(&mut byte).is_ok() {
            if stream.write_all(&byte).is_err() {
                return;
            }
        }
        return;
    }
    let mut writer = stream.try_clone().expect("clone a socket");
    let sender = thread::spawn(move || {
        let chunk = vec![7u8; CHUNK];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK);
            if writer.write_all(&chunk[..n]).is_err() {
                return;
            }
            left -= n;
        }
        let _ = writer.shutdown(Shutdown::Write);
    });
    let mut sink = vec![0; CHUNK];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    let _ = sender.join();
}

/// Sends `bytes` to `addr` while reading `bytes` back: the seconds it took.
fn blast(addr: SocketAddr, bytes: usize) -> f64 {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect");
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone a socket");
    let sender = thread::spawn(move || {
        let chunk = vec![9u8; CHUNK];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK);
            writer.write_all(&chunk[..n]).expect("send");
            left -= n;
        }
        writer.shutdown(Shutdown::Write).expect("half-close");
    });
    let mut received = 0;
    let mut sink = vec![0; CHUNK];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => break,
            Ok(n) => received += n,
            Err(e) => panic!("read: {e}"),
        }
    }
    sender.join().expect("the sender finishes");
    assert_eq!(received, bytes, "every byte came back");
    started.elapsed().as_secs_f64()
}

/// The median round-trip time of `pings` 1-byte pings to each of `addrs`, one connection each.
/// The targets take turns ping by ping, so whatever else the machine does meanwhile weighs on
/// every target alike.
fn ping(addrs: &[SocketAddr], pings: usize) -> Vec<Duration> {
    let mut streams: Vec<TcpStream> = addrs
        .iter()
        .map(|addr| {
            let stream = TcpStream::connect(addr).expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            stream
        })
        .collect();
    let mut times = vec![Vec::with_capacity(pings); addrs.len()];
    let mut byte = [1u8; 1];
    for _ in 0..pings {
        for (stream, times) in streams.iter_mut().zip(&mut times) {
            let started = Instant::now();
            stream.write_all(&byte).expect("ping");
            stream.read_exact(&mut byte).expect("pong");
            times.push(started.elapsed());
        }
    }
    times.iter_mut().map(|times| median(times)).collect()
}

fn median<T: PartialOrd + Copy>(values: &mut [T]) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    values[values.len() / 2]
}

/// A bare relay: tokio's `copy_bidirectional`, on a runtime of two workers like hamms' own.
fn bare_relay(backend: SocketAddr, runtime: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    runtime.spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = client.set_nodelay(true);
                if let Ok(mut server) = tokio::net::TcpStream::connect(backend).await {
                    let _ = server.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    addr
}

/// A target of the bench: its name, and where its throughput and its round trips are measured.
struct Target {
    name: &'static str,
    blast: SocketAddr,
    ping: SocketAddr,
    throughputs: Vec<f64>,
    rtts: Vec<Duration>,
}

fn main() {
    let rounds = env_or("BENCH_ROUNDS", 7);
    let bytes = env_or("BENCH_MIB", 256) * 1024 * 1024;
    let pings = env_or("BENCH_PINGS", 5000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime for the bare relay");
    let sender = backend(bytes);
    let echo = backend(0);
    let proxy = |backend: SocketAddr, behavior: Behavior| {
        let proxy = FaultServer::proxy(backend.to_string())
            .start()
            .expect("start a proxy");
        proxy.set_behavior(behavior);
        proxy
    };
    let dummy = Behavior::proxy("dummy").expect("a proxy behavior");
    let latency0 = Behavior::proxy("latency")
        .and_then(|b| b.param("latency", 0))
        .expect("a proxy behavior");
    let dummy_blast = proxy(sender, dummy.clone());
    let dummy_ping = proxy(echo, dummy);
    let latency_blast = proxy(sender, latency0.clone());
    let latency_ping = proxy(echo, latency0);
    let mut targets = [
        ("direct loopback", sender, echo),
        (
            "bare tokio relay",
            bare_relay(sender, &runtime),
            bare_relay(echo, &runtime),
        ),
        ("hamms dummy", dummy_blast.addr(), dummy_ping.addr()),
        ("hamms latency 0", latency_blast.addr(), latency_ping.addr()),
    ]
    .map(|(name, blast, ping)| Target {
        name,
        blast,
        ping,
        throughputs: Vec::new(),
        rtts: Vec::new(),
    });
    // One warm-up pass, then interleaved rounds: a drift of the machine's speed hits every
    // target alike.
    let ping_addrs: Vec<SocketAddr> = targets.iter().map(|t| t.ping).collect();
    for target in &targets {
        blast(target.blast, bytes);
    }
    ping(&ping_addrs, pings.min(500));
    for round in 1..=rounds {
        for target in &mut targets {
            let seconds = blast(target.blast, bytes);
            target
                .throughputs
                .push(2.0 * bytes as f64 / seconds / 1_000_000.0);
        }
        for (target, rtt) in targets.iter_mut().zip(ping(&ping_addrs, pings)) {
            target.rtts.push(rtt);
        }
        eprintln!("round {round}/{rounds} done");
    }
    println!(
        "{:<18} {:>14} {:>14}",
        "target", "MB/s (median)", "RTT us (median)"
    );
    let mut medians = Vec::new();
    for target in &mut targets {
        let throughput = median(&mut target.throughputs);
        let rtt = median(&mut target.rtts);
        println!(
            "{:<18} {:>14.0} {:>14.1}",
            target.name,
            throughput,
            rtt.as_secs_f64() * 1e6
        );
        medians.push((throughput, rtt.as_secs_f64()));
    }
    let [direct, bare, dummy, latency] = [medians[0], medians[1], medians[2], medians[3]];
    let added = |target: (f64, f64)| target.1 - direct.1;
    println!();
    println!(
        "throughput vs the bare relay: dummy {:.2}x, latency 0 {:.2}x (target: dummy >= 0.9x)",
        dummy.0 / bare.0,
        latency.0 / bare.0
    );
    println!(
        "added RTT vs the bare relay's ({:.1} us): dummy {:.2}x, latency 0 {:.2}x (target: dummy <= 1.2x)",
        added(bare) * 1e6,
        added(dummy) / added(bare),
        added(latency) / added(bare)
    );
    println!(
        "({rounds} rounds of {} MiB each way and {pings} pings)",
        bytes / 1024 / 1024
    );
}
