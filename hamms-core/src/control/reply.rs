//! What every route answers, and the two shapes of its errors: Vaurien's for the Vaurien and
//! `/servers` routes, Toxiproxy's for the Toxiproxy routes (whose clients compare its messages
//! word for word, so those keep Toxiproxy's wording), and what a group of routes makes of a
//! request ([`Routed`]).

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::Full;
use serde_json::{Map, Value, json};

use crate::http1::{Location, error_body};

/// What every route answers.
pub(super) type ApiResponse = http::Response<Full<Bytes>>;

/// An answer with `body` of `content_type`.
pub(super) fn with_body(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> ApiResponse {
    let mut response = http::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON answer.
pub(super) fn json(status: StatusCode, body: &Value) -> ApiResponse {
    with_body(status, "application/json", body.to_string())
}

/// An answer with no body (Toxiproxy's 204s).
pub(super) fn no_content() -> ApiResponse {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Which error shape a route answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `{"status":"error","error":..,"errors":[{"location":..,"name":..,"description":..}]}`
    Vaurien,
    /// `{"error":..,"status":N}`
    Toxiproxy,
}

/// A failed request: its status, and what to say, in either shape.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) status: StatusCode,
    /// Vaurien's `location`.
    pub(super) location: Location,
    /// Vaurien's `name`: the field or part that is wrong.
    pub(super) name: String,
    /// What is wrong, and the fix.
    pub(super) description: String,
}

impl Failure {
    pub(super) fn new(
        status: StatusCode,
        location: Location,
        name: &str,
        description: impl Into<String>,
    ) -> Failure {
        Failure {
            status,
            location,
            name: name.to_owned(),
            description: description.into(),
        }
    }

    pub(super) fn bad_request(
        location: Location,
        name: &str,
        description: impl Into<String>,
    ) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, location, name, description)
    }

    pub(super) fn not_found(name: &str, description: impl Into<String>) -> Failure {
        Failure::new(StatusCode::NOT_FOUND, Location::Path, name, description)
    }

    /// A 500: what `name` needed failed on the server's side.
    pub(super) fn internal(name: &str, description: impl Into<String>) -> Failure {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Location::Server,
            name,
            description,
        )
    }

    // Toxiproxy's errors, in its words (api.go): clients match some of them exactly.

    /// `bad request body: ...` (400).
    pub(super) fn bad_body(detail: impl std::fmt::Display) -> Failure {
        Failure::bad_request(
            Location::Body,
            "body",
            format!("bad request body: {detail}"),
        )
    }

    /// `missing required field: ...` (400).
    pub(super) fn missing_field(field: &str) -> Failure {
        Failure::bad_request(
            Location::Body,
            field,
            format!("missing required field: {field}"),
        )
    }

    /// `proxy not found` (404).
    pub(super) fn proxy_not_found() -> Failure {
        Failure::not_found("proxy", "proxy not found")
    }

    /// `proxy already exists` (409).
    pub(super) fn proxy_exists() -> Failure {
        Failure::new(
            StatusCode::CONFLICT,
            Location::Body,
            "name",
            "proxy already exists",
        )
    }

    /// `toxic not found` (404).
    pub(super) fn toxic_not_found() -> Failure {
        Failure::not_found("toxic", "toxic not found")
    }

    /// `toxic already exists` (409).
    pub(super) fn toxic_exists() -> Failure {
        Failure::new(
            StatusCode::CONFLICT,
            Location::Body,
            "name",
            "toxic already exists",
        )
    }

    /// The answer, in `shape`.
    pub(super) fn response(&self, shape: Shape) -> ApiResponse {
        let body = match shape {
            Shape::Vaurien => error_body(self.location, &self.name, &self.description),
            Shape::Toxiproxy => json!({
                "error": self.description,
                "status": self.status.as_u16(),
            }),
        };
        json(self.status, &body)
    }
}

/// The request body as a JSON object.
///
/// # Errors
/// Why it is not one (invalid JSON, or another JSON value), for a 400.
pub(super) fn object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(other) => Err(format!("expected a JSON object, got {}", kind(&other))),
        Err(error) => Err(format!("invalid JSON ({error})")),
    }
}

/// What kind of JSON value `value` is, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An option's value as a user would write it on a command line (`0.5`, `100`, `true`, `key`),
/// for [`Behavior::param`](crate::Behavior::param). A whole number written as a float (`100.0`,
/// as some JSON encoders write every number) counts as that whole number.
///
/// # Errors
/// For arrays, objects and null, naming what `name` takes.
pub(super) fn option_text(name: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(match number.as_f64() {
            Some(float) if number.is_f64() && float.fract() == 0.0 && float.abs() < 9.0e15 => {
                format!("{float:.0}")
            }
            _ => number.to_string(),
        }),
        other => Err(format!(
            "`{name}` must be a number, a string or a boolean, not {}",
            kind(other)
        )),
    }
}

/// Why a group of routes did not answer a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Miss {
    /// No route has this path.
    NoRoute,
    /// The path is a route, for these methods only (an `Allow` header's value).
    Method(&'static str),
}

/// What a group of routes makes of a request.
pub(super) type Routed = Result<ApiResponse, Miss>;
