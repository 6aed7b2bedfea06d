//! Content negotiation (reading `Accept`) and the canned bodies of the `http` modes, from Hamms 1.3.

use serde_json::{Map, Value};

use crate::history::Request;
use crate::http1::title_case;

/// One media range of an `Accept` header, e.g. `text/*;q=0.5`.
struct MediaRange {
    /// Lower-cased `type/subtype`.
    range: String,
    quality: f32,
}

fn media_ranges(request: &Request) -> Vec<MediaRange> {
    request
        .header_all("accept")
        .flat_map(|value| value.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim().to_ascii_lowercase();
            if range.is_empty() {
                return None;
            }
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some(MediaRange { range, quality })
        })
        .collect()
}

/// How specifically `range` matches `media`: 3 for `type/subtype`, 2 for `type/*`, 1 for
/// `*/*`, `None` if it does not match.
fn specificity(range: &str, media: &str) -> Option<u8> {
    if range == media {
        Some(3)
    } else if range
        .strip_suffix("/*")
        .is_some_and(|kind| media.split('/').next() == Some(kind))
    {
        Some(2)
    } else {
        (range == "*/*").then_some(1)
    }
}

/// Whether the request accepts `media`: the most specific matching range decides (RFC 9110
/// 12.5.1), so `*/*, text/morse;q=0` refuses Morse. No `Accept` header accepts everything.
fn accepts(request: &Request, media: &str) -> bool {
    let ranges = media_ranges(request);
    if ranges.is_empty() {
        return true;
    }
    ranges
        .iter()
        .filter_map(|r| specificity(&r.range, media).map(|s| (s, r.quality)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .is_some_and(|(_, quality)| quality > 0.0)
}

/// The client's most preferred media range (highest quality, first among equals).
fn preferred(request: &Request) -> Option<String> {
    let ranges = media_ranges(request);
    let best = ranges
        .iter()
        .filter(|r| r.quality > 0.0)
        .fold(None::<&MediaRange>, |best, r| match best {
            Some(b) if b.quality >= r.quality => Some(b),
            _ => Some(r),
        })?;
    Some(best.range.clone())
}

/// Whether the request accepts `media`, as Hamms (werkzeug) judges it: HTML is accepted as
/// `text/html` or as `application/xhtml+xml`, so `application/*` accepts HTML.
fn accepts_as_hamms(request: &Request, media: &str) -> bool {
    accepts(request, media) || (media == "text/html" && accepts(request, "application/xhtml+xml"))
}

/// A content type the client did not ask for, and a body of that type. Tries, in Hamms' order,
/// text/morse, JSON, HTML and CSV. A client that accepts all four (`*/*`, or no `Accept`) cannot
/// be refused anything: it gets Morse code, which no client means to parse.
pub(crate) fn unacceptable(request: &Request) -> (&'static str, String) {
    const CANDIDATES: [&str; 4] = ["text/morse", "application/json", "text/html", "text/csv"];
    let chosen = CANDIDATES
        .into_iter()
        .find(|media| !accepts_as_hamms(request, media))
        .unwrap_or("text/morse");
    let body = match chosen {
        "application/json" => serde_json::json!({
            "status": 200,
            "message": "This is a JSON response. You did not ask for JSON data.",
        })
        .to_string(),
        "text/html" => "<!doctype html><html><head><title>Your API is Broken</title></head>\
                        <body>This should be JSON.</body></html>"
            .to_owned(),
        "text/csv" => {
            "message,status\nThis is a CSV response that your code almost certainly can't parse"
                .to_owned()
        }
        _ => morse("TIMES ARE HARD STOP PLEASE SEND HELP STOP"),
    };
    (chosen, body)
}

/// The start of a document in the client's preferred type, cut off mid-way (Hamms' bodies).
pub(crate) fn incomplete_document(request: &Request) -> (&'static str, &'static str) {
    match preferred(request).as_deref() {
        Some("text/html") => ("text/html", "<!doctype html><html><head><title>incomplete"),
        Some("text/plain") => ("text/plain", "incomplete document respo"),
        Some("text/xml" | "application/xml") => (
            "text/xml",
            "<?xml version=\"1.0\" ?><response><status type=\"http\">200 foo",
        ),
        _ => (
            "application/json",
            "{\"message\": \"the json body is incomplete.\", \"key\": {\"nested_message\": \"blah blah blah",
        ),
    }
}

/// The request headers as a JSON object, httpbin style: `{"headers": {"Host": "...", ...}}`, with
/// names in title case and repeated headers joined by commas.
pub(crate) fn echo_headers(request: &Request) -> Value {
    let mut headers = Map::new();
    for (name, value) in &request.headers {
        let name = title_case(name.as_str());
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name, Value::String(value));
            }
        }
    }
    serde_json::json!({ "headers": headers })
}

