//! [`TestCa`]: the certificate authority hamms signs its test certificates with, and
//! [`ClientCert`], a client identity it issues.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::ServerConfig;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use time::{Duration, OffsetDateTime};

use rustls::server::WebPkiClientVerifier;
use rustls::version::{TLS12, TLS13};
use rustls::{RootCertStore, SupportedProtocolVersion};

use super::profile::{Profile, WRONG_HOST};
use crate::engine::{Certificate, Versions};
use crate::error::Error;
use crate::sync::lock;

/// The names every leaf hamms serves is valid for: what a client on this machine dials.
pub(crate) const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The file a CA directory holds: the CA certificate, then its private key, in PEM. Named for
/// what it holds, so nobody hands it out as the (public) certificate `hamms ca` prints.
const CA_FILE: &str = "hamms-ca-with-private-key.pem";

/// The distinguished name of the CA every process shares; a CA read from disk is rebuilt with it.
const CA_NAME: &str = "hamms test CA";

/// When a certificate is valid, relative to now.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Validity {
    /// From a day ago to a year from now.
    Current,
    /// Ended a year ago.
    Expired,
    /// Starts in a year.
    NotYetValid,
}

impl Validity {
    fn apply(self, params: &mut CertificateParams) {
        let now = OffsetDateTime::now_utc();
        let (from, to) = match self {
            Validity::Current => (now - Duration::days(1), now + Duration::days(365)),
            Validity::Expired => (now - Duration::days(730), now - Duration::days(365)),
            Validity::NotYetValid => (now + Duration::days(365), now + Duration::days(730)),
        };
        params.not_before = from;
        params.not_after = to;
    }
}

/// A leaf certificate and its key, ready for rustls.
pub(crate) struct Leaf {
    pub(crate) cert: CertificateDer<'static>,
    pub(crate) key: PrivateKeyDer<'static>,
}

impl Leaf {
    fn new(cert: &rcgen::Certificate, key: &KeyPair) -> Leaf {
        Leaf {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

/// A certificate authority made up for tests: ECDSA P-256, generated once per process (or kept
/// in a directory, for `hamms serve`). Every TLS server of hamms presents certificates it signed;
/// a client that trusts [`pem`](TestCa::pem) trusts them.
///
/// ```
/// use hamms_core::TestCa;
/// let ca = TestCa::for_process();
/// assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// // Builders take it too: FaultServer::builder("tls_ok").certificate_authority(ca.clone())
/// // reqwest::Certificate::from_pem(ca.pem().as_bytes()), curl --cacert, Python's ssl...
/// let client = ca.issue_client_cert("my-client")?;
/// assert!(client.identity_pem().contains("PRIVATE KEY"));
/// # Ok::<(), hamms_core::Error>(())
/// ```
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    /// Server configurations by profile, built on first use.
    configs: Mutex<HashMap<Profile, Arc<ServerConfig>>>,
}

impl TestCa {
    /// The CA of this process, generated on first use. In-process servers use it.
    pub fn for_process() -> Arc<TestCa> {
        static CA: OnceLock<Arc<TestCa>> = OnceLock::new();
        let ca = CA.get_or_init(|| Arc::new(TestCa::generate(CA_NAME).expect(NO_RANDOMNESS)));
        Arc::clone(ca)
    }

    /// A CA that no client is ever given, for `tls_untrusted_root`.
    pub(crate) fn untrusted() -> &'static TestCa {
        static CA: OnceLock<TestCa> = OnceLock::new();
        CA.get_or_init(|| TestCa::generate("hamms untrusted CA").expect(NO_RANDOMNESS))
    }

    /// Generates a new CA.
    fn generate(name: &str) -> Result<TestCa, Error> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(tls_error)?;
        let mut params = ca_params(name);
        params.not_before = OffsetDateTime::now_utc() - Duration::days(1);
        params.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
        let cert = params.self_signed(&key).map_err(tls_error)?;
        Ok(TestCa::from_parts(
            name,
            key,
            cert.pem(),
            cert.der().clone(),
        ))
    }

    fn from_parts(
        name: &str,
        key: KeyPair,
        cert_pem: String,
        cert_der: CertificateDer<'static>,
    ) -> TestCa {
        TestCa {
            // The issuer needs only the CA's name, key identifier method and key: the same
            // parameters give the same issuer for a CA read back from disk.
            issuer: Issuer::new(ca_params(name), key),
            cert_pem,
            cert_der,
            configs: Mutex::default(),
        }
    }

