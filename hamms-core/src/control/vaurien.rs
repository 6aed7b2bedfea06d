//! Vaurien's routes, for one server: `GET|PUT /behavior`, `GET /behaviors`, `GET|PUT /backend`.
//! Without a server name they address the first server, so Vaurien's client drives a single
//! proxy unchanged (`servers` routes `/servers/{name}/...` here too).
//!
//! `GET /behavior` answers the bare name (`delay`), as Vaurien does, so that vaurienclient's
//! `with_behavior` can restore what it read; `spec` holds the options too (`delay(sleep=2)`).
//! A `PUT` builds the behavior from the table's defaults, then the server's presets, then the
//! request's own options (which win, unlike Vaurien's command-line options, vaurien#56).

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::registry::Controlled;
use super::reply::{Failure, Miss, Routed, Shape, json, object, option_text};
use crate::Behavior;
use crate::catalog::ModeSpec;
use crate::engine::{Model, model};
use crate::http1::Location;

/// Whether `route` is one of Vaurien's.
pub(super) fn routes(route: &str) -> bool {
    matches!(route, "behavior" | "behaviors" | "backend")
}

/// Vaurien's routes on the first of `servers`.
pub(super) async fn route(
    servers: &mut [Controlled],
    method: &Method,
    route: &str,
    body: &[u8],
) -> Routed {
    match servers.first_mut() {
        Some(first) => server_route(first, method, route, body).await,
        None => Ok(
            Failure::not_found("server", "this control API serves no server yet")
                .response(Shape::Vaurien),
        ),
    }
}

/// `behavior`, `behaviors` and `backend` of one server.
pub(super) async fn server_route(
    server: &mut Controlled,
    method: &Method,
    route: &str,
    body: &[u8],
) -> Routed {
    let answer = match (route, method) {
        ("behavior", &Method::GET) => Ok(behavior_of(&server.server.behavior())),
        // Vaurien's first web server took POST; its client sends PUT.
        ("behavior", &Method::PUT | &Method::POST) => set_behavior(server, body).await,
        ("behavior", _) => return Err(Miss::Method("GET, PUT, POST")),
        ("behaviors", &Method::GET) => Ok(json!({"behaviors": valid_names(server)})),
        ("behaviors", _) => return Err(Miss::Method("GET")),
        ("backend", &Method::GET) => backend_of(server),
        ("backend", &Method::PUT | &Method::POST) => set_backend(server, body),
        ("backend", _) => return Err(Miss::Method("GET, PUT, POST")),
        _ => return Err(Miss::NoRoute),
    };
    Ok(match answer {
        Ok(value) => json(StatusCode::OK, &value),
        Err(failure) => failure.response(Shape::Vaurien),
    })
}

/// `{"behavior": "delay", "spec": "delay(sleep=2)"}`.
pub(super) fn behavior_of(behavior: &Behavior) -> Value {
    json!({"behavior": bare_name(behavior), "spec": behavior.to_string()})
}

