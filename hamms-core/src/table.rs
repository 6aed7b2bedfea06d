//! The catalog as text: the table `hamms serve` and `hamms catalog` print, and the README's table.

use std::fmt::Write;
use std::net::{IpAddr, SocketAddr};

use crate::catalog::{ModeSpec, catalog};

/// A plain-text table of `modes` served from `host` at `base_port + offset`: offset, port, name,
/// URL and description, columns aligned.
pub fn catalog_table(host: IpAddr, base_port: u16, modes: &[&ModeSpec]) -> String {
    let rows: Vec<[String; 5]> = modes
        .iter()
        .map(|m| {
            let port = base_port.saturating_add(m.offset());
            [
                m.offset().to_string(),
                port.to_string(),
                m.name().to_owned(),
                format!(
                    "{}://{}/",
                    if m.speaks_tls() { "https" } else { "http" },
                    SocketAddr::new(host, port)
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

/// The catalog as a Markdown table with every parameter's default and bounds: the README's
/// table is this text, checked by a test.
pub fn catalog_markdown() -> String {
    let mut out =
        String::from("| offset | mode | behavior | parameters (default; valid range) |\n");
    out.push_str("|---|---|---|---|\n");
    for mode in catalog() {
        let params: Vec<String> = mode
            .params()
            .iter()
            .map(|p| {
                format!(
                    "`{}` = `{}`; {}{}: {}",
                    p.name(),
                    p.default_value(),
                    p.kind().expected(),
                    if p.per_request() {
                        ""
                    } else {
                        "; set at start"
                    },
                    p.doc()
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            mode.offset(),
            mode.name(),
            mode.summary().replace('|', "\\|"),
            if params.is_empty() {
                "none".to_owned()
            } else {
                params.join("<br>")
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_lists_ports_from_the_base() {
        let modes: Vec<&ModeSpec> = catalog().iter().take(2).collect();
        let table = catalog_table([127, 0, 0, 1].into(), 6000, &modes);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("OFFSET  PORT  NAME"), "{table}");
        assert!(
            lines[2].contains("6001  no_response  http://127.0.0.1:6001/"),
            "{table}"
        );
    }

    #[test]
    fn the_readme_table_is_generated_from_the_catalog() {
        let readme = include_str!("../../README.md");
        let generated = catalog_markdown();
        assert!(
            readme.contains(&generated),
            "README.md's mode table is out of date. Replace it with the output of \
             `cargo run -p hamms-core -- catalog --markdown`:\n\n{generated}"
        );
    }
}
