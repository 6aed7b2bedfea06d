//! HTTP/2 on the wire, at the byte level the HTTP/2 modes need beside the `h2` crate: frame
//! headers and the few frames hamms writes by hand (`frames`), a scanner that follows a stream of
//! frames as it passes (`scanner`), and the protocol's error codes ([`Http2ErrorCode`]).
//!
//! Design note: the `h2` crate speaks the protocol (handshake, HPACK, flow control, streams);
//! what it cannot be made to do wrong (a malformed frame, a GOAWAY naming a chosen last stream, a
//! withheld acknowledgement) is done here, on whole frames, so that the modes never splice bytes
//! into the middle of one.

mod error_code;
mod frames;
mod scanner;

pub use error_code::Http2ErrorCode;
pub(crate) use frames::{
    FrameHeader, Kind, PREFACE, SETTINGS_MAX_HEADER_LIST_SIZE, data_on_stream_zero, goaway,
};
pub(crate) use scanner::{Frame, FrameScanner, Scanned};
