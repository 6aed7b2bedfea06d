//! hamms-core and hamms-catalog read bottom-up: no file imports another that (directly or around
//! a loop) imports it back. This test reads the `crate::`, `super::` and `self::` paths of every
//! file, finds the files they name, and fails naming each loop (a strongly connected set of
//! files) and the imports that make it, as the workspace's shared checker
//! (`../shared/tools/cycles.py`) prints them.
//!
//! What counts as an import: any `crate::`/`super::`/`self::` path outside comments and test
//! modules (a `#[cfg(test)]` module runs to the end of its file). Module wiring is not: `mod x;`
//! lines, and re-export lines (`pub use`, `pub(crate) use`), whose names are followed to the
//! file that defines them. Paths that leave the crate (`hamms_catalog::`, `std::`) are no
//! edges.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A module's path inside its crate: `["connection", "conn"]`; `[]` for the crate root.
type ModulePath = Vec<String>;

#[test]
fn no_two_files_of_hamms_core_import_each_other() {
    let report = cycles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        report.ends_with("0 cycles (0 files)\n"),
        "import cycles between hamms-core's files (see lib.rs's layer map):\n{report}"
    );
}

#[test]
fn no_two_files_of_hamms_catalog_import_each_other() {
    let report = cycles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/src"));
    assert!(
        report.ends_with("0 cycles (0 files)\n"),
        "import cycles between hamms-catalog's files (see its lib.rs's layer map):\n{report}"
    );
}

#[test]
fn a_loop_is_found_and_named_with_the_imports_that_make_it() {
    let dir = std::env::temp_dir().join(format!("hamms-layers-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(
        dir.join("a/mod.rs"),
        "mod inner;\npub(crate) use inner::Thing;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a/inner.rs"),
        "use crate::b::Other;\npub struct Thing;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.rs"),
        "// use crate::a::Thing; in a comment is no import\nfn f() -> crate::a::Thing { todo!() }\npub struct Other;\n",
    )
    .unwrap();
    let report = cycles(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        report,
        "cycle: a/inner.rs, b.rs\n    a/inner.rs -> b.rs\n    b.rs -> a/inner.rs\n1 cycles (2 files)\n"
    );
}

/// The report for the crate whose sources are in `src`: each cycle with its imports, then
/// `N cycles (F files)`.
fn cycles(src: &Path) -> String {
    let files = sources(src);
    let modules: BTreeMap<ModulePath, String> = files
        .keys()
        .map(|file| (module_of(file), file.clone()))
        .collect();
    let reexports = reexports(&files);
    let edges: BTreeMap<String, BTreeSet<String>> = files
        .iter()
        .map(|(file, text)| {
            let targets = imports(file, text)
                .into_iter()
                .filter_map(|path| resolve(path, &modules, &reexports))
                .filter(|target| target != file)
                .collect();
            (file.clone(), targets)
        })
        .collect();
    let mut report = String::new();
    let components = strongly_connected(&edges);
    for component in &components {
        let _ = writeln!(report, "cycle: {}", component.join(", "));
        for from in component {
            for to in edges[from].iter().filter(|to| component.contains(to)) {
                let _ = writeln!(report, "    {from} -> {to}");
            }
        }
    }
    let files_in_cycles: usize = components.iter().map(Vec::len).sum();
    let _ = writeln!(
        report,
        "{} cycles ({files_in_cycles} files)",
        components.len()
    );
    report
}

/// Every `.rs` file under `src` (but the binaries'), by its path from `src`, with its text.
fn sources(src: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir)
            .expect("read a source directory")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "bin") {
                    walk(&path, found);
                }
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(src, &mut found);
    found
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("read a source file");
            (relative, text)
        })
        .collect()
}

/// The module a file defines: `connection/conn.rs` is `connection::conn`, `connection/mod.rs`
/// is `connection`.
fn module_of(file: &str) -> ModulePath {
    let mut parts: ModulePath = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts
        .last()
        .is_some_and(|last| matches!(last.as_str(), "mod" | "lib" | "main"))
    {
        parts.pop();
    }
    parts
}

