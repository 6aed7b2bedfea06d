//! The matrix as a Markdown file: what the generator writes, and what the test reads back. Both
//! sections (the HTTP clients' and the gRPC clients') are a [`Grid`]: a line of versions, then
//! rows of a mode, a set-up and one cell per client; each section writes its own preamble.

use std::fmt::Write;

use super::drift::Section;
use super::{CLIENT_TIMEOUT_MS, Client, GRACE, REGENERATE, UPLOAD_BYTES, UREQ_CONNECT_TIMEOUT_MS};

/// A section's client columns: `Client`, `GrpcClient`.
pub trait Column: Copy + PartialEq + Sized {
    /// The column's name.
    fn name(self) -> &'static str;
    /// The client of the column named `name`.
    fn named(name: &str) -> Option<Self>;
}

impl Column for Client {
    fn name(self) -> &'static str {
        Client::name(self)
    }

    fn named(name: &str) -> Option<Client> {
        Client::named(name)
    }
}

/// The results of a run, or of the file: one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid<C> {
    /// The programs and crates it was made with (`curl 7.88.1`...).
    pub versions: Vec<String>,
    /// Its client columns, in order.
    pub clients: Vec<C>,
    /// One row per scenario.
    pub rows: Vec<Row>,
}

/// The HTTP clients' section, which is the whole file but for the gRPC section below it.
pub type Table = Grid<Client>;

/// One row: a mode, its set-up, and one cell per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The catalog mode.
    pub mode: String,
    /// Its parameters (and a POST), as the set-up column says them.
    pub setup: String,
    /// What each client reported, in the order of [`Grid::clients`].
    pub cells: Vec<String>,
}

/// The lines that find a section's grid in the file.
pub(super) struct Labels {
    /// What starts the line of versions: `Made with: `.
    pub(super) made_with: &'static str,
    /// What starts the table's header, before the client columns: `| mode | set-up |`.
    pub(super) header: &'static str,
}

const LABELS: Labels = Labels {
    made_with: "Made with: ",
    header: "| mode | set-up |",
};

impl<C: Column> Grid<C> {
    /// The line of versions and the table, as `labels` name them, after `out`'s preamble.
    pub(super) fn write(&self, out: &mut String, labels: &Labels) {
        writeln!(out, "{}{}.", labels.made_with, self.versions.join(", "))
            .expect("writing to a String");
        out.push('\n');
        let names: Vec<&str> = self.clients.iter().map(|c| c.name()).collect();
        writeln!(out, "{} {} |", labels.header, names.join(" | ")).expect("writing to a String");
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
    }

    /// Reads the section that `labels` find back out of the whole file.
    ///
    /// # Panics
    /// If it is not in the shape [`write`](Self::write) writes.
    pub(super) fn read(text: &str, labels: &Labels) -> Grid<C> {
        let versions = text
            .lines()
            .find_map(|l| l.strip_prefix(labels.made_with))
            .unwrap_or_else(|| panic!("a `{}` line", labels.made_with.trim()))
            .trim_end_matches('.')
            .split(", ")
            .map(str::to_owned)
            .collect();
        let mut lines = text.lines().skip_while(|l| !l.starts_with(labels.header));
        let header = split_row(lines.next().expect("the table's header"));
        let clients = header[2..]
            .iter()
            .map(|name| C::named(name).unwrap_or_else(|| panic!("unknown client `{name}`")))
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
        Grid {
            versions,
            clients,
            rows,
        }
    }

    /// The cell of `client` in `row`, if the table has that column.
    pub fn cell<'a>(&self, row: &'a Row, client: C) -> Option<&'a str> {
        let column = self.clients.iter().position(|c| *c == client)?;
        Some(&row.cells[column])
    }
}

impl<C: Column> Section for Grid<C> {
    type Client = C;

    fn client_name(client: C) -> &'static str {
        client.name()
    }

    fn versions(&self) -> &[String] {
        &self.versions
    }

    fn keys(&self) -> Vec<(&str, &str)> {
        self.rows
            .iter()
            .map(|row| (row.mode.as_str(), row.setup.as_str()))
            .collect()
    }

    fn cell_at(&self, row: usize, client: C) -> Option<&str> {
        self.cell(&self.rows[row], client)
    }
}

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
        self.write(&mut out, &LABELS);
        out
    }

    /// Reads the file back.
    ///
    /// # Panics
    /// If it is not in the shape [`to_markdown`](Self::to_markdown) writes.
    pub fn from_markdown(text: &str) -> Table {
        Grid::read(text, &LABELS)
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
