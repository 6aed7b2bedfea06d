//! One request of the control API, from the wire to the group of routes that answers it:
//! Vaurien's (`behavior`, `behaviors`, `backend`), the named servers' (`/servers/...`),
//! Toxiproxy's (`/proxies/...`, `/populate`, `/reset`, `/version`) and `/metrics`.

use std::convert::Infallible;
use std::sync::Arc;

use http::{HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use super::registry::Registry;
use super::reply::{ApiResponse, Failure, Miss, Shape};
use super::{metrics, servers, toxiproxy, vaurien};
use crate::http1::Location;
#[cfg(feature = "wiremock")]
use crate::server::admin;

/// The largest request body the control API reads (a populate of many proxies fits).
const MAX_BODY: usize = 1024 * 1024;

const ROUTES: &str = "GET /behavior, PUT /behavior, GET /behaviors, GET|PUT /backend, \
     GET /servers, GET|PUT /servers/{name}/behavior, GET /servers/{name}/behaviors, \
     GET|PUT /servers/{name}/backend, GET|DELETE /servers/{name}/history, \
     POST /servers/{name}/reset, GET /metrics; Toxiproxy's: GET /version, POST /reset, \
     POST /populate, GET|POST /proxies, GET|POST|PATCH|DELETE /proxies/{name}, \
     GET|POST /proxies/{name}/toxics, GET|POST|PATCH|DELETE /proxies/{name}/toxics/{toxic}";

/// The error shape of the routes under `first` (the first segment of the path).
fn shape(first: &str) -> Shape {
    match first {
        "proxies" | "populate" | "reset" | "version" => Shape::Toxiproxy,
        _ => Shape::Vaurien,
    }
}

/// Routes one request. Never fails: every problem is an answer.
pub(super) async fn handle(
    registry: Arc<Registry>,
    request: http::Request<Incoming>,
) -> Result<ApiResponse, Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_query = request.uri().query().map(str::to_owned);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let shape = shape(segments[0]);
    // As Toxiproxy: a web page the user visits must not switch their servers (a browser would
    // send its request with the user's loopback access).
    let from_browser = request
        .headers()
        .get(header::USER_AGENT)
        .is_some_and(|agent| agent.as_bytes().starts_with(b"Mozilla/"));
    if from_browser && !matches!(method, Method::GET | Method::HEAD) {
        let failure = Failure::new(
            StatusCode::FORBIDDEN,
            Location::Header,
            "user-agent",
            "User agent not allowed: browsers may read this API, not change it",
        );
        return Ok(failure.response(shape));
    }
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(error) => {
            let failure =
                Failure::bad_request(Location::Body, "body", format!("unreadable body: {error}"));
            return Ok(failure.response(shape));
        }
    };
    let query = request_query.unwrap_or_default();
    Ok(route(&registry, &method, &path, &query, &body).await)
}

/// The answer to `method path` with `body`, once the request has been read.
#[cfg_attr(
    not(feature = "wiremock"),
    allow(
        unused_variables,
        reason = "the query is read by WireMock's admin routes only"
    )
)]
async fn route(
    registry: &Arc<Registry>,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> ApiResponse {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let shape = shape(segments[0]);
    let method = method.clone();
    let mut servers = registry.lock().await;
    let routed = match segments.as_slice() {
        #[cfg(feature = "wiremock")]
        ["__admin", rest @ ..] => Ok(match servers.first() {
            Some(first) => admin_response(&admin::route(
                first.server.shared(),
                &method,
                rest,
                query,
                body,
            )),
            None => Failure::not_found("server", "the control API serves no server".to_owned())
                .response(shape),
        }),
        ["metrics"] if method == Method::GET => Ok(metrics::exposition(&servers)),
        ["metrics"] => Err(Miss::Method("GET")),
        ["servers", rest @ ..] => servers::route(&mut servers, &method, rest, body).await,
        [route] if vaurien::routes(route) => {
            vaurien::route(&mut servers, &method, route, body).await
        }
        _ => toxiproxy::route(registry, &mut servers, &method, &segments, body).await,
    };
    match routed {
        Ok(answer) => answer,
        Err(Miss::NoRoute) => Failure::not_found(
            "path",
            format!("no route {method} {path}; routes: {ROUTES}"),
        )
        .response(shape),
        Err(Miss::Method(allowed)) => {
            let mut answer = Failure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                Location::Method,
                "method",
                format!("{path} takes {allowed}, not {method}"),
            )
            .response(shape);
            answer
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allowed));
            answer
        }
    }
}

/// WireMock's admin answer as the control API sends it.
#[cfg(feature = "wiremock")]
fn admin_response(answer: &admin::AdminAnswer) -> ApiResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = String::from_utf8(answer.bytes()).unwrap_or_default();
    super::reply::with_body(status, "application/json", body)
}

#[cfg(test)]
mod properties;