/// A file's text without its comments and its test module, with one line per line.
fn code(text: &str) -> String {
    let text = text.find("#[cfg(test)]").map_or(text, |at| &text[..at]);
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a line declares a module (`mod x;`) or re-exports (`pub use`, `pub(crate) use`):
/// wiring, not a dependency.
fn is_wiring(line: &str) -> bool {
    let line = line.trim_start();
    let unscoped = line
        .strip_prefix("pub(crate) ")
        .or_else(|| line.strip_prefix("pub(super) "))
        .or_else(|| line.strip_prefix("pub "))
        .unwrap_or(line);
    let declares_module = unscoped
        .strip_prefix("mod ")
        .is_some_and(|rest| rest.trim_end().ends_with(';'));
    declares_module || (unscoped.starts_with("use ") && unscoped.len() < line.len())
}

/// Where each name a module file re-exports from a child module is defined: `pub(crate) use
/// inner::{A, B};` in `a/mod.rs` maps `a::A` and `a::B` to `a::inner::A` and `a::inner::B`.
fn reexports(files: &BTreeMap<String, String>) -> BTreeMap<ModulePath, ModulePath> {
    let mut found = BTreeMap::new();
    for (file, text) in files {
        let module = module_of(file);
        for statement in code(text).split(';') {
            let statement = statement.trim();
            let Some(tree) = ["pub use ", "pub(crate) use ", "pub(super) use "]
                .iter()
                .find_map(|prefix| statement.strip_prefix(prefix))
            else {
                continue;
            };
            let tree = tree.strip_prefix("self::").unwrap_or(tree);
            let leaves = use_leaves(tree);
            for (path, name) in leaves {
                if matches!(
                    path.first().map(String::as_str),
                    None | Some("crate" | "super" | "std" | "tokio" | "http")
                ) {
                    continue;
                }
                let mut key = module.clone();
                key.push(name);
                let mut target = module.clone();
                target.extend(path);
                found.insert(key, target);
            }
        }
    }
    found
}

/// The leaves of a use tree (`a::{B, c::D as E}`): each path, and the name it is known by.
fn use_leaves(tree: &str) -> Vec<(ModulePath, String)> {
    let mut leaves = Vec::new();
    collect_leaves(tree.trim(), &mut Vec::new(), &mut leaves);
    leaves
}

fn collect_leaves(tree: &str, prefix: &mut ModulePath, leaves: &mut Vec<(ModulePath, String)>) {
    let segments = |text: &str| -> ModulePath {
        text.split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "self")
            .map(str::to_owned)
            .collect()
    };
    if let Some(open) = tree.find('{') {
        let depth_before = prefix.len();
        prefix.extend(segments(&tree[..open]));
        let close = closing_brace(tree, open).unwrap_or(tree.len());
        for item in split_top_level(&tree[open + 1..close]) {
            collect_leaves(item.trim(), prefix, leaves);
        }
        prefix.truncate(depth_before);
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path, Some(alias.trim())),
        None => (tree, None),
    };
    let mut full = prefix.clone();
    full.extend(segments(path));
    let Some(last) = full.last().cloned() else {
        return;
    };
    leaves.push((full, alias.map_or(last, str::to_owned)));
}

/// `a, b::{c, d}, e` split at the commas outside braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (at, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// The module paths a file imports, from the crate root: every `crate::`, `super::` and
/// `self::` path, use trees expanded.
fn imports(file: &str, text: &str) -> Vec<ModulePath> {
    let module = module_of(file);
    let body: String = code(text)
        .lines()
        .filter(|line| !is_wiring(line))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let bytes = body.as_bytes();
    let mut at = 0;
    while at < body.len() {
        let rest = &body[at..];
        let starts_word = at == 0 || !is_ident(bytes[at - 1]);
        let Some(root) = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|root| starts_word && rest.starts_with(root))
        else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let mut base = match root {
            "crate::" => Vec::new(),
            "super::" => module[..module.len().saturating_sub(1)].to_vec(),
            _ => module.clone(),
        };
        let path_end = rest[root.len()..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(rest.len(), |end| root.len() + end);
        if rest[path_end..].starts_with('{') {
            // A use tree: its leaves, up to its closing brace.
            let close = closing_brace(rest, path_end).unwrap_or(rest.len() - 1);
            for (leaf, _) in use_leaves(&rest[root.len()..=close]) {
                let mut full = base.clone();
                full.extend(leaf);
                found.push(full);
            }
            at += close + 1;
        } else {
            base.extend(
                rest[root.len()..path_end]
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            found.push(base);
            at += path_end;
        }
    }
    found
}

/// The index of the brace that closes the one at `open`.
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in text.char_indices().skip_while(|(at, _)| *at < open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The file that defines `path`: re-exports followed, else the file of its longest prefix that
/// is a module. `None` for a path outside the crate.
fn resolve(
    mut path: ModulePath,
    modules: &BTreeMap<ModulePath, String>,
    reexports: &BTreeMap<ModulePath, ModulePath>,
) -> Option<String> {
    for _ in 0..5 {
        let Some(hit) = (1..=path.len())
            .rev()
            .find(|k| reexports.contains_key(&path[..*k]))
        else {
            break;
        };
        if !modules.contains_key(&path[..hit - 1]) {
            break;
        }
        let mut followed = reexports[&path[..hit]].clone();
        followed.extend_from_slice(&path[hit..]);
        path = followed;
    }
    (0..=path.len())
        .rev()
        .find_map(|k| modules.get(&path[..k]))
        .cloned()
}

/// Tarjan's strongly connected components of more than one file, each sorted, in the order
/// found from the files in order.
fn strongly_connected(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Search<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in &self.edges[v] {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !search.index.contains_key(v.as_str()) {
            search.visit(v);
        }
    }
    search.found
}
