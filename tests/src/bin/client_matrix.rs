//! Writes `hamms-test/CLIENTS.md`: runs every client of the matrix against every catalog mode
//! and tabulates what each reported. Run it from anywhere in the workspace:
//!
//! ```sh
//! cargo run -p hamms-integration-tests --bin client-matrix
//! ```
//!
//! The `fetch` column needs Node (`node` on the PATH), and the gRPC section's `grpcio` and
//! `grpc-js` columns their packages in `HAMMS_PEERS` (see `.ci/run`); without them those
//! columns are left out.

use std::path::Path;

use hamms_integration_tests::matrix::{self, TABLE_PATH, Table};

fn main() {
    let clients = matrix::installed_clients();
    let table = matrix::run(&clients);
    let grpc_clients = matrix::installed_grpc_clients();
    let grpc = matrix::run_grpc(&grpc_clients);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(TABLE_PATH);
    let before = std::fs::read_to_string(&path)
        .map(|text| Table::from_markdown(&text))
        .ok();
    std::fs::write(&path, table.to_markdown() + &grpc.to_markdown())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let changed = before.map_or(table.rows.len(), |before| {
        table
            .rows
            .iter()
            .filter(|row| !before.rows.contains(row))
            .count()
    });
    println!(
        "wrote {TABLE_PATH}: {} modes x {} clients, {changed} rows changed; gRPC: {} rows x {} clients",
        table.rows.len(),
        table.clients.len(),
        grpc.rows.len(),
        grpc.clients.len()
    );
}
