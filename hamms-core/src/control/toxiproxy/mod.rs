//! Toxiproxy's HTTP API (v2, as its `api.go` serves it), on every control API: proxies created at
//! run time (`POST /proxies`, `/populate`), named toxics added, changed and removed one at a
//! time, `enabled`, `reset` and `version`, with Toxiproxy's status codes and error body
//! (`{"error": "...", "status": N}`), so Toxiproxy's clients drive hamms unchanged.
//!
//! Design note: a Toxiproxy proxy is a hamms proxy of the registry. Its toxics are a list kept
//! beside it (`toxic`), whose stack is the proxy's behavior while it is enabled; disabled, the
//! behavior is `down` (listener closed, open connections closed), and the toxics wait. A new
//! `upstream` takes effect as Toxiproxy's restart does (open connections closed, the port kept);
//! a new `listen` address replaces a proxy the API created with one on that address, toxics
//! kept. `routes` maps paths to the operations of `proxies` and `toxics`.

mod proxies;
mod routes;
mod toxics;

pub(super) use proxies::populate;
pub(super) use routes::route;
