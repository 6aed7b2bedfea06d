//! What hamms accepts as an HTTP/1.1 request, one test per rule of RFC 9112 (and of RFC 9110
//! where it rules on field values), each named after its section. Modes that *send* broken
//! framing on purpose are not concerned: these rules are about what the server reads.
//!
//! Every refusal is a 400 that `Conn` answers with `Connection: close`; the tests through real
//! sockets (the fixture, the modes, the proxy) are in `tests/tests/http1_conformance.rs`.

use super::parser::{ParseError, ParsedRequest, RequestParser};

/// Parses `wire` in one read: the requests it holds, or the error that stopped the parser.
fn parse(wire: &[u8]) -> Result<Vec<ParsedRequest>, ParseError> {
    let mut parser = RequestParser::new(1 << 20);
    let mut buf = wire.to_vec();
    let mut requests = Vec::new();
    while let Some(request) = parser.advance(&mut buf)? {
        requests.push(request);
    }
    Ok(requests)
}

/// The description of the 400 that `wire` gets.
#[track_caller]
fn refused(wire: &[u8]) -> String {
    match parse(wire) {
        Err(error) => {
            assert_eq!(error.status, 400, "{error:?}");
            error.description
        }
        Ok(requests) => panic!(
            "accepted {} request(s) from {:?}",
            requests.len(),
            String::from_utf8_lossy(wire)
        ),
    }
}

/// The one request `wire` holds.
#[track_caller]
fn single(wire: &[u8]) -> ParsedRequest {
    let mut requests = parse(wire).unwrap_or_else(|e| panic!("refused: {e:?}"));
    assert_eq!(requests.len(), 1, "{:?}", String::from_utf8_lossy(wire));
    requests.remove(0)
}

