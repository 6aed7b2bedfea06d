//! A Toxiproxy client from crates.io (`toxiproxy_rust`) drives an in-process hamms control API
//! as it drives `toxiproxy-server`: a proxy created on port 0 in front of a real Redis, each
//! toxic seen on a Redis connection opened before the toxic was added, then removed, the proxy
//! disabled and enabled, reset, and populated again.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hamms_integration_tests::{Raw, Redis, Resp};
use hamms_test::control::ControlServer;
use toxiproxy_rust::client::Client;
use toxiproxy_rust::proxy::{Proxy, ProxyPack};
use toxiproxy_rust::toxic::ToxicPack;

/// Longer than the other tiers' patience: toxics add seconds on purpose here.
const PATIENCE: Duration = Duration::from_secs(10);

/// Redis, a control API with a proxy named `redis` in front of it (created by the client's
/// `populate` on port 0), the client, and the proxy's address.
struct Setup {
    redis: Redis,
    control: ControlServer,
    client: Client,
    listen: SocketAddr,
}

fn setup() -> Setup {
    let redis = Redis::start();
    let control = ControlServer::builder().seed(7).start().unwrap();
    let client = Client::new(control.addr());
    assert!(client.is_running());
    let pack = ProxyPack::new("redis".into(), "127.0.0.1:0".into(), redis.addr.to_string());
    let created = client.populate(vec![pack]).unwrap();
    assert_eq!(created.len(), 1);
    // The port the proxy bound, reported back as Toxiproxy does.
    let listen: SocketAddr = created[0].proxy_pack.listen.parse().unwrap();
    assert_ne!(listen.port(), 0);
    Setup {
        redis,
        control,
        client,
        listen,
    }
}

impl Setup {
    fn proxy(&self) -> Proxy {
        self.client.find_proxy("redis").unwrap()
    }

    /// A Redis connection through the proxy, proven to work.
    fn connect(&self) -> Resp {
        let mut resp = Resp::connect_with_timeout(self.listen, PATIENCE).unwrap();
        assert_eq!(resp.command(&["PING"]).unwrap(), "+PONG");
        resp
    }
}

/// How long `command` takes on `resp`, with its reply.
fn timed(resp: &mut Resp, command: &[&str]) -> (String, Duration) {
    let started = Instant::now();
    let reply = resp.command(command).unwrap();
    (reply, started.elapsed())
}

