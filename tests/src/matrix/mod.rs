//! The client matrix: for every catalog mode, what each common client reports, from real runs.
//!
//! `hamms-test/CLIENTS.md` holds the table (shown in hamms-test's docs, linked from the README).
//! `cargo run -p hamms-integration-tests --bin client-matrix` runs every client against every
//! mode and writes it; the `client_matrix` test runs them again and fails when a cell drifts.
//!
//! Design note: every cell gets a server of its own (the stateful modes, `retry_counter` and
//! the seeded ones, then answer each client alike), every client runs all of its jobs at once
//! (curl in parallel processes, urllib and fetch in one script each, the Rust clients on a
//! thread each), and the modes that make clients wait are set to wait past the clients' own
//! timeouts, so that the whole matrix takes about one client timeout and each cell comes out the
//! same on every run.
//!
//! - `scenarios`: the rows (each mode, its parameters, what the clients send);
//! - `outcome`: what one client reported, as a cell says it;
//! - `errors`: stable names for the errors of the Rust clients;
//! - `clients/`: how each client is run;
//! - `table`: the Markdown file, written and read back;
//! - `drift`: the check of a fresh run against the committed cells, both sections';
//! - `grpc/`: the gRPC section, below the HTTP table: the gRPC block's modes and the status
//!   tonic, grpcio and grpc-js surface.

use std::thread;
use std::time::Duration;

use hamms_test::FaultServer;

mod clients;
mod drift;
mod errors;
mod grpc;
mod outcome;
mod scenarios;
mod table;

pub use clients::Client;
pub use grpc::{
    GRPC_SCENARIOS, GrpcClient, GrpcScenario, GrpcTable, check_grpc_columns,
    installed_grpc_clients, peer_packages, run_grpc,
};
pub use outcome::plain_success;
pub use scenarios::{SCENARIOS, Scenario};
pub use table::{Column, Grid, Row, Table};

use clients::{Context, Job};
use drift::{Wording, check};
use outcome::Outcome;
use scenarios::{CLIENT_TIMEOUT_MS, EarlyAct, UPLOAD_BYTES, UREQ_CONNECT_TIMEOUT_MS};

use crate::temp_file;

/// Where the table lives, from the workspace's root.
pub const TABLE_PATH: &str = "hamms-test/CLIENTS.md";

/// The command that writes the table.
pub const REGENERATE: &str = "cargo run -p hamms-integration-tests --bin client-matrix";

/// How long past the clients' timeout a script waits for a client whose timeout never fires.
const GRACE: Duration = Duration::from_secs(2);

/// The clients this machine can run: every required one, and the optional ones whose runtime
/// is installed.
pub fn installed_clients() -> Vec<Client> {
    Client::ALL
        .into_iter()
        .filter(|client| !client.is_optional() || client.version().is_some())
        .collect()
}

/// Runs `clients` (every scenario, all at once) and compares what each reports with
/// `committed`, the table as committed. `Err` lists the cells that drifted, with the versions
/// the table was made with and those of this machine.
///
/// The rows that drifted are run once more, alone (see `drift.rs`): a cell drifts only if it
/// drifts both times.
pub fn check_columns(clients: &[Client], committed: &Table) -> Result<(), String> {
    let wording = Wording {
        rows: "rows",
        table: TABLE_PATH,
        verb: "reported",
        drifted: "clients report something else than hamms-test/CLIENTS.md says",
    };
    check(
        clients,
        committed,
        SCENARIOS.len(),
        |rows| run_rows(clients, rows),
        &wording,
    )
}

/// Runs every scenario with every client in `clients`, all at once, and tabulates what each
/// client reported.
pub fn run(clients: &[Client]) -> Table {
    let every: Vec<usize> = (0..SCENARIOS.len()).collect();
    run_rows(clients, &every)
}

