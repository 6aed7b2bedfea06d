//! From the catalog's [`Handler`] names to the functions that serve them.

use crate::catalog::{Action, Handler};
use crate::connection::{After, BoxFuture, Conn, Served};
use crate::params::Params;

use super::{body, connection, cut, drip, flaky, http, http2, tls};

/// A mode's behavior: given the connection (right after accept, or with the next request's first
/// bytes buffered) and its parameters, serve, then say what becomes of the connection.
pub(crate) type ServeFn = for<'a> fn(&'a mut Conn, &'a Params) -> BoxFuture<'a, Served>;

/// The function behind `handler`.
fn serve_fn(handler: Handler) -> ServeFn {
    match handler {
        Handler::NoResponse => connection::no_response,
        Handler::Empty => connection::empty,
        Handler::Malformed => connection::malformed,
        Handler::Reset => connection::reset,
        Handler::ContentLengthMismatch => connection::content_length_mismatch,
        Handler::SlowDrip => drip::slow_drip,
        Handler::Sleep => http::sleep,
        Handler::Status => http::status,
        Handler::FatHeader => http::fat_header,
        Handler::UnparseableContentType => http::unparseable_content_type,
        Handler::ShortBody => http::short_body,
        Handler::RedirectLoop => http::redirect_loop,
        Handler::RetryCounter => flaky::retry_counter,
        Handler::FailRate => flaky::fail_rate,
        Handler::NoContentType => body::no_content_type,
        Handler::WrongContentType => body::wrong_content_type,
        Handler::DroppedBytes => body::dropped_bytes,
        Handler::BinaryBody => body::binary_body,
        Handler::MalformedChunk => body::malformed_chunk,
        Handler::ChunkedDribble => body::chunked_dribble,
        Handler::BadGzip => body::bad_gzip,
        Handler::InfiniteBody => body::infinite_body,
        Handler::CloseMidHeaders => cut::close_mid_headers,
        Handler::ResetMidBody => cut::reset_mid_body,
        Handler::RandomDataThenClose => cut::random_data_then_close,
        Handler::TlsHandshake => tls::handshake,
    }
}

/// Serves the connection (or its next request) with the catalog mode whose parameters these are.
/// A mode that only acts on the listening socket (`refused`, `connect_timeout`) meets a
/// connection accepted before the switch: it is closed unanswered. The fixture is served by the
/// engine with its plan, never from here.
pub(crate) fn serve<'a>(conn: &'a mut Conn, params: &'a Params) -> BoxFuture<'a, Served> {
    match params.mode().action() {
        Action::Serve(handler) | Action::ServeTls(handler) => serve_fn(handler)(conn, params),
        Action::ServeHttp2(fault) => Box::pin(http2::serve(conn, params, fault)),
        Action::Refuse | Action::Stall | Action::Fixture | Action::Relay(_) => {
            Box::pin(async { Ok(After::Close) })
        }
    }
}
