//! The client matrix's gRPC section: for every mode of the gRPC block, the status each common
//! gRPC client surfaces, from real runs (tonic in the first tier; grpcio and `@grpc/grpc-js`,
//! optional, in the second).
//!
//! Design note: the gRPC block's rows are a table of their own, below the HTTP clients' one in
//! `hamms-test/CLIENTS.md` (an HTTP client meets a gRPC mode only as a 505, which says nothing
//! about gRPC). As for the HTTP columns, every cell gets a server of its own, every client runs
//! all of its calls at once, and each call has one deadline, which the modes that make clients
//! wait outlast, so that a cell comes out the same on every run. A cell is the status code's
//! name (and, for a server stream, how many messages came first).
//!
//! - `scenarios`: the rows;
//! - `clients`: how each client is run (tonic in this process, the others by a script);
//! - `table`: the section, written and read back.

use std::time::Duration;

use hamms_test::FaultServer;

mod clients;
mod scenarios;
mod table;

pub use clients::{GrpcClient, peer_packages};
pub use scenarios::{GRPC_SCENARIOS, GrpcScenario};
pub use table::GrpcTable;

use super::drift::{Wording, check};
use super::table::Row;

/// The deadline of every call of the gRPC section.
pub(super) const DEADLINE: Duration = Duration::from_secs(2);

/// The gRPC clients this machine can run: tonic, and the optional ones whose package is
/// installed.
pub fn installed_grpc_clients() -> Vec<GrpcClient> {
    GrpcClient::ALL
        .into_iter()
        .filter(|client| !client.is_optional() || client.version().is_some())
        .collect()
}

/// Runs every row with every client in `clients` and tabulates the cells.
pub fn run_grpc(clients: &[GrpcClient]) -> GrpcTable {
    let every: Vec<usize> = (0..GRPC_SCENARIOS.len()).collect();
    run_grpc_rows(clients, &every)
}

/// Runs the rows `rows` with every client in `clients`, all at once, and tabulates the cells,
/// in the order of `rows`.
fn run_grpc_rows(clients: &[GrpcClient], rows: &[usize]) -> GrpcTable {
    // One server per call, started before any client runs.
    let jobs: Vec<Vec<(&GrpcScenario, FaultServer)>> = clients
        .iter()
        .map(|_| {
            rows.iter()
                .map(|&row| {
                    let scenario = &GRPC_SCENARIOS[row];
                    let server = scenario
                        .start()
                        .unwrap_or_else(|e| panic!("start {scenario:?}: {e}"));
                    (scenario, server)
                })
                .collect()
        })
        .collect();
    let columns: Vec<Vec<String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = clients
            .iter()
            .zip(&jobs)
            .map(|(client, jobs)| scope.spawn(move || client.run(jobs)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a client's runs do not panic"))
            .collect()
    });
    GrpcTable {
        versions: clients.iter().filter_map(|c| c.version()).collect(),
        clients: clients.to_vec(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(at, &row)| {
                let scenario = &GRPC_SCENARIOS[row];
                Row {
                    mode: scenario.mode.to_owned(),
                    setup: scenario.setup(),
                    cells: columns.iter().map(|column| column[at].clone()).collect(),
                }
            })
            .collect(),
    }
}

/// Runs `clients` and compares their cells with `committed`; `Err` lists the cells that drifted.
///
/// As for the HTTP columns, the rows that drifted are run once more, alone (a call that waits
/// for a core may outlast its deadline on a loaded machine): a cell drifts only if it drifts
/// both times.
pub fn check_grpc_columns(clients: &[GrpcClient], committed: &GrpcTable) -> Result<(), String> {
    let wording = Wording {
        rows: "gRPC rows",
        table: "the gRPC table",
        verb: "surfaced",
        drifted: "gRPC clients surface something else than the table says",
    };
    check(
        clients,
        committed,
        GRPC_SCENARIOS.len(),
        |rows| run_grpc_rows(clients, rows),
        &wording,
    )
}
