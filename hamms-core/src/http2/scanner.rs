//! [`FrameScanner`]: follows a stream of HTTP/2 frames as its bytes pass, in pieces of any size,
//! saying which frame each byte belongs to and when each frame is complete.
//!
//! Design note: it copies nothing but a frame header split across pieces and the start of each
//! payload (enough for the control frames' fields), so it can watch a connection of any
//! volume; it judges nothing, leaving to its caller what to do with each frame.

use super::error_code::Http2ErrorCode;
use super::frames::{self, FrameHeader, HEADER_LEN, PREFACE};

/// How much of each payload a [`Frame`] keeps: the fields of RST_STREAM, GOAWAY and PING, and
/// ten SETTINGS parameters.
const PAYLOAD_KEPT: usize = 64;

/// A frame that went by: its header and the start of its payload.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) header: FrameHeader,
    /// The payload's first bytes (up to 64).
    pub(crate) payload: Vec<u8>,
}

impl Frame {
    /// The error code of a RST_STREAM frame.
    pub(crate) fn rst_stream_code(&self) -> Option<Http2ErrorCode> {
        frames::rst_stream_code(&self.payload)
    }

    /// The last-stream-id and error code of a GOAWAY frame.
    pub(crate) fn goaway(&self) -> Option<(u32, Http2ErrorCode)> {
        frames::goaway_fields(&self.payload)
    }

    /// The parameters of a SETTINGS frame (those among its first ten).
    pub(crate) fn settings(&self) -> impl Iterator<Item = (u16, u32)> + '_ {
        frames::settings(&self.payload)
    }
}

/// What the scanner reports of the bytes it is fed, in order.
#[derive(Debug)]
pub(crate) enum Scanned<'a> {
    /// Bytes of the frame with this header: its header's 9 bytes (once all have arrived), then
    /// its payload, in one or more runs.
    Bytes(&'a FrameHeader, &'a [u8]),
    /// The frame's last byte went by.
    End(&'a Frame),
}

/// Follows one direction of an HTTP/2 connection.
#[derive(Debug)]
pub(crate) struct FrameScanner {
    /// Bytes of the connection preface still to skip (client to server only).
    preface_left: usize,
    /// The start of a frame header that arrived split.
    header: [u8; HEADER_LEN],
    header_len: usize,
    /// The frame whose payload is passing, and how many of its bytes are still to come.
    current: Option<(Frame, usize)>,
}

impl FrameScanner {
    /// Follows what a server sends.
    pub(crate) fn new() -> FrameScanner {
        FrameScanner {
            preface_left: 0,
            header: [0; HEADER_LEN],
            header_len: 0,
            current: None,
        }
    }

    /// Follows what a client sends: the connection preface, then frames.
    pub(crate) fn after_preface() -> FrameScanner {
        FrameScanner {
            preface_left: PREFACE.len(),
            ..FrameScanner::new()
        }
    }

    /// Whether the bytes so far end exactly where a frame ends: a frame written now would not
    /// land inside another one.
    pub(crate) fn at_boundary(&self) -> bool {
        self.preface_left == 0 && self.header_len == 0 && self.current.is_none()
    }

