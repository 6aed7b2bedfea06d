//! A behavior change reaches the connection a Redis client already holds through the proxy
//! (moved here from `proxy_live.rs`, where the same semantics are checked against hamms' own
//! backends): every toxic and Vaurien behavior at the connection's next read, and
//! pass-through again once removed.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hamms_integration_tests::{End, Raw, Received, Redis, proxy_behavior as behavior};
use hamms_test::{Behavior, FaultServer};

use super::PATIENCE;

fn dummy() -> Behavior {
    Behavior::proxy("dummy").unwrap()
}

/// A RESP command.
fn resp(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len());
    for arg in args {
        out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    out.into_bytes()
}

/// Sends a command and reads its reply (until `ends`, EOF, reset, or a second of silence),
/// with how long it took.
fn call(raw: &mut Raw, args: &[&str], ends: &[u8]) -> (Received, Duration) {
    let started = Instant::now();
    raw.send(&resp(args));
    let received = raw.read_until(PATIENCE, |bytes| bytes.ends_with(ends));
    (received, started.elapsed())
}

/// Sends a command and reads `len` bytes of reply (or until EOF, reset, or silence).
fn call_for(raw: &mut Raw, args: &[&str], len: usize) -> (Received, Duration) {
    let started = Instant::now();
    raw.send(&resp(args));
    let received = raw.read_until(PATIENCE, |bytes| bytes.len() >= len);
    (received, started.elapsed())
}

fn ping(raw: &mut Raw) -> (Received, Duration) {
    call(raw, &["PING"], b"+PONG\r\n")
}

/// The quickest of three PINGs: proves a toxic is gone without betting on one scheduling slot.
fn quickest_ping(raw: &mut Raw) -> Duration {
    (0..3)
        .map(|_| {
            let (received, took) = ping(raw);
            assert_eq!(received.bytes, b"+PONG\r\n", "{}", received.text());
            took
        })
        .min()
        .unwrap()
}

/// A Redis behind a proxy, with a connection through it opened (and used) before any change.
struct Pooled {
    _redis: Redis,
    proxy: FaultServer,
    raw: Raw,
}

fn pooled() -> Pooled {
    let redis = Redis::start();
    let proxy = FaultServer::proxy(redis.addr.to_string())
        .seed(7)
        .start()
        .unwrap();
    let mut raw = Raw::connect(proxy.addr());
    let (received, _) = ping(&mut raw);
    assert_eq!(received.bytes, b"+PONG\r\n", "{}", received.text());
    Pooled {
        _redis: redis,
        proxy,
        raw,
    }
}

#[test]
fn latency_reaches_an_open_connection_and_leaves_it_when_removed() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    proxy.set_behavior(behavior("latency", &[("latency", "300")]));
    let (received, took) = ping(&mut raw);
    assert_eq!(received.bytes, b"+PONG\r\n");
    assert!(took >= Duration::from_millis(300), "{took:?}");
    proxy.set_behavior(dummy());
    let quickest = quickest_ping(&mut raw);
    assert!(quickest < Duration::from_millis(50), "{quickest:?}");
}

#[test]
fn bandwidth_and_slicer_pace_an_open_connection_from_the_change() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    let big = "v".repeat(50_000);
    let small = "s".repeat(100);
    assert_eq!(
        call(&mut raw, &["SET", "big", &big], b"+OK\r\n").0.bytes,
        b"+OK\r\n"
    );
    assert_eq!(
        call(&mut raw, &["SET", "small", &small], b"+OK\r\n")
            .0
            .bytes,
        b"+OK\r\n"
    );
    // `$50000\r\n`, the value, `\r\n`; `$100\r\n`, the value, `\r\n`.
    let (big_reply, small_reply) = (8 + 50_000 + 2, 6 + 100 + 2);

    proxy.set_behavior(behavior("bandwidth", &[("rate", "50")]));
    let (got, took) = call_for(&mut raw, &["GET", "big"], big_reply);
    assert_eq!(got.bytes.len(), big_reply);
    // 50 KB at 50 KB/s: about a second.
    assert!(took >= Duration::from_millis(700), "{took:?}");

    proxy.set_behavior(behavior(
        "slicer",
        &[("average_size", "10"), ("delay", "20000")],
    ));
    let (got, took) = call_for(&mut raw, &["GET", "small"], small_reply);
    assert_eq!(got.bytes.len(), small_reply);
    // 11 pieces of 10 bytes, 20 ms apart; timed from the send, which a reader that wakes
    // late can only lengthen.
    assert!(took >= Duration::from_millis(150), "{took:?}");

    proxy.set_behavior(dummy());
    let (got, took) = call_for(&mut raw, &["GET", "big"], big_reply);
    assert_eq!(got.bytes.len(), big_reply);
    assert!(took < Duration::from_millis(700), "{took:?}");
}

