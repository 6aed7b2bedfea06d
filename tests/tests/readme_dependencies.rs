//! The README's dev-dependency block is all its examples need (see the `readme` module of the
//! test helpers). One test in a binary of its own, as it runs cargo (and would slow the timing
//! tests beside it). The examples shown with added dependencies are checked with them, here
//! (gRPC's tonic) or, for the Toxiproxy client, which links OpenSSL, in the second tier
//! (`peers/readme.rs`).

use hamms_integration_tests::readme::{self, README};

#[test]
fn the_readme_examples_compile_with_exactly_the_dependencies_it_shows() {
    let groups = readme::groups();
    let examples: usize = groups.iter().map(|g| g.examples.len()).sum();
    assert_eq!(
        examples,
        readme::blocks(README, "rust").len(),
        "every example is checked"
    );
    if let Err(errors) = readme::check(&groups[0]) {
        panic!("these README examples do not compile with the [dev-dependencies] block:\n{errors}");
    }
    // The sections that add crates which build anywhere (gRPC's tonic); the one that adds a
    // client linking OpenSSL is checked in the second tier.
    for group in groups[1..].iter().filter(|g| !readme::needs_openssl(g)) {
        if let Err(errors) = readme::check(group) {
            panic!(
                "these README examples do not compile with the [dev-dependencies] block and\n{}:\n{errors}",
                group.additions
            );
        }
    }
}
