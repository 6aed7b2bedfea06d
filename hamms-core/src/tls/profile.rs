//! TLS profiles: which certificate a server presents, which versions it offers, whether it
//! demands a client certificate. The TLS block of the catalog is these three parameters with
//! different defaults; any combination can be asked for.

//!
//! Design note: a profile is plain data; the authority (`authority.rs`) builds the rustls
//! configuration a profile describes, with certificates it signs.

use crate::params::Params;

/// A host name no client dials: the certificate of `tls_wrong_host` is valid only for it.
pub(crate) const WRONG_HOST: &str = "wrong.host.invalid";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Certificate {
    Valid,
    SelfSigned,
    Expired,
    NotYetValid,
    WrongHost,
    UntrustedRoot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Versions {
    Any,
    Tls12,
    Tls13,
}

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

    /// The profile a TLS-block mode's parameters describe.
    pub(crate) fn from_params(params: &Params) -> Profile {
        let certificate = match params.text("certificate") {
            "self_signed" => Certificate::SelfSigned,
            "expired" => Certificate::Expired,
            "not_yet_valid" => Certificate::NotYetValid,
            "wrong_host" => Certificate::WrongHost,
            "untrusted_root" => Certificate::UntrustedRoot,
            _ => Certificate::Valid,
        };
        let versions = match params.text("versions") {
            "tls12" => Versions::Tls12,
            "tls13" => Versions::Tls13,
            _ => Versions::Any,
        };
        Profile {
            certificate,
            versions,
            client_cert_required: params.text("client_cert") == "required",
            http2: false,
        }
    }
}
