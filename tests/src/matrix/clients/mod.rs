//! The clients of the matrix, each run as its users run it, every job of a client at once.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use hamms_test::FaultServer;

use super::{EarlyAct, Outcome, Scenario};

mod curl;
mod hyper;
mod reqwest;
pub(super) mod scripted;
mod ureq;

/// How often reqwest and hyper ping an HTTP/2 connection, and how long they wait for the
/// acknowledgement: what `h2_ping_silence` is about.
const PING_INTERVAL: Duration = Duration::from_millis(250);
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// Python's urllib, run by [`scripted`].
const URLLIB_SCRIPT: &str = include_str!("urllib.py");
/// Node's fetch, run by [`scripted`].
const FETCH_SCRIPT: &str = include_str!("fetch.mjs");

/// A client of the matrix: a column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `curl -fsSL --compressed`: its exit code.
    Curl,
    /// Python's `urllib.request.urlopen`: the exception's class.
    Urllib,
    /// reqwest: its error predicates, and the status when it succeeds.
    Reqwest,
    /// ureq: its error variant.
    Ureq,
    /// hyper's connection-level client: its kind of error.
    Hyper,
    /// Node's `fetch`: the error's name and cause code. Optional: only where node is installed.
    Fetch,
}

impl Client {
    /// Every client, in the table's column order.
    pub const ALL: [Client; 6] = [
        Client::Curl,
        Client::Urllib,
        Client::Reqwest,
        Client::Ureq,
        Client::Hyper,
        Client::Fetch,
    ];

    /// The column's name.
    pub fn name(self) -> &'static str {
        match self {
            Client::Curl => "curl",
            Client::Urllib => "urllib",
            Client::Reqwest => "reqwest",
            Client::Ureq => "ureq",
            Client::Hyper => "hyper",
            Client::Fetch => "fetch",
        }
    }

    /// The client named `name` (a column of the table).
    pub fn named(name: &str) -> Option<Client> {
        Client::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the table must have this column: the optional ones are run only where their
    /// runtime is installed.
    pub fn is_optional(self) -> bool {
        self == Client::Fetch
    }

    /// What it reports when a mode's `act` reaches it before it has written its request, if
    /// that differs from what it reports when the request goes first: hyper (and reqwest on
    /// it) rejects an answer that comes first as an `UnexpectedMessage`; Node's fetch, meeting a
    /// close that comes first, waits until its timeout.
    pub(super) fn early_outcome(self, act: EarlyAct) -> Option<&'static str> {
        match (self, act) {
            (Client::Reqwest, EarlyAct::Writes) => Some("is_request (UnexpectedMessage)"),
            (Client::Hyper, EarlyAct::Writes) => Some("UnexpectedMessage"),
            (Client::Fetch, EarlyAct::Closes) => Some("TimeoutError"),
            _ => None,
        }
    }

    /// Whether it speaks HTTP/2 with prior knowledge, as the HTTP/2 block asks.
    pub(super) fn speaks_http2(self) -> bool {
        matches!(self, Client::Curl | Client::Reqwest | Client::Hyper)
    }

    /// The program and version the table was made with (`curl 7.88.1`, `Python 3.11.7`,
    /// `reqwest 0.13.5` as `Cargo.lock` has it), or `None` when the program is not installed.
    pub fn version(self) -> Option<String> {
        match self {
            Client::Curl => curl::version(),
            Client::Urllib => scripted::version("python3", "--version"),
            Client::Fetch => scripted::version("node", "--version").map(|v| format!("Node {v}")),
            Client::Reqwest => locked_version("reqwest"),
            Client::Ureq => locked_version("ureq"),
            Client::Hyper => locked_version("hyper"),
        }
    }

    /// Runs every job, at once, and reports what the client saw in each.
    pub(super) fn run(self, jobs: &[Job<'_>], context: &Context<'_>) -> Vec<Outcome> {
        match self {
            Client::Curl => curl::run(jobs, context),
            Client::Urllib => {
                let mut python = Command::new("python3");
                python.args(["-c", URLLIB_SCRIPT]);
                scripted::run(python, jobs, context)
            }
            Client::Fetch => {
                let mut node = Command::new("node");
                node.args(["--input-type=module", "-e", FETCH_SCRIPT])
                    .env("NODE_EXTRA_CA_CERTS", &context.ca_file);
                scripted::run(node, jobs, context)
            }
            Client::Reqwest => reqwest::run(jobs, context),
            Client::Ureq => ureq::run(jobs, context),
            Client::Hyper => hyper::run(jobs, context),
        }
    }
}

/// One run: a row's scenario, and the server started for it.
#[derive(Debug)]
pub(super) struct Job<'a> {
    /// What the client sends, and how.
    pub(super) scenario: &'a Scenario,
    /// The server's URL (`http://127.0.0.1:PORT/`, `https://` for the TLS modes).
    pub(super) url: String,
    /// The server, whose history says when the client has left.
    pub(super) server: &'a FaultServer,
}

impl Job<'_> {
    /// Once the client has its answer's head: for a row whose body is read after the client
    /// reported its window overflowed, waits until the server recorded that report (a
    /// RST_STREAM with FLOW_CONTROL_ERROR), or `deadline`.
    async fn before_the_body(&self, deadline: tokio::time::Instant) {
        if self.scenario.body_after_overflow {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let code = hamms_test::http::Http2ErrorCode::FLOW_CONTROL_ERROR.code();
            crate::client_reported(self.server, 0, code, left).await;
        }
    }
}

/// What every run shares.
#[derive(Debug)]
pub(super) struct Context<'a> {
    /// The test CA every client trusts, in PEM.
    pub(super) ca_pem: &'a str,
    /// The same, in a file (curl, Python and Node take a path).
    pub(super) ca_file: PathBuf,
    /// A file of `UPLOAD_BYTES` bytes, for curl's uploads.
    pub(super) upload_file: PathBuf,
    /// Every client's total timeout.
    pub(super) timeout: Duration,
    /// When a script stops waiting for a client whose timeout never fires.
    pub(super) deadline: Duration,
}

impl Context<'_> {
    /// The timeout in seconds, as curl's `--max-time` takes it.
    fn timeout_secs(&self) -> String {
        self.timeout.as_secs_f64().to_string()
    }
}

/// `name version` of a crate as the workspace's `Cargo.lock` pins it.
fn locked_version(name: &str) -> Option<String> {
    let lock = include_str!("../../../../Cargo.lock");
    let entry = format!("name = \"{name}\"\nversion = \"");
    // The newest entry: where a crate is locked twice, the clients use the latest major.
    let versions = lock.match_indices(&entry).filter_map(|(at, _)| {
        let rest = &lock[at + entry.len()..];
        rest.split('"').next()
    });
    versions.last().map(|version| format!("{name} {version}"))
}