    /// Follows `bytes`, the next ones of the stream, reporting each run and each end to `each`.
    /// The bytes of a header split across calls are reported once the header is whole.
    pub(crate) fn feed(&mut self, mut bytes: &[u8], mut each: impl FnMut(Scanned<'_>)) {
        let skipped = self.preface_left.min(bytes.len());
        self.preface_left -= skipped;
        bytes = &bytes[skipped..];
        while !bytes.is_empty() {
            match &mut self.current {
                None => {
                    let take = (HEADER_LEN - self.header_len).min(bytes.len());
                    self.header[self.header_len..self.header_len + take]
                        .copy_from_slice(&bytes[..take]);
                    self.header_len += take;
                    bytes = &bytes[take..];
                    if self.header_len < HEADER_LEN {
                        return;
                    }
                    self.header_len = 0;
                    let header = FrameHeader::parse(&self.header);
                    each(Scanned::Bytes(&header, &self.header));
                    let frame = Frame {
                        header,
                        payload: Vec::new(),
                    };
                    // The length field has 24 bits: it fits in a usize.
                    let length = header.length as usize;
                    if length == 0 {
                        each(Scanned::End(&frame));
                    } else {
                        self.current = Some((frame, length));
                    }
                }
                Some((frame, left)) => {
                    let take = (*left).min(bytes.len());
                    let (run, rest) = bytes.split_at(take);
                    let kept = (PAYLOAD_KEPT - frame.payload.len().min(PAYLOAD_KEPT)).min(take);
                    frame.payload.extend_from_slice(&run[..kept]);
                    each(Scanned::Bytes(&frame.header, run));
                    *left -= take;
                    bytes = rest;
                    if *left == 0
                        && let Some((frame, _)) = self.current.take()
                    {
                        each(Scanned::End(&frame));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http2::Kind;

    /// Frames' kinds with bytes: runs, or the payload kept at an end.
    type Reported = Vec<(Kind, Vec<u8>)>;

    /// Feeds `bytes` in pieces of `size`; returns every run (as its frame's kind and bytes) and
    /// every end (as its kind and kept payload).
    fn scan(scanner: &mut FrameScanner, bytes: &[u8], size: usize) -> (Reported, Reported) {
        let (mut runs, mut ends) = (Vec::new(), Vec::new());
        for piece in bytes.chunks(size) {
            scanner.feed(piece, |scanned| match scanned {
                Scanned::Bytes(header, run) => runs.push((header.kind, run.to_vec())),
                Scanned::End(frame) => ends.push((frame.header.kind, frame.payload.clone())),
            });
        }
        (runs, ends)
    }

    fn two_frames() -> Vec<u8> {
        let mut bytes = frames::goaway(3, Http2ErrorCode::PROTOCOL_ERROR);
        bytes.extend_from_slice(&frames::data_on_stream_zero());
        bytes
    }

    #[test]
    fn frames_are_followed_whatever_the_piece_size() {
        for size in [1, 2, 5, 9, 10, 17, 100] {
            let mut scanner = FrameScanner::new();
            let (runs, ends) = scan(&mut scanner, &two_frames(), size);
            let rejoined: Vec<u8> = runs.iter().flat_map(|(_, run)| run.clone()).collect();
            assert_eq!(rejoined, two_frames(), "piece size {size}");
            assert_eq!(ends.len(), 2, "piece size {size}");
            assert_eq!(ends[0].0, Kind::GoAway);
            assert_eq!(&ends[0].1, &two_frames()[9..17]);
            assert_eq!(ends[1], (Kind::Data, Vec::new()));
            assert!(scanner.at_boundary());
        }
    }

    #[test]
    fn a_split_header_is_reported_whole_once_complete() {
        let mut scanner = FrameScanner::new();
        let frame = frames::goaway(1, Http2ErrorCode::NO_ERROR);
        let (runs, _) = scan(&mut scanner, &frame[..4], 4);
        assert!(runs.is_empty());
        assert!(!scanner.at_boundary());
        let (runs, ends) = scan(&mut scanner, &frame[4..12], 8);
        assert_eq!(runs[0], (Kind::GoAway, frame[..9].to_vec()));
        assert_eq!(runs[1], (Kind::GoAway, frame[9..12].to_vec()));
        assert!(ends.is_empty());
        assert!(!scanner.at_boundary());
    }

    #[test]
    fn the_client_preface_is_skipped() {
        let mut scanner = FrameScanner::after_preface();
        assert!(!scanner.at_boundary());
        let mut bytes = PREFACE.to_vec();
        bytes.extend_from_slice(&two_frames());
        let (_, ends) = scan(&mut scanner, &bytes, 7);
        let kinds: Vec<Kind> = ends.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(kinds, [Kind::GoAway, Kind::Data]);
    }

    #[test]
    fn only_the_start_of_a_long_payload_is_kept() {
        let mut scanner = FrameScanner::new();
        let header = FrameHeader {
            length: 1000,
            kind: Kind::Data,
            flags: 1,
            stream: 1,
        };
        let mut bytes = header.to_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(b'a', 1000));
        let (runs, ends) = scan(&mut scanner, &bytes, 300);
        assert_eq!(runs.iter().map(|(_, r)| r.len()).sum::<usize>(), 1009);
        assert_eq!(ends[0].1.len(), PAYLOAD_KEPT);
    }
}
