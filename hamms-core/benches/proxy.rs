//! The chaos proxy's speed, measured against yardsticks in the same run: throughput and added
//! round-trip time of hamms `dummy` (and `latency` 0 attached) next to direct loopback, a bare
//! tokio relay (`copy_bidirectional`) and, when their binaries are given, two peers: noxious
//! (the Rust Toxiproxy) and Toxiproxy 2.1.2 (Go), each relaying with no toxic.
//!
//! Run: `cargo bench -p hamms-core --bench proxy` (release build). `BENCH_ROUNDS` (default 7)
//! sets the interleaved rounds, `BENCH_MIB` (default 256) the MiB sent each way per round,
//! `BENCH_PINGS` (default 5000) the round trips per round. `BENCH_NOXIOUS` is the path of a
//! `noxious-server` binary, `BENCH_TOXIPROXY` that of a `toxiproxy-server` (the bench says when
//! either is not given, and measures without it). Only loopback is used.
//!
//! What it prints: per target, the median throughput (MB/s, both directions at once: each round
//! sends BENCH_MIB each way) and median round-trip time of a 1-byte ping, also with every thread
//! (the peers' too) pinned to one core (`taskset`, util-linux); then the ratios the
//! project's targets are stated in: hamms' throughput over direct loopback's, the bare relay's
//! and the peers', and the round-trip time hamms adds over loopback against what the bare relay
//! adds; and the machine's load meanwhile (the peers' CPU counts as other processes').

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use hamms_core::{Behavior, FaultServer};

mod support;
use support::client::free_port;
use support::load::Load;
use support::rounds::{env_or, median};

const CHUNK: usize = 64 * 1024;

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
        // No half-close (see `blast`): the client closes once it has everything.
    });
    let mut sink = vec![0; CHUNK];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    let _ = sender.join();
}

