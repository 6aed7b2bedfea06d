//! HTTP/2 frames at the byte level (RFC 9113 §4.1, §6): the 9-byte frame header, and the few
//! frames the HTTP/2 modes write themselves because the `h2` crate will not write them wrong.

use super::error_code::Http2ErrorCode;

/// What a client speaking HTTP/2 sends first (RFC 9113 §3.4).
pub(crate) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The length of a frame header.
pub(crate) const HEADER_LEN: usize = 9;

/// The SETTINGS parameter a client announces the largest header list it accepts with.
pub(crate) const SETTINGS_MAX_HEADER_LIST_SIZE: u16 = 0x6;

/// The flag that ends a stream (DATA, HEADERS) or acknowledges (SETTINGS, PING): the same bit.
const END_STREAM_OR_ACK: u8 = 0x1;

/// The frame types of RFC 9113 §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Data,
    Headers,
    Priority,
    RstStream,
    Settings,
    PushPromise,
    Ping,
    GoAway,
    WindowUpdate,
    Continuation,
    /// A type RFC 9113 does not define (peers ignore them).
    Unknown(u8),
}

impl Kind {
    fn from_byte(byte: u8) -> Kind {
        match byte {
            0x0 => Kind::Data,
            0x1 => Kind::Headers,
            0x2 => Kind::Priority,
            0x3 => Kind::RstStream,
            0x4 => Kind::Settings,
            0x5 => Kind::PushPromise,
            0x6 => Kind::Ping,
            0x7 => Kind::GoAway,
            0x8 => Kind::WindowUpdate,
            0x9 => Kind::Continuation,
            other => Kind::Unknown(other),
        }
    }

    fn to_byte(self) -> u8 {
        match self {
            Kind::Data => 0x0,
            Kind::Headers => 0x1,
            Kind::Priority => 0x2,
            Kind::RstStream => 0x3,
            Kind::Settings => 0x4,
            Kind::PushPromise => 0x5,
            Kind::Ping => 0x6,
            Kind::GoAway => 0x7,
            Kind::WindowUpdate => 0x8,
            Kind::Continuation => 0x9,
            Kind::Unknown(other) => other,
        }
    }
}

/// A frame header: payload length, type, flags and stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub(crate) length: u32,
    pub(crate) kind: Kind,
    pub(crate) flags: u8,
    pub(crate) stream: u32,
}

impl FrameHeader {
    pub(crate) fn parse(bytes: &[u8; HEADER_LEN]) -> FrameHeader {
        FrameHeader {
            length: u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]),
            kind: Kind::from_byte(bytes[3]),
            flags: bytes[4],
            // The reserved high bit is ignored on receipt (RFC 9113 §4.1).
            stream: u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) & 0x7fff_ffff,
        }
    }

    pub(crate) fn to_bytes(self) -> [u8; HEADER_LEN] {
        let [_, l0, l1, l2] = self.length.to_be_bytes();
        let [s0, s1, s2, s3] = self.stream.to_be_bytes();
        [l0, l1, l2, self.kind.to_byte(), self.flags, s0, s1, s2, s3]
    }

    /// A SETTINGS or PING frame that acknowledges the peer's.
    pub(crate) fn is_ack(&self) -> bool {
        matches!(self.kind, Kind::Settings | Kind::Ping) && self.flags & END_STREAM_OR_ACK != 0
    }

    /// A DATA or HEADERS frame that ends its stream.
    pub(crate) fn ends_stream(&self) -> bool {
        matches!(self.kind, Kind::Data | Kind::Headers) && self.flags & END_STREAM_OR_ACK != 0
    }
}

/// A GOAWAY frame: the sender will not process streams above `last_stream_id`, which the peer may
/// retry on another connection (RFC 9113 §6.8).
pub(crate) fn goaway(last_stream_id: u32, code: Http2ErrorCode) -> Vec<u8> {
    let header = FrameHeader {
        length: 8,
        kind: Kind::GoAway,
        flags: 0,
        stream: 0,
    };
    let mut frame = header.to_bytes().to_vec();
    frame.extend_from_slice(&(last_stream_id & 0x7fff_ffff).to_be_bytes());
    frame.extend_from_slice(&code.code().to_be_bytes());
    frame
}

