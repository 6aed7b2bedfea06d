//! Responses cut short or replaced: the connection ends in the middle of the headers, is reset in
//! the middle of the body, or carries garbage where the status line should be.

use rand::Rng;

use crate::connection::{After, BoxFuture, Conn, Served};
use crate::engine::{Configured, Size};
use crate::history::Reply;
use crate::http1::WireResponse;

/// The status line and the headers up to the middle of the last one, then close. The headers
/// that arrive whole promise a body (`Content-Length: 2`): a client that takes the close for the
/// end of the headers, as curl and Python's http.client do, then finds the body missing, so
/// every client reports an error rather than a 200 with an empty body.
pub(crate) fn close_mid_headers<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        conn.read_request_with(configured, &()).await?;
        let head = WireResponse::new(200)
            .header("Content-Length", "2")
            .header("Content-Type", "application/json")
            .head_bytes();
        // Halfway through the last header line; its line end and the blank line never come.
        let last_line_end = head.len() - b"\r\n\r\n".len();
        let last_line_start = head[..last_line_end]
            .windows(2)
            .rposition(|w| w == b"\r\n")
            .map_or(0, |i| i + 2);
        let cut = (last_line_start + last_line_end) / 2;
        conn.send_raw(&head[..cut]).await?;
        Ok(After::Close)
    })
}

/// A 200 promising `size` bytes, the headers and half the body, then a TCP reset.
pub(crate) fn reset_mid_body<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    size: &'a Size,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (_, size) = conn.read_request_with(configured, size).await?;
        let size = size.typed.size;
        let response = WireResponse::new(200)
            .header("Content-Type", "text/plain")
            .body(vec![b'a'; size]);
        conn.set_reply(Reply::of(&response));
        let mut bytes = response.head_bytes();
        bytes.extend_from_slice(&vec![b'a'; size / 2]);
        conn.write(&bytes).await?;
        Ok(After::Reset)
    })
}

/// `size` random bytes (seeded) where the response should be, then close.
pub(crate) fn random_data_then_close<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    size: &'a Size,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (_, size) = conn.read_request_with(configured, size).await?;
        let mut garbage = vec![0; size.typed.size];
        conn.random(size.seed, |rng| rng.fill_bytes(&mut garbage));
        conn.send_raw(&garbage).await?;
        Ok(After::Close)
    })
}
