//! A raw HTTP/2 client: it writes frames byte by byte and reads back what the server sends,
//! timestamped and decoded down to the fields of control frames, for tests that pin the frames
//! on the wire. Request headers are HPACK literals (RFC 7541 §6.2.2), with no Huffman coding and
//! no dynamic table, so that encoding them is a few lines; responses' header blocks are kept
//! whole, and decoded (with the `hpack` crate, whose decoder follows the connection's dynamic
//! table) into [`WireFrame::fields`] when they fit one HEADERS frame.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// What a client speaking HTTP/2 sends first.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Frame types (RFC 9113 §6).
pub mod kind {
    /// DATA.
    pub const DATA: u8 = 0x0;
    /// HEADERS.
    pub const HEADERS: u8 = 0x1;
    /// RST_STREAM.
    pub const RST_STREAM: u8 = 0x3;
    /// SETTINGS.
    pub const SETTINGS: u8 = 0x4;
    /// PING.
    pub const PING: u8 = 0x6;
    /// GOAWAY.
    pub const GOAWAY: u8 = 0x7;
    /// WINDOW_UPDATE.
    pub const WINDOW_UPDATE: u8 = 0x8;
    /// CONTINUATION.
    pub const CONTINUATION: u8 = 0x9;
}

/// END_STREAM (DATA, HEADERS) or ACK (SETTINGS, PING).
pub const END_STREAM_OR_ACK: u8 = 0x1;
/// END_HEADERS (HEADERS, CONTINUATION).
pub const END_HEADERS: u8 = 0x4;

/// SETTINGS identifiers (RFC 9113 §6.5.2).
pub mod setting {
    /// SETTINGS_MAX_CONCURRENT_STREAMS.
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    /// SETTINGS_MAX_HEADER_LIST_SIZE.
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
}

/// One frame the server sent, and when it arrived.
#[derive(Debug, Clone)]
pub struct WireFrame {
    /// The frame type (see [`kind`]).
    pub kind: u8,
    /// The flags.
    pub flags: u8,
    /// The stream id.
    pub stream: u32,
    /// The whole payload.
    pub payload: Vec<u8>,
    /// When its last byte was read.
    pub at: Instant,
    /// A HEADERS frame's fields, decoded (names and values, in order), when its block fits the
    /// frame; empty otherwise.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl WireFrame {
    /// Whether it is a SETTINGS or PING acknowledgement.
    pub fn is_ack(&self) -> bool {
        matches!(self.kind, kind::SETTINGS | kind::PING) && self.flags & END_STREAM_OR_ACK != 0
    }

    /// Whether it is a DATA or HEADERS frame that ends its stream.
    pub fn ends_stream(&self) -> bool {
        matches!(self.kind, kind::DATA | kind::HEADERS) && self.flags & END_STREAM_OR_ACK != 0
    }

    /// The parameters of a SETTINGS frame.
    pub fn settings(&self) -> Vec<(u16, u32)> {
        self.payload
            .chunks_exact(6)
            .map(|p| {
                (
                    u16::from_be_bytes([p[0], p[1]]),
                    u32::from_be_bytes([p[2], p[3], p[4], p[5]]),
                )
            })
            .collect()
    }

    /// The error code of a RST_STREAM frame, or the last-stream-id and error code of a GOAWAY.
    pub fn code(&self) -> u32 {
        let at = if self.kind == kind::GOAWAY { 4 } else { 0 };
        u32::from_be_bytes(self.payload[at..at + 4].try_into().expect("4 bytes"))
    }

    /// The last-stream-id of a GOAWAY frame.
    pub fn last_stream_id(&self) -> u32 {
        u32::from_be_bytes(self.payload[..4].try_into().expect("4 bytes")) & 0x7fff_ffff
    }

    /// The value of a decoded header field of a HEADERS frame, as text.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

/// How reading frames stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireEnd {
    /// What the test waited for arrived.
    Done,
    /// The server closed the connection (FIN).
    Eof,
    /// The server reset the connection.
    Reset,
    /// Nothing arrived for the idle limit.
    Idle,
}

/// A raw HTTP/2 connection with prior knowledge.
pub struct H2Wire {
    stream: TcpStream,
    /// Bytes read that do not make a whole frame yet.
    pending: Vec<u8>,
    /// Follows the server's HPACK dynamic table.
    decoder: hpack::Decoder<'static>,
}

