//! A behavior change reaches connections already open: pooled clients (an HTTP keep-alive
//! connection, a relayed TCP connection) meet every fault at their next read or request, and
//! pass through again once it is removed, with no byte lost, reordered or duplicated on the way;
//! a change that closes connections closes them however soon it is undone. The same on a Redis
//! client's connection is the second tier's (`peers/redis_live.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hamms_integration_tests::{
    End, Raw, Received, echo, echo_through, get, pattern, proxy_behavior as behavior, tcp_backend,
};
use hamms_test::{Behavior, FaultServer, Protocol, Response};

/// A read expecting bytes returns when they arrive; this only bounds a failure.
const PATIENCE: Duration = Duration::from_secs(5);

fn dummy() -> Behavior {
    Behavior::proxy("dummy").unwrap()
}

mod http {
    use super::*;

    /// A fixture backend and an http proxy, with a keep-alive connection through it opened (and
    /// used) before any change.
    fn keep_alive() -> (FaultServer, FaultServer, Raw) {
        let backend = FaultServer::fixture().start().unwrap();
        backend.respond_with(Response::ok().text("from the backend"));
        let proxy = FaultServer::proxy(backend.addr().to_string())
            .protocol(Protocol::Http)
            .seed(7)
            .start()
            .unwrap();
        let mut raw = Raw::connect(proxy.addr());
        let first = raw.send(&get("/first")).read_response(PATIENCE);
        assert!(
            first.text().ends_with("from the backend"),
            "{}",
            first.text()
        );
        (backend, proxy, raw)
    }

    fn request(raw: &mut Raw, path: &str) -> (Received, Duration) {
        let started = Instant::now();
        let received = raw.send(&get(path)).read_response(PATIENCE);
        (received, started.elapsed())
    }

    #[test]
    fn toxics_reach_the_next_request_of_a_keep_alive_connection() {
        let (_backend, proxy, mut raw) = keep_alive();
        proxy.set_behavior(behavior("latency", &[("latency", "300")]));
        let (received, took) = request(&mut raw, "/slow");
        assert!(received.text().ends_with("from the backend"));
        assert!(took >= Duration::from_millis(300), "{took:?}");

        proxy.set_behavior(behavior("bandwidth", &[("rate", "1")]));
        let (received, took) = request(&mut raw, "/paced");
        assert!(received.text().ends_with("from the backend"));
        // About 120 bytes at 1000 bytes/s.
        assert!(took >= Duration::from_millis(80), "{took:?}");

        proxy.set_behavior(behavior(
            "slicer",
            &[("average_size", "20"), ("delay", "10000")],
        ));
        let (received, took) = request(&mut raw, "/sliced");
        assert!(received.text().ends_with("from the backend"));
        // Timed from the send, which a reader that wakes late can only lengthen.
        assert!(took >= Duration::from_millis(30), "{took:?}");

        proxy.set_behavior(behavior("limit_data", &[("bytes", "20")]));
        let (received, _) = request(&mut raw, "/limited");
        assert_eq!(received.bytes.len(), 20, "{}", received.text());
        assert_eq!(received.end, End::Eof);
    }

    #[test]
    fn timers_and_vaurien_behaviors_reach_the_next_request_of_a_keep_alive_connection() {
        // (behavior, options, whether the answer passes before the end, how it ends)
        for (name, options, answered, expect) in [
            ("timeout", &[("timeout", "100")][..], false, End::Eof),
            ("reset_peer", &[("timeout", "100")], true, End::Reset),
            ("blackout", &[], false, End::Reset),
            ("hang", &[], false, End::Idle),
        ] {
            let (_backend, proxy, mut raw) = keep_alive();
            proxy.set_behavior(behavior(name, options));
            let received = raw.send(&get("/next")).read_all(Duration::from_millis(700));
            assert_eq!(
                received.text().ends_with("from the backend"),
                answered,
                "{name}: {}",
                received.text()
            );
            assert_eq!(received.end, expect, "{name}");
        }

        let (_backend, proxy, mut raw) = keep_alive();
        proxy.set_behavior(behavior("delay", &[("sleep", "0.2")]));
        let (received, took) = request(&mut raw, "/delayed");
        assert!(received.text().ends_with("from the backend"));
        assert!(took >= Duration::from_millis(200), "{took:?}");
        proxy.set_behavior(behavior("error", &[]));
        let (received, _) = request(&mut raw, "/error");
        let status: u16 = received.text()[9..12].parse().unwrap();
        assert!((500..=503).contains(&status), "{}", received.text());
    }

    #[test]
    fn down_closes_an_idle_keep_alive_connection() {
        let (_backend, proxy, mut raw) = keep_alive();
        proxy.set_behavior(behavior("down", &[]));
        let received = raw.read_all(PATIENCE);
        assert_eq!(received.end, End::Eof);
    }
}

mod closing {
    use super::*;

    /// Connections through a tcp proxy to an echo, each used once (its relay has started).
    fn open_through(proxy: &FaultServer, count: usize) -> Vec<Raw> {
        (0..count)
            .map(|_| {
                let mut raw = Raw::connect(proxy.addr());
                let echoed = raw.send(b"x").read_up_to(1, PATIENCE);
                assert_eq!(echoed.bytes, b"x");
                raw
            })
            .collect()
    }

