//! What the benchmarks share: the machine's load while they measure (`load`), the blocking
//! HTTP/1.1 client that drives keep-alive requests (`client`), and their settings and medians
//! (`rounds`).
//!
//! Design note: each bench compiles this whole module and uses a part of it; an item one bench
//! leaves unused says so with its own `#[allow(dead_code, reason = ...)]`.

pub(crate) mod client;
pub(crate) mod load;
pub(crate) mod rounds;
