//! `Transfer-Encoding: chunked`: an incremental decoder for bodies hamms reads, and the chunk
//! writer for bodies it sends.
//!
//! Design note: it is fed whatever bytes have arrived and remembers where it stopped, so a body
//! arriving in many reads is decoded in linear time. It accepts bare LF line endings, as hyper and
//! most servers do, and skips chunk extensions and trailers, within bounds: what it skips costs
//! nothing to keep, but a client streaming extensions or trailers forever would hold the
//! connection as long as it likes (hyper bounds them for the same reason).

/// Longest chunk-size line (size and extensions) or trailer line accepted.
const MAX_LINE: usize = 4096;
/// Most bytes of chunk extensions accepted in one body (hyper's bound).
const MAX_EXTENSIONS: usize = 16 * 1024;
/// Most bytes of trailer fields accepted after the last chunk.
const MAX_TRAILERS: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Size,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    Trailer,
    TrailerLf,
    Done,
}

#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: State,
    /// The size being read in `Size`, then the bytes left in `Data`.
    size: u64,
    digits: usize,
    /// Length of the size or trailer line being read.
    line: usize,
    /// Bytes of chunk extensions in the body so far.
    extensions: usize,
    /// Bytes of trailer fields so far.
    trailers: usize,
}

impl ChunkedDecoder {
    pub(crate) fn new() -> Self {
        ChunkedDecoder {
            state: State::Size,
            size: 0,
            digits: 0,
            line: 0,
            extensions: 0,
            trailers: 0,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input`, handing body bytes to `out`. Returns how many input bytes it used;
    /// it stops right after the last chunk's trailers.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        mut out: impl FnMut(&[u8]),
    ) -> Result<usize, &'static str> {
        let mut i = 0;
        while i < input.len() && self.state != State::Done {
            if self.state == State::Data {
                let take = (input.len() - i).min(usize::try_from(self.size).unwrap_or(usize::MAX));
                out(&input[i..i + take]);
                i += take;
                self.size -= take as u64;
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                continue;
            }
            let byte = input[i];
            i += 1;
            self.state = self.step(byte)?;
        }
        Ok(i)
    }

    fn step(&mut self, byte: u8) -> Result<State, &'static str> {
        if matches!(self.state, State::Size | State::Extension | State::Trailer) {
            self.line += 1;
            if self.line > MAX_LINE {
                return Err(if self.state == State::Trailer {
                    "trailer line too long"
                } else {
                    "chunk-size line too long"
                });
            }
        }
        Ok(match (self.state, byte) {
            (State::Size, b) if b.is_ascii_hexdigit() => {
                let digit = u64::from((b as char).to_digit(16).unwrap_or(0));
                self.size = self
                    .size
                    .checked_mul(16)
                    .and_then(|v| v.checked_add(digit))
                    .ok_or("chunk size does not fit in 64 bits")?;
                self.digits += 1;
                State::Size
            }
            (State::Size, b';' | b' ' | b'\t') => self.extension_byte()?,
            (State::Size | State::Extension, b'\r') => State::SizeLf,
            (State::Size | State::Extension | State::SizeLf, b'\n') => self.end_of_size_line()?,
            (State::Size, _) => return Err("invalid byte in chunk size"),
            (State::Extension, b) if is_field_byte(b) => self.extension_byte()?,
            (State::Extension, _) => return Err("control character in a chunk extension"),
            (State::SizeLf, _) => return Err("expected LF after chunk size"),
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataCr | State::DataLf, b'\n') => State::Size,
            (State::DataCr | State::DataLf, _) => return Err("expected CRLF after chunk data"),
            (State::Trailer, b'\r') => State::TrailerLf,
            (State::Trailer | State::TrailerLf, b'\n') => {
                // `line` counted this line's bytes and its CR, if any.
                if self.line <= 1 {
                    State::Done
                } else {
                    self.line = 0;
                    State::Trailer
                }
            }
            (State::Trailer, b) if is_field_byte(b) => {
                self.trailers += 1;
                if self.trailers > MAX_TRAILERS {
                    return Err("trailer section too long");
                }
                State::Trailer
            }
            (State::Trailer, _) => return Err("control character in a trailer"),
            (State::TrailerLf, _) => return Err("expected LF in trailer"),
            (State::Data | State::Done, _) => unreachable!("decode() handles these states"),
        })
    }

    /// Counts one byte of a chunk extension against the body's bound.
    fn extension_byte(&mut self) -> Result<State, &'static str> {
        self.extensions += 1;
        if self.extensions > MAX_EXTENSIONS {
            return Err("chunk extensions too long");
        }
        Ok(State::Extension)
    }

    fn end_of_size_line(&mut self) -> Result<State, &'static str> {
        if self.digits == 0 {
            return Err("missing chunk size");
        }
        self.digits = 0;
        self.line = 0;
        Ok(if self.size == 0 {
            State::Trailer
        } else {
            State::Data
        })
    }
}

/// Whether `byte` may appear in a chunk extension or a trailer field: anything but control
/// characters other than HTAB (RFC 9110 §5.5).
fn is_field_byte(byte: u8) -> bool {
    byte == b'\t' || !byte.is_ascii_control()
}

/// One chunk of a `Transfer-Encoding: chunked` body.
pub(crate) fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(input: &[u8], piece: usize) -> Result<(Vec<u8>, usize), &'static str> {
        let mut decoder = ChunkedDecoder::new();
        let mut body = Vec::new();
        let mut used = 0;
        for part in input.chunks(piece) {
            used += decoder.decode(part, |b| body.extend_from_slice(b))?;
            if decoder.is_done() {
                break;
            }
        }
        assert!(decoder.is_done(), "not done after {used} bytes");
        Ok((body, used))
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers_fed_one_byte_at_a_time() {
        let wire = b"5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
        for piece in [1, 3, wire.len()] {
            let (body, used) = decode_in_pieces(wire, piece).unwrap();
            assert_eq!(body, b"hello world");
            assert_eq!(&wire[used..], b"NEXT", "piece size {piece}");
        }
    }

    #[test]
    fn accepts_bare_lf_and_upper_case_hex() {
        let (body, _) = decode_in_pieces(b"A\nabcdefghij\n0\n\n", 4).unwrap();
        assert_eq!(body, b"abcdefghij");
    }

    #[test]
    fn rejects_garbage_and_overflow() {
        let mut d = ChunkedDecoder::new();
        assert!(d.decode(b"zz\r\n", |_| {}).is_err());
        let mut d = ChunkedDecoder::new();
        assert!(d.decode(b"fffffffffffffffff\r\n", |_| {}).is_err());
        let mut d = ChunkedDecoder::new();
        assert!(d.decode(b"\r\n", |_| {}).is_err());
        let mut d = ChunkedDecoder::new();
        assert!(d.decode(b"1\r\naXY", |_| {}).is_err());
    }
}
