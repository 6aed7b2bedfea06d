//! Compile-time tests of `#[with_fault_server]`: every form compiles (`ui/pass`), and every
//! mistake is one error, pointing at the offending token and naming the fix (`ui/fail`, with the
//! compiler's output pinned in `.stderr` files; `TRYBUILD=overwrite` regenerates them).

#[test]
fn the_attribute_compiles_every_form_and_rejects_every_mistake_clearly() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
