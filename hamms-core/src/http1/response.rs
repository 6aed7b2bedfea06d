//! HTTP/1.1 responses as the catalog modes write them: exact bytes, in the order given.

use std::borrow::Cow;

/// The `Server` header of every hamms response. Same length as Hamms 1.3's `Hamms/1.3`, so the
/// dripped 204 of `slow_drip` is 46 bytes, as in Hamms.
pub(crate) const SERVER: &str = "hamms/0.1";

/// A response head and body. Headers are written exactly in the order added.
#[derive(Debug, Clone)]
pub(crate) struct WireResponse {
    status: u16,
    headers: Vec<(Cow<'static, str>, String)>,
    body: Vec<u8>,
    /// The mode streams the body itself (chunked, or until close): no automatic length.
    streamed: bool,
}

/// Where the mistake an error body describes lies: Vaurien's `location`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    /// A request's query string (a parameter).
    QueryString,
    /// A request's body (a form's parameter, the control API's JSON).
    Body,
    /// A request's path (what it names).
    #[cfg_attr(
        not(feature = "control"),
        allow(dead_code, reason = "the control API's routes name paths")
    )]
    Path,
    /// A request's method.
    Method,
    /// A request's header.
    Header,
    /// The request as a whole (malformed, of a version the server does not speak).
    Request,
    /// A proxy's backend.
    Backend,
    /// The server itself.
    Server,
}

impl Location {
    /// As Vaurien writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Location::QueryString => "querystring",
            Location::Body => "body",
            Location::Path => "path",
            Location::Method => "method",
            Location::Header => "header",
            Location::Request => "request",
            Location::Backend => "backend",
            Location::Server => "server",
        }
    }
}

/// The error body every hamms 4xx uses: Vaurien's shape,
/// `{"status":"error","errors":[{"location":..,"name":..,"description":..}]}`, with Hamms'
/// `error` member (the description) beside it, so a client written for either reads it.
pub(crate) fn error_body(location: Location, name: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "status": "error",
        "error": description,
        "errors": [{"location": location.as_str(), "name": name, "description": description}],
    })
}

impl WireResponse {
    /// A response with the `Server` header and an empty body.
    pub(crate) fn new(status: u16) -> Self {
        WireResponse {
            status,
            headers: vec![("Server".into(), SERVER.to_owned())],
            body: Vec::new(),
            streamed: false,
        }
    }

    /// A JSON response.
    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Self {
        WireResponse::new(status)
            .header("Content-Type", "application/json")
            .body(value.to_string())
    }

    /// A 4xx with the body of [`error_body`].
    pub(crate) fn error(status: u16, location: Location, name: &str, description: &str) -> Self {
        WireResponse::json(status, &error_body(location, name, description))
    }

    pub(crate) fn header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub(crate) fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Declares that the mode writes the body itself after the head (chunked, or delimited by
    /// closing the connection), so the head carries no automatic `Content-Length`.
    pub(crate) fn streamed(mut self) -> Self {
        self.streamed = true;
        self
    }

    /// The status code.
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// The headers, in the order added.
    pub(crate) fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// The length of the body.
    pub(crate) fn body_len(&self) -> usize {
        self.body.len()
    }

    /// The body (the HTTP/2 modes send it in DATA frames).
    pub(crate) fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Statuses that never carry a body, hence no automatic Content-Length.
    fn is_bodiless(&self) -> bool {
        (100..200).contains(&self.status) || self.status == 204 || self.status == 304
    }

    /// The status line and headers, ending with the blank line. Adds `Content-Length` for the body
    /// unless a mode set its own (to lie about it), streams the body, or the status has none.
    pub(crate) fn head_bytes(&self) -> Vec<u8> {
        let reason = http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Unknown");
        let mut out = format!("HTTP/1.1 {} {reason}\r\n", self.status).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if !self.is_bodiless() && !self.streamed && !self.has_header("content-length") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The head followed by the body: the whole response on the wire.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = self.head_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// Whether this response itself says the connection ends after it.
    pub(crate) fn closes(&self) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, v)| v.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("close"))
    }
}

/// A header name as httpbin and WireMock write it in JSON: each `-`-separated word capitalized,
/// `x-request-id` as `X-Request-Id`.
pub(crate) fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_lists_headers_in_order_and_adds_content_length() {
        let response = WireResponse::new(418).header("X-A", "1").body("tea");
        assert_eq!(
            String::from_utf8(response.head_bytes()).unwrap(),
            "HTTP/1.1 418 I'm a teapot\r\nServer: hamms/0.1\r\nX-A: 1\r\nContent-Length: 3\r\n\r\n"
        );
    }

    #[test]
    fn bodiless_statuses_and_explicit_lengths_get_no_automatic_length() {
        let head = String::from_utf8(WireResponse::new(204).head_bytes()).unwrap();
        assert_eq!(head, "HTTP/1.1 204 No Content\r\nServer: hamms/0.1\r\n\r\n");
        assert_eq!(head.len(), 46, "Hamms' dripped response is 46 bytes");

        let lying = WireResponse::new(200)
            .header("Content-Length", "2300")
            .body("short");
        let head = String::from_utf8(lying.head_bytes()).unwrap();
        assert_eq!(head.matches("Content-Length").count(), 1, "{head}");
    }

    #[test]
    fn connection_close_is_found_among_tokens() {
        assert!(
            WireResponse::new(200)
                .header("Connection", "keep-alive, Close")
                .closes()
        );
        assert!(
            !WireResponse::new(200)
                .header("Connection", "keep-alive")
                .closes()
        );
    }
}
