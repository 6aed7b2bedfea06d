//! gRPC on the wire, as far as hamms speaks it (the gRPC over HTTP/2 protocol, `PROTOCOL-HTTP2.md`):
//! length-prefixed messages (`framing`), the metadata hamms reads and writes (`metadata`:
//! `grpc-timeout`, `grpc-message`'s percent-encoding, `-bin` values in base64), and what a gRPC
//! mode answers a call ([`GrpcAnswer`], `answer`).
//!
//! Design note: a gRPC mode's answer is plain data (a head, messages with the pause before each,
//! and how the call ends), so that the two HTTP/2 servers of hamms send the same thing: the
//! HTTP/2 engine (`modes/grpc/`, on the `h2` crate, frame by frame) and the fixture (through
//! hyper, for a call `fail_next` hands to a gRPC mode). Messages are bytes: hamms never parses
//! protobuf, and the messages it sends are empty (any protobuf type reads them as its default)
//! unless their length is the fault.

mod answer;
mod framing;
mod metadata;

pub(crate) use answer::{GrpcAnswer, GrpcEnd};
pub(crate) use framing::{Messages, framed};
pub(crate) use metadata::{
    CONTENT_TYPE, MESSAGE_HEADER, STATUS_HEADER, TIMEOUT_HEADER, base64, decode_message,
    encode_message, is_grpc, parse_timeout,
};
