//! The drift check both sections of the matrix share: a fresh run's cells against the committed
//! ones, with the rows that drifted run once more, alone.
//!
//! With every row at once, a machine loaded by other work may keep a client past its timeout
//! (a handshake that waits five seconds for a core, a call that outlasts its deadline), and a
//! cell that drifted for that reason reports its own outcome when run with no crowd. A cell
//! drifts only if it drifts both times.

use super::REGENERATE;

/// A section of the matrix as the check reads it: rows of a mode, a set-up and a cell per
/// client.
pub(super) trait Section {
    /// A column.
    type Client: Copy;

    /// The column's name.
    fn client_name(client: Self::Client) -> &'static str;

    /// The clients' versions it was made with.
    fn versions(&self) -> &[String];

    /// The mode and set-up of each row, in order.
    fn keys(&self) -> Vec<(&str, &str)>;

    /// The cell of `client` in row `row` (an index into [`keys`](Self::keys)), if the section
    /// has that column.
    fn cell_at(&self, row: usize, client: Self::Client) -> Option<&str>;
}

/// How a section's messages name it.
pub(super) struct Wording {
    /// Its rows: `rows`, `gRPC rows`.
    pub(super) rows: &'static str,
    /// Its table: `hamms-test/CLIENTS.md`, `the gRPC table`.
    pub(super) table: &'static str,
    /// What a client did with a cell: `reported`, `surfaced`.
    pub(super) verb: &'static str,
    /// What a drift means: `clients report something else than hamms-test/CLIENTS.md says`.
    pub(super) drifted: &'static str,
}

/// Runs `clients` (every row: `run` runs the rows it is given) and compares their cells with
/// `committed`'s, which has `row_count` rows now. `Err` lists the cells that drifted both times
/// (see `drifted_cells`), with the versions the table was made with and those of this machine.
pub(super) fn check<T: Section>(
    clients: &[T::Client],
    committed: &T,
    row_count: usize,
    run: impl Fn(&[usize]) -> T,
    wording: &Wording,
) -> Result<(), String> {
    let (fresh, drift) = drifted_cells(clients, committed, row_count, run, wording)?;
    if drift.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{}:\n{}\nThe table was made with {}; this machine has {}. If the change is meant, run \
         `{REGENERATE}`.",
        wording.drifted,
        drift.join("\n"),
        committed.versions().join(", "),
        fresh.versions().join(", "),
    ))
}

/// Runs every row of the section, which has `row_count` of them now (`run` runs the rows it is
/// given, all at once, and tabulates them in that order), compares each cell of `clients` with
/// `committed`'s, and runs the rows that drifted once more, alone. `Ok` has the first run's
/// table and a line per cell that drifted both times; `Err` says the rows or columns no longer
/// match the committed ones.
fn drifted_cells<T: Section>(
    clients: &[T::Client],
    committed: &T,
    row_count: usize,
    run: impl Fn(&[usize]) -> T,
    wording: &Wording,
) -> Result<(T, Vec<String>), String> {
    if row_count != committed.keys().len() {
        return Err(format!("the {} changed; run `{REGENERATE}`", wording.rows));
    }
    let every: Vec<usize> = (0..row_count).collect();
    let fresh = run(&every);
    let drifted = drifted_rows(clients, committed, &fresh, &every, wording)?;
    if drifted.is_empty() {
        return Ok((fresh, Vec::new()));
    }
    let rows: Vec<usize> = drifted.iter().map(|(row, _)| *row).collect();
    let again = run(&rows);
    let still = drifted_rows(clients, committed, &again, &rows, wording)?;
    let cells = still.into_iter().flat_map(|(_, cells)| cells).collect();
    Ok((fresh, cells))
}

