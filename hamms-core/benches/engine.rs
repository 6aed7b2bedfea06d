//! The engine's costs, each next to a baseline measured in the same run, on loopback only:
//!
//! - `held`: memory per held idle connection (RSS growth, and live heap counted by the
//!   allocator) over `BENCH_CONNECTIONS` (default 5000) connections, against a bare tokio accept
//!   loop that holds its sockets. Each measurement runs in a process of its own (this binary,
//!   started again), so memory freed by one target cannot be reused by the next.
//! - `throughput`: the fixture's keep-alive requests per second and server CPU per request,
//!   against a bare hyper server (HTTP/1.1, same runtime shape: two worker threads), with the
//!   same client (`BENCH_CLIENTS` connections, default 8, one blocking thread each); then heap
//!   allocations per request of each, counted by the allocator over one connection.
//! - `startstop`: start+stop latency of a dedicated fixture and of a mode (`status`) against a
//!   bare hyper server's bind+serve+shutdown; then `BENCH_CYCLES` (default 10,000) fixture
//!   cycles, with the process's open fds, threads and RSS along the way.
//! - `timing`: how late the timed faults are: `sleep` with `?sleep=0.1` (its answer time less
//!   that of `?sleep=0`, less 100 ms) and the gaps between the bytes of `slow_drip
//!   interval_ms=20` (less 20 ms).
//! - `stubs`: the fixture's keep-alive requests per second with 100 stubs mounted (the one that
//!   matches mounted last) against bare hyper, as `throughput` measures; a regex stub that a
//!   backtracking engine takes seconds on (`(a+)+$` against 64 KiB of `a` and a `!`): the
//!   request's round trip against the same request to a fixture without stubs; 10,000 stubs
//!   mounted: the live heap each stub adds, and what a request costs when the matching stub is
//!   tried last (against the same request with no stubs).
//!
//! Run: `cargo bench -p hamms-core --bench engine` (release build). `BENCH_ONLY` picks sections
//! (`held,throughput,startstop,timing,stubs`, all by default); `BENCH_ROUNDS` (default 5) sets the
//! interleaved rounds, `BENCH_SECONDS` (default 2) the length of a throughput round. Every
//! figure is a median over the rounds (p95/p99 where said). The machine's load is printed for
//! each section: the benchmark shares its cores with whatever else runs.

use std::alloc::System;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use hamms_core::matchers::{body_regex, method, path};
use hamms_core::{FaultServer, Response, Stub};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

mod support;
use support::client::{REQUEST, drive, read_response};
use support::load::Load;
use support::rounds::{env_or, median, percentile};