/// International Morse code, letters separated by spaces and words by ` / `.
fn morse(text: &str) -> String {
    const LETTERS: [&str; 26] = [
        ".-", "-...", "-.-.", "-..", ".", "..-.", "--.", "....", "..", ".---", "-.-", ".-..", "--",
        "-.", "---", ".--.", "--.-", ".-.", "...", "-", "..-", "...-", ".--", "-..-", "-.--",
        "--..",
    ];
    text.split_whitespace()
        .map(|word| {
            word.bytes()
                .filter(u8::is_ascii_uppercase)
                .map(|b| LETTERS[usize::from(b - b'A')])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accept(accept: Option<&str>) -> Request {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        Request::for_test("GET", "/", &headers, b"")
    }

    #[test]
    fn unacceptable_picks_a_type_outside_the_accept_header() {
        assert_eq!(
            unacceptable(&with_accept(Some("application/json"))).0,
            "text/morse"
        );
        assert_eq!(
            unacceptable(&with_accept(Some("text/morse"))).0,
            "application/json"
        );
        assert_eq!(
            unacceptable(&with_accept(Some("text/morse, application/json"))).0,
            "text/html"
        );
        assert_eq!(
            unacceptable(&with_accept(Some("text/*, application/json"))).0,
            "text/morse"
        );
        assert_eq!(unacceptable(&with_accept(Some("*/*"))).0, "text/morse");
        assert_eq!(unacceptable(&with_accept(None)).0, "text/morse");
        assert_eq!(
            unacceptable(&with_accept(Some("*/*, text/morse;q=0"))).0,
            "text/morse",
            "the specific q=0 wins over */*"
        );
        assert!(!accepts(
            &with_accept(Some("*/*, text/morse;q=0")),
            "text/morse"
        ));
        assert!(accepts(
            &with_accept(Some("text/*;q=0, text/morse")),
            "text/morse"
        ));
        assert!(!accepts(&with_accept(Some("text/*;q=0, */*")), "text/html"));
    }

    #[test]
    fn application_wildcards_accept_html_as_hamms_does() {
        // Hamms' own test: JSON and (as xhtml) HTML are accepted, Morse too: CSV is not.
        let accept = Some("application/*;q=0.3,text/morse;q=0.5");
        assert_eq!(unacceptable(&with_accept(accept)).0, "text/csv");
        assert_eq!(
            unacceptable(&with_accept(Some(
                "application/json;q=0.3,text/morse;q=0.5"
            )))
            .0,
            "text/html"
        );
        assert_eq!(
            unacceptable(&with_accept(Some(
                "text/morse, application/xhtml+xml, application/json"
            )))
            .0,
            "text/csv"
        );
    }

    #[test]
    fn incomplete_document_follows_the_preferred_type() {
        let ct = |a| incomplete_document(&with_accept(a)).0;
        assert_eq!(ct(Some("text/html")), "text/html");
        assert_eq!(ct(Some("text/plain;q=0.5, text/html;q=0.9")), "text/html");
        assert_eq!(ct(Some("application/xml")), "text/xml");
        assert_eq!(ct(Some("*/*")), "application/json");
        assert_eq!(ct(None), "application/json");
    }

    #[test]
    fn morse_encodes_words() {
        assert_eq!(morse("SOS HI"), "... --- ... / .... ..");
    }

    #[test]
    fn echoed_headers_are_title_cased() {
        let echoed = echo_headers(&with_accept(Some("text/plain")));
        assert_eq!(echoed["headers"]["Accept"], "text/plain");
    }
}