/// The behavior without its options, as a `PUT` takes it back: `delay`, `latency+bandwidth`,
/// `20:delay,80:dummy`.
fn bare_name(behavior: &Behavior) -> String {
    let Model::Proxy(mix) = model(behavior) else {
        return behavior.name().to_owned();
    };
    let weighted = mix.choices().len() > 1;
    mix.choices()
        .iter()
        .map(|choice| {
            let stack: Vec<&str> = choice.stages.iter().map(|p| p.spec().name()).collect();
            let stack = stack.join("+");
            if weighted {
                format!("{}:{stack}", choice.weight)
            } else {
                stack
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn valid_names(server: &Controlled) -> Vec<&'static str> {
    let table = if server.server.is_proxy() {
        crate::catalog::proxy_behaviors()
    } else {
        crate::catalog::modes()
    };
    table.iter().map(ModeSpec::name).collect()
}

async fn set_behavior(server: &mut Controlled, body: &[u8]) -> Result<Value, Failure> {
    let fields = object(body).map_err(|reason| {
        Failure::bad_request(
            Location::Body,
            "body",
            format!("{reason}; send e.g. {{\"name\": \"delay\", \"sleep\": 0.5}}"),
        )
    })?;
    let behavior = behavior_from(server, &fields)?;
    server
        .switch(behavior)
        .await
        .map_err(|e| Failure::bad_request(Location::Body, "name", e.to_string()))?;
    Ok(json!({"status": "ok"}))
}

/// `{"name": "delay", "sleep": 2}`: the named behavior with the server's presets, then these
/// options.
fn behavior_from(server: &Controlled, fields: &Map<String, Value>) -> Result<Behavior, Failure> {
    let name = match fields.get("name") {
        Some(Value::String(name)) => name,
        Some(_) => {
            return Err(Failure::bad_request(
                Location::Body,
                "name",
                "`name` must be a string",
            ));
        }
        None => {
            return Err(Failure::bad_request(
                Location::Body,
                "name",
                format!(
                    "a behavior `name` is required; valid: {}",
                    valid_names(server).join(", ")
                ),
            ));
        }
    };
    let behavior = if server.server.is_proxy() {
        Behavior::proxy(name).map(|b| server.presets.apply(b))
    } else {
        Behavior::mode(name)
    };
    let mut behavior =
        behavior.map_err(|e| Failure::bad_request(Location::Body, "name", e.to_string()))?;
    for (option, value) in fields.iter().filter(|(key, _)| key.as_str() != "name") {
        let text = option_text(option, value)
            .map_err(|reason| Failure::bad_request(Location::Body, option, reason))?;
        behavior = behavior
            .param(option, &text)
            .map_err(|e| Failure::bad_request(Location::Body, option, e.to_string()))?;
    }
    Ok(behavior)
}

/// `{"backend": "127.0.0.1:6379"}`.
fn backend_of(server: &Controlled) -> Result<Value, Failure> {
    match server.server.backend() {
        Some(backend) => Ok(json!({"backend": backend})),
        None => Err(not_a_proxy(server)),
    }
}

/// `{"backend": "host:port"}`: the proxy's next connections go there.
fn set_backend(server: &Controlled, body: &[u8]) -> Result<Value, Failure> {
    if !server.server.is_proxy() {
        return Err(not_a_proxy(server));
    }
    let example = "send e.g. {\"backend\": \"127.0.0.1:6379\"}";
    let fields = object(body).map_err(|reason| {
        Failure::bad_request(Location::Body, "body", format!("{reason}; {example}"))
    })?;
    let Some(Value::String(backend)) = fields.get("backend") else {
        return Err(Failure::bad_request(
            Location::Body,
            "backend",
            format!("a `backend` string is required; {example}"),
        ));
    };
    server
        .server
        .set_backend(backend.clone())
        .map_err(|e| Failure::bad_request(Location::Body, "backend", e.to_string()))?;
    Ok(json!({"status": "ok"}))
}

fn not_a_proxy(server: &Controlled) -> Failure {
    Failure::bad_request(
        Location::Path,
        "backend",
        format!(
            "server `{}` runs the catalog mode `{}`: only a proxy has a backend",
            server.name,
            server.server.behavior().name()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_drop_the_options_and_keep_the_shape() {
        for (spec, option, bare) in [
            ("delay", "sleep", "delay"),
            ("latency+bandwidth", "latency", "latency+bandwidth"),
            ("20:delay,80:dummy", "sleep", "20:delay,80:dummy"),
        ] {
            let behavior = Behavior::proxy(spec).unwrap().param(option, 2).unwrap();
            assert_ne!(behavior.to_string(), bare, "{spec}: an option to drop");
            assert_eq!(bare_name(&behavior), bare, "{spec}");
        }
        let status = Behavior::mode("status")
            .unwrap()
            .param("status", 503)
            .unwrap();
        assert_eq!(bare_name(&status), "status");
    }
}
