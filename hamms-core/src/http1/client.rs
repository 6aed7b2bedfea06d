//! A minimal HTTP/1.1 client: one request sent to another server and its whole answer read,
//! for a stub's proxying (`Answer::proxy`, WireMock's `proxyBaseUrl`) and webhooks. Plain
//! HTTP/1.1 on a connection of its own, closed after the answer.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::framing::{BodyReader, Framing};

/// How long a forwarded request may take, from connecting to the end of its answer.
const PATIENCE: Duration = Duration::from_secs(30);
/// The largest answer read back.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// Where a URL points: `host:port`, and the path it starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) authority: String,
    pub(crate) path: String,
}

impl Target {
    /// An `http://host[:port][/path]` URL; `Err` naming what is wrong (https included: not
    /// forwarded by hamms).
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!("`{url}` is not an http:// URL (hamms forwards plain HTTP only)")
        })?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(format!("`{url}` names no host"));
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(Target {
            authority,
            path: path.trim_end_matches('/').to_owned(),
        })
    }
}

/// An answer read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answered {
    pub(crate) status: u16,
    /// Its headers, framing ones (`content-length`, `transfer-encoding`, `connection`) left out.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Vec<u8>,
}

/// Sends `method target` with `headers` and `body` to `authority` (`host:port`), and reads the
/// whole answer.
pub(crate) async fn send(
    authority: &str,
    method: &Method,
    target: &str,
    headers: &[(HeaderName, HeaderValue)],
    body: &[u8],
) -> Result<Answered, String> {
    tokio::time::timeout(PATIENCE, exchange(authority, method, target, headers, body))
        .await
        .map_err(|_| format!("{authority} did not answer within {PATIENCE:?}"))?
}

async fn exchange(
    authority: &str,
    method: &Method,
    target: &str,
    headers: &[(HeaderName, HeaderValue)],
    body: &[u8],
) -> Result<Answered, String> {
    let mut stream = TcpStream::connect(authority)
        .await
        .map_err(|e| format!("{authority}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let mut out = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    let has_host = headers.iter().any(|(n, _)| n == http::header::HOST);
    if !has_host {
        out.extend_from_slice(format!("host: {authority}\r\n").as_bytes());
    }
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    stream
        .write_all(&out)
        .await
        .map_err(|e| format!("{authority}: {e}"))?;
    let mut answer = AnswerReader::new(method);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("{authority}: {e}"))?;
        if n == 0 {
            return answer
                .closed()
                .ok_or_else(|| format!("{authority} closed before a whole answer"));
        }
        if let Some(whole) = answer.feed(&chunk[..n])? {
            return Ok(whole);
        }
        if answer.received > MAX_ANSWER {
            return Err(format!("{authority} answered more than {MAX_ANSWER} bytes"));
        }
    }
}

/// An answer read as its bytes arrive: the head parsed once, then each new piece of the body
/// decoded where it left off.
struct AnswerReader<'a> {
    method: &'a Method,
    /// The head's bytes until it is whole.
    head: Vec<u8>,
    /// Once the head is read: the answer so far, its framing, and where its body stands.
    reading: Option<(Answered, Framing, BodyReader)>,
    /// Bytes fed so far.
    received: usize,
}

