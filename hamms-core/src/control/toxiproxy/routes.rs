//! Toxiproxy's routes, as its `api.go` declares them, with its status codes: 201 for a created
//! proxy and a populate, 204 for deletes and reset, 200 otherwise (a created toxic included).

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{proxies, toxics};
use crate::control::registry::{Controlled, Registry};
use crate::control::reply::{ApiResponse, Failure, Miss, Routed, Shape, no_content};

/// The version a Toxiproxy client is told: the API hamms serves is Toxiproxy 2.6's.
const TOXIPROXY_API: &str = "2.6.0";

/// Answers `result` as Toxiproxy does: `status` with the JSON, or its error.
fn toxiproxy_response(status: StatusCode, result: Result<Value, Failure>) -> ApiResponse {
    match result {
        Ok(value) => crate::control::reply::json(status, &value),
        Err(failure) => failure.response(Shape::Toxiproxy),
    }
}

fn deleted(result: Result<(), Failure>) -> ApiResponse {
    match result {
        Ok(()) => no_content(),
        Err(failure) => failure.response(Shape::Toxiproxy),
    }
}

/// Toxiproxy's routes (`segments` is the path, split at `/`).
pub(in crate::control) async fn route(
    registry: &Registry,
    servers: &mut Vec<Controlled>,
    method: &Method,
    segments: &[&str],
    body: &[u8],
) -> Routed {
    let ok = StatusCode::OK;
    Ok(match (segments, method) {
        (["version"], &Method::GET) => toxiproxy_response(
            ok,
            Ok(
                json!({"version": TOXIPROXY_API, "server": concat!("hamms ", env!("CARGO_PKG_VERSION"))}),
            ),
        ),
        (["version"], _) => return Err(Miss::Method("GET")),
        (["reset"], &Method::POST) => {
            proxies::reset_all(servers).await;
            no_content()
        }
        (["reset"], _) => return Err(Miss::Method("POST")),
        (["populate"], &Method::POST) => {
            let result = proxies::populate(servers, registry.seed, body).await;
            match result {
                Ok(names) => {
                    let listed: Vec<Value> = names
                        .iter()
                        .filter_map(|name| servers.iter().find(|c| c.name == *name))
                        .map(proxies::proxy_json)
                        .collect();
                    toxiproxy_response(StatusCode::CREATED, Ok(json!({"proxies": listed})))
                }
                Err(failure) => {
                    let mut body =
                        json!({"error": failure.description, "status": failure.status.as_u16()});
                    body["proxies"] = Value::Null;
                    crate::control::reply::json(failure.status, &body)
                }
            }
        }
        (["populate"], _) => return Err(Miss::Method("POST")),
        (["proxies"], &Method::GET) => {
            let proxies: serde_json::Map<String, Value> = servers
                .iter()
                .filter(|c| c.server.is_proxy())
                .map(|c| (c.name.clone(), proxies::proxy_json(c)))
                .collect();
            toxiproxy_response(ok, Ok(Value::Object(proxies)))
        }
        (["proxies"], &Method::POST) => toxiproxy_response(
            StatusCode::CREATED,
            proxies::create(servers, registry.seed, body).await,
        ),
        (["proxies"], _) => return Err(Miss::Method("GET, POST")),
        (["proxies", name, rest @ ..], method) => {
            let index = match proxies::find(servers, name) {
                Ok(index) => index,
                Err(failure) if rest.len() <= 2 => return Ok(failure.response(Shape::Toxiproxy)),
                Err(_) => return Err(Miss::NoRoute),
            };
            match (rest, method) {
                ([], &Method::GET) => {
                    toxiproxy_response(ok, Ok(proxies::proxy_json(&servers[index])))
                }
                ([], &Method::POST | &Method::PATCH) => toxiproxy_response(
                    ok,
                    proxies::update(&mut servers[index], registry.seed, body).await,
                ),
                ([], &Method::DELETE) => deleted(proxies::delete(servers, index).await),
                ([], _) => return Err(Miss::Method("GET, POST, PATCH, DELETE")),
                (["toxics"], &Method::GET) => {
                    toxiproxy_response(ok, Ok(toxics::list(&servers[index])))
                }
                (["toxics"], &Method::POST) => {
                    toxiproxy_response(ok, toxics::add(&mut servers[index], body).await)
                }
                (["toxics"], _) => return Err(Miss::Method("GET, POST")),
                (["toxics", toxic], &Method::GET) => {
                    toxiproxy_response(ok, toxics::show(&servers[index], toxic))
                }
                (["toxics", toxic], &Method::POST | &Method::PATCH) => {
                    toxiproxy_response(ok, toxics::update(&mut servers[index], toxic, body).await)
                }
                (["toxics", toxic], &Method::DELETE) => {
                    deleted(toxics::remove(&mut servers[index], toxic).await)
                }
                (["toxics", _], _) => return Err(Miss::Method("GET, POST, PATCH, DELETE")),
                _ => return Err(Miss::NoRoute),
            }
        }
        _ => return Err(Miss::NoRoute),
    })
}