/// A malformed frame: DATA on stream 0, which RFC 9113 §6.1 makes a connection error of type
/// PROTOCOL_ERROR. Every conforming client must reject it, whatever state it is in.
pub(crate) fn data_on_stream_zero() -> Vec<u8> {
    FrameHeader {
        length: 0,
        kind: Kind::Data,
        flags: 0,
        stream: 0,
    }
    .to_bytes()
    .to_vec()
}

/// The parameters of a SETTINGS payload (identifier, value), as far as the payload holds whole
/// ones.
pub(crate) fn settings(payload: &[u8]) -> impl Iterator<Item = (u16, u32)> + '_ {
    payload.chunks_exact(6).map(|p| {
        (
            u16::from_be_bytes([p[0], p[1]]),
            u32::from_be_bytes([p[2], p[3], p[4], p[5]]),
        )
    })
}

/// The last-stream-id and error code of a GOAWAY payload, if it holds them.
pub(crate) fn goaway_fields(payload: &[u8]) -> Option<(u32, Http2ErrorCode)> {
    let last = u32::from_be_bytes(payload.get(0..4)?.try_into().ok()?) & 0x7fff_ffff;
    let code = u32::from_be_bytes(payload.get(4..8)?.try_into().ok()?);
    Some((last, Http2ErrorCode::from(code)))
}

/// The error code of a RST_STREAM payload, if it holds one.
pub(crate) fn rst_stream_code(payload: &[u8]) -> Option<Http2ErrorCode> {
    let code = u32::from_be_bytes(payload.get(0..4)?.try_into().ok()?);
    Some(Http2ErrorCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_and_ignore_the_reserved_bit() {
        let header = FrameHeader {
            length: 0x01_02_03,
            kind: Kind::RstStream,
            flags: 0x5,
            stream: 0x7fff_fffe,
        };
        let bytes = header.to_bytes();
        assert_eq!(bytes, [1, 2, 3, 3, 5, 0x7f, 0xff, 0xff, 0xfe]);
        assert_eq!(FrameHeader::parse(&bytes), header);
        let mut reserved = bytes;
        reserved[5] |= 0x80;
        assert_eq!(FrameHeader::parse(&reserved).stream, 0x7fff_fffe);
    }

    #[test]
    fn acks_and_stream_ends_share_a_bit_but_not_a_meaning() {
        let frame = |kind, flags| FrameHeader {
            length: 0,
            kind,
            flags,
            stream: 0,
        };
        assert!(frame(Kind::Settings, 1).is_ack());
        assert!(frame(Kind::Ping, 1).is_ack());
        assert!(!frame(Kind::Data, 1).is_ack());
        assert!(frame(Kind::Data, 1).ends_stream());
        assert!(frame(Kind::Headers, 5).ends_stream());
        assert!(!frame(Kind::Headers, 4).ends_stream());
        assert!(!frame(Kind::Settings, 1).ends_stream());
    }

    #[test]
    fn goaway_names_its_last_stream_and_code() {
        let frame = goaway(5, Http2ErrorCode::ENHANCE_YOUR_CALM);
        assert_eq!(
            frame,
            [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0xb],
            "{frame:?}"
        );
        assert_eq!(
            goaway_fields(&frame[HEADER_LEN..]),
            Some((5, Http2ErrorCode::ENHANCE_YOUR_CALM))
        );
        assert_eq!(goaway_fields(&frame[HEADER_LEN..15]), None);
    }

    #[test]
    fn the_malformed_frame_is_data_on_stream_zero() {
        let frame = data_on_stream_zero();
        let header = FrameHeader::parse(frame.as_slice().try_into().unwrap());
        assert_eq!(
            (header.kind, header.stream, header.length),
            (Kind::Data, 0, 0)
        );
    }

    #[test]
    fn settings_payloads_read_as_pairs() {
        let payload = [0, 6, 0, 0, 0x40, 0, 0, 4, 0, 1, 0, 0, 9];
        let pairs: Vec<_> = settings(&payload).collect();
        assert_eq!(pairs, [(SETTINGS_MAX_HEADER_LIST_SIZE, 16384), (4, 65536)]);
        assert_eq!(
            rst_stream_code(&[0, 0, 0, 7]),
            Some(Http2ErrorCode::REFUSED_STREAM)
        );
    }
}
