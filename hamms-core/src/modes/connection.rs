//! Faults below HTTP: hanging, closing with nothing, answering garbage, lying about length.
//!
//! Each "on connect" mode has an "after request" twin in the catalog (offsets 2/3, 4/5): one
//! function serves both, and the entry's `act_on` default ([`ActOn`]) tells them apart.

use crate::connection::{After, BoxFuture, Conn, Served, Stop};
use crate::engine::ActOn;
use crate::http1::WireResponse;

/// What the malformed modes send: not a status line, and no line ending (as Hamms).
const MALFORMED: &[u8] = b"foo bar";

/// The body `content_length_mismatch` sends after promising 3 bytes: 1 MiB of `a`, as Hamms.
const MISMATCH_BODY_LEN: usize = 1024 * 1024;

/// Waits for the first request bytes if the mode acts on the request rather than on connect.
async fn await_trigger(conn: &mut Conn, act_on: ActOn) -> Result<(), Stop> {
    match act_on {
        ActOn::Request => conn.wait_for_first_bytes().await?,
        ActOn::Connect => {}
    }
    Ok(())
}

pub(crate) fn no_response(conn: &mut Conn) -> BoxFuture<'_, Served> {
    Box::pin(async move { Err(Stop::Ended(conn.hold().await)) })
}

/// Closes with 0 bytes.
pub(crate) fn empty(conn: &mut Conn, act_on: ActOn) -> BoxFuture<'_, Served> {
    Box::pin(async move {
        await_trigger(conn, act_on).await?;
        Ok(After::Close)
    })
}

/// Sends `foo bar`, then closes.
pub(crate) fn malformed(conn: &mut Conn, act_on: ActOn) -> BoxFuture<'_, Served> {
    Box::pin(async move {
        await_trigger(conn, act_on).await?;
        conn.send_raw(MALFORMED).await?;
        Ok(After::Close)
    })
}

/// Resets the connection (TCP RST) once the request has arrived: a complete HTTP request, or
/// as soon as the bytes show they are not one.
pub(crate) fn reset(conn: &mut Conn) -> BoxFuture<'_, Served> {
    Box::pin(async move {
        conn.wait_for_request_or_garbage().await?;
        Ok(After::Reset)
    })
}

/// A 200 promising 3 bytes of body, keep-alive, then a megabyte of `a`: a client reads a valid
/// 3-byte body, and the next response it reads on that connection is garbage. Writes on connect
/// by default, as Hamms.
pub(crate) fn content_length_mismatch(conn: &mut Conn, act_on: ActOn) -> BoxFuture<'_, Served> {
    Box::pin(async move {
        await_trigger(conn, act_on).await?;
        let response = WireResponse::new(200)
            .header("Content-Type", "text/plain")
            .header("Content-Length", "3")
            .header("Connection", "keep-alive")
            .body(vec![b'a'; MISMATCH_BODY_LEN]);
        conn.send_unprompted(&response).await?;
        Ok(After::Close)
    })
}