impl std::fmt::Debug for H2Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Wire")
            .field("stream", &self.stream)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl H2Wire {
    /// Connects, and sends the preface and a SETTINGS frame with `settings`.
    pub fn connect(addr: SocketAddr, settings: &[(u16, u32)]) -> H2Wire {
        let stream = TcpStream::connect(addr).expect("connect to the hamms server");
        stream.set_nodelay(true).expect("set TCP_NODELAY");
        let mut wire = H2Wire {
            stream,
            pending: Vec::new(),
            decoder: hpack::Decoder::new(),
        };
        wire.send_raw(PREFACE);
        let payload: Vec<u8> = settings
            .iter()
            .flat_map(|(id, value)| {
                let mut p = id.to_be_bytes().to_vec();
                p.extend_from_slice(&value.to_be_bytes());
                p
            })
            .collect();
        wire.send_frame(kind::SETTINGS, 0, 0, &payload);
        wire
    }

    /// Writes bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) -> &mut H2Wire {
        self.stream
            .write_all(bytes)
            .expect("write to the hamms server");
        self
    }

    /// Writes one frame.
    pub fn send_frame(&mut self, kind: u8, flags: u8, stream: u32, payload: &[u8]) -> &mut H2Wire {
        let length = u32::try_from(payload.len()).expect("a short payload");
        let mut frame = length.to_be_bytes()[1..].to_vec();
        frame.push(kind);
        frame.push(flags);
        frame.extend_from_slice(&stream.to_be_bytes());
        frame.extend_from_slice(payload);
        self.send_raw(&frame)
    }

    /// Acknowledges the server's SETTINGS.
    pub fn ack_settings(&mut self) -> &mut H2Wire {
        self.send_frame(kind::SETTINGS, END_STREAM_OR_ACK, 0, &[])
    }

    /// Opens `stream` with a request's headers; `end_stream` when it has no body.
    pub fn request(
        &mut self,
        stream: u32,
        method: &str,
        target: &str,
        end_stream: bool,
    ) -> &mut H2Wire {
        let block = request_headers(method, target);
        let flags = END_HEADERS | if end_stream { END_STREAM_OR_ACK } else { 0 };
        self.send_frame(kind::HEADERS, flags, stream, &block)
    }

    /// Opens `stream` with a gRPC call of `method` (`/package.Service/Method`) and these extra
    /// metadata (`grpc-timeout`, `hamms-code`...), then sends `message`, framed, and ends the
    /// stream.
    pub fn grpc_call(
        &mut self,
        stream: u32,
        method: &str,
        metadata: &[(&str, &str)],
        message: &[u8],
    ) -> &mut H2Wire {
        let mut block = request_headers("POST", method);
        let fields = [("content-type", "application/grpc"), ("te", "trailers")];
        for (name, value) in fields.iter().chain(metadata) {
            // 0000 0000: literal without indexing, new name.
            block.push(0);
            hpack_string(&mut block, name.as_bytes());
            hpack_string(&mut block, value.as_bytes());
        }
        self.send_frame(kind::HEADERS, END_HEADERS, stream, &block);
        let mut framed = vec![0];
        framed.extend_from_slice(
            &u32::try_from(message.len())
                .expect("a short message")
                .to_be_bytes(),
        );
        framed.extend_from_slice(message);
        self.data(stream, &framed, true)
    }

    /// Sends body bytes on `stream`, in DATA frames of at most 16 KiB.
    pub fn data(&mut self, stream: u32, bytes: &[u8], end_stream: bool) -> &mut H2Wire {
        let pieces: Vec<&[u8]> = bytes.chunks(16 * 1024).collect();
        for (i, piece) in pieces.iter().enumerate() {
            let last = i + 1 == pieces.len();
            let flags = if last && end_stream {
                END_STREAM_OR_ACK
            } else {
                0
            };
            self.send_frame(kind::DATA, flags, stream, piece);
        }
        self
    }

    /// Sends a PING with these 8 bytes.
    pub fn ping(&mut self, opaque: [u8; 8]) -> &mut H2Wire {
        self.send_frame(kind::PING, 0, 0, &opaque)
    }

    /// Reads frames until `done` holds for those read so far, the server closes or resets, or
    /// `idle` passes without a byte.
    pub fn read_until(
        &mut self,
        idle: Duration,
        done: impl Fn(&[WireFrame]) -> bool,
    ) -> (Vec<WireFrame>, WireEnd) {
        self.stream
            .set_read_timeout(Some(idle))
            .expect("set read timeout");
        let mut frames = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        loop {
            self.take_frames(&mut frames);
            if done(&frames) {
                return (frames, WireEnd::Done);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return (frames, WireEnd::Eof),
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return (frames, WireEnd::Idle);
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    return (frames, WireEnd::Reset);
                }
                Err(e) => panic!("unexpected read error: {e}"),
            }
        }
    }

    /// Reads until the server closes or resets, or `idle` passes without a byte.
    pub fn read_all(&mut self, idle: Duration) -> (Vec<WireFrame>, WireEnd) {
        self.read_until(idle, |_| false)
    }

    /// Moves the whole frames of `pending` into `frames`, decoding header blocks in order.
    fn take_frames(&mut self, frames: &mut Vec<WireFrame>) {
        let first = frames.len();
        let used = read_frames(&self.pending, frames);
        self.pending.drain(..used);
        for frame in &mut frames[first..] {
            if frame.kind == kind::HEADERS && frame.flags & END_HEADERS != 0 {
                // A block that does not decode (a test of broken headers) stays undecoded.
                frame.fields = self
                    .decoder
                    .decode(&frame.payload)
                    .map(|fields| {
                        fields
                            .into_iter()
                            .map(|(n, v)| (String::from_utf8_lossy(&n).into_owned(), v))
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
    }
}

/// Reads the whole frames at the start of `bytes` into `frames`; returns how many bytes they
/// took (a frame cut short at the end is left).
fn read_frames(bytes: &[u8], frames: &mut Vec<WireFrame>) -> usize {
    let mut at = 0;
    while let Some(header) = bytes.get(at..at + 9) {
        let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        let Some(payload) = bytes.get(at + 9..at + 9 + length) else {
            break;
        };
        frames.push(WireFrame {
            kind: header[3],
            flags: header[4],
            stream: u32::from_be_bytes([header[5], header[6], header[7], header[8]]) & 0x7fff_ffff,
            payload: payload.to_vec(),
            at: Instant::now(),
            fields: Vec::new(),
        });
        at += 9 + length;
    }
    at
}

/// The whole frames a client sent, read from the bytes a server recorded of its connection
/// (`ConnectionRecord::received`): its preface skipped, a frame cut short at the end left out.
pub fn client_frames(received: &[u8]) -> Vec<WireFrame> {
    let mut frames = Vec::new();
    read_frames(
        received.strip_prefix(PREFACE).unwrap_or(received),
        &mut frames,
    );
    frames
}

/// A request's header block: `:method`, `:scheme http`, `:authority`, `:path`, each a literal
/// without indexing whose name is the static table's (RFC 7541 Appendix A).
pub fn request_headers(method: &str, target: &str) -> Vec<u8> {
    let mut block = Vec::new();
    for (name_index, value) in [(2, method), (6, "http"), (1, "hamms.test"), (4, target)] {
        // 0000xxxx: literal without indexing, name by index (4-bit prefix).
        block.push(name_index);
        hpack_string(&mut block, value.as_bytes());
    }
    block
}

/// An HPACK string literal without Huffman coding: its length as a 7-bit-prefix integer, then
/// its bytes.
fn hpack_string(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut length = bytes.len();
    if length < 127 {
        out.push(length as u8);
    } else {
        out.push(127);
        length -= 127;
        while length >= 128 {
            out.push((length % 128) as u8 | 0x80);
            length /= 128;
        }
        out.push(length as u8);
    }
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_get_a_multi_byte_length() {
        let mut out = Vec::new();
        hpack_string(&mut out, &[b'a'; 300]);
        // 300 = 127 + 173; 173 = 0b1010_1101 -> 0xad with the continuation bit, then 1.
        assert_eq!(&out[..3], &[127, 0xad, 1]);
        assert_eq!(out.len(), 303);
    }
}
