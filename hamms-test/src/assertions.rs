//! Assertions over a server's history. Each failure prints what was expected, every recorded
//! exchange, and the seed that replays the run.

use std::time::Duration;

use hamms_core::{GrpcCode, History};

/// Asserts the requests a server received, in order, by method and path (or full target, when
/// the expected one has a query string).
///
/// ```
/// use hamms_test::prelude::*;
/// # use std::io::{Read, Write};
///
/// let server = FaultServer::fixture().start()?;
/// # let mut s = std::net::TcpStream::connect(server.addr())?;
/// # s.write_all(b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
/// # s.read_to_end(&mut Vec::new())?;
/// // ... a client sends GET /a, then POST /b?x=1 ...
/// assert_history!(server, [GET "/a", POST "/b?x=1"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[macro_export]
macro_rules! assert_history {
    ($server:expr, [$($method:ident $path:literal),* $(,)?]) => {
        $crate::__private::check_history(&$server.history(), &[$((stringify!($method), $path)),*])
    };
}

/// Asserts the gRPC calls a server received, in order, by method path and the status the
/// server sent: a [`GrpcCode`](hamms_core::GrpcCode) name (`UNAVAILABLE`, `OK`...), or
/// `NO_STATUS` for a call that got none (a reset, a GOAWAY, an HTTP error page). Requests that
/// are not gRPC calls count as calls with no method.
///
/// ```
/// use hamms_test::prelude::*;
/// let server = FaultServer::start("grpc_status")?;
/// // ... a client calls /echo.Echo/Say twice ...
/// # if false {
/// assert_grpc_calls!(server, ["/echo.Echo/Say" => UNAVAILABLE, "/echo.Echo/Say" => UNAVAILABLE]);
/// # }
/// # Ok::<(), hamms_test::Error>(())
/// ```
#[macro_export]
macro_rules! assert_grpc_calls {
    ($server:expr, [$($method:literal => $status:ident),* $(,)?]) => {
        $crate::__private::check_grpc_calls(&$server.history(), &[$(($method, stringify!($status))),*])
    };
}

/// Asserts how many requests a server received.
///
/// ```
/// use hamms_test::prelude::*;
/// let server = FaultServer::fixture().start()?;
/// assert_requests!(server, 0);
/// # Ok::<(), hamms_test::Error>(())
/// ```
#[macro_export]
macro_rules! assert_requests {
    ($server:expr, $count:expr) => {
        $crate::__private::check_count(&$server.history(), $count, "assert_requests!")
    };
}

/// Asserts that a server received no request at all.
///
/// ```
/// use hamms_test::prelude::*;
/// let server = FaultServer::start("refused")?;
/// assert_no_requests!(server);
/// # Ok::<(), hamms_test::Error>(())
/// ```
#[macro_export]
macro_rules! assert_no_requests {
    ($server:expr) => {
        $crate::__private::check_count(&$server.history(), 0, "assert_no_requests!")
    };
}

/// Asserts a client's back-off: the gaps between consecutive requests, each at least the given
/// number of milliseconds (lower bounds only: a loaded machine may be slower, never faster).
///
/// ```
/// use hamms_test::prelude::*;
/// let server = FaultServer::fixture().start()?;
/// // ... a client retries after 100 ms, then after 200 ms ...
/// # if false {
/// assert_backoff!(server, [100, 200]);
/// # }
/// # Ok::<(), hamms_test::Error>(())
/// ```
#[macro_export]
macro_rules! assert_backoff {
    ($server:expr, [$($millis:expr),* $(,)?]) => {
        $crate::__private::check_backoff(&$server.history(), &[$($millis),*])
    };
}

/// [`assert_history!`]'s check.
#[track_caller]
pub fn check_history(history: &History, expected: &[(&str, &str)]) {
    let recorded: Vec<(String, &str)> = history
        .requests()
        .zip(
            expected
                .iter()
                .map(|(_, path)| path)
                .chain(std::iter::repeat(&"")),
        )
        .map(|(r, wanted)| {
            let seen = if wanted.contains('?') {
                r.target.as_str()
            } else {
                r.path.as_str()
            };
            (r.method.to_string(), seen)
        })
        .collect();
    let matches = recorded.len() == expected.len()
        && recorded
            .iter()
            .zip(expected)
            .all(|((m, p), (em, ep))| m == em && p == ep);
    if !matches {
        let expected: Vec<String> = expected.iter().map(|(m, p)| format!("{m} {p}")).collect();
        panic!(
            "assert_history! failed: expected [{}], but the server recorded:\n{history}",
            expected.join(", ")
        );
    }
}

/// The word [`assert_grpc_calls!`] takes for a call that got no status.
const NO_STATUS: &str = "NO_STATUS";

/// [`assert_grpc_calls!`]'s check.
///
/// # Panics
/// If the calls differ, or a status word is neither a gRPC code's name nor `NO_STATUS`.
#[track_caller]
pub fn check_grpc_calls(history: &History, expected: &[(&str, &str)]) {
    for (_, word) in expected {
        if *word != NO_STATUS && GrpcCode::parse(word).is_none() {
            panic!(
                "assert_grpc_calls!: `{word}` is not a gRPC status; write one of {} or {NO_STATUS}",
                GrpcCode::NAMES.join(", ")
            );
        }
    }
    let recorded: Vec<(String, &str)> = history
        .exchanges()
        .iter()
        .map(|exchange| match &exchange.grpc {
            Some(call) => (
                call.method.clone(),
                call.status.as_ref().map_or(NO_STATUS, |s| s.code.name()),
            ),
            None => (String::new(), NO_STATUS),
        })
        .collect();
    let matches = recorded.len() == expected.len()
        && recorded
            .iter()
            .zip(expected)
            .all(|((method, status), (em, es))| method == em && status == es);
    if !matches {
        let expected: Vec<String> = expected
            .iter()
            .map(|(m, s)| format!("{m} => {s}"))
            .collect();
        panic!(
            "assert_grpc_calls! failed: expected [{}], but the server recorded:\n{history}",
            expected.join(", ")
        );
    }
}

/// [`assert_requests!`] and [`assert_no_requests!`]'s check.
#[track_caller]
pub fn check_count(history: &History, expected: usize, name: &str) {
    let received = history.requests().count();
    if received != expected {
        panic!(
            "{name} failed: expected {expected} request(s), the server recorded {received}:\n{history}"
        );
    }
}

/// [`assert_backoff!`]'s check.
#[track_caller]
pub fn check_backoff(history: &History, at_least_millis: &[u64]) {
    let intervals = history.intervals();
    let fits = intervals.len() == at_least_millis.len()
        && intervals
            .iter()
            .zip(at_least_millis)
            .all(|(gap, millis)| *gap >= Duration::from_millis(*millis));
    if !fits {
        let seen: Vec<String> = intervals
            .iter()
            .map(|gap| format!("{}ms", gap.as_millis()))
            .collect();
        let wanted: Vec<String> = at_least_millis
            .iter()
            .map(|ms| format!(">={ms}ms"))
            .collect();
        panic!(
            "assert_backoff! failed: expected gaps [{}], the server saw [{}]:\n{history}",
            wanted.join(", "),
            seen.join(", ")
        );
    }
}
