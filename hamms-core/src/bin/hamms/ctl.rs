//! [`ControlClient`]: a typed client of the control API, for `hamms ctl`. Each [`Route`] is one
//! route of the API; the client sends it and hands back the JSON answer, or a [`CtlError`]
//! naming what went wrong.

use std::future::Future;
use std::time::Duration;

use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

/// What can go wrong talking to a control API.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CtlError {
    /// The control API could not be reached, or stopped answering.
    #[error("cannot reach the control API at http://{authority}: {reason}")]
    Unreachable {
        /// Where it was looked for.
        authority: String,
        /// What the network said.
        reason: String,
    },
    /// Something at the address did not accept the connection, or did not answer, in time.
    #[error(
        "the control API at http://{authority} did not {what} within {waited:?}; is `hamms serve \
         --control` or `hamms proxy --control` listening there? (--timeout sets the wait)"
    )]
    TimedOut {
        /// Where it was looked for.
        authority: String,
        /// What it did not do: accept the connection, or answer.
        what: &'static str,
        /// How long it was given.
        waited: Duration,
    },
    /// What answered is not a control API of hamms (a catalog port, another program): its
    /// answer is not JSON, or lacks what the route answers with.
    #[error(
        "the answer of http://{authority}{path} ({status}) is not hamms' control API: {why}; is \
         the --control address that of `hamms serve --control`, `hamms proxy --control` or \
         `hamms toxiproxy`?"
    )]
    NotControlApi {
        /// Where it was asked.
        authority: String,
        /// The route asked.
        path: String,
        /// The status it answered.
        status: u16,
        /// What gives it away: `it is not JSON (...)`, `it has no `spec` (a string)`.
        why: String,
    },
    /// The control API refused the request: its own error descriptions, which name the valid
    /// choices.
    #[error("{}", .descriptions.join("\nhamms: "))]
    Refused {
        /// The status it answered.
        status: u16,
        /// Each error's description.
        descriptions: Vec<String>,
        /// The whole answer, for `--json`.
        answer: Value,
    },
}

impl CtlError {
    /// Whether the mistake is the user's to fix in the command line (exit 2).
    pub(crate) fn is_usage(&self) -> bool {
        matches!(self, CtlError::Refused { .. })
    }
}

