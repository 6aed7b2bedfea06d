//! Incremental HTTP/1.x request parsing over a connection's receive buffer.
//!
//! Design note: the catalog modes need byte-level control of what they write (one byte per
//! interval, a status line and half the headers, `foo bar`), which an HTTP server library does not
//! give. So requests are parsed here, with httparse for the head, and responses are written by the
//! modes themselves. The parser keeps its place between reads, so a request is handled in time
//! linear in its size however it is split (a head trickling in a byte at a time, a 16 MiB body in
//! many reads), and the same parser serves modes that read requests deliberately and modes that
//! only notice them while draining a connection.

use std::mem::MaybeUninit;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Version};

use super::framing::{BodyReader, Framing};
use crate::capped::append_capped;

/// Largest request head accepted (request line and headers).
pub(crate) const MAX_HEAD: usize = 1024 * 1024;
/// Most headers accepted in one request.
pub(crate) const MAX_HEADERS: usize = 1024;
/// Longest method accepted (standard ones have at most 7 bytes).
const MAX_METHOD: usize = 32;

/// The request line and headers.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub(crate) method: Method,
    pub(crate) target: String,
    pub(crate) version: Version,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Head {
    pub(crate) fn expects_continue(&self) -> bool {
        has_token(&self.headers, "expect", "100-continue")
    }
}

