//! ureq as its users build it (its default features: rustls on ring, gzip): a global timeout
//! (and a shorter connect timeout), and the test CA as the only root. It speaks HTTP/1.1 only.

use std::thread;
use std::time::Duration;

use ureq::Agent;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use super::{Context, Job};
use crate::matrix::{Outcome, UPLOAD_BYTES, UREQ_CONNECT_TIMEOUT_MS, errors};

/// Runs every job at once, each on a thread of its own (ureq blocks).
pub(super) fn run(jobs: &[Job<'_>], context: &Context<'_>) -> Vec<Outcome> {
    thread::scope(|scope| {
        let runs: Vec<_> = jobs
            .iter()
            .map(|job| scope.spawn(|| one(job, context)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a ureq run does not panic"))
            .collect()
    })
}

fn one(job: &Job<'_>, context: &Context<'_>) -> Outcome {
    let ca = Certificate::from_pem(context.ca_pem.as_bytes()).expect("the CA is PEM");
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&[ca]))
        .build();
    let agent: Agent = Agent::config_builder()
        .proxy(None)
        .timeout_global(Some(context.timeout))
        // With only a global timeout, ureq names a connect that times out `Connect` or
        // `Global` depending on a few microseconds; a shorter connect timeout always wins.
        .timeout_connect(Some(Duration::from_millis(UREQ_CONNECT_TIMEOUT_MS)))
        .tls_config(tls)
        .build()
        .into();
    let result = if job.scenario.upload {
        agent.post(&job.url).send(&vec![b'x'; UPLOAD_BYTES][..])
    } else {
        agent.get(&job.url).call()
    };
    match result {
        Err(error) => Outcome::failed(describe(&error)),
        Ok(mut response) => {
            let status = response.status().as_u16();
            match response.body_mut().read_to_vec() {
                Ok(_) => Outcome::answered(status),
                Err(error) => Outcome::answered_then(status, describe(&error)),
            }
        }
    }
}

/// The error's variant, and what it holds when that says more (and is the same on every run):
/// `Io(ConnectionReset)`.
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(io) => format!("Io({})", errors::io_name(io)),
        ureq::Error::Rustls(tls) => format!("Rustls({})", errors::cause(tls)),
        ureq::Error::Decompress(what, io) => format!("Decompress({what}, {:?})", io.kind()),
        // How much it had read when it gave up depends on how the bytes fell into its reads.
        ureq::Error::LargeResponseHeader(_, limit) => format!("LargeResponseHeader(over {limit})"),
        other => format!("{other:?}"),
    }
}
