//! What each client sees: `hamms-test/CLIENTS.md` against real runs of every client, and what
//! the table promises about the catalog's modes.

use std::collections::BTreeSet;

use hamms_integration_tests::matrix::{
    self, Client, GRPC_SCENARIOS, GrpcClient, GrpcTable, REGENERATE, SCENARIOS, TABLE_PATH, Table,
    plain_success,
};
use hamms_test::catalog::{self, ModeSpec};

/// The table as committed.
const TABLE: &str = include_str!("../../hamms-test/CLIENTS.md");

fn committed() -> Table {
    Table::from_markdown(TABLE)
}

fn committed_grpc() -> GrpcTable {
    GrpcTable::from_markdown(TABLE)
}

#[test]
fn every_catalog_mode_has_a_row_and_every_row_is_a_catalog_mode() {
    let modes: BTreeSet<&str> = catalog::modes().iter().map(ModeSpec::name).collect();
    let rows: BTreeSet<&str> = SCENARIOS
        .iter()
        .map(|s| s.mode)
        .chain(GRPC_SCENARIOS.iter().map(|s| s.mode))
        .collect();
    assert_eq!(
        rows, modes,
        "add a row to tests/src/matrix/scenarios.rs (or grpc/scenarios.rs)"
    );
    let http: BTreeSet<&str> = SCENARIOS.iter().map(|s| s.mode).collect();
    assert!(
        GRPC_SCENARIOS.iter().all(|s| !http.contains(s.mode)),
        "a gRPC mode's rows are in the gRPC section only"
    );
}

#[test]
fn the_table_is_what_the_generator_writes_for_these_rows_and_the_five_clients() {
    let table = committed();
    assert_eq!(
        table.to_markdown() + &committed_grpc().to_markdown(),
        TABLE,
        "{TABLE_PATH} was edited by hand; run `{REGENERATE}`"
    );
    let grpc = committed_grpc();
    let grpc_rows: Vec<(&str, String)> = grpc
        .rows
        .iter()
        .map(|r| (r.mode.as_str(), r.setup.clone()))
        .collect();
    let grpc_scenarios: Vec<(&str, String)> =
        GRPC_SCENARIOS.iter().map(|s| (s.mode, s.setup())).collect();
    assert_eq!(
        grpc_rows, grpc_scenarios,
        "the gRPC rows changed; run `{REGENERATE}`"
    );
    assert!(
        grpc.clients.contains(&GrpcClient::Tonic),
        "{TABLE_PATH} lacks the tonic column"
    );
    let rows: Vec<(&str, String)> = table
        .rows
        .iter()
        .map(|r| (r.mode.as_str(), r.setup.clone()))
        .collect();
    let scenarios: Vec<(&str, String)> = SCENARIOS.iter().map(|s| (s.mode, s.setup())).collect();
    assert_eq!(rows, scenarios, "the rows changed; run `{REGENERATE}`");
    for client in Client::ALL.into_iter().filter(|c| !c.is_optional()) {
        assert!(
            table.clients.contains(&client),
            "{TABLE_PATH} lacks the {} column",
            client.name()
        );
    }
}

#[test]
fn no_cell_shows_plain_success_for_a_client_the_modes_summary_does_not_name() {
    let table = committed();
    let mut unsaid = Vec::new();
    for row in &table.rows {
        let summary = ModeSpec::named(&row.mode)
            .expect("a catalog mode")
            .summary();
        let words: BTreeSet<&str> = summary
            .split(|c: char| !c.is_ascii_alphanumeric())
            .collect();
        for (client, cell) in table.clients.iter().zip(&row.cells) {
            if let Some(status) = plain_success(cell)
                && !words.contains(client.name())
                && !words.contains(status.to_string().as_str())
            {
                unsaid.push(format!(
                    "`{}`: {} reports a plain {status}, and the summary names neither: {summary:?}",
                    row.mode,
                    client.name()
                ));
            }
        }
    }
    assert!(
        unsaid.is_empty(),
        "a mode meant to break clients must break each of them, or say which accept it:\n{}",
        unsaid.join("\n")
    );
}

#[test]
fn no_grpc_cell_shows_ok_for_a_client_the_modes_summary_does_not_name() {
    let table = committed_grpc();
    let mut unsaid = Vec::new();
    for row in &table.rows {
        let summary = ModeSpec::named(&row.mode)
            .expect("a catalog mode")
            .summary();
        let words: BTreeSet<&str> = summary
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .collect();
        for (client, cell) in table.clients.iter().zip(&row.cells) {
            let ok = cell == "OK" || cell.starts_with("OK (");
            if ok && !words.contains(client.name()) && !words.contains("OK") {
                unsaid.push(format!(
                    "`{}`: {} surfaces OK, and the summary names neither: {summary:?}",
                    row.mode,
                    client.name()
                ));
            }
        }
    }
    assert!(
        unsaid.is_empty(),
        "a mode meant to break clients must break each of them, or say which accept it:\n{}",
        unsaid.join("\n")
    );
}

#[test]
fn tonic_surfaces_what_its_grpc_cells_say() {
    // grpcio and grpc-js, optional columns, are checked in the second tier (`peers/grpc.rs`).
    if let Err(drift) = matrix::check_grpc_columns(&[GrpcClient::Tonic], &committed_grpc()) {
        panic!("{drift}");
    }
}

#[test]
fn every_required_client_reports_what_its_cell_says() {
    // Node's fetch, an optional column, is checked in the second tier (`peers/fetch.rs`).
    let required: Vec<Client> = Client::ALL
        .into_iter()
        .filter(|client| !client.is_optional())
        .collect();
    if let Err(drift) = matrix::check_columns(&required, &committed()) {
        panic!("{drift}");
    }
}
