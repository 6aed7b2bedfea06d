//! The control API's routes: each reads or switches a server and answers JSON. Errors have
//! Vaurien's shape: `{"status":"error","errors":[{"location":..,"name":..,"description":..}]}`.

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::{Map, Value, json};

use super::{Controlled, Servers};
use crate::behavior::Behavior;
use crate::history::{History, Reply};
use crate::server::FaultServer;

#[cfg(test)]
mod properties;

/// The largest request body the control API reads.
const MAX_BODY: usize = 64 * 1024;

/// What every route answers.
type Answer = http::Response<Full<Bytes>>;

/// A failed request: status and one Vaurien-shaped error entry.
struct Failure {
    status: StatusCode,
    location: &'static str,
    name: String,
    description: String,
}

fn bad_request(location: &'static str, name: &str, description: impl Into<String>) -> Failure {
    Failure {
        status: StatusCode::BAD_REQUEST,
        location,
        name: name.to_owned(),
        description: description.into(),
    }
}

fn not_found(name: &str, description: impl Into<String>) -> Failure {
    Failure {
        status: StatusCode::NOT_FOUND,
        location: "path",
        name: name.to_owned(),
        description: description.into(),
    }
}

fn answer(status: StatusCode, body: &Value) -> Answer {
    let mut response = http::Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// Routes one request. Never fails: every problem is a JSON answer.
pub(super) async fn handle(
    servers: Servers,
    request: http::Request<Incoming>,
) -> Result<Answer, std::convert::Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(error) => {
            let failure = bad_request("body", "body", format!("unreadable body: {error}"));
            return Ok(failed(&failure));
        }
    };
    Ok(match route(&servers, &method, &path, &body).await {
        Ok((status, value)) => answer(status, &value),
        Err(failure) => failed(&failure),
    })
}

fn failed(failure: &Failure) -> Answer {
    answer(
        failure.status,
        &json!({
            "status": "error",
            "errors": [{
                "location": failure.location,
                "name": failure.name,
                "description": failure.description,
            }],
        }),
    )
}

const ROUTES: &str = "GET /behavior, PUT /behavior, GET /behaviors, GET /servers, \
     GET|PUT /servers/{name}/behavior, GET /servers/{name}/behaviors, \
     GET|DELETE /servers/{name}/history, POST /servers/{name}/reset (and POST /reset)";

async fn route(
    servers: &Servers,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<(StatusCode, Value), Failure> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (controlled, rest): (&Controlled, &[&str]) = match segments.as_slice() {
        ["servers"] if method == Method::GET => return Ok((StatusCode::OK, list(servers))),
        ["servers", name, rest @ ..] if !rest.is_empty() => (find(servers, name)?, rest),
        [_] => match servers.first() {
            Some(first) => (first, &segments[..]),
            None => return Err(not_found("server", "this control API serves no server")),
        },
        _ => {
            return Err(not_found(
                "path",
                format!("no route {method} {path}; routes: {ROUTES}"),
            ));
        }
    };
    let server = controlled.server.as_ref();
    match (method, rest) {
        (&Method::GET, ["behavior"]) => Ok((StatusCode::OK, behavior_of(server))),
        (&Method::PUT, ["behavior"]) => {
            let behavior = behavior_from_json(server, body)?;
            server
                .switch_behavior(behavior)
                .await
                .map_err(|e| bad_request("body", "name", e.to_string()))?;
            Ok((StatusCode::OK, json!({"status": "ok"})))
        }
        (&Method::GET, ["behaviors"]) => {
            Ok((StatusCode::OK, json!({"behaviors": valid_names(server)})))
        }
        (&Method::GET, ["history"]) => Ok((StatusCode::OK, history_json(&server.history()))),
        (&Method::DELETE, ["history"]) => {
            server.clear_history();
            Ok((StatusCode::OK, json!({"status": "ok"})))
        }
        (&Method::POST, ["reset"]) => {
            // The behavior the server started with suits its role.
            let _ = server.switch_behavior(controlled.initial.clone()).await;
            server.clear_history();
            Ok((
                StatusCode::OK,
                json!({"status": "ok", "behavior": controlled.initial.to_string()}),
            ))
        }
        _ => Err(not_found(
            "path",
            format!("no route {method} {path}; routes: {ROUTES}"),
        )),
    }
}

