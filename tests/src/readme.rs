//! The README's examples checked against the dependencies it shows: its `[dev-dependencies]`
//! block is all they need, type-checked in a crate made of that block alone, with no help from
//! this workspace's other dependencies. A section whose example needs more shows the lines to
//! add (a TOML block starting with [`WITH_THE_BLOCK`]); its examples are checked with the block
//! and those lines, in a crate of their own. A `hamms-test` line among them (hamms-test with a
//! feature) takes the place of the block's.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The README, as committed.
pub const README: &str = include_str!("../../README.md");

/// How a TOML block that adds to the main one for its section's examples begins.
pub const WITH_THE_BLOCK: &str = "# With the block of \"In a Rust test\", for this example:";

/// The workspace's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// The blocks of `text` in the given language, in order.
pub fn blocks<'a>(text: &'a str, language: &str) -> Vec<&'a str> {
    text.split(&format!("```{language}\n"))
        .skip(1)
        .map(|rest| &rest[..rest.find("```").expect("the block ends")])
        .collect()
}

/// Examples checked together: with the main block and these lines added.
#[derive(Debug)]
pub struct Group {
    /// The lines added to the block (none for the main group).
    pub additions: String,
    /// The examples, in README order.
    pub examples: Vec<&'static str>,
}

/// The README's examples by the dependencies they are shown with: first those the block alone
/// serves, then each section's that adds lines.
pub fn groups() -> Vec<Group> {
    let mut main = Group {
        additions: String::new(),
        examples: Vec::new(),
    };
    let mut others = Vec::new();
    for section in README.split("\n## ") {
        let additions: String = blocks(section, "toml")
            .into_iter()
            .filter(|block| block.starts_with(WITH_THE_BLOCK))
            .collect();
        let examples = blocks(section, "rust");
        if additions.is_empty() {
            main.examples.extend(examples);
        } else {
            others.push(Group {
                additions,
                examples,
            });
        }
    }
    others.insert(0, main);
    others
}

/// Whether `group`'s added crates link OpenSSL (the Toxiproxy client): the second tier checks
/// those, where `libssl-dev` is installed.
pub fn needs_openssl(group: &Group) -> bool {
    group.additions.contains("toxiproxy_rust")
}

/// The `[dev-dependencies]` block, with hamms-test taken from this workspace (it is not
/// published from here: the one change made to the block), and with the features a section's
/// own `hamms-test = { version = "0.1", features = [...] }` line asks for.
fn dev_dependencies(additions: &str) -> String {
    let block = blocks(README, "toml")
        .into_iter()
        .find(|block| block.starts_with("[dev-dependencies]\n"))
        .expect("the README shows a [dev-dependencies] block");
    assert!(
        block.contains("hamms-test = \"0.1\"\n"),
        "the block names hamms-test: {block}"
    );
    let hamms_test = root().join("hamms-test").display().to_string();
    let features = additions
        .lines()
        .find_map(|line| line.strip_prefix("hamms-test = "))
        .and_then(|spec| spec.split_once("features = "))
        .map(|(_, features)| format!(", features = {}", features.trim_end_matches([' ', '}'])))
        .unwrap_or_default();
    block.replace(
        "hamms-test = \"0.1\"",
        &format!("hamms-test = {{ path = {hamms_test:?}{features} }}"),
    )
}

/// Type-checks `group`'s examples in a crate of their own; the error output if they fail.
pub fn check(group: &Group) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A section's `hamms-test = ...` line changes the block's (its features), not adds to it.
    let additions: String = group
        .additions
        .lines()
        .filter(|line| !line.starts_with("hamms-test = "))
        .map(|line| format!("{line}\n"))
        .collect();
    let manifest = format!(
        "[package]\nname = \"readme-examples\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[workspace]\n\n{}{additions}",
        dev_dependencies(&group.additions),
    );
    let examples: String = group
        .examples
        .iter()
        .enumerate()
        .map(|(i, example)| format!("mod example_{i} {{\n{example}}}\n\n"))
        .collect();
    std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write the manifest");
    std::fs::create_dir_all(dir.path().join("src")).expect("create src/");
    std::fs::write(dir.path().join("src/lib.rs"), "").expect("write src/lib.rs");
    std::fs::create_dir_all(dir.path().join("tests")).expect("create tests/");
    std::fs::write(dir.path().join("tests/readme.rs"), examples).expect("write the examples");
    // The mapping files the WireMock examples load (`mappings = "tests/stubs"`), as they are
    // in this crate.
    copy_dir(
        &root().join("tests/tests/stubs"),
        &dir.path().join("tests/stubs"),
    );
    // This workspace's versions, already downloaded: the check needs no network.
    std::fs::copy(root().join("Cargo.lock"), dir.path().join("Cargo.lock"))
        .expect("copy Cargo.lock");
    // The workspace's target directory: the dependencies built the same way are reused.
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--tests", "--offline", "--quiet"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run cargo");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Copies the directory `from` (if it exists) to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}