    /// The CA kept in `dir`, created there on first use so that separate processes (a
    /// `hamms serve` and the curl or Python test talking to it) agree on it.
    ///
    /// # Errors
    /// [`Error::CertificateAuthority`] if the directory cannot be created or read, or holds a
    /// file hamms cannot use (delete it to start over).
    pub fn load_or_create(dir: &Path) -> Result<TestCa, Error> {
        let path = dir.join(CA_FILE);
        let fail = |reason: String| Error::CertificateAuthority {
            path: path.clone(),
            reason,
        };
        if !path.exists() {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create the directory: {e}")))?;
            let ca = TestCa::generate(CA_NAME)?;
            let contents = format!("{}{}", ca.cert_pem, ca.issuer.key().serialize_pem());
            if write_once(dir, &path, contents.as_bytes()).map_err(fail)? {
                return Ok(ca);
            }
        }
        let contents =
            std::fs::read_to_string(&path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let unusable = |what: &str| fail(format!("{what}; delete the file to make a new CA"));
        let cert_der = CertificateDer::from_pem_slice(contents.as_bytes())
            .map_err(|e| unusable(&format!("no CA certificate in it ({e})")))?;
        let key = PrivateKeyDer::from_pem_slice(contents.as_bytes())
            .map_err(|e| e.to_string())
            .and_then(|der| KeyPair::try_from(&der).map_err(|e| e.to_string()))
            .map_err(|e| unusable(&format!("no CA key in it ({e})")))?;
        let cert_pem = contents
            .split_inclusive('\n')
            .skip_while(|line| !line.starts_with("-----BEGIN CERTIFICATE-----"))
            .scan(false, |done, line| {
                let keep = !*done;
                *done |= line.starts_with("-----END CERTIFICATE-----");
                keep.then_some(line)
            })
            .collect();
        let ca = TestCa::from_parts(CA_NAME, key, cert_pem, cert_der);
        ca.check_chain()
            .map_err(|e| unusable(&format!("its key does not sign for its certificate ({e})")))?;
        Ok(ca)
    }

    /// Whether a leaf this CA signs verifies against its certificate: the stored key and
    /// certificate belong together, and the issuer rebuilt from them names the certificate.
    fn check_chain(&self) -> Result<(), Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert_der.clone()).map_err(tls_error)?;
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(tls_error)?;
        let leaf = self.issue_leaf(&SERVER_NAMES, Validity::Current)?;
        let name = ServerName::try_from("localhost").map_err(tls_error)?;
        verifier
            .verify_server_cert(&leaf.cert, &[], &name, &[], UnixTime::now())
            .map_err(tls_error)?;
        Ok(())
    }

    /// The CA certificate in PEM, for a client's trust store.
    pub fn pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate in DER.
    pub fn der(&self) -> &[u8] {
        &self.cert_der
    }

    /// Issues a client certificate (for `tls_client_cert_required`) named `common_name`.
    ///
    /// # Errors
    /// [`Error::Tls`] if the name is not valid in a certificate.
    pub fn issue_client_cert(&self, common_name: &str) -> Result<ClientCert, Error> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(tls_error)?;
        let mut params = CertificateParams::new(Vec::new()).map_err(tls_error)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        Validity::Current.apply(&mut params);
        let cert = params.signed_by(&key, &self.issuer).map_err(tls_error)?;
        Ok(ClientCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A server certificate for `names`, signed by this CA.
    pub(crate) fn issue_leaf(&self, names: &[&str], validity: Validity) -> Result<Leaf, Error> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(tls_error)?;
        let params = leaf_params(names, validity)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(tls_error)?;
        Ok(Leaf::new(&cert, &key))
    }

    pub(crate) fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// The server configuration for `profile`, built once per CA.
    pub(crate) fn server_config(&self, profile: Profile) -> Result<Arc<ServerConfig>, Error> {
        if let Some(config) = lock(&self.configs).get(&profile) {
            return Ok(Arc::clone(config));
        }
        let config = Arc::new(server_config(self, profile)?);
        lock(&self.configs).insert(profile, Arc::clone(&config));
        Ok(config)
    }
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

/// Builds the rustls configuration of `profile`, with certificates from `ca`. The ring provider
/// is named here, not installed process-wide: hamms never touches the application's default.
fn server_config(ca: &TestCa, profile: Profile) -> Result<ServerConfig, Error> {
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

/// Why generating a CA cannot fail: a P-256 key and one signature need only the OS's
/// randomness, without which nothing TLS can work anyway.
const NO_RANDOMNESS: &str = "the OS provides randomness to generate a P-256 key";

/// A self-signed server certificate for `names`, for `tls_self_signed`.
pub(crate) fn self_signed_leaf(names: &[&str]) -> Result<Leaf, Error> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(tls_error)?;
    let cert = leaf_params(names, Validity::Current)?
        .self_signed(&key)
        .map_err(tls_error)?;
    Ok(Leaf::new(&cert, &key))
}

/// A client identity: a certificate the test CA issued, and its key.
#[derive(Clone)]
pub struct ClientCert {
    cert_pem: String,
    key_pem: String,
}

impl ClientCert {
    /// The certificate in PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The private key in PEM (PKCS#8).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Key and certificate in one PEM, as `reqwest::Identity::from_pem` and `curl --cert` take.
    pub fn identity_pem(&self) -> String {
        format!("{}{}", self.key_pem, self.cert_pem)
    }
}

impl fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCert").finish_non_exhaustive()
    }
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "hamms");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn leaf_params(names: &[&str], validity: Validity) -> Result<CertificateParams, Error> {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names.clone()).map_err(tls_error)?;
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    validity.apply(&mut params);
    Ok(params)
}

pub(crate) fn tls_error(error: impl fmt::Display) -> Error {
    Error::Tls(error.to_string())
}

/// Writes `contents` to `path` unless a file is there: returns whether it wrote. A fresh file
/// (created exclusively, readable by its owner only) is linked into place only if none is there,
/// so a concurrent process either finds no file or a complete one, and if two race, both end up
/// using the winner's. (What the tempfile crate's `persist_noclobber` does, in std alone.)
fn write_once(dir: &Path, path: &Path, contents: &[u8]) -> Result<bool, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    let temp = dir.join(format!(
        ".{CA_FILE}.{}.{}.{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = options
        .open(&temp)
        .map_err(|e| format!("cannot write in the directory: {e}"))?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write: {e}"));
    drop(file);
    let linked = written.and_then(|()| match std::fs::hard_link(&temp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(format!("cannot write: {e}")),
    });
    let _ = std::fs::remove_file(&temp);
    linked
}
