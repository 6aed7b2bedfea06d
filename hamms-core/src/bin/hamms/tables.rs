//! The catalog as text: the table `hamms serve` and `hamms catalog` print, and the README's
//! Markdown tables of the modes and of the proxy's behaviors (each checked equal to the README by
//! a test below).

use std::fmt::Write;
use std::net::SocketAddr;

use hamms_core::catalog::{self, ModeSpec, ParamSpec, proxy_behaviors};

/// A plain-text table of `modes` served at their addresses: offset, port, name, URL and
/// description, columns aligned.
pub(crate) fn serve_table(modes: &[(&ModeSpec, SocketAddr)]) -> String {
    let rows: Vec<[String; 5]> = modes
        .iter()
        .map(|(m, addr)| {
            [
                m.offset().to_string(),
                addr.port().to_string(),
                m.name().to_owned(),
                format!(
                    "{}://{addr}/",
                    if m.speaks_tls() { "https" } else { "http" },
                ),
                m.summary().to_owned(),
            ]
        })
        .collect();
    let header = ["OFFSET", "PORT", "NAME", "URL", "DESCRIPTION"].map(String::from);
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i == row.len() - 1 {
                out.push_str(cell);
            } else {
                let _ = write!(out, "{cell:<width$}  ");
            }
        }
        out.push('\n');
    }
    out
}

/// The catalog as Markdown: one row per mode with its parameters' defaults, then a glossary that
/// explains each parameter once.
pub(crate) fn catalog_markdown() -> String {
    let modes: Vec<&ModeSpec> = catalog::modes().iter().collect();
    let mut out = String::from("| offset | mode | behavior | parameters (default) |\n");
    out.push_str("|---|---|---|---|\n");
    for mode in &modes {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            mode.offset(),
            mode.name(),
            cell(mode.summary()),
            defaults(mode.params())
        );
    }
    out.push('\n');
    out.push_str(&glossary(("parameter", "modes"), &modes));
    out
}

/// The proxy's behaviors as Markdown: one row per behavior with its options' defaults, then a
/// glossary that explains each option once.
pub(crate) fn proxy_markdown() -> String {
    let behaviors: Vec<&ModeSpec> = proxy_behaviors().iter().collect();
    let mut out = String::from("| behavior | what it does | options (default) |\n");
    out.push_str("|---|---|---|\n");
    for behavior in &behaviors {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            behavior.name(),
            cell(behavior.summary()),
            defaults(behavior.params())
        );
    }
    out.push('\n');
    out.push_str(&glossary(("option", "behaviors"), &behaviors));
    out
}

/// Text made safe for a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// `` `name` = `default` `` for each parameter, or `none`.
fn defaults(params: &[ParamSpec]) -> String {
    if params.is_empty() {
        return "none".to_owned();
    }
    params
        .iter()
        .map(|p| format!("`{}` = `{}`", p.name(), p.default_value()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each distinct parameter of `entries` once (a name with two meanings gets two rows): its
/// values, what it does, and which entries take it. `nouns` name a parameter and the entries.
fn glossary((noun, entries_noun): (&str, &str), entries: &[&ModeSpec]) -> String {
    // (name, doc, values), with the entries that take it, in order of first appearance.
    let mut rows: Vec<(&ParamSpec, Vec<&str>)> = Vec::new();
    for entry in entries {
        for param in entry.params() {
            let same = |(known, _): &&mut (&ParamSpec, Vec<&str>)| {
                known.name() == param.name()
                    && known.doc() == param.doc()
                    && known.kind() == param.kind()
                    && known.per_request() == param.per_request()
            };
            match rows.iter_mut().find(same) {
                Some((_, users)) => users.push(entry.name()),
                None => rows.push((param, vec![entry.name()])),
            }
        }
    }
    let mut out = format!("| {noun} | values | what it does | taken by |\n|---|---|---|---|\n");
    for (param, users) in rows {
        let at_start = if param.per_request() {
            ""
        } else {
            "; set at start only"
        };
        let users = if users.len() == entries.len() {
            "all".to_owned()
        } else if users.len() > 10 {
            format!("{} {entries_noun}", users.len())
        } else {
            users
                .iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {}{at_start} | {users} |",
            param.name(),
            cell(&param.kind().expected()),
            cell(param.doc()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = include_str!("../../../../README.md");

    #[test]
    fn the_serve_table_aligns_columns_and_lists_ports_from_the_base() {
        let modes: Vec<(&ModeSpec, SocketAddr)> = catalog::modes()
            .iter()
            .take(2)
            .map(|m| (m, SocketAddr::from(([127, 0, 0, 1], 6000 + m.offset()))))
            .collect();
        let table = serve_table(&modes);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("OFFSET  PORT  NAME"), "{table}");
        assert!(
            lines[2].contains("6001  no_response  http://127.0.0.1:6001/"),
            "{table}"
        );
    }

    #[test]
    fn the_readme_table_of_modes_is_generated_from_the_catalog() {
        let generated = catalog_markdown();
        assert!(
            README.contains(&generated),
            "README.md's table of modes is out of date. Replace it with the output of \
             `cargo run -p hamms-core -- catalog --markdown`:\n\n{generated}"
        );
    }

    #[test]
    fn the_readme_table_of_proxy_behaviors_is_generated_from_their_table() {
        let generated = proxy_markdown();
        assert!(
            README.contains(&generated),
            "README.md's table of proxy behaviors is out of date. Replace it with the output of \
             `cargo run -p hamms-core -- catalog --proxy --markdown`:\n\n{generated}"
        );
    }

    #[test]
    fn the_glossary_explains_each_parameter_once() {
        let glossary = catalog_markdown();
        let tls_rows = glossary
            .lines()
            .filter(|l| l.starts_with("| `tls` |"))
            .count();
        assert_eq!(tls_rows, 1, "{glossary}");
        assert!(
            glossary.contains("| `interval_ms` | whole milliseconds from 0 to 600000 |"),
            "{glossary}"
        );
    }
}
