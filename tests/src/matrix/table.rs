//! The matrix as a Markdown file: what the generator writes, and what the test reads back.

use std::fmt::Write;

use super::drift::Section;
use super::{CLIENT_TIMEOUT_MS, Client, GRACE, REGENERATE, UPLOAD_BYTES, UREQ_CONNECT_TIMEOUT_MS};

/// The results of a run, or of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The programs and crates it was made with (`curl 7.88.1`...).
    pub versions: Vec<String>,
    /// Its client columns, in order.
    pub clients: Vec<Client>,
    /// One row per scenario.
    pub rows: Vec<Row>,
}

/// One row: a mode, its set-up, and one cell per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The catalog mode.
    pub mode: String,
    /// Its parameters (and a POST), as the set-up column says them.
    pub setup: String,
    /// What each client reported, in the order of [`Table::clients`].
    pub cells: Vec<String>,
}

const MADE_WITH: &str = "Made with: ";
const HEADER: &str = "| mode | set-up |";

impl Table {
    /// The whole file.
    pub fn to_markdown(&self) -> String {
        let timeout_s = CLIENT_TIMEOUT_MS / 1000;
        let mut out = format!(
            "# What each client sees

For every mode of the catalog, what common HTTP clients report, from real runs against hamms'
servers on loopback. `{REGENERATE}` runs them and
writes this file (`hamms-test/CLIENTS.md`); `cargo test --workspace` runs them again
(`tests/tests/client_matrix.rs`) and fails when a client reports something else than its cell
says. The `fetch` column is made where Node is installed.

How each client is run, as its users run it, each giving up after {timeout_s} s:

- **curl**: `curl -fsSL --compressed --max-time {timeout_s}`; the cell is its exit code (`-f` makes an
  HTTP error status exit 22, shown with the status).
- **urllib**: Python's `urllib.request.urlopen(url, timeout={timeout_s}).read()`; the cell is the
  exception's class (with the `reason` of a `URLError`). Its timeout bounds each socket
  operation, not the whole call: a body that keeps coming never times out, and the cell says
  `no error yet at the deadline` when a run is still going {grace_s} s after the others gave up.
- **reqwest**: a `Client` with `.timeout()`, `send()` then `bytes()`; the cell lists the error
  predicates that hold (`is_timeout`, `is_connect`, `is_body`, `is_decode`, `is_request`,
  `is_redirect`) and, in parentheses, the cause in its error chain.
- **ureq**: an `Agent` with `timeout_global`, and `timeout_connect` of {connect_s} s (its default
  features: rustls, gzip), `call()` then `read_to_vec()`; the cell is the `ureq::Error` variant.
- **hyper**: hyper's connection-level client (`hyper::client::conn`: no pool, retry, redirect or
  decompression) under `tokio::time::timeout`; the cell is hyper's kind of error (an I/O
  error's kind, a TLS error, an HTTP/2 error code where there is one).
- **fetch**: Node's `fetch(url, {{signal: AbortSignal.timeout({CLIENT_TIMEOUT_MS})}})` then
  `arrayBuffer()`; the cell is the error's name and its cause's code.

Every client trusts the test CA (`--cacert`, `cafile`, `add_root_certificate`, `root_certs`,
a rustls `ClientConfig` on ring, `NODE_EXTRA_CA_CERTS`). The HTTP/2 block is asked with prior
knowledge: `--http2-prior-knowledge`, `http2_prior_knowledge()`, hyper's `http2` handshake; in
the rows that say `keep-alive pings`, reqwest and hyper ping every 250 ms and give up on a ping
unanswered for 1 s (curl sends none). urllib, ureq and fetch speak no HTTP/2 that way; their
cells there say `no HTTP/2` and what they got instead: the 505 hamms answers an HTTP/1.1
request on those modes. `POST of {upload} KiB` rows upload that much. Modes that make clients
wait are set to wait at least twice as long as the clients' timeout.

Reading a cell: `200` is a response read whole; `200, then X` a response whose body (or its
decoding) failed with X; anything else is the error before any response (for curl, the exit
code whenever it is not 0). A mode meant to break clients breaks each of them unless its
summary says which accept it: a test fails if a cell shows plain success (a bare 2xx) for a
client that the mode's summary names neither by its column's name nor by that status.

",
            upload = UPLOAD_BYTES / 1024,
            connect_s = UREQ_CONNECT_TIMEOUT_MS / 1000,
            grace_s = GRACE.as_secs(),
        );
        writeln!(out, "{MADE_WITH}{}.", self.versions.join(", ")).expect("writing to a String");
        out.push('\n');
        let names: Vec<&str> = self.clients.iter().map(|c| c.name()).collect();
        writeln!(out, "{HEADER} {} |", names.join(" | ")).expect("writing to a String");
        writeln!(out, "|---|---|{}", "---|".repeat(names.len())).expect("writing to a String");
        for row in &self.rows {
            let cells: Vec<String> = row.cells.iter().map(|c| escape(c)).collect();
            writeln!(
                out,
                "| `{}` | {} | {} |",
                row.mode,
                escape(&row.setup),
                cells.join(" | ")
            )
            .expect("writing to a String");
        }
        out
    }

    /// Reads the file back.
    ///
    /// # Panics
    /// If it is not in the shape [`to_markdown`](Self::to_markdown) writes.
    pub fn from_markdown(text: &str) -> Table {
        let versions = text
            .lines()
            .find_map(|l| l.strip_prefix(MADE_WITH))
            .expect("a `Made with:` line")
            .trim_end_matches('.')
            .split(", ")
            .map(str::to_owned)
            .collect();
        let mut lines = text.lines().skip_while(|l| !l.starts_with(HEADER));
        let header = split_row(lines.next().expect("the table's header"));
        let clients = header[2..]
            .iter()
            .map(|name| Client::named(name).unwrap_or_else(|| panic!("unknown client `{name}`")))
            .collect();
        let rows = lines
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .map(|line| {
                let mut cells = split_row(line);
                let rest = cells.split_off(2);
                Row {
                    mode: cells[0].trim_matches('`').to_owned(),
                    setup: cells[1].clone(),
                    cells: rest,
                }
            })
            .collect();
        Table {
            versions,
            clients,
            rows,
        }
    }

    /// The cell of `client` in `row`, if the table has that column.
    pub fn cell<'a>(&self, row: &'a Row, client: Client) -> Option<&'a str> {
        let column = self.clients.iter().position(|c| *c == client)?;
        Some(&row.cells[column])
    }
}

impl Section for Table {
    type Client = Client;

    fn client_name(client: Client) -> &'static str {
        client.name()
    }

    fn keys(&self) -> Vec<(&str, &str)> {
        self.rows
            .iter()
            .map(|row| (row.mode.as_str(), row.setup.as_str()))
            .collect()
    }

    fn cell_at(&self, row: usize, client: Client) -> Option<&str> {
        self.cell(&self.rows[row], client)
    }
}

/// A cell's text with the table's separator escaped.
fn escape(cell: &str) -> String {
    cell.replace('|', "\\|")
}

/// The cells of a Markdown row, unescaped.
fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current).trim().to_owned()),
            other => current.push(other),
        }
    }
    cells.push(current.trim().to_owned());
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_reads_back_as_written_separators_and_empty_cells_included() {
        let table = Table {
            versions: vec!["curl 7.88.1".into(), "Python 3.11.7".into()],
            clients: vec![Client::Curl, Client::Reqwest],
            rows: vec![Row {
                mode: "status".into(),
                setup: String::new(),
                cells: vec!["exit 22".into(), "a | b".into()],
            }],
        };
        assert_eq!(Table::from_markdown(&table.to_markdown()), table);
    }
}
