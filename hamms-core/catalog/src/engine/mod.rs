//! What hamms-core's engine serves: a [`Behavior`](crate::Behavior) as typed data. Not part of the API users
//! see (hamms-core re-exports nothing from here); documented for the engine's readers.
//!
//! A behavior is a catalog mode ([`Configured`]: its parameters typed as a [`Mode`]) or a
//! proxy's [`Mix`] (weighted stacks of stages, each typed as a [`Stage`] when a connection or
//! request draws it). [`model`] is how the engine looks at a behavior; the words of the choice
//! parameters are enums ([`ActOn`], [`Direction`]...).
//!
//! - `mode`: [`Mode`] and its typed parameters, made from the catalog's validated ones;
//! - `stage`: [`Stage`], a proxy stage typed;
//! - `model`: [`Model`], a behavior as the engine looks at it.

pub(crate) mod mode;
mod model;
mod stage;

pub use mode::{
    ChunkedDribble, Configured, Disposition, DroppedBytes, FailRate, ForRequest, FromParams, Grpc,
    GrpcStatusParams, Http2, InfiniteBody, Mode, Pushback, RetryCounter, ShortBody, Size, Sleep,
    SlowDrip, Status, Tls, TlsProfile,
};
pub use model::{Model, model};
pub use stage::{Stage, Toxic};

pub use crate::choices::{
    ActOn, AfterBody, Certificate, ClientCert, Direction, GrpcCode, HTTP2_ERROR_CODES, Versions,
};
pub use crate::error::{closest, misspelling_of};
pub use crate::mix::{Choice, Mix};
pub use crate::params::{Params, Value};
