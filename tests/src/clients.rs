//! Real HTTP clients (reqwest, hyper's connection-level client) and ways to name the error class
//! they report.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::{Body, Bytes};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};

/// A reqwest client builder that never uses a proxy from the environment.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().no_proxy()
}

/// A reqwest client (see [`client_builder`]) with an overall timeout.
pub fn client(timeout: Option<Duration>) -> reqwest::Client {
    let mut builder = client_builder();
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().expect("build a reqwest client")
}

/// Every hyper error in `error`'s source chain, outermost first. hyper may wrap one in another
/// (a `Canceled` around an `IncompleteMessage`, depending on whether the request was written
/// before the server closed), so tests ask whether any of them has the expected class.
pub fn hyper_errors<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a hyper::Error> {
    let mut found = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            found.push(hyper);
        }
        current = e.source();
    }
    found
}

/// The kind of the first I/O error in `error`'s source chain, if any.
pub fn io_error_kind(error: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<io::Error>() {
            return Some(found.kind());
        }
        current = e.source();
    }
    None
}

/// The whole source chain as one line, for assertion messages.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut current = error.source();
    while let Some(e) = current {
        parts.push(e.to_string());
        current = e.source();
    }
    parts.join(": ")
}

/// The HTTP/2 error in `error`'s source chain, if any: its `reason()` is the error code
/// (`h2::Reason::REFUSED_STREAM`...), `is_remote()` says the server sent it, `is_go_away()` and
/// `is_reset()` whether a GOAWAY or a RST_STREAM carried it.
pub fn h2_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a h2::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<h2::Error>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// The HTTP/2 error code in `error`'s source chain, if any.
pub fn h2_reason(error: &(dyn StdError + 'static)) -> Option<h2::Reason> {
    h2_error(error).and_then(h2::Error::reason)
}

/// Whether the client reports that the connection ended before a whole response arrived.
pub fn is_incomplete_message(error: &(dyn StdError + 'static)) -> bool {
    hyper_errors(error)
        .iter()
        .any(|h| h.is_incomplete_message())
}

/// Whether the client reports bytes that do not parse as an HTTP response.
pub fn is_parse_error(error: &(dyn StdError + 'static)) -> bool {
    hyper_errors(error).iter().any(|h| h.is_parse())
}

/// Whether hyper rejected bytes that arrived before it had written its request.
pub fn is_unexpected_message(error: &hyper::Error) -> bool {
    error.to_string().contains("unexpected message")
}

/// One HTTP/1 connection driven by hyper's connection-level client (no pool, no retry), for
/// tests that need a real client to reuse one connection. The task driving the connection ends
/// with the error hyper reports for the connection itself, if any.
pub async fn hyper_connection(
    stream: tokio::net::TcpStream,
) -> (
    http1::SendRequest<Empty<Bytes>>,
    tokio::task::JoinHandle<hyper::Result<()>>,
) {
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("HTTP/1 handshake (no I/O happens here)");
    (sender, tokio::spawn(connection))
}

/// `GET target` with a Host header and no body, for [`hyper_connection`].
pub fn hyper_get(target: &str) -> hyper::Request<Empty<Bytes>> {
    hyper::Request::get(target)
        .header("host", "hamms.test")
        .body(Empty::new())
        .expect("a valid request")
}

/// hyper's HTTP/2 connection-level client builder, to set keep-alive pings and the like before
/// [`hyper_h2_with`].
pub fn hyper_h2_builder() -> http2::Builder<TokioExecutor> {
    http2::Builder::new(TokioExecutor::new())
}

/// One HTTP/2 connection over `io` (TCP with prior knowledge, or TLS that settled `h2` by ALPN),
/// driven by hyper's connection-level client configured by `builder` (see
/// [`hyper_h2_builder`]): no pool, no retry. The task driving the connection ends with the
/// error hyper reports for the connection itself, if any.
pub async fn hyper_h2_with<B, IO>(
    builder: &http2::Builder<TokioExecutor>,
    io: IO,
) -> (
    http2::SendRequest<B>,
    tokio::task::JoinHandle<hyper::Result<()>>,
)
where
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = builder
        .handshake(TokioIo::new(io))
        .await
        .expect("HTTP/2 handshake (it only queues the preface)");
    (sender, tokio::spawn(connection))
}
