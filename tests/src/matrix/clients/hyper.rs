//! hyper's own client, one connection at a time (`hyper::client::conn`): no pool, no retry, no
//! redirects, no decompression, and no timeout of its own, so each run is bounded with
//! `tokio::time::timeout`, as its users do. TLS through tokio-rustls (ring) with the test CA;
//! the HTTP/2 block with prior knowledge (and keep-alive pings where the row asks).

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;

use super::{Context, Job, PING_INTERVAL, PING_TIMEOUT};
use crate::matrix::{Outcome, UPLOAD_BYTES, errors};
use crate::{ANY_VERSION, h2_tls_config, tls_config};

/// What a run reports when its deadline passes.
const TIMED_OUT: &str = "tokio timeout";

/// Runs every job at once on one thread.
pub(super) fn run(jobs: &[Job<'_>], context: &Context<'_>) -> Vec<Outcome> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for hyper");
    runtime.block_on(futures_util::future::join_all(
        jobs.iter().map(|job| one(job, context)),
    ))
}

async fn one(job: &Job<'_>, context: &Context<'_>) -> Outcome {
    let deadline = Instant::now() + context.timeout;
    let uri: hyper::Uri = job.url.parse().expect("a valid URL");
    let authority = uri.authority().expect("an absolute URL").clone();
    let tcp = match timeout_at(deadline, TcpStream::connect(authority.as_str())).await {
        Err(_) => return Outcome::failed(format!("{TIMED_OUT} connecting")),
        Ok(Err(error)) => return Outcome::failed(format!("connect: {:?}", error.kind())),
        Ok(Ok(tcp)) => tcp,
    };
    if uri.scheme_str() != Some("https") {
        return exchange(tcp, job, uri, deadline).await;
    }
    let config = if job.scenario.http2 {
        h2_tls_config(context.ca_pem)
    } else {
        tls_config(context.ca_pem, ANY_VERSION, None)
    };
    let name = ServerName::try_from(authority.host().to_owned()).expect("a valid server name");
    let handshake = TlsConnector::from(Arc::new(config)).connect(name, tcp);
    match timeout_at(deadline, handshake).await {
        Err(_) => Outcome::failed(format!("{TIMED_OUT} in the TLS handshake")),
        Ok(Err(error)) => Outcome::failed(format!("TLS: {}", errors::io_name(&error))),
        Ok(Ok(tls)) => exchange(tls, job, uri, deadline).await,
    }
}

/// One request on `io` over HTTP/1.1 or (for the HTTP/2 block) HTTP/2, and its body.
async fn exchange<IO>(io: IO, job: &Job<'_>, uri: hyper::Uri, deadline: Instant) -> Outcome
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let body = if job.scenario.upload {
        Full::new(Bytes::from(vec![b'x'; UPLOAD_BYTES]))
    } else {
        Full::new(Bytes::new())
    };
    let method = if job.scenario.upload { "POST" } else { "GET" };
    let request = hyper::Request::builder().method(method);
    let sent = if job.scenario.http2 {
        let mut builder = hyper::client::conn::http2::Builder::new(TokioExecutor::new());
        builder.timer(TokioTimer::new());
        if job.scenario.pings {
            builder
                .keep_alive_interval(PING_INTERVAL)
                .keep_alive_timeout(PING_TIMEOUT);
        }
        let (mut sender, connection) = builder
            .handshake(TokioIo::new(io))
            .await
            .expect("the HTTP/2 handshake only queues the preface");
        tokio::spawn(connection);
        let request = request.uri(uri).body(body).expect("a valid request");
        timeout_at(deadline, sender.send_request(request)).await
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .expect("the HTTP/1 handshake does no I/O");
        tokio::spawn(connection);
        let host = uri.authority().expect("an absolute URL").to_string();
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let request = request
            .uri(path)
            .header("host", host)
            .body(body)
            .expect("a valid request");
        timeout_at(deadline, sender.send_request(request)).await
    };
    let response = match sent {
        Err(_) => return Outcome::failed(TIMED_OUT),
        Ok(Err(error)) => return Outcome::failed(errors::cause(&error)),
        Ok(Ok(response)) => response,
    };
    job.before_the_body(deadline).await;
    let status = response.status().as_u16();
    match timeout_at(deadline, response.into_body().collect()).await {
        Err(_) => Outcome::answered_then(status, TIMED_OUT),
        Ok(Err(error)) => Outcome::answered_then(status, errors::cause(&error)),
        Ok(Ok(_)) => Outcome::answered(status),
    }
}
