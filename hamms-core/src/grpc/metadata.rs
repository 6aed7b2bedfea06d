//! The gRPC metadata hamms reads and writes: the request's `grpc-timeout` and `hamms-*`
//! overrides, the status's `grpc-message` (percent-encoded), binary (`-bin`) values (base64),
//! and the names of the headers gRPC defines.

use std::time::Duration;

use http::{HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode, utf8_percent_encode};

/// The content type of gRPC requests and answers (`application/grpc+proto` and others are
/// variants of it).
pub(crate) const CONTENT_TYPE: &str = "application/grpc";
/// The status of a call, in its trailers (or its trailers-only answer).
pub(crate) const STATUS_HEADER: &str = "grpc-status";
/// The status's message, percent-encoded.
pub(crate) const MESSAGE_HEADER: &str = "grpc-message";
/// The deadline a client gives its call.
pub(crate) const TIMEOUT_HEADER: &str = "grpc-timeout";
/// How long a client's retry policy is to wait before its next attempt (gRPC A6).
pub(crate) const PUSHBACK_HEADER: &str = "grpc-retry-pushback-ms";
/// The prefix of the request metadata that sets a gRPC mode's parameters for one call.
const OVERRIDE_PREFIX: &str = "hamms-";

/// Whether `content_type` is gRPC's (`application/grpc`, or a variant such as
/// `application/grpc+proto`).
pub(crate) fn is_grpc(content_type: &str) -> bool {
    content_type
        .strip_prefix(CONTENT_TYPE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['+', ';']))
}

/// The duration a `grpc-timeout` value says: up to 8 digits and a unit (`H`, `M`, `S`, `m`
/// milliseconds, `u` microseconds, `n` nanoseconds).
pub(crate) fn parse_timeout(value: &str) -> Option<Duration> {
    let value = value.trim();
    let unit = value.chars().last()?;
    let digits = &value[..value.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        'H' => Duration::from_secs(amount * 3600),
        'M' => Duration::from_secs(amount * 60),
        'S' => Duration::from_secs(amount),
        'm' => Duration::from_millis(amount),
        'u' => Duration::from_micros(amount),
        'n' => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// The bytes `grpc-message` carries percent-encoded, besides those outside ASCII: controls
/// (outside printable ASCII, 0x20 to 0x7E) and `%` itself (gRPC over HTTP/2, "Responses").
const MESSAGE_ESCAPED: &AsciiSet = &CONTROLS.add(b'%');

/// `text` as `grpc-message` carries it: bytes outside printable ASCII, and `%`, percent-encoded
/// from their UTF-8.
pub(crate) fn encode_message(text: &str) -> String {
    utf8_percent_encode(text, MESSAGE_ESCAPED).to_string()
}

/// A `grpc-message` decoded: percent-encoded bytes back, invalid UTF-8 replaced, and a `%` that
/// does not start an escape kept as it is (as the spec asks of receivers).
pub(crate) fn decode_message(value: &[u8]) -> String {
    percent_decode(value).decode_utf8_lossy().into_owned()
}

/// The parameters a call's metadata sets, as key/value pairs for
/// [`Configured::for_request`](crate::engine::Configured::for_request): `hamms-code: NOT_FOUND`
/// is `code`, and `hamms-interval-ms` (or `hamms-interval_ms`) is `interval_ms`, since
/// metadata names are often written with dashes. Other metadata is the application's, and
/// ignored; a value that is not text is kept as its lossy text, so that it is refused by name.
pub(crate) fn overrides<'a>(
    headers: impl IntoIterator<Item = (&'a HeaderName, &'a HeaderValue)>,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix(OVERRIDE_PREFIX)?;
            Some((
                key.replace('-', "_"),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ))
        })
        .collect()
}

/// `bytes` in base64 without padding, as gRPC sends the values of `-bin` metadata.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let mut triple = [0u8; 3];
        triple[..group.len()].copy_from_slice(group);
        let bits = u32::from_be_bytes([0, triple[0], triple[1], triple[2]]);
        // A group of n bytes makes n + 1 characters.
        for i in 0..=group.len() {
            let index = (bits >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_read_in_each_unit_and_malformed_ones_refused() {
        assert_eq!(parse_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(parse_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_timeout("3M"), Some(Duration::from_secs(180)));
        assert_eq!(
            parse_timeout("99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
        assert_eq!(parse_timeout("5u"), Some(Duration::from_micros(5)));
        for bad in ["", "m", "100", "123456789m", "1x", "-1m", "1.5S"] {
            assert_eq!(parse_timeout(bad), None, "{bad}");
        }
    }

    #[test]
    fn status_messages_are_percent_encoded_and_decoded_back() {
        assert_eq!(encode_message("plain text"), "plain text");
        assert_eq!(encode_message("100% sûr\n"), "100%25 s%C3%BBr%0A");
        assert_eq!(decode_message(b"100%25 s%C3%BBr%0A"), "100% sûr\n");
        assert_eq!(decode_message(b"50% off %zz"), "50% off %zz");
    }

    #[test]
    fn binary_values_are_base64_without_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg");
        assert_eq!(base64(b"fo"), "Zm8");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8");
    }

    #[test]
    fn grpc_content_types_and_their_variants_are_recognised() {
        assert!(is_grpc("application/grpc"));
        assert!(is_grpc("application/grpc+proto"));
        assert!(!is_grpc("application/grpc-web"));
        assert!(!is_grpc("application/json"));
    }

    #[test]
    fn hamms_metadata_names_parameters_with_dashes_or_underscores() {
        let mut headers = http::HeaderMap::new();
        headers.insert("hamms-code", "NOT_FOUND".parse().unwrap());
        headers.insert("hamms-interval-ms", "50".parse().unwrap());
        headers.insert("hamms-after_ms", "5".parse().unwrap());
        headers.insert("x-request-id", "abc".parse().unwrap());
        let pairs = overrides(&headers);
        assert_eq!(
            pairs,
            [
                ("code".to_owned(), "NOT_FOUND".to_owned()),
                ("interval_ms".to_owned(), "50".to_owned()),
                ("after_ms".to_owned(), "5".to_owned()),
            ]
        );
    }
}