/// The routes of the control API, for one server (`None`: the first one, Vaurien's routes).
#[derive(Debug)]
pub(crate) enum Route<'a> {
    Servers,
    Behaviors(Option<&'a str>),
    Behavior(Option<&'a str>),
    SetBehavior {
        server: Option<&'a str>,
        name: &'a str,
        options: &'a [(String, String)],
    },
    History(Option<&'a str>),
    Reset(Option<&'a str>),
}

impl Route<'_> {
    fn method(&self) -> Method {
        match self {
            Route::Servers | Route::Behaviors(_) | Route::Behavior(_) | Route::History(_) => {
                Method::GET
            }
            Route::SetBehavior { .. } => Method::PUT,
            Route::Reset(_) => Method::POST,
        }
    }

    fn path(&self) -> String {
        let under = |server: &Option<&str>, route: &str| match server {
            Some(name) => format!("/servers/{name}/{route}"),
            None => format!("/{route}"),
        };
        match self {
            Route::Servers => "/servers".to_owned(),
            Route::Behaviors(server) => under(server, "behaviors"),
            Route::Behavior(server) => under(server, "behavior"),
            Route::SetBehavior { server, .. } => under(server, "behavior"),
            Route::History(server) => under(server, "history"),
            Route::Reset(server) => under(server, "reset"),
        }
    }

    /// The member every answer of the route has, and what it holds: how an answer of the
    /// control API is told from any other JSON. `None` for a route that answers no body.
    fn answers_with(&self) -> Option<Member> {
        match self {
            Route::Servers => Some(Member::array("servers")),
            Route::Behaviors(_) => Some(Member::array("behaviors")),
            Route::Behavior(_) | Route::Reset(Some(_)) => Some(Member::text("spec")),
            Route::SetBehavior { .. } => Some(Member::text("status")),
            Route::History(_) => Some(Member::array("requests")),
            Route::Reset(None) => None,
        }
    }

    fn body(&self) -> Option<Value> {
        let Route::SetBehavior { name, options, .. } = self else {
            return None;
        };
        let mut body = json!({ "name": name });
        for (key, value) in *options {
            body[key] = Value::String(value.clone());
        }
        Some(body)
    }
}

/// A member of an answer, and what it holds.
#[derive(Debug, Clone, Copy)]
struct Member {
    name: &'static str,
    is_array: bool,
}

impl Member {
    const fn array(name: &'static str) -> Member {
        Member {
            name,
            is_array: true,
        }
    }

    const fn text(name: &'static str) -> Member {
        Member {
            name,
            is_array: false,
        }
    }

    /// What an answer without it lacks: ``it has no `spec` (a string)``.
    fn missing(self) -> String {
        let shape = if self.is_array { "a list" } else { "a string" };
        format!("it has no `{}` ({shape})", self.name)
    }

    fn is_in(self, answer: &Value) -> bool {
        let value = &answer[self.name];
        if self.is_array {
            value.is_array()
        } else {
            value.is_string()
        }
    }
}

/// A client of one control API, e.g. at `127.0.0.1:8080`.
#[derive(Debug)]
pub(crate) struct ControlClient {
    authority: String,
    /// How long to wait for the connection, then for the answer.
    timeout: Duration,
}

impl ControlClient {
    /// A client for the control API at `authority` (`host:port`, checked by the argument
    /// parser), waiting `timeout` for it to accept the connection and then for its answer.
    pub(crate) fn new(authority: &str, timeout: Duration) -> ControlClient {
        ControlClient {
            authority: authority.to_owned(),
            timeout,
        }
    }

    /// Sends `route` and returns the JSON answer of a success.
    pub(crate) fn send(&self, route: &Route<'_>) -> Result<Value, CtlError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| self.unreachable(&format!("cannot start a runtime: {e}")))?;
        let (status, answer) = runtime.block_on(self.exchange(route))?;
        if (200..300).contains(&status) {
            return match route.answers_with() {
                Some(member) if !member.is_in(&answer) => {
                    Err(self.not_control_api(route, status, member.missing()))
                }
                _ => Ok(answer),
            };
        }
        // A refusal of the control API lists its errors, each with a description.
        let Some(errors) = answer["errors"].as_array() else {
            return Err(self.not_control_api(route, status, Member::array("errors").missing()));
        };
        let descriptions = errors
            .iter()
            .map(|error| error["description"].as_str().unwrap_or("error").to_owned())
            .collect();
        Err(CtlError::Refused {
            status,
            descriptions,
            answer,
        })
    }

    fn not_control_api(&self, route: &Route<'_>, status: u16, why: String) -> CtlError {
        CtlError::NotControlApi {
            authority: self.authority.clone(),
            path: route.path(),
            status,
            why,
        }
    }

    fn unreachable(&self, reason: &dyn std::fmt::Display) -> CtlError {
        CtlError::Unreachable {
            authority: self.authority.clone(),
            reason: reason.to_string(),
        }
    }

    /// `step`, unless it takes longer than the timeout: a server that accepts and never
    /// answers must not keep `hamms ctl` waiting forever.
    async fn in_time<T>(
        &self,
        what: &'static str,
        step: impl Future<Output = Result<T, CtlError>>,
    ) -> Result<T, CtlError> {
        tokio::time::timeout(self.timeout, step)
            .await
            .map_err(|_| CtlError::TimedOut {
                authority: self.authority.clone(),
                what,
                waited: self.timeout,
            })?
    }

    async fn exchange(&self, route: &Route<'_>) -> Result<(u16, Value), CtlError> {
        let connect = async {
            tokio::net::TcpStream::connect(&self.authority)
                .await
                .map_err(|e| self.unreachable(&e))
        };
        let stream = self.in_time("accept the connection", connect).await?;
        self.in_time("answer", self.request(stream, route)).await
    }

    async fn request(
        &self,
        stream: tokio::net::TcpStream,
        route: &Route<'_>,
    ) -> Result<(u16, Value), CtlError> {
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| self.unreachable(&e))?;
        tokio::spawn(connection);
        let body = route.body().map(|b| b.to_string()).unwrap_or_default();
        let request = Request::builder()
            .method(route.method())
            .uri(route.path())
            .header(http::header::HOST, &self.authority)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(bytes::Bytes::from(body)))
            // Method, path and headers are all built here, from valid parts.
            .expect("a control request is well-formed");
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.unreachable(&e))?
            .to_bytes();
        // A 204 (`POST /reset`) has no body.
        if bytes.is_empty() && (200..300).contains(&status) {
            return Ok((status, Value::Null));
        }
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| self.not_control_api(route, status, format!("it is not JSON ({e})")))?;
        Ok((status, value))
    }
}

/// The answer to `route` as text, one item per line.
pub(crate) fn human(route: &Route<'_>, answer: &Value) -> String {
    let lines: Vec<String> = match route {
        Route::Servers => answer["servers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                format!(
                    "{}\t{}\t{}",
                    text(&s["name"]),
                    text(&s["addr"]),
                    text(&s["spec"])
                )
            })
            .collect(),
        Route::Behaviors(_) => answer["behaviors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect(),
        Route::Behavior(_) => vec![text(&answer["spec"])],
        Route::SetBehavior { name, .. } => vec![format!("behavior set: {name}")],
        Route::History(_) => {
            let requests = answer["requests"].as_array().into_iter().flatten();
            let mut lines: Vec<String> = requests
                .map(|r| {
                    format!(
                        "{} {} -> {}",
                        text(&r["method"]),
                        text(&r["target"]),
                        r["reply"]
                    )
                })
                .collect();
            let connections = answer["connections"].as_array().map_or(0, Vec::len);
            lines.push(format!(
                "{connections} connection(s), seed {}",
                answer["seed"]
            ));
            lines
        }
        Route::Reset(Some(_)) => vec![format!("reset to {}", text(&answer["spec"]))],
        Route::Reset(None) => {
            vec!["reset: every server back to its starting behavior, histories cleared".to_owned()]
        }
    };
    lines.into_iter().map(|line| line + "\n").collect()
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}
