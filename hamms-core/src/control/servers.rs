//! The routes that name a server: `GET /servers`, and under `/servers/{name}/` Vaurien's routes
//! (`behavior`, `behaviors`, `backend`) plus `history` (`GET`, `DELETE`) and `reset` (`POST`).

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::registry::{Controlled, names, position};
use super::reply::{Failure, Miss, Routed, Shape, json};
use super::vaurien::{behavior_of, server_route};
use crate::history::{History, Reply};

/// The `/servers` routes; `rest` is the path after `servers`.
pub(super) async fn route(
    servers: &mut [Controlled],
    method: &Method,
    rest: &[&str],
    body: &[u8],
) -> Routed {
    let (name, route) = match rest {
        [] if method == Method::GET => return Ok(json(StatusCode::OK, &list(servers))),
        [] => return Err(Miss::Method("GET")),
        [name, route] => (*name, *route),
        _ => return Err(Miss::NoRoute),
    };
    let Some(index) = position(servers, name) else {
        let failure = Failure::not_found(
            "name",
            format!("no server `{name}`; servers: {}", names(servers).join(", ")),
        );
        return Ok(failure.response(Shape::Vaurien));
    };
    let server = &mut servers[index];
    match (route, method) {
        ("history", &Method::GET) => Ok(json(
            StatusCode::OK,
            &history_json(&server.server.history()),
        )),
        ("history", &Method::DELETE) => {
            server.server.clear_history();
            Ok(json(StatusCode::OK, &json!({"status": "ok"})))
        }
        ("history", _) => Err(Miss::Method("GET, DELETE")),
        ("reset", &Method::POST) => {
            server.reset().await;
            let mut answer = behavior_of(&server.server.behavior());
            answer["status"] = json!("ok");
            Ok(json(StatusCode::OK, &answer))
        }
        ("reset", _) => Err(Miss::Method("POST")),
        (route, method) => server_route(server, method, route, body).await,
    }
}

fn list(servers: &[Controlled]) -> Value {
    let servers: Vec<Value> = servers
        .iter()
        .map(|Controlled { name, server, .. }| {
            let mut entry = behavior_of(&server.behavior());
            entry["name"] = json!(name);
            entry["addr"] = json!(server.addr().to_string());
            entry["url"] = json!(server.url("/"));
            entry["backend"] = json!(server.backend());
            entry
        })
        .collect();
    json!({ "servers": servers })
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
        "evicted_connections": history.evicted_connections(),
        "recorded_bytes": history.recorded_bytes(),
        "byte_limit": history.byte_limit(),
        "requests": requests,
        "connections": connections,
    })
}
