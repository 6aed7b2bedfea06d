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
    let mut received = Vec::new();
    loop {
        if let Some(answer) = parse(&received, method)? {
            return Ok(answer);
        }
        if received.len() > MAX_ANSWER {
            return Err(format!("{authority} answered more than {MAX_ANSWER} bytes"));
        }
        let mut chunk = vec![0u8; 64 * 1024];
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("{authority}: {e}"))?;
        if n == 0 {
            return parse_at_close(&received, method)
                .ok_or_else(|| format!("{authority} closed before a whole answer"));
        }
        received.extend_from_slice(&chunk[..n]);
    }
}

/// The answer in `bytes` if it is whole.
fn parse(bytes: &[u8], method: &Method) -> Result<Option<Answered>, String> {
    parse_with(bytes, method, false)
}

/// The answer in `bytes`, the connection having closed (a body until the close ends there).
fn parse_at_close(bytes: &[u8], method: &Method) -> Option<Answered> {
    parse_with(bytes, method, true).ok().flatten()
}

fn parse_with(bytes: &[u8], method: &Method, closed: bool) -> Result<Option<Answered>, String> {
    let mut fields = [httparse::EMPTY_HEADER; 256];
    let mut head = httparse::Response::new(&mut fields);
    let end = match head.parse(bytes) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("not an HTTP response ({e})")),
    };
    let status = head.code.unwrap_or(502);
    let framing = Framing::of_response(
        method,
        status,
        head.headers.iter().map(|h| (h.name.as_bytes(), h.value)),
    );
    let mut body = Vec::new();
    let mut reader = BodyReader::new(framing);
    if framing != Framing::None {
        reader
            .read(&bytes[end..], |piece| body.extend_from_slice(piece))
            .map_err(|e| format!("a broken body: {e}"))?;
        let done = reader.is_done() || (closed && framing == Framing::UntilClose);
        if !done {
            return Ok(None);
        }
    }
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
    Ok(Some(Answered {
        status,
        headers,
        body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
