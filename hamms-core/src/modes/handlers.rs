//! From a typed catalog mode to the function that serves it.

use crate::connection::{After, BoxFuture, Conn, Served};
use crate::engine::{Configured, Mode};

use super::{body, connection, cut, drip, flaky, grpc, http, http2, tls};

/// Serves the connection (or its next request) with the catalog mode `configured`. A mode that
/// only acts on the listening socket (`refused`, `connect_timeout`) meets a connection accepted
/// before the switch: it is closed unanswered. The fixture is served by the engine with its
/// plan, never from here.
///
/// Each function gets the connection (right after accept, or with the next request's first
/// bytes buffered) and its mode's typed parameters (with `configured`, for a request's
/// overrides of them), serves, then says what becomes of the connection.
pub(crate) fn serve<'a>(conn: &'a mut Conn, configured: &'a Configured) -> BoxFuture<'a, Served> {
    match configured.mode() {
        Mode::NoResponse => connection::no_response(conn),
        Mode::Empty(act_on) => connection::empty(conn, *act_on),
        Mode::Malformed(act_on) => connection::malformed(conn, *act_on),
        Mode::Reset => connection::reset(conn),
        Mode::ContentLengthMismatch(act_on) => connection::content_length_mismatch(conn, *act_on),
        Mode::SlowDrip(drip) => drip::slow_drip(conn, configured, drip),
        Mode::Sleep(sleep) => http::sleep(conn, configured, sleep),
        Mode::Status(status) => http::status(conn, configured, status),
        Mode::FatHeader(size) => http::fat_header(conn, configured, size),
        Mode::UnparseableContentType => http::unparseable_content_type(conn, configured),
        Mode::ShortBody(short) => http::short_body(conn, configured, short),
        Mode::RedirectLoop => http::redirect_loop(conn, configured),
        Mode::RetryCounter(counter) => flaky::retry_counter(conn, configured, counter),
        Mode::FailRate(rate) => flaky::fail_rate(conn, configured, rate),
        Mode::NoContentType => body::no_content_type(conn, configured),
        Mode::WrongContentType => body::wrong_content_type(conn, configured),
        Mode::DroppedBytes(dropped) => body::dropped_bytes(conn, configured, dropped),
        Mode::BinaryBody(size) => body::binary_body(conn, configured, size),
        Mode::MalformedChunk => body::malformed_chunk(conn, configured),
        Mode::ChunkedDribble(dribble) => body::chunked_dribble(conn, configured, dribble),
        Mode::BadGzip => body::bad_gzip(conn, configured),
        Mode::InfiniteBody(infinite) => body::infinite_body(conn, configured, infinite),
        Mode::CloseMidHeaders => cut::close_mid_headers(conn, configured),
        Mode::ResetMidBody(size) => cut::reset_mid_body(conn, configured, size),
        Mode::RandomDataThenClose(size) => cut::random_data_then_close(conn, configured, size),
        Mode::Tls(profile) => tls::handshake(conn, configured, *profile),
        Mode::Http2(fault) => Box::pin(http2::serve(conn, configured, fault)),
        Mode::Grpc(fault) => Box::pin(grpc::serve(conn, configured, fault)),
        Mode::Refused | Mode::ConnectTimeout | Mode::Fixture => {
            Box::pin(async { Ok(After::Close) })
        }
    }
}
