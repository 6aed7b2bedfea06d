//! Writes `hamms-test/CLIENTS.md`: runs every client of the matrix against every catalog mode
//! and tabulates what each reported. Run it from anywhere in the workspace:
//!
//! ```sh
//! cargo run -p hamms-integration-tests --bin client-matrix
//! ```
//!
//! The `fetch` column needs Node (`node` on the PATH); without it the column is left out.

use std::path::Path;

use hamms_integration_tests::matrix::{self, TABLE_PATH, Table};

fn main() {
    let clients = matrix::installed_clients();
    let table = matrix::run(&clients);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(TABLE_PATH);
    let before = std::fs::read_to_string(&path)
        .map(|text| Table::from_markdown(&text))
        .ok();
    std::fs::write(&path, table.to_markdown())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let changed = before.map_or(table.rows.len(), |before| {
        table
            .rows
            .iter()
            .filter(|row| !before.rows.contains(row))
            .count()
    });
    println!(
        "wrote {TABLE_PATH}: {} modes x {} clients, {changed} rows changed",
        table.rows.len(),
        table.clients.len()
    );
}
