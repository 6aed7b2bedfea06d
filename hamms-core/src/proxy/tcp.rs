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
    let ((client_read, backend_write), (backend_read, client_write)) =
        tokio::join!(upstream.run(), downstream.run());
    drop((backend_read, backend_write));
    conn.rejoin_tcp(client_read, client_write);
    Ok(link.ended().map_or(After::Close, After::from))
}
