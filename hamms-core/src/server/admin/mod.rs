//! WireMock's admin API (`/__admin/...`) over a server's stubs and history, so WireMock's clients
//! (Java, Python, .NET, Node, Go, Testcontainers) drive hamms unchanged: stub mappings
//! (`mappings`), the request journal (`requests`, `near-misses`), scenarios, settings, reset,
//! health and shutdown. Served by the control API for its first server, and on a WireMock
//! server's own port (`hamms wiremock`, see `door`).
//!
//! Design note: what WireMock's server answers is the reference (status codes, members, the
//! `errors` body of a refused mapping), checked side by side with WireMock 3.13.2 by the
//! differential test; WireMock's order of members and pretty-printing are not.

mod journal;
pub(crate) mod mappings;

use std::borrow::Cow;
use std::sync::Arc;

use http::Method;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::connection::Shared;
use crate::fixture::Response;
use crate::history::Request;
use hamms_catalog::wiremock::MappingError;

/// What a route answers: a status and, for most, a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AdminAnswer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
}

impl AdminAnswer {
    fn ok(body: Value) -> AdminAnswer {
        AdminAnswer {
            status: 200,
            body: Some(body),
        }
    }

    fn status(status: u16) -> AdminAnswer {
        AdminAnswer { status, body: None }
    }

    /// WireMock's refusal of a body: 422 and its `errors` list.
    fn refused(error: &MappingError) -> AdminAnswer {
        AdminAnswer {
            status: 422,
            body: Some(json!({"errors": [{
                "code": 10,
                "source": if error.pointer.is_empty() { json!({}) } else { json!({"pointer": error.pointer}) },
                "title": "Error parsing JSON",
                "detail": error.detail,
            }]})),
        }
    }

    fn not_found(title: String) -> AdminAnswer {
        AdminAnswer {
            status: 404,
            body: Some(json!({"errors": [{"code": 404, "title": title}]})),
        }
    }

    /// The body as sent: pretty JSON, as WireMock prints it.
    pub(crate) fn bytes(&self) -> Vec<u8> {
        self.body
            .as_ref()
            .and_then(|body| serde_json::to_vec_pretty(body).ok())
            .unwrap_or_default()
    }
}

/// The routes, for the 404 of a path that is none of them.
const ROUTES: &str = "GET|POST|DELETE /__admin/mappings, GET|PUT|DELETE /__admin/mappings/{id}, \
     POST /__admin/mappings/{reset,save,import,find-by-metadata,remove-by-metadata}, \
     GET|DELETE /__admin/mappings/unmatched, GET|DELETE /__admin/requests, \
     GET|DELETE /__admin/requests/{id}, POST /__admin/requests/{reset,count,find,remove,remove-by-metadata}, \
     GET /__admin/requests/unmatched[/near-misses], POST /__admin/near-misses/{request,request-pattern}, \
     GET /__admin/scenarios, POST /__admin/scenarios/reset, PUT /__admin/scenarios/{name}/state, \
     GET|POST|PUT /__admin/settings, POST /__admin/reset, GET /__admin/health, POST /__admin/shutdown";

