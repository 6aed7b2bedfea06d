//! How an HTTP/1.x message body is delimited on the wire (RFC 9112 §6), for every party of hamms
//! that writes or reads one: the request parser, the fixture's answers, the modes that stream a
//! body, and the proxy relaying a backend's response.

use http::{HeaderName, HeaderValue, Method, Version};

use super::chunked::{ChunkedDecoder, chunk};

/// How a message's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// There is no body (a HEAD answer, 1xx, 204, 304).
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`, ended by the last chunk and its trailers.
    Chunked,
    /// The body ends when the connection closes: a response with neither length nor chunking,
    /// and every streamed body sent to an HTTP/1.0 client, which knows no chunking.
    UntilClose,
}

impl Framing {
    /// How the response to `method` with `status` and `headers` is delimited (RFC 9112 §6.3).
    /// Header values that do not parse leave the body delimited by the close, as a lenient
    /// client reads them.
    pub(crate) fn of_response<'a>(
        method: &Method,
        status: u16,
        headers: impl IntoIterator<Item = (&'a [u8], &'a [u8])> + Clone,
    ) -> Framing {
        if *method == Method::HEAD || (100..200).contains(&status) || status == 204 || status == 304
        {
            return Framing::None;
        }
        let values = |name: &'static str| {
            headers
                .clone()
                .into_iter()
                .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
                .filter_map(|(_, v)| std::str::from_utf8(v).ok())
        };
        if values("transfer-encoding").any(last_coding_is_chunked) {
            Framing::Chunked
        } else if let Some(length) = values("content-length").find_map(|v| v.trim().parse().ok()) {
            Framing::Length(length)
        } else {
            Framing::UntilClose
        }
    }

    /// How a request's body is delimited (RFC 9112 §6), or why it cannot be told, which the
    /// server answers with 400 and a close. A request that two parties could delimit
    /// differently lets a client smuggle a second request inside the first one's body (RFC 9112
    /// §11.2), so every rule here refuses rather than guesses: Content-Length with
    /// Transfer-Encoding, Transfer-Encoding from an HTTP/1.0 client, `chunked` missing from the
    /// end of the codings or given twice, and Content-Length values that differ or are not plain
    /// digits.
    ///
    /// Codings before the final `chunked` (`gzip, chunked`) are accepted; the recorded body is
    /// then still so encoded.
    pub(crate) fn of_request(
        version: Version,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<Framing, String> {
        let codings = transfer_codings(headers)?;
        let length = content_length(headers)?;
        let Some(codings) = codings else {
            return Ok(Framing::Length(length.unwrap_or(0)));
        };
        if length.is_some() {
            return Err(
                "a request with both Content-Length and Transfer-Encoding can be read \
                        two ways, so it is refused (RFC 9112 §6.1); send one of them"
                    .to_owned(),
            );
        }
        if version == Version::HTTP_10 {
            return Err(
                "Transfer-Encoding in an HTTP/1.0 request, which knows no transfer \
                        codings (RFC 9112 §6.1); send Content-Length"
                    .to_owned(),
            );
        }
        let chunked = codings.iter().filter(|c| c.eq_ignore_ascii_case("chunked"));
        match (chunked.count(), codings.last()) {
            (1, Some(last)) if last.eq_ignore_ascii_case("chunked") => Ok(Framing::Chunked),
            (0 | 1, _) => Err(format!(
                "Transfer-Encoding `{}` does not end with `chunked`, so where the body ends \
                 cannot be told (RFC 9112 §6.3)",
                shown(&codings.join(", "))
            )),
            _ => Err(format!(
                "Transfer-Encoding `{}` applies `chunked` more than once (RFC 9112 §6.1)",
                shown(&codings.join(", "))
            )),
        }
    }

    /// How a body the server writes piece by piece goes to a client speaking `version` in
    /// answer to `method`: chunked to HTTP/1.1, until the close to HTTP/1.0, not at all to HEAD.
    pub(crate) fn for_streaming(method: &Method, version: Version) -> Framing {
        if *method == Method::HEAD {
            Framing::None
        } else if version == Version::HTTP_10 {
            Framing::UntilClose
        } else {
            Framing::Chunked
        }
    }

    /// Whether a client can tell where the body ends without the connection closing.
    pub(crate) fn delimits(self) -> bool {
        self != Framing::UntilClose
    }

    /// `data` as one piece of a body so framed: a chunk, the bytes themselves, or nothing.
    pub(crate) fn piece(self, data: &[u8]) -> Vec<u8> {
        match self {
            Framing::Chunked => chunk(data),
            Framing::Length(_) | Framing::UntilClose => data.to_vec(),
            Framing::None => Vec::new(),
        }
    }

    /// What ends a body so framed (the last chunk, without trailers), if anything.
    pub(crate) fn end(self) -> &'static [u8] {
        match self {
            Framing::Chunked => LAST_CHUNK,
            Framing::None | Framing::Length(_) | Framing::UntilClose => b"",
        }
    }
}

/// The chunk that ends a chunked body (no trailers).
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Whether a `Transfer-Encoding` value names `chunked` last.
pub(crate) fn last_coding_is_chunked(value: &str) -> bool {
    value
        .rsplit(',')
        .next()
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
}

/// The transfer codings of every `Transfer-Encoding` field line, in order (RFC 9110 §5.3: the
/// lines are one comma-separated list), or `None` without the header. Empty list elements
/// carry nothing (RFC 9110 §5.6.1) and are skipped.
fn transfer_codings(headers: &[(HeaderName, HeaderValue)]) -> Result<Option<Vec<&str>>, String> {
    let mut codings: Option<Vec<&str>> = None;
    for (_, value) in headers
        .iter()
        .filter(|(name, _)| name == http::header::TRANSFER_ENCODING)
    {
        let value = value
            .to_str()
            .map_err(|_| "Transfer-Encoding is not ASCII".to_owned())?;
        let listed = value.split(',').map(trim_ows).filter(|c| !c.is_empty());
        codings.get_or_insert_with(Vec::new).extend(listed);
    }
    Ok(codings)
}

/// The value of every `Content-Length` field line and list element, which must agree (RFC 9110
/// §8.6 lets a recipient take `5, 5` as 5), or `None` without the header.
fn content_length(headers: &[(HeaderName, HeaderValue)]) -> Result<Option<u64>, String> {
    let mut length = None;
    for (_, value) in headers
        .iter()
        .filter(|(name, _)| name == http::header::CONTENT_LENGTH)
    {
        let value = value
            .to_str()
            .map_err(|_| "Content-Length is not ASCII".to_owned())?;
        for element in value.split(',').map(trim_ows) {
            // Plain digits only: `u64::from_str` also takes `+5`, which a party in front of
            // the server may read otherwise.
            let parsed = Some(element)
                .filter(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|e| e.parse::<u64>().ok())
                .ok_or_else(|| {
                    format!(
                        "invalid Content-Length `{}`: expected a number of bytes",
                        shown(element)
                    )
                })?;
            match length {
                Some(seen) if seen != parsed => {
                    return Err(format!(
                        "conflicting Content-Length values {seen} and {parsed} (RFC 9112 §6.3)"
                    ));
                }
                _ => length = Some(parsed),
            }
        }
    }
    Ok(length)
}

/// The start of a value quoted in an error message: a head may be a megabyte long.
fn shown(text: &str) -> String {
    const SHOWN: usize = 64;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

/// `text` without the optional whitespace (spaces and tabs) around list elements.
fn trim_ows(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// The headers of a parsed message as byte pairs, for [`Framing::of_response`].
pub(crate) fn header_bytes(
    headers: &[(HeaderName, HeaderValue)],
) -> impl Iterator<Item = (&[u8], &[u8])> + Clone {
    headers
        .iter()
        .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
}

/// Finds where a body ends as its bytes arrive, handing on its content (chunk framing removed).
#[derive(Debug)]
pub(crate) struct BodyReader {
    state: Reading,
}

#[derive(Debug)]
enum Reading {
    /// This many bytes are left.
    Length(u64),
    Chunked(ChunkedDecoder),
    /// Everything until the connection closes.
    UntilClose,
    Done,
}

impl BodyReader {
    pub(crate) fn new(framing: Framing) -> BodyReader {
        let state = match framing {
            Framing::None | Framing::Length(0) => Reading::Done,
            Framing::Length(n) => Reading::Length(n),
            Framing::Chunked => Reading::Chunked(ChunkedDecoder::new()),
            Framing::UntilClose => Reading::UntilClose,
        };
        BodyReader { state }
    }

    /// Reads the body's part of `bytes`, handing its content to `content`; returns how many
    /// bytes belong to the body. Errors name what is wrong with a chunked body's framing.
    pub(crate) fn read(
        &mut self,
        bytes: &[u8],
        mut content: impl FnMut(&[u8]),
    ) -> Result<usize, &'static str> {
        match &mut self.state {
            Reading::Done => Ok(0),
            Reading::Length(left) => {
                let used = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                content(&bytes[..used]);
                *left -= used as u64;
                if *left == 0 {
                    self.state = Reading::Done;
                }
                Ok(used)
            }
            Reading::Chunked(decoder) => {
                let used = decoder.decode(bytes, content)?;
                if decoder.is_done() {
                    self.state = Reading::Done;
                }
                Ok(used)
            }
            Reading::UntilClose => {
                content(bytes);
                Ok(bytes.len())
            }
        }
    }

    /// Whether the whole body has been read.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.state, Reading::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs<'a>(headers: &'a [(&'a str, &'a str)]) -> Vec<(&'a [u8], &'a [u8])> {
        headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect()
    }

    #[test]
    fn a_response_is_framed_by_chunking_then_length_then_the_close() {
        let get = Method::GET;
        let chunked = pairs(&[
            ("Content-Length", "3"),
            ("Transfer-Encoding", "gzip, chunked"),
        ]);
        assert_eq!(
            Framing::of_response(&get, 200, chunked.iter().copied()),
            Framing::Chunked
        );
        let length = pairs(&[("content-length", " 12 ")]);
        assert_eq!(
            Framing::of_response(&get, 200, length.iter().copied()),
            Framing::Length(12)
        );
        assert_eq!(
            Framing::of_response(&get, 200, std::iter::empty()),
            Framing::UntilClose
        );
        for status in [101, 204, 304] {
            assert_eq!(
                Framing::of_response(&get, status, length.iter().copied()),
                Framing::None
            );
        }
        assert_eq!(
            Framing::of_response(&Method::HEAD, 200, length.iter().copied()),
            Framing::None
        );
    }

    #[test]
    fn a_reader_stops_where_its_body_ends() {
        let mut body = Vec::new();
        let mut reader = BodyReader::new(Framing::Chunked);
        let used = reader
            .read(b"3\r\nabc\r\n0\r\n\r\nNEXT", |b| body.extend_from_slice(b))
            .unwrap();
        assert!(reader.is_done());
        assert_eq!((body.as_slice(), used), (&b"abc"[..], 13));

        let mut reader = BodyReader::new(Framing::Length(4));
        assert_eq!(reader.read(b"ab", |_| {}), Ok(2));
        assert_eq!(reader.read(b"cdef", |_| {}), Ok(2));
        assert!(reader.is_done());
        assert_eq!(reader.read(b"more", |_| {}), Ok(0));
    }
}
