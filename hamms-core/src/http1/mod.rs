//! HTTP/1.x on the wire, at the byte level the catalog modes need: an incremental request parser
//! (`parser`, `chunked`) and a response writer that writes exactly what a mode asks (`response`).

mod chunked;
mod parser;
mod response;

pub(crate) use chunked::ChunkedDecoder;
pub(crate) use parser::{ParseError, ParsedRequest, RequestParser, has_token, wants_close};
pub(crate) use response::{LAST_CHUNK, RECORDED_VALUE_LIMIT, Response, chunk, shorten};