impl<'a> AnswerReader<'a> {
    fn new(method: &'a Method) -> AnswerReader<'a> {
        AnswerReader {
            method,
            head: Vec::new(),
            reading: None,
            received: 0,
        }
    }

    /// Takes the next bytes received; the answer once it is whole. `Err` when they are not an
    /// HTTP answer.
    fn feed(&mut self, bytes: &[u8]) -> Result<Option<Answered>, String> {
        self.received += bytes.len();
        if self.reading.is_some() {
            return self.body(bytes);
        }
        self.head.extend_from_slice(bytes);
        loop {
            let Some((answer, framing, end)) = parse_head(&self.head, self.method)? else {
                return Ok(None);
            };
            self.head.drain(..end);
            // An interim answer (100 Continue, 103 Early Hints) comes before the final one.
            if !(100..200).contains(&answer.status) {
                self.reading = Some((answer, framing, BodyReader::new(framing)));
                break;
            }
        }
        let rest = std::mem::take(&mut self.head);
        self.body(&rest)
    }

    fn body(&mut self, bytes: &[u8]) -> Result<Option<Answered>, String> {
        let (answer, _, reader) = self.reading.as_mut().expect("the head is read");
        reader
            .read(bytes, |piece| answer.body.extend_from_slice(piece))
            .map_err(|e| format!("a broken body: {e}"))?;
        Ok(reader
            .is_done()
            .then(|| self.reading.take().map(|(answer, ..)| answer))
            .flatten())
    }

    /// The answer, the connection having closed: whole if its body ran until the close.
    fn closed(self) -> Option<Answered> {
        self.reading
            .filter(|(_, framing, _)| *framing == Framing::UntilClose)
            .map(|(answer, ..)| answer)
    }
}

/// The answer's head at the start of `bytes` (its body still empty), its framing, and where
/// it ends; `None` until it is whole.
fn parse_head(bytes: &[u8], method: &Method) -> Result<Option<(Answered, Framing, usize)>, String> {
    let mut fields = [httparse::EMPTY_HEADER; 256];
    let mut head = httparse::Response::new(&mut fields);
    let end = match head.parse(bytes) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("not an HTTP response ({e})")),
    };
    // httparse reads any three digits: 000 to 099 are no status.
    let status = head.code.filter(|code| *code >= 100).ok_or_else(|| {
        format!(
            "not an HTTP response (status {:03})",
            head.code.unwrap_or(0)
        )
    })?;
    let framing = Framing::of_response(
        method,
        status,
        head.headers.iter().map(|h| (h.name.as_bytes(), h.value)),
    );
    let headers = head
        .headers
        .iter()
        .filter(|h| {
            ![
                "content-length",
                "transfer-encoding",
                "connection",
                "keep-alive",
            ]
            .iter()
            .any(|skip| h.name.eq_ignore_ascii_case(skip))
        })
        .filter_map(|h| {
            Some((
                HeaderName::from_bytes(h.name.as_bytes()).ok()?,
                HeaderValue::from_bytes(h.value).ok()?,
            ))
        })
        .collect();
    let answer = Answered {
        status,
        headers,
        body: Vec::new(),
    };
    Ok(Some((answer, framing, end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer in `bytes` if it is whole.
    fn parse(bytes: &[u8], method: &Method) -> Result<Option<Answered>, String> {
        AnswerReader::new(method).feed(bytes)
    }

    /// The answer in `bytes`, the connection having closed after them.
    fn parse_at_close(bytes: &[u8], method: &Method) -> Option<Answered> {
        let mut reader = AnswerReader::new(method);
        match reader.feed(bytes) {
            Ok(Some(answer)) => Some(answer),
            Ok(None) => reader.closed(),
            Err(_) => None,
        }
    }

    #[test]
    fn targets_are_http_urls_with_a_port() {
        assert_eq!(
            Target::parse("http://127.0.0.1:8080/base/").unwrap(),
            Target {
                authority: "127.0.0.1:8080".into(),
                path: "/base".into()
            }
        );
        assert_eq!(
            Target::parse("http://localhost").unwrap().authority,
            "localhost:80"
        );
        assert!(
            Target::parse("https://x")
                .unwrap_err()
                .contains("plain HTTP only")
        );
    }

    #[test]
    fn answers_are_read_by_their_framing() {
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-a: 1\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        let answer = parse(chunked, &Method::GET).unwrap().unwrap();
        assert_eq!((answer.status, answer.body.as_slice()), (200, &b"abc"[..]));
        assert_eq!(answer.headers.len(), 1);
        assert!(
            parse(
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
                &Method::GET
            )
            .unwrap()
            .is_none()
        );
        let until_close = b"HTTP/1.1 200 OK\r\n\r\nrest";
        assert!(parse(until_close, &Method::GET).unwrap().is_none());
        assert_eq!(
            parse_at_close(until_close, &Method::GET).unwrap().body,
            b"rest"
        );
    }

    #[test]
    fn an_answer_fed_a_byte_at_a_time_is_the_same_answer() {
        let whole =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nx-a: 1\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let mut reader = AnswerReader::new(&Method::POST);
        let mut answers = Vec::new();
        for byte in whole {
            if let Some(answer) = reader.feed(std::slice::from_ref(byte)).unwrap() {
                answers.push(answer);
            }
        }
        assert_eq!(answers.len(), 1, "one answer, when its last byte came");
        let answer = &answers[0];
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (201, &b"abcde"[..]),
            "the interim 100 is skipped"
        );
        assert_eq!(answer.headers.len(), 1);
    }

    #[test]
    fn a_status_below_100_is_not_an_answer() {
        let error = parse(b"HTTP/1.1 042 Odd\r\n\r\n", &Method::GET).unwrap_err();
        assert!(error.contains("status 042"), "{error}");
    }
}
