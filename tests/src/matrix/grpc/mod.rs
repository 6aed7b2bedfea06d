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

mod clients;
mod scenarios;
mod table;

pub use clients::{GrpcClient, peer_packages};
pub use scenarios::{GRPC_SCENARIOS, GrpcScenario};
pub use table::GrpcTable;

use super::REGENERATE;

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
    let servers: Vec<Vec<hamms_test::FaultServer>> = clients
        .iter()
        .map(|_| {
            GRPC_SCENARIOS
                .iter()
                .map(|scenario| {
                    scenario
                        .start()
                        .unwrap_or_else(|e| panic!("start {scenario:?}: {e}"))
                })
                .collect()
        })
        .collect();
    let columns: Vec<Vec<String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = clients
            .iter()
            .zip(&servers)
            .map(|(client, servers)| scope.spawn(move || client.run(servers)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a client's runs do not panic"))
            .collect()
    });
    GrpcTable {
        versions: clients.iter().filter_map(|c| c.version()).collect(),
        clients: clients.to_vec(),
        rows: GRPC_SCENARIOS
            .iter()
            .enumerate()
            .map(|(row, scenario)| table::GrpcRow {
                mode: scenario.mode.to_owned(),
                setup: scenario.setup(),
                cells: columns.iter().map(|column| column[row].clone()).collect(),
            })
            .collect(),
    }
}

/// Runs `clients` and compares their cells with `committed`; `Err` lists the cells that drifted.
pub fn check_grpc_columns(clients: &[GrpcClient], committed: &GrpcTable) -> Result<(), String> {
    let fresh = run_grpc(clients);
    let rows = |t: &GrpcTable| -> Vec<(String, String)> {
        t.rows
            .iter()
            .map(|r| (r.mode.clone(), r.setup.clone()))
            .collect()
    };
    if rows(&fresh) != rows(committed) {
        return Err(format!("the gRPC rows changed; run `{REGENERATE}`"));
    }
    let mut drift = Vec::new();
    for (now, then) in fresh.rows.iter().zip(&committed.rows) {
        for client in clients {
            let Some(then_cell) = committed.cell(then, *client) else {
                return Err(format!(
                    "the gRPC table lacks the {} column; run `{REGENERATE}`",
                    client.name()
                ));
            };
            let now_cell = fresh.cell(now, *client).expect("every client was run");
            if now_cell != then_cell {
                drift.push(format!(
                    "`{}` {}: {} surfaced `{now_cell}`; the table says `{then_cell}`",
                    now.mode,
                    now.setup,
                    client.name()
                ));
            }
        }
    }
    if drift.is_empty() {
        return Ok(());
    }
    Err(format!(
        "gRPC clients surface something else than the table says:\n{}\n\
         The table was made with {}; this machine has {}. If the change is meant, run `{REGENERATE}`.",
        drift.join("\n"),
        committed.versions.join(", "),
        fresh.versions.join(", "),
    ))
}
