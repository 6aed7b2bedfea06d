//! What the history shows of a gRPC call ([`GrpcCall`]): read from its request (the method
//! path, the messages in its body, its `grpc-timeout`) and from what the server recorded of its
//! answer (the status sent, and when the call ended).

use std::fmt;
use std::time::{Duration, Instant};

use hamms_catalog::GrpcCode;

use crate::grpc::{Messages, TIMEOUT_HEADER, is_grpc, parse_timeout};

/// A gRPC call: a request whose `content-type` is gRPC's, with what the server answered.
///
/// ```
/// # use hamms_core::{Exchange, GrpcCode};
/// # fn check(exchange: &Exchange) {
/// let call = exchange.grpc.as_ref().expect("a gRPC call");
/// assert_eq!(call.method, "/echo.Echo/Say");
/// assert_eq!(call.messages[0].bytes, b"\x0a\x02hi");
/// assert_eq!(call.status.as_ref().map(|s| s.code), Some(GrpcCode::Unavailable));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GrpcCall {
    /// The method's path, `/package.Service/Method`.
    pub method: String,
    /// The request's messages, decoded from their length-prefixed frames (as far as the body
    /// was kept: see the server's body cap).
    pub messages: Vec<GrpcMessage>,
    /// The deadline the client gave the call (`grpc-timeout`), if it gave one.
    pub timeout: Option<Duration>,
    /// The status the server sent (`grpc-status`, `grpc-message`): `None` when it sent none
    /// (a reset, a GOAWAY, a missing status, an HTTP error page: see
    /// [`Exchange::stream`](crate::Exchange::stream) and [`Exchange::reply`](crate::Exchange::reply)).
    pub status: Option<GrpcStatus>,
    /// When the server's side of the call ended: its status (or last frame) sent, or its stream
    /// reset or left out by GOAWAY; `None` while it goes on.
    pub ended_at: Option<Instant>,
}

/// One length-prefixed message of a gRPC request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GrpcMessage {
    /// The compressed flag of its prefix.
    pub compressed: bool,
    /// Its bytes (as sent: compressed ones are not decompressed). Decode them with the
    /// message's type, e.g. prost's `Message::decode`.
    pub bytes: Vec<u8>,
}

/// A gRPC status: its code, and its message (`grpc-message`, percent-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GrpcStatus {
    /// The code, e.g. [`GrpcCode::Unavailable`].
    pub code: GrpcCode,
    /// The message, as text.
    pub message: String,
}

impl GrpcStatus {
    /// The status `code` with `message`.
    pub fn new(code: GrpcCode, message: impl Into<String>) -> GrpcStatus {
        GrpcStatus {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for GrpcStatus {
    /// `UNAVAILABLE`, or `UNAVAILABLE: the message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.name())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// What a request says of the call it makes: its path, its headers' lookup, its body.
pub(crate) struct CallRequest<'a> {
    pub(crate) path: &'a str,
    pub(crate) header: &'a dyn Fn(&str) -> Option<&'a str>,
    pub(crate) body: &'a [u8],
}

impl GrpcCall {
    /// The call `request` makes, if it is a gRPC request (its `content-type` says so), with
    /// what the server recorded of its answer.
    pub(crate) fn of(
        request: &CallRequest<'_>,
        status: Option<&GrpcStatus>,
        ended_at: Option<Instant>,
    ) -> Option<GrpcCall> {
        if !(request.header)("content-type").is_some_and(is_grpc) {
            return None;
        }
        let messages = Messages::new(request.body)
            .map(|(compressed, bytes)| GrpcMessage {
                compressed,
                bytes: bytes.to_vec(),
            })
            .collect();
        Some(GrpcCall {
            method: request.path.to_owned(),
            messages,
            timeout: (request.header)(TIMEOUT_HEADER).and_then(parse_timeout),
            status: status.cloned(),
            ended_at,
        })
    }
}
