//! The gRPC section as Markdown: what the generator writes below the HTTP table, and what the
//! test reads back.

use super::{DEADLINE, GrpcClient};
use crate::matrix::table::{Column, Grid, Labels};

/// The section's results: from a run, or from the file.
pub type GrpcTable = Grid<GrpcClient>;

impl Column for GrpcClient {
    fn name(self) -> &'static str {
        GrpcClient::name(self)
    }

    fn named(name: &str) -> Option<GrpcClient> {
        GrpcClient::named(name)
    }
}

const HEADING: &str = "## gRPC clients";
const LABELS: Labels = Labels {
    made_with: "gRPC section made with: ",
    header: "| gRPC mode | set-up |",
};

impl Grid<GrpcClient> {
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
        self.write(&mut out, &LABELS);
        out
    }

    /// Reads the section back out of the whole file.
    ///
    /// # Panics
    /// If the file has no section in the shape [`to_markdown`](Self::to_markdown) writes.
    pub fn from_markdown(text: &str) -> GrpcTable {
        Grid::read(text, &LABELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::table::Row;

    #[test]
    fn the_section_reads_back_as_written() {
        let table = GrpcTable {
            versions: vec!["tonic 0.14".into()],
            clients: vec![GrpcClient::Tonic],
            rows: vec![Row {
                mode: "grpc_status".into(),
                setup: "server stream".into(),
                cells: vec!["UNAVAILABLE".into()],
            }],
        };
        assert_eq!(GrpcTable::from_markdown(&table.to_markdown()), table);
    }
}
