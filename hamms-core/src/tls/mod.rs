//! TLS: the test certificate authority that signs every certificate hamms serves
//! (`authority`), and the handshake profiles of the TLS modes (`profile`).
//!
//! Design note: rustls with the ring provider, named where each configuration is built rather
//! than installed as the process default, so hamms neither pulls in aws-lc nor changes the
//! crypto provider of the application under test.

mod authority;
mod profile;

pub use authority::{ClientCert, TestCa};
pub(crate) use profile::Profile;
