//! Parameters: their declaration in the tables (`spec`) and their validated values (`values`).

mod spec;
mod values;

pub use spec::{ParamKind, ParamSpec};
pub use values::Params;