/// Sends `bytes` to `addr` while reading `bytes` back: the seconds it took. No half-close: the
/// peers end a connection whole when one side finishes sending, and lose what was in flight.
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
    });
    let mut received = 0;
    let mut sink = vec![0; CHUNK];
    while received < bytes {
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

/// Pings a target sends in a row before the next target's turn.
const PING_BLOCK: usize = 50;

/// The median round-trip time of `pings` 1-byte pings to each of `addrs`, one connection each.
/// The targets take turns, a block of pings each, so whatever else the machine does meanwhile
/// weighs on every target alike; blocks, not single pings, because a Go program (Toxiproxy)
/// keeps a core spinning for a while after each wake, which would slow the next target's ping.
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
    for block in (0..pings).step_by(PING_BLOCK) {
        for (stream, times) in streams.iter_mut().zip(&mut times) {
            for _ in block..(block + PING_BLOCK).min(pings) {
                let started = Instant::now();
                stream.write_all(&byte).expect("ping");
                stream.read_exact(&mut byte).expect("pong");
                times.push(started.elapsed());
            }
        }
    }
    times.iter_mut().map(|times| median(times)).collect()
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

/// A peer proxy (noxious or Toxiproxy) in a process of its own, relaying to the two backends;
/// killed when dropped.
struct Peer {
    child: Child,
    blast: SocketAddr,
    ping: SocketAddr,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the peer whose binary the environment variable `variable` names, with two proxies
/// (to `sender` and to `echo`) from a config file in Toxiproxy's populate format; both peers
/// take the same flags. `None` (said on stderr) when the variable is unset.
fn peer(variable: &str, sender: SocketAddr, echo: SocketAddr) -> Option<Peer> {
    let Ok(binary) = std::env::var(variable) else {
        eprintln!("{variable} is not set: measuring without that peer");
        return None;
    };
    let (blast, ping, api) = (free_port(), free_port(), free_port());
    let config = std::env::temp_dir().join(format!(
        "hamms-bench-{variable}-{}.json",
        std::process::id()
    ));
    let proxies = format!(
        r#"[{{"name":"blast","listen":"{blast}","upstream":"{sender}","enabled":true}},{{"name":"ping","listen":"{ping}","upstream":"{echo}","enabled":true}}]"#
    );
    std::fs::write(&config, proxies).expect("write the peer's config");
    let child = Command::new(&binary)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &api.port().to_string(),
            "--config",
        ])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{variable}: cannot start {binary}: {e}"));
    let peer = Peer { child, blast, ping };
    // Polled until both proxies accept.
    let deadline = Instant::now() + Duration::from_secs(20);
    while [blast, ping]
        .iter()
        .any(|addr| TcpStream::connect(addr).is_err())
    {
        assert!(
            Instant::now() < deadline,
            "{variable}: {binary} never listened"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_file(&config);
    Some(peer)
}

/// A target of the bench: its name, and where its throughput and its round trips are measured.
struct Target {
    name: &'static str,
    blast: SocketAddr,
    ping: SocketAddr,
    throughputs: Vec<f64>,
    rtts: Vec<Duration>,
    /// Round trips with every thread of the bench and the peers on one core.
    one_core_rtts: Vec<Duration>,
}

/// Pins every thread of the processes `pids` to `cores` (`taskset` from util-linux, as `0` or
/// `0-1`). Returns whether it could.
fn pin(pids: &[u32], cores: &str) -> bool {
    pids.iter().all(|pid| {
        Command::new("taskset")
            .args(["-a", "-p", "-c", cores, &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
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
    let noxious = peer("BENCH_NOXIOUS", sender, echo);
    let toxiproxy = peer("BENCH_TOXIPROXY", sender, echo);
    let mut targets: Vec<Target> = [
        ("direct loopback", sender, echo),
        (
            "bare tokio relay",
            bare_relay(sender, &runtime),
            bare_relay(echo, &runtime),
        ),
        ("hamms dummy", dummy_blast.addr(), dummy_ping.addr()),
        ("hamms latency 0", latency_blast.addr(), latency_ping.addr()),
    ]
    .into_iter()
    .chain(noxious.as_ref().map(|p| ("noxious", p.blast, p.ping)))
    .chain(toxiproxy.as_ref().map(|p| ("toxiproxy", p.blast, p.ping)))
    .map(|(name, blast, ping)| Target {
        name,
        blast,
        ping,
        throughputs: Vec::new(),
        rtts: Vec::new(),
        one_core_rtts: Vec::new(),
    })
    .collect();
    // `BENCH_TARGETS` keeps the targets whose names contain one of its comma-separated words
    // (a profile of one target); direct loopback stays, every ratio is against it.
    if let Ok(only) = std::env::var("BENCH_TARGETS") {
        targets.retain(|t| {
            t.name == "direct loopback" || only.split(',').any(|word| t.name.contains(word))
        });
    }
    let load = Load::start();
    // One warm-up pass, then interleaved rounds: a drift of the machine's speed hits every
    // target alike.
    let ping_addrs: Vec<SocketAddr> = targets.iter().map(|t| t.ping).collect();
    for target in &targets {
        eprintln!("warming up {}", target.name);
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
    // The round trips again with every thread on one core. Across two cores of a virtual machine,
    // a relay's round trip is bimodal (~7 us added, or ~90 us when each hop must wake the other,
    // idle core), and which mode a run gets holds for the run: on one core, each relay's own
    // work is what differs.
    let pids: Vec<u32> = [Some(std::process::id())]
        .into_iter()
        .chain([&noxious, &toxiproxy].map(|peer| peer.as_ref().map(|p| p.child.id())))
        .flatten()
        .collect();
    let all_cores = format!(
        "0-{}",
        thread::available_parallelism().map_or(0, |n| n.get() - 1)
    );
    if pin(&pids, "0") {
        for _ in 1..=rounds {
            for (target, rtt) in targets.iter_mut().zip(ping(&ping_addrs, pings)) {
                target.one_core_rtts.push(rtt);
            }
        }
        pin(&pids, &all_cores);
    } else {
        eprintln!("taskset (util-linux) cannot pin this process: no round trips on one core");
    }
    println!(
        "{:<18} {:>14} {:>16} {:>16}",
        "target", "MB/s (median)", "RTT us (median)", "on one core"
    );
    let mut medians = Vec::new();
    let mut one_core = Vec::new();
    for target in &mut targets {
        let throughput = median(&mut target.throughputs);
        let rtt = median(&mut target.rtts);
        let pinned = (!target.one_core_rtts.is_empty())
            .then(|| median(&mut target.one_core_rtts).as_secs_f64());
        println!(
            "{:<18} {:>14.0} {:>16.1} {:>16}",
            target.name,
            throughput,
            rtt.as_secs_f64() * 1e6,
            pinned.map_or("-".to_owned(), |rtt| format!("{:.1}", rtt * 1e6))
        );
        medians.push((throughput, rtt.as_secs_f64()));
        one_core.push(pinned);
    }
    let of = |name: &str| {
        targets
            .iter()
            .zip(&medians)
            .find(|(target, _)| target.name == name)
            .map(|(_, median)| *median)
    };
    let direct = medians[0];
    let added = |target: (f64, f64)| target.1 - direct.1;
    let added_on_one_core = |name: &str| {
        let at = targets.iter().position(|target| target.name == name)?;
        Some(one_core[at]? - one_core[0]?)
    };
    // What a target adds on one core, for its line; nothing when it was not measured.
    let one_core_us = |name: &str| {
        added_on_one_core(name).map_or(String::new(), |rtt| {
            format!(" ({:.1} us on one core)", rtt * 1e6)
        })
    };
    println!();
    // Each ratio the project's targets are stated in, where both of its targets ran.
    for (name, hamms) in [
        ("dummy", of("hamms dummy")),
        ("latency 0", of("hamms latency 0")),
    ] {
        let Some(hamms) = hamms else { continue };
        let hamms_name = format!("hamms {name}");
        let aim = if name == "dummy" {
            " (target >= 0.7x)"
        } else {
            ""
        };
        println!(
            "{name}: throughput {:.2}x direct loopback{aim}, added RTT {:.1} us{}{}",
            hamms.0 / direct.0,
            added(hamms) * 1e6,
            one_core_us(&hamms_name),
            if name == "dummy" {
                " (target <= 25 us)"
            } else {
                ""
            }
        );
        for (peer, aim) in [
            ("bare tokio relay", ""),
            ("noxious", " (target >= 1.5x)"),
            ("toxiproxy", " (target >= 2.5x)"),
        ] {
            let Some(other) = of(peer) else { continue };
            let aim = if name == "dummy" { aim } else { "" };
            let rtt_aim = if name == "dummy" && peer == "bare tokio relay" {
                " (target <= 1x)"
            } else {
                ""
            };
            let on_one_core = added_on_one_core(&hamms_name)
                .zip(added_on_one_core(peer))
                .map_or(String::new(), |(hamms, other)| {
                    format!(", on one core {:.2}x{rtt_aim}", hamms / other)
                });
            println!(
                "  vs {peer}: throughput {:.2}x{aim}, added RTT {:.2}x{on_one_core}",
                hamms.0 / other.0,
                added(hamms) / added(other)
            );
        }
    }
    for peer in ["bare tokio relay", "noxious", "toxiproxy"] {
        if let Some(other) = of(peer) {
            println!(
                "{peer}: throughput {:.2}x direct loopback, added RTT {:.1} us{}",
                other.0 / direct.0,
                added(other) * 1e6,
                one_core_us(peer)
            );
        }
    }
    println!(
        "({rounds} rounds of {} MiB each way and {pings} pings)",
        bytes / 1024 / 1024
    );
    println!("load: {}", load.finish());
}
