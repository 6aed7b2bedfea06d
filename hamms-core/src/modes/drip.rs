//! A valid response, one byte per interval.

use tokio::time::Instant;

use crate::connection::{After, BoxFuture, Conn, Served};
use crate::engine::{Configured, SlowDrip};
use crate::history::Reply;
use crate::http1::WireResponse;

/// After the request: `HTTP/1.1 204 No Content` with a `Server` header (46 bytes, as Hamms), one
/// byte per `interval_ms`, the first after one interval; the connection closes one interval after
/// the last byte, as in Hamms.
pub(crate) fn slow_drip<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    drip: &'a SlowDrip,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (_, drip) = conn.read_request_with(configured, drip).await?;
        // Boxed: the drip's timer is room a connection needs only once its request has come.
        Box::pin(one_byte_at_a_time(conn, drip.typed.interval)).await
    })
}

/// The 204's bytes, one per `interval`, then the close one interval after the last.
async fn one_byte_at_a_time(conn: &mut Conn, interval: std::time::Duration) -> Served {
    let response = WireResponse::new(204);
    conn.set_reply(Reply::of(&response));
    // Deadlines from one start, not sleeps in a row: a busy machine delays a byte, never the
    // whole schedule.
    let mut deadline = Instant::now();
    for byte in response.head_bytes() {
        deadline += interval;
        conn.pause_until(deadline).await?;
        conn.write(&[byte]).await?;
    }
    conn.pause_until(deadline + interval).await?;
    Ok(After::Close)
}
