//! The attribute macro of `hamms-test`, which re-exports it: depend on `hamms-test`, not on this
//! crate.
//!
//! `parse` reads the attribute into a typed form (syntax only, each key once), `validate` checks
//! it against the catalog's data (from `hamms-core` built without its engine, so the tables stay
//! the one source of names, parameters and ranges, and a user's build does not compile tokio,
//! hyper or rustls a second time for the host), `mappings` reads and checks the WireMock
//! mapping files a fixture loads, and `expand` rewrites the test function.

mod expand;
mod mappings;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Starts a hamms server for a test, injects it into the test's first parameter, and stops it
/// when the test ends, passed, failed or panicked. See `hamms_test::with_fault_server` for the
/// forms and examples.
#[proc_macro_attribute]
pub fn with_fault_server(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::with_fault_server(attr.into(), item.into()).into()
}
