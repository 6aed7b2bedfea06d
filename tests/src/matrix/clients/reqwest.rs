//! reqwest as its users build it: a total timeout, the test CA added as a root, and for the
//! HTTP/2 block prior knowledge with keep-alive pings.

use super::{Context, Job, PING_INTERVAL, PING_TIMEOUT};
use crate::matrix::{Outcome, UPLOAD_BYTES, errors};

/// Runs every job at once on one thread, with clients as an application would hold them: one
/// for HTTP/1.1 (and HTTPS), one with HTTP/2 prior knowledge, and one that also sends
/// keep-alive pings. They are built first: building one takes a while (it loads its TLS roots).
pub(super) fn run(jobs: &[Job<'_>], context: &Context<'_>) -> Vec<Outcome> {
    let http1 = client(context, Speaks::Http1);
    let http2 = client(context, Speaks::Http2);
    let pinging = client(context, Speaks::Http2WithPings);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for reqwest");
    runtime.block_on(futures_util::future::join_all(jobs.iter().map(|job| {
        let client = match (job.scenario.http2, job.scenario.pings) {
            (false, _) => &http1,
            (true, false) => &http2,
            (true, true) => &pinging,
        };
        one(job, client, context)
    })))
}

/// What a client speaks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Speaks {
    Http1,
    Http2,
    Http2WithPings,
}

fn client(context: &Context<'_>, speaks: Speaks) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(context.ca_pem.as_bytes()).expect("the CA is PEM");
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(context.timeout)
        .add_root_certificate(ca);
    if speaks != Speaks::Http1 {
        builder = builder.http2_prior_knowledge();
    }
    if speaks == Speaks::Http2WithPings {
        builder = builder
            .http2_keep_alive_interval(PING_INTERVAL)
            .http2_keep_alive_timeout(PING_TIMEOUT);
    }
    builder.build().expect("build a reqwest client")
}

async fn one(job: &Job<'_>, client: &reqwest::Client, context: &Context<'_>) -> Outcome {
    let request = if job.scenario.upload {
        client.post(&job.url).body(vec![b'x'; UPLOAD_BYTES])
    } else {
        client.get(&job.url)
    };
    let deadline = tokio::time::Instant::now() + context.timeout;
    match request.send().await {
        Err(error) => Outcome::failed(describe(&error)),
        Ok(response) => {
            job.before_the_body(deadline).await;
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(_) => Outcome::answered(status),
                Err(error) => Outcome::answered_then(status, describe(&error)),
            }
        }
    }
}

/// The error's predicates that hold, and its cause: `is_request (IncompleteMessage)`.
fn describe(error: &reqwest::Error) -> String {
    let predicates = [
        ("is_timeout", error.is_timeout()),
        ("is_connect", error.is_connect()),
        ("is_body", error.is_body()),
        ("is_decode", error.is_decode()),
        ("is_request", error.is_request()),
        ("is_redirect", error.is_redirect()),
    ];
    let held: Vec<&str> = predicates
        .iter()
        .filter(|(_, holds)| *holds)
        .map(|(name, _)| *name)
        .collect();
    format!("{} ({})", held.join(" + "), errors::cause(error))
}
