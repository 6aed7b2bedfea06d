//! WireMock's Python client (PyPI `wiremock` 2.7.0, in `HAMMS_PEERS`, which `.ci/run` fills)
//! driving hamms' WireMock door unchanged, as its users drive a WireMock server: mappings
//! created, listed, read, edited and removed; the request journal listed, read, counted,
//! queried; near misses; scenarios; global settings; resets.

use std::process::Command;

use hamms_integration_tests::direct_to_loopback;
use hamms_integration_tests::matrix::peer_packages;
use hamms_test::FaultServer;

#[test]
fn wiremocks_python_client_drives_the_admin_api_unchanged() {
    let server = FaultServer::fixture().wiremock_admin().start().unwrap();
    let python = peer_packages().join("python");
    assert!(
        python.join("wiremock").is_dir(),
        "WireMock's Python client is not installed in {} (HAMMS_PEERS): .ci/run installs it",
        python.display()
    );
    let output = direct_to_loopback(&mut Command::new("python3"))
        .env("PYTHONPATH", &python)
        .args(["-c", include_str!("wiremock/client.py")])
        .arg(server.url("/__admin"))
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let steps: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        steps,
        [
            "created id: 36",
            "hello: (200, 'hi')",
            "listed: 1",
            "retrieved url: /hello",
            "updated status: 201",
            "hello again: (201, 'hi again')",
            "missing: 404",
            "journal: 3",
            "journal newest url: /missing",
            "journal entry: /missing",
            "count: 2",
            "found: 2",
            "unmatched: ['/missing']",
            "near miss: ['/missing', True]",
            "pattern near miss: /hello",
            "scenario: ['first', 'second']",
            "scenario after reset: first",
            "delayed: [201, True]",
            "after delete: 404",
            "journal after reset: 0",
            "mappings after delete all: 0",
            "done: yes",
        ]
    );
}
