//! hamms-core reads bottom-up: no file imports another that (directly or around a loop) imports
//! it back. `cycles.py` (the workspace's shared checker, kept here so CI has it) reads the
//! `crate::`, `super::` and `self::` paths of every file; run it by hand with
//! `python3 hamms-core/tests/cycles.py hamms-core/src`.

use std::process::Command;

#[test]
fn no_two_files_of_hamms_core_import_each_other() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cycles.py");
    let output = Command::new("python3")
        .args([script, src])
        .output()
        .expect("python3 runs (CI machines have it)");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "import cycles between hamms-core's files (see lib.rs's layer map):\n{report}"
    );
    assert!(
        report.trim_end().ends_with("0 cycles (0 files)"),
        "{report}"
    );
}