/// Every allocation of the process is counted (a few atomic adds each).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A section of the benchmark: its name, and what runs it for a number of rounds.
type Section = (&'static str, fn(usize));

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(HELD_CHILD) {
        let connections = args[3].parse().expect("a connection count");
        held_child(&args[2], connections);
        return;
    }
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |section: &str| only.is_empty() || only.split(',').any(|s| s == section);
    let rounds = env_or("BENCH_ROUNDS", 5).max(1);
    println!(
        "hamms engine benchmark: {rounds} interleaved rounds, {} cores",
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    let sections: [Section; 5] = [
        ("held", held),
        ("throughput", throughput),
        ("startstop", start_stop),
        ("timing", timing),
        ("stubs", stubs),
    ];
    for (name, run) in sections {
        if wanted(name) {
            let load = Load::start();
            run(rounds);
            println!("  load during `{name}`: {}\n", load.finish());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring the machine and the process.

/// The process's resident memory, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Bytes allocated and not yet freed, as the counting allocator saw them.
fn live_heap() -> i64 {
    let stats = GLOBAL.stats();
    stats.bytes_allocated as i64 - stats.bytes_deallocated as i64 + stats.bytes_reallocated as i64
}

fn count_dir(path: &str) -> usize {
    std::fs::read_dir(path).map_or(0, |entries| entries.count())
}

fn open_fds() -> usize {
    count_dir("/proc/self/fd")
}

fn threads() -> usize {
    count_dir("/proc/self/task")
}

/// CPU time (ns) of this process's threads whose name starts with `prefix`, from schedstat.
fn threads_cpu(prefix: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.starts_with(prefix))
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Raises the soft limit of open files to at least `wanted` (up to the hard limit); returns
/// the limit in force.
fn raise_fd_limit(wanted: u64) -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    if soft < wanted {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, wanted.min(hard), hard);
    }
    getrlimit(Resource::RLIMIT_NOFILE).map_or(soft, |(soft, _)| soft)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

// ---------------------------------------------------------------------------------------------
// Baselines.

/// A runtime shaped like hamms' own (two workers), whose threads are named so that their CPU
/// time can be told apart.
fn baseline_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("baseline")
        .enable_all()
        .build()
        .expect("a runtime for the baselines")
}

/// A bare hyper HTTP/1.1 server answering `200` with an empty body, stopped by `stop`.
struct BareHyper {
    addr: SocketAddr,
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl BareHyper {
    /// Binds and listens at once (connections queue from then on), then serves on `runtime`.
    fn start(runtime: &tokio::runtime::Runtime) -> BareHyper {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("a bound address");
        let stop = tokio_util::sync::CancellationToken::new();
        let stopped = stop.clone();
        let task = runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("register");
            loop {
                let (stream, _) = tokio::select! {
                    () = stopped.cancelled() => return,
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(_) => continue,
                    },
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_request| async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Empty::<bytes::Bytes>::new(),
                        ))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        BareHyper { addr, stop, task }
    }

    /// Stops accepting and returns once the listener is closed.
    fn stop(self, runtime: &tokio::runtime::Runtime) {
        self.stop.cancel();
        let _ = runtime.block_on(self.task);
    }
}

// ---------------------------------------------------------------------------------------------
// Held connections.

const HELD_CHILD: &str = "__held";

/// What holds the connections, in the order each round measures them. The first is the
/// baseline.
const HELD_TARGETS: [&str; 6] = [
    "bare tokio",
    "no_response",
    "slow_drip",
    "tls_handshake_timeout",
    "tls_ok",
    "fixture, after a request",
];

fn held(rounds: usize) {
    let connections = env_or("BENCH_CONNECTIONS", 5000);
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); HELD_TARGETS.len()];
    let mut limit = String::new();
    for round in 1..=rounds {
        for (target, (rss, heap)) in HELD_TARGETS.iter().zip(&mut results) {
            let output = Command::new(&exe)
                .args([HELD_CHILD, target, &connections.to_string()])
                .output()
                .expect("run the benchmark's child");
            let text = String::from_utf8_lossy(&output.stdout);
            let figures: Vec<f64> = text
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            let [per_rss, per_heap, nofile] = figures[..] else {
                panic!(
                    "the child for `{target}` failed: {text}{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            };
            rss.push(per_rss);
            heap.push(per_heap);
            limit = format!("{nofile}");
        }
        eprintln!("held: round {round}/{rounds} done");
    }
    println!(
        "held idle connections ({connections} per target, each target in a fresh process; RLIMIT_NOFILE raised to {limit})"
    );
    println!(
        "  {:<26} {:>14} {:>14} {:>12}",
        "target", "RSS B/conn", "heap B/conn", "vs baseline"
    );
    let mut baseline = 0.0;
    for (i, (target, (rss, heap))) in HELD_TARGETS.iter().zip(&mut results).enumerate() {
        let (rss, heap) = (median(rss), median(heap));
        if i == 0 {
            baseline = rss;
        }
        println!(
            "  {target:<26} {rss:>14.0} {heap:>14.0} {:>11.2}x",
            rss / baseline.max(1.0)
        );
    }
}

/// Serves `target`, opens `connections` to it, and prints the RSS and live heap each one added,
/// and the file limit in force.
fn held_child(target: &str, connections: usize) {
    let nofile = raise_fd_limit(2 * connections as u64 + 256);
    let runtime = baseline_runtime();
    let server = match target {
        "bare tokio" => None,
        "fixture, after a request" => Some(FaultServer::fixture().start().expect("start")),
        mode => Some(FaultServer::start(mode).expect("start")),
    };
    let addr = match &server {
        Some(server) => server.addr(),
        None => bare_holder(&runtime),
    };
    let with_request = target.starts_with("fixture");
    let open = |stream: &mut TcpStream| {
        if with_request {
            stream.write_all(REQUEST).expect("send");
            read_response(stream, &mut [0; 1024]).expect("an answer");
        }
    };
    // Warm up (lazy statics, the first connection's buffers), then settle.
    let mut first = TcpStream::connect(addr).expect("connect");
    open(&mut first);
    drop(first);
    let mut clients = Vec::with_capacity(connections);
    let fds = open_fds();
    thread::sleep(Duration::from_millis(200));
    let (rss_before, heap_before) = (rss(), live_heap());
    for _ in 0..connections {
        let mut stream = TcpStream::connect(addr).expect("connect");
        open(&mut stream);
        clients.push(stream);
    }
    // Every connection accepted (an fd each side), then time for each to reach its first read.
    let deadline = Instant::now() + Duration::from_secs(30);
    while open_fds() < fds + 2 * connections && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(500));
    let (rss_after, heap_after) = (rss(), live_heap());
    let n = connections as f64;
    println!(
        "{} {} {nofile}",
        (rss_after as f64 - rss_before as f64) / n,
        (heap_after - heap_before) as f64 / n
    );
    drop(clients);
    drop(server);
}

/// A bare tokio accept loop whose tasks hold their sockets and wait for them to be readable.
fn bare_holder(runtime: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let addr = listener.local_addr().expect("a bound address");
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                loop {
                    if stream.readable().await.is_err() {
                        return;
                    }
                    let mut scratch = [0u8; 512];
                    match stream.try_read(&mut scratch) {
                        Ok(0) => return,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Ok(_) | Err(_) => {}
                    }
                }
            });
        }
    });
    addr
}

