//! TLS profiles: which certificate a server presents, which versions it offers, whether it
//! demands a client certificate. The TLS block of the catalog is these three parameters with
//! different defaults; any combination can be asked for.

use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::version::{TLS12, TLS13};
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};

use super::authority::{SERVER_NAMES, TestCa, Validity, self_signed_leaf, tls_error};
use crate::error::Error;
use crate::params::Params;

/// A host name no client dials: the certificate of `tls_wrong_host` is valid only for it.
pub(crate) const WRONG_HOST: &str = "wrong.host.invalid";

/// The values of the `certificate` parameter.
pub(crate) const CERTIFICATES: &[&str] = &[
    "valid",
    "self_signed",
    "expired",
    "not_yet_valid",
    "wrong_host",
    "untrusted_root",
];
/// The values of the `versions` parameter.
pub(crate) const VERSIONS: &[&str] = &["any", "tls12", "tls13"];
/// The values of the `client_cert` parameter.
pub(crate) const CLIENT_CERTS: &[&str] = &["none", "required"];

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
    certificate: Certificate,
    versions: Versions,
    client_cert_required: bool,
    /// ALPN offers `h2` before `http/1.1`.
    http2: bool,
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

/// Builds the rustls configuration of `profile`, with certificates from `ca`. The ring provider
/// is named here, not installed process-wide: hamms never touches the application's default.
pub(crate) fn server_config(ca: &TestCa, profile: Profile) -> Result<ServerConfig, Error> {
    let leaf = match profile.certificate {
        Certificate::Valid => ca.issue_leaf(&SERVER_NAMES, Validity::Current)?,
        Certificate::Expired => ca.issue_leaf(&SERVER_NAMES, Validity::Expired)?,
        Certificate::NotYetValid => ca.issue_leaf(&SERVER_NAMES, Validity::NotYetValid)?,
        Certificate::WrongHost => ca.issue_leaf(&[WRONG_HOST], Validity::Current)?,
        Certificate::UntrustedRoot => {
            TestCa::untrusted().issue_leaf(&SERVER_NAMES, Validity::Current)?
        }
        Certificate::SelfSigned => self_signed_leaf(&SERVER_NAMES)?,
    };
    let versions: &[&SupportedProtocolVersion] = match profile.versions {
        Versions::Any => &[&TLS13, &TLS12],
        Versions::Tls12 => &[&TLS12],
        Versions::Tls13 => &[&TLS13],
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(tls_error)?;
    let builder = if profile.client_cert_required {
        let mut roots = RootCertStore::empty();
        roots.add(ca.cert_der().clone()).map_err(tls_error)?;
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(tls_error)?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder
        .with_single_cert(vec![leaf.cert], leaf.key)
        .map_err(tls_error)?;
    config.alpn_protocols = if profile.http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(config)
}
