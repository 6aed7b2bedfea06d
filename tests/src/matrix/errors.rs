//! Short, stable names for what Rust clients report: the most telling error in a chain (an
//! HTTP/2 error code, a TLS error, hyper's kind of error, an I/O error kind), without the
//! addresses, times and counts that differ from run to run.

use std::error::Error as StdError;
use std::io;

use rustls::CertificateError;

use crate::{h2_error, hyper_errors, io_error_kind, rustls_error};

/// The most telling error in `error`'s source chain, by name.
pub(super) fn cause(error: &(dyn StdError + 'static)) -> String {
    if let Some(h2) = h2_error(error).and_then(h2_name) {
        return h2;
    }
    if let Some(tls) = rustls_error(error) {
        return tls_name(tls);
    }
    if let Some(hyper) = hyper_errors(error).last() {
        return hyper_name(hyper);
    }
    match io_error_kind(error) {
        Some(kind) => format!("{kind:?}"),
        None => innermost(error).to_string(),
    }
}

/// An HTTP/2 error code and who raised it: `RST_STREAM(REFUSED_STREAM) from the server`.
fn h2_name(error: &h2::Error) -> Option<String> {
    let reason = error.reason()?;
    let frame = if error.is_go_away() {
        "GOAWAY"
    } else if error.is_reset() {
        "RST_STREAM"
    } else {
        "error"
    };
    let by = if error.is_remote() {
        "from the server"
    } else {
        "found by the client"
    };
    Some(format!("{frame}({reason:?}) {by}"))
}

/// A rustls error without the times and names it carries: `InvalidCertificate(Expired)`.
fn tls_name(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(certificate) => {
            let why = match certificate {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => "Expired",
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "NotValidYet"
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => "NotValidForName",
                other => return format!("InvalidCertificate({})", variant(other)),
            };
            format!("InvalidCertificate({why})")
        }
        other => variant(other),
    }
}

/// The name of an enum's variant, as its `Debug` begins, without the fields or the `Context`
/// suffix of the variants that carry details (times, names, algorithm ids).
fn variant(value: &impl std::fmt::Debug) -> String {
    let debug = format!("{value:?}");
    let name = first_field(&debug);
    let name = name.split([' ', '{']).next().unwrap_or(name);
    name.strip_suffix("Context").unwrap_or(name).to_owned()
}

/// hyper's kind of error as its `Debug` names it (`IncompleteMessage`, `Parse(Version)`), with
/// what caused it: the kind of an I/O error, or what hyper says (`keep-alive timed out`).
fn hyper_name(error: &hyper::Error) -> String {
    let debug = format!("{error:?}");
    let kind = debug
        .strip_prefix("hyper::Error(")
        .map(first_field)
        .unwrap_or(&debug);
    match (io_error_kind(error), error.source()) {
        (Some(io), _) => format!("{kind}: {io:?}"),
        (None, Some(cause)) => format!("{kind}: {cause}"),
        (None, None) => kind.to_owned(),
    }
}

/// The first field of a `Debug` tuple's fields: up to the first comma or closing parenthesis
/// outside any parentheses of its own.
fn first_field(fields: &str) -> &str {
    let mut depth = 0usize;
    for (i, c) in fields.char_indices() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' if depth == 0 => return &fields[..i],
            ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => return &fields[..i],
            _ => {}
        }
    }
    fields
}

/// The last error of the chain.
fn innermost<'a>(error: &'a (dyn StdError + 'static)) -> &'a (dyn StdError + 'static) {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current
}

/// The name of an I/O error that ended a run: its kind, and what it wraps when that says more
/// (a TLS error inside an `io::Error`).
pub(super) fn io_name(error: &io::Error) -> String {
    if let Some(tls) = rustls_error(error) {
        return tls_name(tls);
    }
    format!("{:?}", error.kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_field_of_a_debug_tuple_stops_at_its_own_level() {
        assert_eq!(first_field("IncompleteMessage)"), "IncompleteMessage");
        assert_eq!(first_field("Parse(Header(Token)))"), "Parse(Header(Token))");
        assert_eq!(first_field("Io, Kind(ConnectionReset))"), "Io");
    }
}
