//! The history as WireMock's request journal shows it: each exchange a `LoggedRequest` and a
//! serve event, with an id WireMock's clients can ask for again.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::door::Door;
use super::request::{cookies, url_of};
use crate::grpc::base64;
use crate::history::{Exchange, Reply, Request};
use crate::http1::title_case;

/// The journal id of exchange `number` (its place in the server's history): a UUID, as
/// WireMock's clients expect, that says which exchange it is.
pub(crate) fn event_id(number: u64) -> String {
    format!("00000000-0000-4000-8000-{number:012x}")
}

/// The exchange number a journal id names, if it is one of [`event_id`]'s.
pub(crate) fn number_of(id: &str) -> Option<u64> {
    let hex = id.strip_prefix("00000000-0000-4000-8000-")?;
    u64::from_str_radix(hex, 16).ok()
}

/// Base64 as WireMock writes it: padded.
fn padded_base64(bytes: &[u8]) -> String {
    let mut text = base64(bytes);
    while text.len() % 4 != 0 {
        text.push('=');
    }
    text
}

/// Milliseconds since the epoch, and as an ISO 8601 string.
fn dates(at: SystemTime) -> (u64, String) {
    let millis = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let date = time::OffsetDateTime::UNIX_EPOCH + time::Duration::milliseconds(millis as i64);
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        date.year(),
        u8::from(date.month()),
        date.day(),
        date.hour(),
        date.minute(),
        date.second(),
        date.millisecond()
    );
    (millis, text)
}

/// `request` as WireMock's `LoggedRequest`.
pub(crate) fn logged_request(request: &Request, door: &Door) -> Value {
    let mut headers = Map::new();
    for (name, _) in &request.headers {
        let seen = headers
            .keys()
            .any(|k: &String| k.eq_ignore_ascii_case(name.as_str()));
        if seen {
            continue;
        }
        let values: Vec<Value> = request
            .header_all(name.as_str())
            .map(|v| Value::String(v.to_owned()))
            .collect();
        let value = match values.len() {
            1 => values.into_iter().next().unwrap_or(Value::Null),
            _ => Value::Array(values),
        };
        // As WireMock's clients read them (`Content-Type`): HTTP/1.1 names arrive in any case
        // and are kept lowercase.
        headers.insert(title_case(name.as_str()), value);
    }
    let mut query = Map::new();
    for (key, _) in &request.query {
        let values: Vec<&str> = request
            .query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        query.insert(key.clone(), json!({"key": key, "values": values}));
    }
    let cookies: Map<String, Value> = cookies(request)
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    let host = request.header("host").unwrap_or("localhost");
    let scheme = if request.tls { "https" } else { "http" };
    let (logged, logged_text) = dates(door.wall_clock(request.received_at));
    json!({
        "url": url_of(request),
        "absoluteUrl": format!("{scheme}://{host}{}", url_of(request)),
        "method": request.method.as_str(),
        "clientIp": request.peer.ip().to_string(),
        "headers": headers,
        "cookies": cookies,
        "browserProxyRequest": false,
        "loggedDate": logged,
        "bodyAsBase64": padded_base64(&request.body),
        "body": request.body_text(),
        "protocol": format!("{:?}", request.version),
        "scheme": scheme,
        "host": host.rsplit_once(':').map_or(host, |(h, _)| h),
        "loggedDateString": logged_text,
        "queryParams": query,
        "formParams": {},
    })
}

/// Exchange `number` as WireMock's serve event; `mapping` is the stub mapping that answered, if
/// one did.
pub(crate) fn serve_event(
    exchange: &Exchange,
    number: u64,
    mapping: Option<&Value>,
    door: &Door,
) -> Value {
    let (status, headers, body_len) = match &exchange.reply {
        Reply::Response {
            status,
            headers,
            body_len,
        } => (*status, headers.clone(), *body_len),
        // A fault: WireMock records no status of its own; 0 says no response was sent.
        _ => (0, Vec::new(), 0),
    };
    let headers: Map<String, Value> = headers
        .into_iter()
        .map(|(n, v)| (n, Value::String(v)))
        .collect();
    let mut event = json!({
        "id": event_id(number),
        "request": logged_request(&exchange.request, door),
        "responseDefinition": {"status": status, "fromConfiguredStub": mapping.is_some()},
        "response": {"status": status, "headers": headers, "bodyLength": body_len},
        "wasMatched": mapping.is_some(),
        "timing": timing(exchange),
    });
    if let Some(mapping) = mapping {
        event["stubMapping"] = mapping.clone();
    }
    event
}

/// How long the answer took, in milliseconds, as WireMock's `timing`.
fn timing(exchange: &Exchange) -> Value {
    let serve = exchange.first_byte_at.map_or(0, |at| {
        at.saturating_duration_since(exchange.request.received_at)
            .as_millis() as u64
    });
    json!({
        "addedDelay": 0,
        "processTime": serve,
        "responseSendTime": 0,
        "serveTime": serve,
        "totalTime": serve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub::matchers::testing::request;

    #[test]
    fn ids_round_trip_and_requests_read_as_wiremock_logs_them() {
        assert_eq!(number_of(&event_id(0x2a)), Some(0x2a));
        assert_eq!(number_of("7b221ad0-d998-4638-9a83-a34758b551d7"), None);
        let door = Door::default();
        let r = request(
            "POST",
            "/a?x=1&x=2",
            &[("host", "127.0.0.1:8080"), ("accept", "a"), ("accept", "b")],
            b"hi",
        );
        let logged = logged_request(&r, &door);
        assert_eq!(logged["url"], "/a?x=1&x=2");
        assert_eq!(logged["absoluteUrl"], "http://127.0.0.1:8080/a?x=1&x=2");
        assert_eq!(logged["headers"]["Accept"], json!(["a", "b"]));
        assert_eq!(logged["queryParams"]["x"]["values"], json!(["1", "2"]));
        assert_eq!(logged["bodyAsBase64"], "aGk=");
        assert_eq!(logged["host"], "127.0.0.1");
        assert!(logged["loggedDateString"].as_str().unwrap().ends_with('Z'));
    }
}
