//! HTTP/1.x on the wire, at the byte level the catalog modes need: an incremental request parser
//! (`parser`, `chunked`), how bodies are delimited (`framing`), a response writer that writes
//! exactly what a mode asks (`response`), and a minimal client that forwards one request and
//! reads its answer (`client`, for stubs that proxy and for webhooks).
//!
//! What the parser accepts follows RFC 9112 (one test per rule in `rfc9112`, property tests in
//! `properties`): a request whose body two parties could delimit differently is refused, never
//! guessed at, since that is how a request smuggles another.

mod chunked;
pub(crate) mod client;
mod framing;
mod parser;
#[cfg(test)]
mod properties;
mod response;
#[cfg(test)]
mod rfc9112;

pub(crate) use chunked::chunk;
pub(crate) use client::Target;
pub(crate) use framing::{BodyReader, Framing, header_bytes};
pub(crate) use parser::{ParseError, ParsedRequest, RequestParser, has_token, wants_close};
pub(crate) use response::{Location, WireResponse, error_body, title_case};