#[test]
fn limit_data_counts_from_the_change_and_then_closes() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    proxy.set_behavior(behavior("limit_data", &[("bytes", "10")]));
    let (first, _) = ping(&mut raw);
    assert_eq!(first.bytes, b"+PONG\r\n", "7 of the 10 bytes");
    let (second, _) = ping(&mut raw);
    assert_eq!(second.bytes, b"+PO", "the last 3 bytes, then the close");
    assert_eq!(second.end, End::Eof);
}

#[test]
fn timeout_starts_its_clock_at_the_change_and_closes_an_open_connection() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    let changed = Instant::now();
    proxy.set_behavior(behavior("timeout", &[("timeout", "200")]));
    let (received, _) = ping(&mut raw);
    assert!(received.bytes.is_empty(), "{}", received.text());
    assert_eq!(received.end, End::Eof);
    assert!(received.ended_at - changed >= Duration::from_millis(200));
}

#[test]
fn reset_peer_resets_an_idle_open_connection_after_its_timeout() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    let changed = Instant::now();
    proxy.set_behavior(behavior("reset_peer", &[("timeout", "100")]));
    let received = raw.read_all(PATIENCE);
    assert_eq!(received.end, End::Reset, "{}", received.text());
    assert!(received.ended_at - changed >= Duration::from_millis(100));
}

#[test]
fn vaurien_behaviors_act_on_the_next_call_of_an_open_connection() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    proxy.set_behavior(behavior("delay", &[("sleep", "0.2")]));
    let (received, took) = ping(&mut raw);
    assert_eq!(received.bytes, b"+PONG\r\n");
    assert!(took >= Duration::from_millis(200), "{took:?}");

    proxy.set_behavior(behavior("error", &[]));
    raw.send(&resp(&["PING"]));
    let garbage = raw.read_up_to(16, PATIENCE);
    assert_eq!(garbage.bytes.len(), 16, "{garbage:?}");
    assert!(!garbage.bytes.starts_with(b"+PONG"));

    proxy.set_behavior(behavior("hang", &[]));
    raw.send(&resp(&["PING"]));
    let silence = raw.read_all(Duration::from_millis(300));
    assert!(silence.bytes.is_empty(), "{}", silence.text());
    assert_eq!(silence.end, End::Idle);

    proxy.set_behavior(behavior("blackout", &[]));
    raw.send(&resp(&["PING"]));
    assert_eq!(raw.read_all(PATIENCE).end, End::Reset);
}

#[test]
fn down_closes_open_connections_and_refuses_new_ones() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    proxy.set_behavior(behavior("down", &[]));
    let received = raw.read_all(PATIENCE);
    assert_eq!(received.end, End::Eof, "{}", received.text());
    let refused = TcpStream::connect(proxy.addr()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    proxy.set_behavior(dummy());
    let mut fresh = Raw::connect(proxy.addr());
    assert_eq!(ping(&mut fresh).0.bytes, b"+PONG\r\n");
}

#[test]
fn with_behavior_around_a_pooled_client_restores_pass_through_after_the_block() {
    let Pooled {
        _redis,
        proxy,
        mut raw,
        ..
    } = pooled();
    proxy.with_behavior_blocking(behavior("latency", &[("latency", "200")]), || {
        let (received, took) = ping(&mut raw);
        assert_eq!(received.bytes, b"+PONG\r\n");
        assert!(took >= Duration::from_millis(200), "{took:?}");
    });
    let quickest = quickest_ping(&mut raw);
    assert!(quickest < Duration::from_millis(50), "{quickest:?}");
    assert_eq!(
        proxy.history().connections().len(),
        1,
        "one pooled connection"
    );
}
