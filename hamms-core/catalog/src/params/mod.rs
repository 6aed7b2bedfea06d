//! Parameters: their declaration in the tables (`spec`), how they are written after a name
//! (`written`: `delay(sleep=0.5)`), and their validated values (`values`).

mod spec;
mod values;
mod written;

pub use spec::{ParamKind, ParamSpec, Value};
pub use values::Params;
pub(crate) use written::{Written, split_outside};
