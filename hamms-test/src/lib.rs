//! hamms-test: make HTTP and TCP clients fail on purpose in `cargo test`.
pub use hamms_core::*;