pub(crate) fn has_token(headers: &[(HeaderName, HeaderValue)], name: &str, token: &str) -> bool {
    headers
        .iter()
        .filter(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
        .filter_map(|(_, v)| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Whether a request with this version and these headers asks to close the connection after it:
/// HTTP/1.1 keeps connections unless `Connection: close`, HTTP/1.0 closes unless `keep-alive`.
pub(crate) fn wants_close(version: Version, headers: &[(HeaderName, HeaderValue)]) -> bool {
    if version == Version::HTTP_10 {
        !has_token(headers, "connection", "keep-alive")
    } else {
        has_token(headers, "connection", "close")
    }
}

/// A complete request: head and (capped) body.
#[derive(Debug)]
pub(crate) struct ParsedRequest {
    pub(crate) head: Head,
    pub(crate) body: Vec<u8>,
    pub(crate) body_len: u64,
}

/// Why a request could not be parsed: the status to answer with and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) status: u16,
    pub(crate) description: String,
}

impl ParseError {
    fn bad(description: impl Into<String>) -> Self {
        ParseError {
            status: 400,
            description: description.into(),
        }
    }

    fn too_large(description: impl Into<String>) -> Self {
        ParseError {
            status: 431,
            description: description.into(),
        }
    }
}

#[derive(Debug)]
enum State {
    Head,
    /// Boxed: a connection waiting for a request holds only the head state, and a request
    /// without a body never enters this one.
    Body(Box<Body>),
}

/// A request whose head is parsed and whose body is arriving.
#[derive(Debug)]
struct Body {
    head: Head,
    reader: BodyReader,
    body: Vec<u8>,
    body_len: u64,
}

impl From<Body> for ParsedRequest {
    /// The request whose body has arrived (or stopped arriving), as far as it came.
    fn from(arrived: Body) -> ParsedRequest {
        let Body {
            head,
            body,
            body_len,
            ..
        } = arrived;
        ParsedRequest {
            head,
            body,
            body_len,
        }
    }
}

/// Parses requests off the front of a receive buffer, one at a time.
#[derive(Debug)]
pub(crate) struct RequestParser {
    state: State,
    body_cap: usize,
    /// How far the buffer was searched for the blank line that ends a head.
    scanned: usize,
    /// Whether the current head's request line was complete and checked.
    line_checked: bool,
}

impl RequestParser {
    pub(crate) fn new(body_cap: usize) -> Self {
        RequestParser {
            state: State::Head,
            body_cap,
            scanned: 0,
            line_checked: false,
        }
    }

    /// The head of the request whose body is still arriving, if any.
    pub(crate) fn pending_head(&self) -> Option<&Head> {
        match &self.state {
            State::Head => None,
            State::Body(body) => Some(&body.head),
        }
    }

    /// Consumes from the front of `buf` what belongs to the current request. Returns the request
    /// once complete; `Ok(None)` means more bytes are needed.
    pub(crate) fn advance(
        &mut self,
        buf: &mut Vec<u8>,
    ) -> Result<Option<ParsedRequest>, ParseError> {
        if let State::Head = self.state {
            let Some((head, len)) = self.find_head(buf)? else {
                return Ok(None);
            };
            buf.drain(..len);
            let framing =
                Framing::of_request(head.version, &head.headers).map_err(ParseError::bad)?;
            let reader = BodyReader::new(framing);
            if reader.is_done() {
                return Ok(Some(ParsedRequest {
                    head,
                    body: Vec::new(),
                    body_len: 0,
                }));
            }
            self.state = State::Body(Box::new(Body {
                head,
                reader,
                body: Vec::new(),
                body_len: 0,
            }));
        }
        let State::Body(state) = &mut self.state else {
            unreachable!("the head was parsed above");
        };
        let cap = self.body_cap;
        let Body {
            reader,
            body,
            body_len,
            ..
        } = state.as_mut();
        let used = reader
            .read(buf, |bytes| {
                *body_len += bytes.len() as u64;
                append_capped(body, bytes, cap);
            })
            .map_err(ParseError::bad)?;
        buf.drain(..used);
        if !reader.is_done() {
            return Ok(None);
        }
        let State::Body(state) = std::mem::replace(&mut self.state, State::Head) else {
            unreachable!("still in the body state");
        };
        Ok(Some((*state).into()))
    }
}

impl RequestParser {
    /// The request still arriving when its connection ends, as far as it came, and the parser
    /// back at the start: a head whose body is incomplete, with the body so far; else the
    /// request line and the header lines that arrived whole. `None` when not even a request line
    /// did, or when what came is not HTTP.
    pub(crate) fn take_unfinished(&mut self, buf: &mut Vec<u8>) -> Option<ParsedRequest> {
        self.scanned = 0;
        self.line_checked = false;
        if let State::Body(arriving) = std::mem::replace(&mut self.state, State::Head) {
            return Some((*arriving).into());
        }
        // The lines that arrived whole, ended by the blank line that never came, make a head.
        let lines_end = buf.iter().rposition(|b| *b == b'\n')? + 1;
        let mut lines = buf[..lines_end].to_vec();
        lines.extend_from_slice(b"\r\n");
        let (head, _) = parse_head(&lines).ok().flatten()?;
        buf.clear();
        Some(ParsedRequest {
            head,
            body: Vec::new(),
            body_len: 0,
        })
    }
}

impl RequestParser {
    /// Parses the head once its blank line has arrived. httparse reads a head from its start, so
    /// calling it at every read would cost time quadratic in a head sent a byte at a time.
    ///
    /// Bytes that cannot start a request are still refused as soon as they arrive: the method is
    /// checked as it comes, and the request line once it is complete.
    fn find_head(&mut self, buf: &mut Vec<u8>) -> Result<Option<(Head, usize)>, ParseError> {
        if !self.line_checked {
            // Empty lines before a request line carry nothing (RFC 9112 §2.2 allows them): drop
            // them, so the buffer starts with the method.
            let skip = leading_empty_lines(buf);
            buf.drain(..skip);
            self.scanned = self.scanned.saturating_sub(skip);
        }
        let new_bytes_from = self.scanned;
        if let Some(end) = blank_line_end(buf, self.scanned) {
            // With no leading empty lines, the first blank line ends the head.
            let Some(found) = parse_head(buf)? else {
                return Err(ParseError::bad(format!(
                    "malformed request: incomplete head before byte {end}"
                )));
            };
            self.scanned = 0;
            self.line_checked = false;
            return Ok(Some(found));
        }
        if !self.line_checked {
            match buf.as_slice() {
                // The start of one more empty line, perhaps.
                b"\r" => return Ok(None),
                [b'\r', ..] => {
                    return Err(ParseError::bad(format!("malformed request: {BARE_CR}")));
                }
                _ => {}
            }
            let method = &buf[..buf.len().min(MAX_METHOD + 1)];
            let method = method.split(|b| *b == b' ').next().unwrap_or_default();
            if !method.iter().all(|b| is_token_byte(*b)) {
                return Err(ParseError::bad("malformed request: invalid method"));
            }
            if method.len() > MAX_METHOD {
                return Err(method_too_long());
            }
            if let Some(end) = buf[new_bytes_from..].iter().position(|b| *b == b'\n') {
                // The request line is complete: let httparse judge it, and only it, so that the
                // outcome does not depend on how much of the headers came in the same read.
                parse_head(&buf[..=new_bytes_from + end])?;
                self.line_checked = true;
            }
        }
        // The last bytes may begin a blank line that the next read completes.
        self.scanned = buf.len().saturating_sub(2);
        if buf.len() > MAX_HEAD {
            return Err(ParseError::too_large(format!(
                "request head larger than {MAX_HEAD} bytes"
            )));
        }
        Ok(None)
    }
}

fn method_too_long() -> ParseError {
    ParseError::bad(format!(
        "malformed request: method longer than {MAX_METHOD} bytes"
    ))
}

/// Whether `byte` may appear in a method (an RFC 9110 token).
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// How many bytes of empty lines (CRLF, or a bare LF) start `buf`. A bare CR ends no line
/// (RFC 9112 §2.2), so it is not skipped.
fn leading_empty_lines(buf: &[u8]) -> usize {
    let mut at = 0;
    loop {
        match &buf[at..] {
            [b'\r', b'\n', ..] => at += 2,
            [b'\n', ..] => at += 1,
            _ => return at,
        }
    }
}

/// The index just past the first empty line (`\n\n` or `\n\r\n`) at or after `from`.
fn blank_line_end(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len()).find_map(|i| match (buf[i], buf.get(i + 1), buf.get(i + 2)) {
        (b'\n', Some(b'\n'), _) => Some(i + 2),
        (b'\n', Some(b'\r'), Some(b'\n')) => Some(i + 3),
        _ => None,
    })
}

/// Headers parsed without a heap allocation; a request with more is parsed again with room for
/// [`MAX_HEADERS`].
const USUAL_HEADERS: usize = 64;

fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, ParseError> {
    let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; USUAL_HEADERS];
    if let Some(parsed) = parse_head_into(buf, &mut headers) {
        return parsed;
    }
    let mut headers = vec![MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
    parse_head_into(buf, &mut headers).unwrap_or_else(|| {
        Err(ParseError::too_large(format!(
            "more than {MAX_HEADERS} request headers"
        )))
    })
}

/// Parses a head with room for `headers.len()` headers; `None` if it has more. Header values
/// are slices of one copy of the head: a request costs one buffer for all its values, not one
/// each.
fn parse_head_into<'b>(
    buf: &'b [u8],
    headers: &mut [MaybeUninit<httparse::Header<'b>>],
) -> Option<Result<Option<(Head, usize)>, ParseError>> {
    let mut request = httparse::Request::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_request_with_uninit_headers(
        &mut request,
        buf,
        headers,
    );
    if let Err(httparse::Error::TooManyHeaders) = parsed {
        return None;
    }
    Some(head_of(buf, &request, parsed))
}

/// The head httparse parsed (or refused) from `buf`.
fn head_of(
    buf: &[u8],
    request: &httparse::Request<'_, '_>,
    parsed: httparse::Result<usize>,
) -> Result<Option<(Head, usize)>, ParseError> {
    let len = match parsed {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(ParseError::too_large(format!(
                "request head larger than {MAX_HEAD} bytes"
            )));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(malformed(buf, e)),
    };
    if len > MAX_HEAD {
        return Err(ParseError::too_large(format!(
            "request head larger than {MAX_HEAD} bytes"
        )));
    }
    // httparse fills every field of a complete request.
    let method = request.method.unwrap_or_default();
    if method.len() > MAX_METHOD {
        // Checked here too, not only while the request line arrives: a head that arrives
        // whole must meet the same bound.
        return Err(method_too_long());
    }
    let method =
        Method::from_bytes(method.as_bytes()).map_err(|_| ParseError::bad("invalid method"))?;
    let version = match request.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    let mut parsed = Vec::with_capacity(request.headers.len());
    let head = Bytes::copy_from_slice(&buf[..len]);
    for h in request.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| ParseError::bad(format!("invalid header name {:?}", h.name)))?;
        // Where `h.value` lies within `buf[..len]`, hence within its copy.
        let start = (h.value.as_ptr() as usize).checked_sub(buf.as_ptr() as usize);
        let value = match start {
            Some(start) if start + h.value.len() <= len => head.slice(start..start + h.value.len()),
            _ => Bytes::copy_from_slice(h.value),
        };
        let value = HeaderValue::from_maybe_shared(value)
            .map_err(|_| ParseError::bad(format!("invalid value for header {}", h.name)))?;
        parsed.push((name, value));
    }
    let head = Head {
        method,
        target: request.path.unwrap_or("/").to_owned(),
        version,
        headers: parsed,
    };
    Ok(Some((head, len)))
}

