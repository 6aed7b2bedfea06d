//! Faults below HTTP: hanging, closing with nothing, answering garbage, lying about length on connect.

use crate::http1::Response;
use crate::params::Params;
use crate::server::{After, BoxFuture, Conn, Served, Stop};

/// What the malformed modes send: not a status line, and no line ending (as Hamms).
const MALFORMED: &[u8] = b"foo bar";

/// The body `content_length_mismatch` sends after promising 3 bytes: 1 MiB of `a`, as Hamms.
const MISMATCH_BODY_LEN: usize = 1024 * 1024;

pub(crate) fn no_response<'a>(conn: &'a mut Conn, _: &'a Params) -> BoxFuture<'a, Served> {
    Box::pin(async move { Err(Stop::Ended(conn.hold().await)) })
}

pub(crate) fn empty_on_connect<'a>(_: &'a mut Conn, _: &'a Params) -> BoxFuture<'a, Served> {
    Box::pin(async { Ok(After::Close) })
}

pub(crate) fn empty_after_request<'a>(conn: &'a mut Conn, _: &'a Params) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        conn.read_first_bytes().await?;
        Ok(After::Close)
    })
}

pub(crate) fn malformed_on_connect<'a>(conn: &'a mut Conn, _: &'a Params) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        conn.send_raw(MALFORMED).await?;
        Ok(After::Close)
    })
}

pub(crate) fn malformed_after_request<'a>(
    conn: &'a mut Conn,
    _: &'a Params,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        conn.read_first_bytes().await?;
        conn.send_raw(MALFORMED).await?;
        Ok(After::Close)
    })
}

/// Writes on connect (before reading, as Hamms) or, with `send_on=request`, once the first
/// request bytes arrive: a client reading a response sees a valid 3-byte body, and the next
/// response it reads on that keep-alive connection is a megabyte of `a`.
pub(crate) fn content_length_mismatch<'a>(
    conn: &'a mut Conn,
    params: &'a Params,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        if params.text("send_on") == "request" {
            conn.read_first_bytes().await?;
        }
        let response = Response::new(200)
            .header("Content-Type", "text/plain")
            .header("Content-Length", "3")
            .header("Connection", "keep-alive")
            .body(vec![b'a'; MISMATCH_BODY_LEN]);
        let mut bytes = response.head_bytes();
        bytes.extend_from_slice(response.body_bytes());
        conn.write(&bytes).await?;
        Ok(After::Close)
    })
}
