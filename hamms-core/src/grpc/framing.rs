//! gRPC's length-prefixed messages: a compressed flag (one byte), a length (four bytes, big
//! endian), then the message's bytes.

use bytes::{BufMut, Bytes, BytesMut};

/// The length of a message's prefix.
pub(crate) const PREFIX_LEN: usize = 5;

/// The prefix of a message of `length` bytes, compressed or not.
pub(crate) fn prefix(compressed: bool, length: u32) -> [u8; PREFIX_LEN] {
    let [a, b, c, d] = length.to_be_bytes();
    [u8::from(compressed), a, b, c, d]
}

/// `message` framed as gRPC sends it, uncompressed.
///
/// # Panics
/// If `message` is 4 GiB or longer, which the prefix cannot say (hamms' own messages are at
/// most 64 MiB).
pub(crate) fn framed(message: &[u8]) -> Bytes {
    let length = u32::try_from(message.len()).expect("a gRPC message under 4 GiB");
    let mut out = BytesMut::with_capacity(PREFIX_LEN + message.len());
    out.put_slice(&prefix(false, length));
    out.put_slice(message);
    out.freeze()
}

/// A message of `size` bytes (all `a`), framed: built in one buffer, as it may be large.
///
/// # Panics
/// As [`framed`], if `size` is 4 GiB or more.
pub(crate) fn filled(size: usize) -> Bytes {
    let length = u32::try_from(size).expect("a gRPC message under 4 GiB");
    let mut out = BytesMut::with_capacity(PREFIX_LEN + size);
    out.put_slice(&prefix(false, length));
    out.put_bytes(b'a', size);
    out.freeze()
}

/// The messages of a request body, in order: each whole message's compressed flag and bytes. A
/// message cut short (by the body cap, or a client that stopped) ends the iteration.
#[derive(Debug, Clone)]
pub(crate) struct Messages<'a> {
    rest: &'a [u8],
}

impl<'a> Messages<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Messages<'a> {
        Messages { rest: body }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = (bool, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let head = self.rest.get(..PREFIX_LEN)?;
        let length = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let end = PREFIX_LEN.checked_add(usize::try_from(length).ok()?)?;
        let message = self.rest.get(PREFIX_LEN..end)?;
        let compressed = head[0] & 1 == 1;
        self.rest = &self.rest[end..];
        Some((compressed, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_read_back_as_they_were_framed_and_a_cut_one_is_left() {
        let mut body = framed(b"hello").to_vec();
        body.extend_from_slice(&framed(b""));
        body.extend_from_slice(&prefix(true, 3));
        body.extend_from_slice(b"abc");
        body.extend_from_slice(&prefix(false, 10));
        body.extend_from_slice(b"cut");
        let read: Vec<_> = Messages::new(&body).collect();
        assert_eq!(
            read,
            [
                (false, &b"hello"[..]),
                (false, &b""[..]),
                (true, &b"abc"[..])
            ]
        );
        assert_eq!(framed(b"hi").as_ref(), [0, 0, 0, 0, 2, b'h', b'i']);
        assert_eq!(filled(3), framed(b"aaa"));
    }
}
