//! The attribute macro of `hamms-test`, which re-exports it: depend on `hamms-test`, not on this
//! crate.
//!
//! `args` parses and checks the attribute against the catalog (read from `hamms-core` at
//! expansion time, so the catalog stays the one source of names, parameters and ranges);
//! `expand` rewrites the test function.

mod args;
mod expand;

use proc_macro::TokenStream;

/// Starts a hamms server for a test, injects it into the test's first parameter, and stops it
/// when the test ends, passed, failed or panicked. See `hamms_test::with_fault_server` for the
/// forms and examples.
#[proc_macro_attribute]
pub fn with_fault_server(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::with_fault_server(attr.into(), item.into()).into()
}
