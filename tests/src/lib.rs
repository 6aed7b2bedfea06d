//! Helpers shared by the cross-crate tests: a raw socket client that timestamps every byte
//! (`raw`), a raw HTTP/2 client that reads frames (`frames`), backends for the proxy
//! (`backends`: Redis, echo), real HTTP clients and their error classes (`clients`), TLS clients
//! that trust the test CA (`tls`), curl (`curl`), gRPC clients (`grpc`: tonic), and the client
//! matrix (`matrix`: what each
//! common client reports for each mode, `hamms-test/CLIENTS.md`), and the README's examples
//! against the dependencies it shows (`readme`).

use std::time::{Duration, Instant};

mod backends;
mod clients;
mod curl;
mod frames;
mod grpc;
pub mod matrix;
mod raw;
pub mod readme;
mod tls;

pub use backends::*;
pub use clients::*;
pub use curl::*;
pub use frames::*;
pub use grpc::*;
pub use raw::*;
pub use tls::*;

/// Waits until the bytes `server` recorded of its `connection`th connection (from 0) hold a
/// RST_STREAM or GOAWAY frame of the client's with error `code`, or `timeout` passes; returns
/// whether they do. For a test whose client must not go on before it has reported an HTTP/2
/// error to the server. Polls without blocking the async runtime the client runs on.
pub async fn client_reported(
    server: &hamms_test::FaultServer,
    connection: usize,
    code: u32,
    timeout: Duration,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let history = server.history();
        let reported = history.connections().get(connection).is_some_and(|record| {
            client_frames(&record.received)
                .iter()
                .any(|f| matches!(f.kind, kind::RST_STREAM | kind::GOAWAY) && f.code() == code)
        });
        if reported {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Polls `condition` until it holds, panicking with `what` if `timeout` passes first. For state
/// a server reaches asynchronously (a recorded close, a listener switch): the test waits for the
/// event itself rather than sleeping a guessed time.
pub fn eventually(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Makes `command`'s clients call loopback directly, whatever proxy the environment names:
/// the proxy variables removed, and loopback exempted (`NO_PROXY`, and grpc-js'
/// `no_grpc_proxy`) should a client find a proxy some other way.
pub fn direct_to_loopback(command: &mut std::process::Command) -> &mut std::process::Command {
    for name in ["http_proxy", "https_proxy", "grpc_proxy", "all_proxy"] {
        command
            .env_remove(name)
            .env_remove(name.to_ascii_uppercase());
    }
    for name in ["no_proxy", "NO_PROXY", "no_grpc_proxy"] {
        command.env(name, "127.0.0.1,localhost,::1");
    }
    command
}