/// Runs the scenarios of rows `rows` with every client in `clients`, all at once, and
/// tabulates what each client reported, in the order of `rows`.
fn run_rows(clients: &[Client], rows: &[usize]) -> Table {
    // What each client runs: every row, and the request-first side of each row whose mode acts
    // first in a way the client tells apart.
    let plans: Vec<Vec<Planned>> = clients.iter().map(|client| plan(*client, rows)).collect();
    // One server per run, started before any client runs.
    let servers: Vec<Vec<FaultServer>> = plans
        .iter()
        .map(|plan| {
            plan.iter()
                .map(|planned| {
                    let scenario = &SCENARIOS[planned.row];
                    scenario
                        .start(planned.request_first)
                        .unwrap_or_else(|e| panic!("start {scenario:?}: {e}"))
                })
                .collect()
        })
        .collect();
    let ca_pem = servers[0][0].ca_pem();
    let ca_file = temp_file(ca_pem);
    let upload_file = temp_file(&"x".repeat(UPLOAD_BYTES));
    let timeout = Duration::from_millis(CLIENT_TIMEOUT_MS);
    let context = Context {
        ca_pem,
        ca_file: ca_file.path().to_owned(),
        upload_file: upload_file.path().to_owned(),
        timeout,
        deadline: timeout + GRACE,
    };
    let columns: Vec<Vec<Outcome>> = thread::scope(|scope| {
        let runs: Vec<_> = clients
            .iter()
            .zip(plans.iter().zip(&servers))
            .map(|(client, (plan, servers))| {
                let context = &context;
                scope.spawn(move || {
                    let jobs: Vec<Job<'_>> = plan
                        .iter()
                        .zip(servers)
                        .map(|(planned, server)| Job {
                            scenario: &SCENARIOS[planned.row],
                            url: server.url("/"),
                            server,
                        })
                        .collect();
                    client.run(&jobs, context)
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a client's runs do not panic"))
            .collect()
    });
    let rows = rows
        .iter()
        .map(|&row| (row, &SCENARIOS[row]))
        .map(|(row, scenario)| Row {
            mode: scenario.mode.to_owned(),
            setup: scenario.setup(),
            cells: clients
                .iter()
                .zip(plans.iter().zip(&columns))
                .map(|(client, (plan, outcomes))| {
                    let outcome_of = |request_first: bool| {
                        plan.iter()
                            .position(|p| p.row == row && p.request_first == request_first)
                            .map(|at| &outcomes[at])
                    };
                    let outcome = outcome_of(false).expect("every row is run");
                    cell(*client, scenario, outcome, outcome_of(true))
                })
                .collect(),
        })
        .collect();
    Table {
        versions: clients.iter().filter_map(|c| c.version()).collect(),
        clients: clients.to_vec(),
        rows,
    }
}

/// One run of a client: a row, or the request-first side of a row whose mode acts first.
#[derive(Debug, Clone, Copy)]
struct Planned {
    row: usize,
    request_first: bool,
}

/// The runs of `client` for rows `rows`.
fn plan(client: Client, rows: &[usize]) -> Vec<Planned> {
    let mut plan = Vec::new();
    for (row, scenario) in rows.iter().map(|&row| (row, &SCENARIOS[row])) {
        plan.push(Planned {
            row,
            request_first: false,
        });
        if scenario
            .acts_first
            .is_some_and(|act| client.early_outcome(act).is_some())
        {
            plan.push(Planned {
                row,
                request_first: true,
            });
        }
    }
    plan
}

/// The cell for `outcome`. In a row whose mode acts first, a client that tells the two orders
/// apart reported one side of a race: the cell names both, the side where the request went
/// first (`request_first`, run for the purpose) and the client's outcome when the mode acts
/// first. A client that does not speak HTTP/2 (and met the 505 the HTTP/2 block answers
/// HTTP/1.1 with) is said to.
fn cell(
    client: Client,
    scenario: &Scenario,
    outcome: &Outcome,
    request_first: Option<&Outcome>,
) -> String {
    if let (Some(first), Some(act)) = (request_first, scenario.acts_first)
        && let Some(early) = client.early_outcome(act)
        && (outcome == first || outcome.to_string() == early)
    {
        let what = match act {
            EarlyAct::Writes => "the answer",
            EarlyAct::Closes => "the close",
        };
        return format!("{first}, or {early} if {what} comes before the request is written");
    }
    if scenario.http2 && !client.speaks_http2() {
        format!("no HTTP/2: {outcome}")
    } else {
        outcome.to_string()
    }
}