#[test]
fn latency_and_bandwidth_reach_a_redis_connection_opened_before_them_and_leave_with_them() {
    let setup = setup();
    let proxy = setup.proxy();
    let mut open = setup.connect();
    assert_eq!(
        open.command(&["SET", "big", &"v".repeat(20_000)]).unwrap(),
        "+OK"
    );

    proxy.with_latency("downstream".into(), 600, 0, 1.0);
    let (reply, took) = timed(&mut open, &["PING"]);
    assert_eq!(reply, "+PONG");
    assert!(took >= Duration::from_millis(550), "{took:?}");
    let toxics = proxy.toxics().unwrap();
    assert_eq!(toxics.len(), 1);
    assert_eq!(
        (toxics[0].name.as_str(), toxics[0].r#type.as_str()),
        ("latency_downstream", "latency")
    );
    assert_eq!(toxics[0].attributes["latency"], 600);
    proxy.delete_all_toxics().unwrap();
    let (_, took) = timed(&mut open, &["PING"]);
    assert!(
        took < Duration::from_millis(550),
        "the latency left: {took:?}"
    );

    // 20 KB/s for a 20 000-byte answer: about a second.
    proxy.with_bandwidth("downstream".into(), 20, 1.0);
    let (reply, took) = timed(&mut open, &["GET", "big"]);
    assert_eq!(reply.len(), 20_000);
    assert!(took >= Duration::from_millis(800), "{took:?}");
    proxy.delete_all_toxics().unwrap();
    let (_, took) = timed(&mut open, &["GET", "big"]);
    assert!(
        took < Duration::from_millis(800),
        "the bandwidth left: {took:?}"
    );
    assert!(proxy.toxics().unwrap().is_empty());
}

#[test]
fn the_slicer_cuts_an_open_connections_answer_into_timed_pieces() {
    let setup = setup();
    let proxy = setup.proxy();
    setup
        .connect()
        .command(&["SET", "k", &"s".repeat(1000)])
        .unwrap();
    let mut raw = Raw::connect(setup.listen);
    let get = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    raw.send(get);
    let whole = raw.read_up_to(1000 + 9, PATIENCE);
    assert_eq!(whole.bytes.len(), 1009);

    // 100-byte pieces, 20 ms apart: the answer arrives in about ten pieces over ~180 ms.
    proxy.with_slicer("downstream".into(), 100, 0, 20_000, 1.0);
    // Timed from the send: a reader that wakes late can only lengthen it, never shorten it.
    let sent = Instant::now();
    raw.send(get);
    let sliced = raw.read_up_to(1009, PATIENCE);
    assert_eq!(sliced.bytes, whole.bytes);
    let spread = sliced.ended_at - sent;
    assert!(spread >= Duration::from_millis(150), "{spread:?}");
    let mut moments = sliced.arrivals.clone();
    moments.dedup();
    assert!(moments.len() >= 5, "{} reads", moments.len());
}

#[test]
fn timeout_reset_peer_and_limit_data_end_redis_connections_opened_before_them() {
    let setup = setup();
    let proxy = setup.proxy();

    // timeout: the reply is swallowed and the connection closed after 200 ms.
    let mut open = setup.connect();
    // Timed from before the toxic is set: its clock starts at the change, so this can only be
    // longer than the timeout.
    let started = Instant::now();
    proxy.with_timeout("downstream".into(), 200, 1.0);
    let error = open.command(&["PING"]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnexpectedEof, "{error}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    proxy.delete_all_toxics().unwrap();

    // reset_peer: toxiproxy_rust has no method for it, so the test posts the crate's own toxic
    // type, as the crate posts the others. A timeout of 0 resets open connections at once.
    let mut open = setup.connect();
    let reset = ToxicPack {
        name: "reset_peer_downstream".into(),
        r#type: "reset_peer".into(),
        stream: "downstream".into(),
        toxicity: 1.0,
        attributes: [("timeout".to_owned(), 0)].into(),
    };
    let response = reqwest::blocking::Client::new()
        .post(format!(
            "http://{}/proxies/redis/toxics",
            setup.control.addr()
        ))
        .body(serde_json::to_string(&reset).unwrap())
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let error = open.command(&["PING"]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
    assert_eq!(proxy.toxics().unwrap()[0].r#type, "reset_peer");
    proxy.delete_all_toxics().unwrap();

    // limit_data: 10 bytes from the change, then the connection closes.
    let mut open = setup.connect();
    proxy.with_limit_data("downstream".into(), 10, 1.0);
    assert_eq!(open.command(&["PING"]).unwrap(), "+PONG");
    assert_eq!(open.command(&["PING"]).unwrap(), "+PO", "3 bytes left");
    assert!(open.command(&["PING"]).is_err());
    proxy.delete_all_toxics().unwrap();
    setup.connect();
}

#[test]
fn disabling_refuses_and_closes_connections_and_enabling_restores_the_proxy() {
    let setup = setup();
    let proxy = setup.proxy();
    let mut open = setup.connect();
    proxy
        .with_down(|| {
            let refused = std::net::TcpStream::connect(setup.listen).unwrap_err();
            assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
            assert!(open.command(&["PING"]).is_err(), "open connections close");
            assert!(!setup.client.find_proxy("redis").unwrap().proxy_pack.enabled);
        })
        .unwrap();
    assert!(setup.client.find_proxy("redis").unwrap().proxy_pack.enabled);
    setup.connect();
}

#[test]
fn reset_removes_every_toxic_and_enables_every_proxy() {
    let setup = setup();
    let proxy = setup.proxy();
    proxy.with_latency("upstream".into(), 50, 0, 1.0);
    proxy.with_latency("downstream".into(), 50, 0, 0.5);
    proxy.disable().unwrap();
    let listed = setup.client.all().unwrap();
    let toxics = &listed["redis"].proxy_pack.toxics;
    let names: Vec<&str> = toxics.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["latency_upstream", "latency_downstream"]);
    assert_eq!(
        (toxics[1].stream.as_str(), toxics[1].toxicity),
        ("downstream", 0.5)
    );

    setup.client.reset().unwrap();
    let after = setup.client.find_proxy("redis").unwrap().proxy_pack;
    assert!(after.enabled);
    assert!(after.toxics.is_empty());
    setup.connect();
    assert!(setup.client.version().unwrap().contains("\"version\""));
}

#[test]
fn populate_keeps_an_unchanged_proxy_and_replaces_one_whose_upstream_changed() {
    let setup = setup();
    let proxy = setup.proxy();
    proxy.with_latency("downstream".into(), 1, 0, 1.0);
    let same = ProxyPack::new(
        "redis".into(),
        "127.0.0.1:0".into(),
        setup.redis.addr.to_string(),
    );
    let kept = setup.client.populate(vec![same]).unwrap();
    assert_eq!(kept[0].proxy_pack.listen, setup.listen.to_string());
    assert_eq!(kept[0].proxy_pack.toxics.len(), 1, "toxics kept");

    let mut before = setup.connect();
    before.command(&["PING"]).unwrap();
    let other = Redis::start();
    let moved = ProxyPack::new("redis".into(), "127.0.0.1:0".into(), other.addr.to_string());
    let replaced = setup.client.populate(vec![moved]).unwrap();
    let pack = &replaced[0].proxy_pack;
    assert_eq!(pack.upstream, other.addr.to_string());
    assert!(pack.toxics.is_empty());
    // The old proxy's port is closed once the answer came; the new one relays to the other Redis.
    let listen: SocketAddr = pack.listen.parse().unwrap();
    let mut resp = Resp::connect(listen).unwrap();
    resp.command(&["SET", "where", "other"]).unwrap();
    let mut direct = Resp::connect(other.addr).unwrap();
    assert_eq!(direct.command(&["GET", "where"]).unwrap(), "other");
    // A connection to the old upstream, opened before, is closed (whether the proxy kept its
    // port or moved): checked on the connection, not the port, which another test may take.
    assert!(before.command(&["PING"]).is_err());
}
