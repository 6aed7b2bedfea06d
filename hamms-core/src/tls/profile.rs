//! TLS profiles: which certificate a server presents, which versions it offers, whether it
//! demands a client certificate. The TLS block of the catalog is these three parameters with
//! different defaults; any combination can be asked for.
//!
//! Design note: a profile is plain data; the authority (`authority.rs`) builds the rustls
//! configuration a profile describes, with certificates it signs.

use crate::engine::{Certificate, ClientCert, TlsProfile, Versions};

/// A host name no client dials: the certificate of `tls_wrong_host` is valid only for it.
#[cfg(feature = "tls")]
pub(crate) const WRONG_HOST: &str = "wrong.host.invalid";

/// How a server configured with this profile behaves in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Profile {
    pub(crate) certificate: Certificate,
    pub(crate) versions: Versions,
    pub(crate) client_cert_required: bool,
    /// ALPN offers `h2` before `http/1.1`.
    pub(crate) http2: bool,
}

impl Profile {
    /// A valid certificate, every version, no client certificate: what `tls = true` serves.
    pub(crate) const BASELINE: Profile = Profile {
        certificate: Certificate::Valid,
        versions: Versions::Any,
        client_cert_required: false,
        http2: false,
    };

    /// The same profile, with ALPN offering `h2` as well, for modes that speak HTTP/2.
    pub(crate) const fn offering_http2(self) -> Profile {
        Profile {
            http2: true,
            ..self
        }
    }

    /// The profile of a TLS-block mode.
    pub(crate) fn of(mode: TlsProfile) -> Profile {
        Profile {
            certificate: mode.certificate,
            versions: mode.versions,
            client_cert_required: mode.client_cert == ClientCert::Required,
            http2: false,
        }
    }
}
