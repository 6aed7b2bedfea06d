//! The README's dev-dependency block is all its examples need: they are type-checked in a crate
//! made of that block alone, with no help from this workspace's other dependencies. One test in
//! a binary of its own, as it runs cargo (and would slow the timing tests beside it).

use std::path::{Path, PathBuf};
use std::process::Command;

const README: &str = include_str!("../../README.md");

/// The workspace's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// The TOML block that starts with `[dev-dependencies]`.
fn dev_dependencies() -> &'static str {
    let start = README
        .find("```toml\n[dev-dependencies]\n")
        .expect("the README shows a [dev-dependencies] block")
        + "```toml\n".len();
    let len = README[start..].find("```").expect("the block ends");
    &README[start..start + len]
}

/// The README's Rust blocks, each in a module of its own, as a user's test file holds them.
fn examples() -> String {
    README
        .split("```rust\n")
        .skip(1)
        .enumerate()
        .map(|(i, rest)| {
            let block = &rest[..rest.find("```").expect("the block ends")];
            format!("mod example_{i} {{\n{block}}}\n\n")
        })
        .collect()
}

#[test]
fn the_readme_examples_compile_with_exactly_its_dev_dependency_block() {
    let block = dev_dependencies();
    assert!(
        block.contains("hamms-test = \"0.1\"\n"),
        "the block names hamms-test: {block}"
    );
    // hamms-test is not published from here: the one change is to take it from this workspace.
    let hamms_test = root().join("hamms-test");
    let block = block.replace(
        "hamms-test = \"0.1\"",
        &format!(
            "hamms-test = {{ path = {:?} }}",
            hamms_test.display().to_string()
        ),
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let manifest = format!(
        "[package]\nname = \"readme-examples\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[workspace]\n\n{block}"
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write the manifest");
    std::fs::create_dir_all(dir.path().join("src")).expect("create src/");
    std::fs::write(dir.path().join("src/lib.rs"), "").expect("write src/lib.rs");
    std::fs::create_dir_all(dir.path().join("tests")).expect("create tests/");
    std::fs::write(dir.path().join("tests/readme.rs"), examples()).expect("write the examples");
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
    assert!(
        output.status.success(),
        "the README's examples do not compile with its [dev-dependencies] block alone:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
