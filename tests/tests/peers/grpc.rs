//! The gRPC clients of the second tier: grpcio's and grpc-js's columns of the client matrix's
//! gRPC section, from real runs (tonic's is checked in the first tier), and a retry policy that
//! reads `grpc-retry-pushback-ms` (gRPC A6), in grpcio with a service config.

use std::process::Command;
use std::time::Duration;

use hamms_integration_tests::direct_to_loopback;
use hamms_integration_tests::matrix::{self, GrpcClient, GrpcTable, peer_packages};
use hamms_test::{FaultServer, History};

use super::PATIENCE;

#[test]
fn grpcio_and_grpc_js_surface_what_their_columns_say() {
    let clients = [GrpcClient::Grpcio, GrpcClient::GrpcJs];
    for client in clients {
        assert!(
            client.version().is_some(),
            "{} is not installed in {} (HAMMS_PEERS): .ci/run installs it",
            client.name(),
            peer_packages().display()
        );
    }
    let committed = GrpcTable::from_markdown(include_str!("../../../hamms-test/CLIENTS.md"));
    if let Err(drift) = matrix::check_grpc_columns(&clients, &committed) {
        panic!("{drift}");
    }
}

/// A grpcio client whose service config retries UNAVAILABLE three times, 10 ms apart unless the
/// server pushes back: it makes one call and prints the code it ends with.
const RETRYING_CLIENT: &str = r#"
import json, sys
import grpc

config = {"methodConfig": [{
    "name": [{"service": "echo.Echo"}],
    "retryPolicy": {
        "maxAttempts": 3,
        "initialBackoff": "0.01s",
        "maxBackoff": "0.01s",
        "backoffMultiplier": 1,
        "retryableStatusCodes": ["UNAVAILABLE"],
    },
}]}
channel = grpc.insecure_channel(sys.argv[1], options=[
    ("grpc.service_config", json.dumps(config)),
    ("grpc.enable_retries", 1),
])
try:
    channel.unary_unary("/echo.Echo/Say")(b"", timeout=10)
    print("OK")
except grpc.RpcError as error:
    print(error.code().name)
"#;

/// Runs [`RETRYING_CLIENT`] against `server`; the code it ended with.
fn retrying_call(server: &FaultServer) -> String {
    let output = direct_to_loopback(&mut Command::new("python3"))
        .env("PYTHONPATH", peer_packages().join("python"))
        .args(["-c", RETRYING_CLIENT, &server.addr().to_string()])
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// How long the client waited before each retry: from the moment the server's answer to a call
/// left to the arrival of the next call (the client can only have read the answer after it
/// left, so this is never longer than the client's wait plus a trip).
fn retry_waits(history: &History) -> Vec<Duration> {
    history
        .exchanges()
        .windows(2)
        .map(|pair| {
            let answered = pair[0].first_byte_at.expect("each call was answered");
            pair[1]
                .request
                .received_at
                .saturating_duration_since(answered)
        })
        .collect()
}

#[test]
fn a_grpcio_retry_policy_waits_the_pushback_between_attempts() {
    let server = FaultServer::builder("grpc_retry_pushback")
        .param("pushback_ms", 1000)
        .start()
        .unwrap();
    assert_eq!(retrying_call(&server), "UNAVAILABLE");
    let history = server.wait_for_requests_blocking(3, PATIENCE).unwrap();
    assert_eq!(history.len(), 3, "maxAttempts: 3\n{history}");
    // The policy's own back-off is 10 ms; the server's pushback makes it 1 s, counted by the
    // client from its reading of the answer, after the answer left.
    for wait in retry_waits(&history) {
        assert!(wait >= Duration::from_millis(950), "{wait:?}\n{history}");
    }
}

#[test]
fn a_grpcio_retry_policy_stops_when_the_pushback_says_so() {
    let server = FaultServer::builder("grpc_retry_pushback")
        .param("retry", false)
        .start()
        .unwrap();
    assert_eq!(retrying_call(&server), "UNAVAILABLE");
    let history = server.wait_for_requests_blocking(1, PATIENCE).unwrap();
    assert_eq!(
        history.len(),
        1,
        "no retry after a pushback of -1\n{history}"
    );
}

#[test]
fn without_a_pushback_the_same_policy_retries_at_its_own_pace() {
    let server = FaultServer::builder("grpc_trailers_only").start().unwrap();
    assert_eq!(retrying_call(&server), "UNAVAILABLE");
    let history = server.wait_for_requests_blocking(3, PATIENCE).unwrap();
    assert_eq!(history.len(), 3, "{history}");
    // 10 ms, plus what a loaded machine adds to a Python client's retry: far from the 1 s a
    // pushback makes it above.
    let waits = retry_waits(&history);
    assert!(
        waits.iter().all(|wait| *wait < Duration::from_millis(800)),
        "{waits:?}\n{history}"
    );
}
