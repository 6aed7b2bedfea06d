//! The tables of hamms and their validation: the catalog of failure modes, the chaos proxy's
//! behaviors and toxics, their parameters, and [`Behavior`], a mode or proxy behavior checked
//! against them.
//!
//! An implementation detail of `hamms-core` (which re-exports what users need) and of the
//! attribute macro (which validates its arguments with it at compile time). It is data only:
//! no runtime, no network, so the macro's host build stays small and `hamms-core` is built once.
//!
//! ```
//! use hamms_catalog::{Behavior, ModeSpec};
//! let drip = Behavior::mode("slow_drip")?.param("interval_ms", 50)?;
//! assert_eq!(drip.to_string(), "slow_drip(interval_ms=50)");
//! assert_eq!(ModeSpec::named("slow_drip")?.offset(), 6);
//! # Ok::<(), hamms_catalog::Invalid>(())
//! ```
//!
//! # Layout
//! Layers from the bottom; each module imports only modules listed before it:
//! 1. `error`: [`Invalid`], whose messages name the valid choices from the data they carry;
//!    `names`, the parameters' names; `choices`, the words of the choice parameters as enums;
//! 2. `params`: [`ParamSpec`] declarations (`spec`), how they are written after a name
//!    (`written`), then the validated values of one mode or proxy behavior (`values`);
//! 3. `catalog` (the one table of modes, [`ModeSpec`]) and `stages` (the proxy's table of
//!    behaviors and toxics, [`Protocol`]);
//! 4. `engine/mode` and `engine/stage`: the typed view the engine serves, made from validated
//!    parameters;
//! 5. `mix`: a proxy behavior, weighted stacks of stages;
//! 6. `behavior`: [`Behavior`], a mode or a mix, validated and typed;
//! 7. `engine/model`: how the engine looks at a behavior; `presets`: [`Presets`], options given
//!    for a proxy's behaviors before they are set; `wiremock` (feature `wiremock`): WireMock's
//!    stub mappings as data, read strictly (a `fault` checked against the catalog).
//!
//! [`engine`] is the view hamms-core's engine serves (typed modes and stages); hamms-core
//! re-exports none of it.

mod behavior;
mod catalog;
#[cfg(test)]
mod check;
mod choices;
pub mod engine;
mod error;
mod mix;
mod names;
mod params;
mod presets;
mod stages;
#[cfg(feature = "wiremock")]
pub mod wiremock;

pub use behavior::Behavior;
pub use catalog::{ModeSpec, modes};
pub use choices::GrpcCode;
pub use error::{Invalid, ParamOwner};
pub use params::{ParamKind, ParamSpec};
pub use presets::Presets;
pub use stages::{Protocol, proxy_behaviors};
