//! `/__admin/requests` and `/__admin/near-misses`: the history as WireMock's request journal,
//! queried by request pattern, and the stubs nearest to requests they did not take.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use http::{HeaderName, HeaderValue, Method, Version};
use serde_json::{Value, json};

use super::mappings::{metadata_matches, metadata_pattern};
use super::{AdminAnswer, Query, json_body};
use crate::connection::Shared;
use crate::history::{Exchange, Request};
use crate::stub::wiremock::{Pattern, distance, logged_request, number_of, serve_event};
use hamms_catalog::wiremock::decode_base64;

/// How many near misses WireMock lists for one request.
const NEAR_MISSES: usize = 3;

pub(super) fn route(
    shared: &Arc<Shared>,
    method: &Method,
    rest: &[&str],
    query: &Query,
    body: &[u8],
) -> AdminAnswer {
    let (get, post, delete) = (
        *method == Method::GET,
        *method == Method::POST,
        *method == Method::DELETE,
    );
    let door = &shared.stubs.door;
    match rest {
        [] if get => {
            let limit: usize = query
                .get("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(usize::MAX);
            let events = journal(shared);
            let total = events.len();
            let listed: Vec<Value> = events
                .iter()
                .take(limit)
                .map(|(n, e)| serve_event(e, *n, mapping_of(shared, e).as_ref(), door))
                .collect();
            AdminAnswer::ok(
                json!({"requests": listed, "meta": {"total": total}, "requestJournalDisabled": false}),
            )
        }
        [] if delete => {
            clear(shared);
            AdminAnswer::status(200)
        }
        ["reset"] if post => {
            clear(shared);
            AdminAnswer::status(200)
        }
        ["count"] if post => match pattern(body) {
            Ok(pattern) => {
                let count = journal(shared)
                    .iter()
                    .filter(|(_, e)| pattern.matches(&e.request))
                    .count();
                AdminAnswer::ok(json!({"count": count, "requestJournalDisabled": false}))
            }
            Err(refused) => refused,
        },
        ["find"] if post => match pattern(body) {
            Ok(pattern) => {
                let found: Vec<Value> = journal(shared)
                    .iter()
                    .rev()
                    .filter(|(_, e)| pattern.matches(&e.request))
                    .map(|(_, e)| logged_request(&e.request, door))
                    .collect();
                AdminAnswer::ok(json!({"requests": found, "requestJournalDisabled": false}))
            }
            Err(refused) => refused,
        },
        ["remove"] if post => match pattern(body) {
            Ok(pattern) => {
                let removed: Vec<(u64, Exchange)> = journal(shared)
                    .into_iter()
                    .filter(|(_, e)| pattern.matches(&e.request))
                    .collect();
                door.remove(removed.iter().map(|(n, _)| *n));
                let listed: Vec<Value> = removed
                    .iter()
                    .map(|(n, e)| serve_event(e, *n, mapping_of(shared, e).as_ref(), door))
                    .collect();
                AdminAnswer::ok(json!({"serveEvents": listed}))
            }
            Err(refused) => refused,
        },
        ["remove-by-metadata"] if post => match metadata_pattern(body) {
            Ok(pattern) => {
                let removed: Vec<u64> = journal(shared)
                    .iter()
                    .filter(|(_, e)| {
                        mapping_of(shared, e)
                            .is_some_and(|mapping| metadata_matches(&pattern, &mapping))
                    })
                    .map(|(n, _)| *n)
                    .collect();
                door.remove(removed);
                AdminAnswer::ok(json!({"serveEvents": []}))
            }
            Err(refused) => refused,
        },
        ["unmatched"] if get => {
            let unmatched: Vec<Value> = journal(shared)
                .iter()
                .filter(|(_, e)| e.stub.is_none())
                .map(|(_, e)| logged_request(&e.request, door))
                .collect();
            AdminAnswer::ok(json!({"requests": unmatched, "requestJournalDisabled": false}))
        }
        ["unmatched", "near-misses"] if get => {
            let near: Vec<Value> = journal(shared)
                .iter()
                .filter(|(_, e)| e.stub.is_none())
                .flat_map(|(_, e)| near_misses(shared, &e.request))
                .collect();
            AdminAnswer::ok(json!({"nearMisses": near}))
        }
        [id] if get => match event(shared, id) {
            Some((n, e)) => {
                AdminAnswer::ok(serve_event(&e, n, mapping_of(shared, &e).as_ref(), door))
            }
            None => AdminAnswer::status(404),
        },
        [id] if delete => {
            if let Some((n, _)) = event(shared, id) {
                door.remove([n]);
            }
            AdminAnswer::ok(json!({}))
        }
        _ => AdminAnswer::not_found(format!(
            "no admin route {method} /__admin/requests/{}",
            rest.join("/")
        )),
    }
}

/// The journal: the history's exchanges not removed, each with its number, newest first.
fn journal(shared: &Shared) -> Vec<(u64, Exchange)> {
    let history = shared.history.snapshot();
    let first = history.evicted();
    let door = &shared.stubs.door;
    // WireMock journals no admin call.
    let mut entries: Vec<(u64, Exchange)> = history
        .exchanges()
        .iter()
        .enumerate()
        .map(|(i, e)| (first + i as u64, e.clone()))
        .filter(|(n, e)| !door.is_removed(*n) && !is_admin_call(&e.request))
        .collect();
    entries.reverse();
    entries
}

/// Whether `request` was a call of the admin API.
fn is_admin_call(request: &Request) -> bool {
    request.path == "/__admin" || request.path.starts_with("/__admin/")
}

/// The journal entry `id`.
fn event(shared: &Shared, id: &str) -> Option<(u64, Exchange)> {
    let number = number_of(id)?;
    journal(shared).into_iter().find(|(n, _)| *n == number)
}

/// The journal emptied: the history cleared.
fn clear(shared: &Shared) {
    shared.history.clear();
    shared.stubs.door.clear_removed();
}

/// The mapping of the stub that answered `exchange`, if it is still mounted.
fn mapping_of(shared: &Shared, exchange: &Exchange) -> Option<Value> {
    let stub = exchange.stub.as_ref()?;
    shared
        .stubs
        .snapshot()
        .iter()
        .find(|m| *m.id == *stub)
        .and_then(|m| m.stub.source.as_deref().cloned())
}

fn pattern(body: &[u8]) -> Result<Pattern, AdminAnswer> {
    let value = json_body(body)?;
    Pattern::parse(&value).map_err(|e| AdminAnswer::refused(&e))
}

/// The mapped stubs nearest to taking `request`, as WireMock's near misses.
fn near_misses(shared: &Shared, request: &Request) -> Vec<Value> {
    let door = &shared.stubs.door;
    let mut near: Vec<(f64, Value)> = shared
        .stubs
        .snapshot()
        .iter()
        .filter_map(|m| {
            let source = m.stub.source.as_deref()?;
            Some((distance(&m.stub.matchers, request), source.clone()))
        })
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    near.into_iter()
        .take(NEAR_MISSES)
        .map(|(distance, mapping)| {
            json!({
                "request": logged_request(request, door),
                "stubMapping": mapping,
                "matchResult": {"distance": distance},
            })
        })
        .collect()
}

/// `POST /__admin/near-misses/request` with a logged request.
pub(super) fn near_misses_of_request(shared: &Arc<Shared>, body: &[u8]) -> AdminAnswer {
    match json_body(body) {
        Ok(logged) => {
            AdminAnswer::ok(json!({"nearMisses": near_misses(shared, &request_of(&logged))}))
        }
        Err(refused) => refused,
    }
}

/// `POST /__admin/near-misses/request-pattern`: the journal's requests nearest to a pattern.
pub(super) fn near_misses_of_pattern(shared: &Arc<Shared>, body: &[u8]) -> AdminAnswer {
    let value = match json_body(body) {
        Ok(value) => value,
        Err(refused) => return refused,
    };
    let pattern = match Pattern::parse(&value) {
        Ok(pattern) => pattern,
        Err(error) => return AdminAnswer::refused(&error),
    };
    let door = &shared.stubs.door;
    let mut near: Vec<(f64, Value)> = journal(shared)
        .iter()
        .map(|(_, e)| {
            (
                pattern.distance(&e.request),
                logged_request(&e.request, door),
            )
        })
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    let listed: Vec<Value> = near
        .into_iter()
        .take(NEAR_MISSES)
        .map(|(distance, request)| {
            json!({"request": request, "requestPattern": value, "matchResult": {"distance": distance}})
        })
        .collect();
    AdminAnswer::ok(json!({"nearMisses": listed}))
}

/// A request made from WireMock's `LoggedRequest` JSON (what a client sends for near misses).
fn request_of(logged: &Value) -> Request {
    let url = logged.get("url").and_then(Value::as_str).unwrap_or("/");
    let (path, query) = Request::split_target(url);
    let method = logged
        .get("method")
        .and_then(Value::as_str)
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .unwrap_or(Method::GET);
    let mut headers = Vec::new();
    if let Some(Value::Object(map)) = logged.get("headers") {
        for (name, value) in map {
            let values: Vec<&Value> = match value {
                Value::Array(values) => values.iter().collect(),
                single => vec![single],
            };
            for value in values {
                if let (Ok(name), Some(Ok(value))) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    value.as_str().map(HeaderValue::from_str),
                ) {
                    headers.push((name, value));
                }
            }
        }
    }
    let body = match (logged.get("bodyAsBase64"), logged.get("body")) {
        (Some(Value::String(b64)), _) if !b64.is_empty() => decode_base64(b64).unwrap_or_default(),
        (_, Some(Value::String(text))) => text.as_bytes().to_vec(),
        _ => Vec::new(),
    };
    Request {
        method,
        target: url.to_owned(),
        path,
        query,
        version: Version::HTTP_11,
        headers,
        body_len: body.len() as u64,
        body,
        peer: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        connection: 0,
        received_at: Instant::now(),
        tls: false,
    }
}