/// Answers `method /__admin/{segments}?{query}` with `body` on the server of `shared`. The
/// segments come as sent and are percent-decoded here, once (`scenarios/To%20do/state` names
/// the scenario `To do`).
pub(crate) fn route(
    shared: &Arc<Shared>,
    method: &Method,
    segments: &[&str],
    query: &str,
    body: &[u8],
) -> AdminAnswer {
    let decoded: Vec<Cow<'_, str>> = segments
        .iter()
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy())
        .collect();
    let segments: Vec<&str> = decoded.iter().map(AsRef::as_ref).collect();
    let query = Query(
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    );
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    match segments.as_slice() {
        ["mappings", rest @ ..] => mappings::route(shared, method, rest, &query, body),
        ["requests", rest @ ..] => journal::route(shared, method, rest, &query, body),
        ["near-misses", "request"] if post => journal::near_misses_of_request(shared, body),
        ["near-misses", "request-pattern"] if post => journal::near_misses_of_pattern(shared, body),
        ["scenarios"] if get => mappings::scenarios(shared),
        ["scenarios", "reset"] if post => {
            shared.stubs.scenarios(|s| s.reset());
            AdminAnswer::status(200)
        }
        ["scenarios", name, "state"] if *method == Method::PUT => {
            mappings::set_state(shared, name, body)
        }
        ["settings"] if get => AdminAnswer::ok(json!({"settings": shared.stubs.door.settings()})),
        ["settings"] if post || *method == Method::PUT => {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(settings)) => {
                    // `{"settings": {...}}` (PUT, newer clients) or the settings themselves.
                    let settings = match settings.get("settings") {
                        Some(Value::Object(inner)) => inner.clone(),
                        _ => settings,
                    };
                    shared.stubs.door.update_settings(settings);
                    AdminAnswer::status(200)
                }
                _ => AdminAnswer::refused(&MappingError {
                    pointer: String::new(),
                    detail: "the settings must be a JSON object, e.g. {\"fixedDelay\": 100}"
                        .to_owned(),
                }),
            }
        }
        ["reset"] if post => {
            reset(shared);
            AdminAnswer::status(200)
        }
        ["health"] if get => AdminAnswer::ok(json!({
            "status": "healthy",
            "message": "hamms is ok",
            "version": env!("CARGO_PKG_VERSION"),
            "uptimeInSeconds": shared.stubs.door.uptime_seconds(),
        })),
        ["version"] if get => AdminAnswer::ok(json!({"version": env!("CARGO_PKG_VERSION")})),
        ["shutdown"] if post => {
            shared.stubs.door.request_shutdown();
            AdminAnswer::status(200)
        }
        _ => AdminAnswer::not_found(format!(
            "no admin route {method} /__admin/{}; routes: {ROUTES}",
            segments.join("/")
        )),
    }
}

/// Opens the admin API on the server's own port, as WireMock's (`hamms wiremock`): requests to
/// `/__admin/...` are answered by it, not by the stubs.
pub(crate) fn open(shared: &Arc<Shared>) {
    let server = Arc::downgrade(shared);
    shared.stubs.open_admin(Arc::new(move |request: &Request| {
        let Some(shared) = server.upgrade() else {
            return Response::status(503);
        };
        let rest = request
            .path
            .trim_start_matches("/__admin")
            .trim_matches('/');
        let segments: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let query = request.target.split_once('?').map_or("", |(_, q)| q);
        let answer = route(&shared, &request.method, &segments, query, &request.body);
        let response = Response::status(answer.status);
        match answer.body {
            Some(_) => response
                .header("content-type", "application/json")
                .body(answer.bytes()),
            None => response,
        }
    }));
}

/// WireMock's reset: the mappings back to those loaded from files, the journal emptied, every
/// scenario back to its start, the settings cleared.
fn reset(shared: &Arc<Shared>) {
    mappings::reset_to_defaults(shared);
    shared.history.clear();
    shared.stubs.door.reset();
    shared.stubs.scenarios(|s| s.reset());
}

/// The query parameters of an admin call.
struct Query(Vec<(String, String)>);

impl Query {
    /// The value of parameter `name`, if given.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON object's members, or a refusal.
fn object(body: &[u8]) -> Result<Map<String, Value>, AdminAnswer> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(members)) => Ok(members),
        Ok(other) => Err(AdminAnswer::refused(&MappingError {
            pointer: String::new(),
            detail: format!("expected a JSON object, not {other}"),
        })),
        Err(e) => Err(AdminAnswer::refused(&MappingError {
            pointer: String::new(),
            detail: format!("Error parsing JSON: {e}"),
        })),
    }
}

/// A JSON value, or a refusal.
fn json_body(body: &[u8]) -> Result<Value, AdminAnswer> {
    serde_json::from_slice(body).map_err(|e| {
        AdminAnswer::refused(&MappingError {
            pointer: String::new(),
            detail: format!("Error parsing JSON: {e}"),
        })
    })
}
