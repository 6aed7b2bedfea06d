//! Node's fetch: its column of the client matrix, from a real run (the other columns are checked
//! by `client_matrix.rs` in the first tier).

use hamms_integration_tests::matrix::{self, Client, Table};

#[test]
fn node_fetch_reports_what_its_column_says() {
    assert!(
        Client::Fetch.version().is_some(),
        "node is not installed: the second tier needs Node.js 18 or later for fetch"
    );
    let committed = Table::from_markdown(include_str!("../../../hamms-test/CLIENTS.md"));
    if let Err(drift) = matrix::check_columns(&[Client::Fetch], &committed) {
        panic!("{drift}");
    }
}
