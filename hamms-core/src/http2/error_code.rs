//! [`Http2ErrorCode`]: the error codes of RST_STREAM and GOAWAY frames (RFC 9113 §7).

use std::fmt;

use crate::engine::HTTP2_ERROR_CODES;

/// An HTTP/2 error code, as carried by RST_STREAM and GOAWAY frames (RFC 9113 §7): how the
/// history says why a stream or connection ended.
///
/// ```
/// use hamms_core::http::Http2ErrorCode;
/// assert_eq!(Http2ErrorCode::REFUSED_STREAM.code(), 7);
/// assert_eq!(Http2ErrorCode::from(7).to_string(), "REFUSED_STREAM");
/// assert_eq!(Http2ErrorCode::named("CANCEL"), Some(Http2ErrorCode::CANCEL));
/// assert_eq!(Http2ErrorCode::from(0x77).to_string(), "0x77"); // unknown codes keep their number
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Http2ErrorCode(u32);

impl Http2ErrorCode {
    /// A graceful shutdown, or a stream ended without error.
    pub const NO_ERROR: Http2ErrorCode = Http2ErrorCode(0x0);
    /// A protocol error the peer detected, such as a malformed frame.
    pub const PROTOCOL_ERROR: Http2ErrorCode = Http2ErrorCode(0x1);
    /// An unexpected internal error.
    pub const INTERNAL_ERROR: Http2ErrorCode = Http2ErrorCode(0x2);
    /// The flow-control protocol was violated.
    pub const FLOW_CONTROL_ERROR: Http2ErrorCode = Http2ErrorCode(0x3);
    /// A SETTINGS frame was not acknowledged in time.
    pub const SETTINGS_TIMEOUT: Http2ErrorCode = Http2ErrorCode(0x4);
    /// A frame arrived on a half-closed stream.
    pub const STREAM_CLOSED: Http2ErrorCode = Http2ErrorCode(0x5);
    /// A frame had an invalid size.
    pub const FRAME_SIZE_ERROR: Http2ErrorCode = Http2ErrorCode(0x6);
    /// The stream was refused before any processing: safe to retry.
    pub const REFUSED_STREAM: Http2ErrorCode = Http2ErrorCode(0x7);
    /// The stream is no longer needed.
    pub const CANCEL: Http2ErrorCode = Http2ErrorCode(0x8);
    /// The header compression context could not be kept.
    pub const COMPRESSION_ERROR: Http2ErrorCode = Http2ErrorCode(0x9);
    /// A CONNECT tunnel failed.
    pub const CONNECT_ERROR: Http2ErrorCode = Http2ErrorCode(0xa);
    /// The peer is generating excessive load.
    pub const ENHANCE_YOUR_CALM: Http2ErrorCode = Http2ErrorCode(0xb);
    /// The transport does not meet the minimum security requirements.
    pub const INADEQUATE_SECURITY: Http2ErrorCode = Http2ErrorCode(0xc);
    /// HTTP/1.1 is required instead.
    pub const HTTP_1_1_REQUIRED: Http2ErrorCode = Http2ErrorCode(0xd);

    /// The code with this name (`"REFUSED_STREAM"`), as the modes' `error_code` parameter
    /// takes it.
    pub fn named(name: &str) -> Option<Http2ErrorCode> {
        let index = HTTP2_ERROR_CODES.iter().position(|n| *n == name)?;
        // The table has 14 names.
        u32::try_from(index).ok().map(Http2ErrorCode)
    }

    /// The number on the wire.
    pub fn code(self) -> u32 {
        self.0
    }

    /// The name RFC 9113 gives the code, if it is one of the defined ones.
    pub fn name(self) -> Option<&'static str> {
        usize::try_from(self.0)
            .ok()
            .and_then(|i| HTTP2_ERROR_CODES.get(i))
            .copied()
    }
}

impl From<u32> for Http2ErrorCode {
    fn from(code: u32) -> Self {
        Http2ErrorCode(code)
    }
}

impl fmt::Display for Http2ErrorCode {
    /// The name (`REFUSED_STREAM`), or the number in hex for a code RFC 9113 does not define.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{:#x}", self.0),
        }
    }
}

impl fmt::Debug for Http2ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_of_the_parameter_table_are_the_codes_of_rfc_9113() {
        let pinned = [
            (Http2ErrorCode::NO_ERROR, 0x0),
            (Http2ErrorCode::PROTOCOL_ERROR, 0x1),
            (Http2ErrorCode::INTERNAL_ERROR, 0x2),
            (Http2ErrorCode::FLOW_CONTROL_ERROR, 0x3),
            (Http2ErrorCode::SETTINGS_TIMEOUT, 0x4),
            (Http2ErrorCode::STREAM_CLOSED, 0x5),
            (Http2ErrorCode::FRAME_SIZE_ERROR, 0x6),
            (Http2ErrorCode::REFUSED_STREAM, 0x7),
            (Http2ErrorCode::CANCEL, 0x8),
            (Http2ErrorCode::COMPRESSION_ERROR, 0x9),
            (Http2ErrorCode::CONNECT_ERROR, 0xa),
            (Http2ErrorCode::ENHANCE_YOUR_CALM, 0xb),
            (Http2ErrorCode::INADEQUATE_SECURITY, 0xc),
            (Http2ErrorCode::HTTP_1_1_REQUIRED, 0xd),
        ];
        assert_eq!(pinned.len(), HTTP2_ERROR_CODES.len());
        for (code, number) in pinned {
            assert_eq!(code.code(), number);
            let name = code.name().unwrap();
            assert_eq!(Http2ErrorCode::named(name), Some(code));
        }
        assert_eq!(
            Http2ErrorCode::REFUSED_STREAM.name(),
            Some("REFUSED_STREAM")
        );
        assert_eq!(Http2ErrorCode::named("refused_stream"), None);
        assert_eq!(Http2ErrorCode::from(0xe).name(), None);
    }
}
