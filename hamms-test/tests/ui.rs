//! Compile-time tests of `#[with_fault_server]`: every mistake is one error, pointing at the
//! offending token and naming the fix (`ui/fail`, with the compiler's output pinned in `.stderr`
//! files; `TRYBUILD=overwrite` regenerates them).
//!
//! The forms that compile are tests of their own in the integration suite
//! (`tests/tests/attribute.rs`), which compile and run them. None is a trybuild `pass` case:
//! one such case makes trybuild build (not only check) its whole dependency tree again, under
//! flags of its own, which took 45 s of every cold `cargo test`.

use std::path::PathBuf;

#[test]
fn the_attribute_rejects_every_mistake_clearly() {
    // trybuild compiles the cases in a crate of its own, under the target directory: the
    // `mappings = "ui-mappings"` of tests/ui/mappings is read relative to that crate, where
    // its malformed file is put.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_owned();
    let mappings = target.join("tests/trybuild/hamms-test/ui-mappings");
    std::fs::create_dir_all(&mappings).expect("the case's mapping directory");
    std::fs::write(
        mappings.join("typo.json"),
        r#"{"request": {"method": "GET", "urlpath": "/x"}, "response": {"status": 200}}"#,
    )
    .expect("the malformed mapping file");
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.compile_fail("tests/ui/mappings/*.rs");
}
