//! The proxy for bytes: a [`Link`] between the client and the backend, its two directions pumped
//! independently (`pump`), both following the proxy's behavior while the connection is open.
//!
//! Design note: the two directions are two futures of the connection's task, neither waiting on
//! the other. A task for each would let one connection use both cores for throughput, but every
//! round trip would then cross threads: measured with `cargo bench -p hamms-core --bench proxy`,
//! two tasks made hamms 2.1x the bare relay's throughput but added 1.5x its round-trip time; one
//! task, 1.7x and 0.9x. Many connections still spread over both cores.

use std::sync::Arc;

use rand::RngExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;

use super::link::Link;
use super::pump::{Pump, Side};
use crate::connection::{After, Conn, Served, Stop};
use crate::engine::Stage;
use crate::history::ConnectionEnd;

/// Error answers that may wait for the client's writer.
const ANSWERS: usize = 16;

/// Relays the connection to the backend until both sides closed, a toxic or behavior ends it,
/// or the server stops.
pub(super) async fn serve(conn: &mut Conn) -> Served {
    let shared = Arc::clone(conn.shared());
    // Subscribed before the first draw (see `Link::ring_at_changes`).
    let behavior = shared.subscribe();
    let link = Arc::new(Link::new(Arc::clone(&shared), conn.id(), conn.closings()));
    let draw = link.draw();
    if draw.stages.contains(&Stage::Down) || link.close_if_told() {
        // Accepted as the proxy went down (or was told to close its connections): closed
        // before the backend is called, as the connections already open are.
        return Ok(After::Close);
    }
    let reset_at_once = draw.stages.iter().any(|stage| {
        matches!(stage, Stage::Blackout)
            || matches!(stage, Stage::ResetPeer { timeout, .. } if timeout.is_zero())
    });
    if reset_at_once {
        // A new connection under `blackout` (or a `reset_peer` of 0 ms) is reset at once,
        // before the backend is called.
        return Ok(After::Reset);
    }
    let to = link.proxy().backend();
    let backend = match TcpStream::connect(&to.addr).await {
        Ok(stream) => stream,
        Err(error) => {
            tracing::warn!(backend = %to.addr, %error, "the proxy's backend cannot be reached: closing");
            return Ok(After::Close);
        }
    };
    let _ = backend.set_nodelay(true);
    let Some((leftover, client_read, client_write)) = conn.split_tcp() else {
        return Err(Stop::Ended(ConnectionEnd::Failed(
            "the proxy relays plain TCP only".to_owned(),
        )));
    };
    let (backend_read, backend_write) = backend.into_split();
    let [up_seed, down_seed]: [u64; 2] = shared.random(None, |rng| rng.random());
    let (answers, answered) = mpsc::channel(ANSWERS);
    let upstream = Pump::new(
        Arc::clone(&link),
        Side::Upstream { answers },
        (client_read, backend_write),
        leftover,
        up_seed,
    );
    let downstream = Pump::new(
        Arc::clone(&link),
        Side::Downstream { answers: answered },
        (backend_read, client_write),
        Vec::new(),
        down_seed,
    );
    let _bell_ringer =
        AbortOnDropHandle::new(tokio::spawn(Arc::clone(&link).ring_at_changes(behavior)));
    let ((client_read, backend_write), (backend_read, client_write)) =
        tokio::join!(upstream.run(), downstream.run());
    drop((backend_read, backend_write));
    conn.rejoin_tcp(client_read, client_write);
    Ok(link.ended().map_or(After::Close, After::from))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::thread;

    use crate::{Behavior, FaultServer};

    /// Bytes each way: well past the record's raw cap (16 KiB), so most of them are spliced.
    const BYTES: usize = 8 * 1024 * 1024;

    /// A backend that echoes every connection until the client finishes sending.
    fn echo_backend() -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                thread::spawn(move || {
                    let mut writer = stream.try_clone().expect("clone a socket");
                    let _ = std::io::copy(&mut stream, &mut writer);
                    let _ = writer.shutdown(Shutdown::Write);
                });
            }
        });
        addr
    }

    /// Numbered bytes that no shift, loss or repeat leaves equal to themselves.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn dummy_splices_past_the_raw_cap_and_the_record_counts_and_keeps_bytes_as_a_copy_would() {
        let proxy = FaultServer::proxy(echo_backend().to_string())
            .start()
            .expect("start a proxy");
        let sent = pattern(BYTES);
        let mut stream = TcpStream::connect(proxy.addr()).expect("connect");
        let mut writer = stream.try_clone().expect("clone a socket");
        let sender = thread::spawn({
            let sent = sent.clone();
            move || {
                writer.write_all(&sent).expect("send");
                writer.shutdown(Shutdown::Write).expect("half-close");
            }
        });
        let mut echoed = Vec::with_capacity(BYTES);
        stream.read_to_end(&mut echoed).expect("the echo");
        sender.join().expect("the sender finishes");
        assert!(echoed == sent, "the echoed bytes differ from those sent");

        let spliced = proxy.meter().spliced_bytes();
        assert!(
            spliced > BYTES as u64,
            "only {spliced} bytes spliced of {} each way",
            BYTES
        );
        let history = proxy.history();
        let record = &history.connections()[0];
        assert_eq!(record.received_len, BYTES as u64);
        assert_eq!(record.sent_len, BYTES as u64);
        let cap = crate::history::Limits::default().raw_cap;
        assert_eq!(
            record.received,
            sent[..cap],
            "the first bytes kept, in order"
        );
        assert_eq!(record.sent, sent[..cap]);
    }

    #[test]
    fn bytes_pass_whole_and_in_order_while_the_behavior_switches_between_splicing_and_slicing() {
        /// Echoed bytes each behavior holds for: the reader switches as it reads, so the number
        /// of switches depends on the bytes, not on how a loaded machine schedules threads.
        const STEP: usize = 512 * 1024;
        let proxy = FaultServer::proxy(echo_backend().to_string())
            .start()
            .expect("start a proxy");
        let sent = pattern(BYTES);
        let mut stream = TcpStream::connect(proxy.addr()).expect("connect");
        let mut writer = stream.try_clone().expect("clone a socket");
        let sender = thread::spawn({
            let sent = sent.clone();
            move || {
                writer.write_all(&sent).expect("send");
                writer.shutdown(Shutdown::Write).expect("half-close");
            }
        });
        let slicer = Behavior::proxy("slicer")
            .and_then(|b| b.param("average_size", 1000))
            .expect("a proxy behavior");
        let dummy = Behavior::proxy("dummy").expect("a proxy behavior");
        // The first STEP bytes pass under `dummy` (spliced past the record's raw cap), then
        // `slicer` and `dummy` take turns.
        let mut switches = 0;
        let mut next_switch = STEP;
        let mut echoed = Vec::with_capacity(BYTES);
        let mut buf = vec![0; 64 * 1024];
        loop {
            let read = stream.read(&mut buf).expect("the echo");
            if read == 0 {
                break;
            }
            echoed.extend_from_slice(&buf[..read]);
            while echoed.len() >= next_switch && next_switch < BYTES {
                let next = if switches % 2 == 0 { &slicer } else { &dummy };
                proxy.set_behavior(next.clone());
                switches += 1;
                next_switch += STEP;
            }
        }
        proxy.set_behavior(dummy);
        sender.join().expect("the sender finishes");
        assert!(switches >= 4, "the behavior switched {switches} times");
        assert!(proxy.meter().spliced_bytes() > 0, "some bytes were spliced");
        assert_eq!(echoed.len(), sent.len());
        assert!(echoed == sent, "the echoed bytes differ from those sent");
        let history = proxy.history();
        let record = &history.connections()[0];
        assert_eq!(record.received_len, BYTES as u64);
        assert_eq!(record.sent_len, BYTES as u64);
    }
}
