//! The gRPC section as Markdown: what the generator writes below the HTTP table, and what the
//! test reads back.

use std::fmt::Write;

use super::{DEADLINE, GrpcClient};
use crate::matrix::drift::Section;

/// The section's results: from a run, or from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcTable {
    /// The clients it was made with (`grpcio 1.85.3`...).
    pub versions: Vec<String>,
    /// Its columns, in order.
    pub clients: Vec<GrpcClient>,
    /// One row per scenario.
    pub rows: Vec<GrpcRow>,
}

/// One row: a mode, its set-up, and one cell per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcRow {
    /// The catalog mode.
    pub mode: String,
    /// Its parameters and kind of call.
    pub setup: String,
    /// What each client surfaced, in the order of [`GrpcTable::clients`].
    pub cells: Vec<String>,
}

const HEADING: &str = "## gRPC clients";
const MADE_WITH: &str = "gRPC section made with: ";
const HEADER: &str = "| gRPC mode | set-up |";

impl GrpcTable {
    /// The section, from its heading.
    pub fn to_markdown(&self) -> String {
        let deadline_s = DEADLINE.as_secs();
        let mut out = format!(
            "
{HEADING}

For every mode of the gRPC block, the status each gRPC client surfaces for one call of
`/echo.Echo/Say` with prior knowledge (plain `http://`), with a deadline of {deadline_s} s. The
`grpcio` and `grpc-js` columns are made where those packages are installed (the second tier:
`HAMMS_PEERS`, which `.ci/run` fills).

- **tonic**: `tonic::client::Grpc` on a `Channel`, prost messages, `Request::set_timeout`; the
  cell is `Status::code()`. Its timeout bounds the wait for the response's headers only.
- **grpcio**: `channel.unary_unary(method)(request, timeout={deadline_s})`; the cell is
  `RpcError.code()`.
- **grpc-js**: `Client.makeUnaryRequest` with a `deadline`; the cell is the error's `code`.

A server stream's cell says how many messages came before its end. A mode meant to break
clients breaks each of them unless its summary says which accept it: a test fails if a cell
shows `OK` for a client the mode's summary names neither by its column's name nor by `OK`.

"
        );
        writeln!(out, "{MADE_WITH}{}.", self.versions.join(", ")).expect("writing to a String");
        out.push('\n');
        let names: Vec<&str> = self.clients.iter().map(|c| c.name()).collect();
        writeln!(out, "{HEADER} {} |", names.join(" | ")).expect("writing to a String");
        writeln!(out, "|---|---|{}", "---|".repeat(names.len())).expect("writing to a String");
        for row in &self.rows {
            writeln!(
                out,
                "| `{}` | {} | {} |",
                row.mode,
                row.setup,
                row.cells.join(" | ")
            )
            .expect("writing to a String");
        }
        out
    }

    /// Reads the section back out of the whole file.
    ///
    /// # Panics
    /// If the file has no section in the shape [`to_markdown`](Self::to_markdown) writes.
    pub fn from_markdown(text: &str) -> GrpcTable {
        let versions = text
            .lines()
            .find_map(|l| l.strip_prefix(MADE_WITH))
            .expect("a `gRPC section made with:` line")
            .trim_end_matches('.')
            .split(", ")
            .map(str::to_owned)
            .collect();
        let mut lines = text.lines().skip_while(|l| !l.starts_with(HEADER));
        let header = cells(lines.next().expect("the gRPC table's header"));
        let clients = header[2..]
            .iter()
            .map(|name| {
                GrpcClient::named(name).unwrap_or_else(|| panic!("unknown gRPC client `{name}`"))
            })
            .collect();
        let rows = lines
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .map(|line| {
                let mut cells = cells(line);
                let rest = cells.split_off(2);
                GrpcRow {
                    mode: cells[0].trim_matches('`').to_owned(),
                    setup: cells[1].clone(),
                    cells: rest,
                }
            })
            .collect();
        GrpcTable {
            versions,
            clients,
            rows,
        }
    }

    /// The cell of `client` in `row`, if the table has that column.
    pub fn cell<'a>(&self, row: &'a GrpcRow, client: GrpcClient) -> Option<&'a str> {
        let column = self.clients.iter().position(|c| *c == client)?;
        Some(&row.cells[column])
    }
}

impl Section for GrpcTable {
    type Client = GrpcClient;

    fn client_name(client: GrpcClient) -> &'static str {
        client.name()
    }

    fn keys(&self) -> Vec<(&str, &str)> {
        self.rows
            .iter()
            .map(|row| (row.mode.as_str(), row.setup.as_str()))
            .collect()
    }

    fn cell_at(&self, row: usize, client: GrpcClient) -> Option<&str> {
        self.cell(&self.rows[row], client)
    }
}

/// The cells of a row (gRPC cells hold no `|`).
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_reads_back_as_written() {
        let table = GrpcTable {
            versions: vec!["tonic 0.14".into()],
            clients: vec![GrpcClient::Tonic],
            rows: vec![GrpcRow {
                mode: "grpc_status".into(),
                setup: "server stream".into(),
                cells: vec!["UNAVAILABLE".into()],
            }],
        };
        assert_eq!(GrpcTable::from_markdown(&table.to_markdown()), table);
    }
}