const BARE_CR: &str = "a bare CR (not followed by LF), which RFC 9112 §2.2 refuses";

/// Why httparse refused a head, naming the rule of RFC 9112 (or of RFC 9110 on field values)
/// that the first offending line breaks, when one of them explains it.
fn malformed(buf: &[u8], error: httparse::Error) -> ParseError {
    let lines = buf
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    for (index, line) in lines.enumerate() {
        if line.is_empty() {
            // The end of the head.
            break;
        }
        let name = line
            .iter()
            .position(|b| *b == b':')
            .map_or(&line[..0], |colon| &line[..colon]);
        let rule = if line.contains(&b'\r') {
            BARE_CR
        } else if line.contains(&0) {
            "a NUL byte, which RFC 9110 §5.5 forbids in a request"
        } else if index == 0 {
            continue;
        } else if line.starts_with(b" ") || line.starts_with(b"\t") {
            "a header line that starts with whitespace (obs-fold), which RFC 9112 §5.2 refuses \
             in requests; write each header on one line"
        } else if name.ends_with(b" ") || name.ends_with(b"\t") {
            "whitespace between a header name and its colon, which RFC 9112 §5.1 refuses"
        } else if line.iter().any(|b| b.is_ascii_control() && *b != b'\t') {
            "a control character in a header, which RFC 9110 §5.5 forbids"
        } else {
            continue;
        };
        return ParseError::bad(format!("malformed request: {rule}"));
    }
    ParseError::bad(format!("malformed request: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(wire: &[u8], piece: usize) -> Vec<ParsedRequest> {
        let mut parser = RequestParser::new(8);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for part in wire.chunks(piece) {
            buf.extend_from_slice(part);
            while let Some(request) = parser.advance(&mut buf).unwrap() {
                out.push(request);
            }
        }
        out
    }

    #[test]
    fn parses_pipelined_requests_with_length_and_chunked_bodies_in_any_split() {
        let wire = b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello\
GET /b HTTP/1.0\r\n\r\n\
PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        for piece in [1, 7, wire.len()] {
            let requests = parse_all(wire, piece);
            assert_eq!(requests.len(), 3, "piece {piece}");
            assert_eq!(requests[0].head.target, "/a?x=1");
            assert_eq!(requests[0].body, b"hello");
            assert_eq!(requests[1].head.version, Version::HTTP_10);
            let head = &requests[1].head;
            assert!(wants_close(head.version, &head.headers));
            assert_eq!(requests[2].body, b"abc");
        }
    }

    #[test]
    fn an_unfinished_request_is_taken_as_far_as_it_came() {
        // A body cut short: the head, and the body so far.
        let mut parser = RequestParser::new(1024);
        let mut buf = b"POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc".to_vec();
        assert!(parser.advance(&mut buf).unwrap().is_none());
        let cut = parser.take_unfinished(&mut buf).unwrap();
        assert_eq!(
            (cut.head.target.as_str(), &cut.body[..]),
            ("/a", &b"abc"[..])
        );
        assert_eq!(cut.body_len, 3);

        // A head cut short: the request line and the header lines that arrived whole.
        let mut buf = b"GET /b?x=1 HTTP/1.1\r\nHost: a\r\nAccept: te".to_vec();
        assert!(parser.advance(&mut buf).unwrap().is_none());
        let cut = parser.take_unfinished(&mut buf).unwrap();
        assert_eq!(cut.head.target, "/b?x=1");
        assert_eq!(cut.head.headers.len(), 1);
        assert!(buf.is_empty());

        // Not even a request line: nothing, and the parser starts over.
        let mut buf = b"GET /c HT".to_vec();
        assert!(parser.advance(&mut buf).unwrap().is_none());
        assert!(parser.take_unfinished(&mut buf).is_none());
        let mut buf = b"GET /d HTTP/1.1\r\n\r\n".to_vec();
        assert_eq!(parser.advance(&mut buf).unwrap().unwrap().head.target, "/d");
    }

    #[test]
    fn a_head_sent_a_byte_at_a_time_is_parsed_once_it_is_complete() {
        let wire = b"\r\nGET /slow HTTP/1.1\r\nHost: h\r\n\r\n";
        let requests = parse_all(wire, 1);
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].head.target, "/slow");

        let mut parser = RequestParser::new(8);
        let mut buf = Vec::new();
        for byte in b"GET / HTTP/1.1\r\nX: y\r\n" {
            buf.push(*byte);
            assert!(parser.advance(&mut buf).unwrap().is_none());
        }
        assert!(parser.scanned > 0, "the scan resumes where it stopped");
    }

    #[test]
    fn bytes_that_cannot_start_a_request_are_refused_before_any_line_ends() {
        let tls_client_hello = b"\x16\x03\x01\x02\x00";
        let err = RequestParser::new(8)
            .advance(&mut tls_client_hello.to_vec())
            .unwrap_err();
        assert_eq!(err.status, 400);
        let err = RequestParser::new(8)
            .advance(&mut b"foo bar\r\n".to_vec())
            .unwrap_err();
        assert_eq!(
            err.status, 400,
            "an invalid request line is refused when it ends"
        );
        assert!(
            RequestParser::new(8)
                .advance(&mut b"GE".to_vec())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn caps_the_kept_body_but_counts_all_of_it() {
        let wire = b"POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789";
        let request = parse_all(wire, 3).pop().unwrap();
        assert_eq!(request.body, b"01234567");
        assert_eq!(request.body_len, 20);
    }

    #[test]
    fn rejects_malformed_requests_with_400_and_oversized_ones_with_431() {
        let mut parser = RequestParser::new(8);
        let err = parser
            .advance(&mut b"foo bar\r\n\r\n".to_vec())
            .unwrap_err();
        assert_eq!(err.status, 400);

        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("h{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        let err = RequestParser::new(8).advance(&mut many).unwrap_err();
        assert_eq!(err.status, 431);

        let mut huge = b"GET /".to_vec();
        huge.resize(MAX_HEAD + 10, b'a');
        let err = RequestParser::new(8).advance(&mut huge).unwrap_err();
        assert_eq!(err.status, 431);

        let mut conflicting =
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n".to_vec();
        assert_eq!(
            RequestParser::new(8)
                .advance(&mut conflicting)
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn keep_alive_follows_the_version_defaults() {
        let closes = |wire: &[u8]| {
            let head = parse_head(wire).unwrap().unwrap().0;
            wants_close(head.version, &head.headers)
        };
        assert!(!closes(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(closes(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(closes(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(!closes(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
    }
}
