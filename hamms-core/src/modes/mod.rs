//! The behaviors behind the catalog's modes, one file per family. Each is a `ServeFn`: it gets the
//! connection and its validated parameters and serves, using the recording I/O of `Conn`.
//!
//! - `connection`: faults below HTTP (hang, empty and malformed answers, the lying length on connect);
//! - `drip`: a valid response, one byte per interval;
//! - `http`: valid-looking HTTP with something wrong (status, sleep, fat header, content type, short bodies);
//! - `flaky`: answers that depend on history or chance (retry counter, fail rate);
//! - `content`: content negotiation and the canned bodies the `http` modes send.

pub(crate) mod connection;
mod content;
pub(crate) mod drip;
pub(crate) mod flaky;
pub(crate) mod http;