// ---------------------------------------------------------------------------------------------
// Keep-alive throughput.

/// Heap allocations per request (allocations and reallocations) over `requests` keep-alive
/// requests on one connection; the client allocates nothing.
fn allocations_per_request(addr: SocketAddr, requests: usize) -> f64 {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = [0u8; 4096];
    let mut round_trip = |stream: &mut TcpStream| {
        stream.write_all(REQUEST).expect("send");
        read_response(stream, &mut buf).expect("an answer");
    };
    for _ in 0..1000 {
        round_trip(&mut stream);
    }
    let region = Region::new(GLOBAL);
    for _ in 0..requests {
        round_trip(&mut stream);
    }
    let change = region.change();
    (change.allocations + change.reallocations) as f64 / requests as f64
}

fn throughput(rounds: usize) {
    let clients = env_or("BENCH_CLIENTS", 8);
    let length = Duration::from_secs(env_or("BENCH_SECONDS", 2));
    let runtime = baseline_runtime();
    let hyper = BareHyper::start(&runtime);
    let fixture = FaultServer::fixture().start().expect("start the fixture");
    // Both name their runtime's threads: `baseline` and `hamms`.
    let targets = [
        ("bare hyper", hyper.addr, "baseline"),
        ("hamms fixture", fixture.addr(), "hamms"),
    ];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); 2];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); 2];
    for (_, addr, _) in &targets {
        drive(*addr, clients, Duration::from_millis(300));
    }
    for round in 1..=rounds {
        for (i, (_, addr, threads)) in targets.iter().enumerate() {
            let cpu_before = threads_cpu(threads);
            let started = Instant::now();
            let answered = drive(*addr, clients, length);
            let elapsed = started.elapsed().as_secs_f64();
            let cpu_used = threads_cpu(threads) - cpu_before;
            rates[i].push(answered as f64 / elapsed);
            cpu[i].push(cpu_used as f64 / 1000.0 / answered.max(1) as f64);
        }
        eprintln!("throughput: round {round}/{rounds} done");
    }
    let allocations: Vec<f64> = targets
        .iter()
        .map(|(_, addr, _)| allocations_per_request(*addr, 10_000))
        .collect();
    println!(
        "keep-alive throughput ({clients} connections, one blocking client thread each, {rounds} rounds of {length:?})"
    );
    println!(
        "  {:<14} {:>12} {:>16} {:>16}",
        "server", "req/s", "server CPU us/req", "allocations/req"
    );
    let mut medians = Vec::new();
    for (i, (name, _, _)) in targets.iter().enumerate() {
        let (rate, cpu) = (median(&mut rates[i]), median(&mut cpu[i]));
        println!(
            "  {name:<14} {rate:>12.0} {cpu:>16.2} {:>16.2}",
            allocations[i]
        );
        medians.push((rate, cpu));
    }
    println!(
        "  fixture vs bare hyper: {:.2}x the requests per second (target >= 0.85x), {:.2}x the CPU per request; {:.1} allocations per request (target <= 8)",
        medians[1].0 / medians[0].0,
        medians[1].1 / medians[0].1,
        allocations[1]
    );
    hyper.stop(&runtime);
}

