//! The tables of hamms and their validation: the catalog of failure modes, the chaos proxy's
//! behaviors and toxics, their parameters, and [`Behavior`], a mode or proxy behavior checked
//! against them.
//!
//! An implementation detail of `hamms-core` (which re-exports the public items) and of the
//! attribute macro (which validates its arguments with them at compile time). It is data only:
//! no runtime, no network, so the macro's host build stays small and `hamms-core` is built once.
//!
//! # Layout
//! Layers from the bottom; each module imports only modules listed before it:
//! 1. `error`: [`Error`], whose messages name the valid choices from the data they carry;
//! 2. `params`: [`ParamSpec`] declarations (`spec`), then the validated values of one mode or
//!    proxy behavior (`values`);
//! 3. `catalog` (the one table of modes, [`ModeSpec`]) and `stages` (the proxy's table of
//!    behaviors and toxics, [`Protocol`]);
//! 4. `mix`: a proxy behavior, weighted stacks of stages;
//! 5. `behavior`: [`Behavior`], a mode or a mix, validated;
//! 6. `presets`: [`Presets`], options given for a proxy's behaviors before they are set.
//!
//! The modules are public for hamms-core's engine, which reads more of them than a user needs;
//! they are hidden from the docs and not a stable API.

#[doc(hidden)]
pub mod behavior;
#[doc(hidden)]
pub mod catalog;
#[cfg(test)]
mod check;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod mix;
#[doc(hidden)]
pub mod params;
#[doc(hidden)]
pub mod presets;
#[doc(hidden)]
pub mod stages;

pub use behavior::Behavior;
pub use catalog::{ModeSpec, catalog};
pub use error::{Error, ParamOwner};
pub use params::{ParamKind, ParamSpec};
pub use presets::Presets;
pub use stages::{Protocol, proxy_behaviors};