/// The rows of `fresh` (the committed table's rows `rows`, in order) whose cells differ from
/// `committed`'s, each with a line per cell that drifted.
fn drifted_rows<T: Section>(
    clients: &[T::Client],
    committed: &T,
    fresh: &T,
    rows: &[usize],
    wording: &Wording,
) -> Result<Vec<(usize, Vec<String>)>, String> {
    let (now_keys, then_keys) = (fresh.keys(), committed.keys());
    let mut drifted = Vec::new();
    for (at, (&(mode, setup), &row)) in now_keys.iter().zip(rows).enumerate() {
        let (then_mode, then_setup) = then_keys[row];
        if (mode, setup) != (then_mode, then_setup) {
            return Err(format!(
                "the {} changed ({mode} {setup} here, {then_mode} {then_setup} in the table); \
                 run `{REGENERATE}`",
                wording.rows
            ));
        }
        let mut drift = Vec::new();
        for &client in clients {
            let name = T::client_name(client);
            let Some(then_cell) = committed.cell_at(row, client) else {
                return Err(format!(
                    "{} lacks the {name} column; run `{REGENERATE}`",
                    wording.table
                ));
            };
            let now_cell = fresh.cell_at(at, client).expect("every client was run");
            if now_cell != then_cell {
                drift.push(format!(
                    "`{mode}` {setup}: {name} {} `{now_cell}`; the table says `{then_cell}`",
                    wording.verb
                ));
            }
        }
        if !drift.is_empty() {
            drifted.push((row, drift));
        }
    }
    Ok(drifted)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Rows of (mode, one cell per client), the set-up left empty; a client is its column.
    struct Fake(Vec<(&'static str, Vec<&'static str>)>);

    impl Section for Fake {
        type Client = usize;

        fn client_name(client: usize) -> &'static str {
            ["a", "b"][client]
        }

        fn versions(&self) -> &[String] {
            &[]
        }

        fn keys(&self) -> Vec<(&str, &str)> {
            self.0.iter().map(|(mode, _)| (*mode, "")).collect()
        }

        fn cell_at(&self, row: usize, client: usize) -> Option<&str> {
            self.0[row].1.get(client).copied()
        }
    }

    const WORDING: Wording = Wording {
        rows: "rows",
        table: "the table",
        verb: "reported",
        drifted: "clients report something else",
    };

    #[test]
    fn only_the_drifted_rows_run_again_and_only_a_second_drift_counts() {
        let committed = Fake(vec![
            ("m0", vec!["x", "x"]),
            ("m1", vec!["x", "x"]),
            ("m2", vec!["x", "x"]),
        ]);
        let runs = RefCell::new(Vec::new());
        let run = |rows: &[usize]| {
            let first = runs.borrow().is_empty();
            runs.borrow_mut().push(rows.to_vec());
            Fake(
                rows.iter()
                    .map(|&row| {
                        let mode = ["m0", "m1", "m2"][row];
                        // Row 1 drifts once; row 2 drifts both times, for client b only.
                        match (row, first) {
                            (1, true) => (mode, vec!["y", "x"]),
                            (2, _) => (mode, vec!["x", "z"]),
                            _ => (mode, vec!["x", "x"]),
                        }
                    })
                    .collect(),
            )
        };
        let (_, drift) = drifted_cells(&[0, 1], &committed, 3, run, &WORDING).unwrap();
        assert_eq!(drift, ["`m2` : b reported `z`; the table says `x`"]);
        assert_eq!(*runs.borrow(), [vec![0, 1, 2], vec![1, 2]]);
    }

    #[test]
    fn changed_rows_and_missing_columns_are_errors() {
        let committed = Fake(vec![("m0", vec!["x"])]);
        let same = |rows: &[usize]| Fake(rows.iter().map(|_| ("m0", vec!["x", "x"])).collect());
        let err = drifted_cells(&[0], &committed, 2, same, &WORDING).err();
        assert!(err.is_some_and(|e| e.starts_with("the rows changed")));
        let err = drifted_cells(&[0, 1], &committed, 1, same, &WORDING).err();
        assert!(err.is_some_and(|e| e.starts_with("the table lacks the b column")));
        let renamed = |rows: &[usize]| Fake(rows.iter().map(|_| ("m9", vec!["x"])).collect());
        let err = drifted_cells(&[0], &committed, 1, renamed, &WORDING).err();
        assert!(err.is_some_and(|e| e.starts_with("the rows changed (m9")));
    }
}