// ---------------------------------------------------------------------------------------------
// Start and stop.

/// The time to start, and the time to stop, of one server.
type Cycle = (Duration, Duration);

fn start_stop(rounds: usize) {
    let per_round = env_or("BENCH_STARTS", 400);
    let cycles = env_or("BENCH_CYCLES", 10_000);
    let runtime = baseline_runtime();
    let targets: [(&str, &dyn Fn() -> Cycle); 3] = [
        ("bare hyper", &|| {
            let started = Instant::now();
            let server = BareHyper::start(&runtime);
            let start = started.elapsed();
            let started = Instant::now();
            server.stop(&runtime);
            (start, started.elapsed())
        }),
        ("hamms fixture", &|| {
            let started = Instant::now();
            let server = FaultServer::fixture().start().expect("start");
            let start = started.elapsed();
            let started = Instant::now();
            drop(server);
            (start, started.elapsed())
        }),
        ("hamms status", &|| {
            let started = Instant::now();
            let server = FaultServer::start("status").expect("start");
            let start = started.elapsed();
            let started = Instant::now();
            drop(server);
            (start, started.elapsed())
        }),
    ];
    for (_, cycle) in &targets {
        for _ in 0..100 {
            cycle();
        }
    }
    let mut samples: Vec<Vec<Cycle>> = vec![Vec::new(); targets.len()];
    for round in 1..=rounds {
        // Interleaved in small batches, so that a drift of the machine's speed hits all alike.
        for _ in 0..per_round / 10 {
            for (i, (_, cycle)) in targets.iter().enumerate() {
                for _ in 0..10 {
                    samples[i].push(cycle());
                }
            }
        }
        eprintln!("startstop: round {round}/{rounds} done");
    }
    println!(
        "start+stop of a dedicated server ({} cycles each, interleaved), microseconds",
        rounds * (per_round / 10) * 10
    );
    println!(
        "  {:<14} {:>13} {:>12} {:>13} {:>12}",
        "server", "start median", "stop median", "total median", "total p99"
    );
    let mut totals = Vec::new();
    for (i, (name, _)) in targets.iter().enumerate() {
        let mut start: Vec<Duration> = samples[i].iter().map(|c| c.0).collect();
        let mut stop: Vec<Duration> = samples[i].iter().map(|c| c.1).collect();
        let mut total: Vec<Duration> = samples[i].iter().map(|c| c.0 + c.1).collect();
        let total_median = median(&mut total);
        println!(
            "  {name:<14} {:>13.1} {:>12.1} {:>13.1} {:>12.1}",
            micros(median(&mut start)),
            micros(median(&mut stop)),
            micros(total_median),
            micros(percentile(&mut total, 99))
        );
        totals.push(micros(total_median));
    }
    println!(
        "  median vs bare hyper: fixture {:.2}x (target <= 1.1x), status {:.2}x",
        totals[1] / totals[0],
        totals[2] / totals[0]
    );

    println!("{cycles} start+stop cycles of a dedicated fixture:");
    println!(
        "  {:>8} {:>9} {:>8} {:>10}",
        "cycles", "open fds", "threads", "RSS KiB"
    );
    let report = |done: usize| {
        println!(
            "  {done:>8} {:>9} {:>8} {:>10}",
            open_fds(),
            threads(),
            rss() / 1024
        );
    };
    report(0);
    for done in 1..=cycles {
        drop(FaultServer::fixture().start().expect("start"));
        if done % (cycles / 4).max(1) == 0 {
            report(done);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Timed faults.

/// Sends a `Connection: close` GET for `target` and reads the whole answer: how long it took.
fn timed_get(addr: SocketAddr, target: &str) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("an answer");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "a 200 from `sleep`");
    started.elapsed()
}

/// The gaps between the bytes of one dripped response.
fn drip_gaps(addr: SocketAddr) -> Vec<Duration> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    (&stream)
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("send");
    let mut reader = BufReader::with_capacity(1, &stream);
    let mut gaps = Vec::new();
    let mut last = None;
    loop {
        let buf = reader.fill_buf().expect("read");
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        reader.consume(n);
        let now = Instant::now();
        if let Some(last) = last {
            gaps.push(now - last);
        }
        last = Some(now);
    }
    gaps
}