fn find<'a>(servers: &'a Servers, name: &str) -> Result<&'a Controlled, Failure> {
    servers.iter().find(|c| c.name == name).ok_or_else(|| {
        let names: Vec<&str> = servers.iter().map(|c| c.name.as_str()).collect();
        not_found(
            "name",
            format!("no server `{name}`; servers: {}", names.join(", ")),
        )
    })
}

fn list(servers: &Servers) -> Value {
    let servers: Vec<Value> = servers
        .iter()
        .map(|Controlled { name, server, .. }| {
            json!({
                "name": name,
                "addr": server.addr().to_string(),
                "url": server.url("/"),
                "behavior": server.behavior().to_string(),
                "backend": server.backend(),
            })
        })
        .collect();
    json!({ "servers": servers })
}

/// `{"behavior": "delay(sleep=2)"}`: the name, with the options that differ from the defaults.
fn behavior_of(server: &FaultServer) -> Value {
    json!({"behavior": server.behavior().to_string()})
}

fn valid_names(server: &FaultServer) -> Vec<&'static str> {
    if server.is_proxy() {
        crate::stages::names()
    } else {
        crate::catalog::names()
    }
}

/// `{"name": "delay", "sleep": 2}`: the named behavior with these options over its defaults.
fn behavior_from_json(server: &FaultServer, body: &[u8]) -> Result<Behavior, Failure> {
    let example = r#"{"name": "delay", "sleep": 0.5}"#;
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "body",
            "body",
            format!("invalid JSON ({e}); send e.g. {example}"),
        )
    })?;
    let Value::Object(fields) = value else {
        return Err(bad_request(
            "body",
            "body",
            format!("expected a JSON object such as {example}"),
        ));
    };
    let valid = valid_names(server).join(", ");
    let name = match fields.get("name") {
        Some(Value::String(name)) => name,
        Some(_) => return Err(bad_request("body", "name", "`name` must be a string")),
        None => {
            return Err(bad_request(
                "body",
                "name",
                format!("a behavior `name` is required; valid: {valid}"),
            ));
        }
    };
    let behavior = if server.is_proxy() {
        Behavior::proxy(name)
    } else {
        Behavior::mode(name)
    };
    let mut behavior = behavior.map_err(|e| bad_request("body", "name", e.to_string()))?;
    for (option, value) in options(&fields) {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            _ => {
                return Err(bad_request(
                    "body",
                    option,
                    format!("`{option}` must be a number, a string or a boolean"),
                ));
            }
        };
        behavior = behavior
            .param(option, &text)
            .map_err(|e| bad_request("body", option, e.to_string()))?;
    }
    Ok(behavior)
}

fn options(fields: &Map<String, Value>) -> impl Iterator<Item = (&str, &Value)> {
    fields
        .iter()
        .filter(|(key, _)| key.as_str() != "name")
        .map(|(key, value)| (key.as_str(), value))
}

fn history_json(history: &History) -> Value {
    let requests: Vec<Value> = history
        .exchanges()
        .iter()
        .map(|exchange| {
            let request = &exchange.request;
            let reply = match &exchange.reply {
                Reply::Response { status, body_len, .. } => json!({"status": status, "body_len": body_len}),
                Reply::Raw(bytes) => json!({"raw": String::from_utf8_lossy(bytes)}),
                Reply::Closed => json!("closed"),
                Reply::Reset => json!("reset"),
                _ => json!("pending"),
            };
            json!({
                "method": request.method.as_str(),
                "target": request.target,
                "version": format!("{:?}", request.version),
                "headers": request.headers.iter()
                    .map(|(n, v)| [n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()])
                    .collect::<Vec<_>>(),
                "body_len": request.body_len,
                "connection": request.connection,
                "reply": reply,
                "stream": exchange.stream.as_ref().map(|stream| json!({
                    "id": stream.id,
                    "end": stream.end.map(|end| format!("{end:?}")),
                })),
            })
        })
        .collect();
    let connections: Vec<Value> = history
        .connections()
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "peer": c.peer.to_string(),
                "received_len": c.received_len,
                "sent_len": c.sent_len,
                "end": c.end.as_ref().map(|end| format!("{end:?}")),
            })
        })
        .collect();
    json!({
        "seed": history.seed(),
        "evicted": history.evicted(),
        "requests": requests,
        "connections": connections,
    })
}
