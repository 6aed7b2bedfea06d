//! Responses cut short or replaced: the connection ends in the middle of the headers, is reset in
//! the middle of the body, or carries garbage where the status line should be.

use rand::Rng;

use crate::connection::{After, BoxFuture, Conn, Served};
use crate::history::Reply;
use crate::http1::Response;
use crate::params::Params;

/// The status line, the first header and half of the second, then close.
pub(crate) fn close_mid_headers<'a>(
    conn: &'a mut Conn,
    params: &'a Params,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        conn.read_request_with(params).await?;
        let head = Response::new(200)
            .header("Content-Type", "application/json")
            .header("Content-Length", "2")
            .head_bytes();
        // Past the status line and the Server header, halfway through Content-Type.
        let lines_end: Vec<usize> = head
            .windows(2)
            .enumerate()
            .filter(|(_, w)| *w == b"\r\n")
            .map(|(i, _)| i + 2)
            .collect();
        let cut = (lines_end[1] + lines_end[2]) / 2;
        conn.send_raw(&head[..cut]).await?;
        Ok(After::Close)
    })
}

/// A 200 promising `size` bytes, the headers and half the body, then a TCP reset.
pub(crate) fn reset_mid_body<'a>(conn: &'a mut Conn, params: &'a Params) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (_, params) = conn.read_request_with(params).await?;
        let size = usize::try_from(params.int("size")).unwrap_or(2);
        let response = Response::new(200)
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
    params: &'a Params,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (_, params) = conn.read_request_with(params).await?;
        let size = usize::try_from(params.int("size")).unwrap_or(1);
        let mut garbage = vec![0; size];
        conn.random(&params, |rng| rng.fill_bytes(&mut garbage));
        conn.send_raw(&garbage).await?;
        Ok(After::Close)
    })
}