fn timing(rounds: usize) {
    let per_round = env_or("BENCH_SLEEPS", 10);
    let sleep = FaultServer::start("sleep").expect("start sleep");
    let drip = FaultServer::builder("slow_drip")
        .param("interval_ms", 20)
        .start()
        .expect("start slow_drip");
    let (mut immediate, mut slept, mut gaps) = (Vec::new(), Vec::new(), Vec::new());
    timed_get(sleep.addr(), "/?sleep=0");
    for round in 1..=rounds {
        for _ in 0..per_round {
            immediate.push(timed_get(sleep.addr(), "/?sleep=0"));
            slept.push(timed_get(sleep.addr(), "/?sleep=0.1"));
        }
        gaps.extend(drip_gaps(drip.addr()));
        eprintln!("timing: round {round}/{rounds} done");
    }
    let baseline = median(&mut immediate);
    let mut sleep_error: Vec<f64> = slept
        .iter()
        .map(|t| (micros(*t) - micros(baseline)) / 1000.0 - 100.0)
        .collect();
    let mut drip_error: Vec<f64> = gaps.iter().map(|g| micros(*g) / 1000.0 - 20.0).collect();
    println!(
        "timed faults: how late, in ms (answer time of `sleep=0`, the baseline: {:.2} ms median)",
        micros(baseline) / 1000.0
    );
    println!(
        "  {:<34} {:>8} {:>8} {:>8}",
        "fault", "samples", "median", "p95"
    );
    println!(
        "  {:<34} {:>8} {:>8.2} {:>8.2}",
        "sleep=0.1 (less the baseline)",
        sleep_error.len(),
        median(&mut sleep_error),
        percentile(&mut sleep_error, 95)
    );
    println!(
        "  {:<34} {:>8} {:>8.2} {:>8.2}",
        "slow_drip interval_ms=20, per gap",
        drip_error.len(),
        median(&mut drip_error),
        percentile(&mut drip_error, 95)
    );
}

// ---------------------------------------------------------------------------------------------
// Stubs.

/// Mounts `n` stubs that refuse the throughput request (`GET /items/7`) on the last of their
/// two conditions, then the one that matches it.
fn mount_before_the_match(server: &FaultServer, n: usize) {
    for i in 0..n {
        server.mount(
            Stub::given(method("GET"))
                .and(path(format!("/items/{i}x")))
                .respond_with(Response::status(500)),
        );
    }
    server.mount(Stub::given(method("GET")).and(path("/items/7")));
}

/// Sequential keep-alive round trips of `request` on one connection: the median time of one.
fn round_trip(addr: SocketAddr, request: &[u8], count: usize) -> Duration {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = vec![0u8; 4096];
    let mut times: Vec<Duration> = (0..count)
        .map(|_| {
            let started = Instant::now();
            stream.write_all(request).expect("send");
            read_response(&mut stream, &mut buf).expect("an answer");
            started.elapsed()
        })
        .collect();
    median(&mut times)
}