#[test]
fn section_6_1_content_length_with_transfer_encoding_is_refused_not_split_into_two_requests() {
    // The smuggling shape: read by its length, the body is `0\r\n\r\n`; read as chunked, the
    // body ends there and `GET /smuggled` is a second request.
    let smuggled =
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n\
0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
    let description = refused(smuggled);
    assert!(
        description.contains("both Content-Length and Transfer-Encoding"),
        "{description}"
    );
    // In either order, and however the header is spelled.
    refused(b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 0\r\n\r\n0\r\n\r\n");
}

#[test]
fn section_6_1_transfer_encoding_from_an_http_1_0_client_is_refused() {
    let description = refused(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    assert!(description.contains("HTTP/1.0"), "{description}");
}

#[test]
fn section_6_3_every_transfer_encoding_line_is_read_and_chunked_must_come_last() {
    // Two lines are one list, `chunked, identity`: the body's end cannot be told.
    let description = refused(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
    );
    assert!(
        description.contains("`chunked, identity` does not end with `chunked`"),
        "{description}"
    );
    refused(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n");
    refused(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
    refused(b"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n");
    refused(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n0\r\n\r\n");

    // A coding before `chunked`, on its own line: the body is still delimited by the chunks.
    let request = single(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    assert_eq!(request.body, b"abc");
}

#[test]
fn section_6_1_chunked_applied_twice_is_refused() {
    for wire in [
        &b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ] {
        let description = refused(wire);
        assert!(description.contains("more than once"), "{description}");
    }
}

#[test]
fn section_6_3_content_lengths_that_differ_are_refused_and_equal_ones_read_as_one() {
    for wire in [
        &b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello!",
    ] {
        let description = refused(wire);
        assert!(
            description.contains("conflicting Content-Length values 5 and 6"),
            "{description}"
        );
    }
    // RFC 9110 §8.6: a list of one repeated value may be read as that value.
    for wire in [
        &b"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    ] {
        assert_eq!(single(wire).body, b"hello");
    }
}

#[test]
fn section_6_3_a_content_length_that_is_not_plain_digits_is_refused() {
    for value in [
        "+5",
        "-5",
        "0x5",
        "5 5",
        "",
        "5,",
        "99999999999999999999999",
    ] {
        let wire = format!("POST / HTTP/1.1\r\nContent-Length: {value}\r\n\r\nhello");
        let description = refused(wire.as_bytes());
        assert!(
            description.contains("invalid Content-Length"),
            "{value:?}: {description}"
        );
    }
}

#[test]
fn section_5_2_obs_fold_is_refused() {
    let description = refused(b"GET / HTTP/1.1\r\nX-Folded: a\r\n  b\r\n\r\n");
    assert!(description.contains("obs-fold"), "{description}");
    refused(b"GET / HTTP/1.1\r\nX-Folded: a\r\n\tb\r\n\r\n");
}

#[test]
fn section_5_1_whitespace_between_a_field_name_and_its_colon_is_refused() {
    for wire in [
        &b"GET / HTTP/1.1\r\nHost : h\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n",
        // The classic smuggling variant: a party that strips the space reads a length.
        b"POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello",
    ] {
        let description = refused(wire);
        assert!(
            description.contains("between a header name and its colon"),
            "{description}"
        );
    }
}

#[test]
fn section_2_2_a_bare_cr_is_refused_in_the_request_line_the_headers_and_before_the_request() {
    for wire in [
        &b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"[..],
        b"GET / HTTP/1.1\rX: y\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\r\r\n\r\n",
        b"\r\rGET / HTTP/1.1\r\n\r\n",
    ] {
        let description = refused(wire);
        assert!(
            description.contains("bare CR"),
            "{:?}: {description}",
            String::from_utf8_lossy(wire)
        );
    }
    // CRLF, and a bare LF (which §2.2 lets a recipient take as a line end), are accepted.
    assert_eq!(single(b"\r\n\nGET /a HTTP/1.1\nX: y\n\n").head.target, "/a");
}

#[test]
fn rfc9110_section_5_5_nul_and_control_characters_in_a_field_value_are_refused() {
    let description = refused(b"GET / HTTP/1.1\r\nX: a\0b\r\n\r\n");
    assert!(description.contains("NUL"), "{description}");
    let description = refused(b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n");
    assert!(description.contains("control character"), "{description}");
    // Bytes above 0x7F (obs-text) are allowed in values, and kept.
    let request = single(b"GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n");
    assert_eq!(request.head.headers[0].1.as_bytes(), b"caf\xc3\xa9");
}

#[test]
fn section_7_1_1_chunk_extensions_are_skipped_within_bounds() {
    let request = single(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b;c=\"d\"\r\nabc\r\n0;end\r\n\r\n");
    assert_eq!(request.body, b"abc");

    // One extension longer than a line may be.
    let long = format!(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;{}\r\na\r\n0\r\n\r\n",
        "x".repeat(5000)
    );
    assert!(refused(long.as_bytes()).contains("chunk-size line too long"));

    // Many short ones: each line is fine, the body's total is not.
    let mut many = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..20 {
        many.extend_from_slice(format!("1;{}\r\na\r\n", "x".repeat(1000)).as_bytes());
    }
    many.extend_from_slice(b"0\r\n\r\n");
    assert!(refused(&many).contains("chunk extensions too long"));

    let control = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\0\r\na\r\n0\r\n\r\n";
    assert!(refused(control).contains("control character in a chunk extension"));
}

#[test]
fn section_7_1_2_trailers_are_skipped_within_bounds() {
    let request = single(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n",
    );
    assert_eq!(request.body, b"a");

    let long = format!(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: {}\r\n\r\n",
        "y".repeat(5000)
    );
    assert!(refused(long.as_bytes()).contains("trailer line too long"));

    let mut many = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec();
    for i in 0..100 {
        many.extend_from_slice(format!("X-{i}: {}\r\n", "y".repeat(1000)).as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert!(refused(&many).contains("trailer section too long"));
}
