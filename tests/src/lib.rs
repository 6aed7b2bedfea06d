//! Helpers shared by the cross-crate tests: a raw socket client that timestamps every byte
//! (`raw`), a raw HTTP/2 client that reads frames (`frames`), backends for the proxy
//! (`backends`: Redis, echo), real HTTP clients and their error classes (`clients`), TLS clients
//! that trust the test CA (`tls`), and curl (`curl`).

use std::time::{Duration, Instant};

mod backends;
mod clients;
mod curl;
mod frames;
mod raw;
mod tls;

pub use backends::*;
pub use clients::*;
pub use curl::*;
pub use frames::*;
pub use raw::*;
pub use tls::*;

/// Polls `condition` until it holds, panicking with `what` if `timeout` passes first. For state
/// a server reaches asynchronously (a recorded close, a listener switch): the test waits for the
/// event itself rather than sleeping a guessed time.
pub fn eventually(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}
