//! [`ControlClient`]: what `hamms ctl` uses to talk to a control API.

use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use serde_json::Value;

/// A client of one control API, e.g. `http://127.0.0.1:8080`.
#[derive(Debug, Clone)]
pub struct ControlClient {
    authority: String,
}

impl ControlClient {
    /// A client for the control API at `url` (`http://host:port` or `host:port`).
    ///
    /// # Errors
    /// A message naming the expected form, for anything else.
    pub fn new(url: &str) -> Result<ControlClient, String> {
        let with_scheme = if url.contains("://") {
            url.to_owned()
        } else {
            format!("http://{url}")
        };
        let uri: Uri = with_scheme.parse().map_err(|e| {
            format!("`{url}` is not a control URL such as http://127.0.0.1:8080 ({e})")
        })?;
        if uri.scheme_str() != Some("http") {
            return Err(format!("`{url}`: the control API speaks plain http"));
        }
        let authority = uri
            .authority()
            .filter(|a| a.port_u16().is_some())
            .ok_or_else(|| {
                format!("`{url}` needs a host and a port, e.g. http://127.0.0.1:8080")
            })?;
        Ok(ControlClient {
            authority: authority.to_string(),
        })
    }

    /// Sends one request and returns the status and the JSON answer.
    ///
    /// # Errors
    /// A message if the control API cannot be reached or does not answer JSON.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?;
        runtime.block_on(self.send(method, path, body))
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let unreachable = |e: &dyn std::fmt::Display| {
            format!(
                "cannot reach the control API at http://{}: {e}",
                self.authority
            )
        };
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|e| unreachable(&e))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| unreachable(&e))?;
        tokio::spawn(connection);
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, &self.authority)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(bytes::Bytes::from(body)))
            .map_err(|e| format!("invalid request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| unreachable(&e))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| unreachable(&e))?
            .to_bytes();
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("the control API answered {status} without JSON: {e}"))?;
        Ok((status, value))
    }
}