fn stubs(rounds: usize) {
    let clients = env_or("BENCH_CLIENTS", 8);
    let length = Duration::from_secs(env_or("BENCH_SECONDS", 2));
    let runtime = baseline_runtime();
    let hyper = BareHyper::start(&runtime);
    let stubbed = FaultServer::fixture().start().expect("start the fixture");
    mount_before_the_match(&stubbed, 99);
    let targets = [("bare hyper", hyper.addr), ("100 stubs", stubbed.addr())];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); 2];
    for (_, addr) in &targets {
        drive(*addr, clients, Duration::from_millis(300));
    }
    for round in 1..=rounds {
        for (i, (_, addr)) in targets.iter().enumerate() {
            let started = Instant::now();
            let answered = drive(*addr, clients, length);
            rates[i].push(answered as f64 / started.elapsed().as_secs_f64());
        }
        eprintln!("stubs: round {round}/{rounds} done");
    }
    let (hyper_rate, stub_rate) = (median(&mut rates[0]), median(&mut rates[1]));
    println!("stubs: keep-alive throughput ({clients} connections, {rounds} rounds of {length:?})");
    println!("  {:<14} {:>12}", "server", "req/s");
    println!("  {:<14} {hyper_rate:>12.0}", targets[0].0);
    println!("  {:<14} {stub_rate:>12.0}", targets[1].0);
    println!(
        "  100 stubs (the match last) vs bare hyper: {:.2}x the requests per second (target >= 0.8x)",
        stub_rate / hyper_rate
    );
    hyper.stop(&runtime);
    drop(stubbed);

    // A pattern a backtracking engine never finishes on this body.
    let mut body = vec![b'a'; 64 * 1024];
    body.push(b'!');
    let mut request = format!(
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let plain = FaultServer::fixture().start().expect("start the fixture");
    let redos = FaultServer::fixture().start().expect("start the fixture");
    redos.mount(Stub::given(body_regex("(a+)+$")).respond_with(Response::status(500)));
    redos.respond_with(Response::ok());
    let samples = 20 * rounds;
    let (without, with) = (
        round_trip(plain.addr(), &request, samples),
        round_trip(redos.addr(), &request, samples),
    );
    println!("stubs: `(a+)+$` against a 64 KiB body ({samples} requests, median round trip)");
    println!(
        "  no stub {:.2} ms; with the regex stub {:.2} ms (target < 50 ms)",
        micros(without) / 1000.0,
        micros(with) / 1000.0
    );
    drop((plain, redos));

    let many = env_or("BENCH_STUBS", 10_000);
    let bare = FaultServer::fixture().start().expect("start the fixture");
    let crowded = FaultServer::fixture().start().expect("start the fixture");
    let region = Region::new(GLOBAL);
    let heap_before = live_heap();
    let started = Instant::now();
    mount_before_the_match(&crowded, many - 1);
    let mounting = started.elapsed();
    // The first request builds the list requests read; counted with the stubs.
    round_trip(crowded.addr(), REQUEST, 1);
    let per_stub = (live_heap() - heap_before) as f64 / many as f64;
    let allocations = region.change().allocations as f64 / many as f64;
    let samples = 200 * rounds;
    let (empty, full) = (
        round_trip(bare.addr(), REQUEST, samples),
        round_trip(crowded.addr(), REQUEST, samples),
    );
    println!("stubs: {many} mounted (the match last), {samples} sequential requests");
    println!(
        "  {per_stub:.0} bytes of live heap and {allocations:.1} allocations per stub; mounting all took {:.1} ms",
        micros(mounting) / 1000.0
    );
    println!(
        "  a request: {:.1} us with no stubs, {:.1} us with {many} ({:.2} us per stub tried)",
        micros(empty),
        micros(full),
        (micros(full) - micros(empty)) / many as f64
    );
}
