//! The gRPC clients of the matrix, each run as its users run it: tonic in this process, grpcio
//! and `@grpc/grpc-js` by a script each (every call of a client at once), found in
//! `HAMMS_PEERS` (`.ci/run` installs them there).

use std::path::PathBuf;
use std::process::Command;

use hamms_test::FaultServer;
use serde_json::{Value, json};

use super::{DEADLINE, GrpcScenario};
use crate::grpc::{SAY, code_of, tonic_channel, tonic_stream, tonic_unary};
use crate::matrix::clients::scripted;

/// grpcio's script.
const GRPCIO_SCRIPT: &str = include_str!("grpcio.py");
/// grpc-js's script.
const GRPC_JS_SCRIPT: &str = include_str!("grpc_js.js");

/// Where the second tier's gRPC packages are: `HAMMS_PEERS`, else
/// `~/.cache/hamms/peers` (`python/` holds grpcio, `node/node_modules/` grpc-js).
pub fn peer_packages() -> PathBuf {
    std::env::var_os("HAMMS_PEERS").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_default();
            PathBuf::from(home).join(".cache/hamms/peers")
        },
        PathBuf::from,
    )
}

/// A gRPC client of the matrix: a column of the gRPC section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrpcClient {
    /// tonic (Rust), with prost messages: `Status::code()`.
    Tonic,
    /// grpcio (Python, on grpc-core): `RpcError.code()`. Optional.
    Grpcio,
    /// `@grpc/grpc-js` (Node): the error's `code`. Optional.
    GrpcJs,
}

impl GrpcClient {
    /// Every client, in column order.
    pub const ALL: [GrpcClient; 3] = [GrpcClient::Tonic, GrpcClient::Grpcio, GrpcClient::GrpcJs];

    /// The column's name.
    pub fn name(self) -> &'static str {
        match self {
            GrpcClient::Tonic => "tonic",
            GrpcClient::Grpcio => "grpcio",
            GrpcClient::GrpcJs => "grpc-js",
        }
    }

    /// The client named `name`.
    pub fn named(name: &str) -> Option<GrpcClient> {
        GrpcClient::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the column may be missing: the second tier's clients.
    pub fn is_optional(self) -> bool {
        self != GrpcClient::Tonic
    }

    /// Its name and version, or `None` where it is not installed.
    pub fn version(self) -> Option<String> {
        match self {
            GrpcClient::Tonic => Some("tonic 0.14".to_owned()),
            GrpcClient::Grpcio => {
                let output = python()
                    .args(["-c", "import grpc; print(grpc.__version__)"])
                    .output()
                    .ok()?;
                output
                    .status
                    .success()
                    .then(|| format!("grpcio {}", String::from_utf8_lossy(&output.stdout).trim()))
            }
            GrpcClient::GrpcJs => {
                let package = peer_packages().join("node/node_modules/@grpc/grpc-js/package.json");
                let text = std::fs::read_to_string(package).ok()?;
                let manifest: Value = serde_json::from_str(&text).ok()?;
                Some(format!("grpc-js {}", manifest["version"].as_str()?))
            }
        }
    }

    /// Runs every job (a row's scenario, and the server started for it) at once; one cell per
    /// job.
    pub(super) fn run(self, jobs: &[(&GrpcScenario, FaultServer)]) -> Vec<String> {
        match self {
            GrpcClient::Tonic => run_tonic(jobs),
            GrpcClient::Grpcio => run_script(python(), GRPCIO_SCRIPT, "-c", jobs),
            GrpcClient::GrpcJs => run_script(node(), GRPC_JS_SCRIPT, "-e", jobs),
        }
    }
}

/// Python, with grpcio's path, calling loopback directly.
fn python() -> Command {
    let mut command = Command::new("python3");
    command.env("PYTHONPATH", peer_packages().join("python"));
    crate::direct_to_loopback(&mut command);
    command
}

/// Node, with grpc-js's path, calling loopback directly.
fn node() -> Command {
    let mut command = Command::new("node");
    command.env("NODE_PATH", peer_packages().join("node/node_modules"));
    crate::direct_to_loopback(&mut command);
    command
}

/// Runs `script` with `interpreter` (`flag` introduces the script), the jobs on its stdin;
/// reads back one cell per job.
fn run_script(
    mut interpreter: Command,
    script: &str,
    flag: &str,
    jobs: &[(&GrpcScenario, FaultServer)],
) -> Vec<String> {
    let setup = json!({
        "deadline": DEADLINE.as_secs_f64(),
        "jobs": jobs
            .iter()
            .map(|(scenario, server)| json!({
                "target": server.addr().to_string(),
                "method": SAY,
                "stream": scenario.stream,
            }))
            .collect::<Vec<_>>(),
    });
    interpreter.args([flag, script]);
    scripted::run_script(interpreter, &setup)
        .iter()
        .map(|cell| {
            let code = cell["code"].as_str().unwrap_or("(none)");
            cell_text(code, cell["messages"].as_u64())
        })
        .collect()
}

/// A cell: the code's name, and for a stream how many messages came.
fn cell_text(code: &str, messages: Option<u64>) -> String {
    match messages {
        Some(n) => format!("{code} ({n} messages)"),
        None => code.to_owned(),
    }
}

/// tonic's column: every row's call at once, on a runtime of its own.
fn run_tonic(jobs: &[(&GrpcScenario, FaultServer)]) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let calls = jobs.iter().map(|(scenario, server)| {
            let channel = tonic_channel(&server.url("/"), None);
            async move {
                if scenario.stream {
                    let (messages, status) = tonic_stream(channel, &[], DEADLINE).await;
                    cell_text(&code_name(status.code()), Some(messages.len() as u64))
                } else {
                    code_name(code_of(&tonic_unary(channel, &[], DEADLINE).await))
                }
            }
        });
        futures_util::future::join_all(calls).await
    })
}

/// A tonic code as the gRPC spec names it (`UNAVAILABLE`).
fn code_name(code: tonic::Code) -> String {
    hamms_test::GrpcCode::from_code(code as u32)
        .map_or_else(|| format!("{code:?}"), |c| c.name().to_owned())
}
