//! The control API: JSON over HTTP that reads and switches the servers of this process, and
//! creates proxies, for clients of Vaurien, of Toxiproxy, and of hamms. [`ControlServer`] serves
//! it ([`ControlServer::builder`]); [`Presets`] are options of a proxy's behaviors given before
//! the API sets them.
//!
//! Design note: the servers live in a `registry`, in order: those handed to the API at start
//! and the proxies it creates (Toxiproxy's routes), which it owns. Vaurien's routes (`vaurien`)
//! address the first server, so a Vaurien client drives a single proxy unchanged; `/servers/
//! {name}/...` (`servers`) reach any of them; Toxiproxy's routes (`toxiproxy`) keep each proxy's
//! named toxics (`toxic`) and put the stack they make in force; `metrics` reads every server's
//! running totals. Each server's presets (options given at start for behaviors set later)
//! apply to every behavior the API sets by name. `reply` holds the answers and error shapes the routes share; `router` sends each request to its routes; the
//! public handle and its builder are in `handle`. hyper serves it all on hamms' runtime.

mod handle;
mod metrics;
mod registry;
mod reply;
mod router;
mod servers;
mod toxic;
mod toxiproxy;
mod vaurien;

pub use hamms_catalog::Presets;
pub use handle::{ControlBuilder, ControlServer};