    #[track_caller]
    fn assert_closed(mut raws: Vec<Raw>) {
        for (i, raw) in raws.iter_mut().enumerate() {
            let received = raw.read_all(PATIENCE);
            assert!(
                received.bytes.is_empty() && matches!(received.end, End::Eof | End::Reset),
                "connection {i} must be closed, read {received:?}"
            );
        }
    }

    #[test]
    fn a_down_undone_at_once_still_closes_every_connection_open_before_it() {
        let proxy = FaultServer::proxy(tcp_backend(echo).to_string())
            .start()
            .unwrap();
        for _ in 0..5 {
            let open = open_through(&proxy, 8);
            // Quicker than any relay can look: the change is undone before one could see it.
            proxy.set_behavior(behavior("down", &[]));
            proxy.set_behavior(dummy());
            assert_closed(open);
        }
        // Those opened after it pass.
        let mut after = Raw::connect(proxy.addr());
        assert_eq!(after.send(b"y").read_up_to(1, PATIENCE).bytes, b"y");
    }

    /// The relay of an idle connection waits on its sockets, not on the change: the change must
    /// wake it, or the toxic's clock never starts.
    #[test]
    fn a_timeout_set_while_a_tcp_connection_is_idle_closes_it_that_long_after_the_change() {
        let proxy = FaultServer::proxy(tcp_backend(echo).to_string())
            .start()
            .unwrap();
        let mut open = open_through(&proxy, 1);
        let changed = Instant::now();
        proxy.set_behavior(behavior("timeout", &[("timeout", "200")]));
        let received = open[0].read_all(PATIENCE);
        assert!(received.bytes.is_empty(), "{received:?}");
        assert_eq!(received.end, End::Eof);
        let after = received.ended_at - changed;
        assert!(
            after >= Duration::from_millis(200) && after < PATIENCE,
            "closed {after:?} after the change"
        );
    }

    #[test]
    fn a_down_undone_at_once_still_closes_an_idle_keep_alive_connection_of_an_http_proxy() {
        let backend = FaultServer::fixture().start().unwrap();
        let proxy = FaultServer::proxy(backend.addr().to_string())
            .protocol(Protocol::Http)
            .start()
            .unwrap();
        for _ in 0..5 {
            let mut raw = Raw::connect(proxy.addr());
            let answer = raw.send(&get("/")).read_response(PATIENCE);
            assert!(
                answer.text().starts_with("HTTP/1.1 200"),
                "{}",
                answer.text()
            );
            proxy.set_behavior(behavior("down", &[]));
            proxy.set_behavior(dummy());
            assert_closed(vec![raw]);
        }
    }
}

mod integrity {
    use super::*;

    /// Every other behavior is `dummy`, so each switch crosses between the kernel's pass-through
    /// (splice, on Linux, once the connection's record has the first bytes it keeps) and a
    /// toxic that shapes the bytes in memory, in one direction or both.
    #[test]
    fn sixty_four_mib_each_way_arrive_intact_while_the_behavior_switches_every_50_ms() {
        let proxy = Arc::new(
            FaultServer::proxy(tcp_backend(echo).to_string())
                .seed(7)
                .start()
                .unwrap(),
        );
        let behaviors = [
            dummy(),
            behavior("latency", &[("latency", "5"), ("direction", "upstream")]),
            dummy(),
            behavior("latency", &[("latency", "3")]),
            dummy(),
            behavior(
                "slicer",
                &[("average_size", "4096"), ("size_variation", "1024")],
            ),
            dummy(),
            behavior("bandwidth", &[("rate", "200000")]),
            dummy(),
            behavior("latency+bandwidth", &[("latency", "2"), ("rate", "300000")]),
        ];
        let done = Arc::new(AtomicBool::new(false));
        let switcher = std::thread::spawn({
            let (proxy, done) = (Arc::clone(&proxy), Arc::clone(&done));
            move || {
                let mut switches = 0;
                for next in behaviors.iter().cycle() {
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    proxy.set_behavior(next.clone());
                    switches += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                proxy.set_behavior(dummy());
                switches
            }
        });
        let sent = pattern(0x5eed, 64 * 1024 * 1024);
        // Sent with a half-close at the end: the echo must still arrive whole after it.
        let echoed = echo_through(proxy.addr(), &sent, Duration::from_secs(30));
        done.store(true, Ordering::Relaxed);
        let switches = switcher.join().unwrap();
        assert!(switches >= 3, "the behavior switched {switches} times");
        assert_eq!(echoed.len(), sent.len());
        assert!(echoed == sent, "the echoed bytes differ from those sent");
        // The record counts every byte each way, spliced or not, and keeps the first ones.
        let history = proxy.history();
        let connection = &history.connections()[0];
        assert_eq!(connection.received_len, sent.len() as u64);
        assert_eq!(connection.sent_len, sent.len() as u64);
        assert!(!connection.received.is_empty());
        assert!(sent.starts_with(&connection.received));
        assert!(sent.starts_with(&connection.sent));
    }
}
