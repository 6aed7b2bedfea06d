//! Attribute macros for `hamms-test`, which re-exports them: depend on `hamms-test`, not on this
//! crate. No macro is published yet; `#[with_fault_server]` arrives here.
