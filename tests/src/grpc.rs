//! gRPC clients as tests drive them: tonic (Rust) with prost messages, the way generated code
//! calls a method (`tonic::client::Grpc` with a path and a codec), without protoc.

use std::time::Duration;

use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Request, Status, Streaming};
use tonic_prost::ProstCodec;

/// The method the tests call: any method path does, hamms answers them all.
pub const SAY: &str = "/echo.Echo/Say";

/// The message the tests send and read (hamms' own messages are empty: this type's default).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Echo {
    /// Some text.
    #[prost(string, tag = "1")]
    pub text: String,
}

/// A tonic channel to `url` (`http://127.0.0.1:PORT/`, or `https://` trusting `ca_pem`), built
/// as users build theirs; connected lazily, on the first call.
///
/// # Panics
/// If `url` is not a URL, or `ca_pem` not a certificate.
pub fn tonic_channel(url: &str, ca_pem: Option<&str>) -> Channel {
    let mut endpoint = Endpoint::from_shared(url.to_owned()).expect("a URL");
    if let Some(ca) = ca_pem {
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost");
        endpoint = endpoint.tls_config(tls).expect("a TLS configuration");
    }
    endpoint.connect_lazy()
}

/// A unary call of [`SAY`] on `channel` with `metadata` and a deadline of `timeout`: the status
/// it ends with, as tonic reports it (OK with the answer's text).
pub async fn tonic_unary(
    channel: Channel,
    metadata: &[(&'static str, &str)],
    timeout: Duration,
) -> Result<Echo, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let mut request = Request::new(Echo {
        text: "hello".to_owned(),
    });
    request.set_timeout(timeout);
    for (key, value) in metadata {
        request
            .metadata_mut()
            .insert(*key, value.parse().expect("metadata text"));
    }
    let response = grpc
        .unary(
            request,
            PathAndQuery::from_static(SAY),
            ProstCodec::default(),
        )
        .await?;
    Ok(response.into_inner())
}

/// A server-streaming call of [`SAY`]: the messages received, then the status the stream ended
/// with (OK once it ends well).
pub async fn tonic_stream(
    channel: Channel,
    metadata: &[(&'static str, &str)],
    timeout: Duration,
) -> (Vec<Echo>, Status) {
    let mut grpc = tonic::client::Grpc::new(channel);
    if let Err(e) = grpc.ready().await {
        return (Vec::new(), Status::unavailable(e.to_string()));
    }
    let mut request = Request::new(Echo::default());
    request.set_timeout(timeout);
    for (key, value) in metadata {
        request
            .metadata_mut()
            .insert(*key, value.parse().expect("metadata text"));
    }
    let mut stream: Streaming<Echo> = match grpc
        .server_streaming(
            request,
            PathAndQuery::from_static(SAY),
            ProstCodec::default(),
        )
        .await
    {
        Ok(response) => response.into_inner(),
        Err(status) => return (Vec::new(), status),
    };
    let mut messages = Vec::new();
    loop {
        match stream.message().await {
            Ok(Some(message)) => messages.push(message),
            Ok(None) => return (messages, Status::new(Code::Ok, "")),
            Err(status) => return (messages, status),
        }
    }
}

/// The status a call ended with: OK (with no message) when it succeeded.
pub fn status_of<T>(result: Result<T, Status>) -> Status {
    result.map_or_else(|status| status, |_| Status::new(Code::Ok, ""))
}

/// The code a call ended with: [`Code::Ok`] when it succeeded.
pub fn code_of<T>(result: &Result<T, Status>) -> Code {
    result.as_ref().map_or_else(Status::code, |_| Code::Ok)
}
