//! TLS: the test certificate authority that signs every certificate hamms serves
//! (`authority`), and the handshake profiles of the TLS modes (`profile`). Without the `tls`
//! feature, `absent` stands in for the authority: nothing is signed, no handshake is made.
//!
//! Design note: rustls with the ring provider, named where each configuration is built rather
//! than installed as the process default, so hamms neither pulls in aws-lc nor changes the
//! crypto provider of the application under test.

#[cfg(not(feature = "tls"))]
mod absent;
#[cfg(feature = "tls")]
mod authority;
mod profile;

#[cfg(not(feature = "tls"))]
pub(crate) use absent::{MISSING, ServerConfig, TestCa};
#[cfg(feature = "tls")]
pub use authority::{ClientCert, TestCa};
pub(crate) use profile::Profile;
#[cfg(feature = "tls")]
pub(crate) use rustls::ServerConfig;
