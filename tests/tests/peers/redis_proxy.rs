//! Redis through the chaos proxy: each Vaurien behavior as a Redis client meets it.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use hamms_integration_tests::{Raw, Redis, Resp, proxy_behavior as behavior};
use hamms_test::FaultServer;

use super::PATIENCE;

fn proxy_to(redis: &Redis) -> FaultServer {
    FaultServer::proxy(redis.addr.to_string())
        .seed(7)
        .start()
        .expect("start the proxy")
}

#[test]
fn redis_through_the_proxy_meets_each_behavior_then_recovers() {
    let redis = Redis::start();
    let proxy = proxy_to(&redis);

    let mut client = Resp::connect(proxy.addr()).unwrap();
    assert_eq!(client.command(&["PING"]).unwrap(), "+PONG");
    assert_eq!(client.command(&["SET", "k", "v"]).unwrap(), "+OK");
    assert_eq!(client.command(&["GET", "k"]).unwrap(), "v");

    proxy.with_behavior_blocking(behavior("blackout", &[]), || {
        let error = Resp::connect(proxy.addr())
            .and_then(|mut c| c.command(&["PING"]))
            .unwrap_err();
        assert!(
            matches!(
                error.kind(),
                ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof
            ),
            "{error:?}"
        );
    });

    proxy.with_behavior_blocking(behavior("delay", &[("sleep", "0.2")]), || {
        let mut client = Resp::connect(proxy.addr()).unwrap();
        let started = Instant::now();
        assert_eq!(client.command(&["GET", "k"]).unwrap(), "v");
        assert!(
            started.elapsed() >= Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
    });

    proxy.with_behavior_blocking(behavior("hang", &[]), || {
        let mut client =
            Resp::connect_with_timeout(proxy.addr(), Duration::from_millis(300)).unwrap();
        let error = client.command(&["GET", "k"]).unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{error:?}"
        );
    });

    // Back to dummy: a new connection works, nothing restarted.
    let mut client = Resp::connect(proxy.addr()).unwrap();
    assert_eq!(client.command(&["GET", "k"]).unwrap(), "v");
}

#[test]
fn error_answers_a_redis_client_with_bytes_that_are_not_redis() {
    let redis = Redis::start();
    let proxy = proxy_to(&redis);
    proxy.set_behavior(behavior("error", &[]));
    // A RESP client would wait for a line end that never comes; read the bytes themselves.
    let answer = Raw::connect(proxy.addr())
        .send(b"*1\r\n$4\r\nPING\r\n")
        .read_up_to(16, PATIENCE);
    assert_eq!(answer.bytes.len(), 16, "{answer:?}");
    assert!(!answer.bytes.starts_with(b"+PONG"), "{answer:?}");
}
