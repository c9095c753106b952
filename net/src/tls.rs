//! TLS 1.3 only, with rustls and the ring provider (DESIGN.md §5: every
//! link is TLS). Servers present one certificate; the reception terminal
//! also requires a client certificate whose public key is on its allow-list
//! ([`PinnedClientKeys`]). Clients trust exactly the certificates they are
//! given (the terminal's CA, the staff console's own certificate), never
//! the system's roots.

use std::sync::Arc;

use der::{Decode as _, Encode as _};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{ClientConfig, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme};
use sha2::{Digest, Sha256};

/// A TLS set-up that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// No certificate in the PEM text.
    #[error("no certificate in {0}")]
    NoCertificate(String),
    /// rustls refused the configuration (a key that does not fit the certificate, …).
    #[error("TLS configuration: {0}")]
    Config(String),
    /// A certificate could not be made.
    #[error("certificate: {0}")]
    Certificate(String),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A certificate chain and its private key.
pub struct TlsIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").field("certificates", &self.chain.len()).field("key", &"REDACTED").finish()
    }
}

impl TlsIdentity {
    /// From PEM certificates (leaf first) and a PKCS#8 DER key.
    pub fn new(cert_pem: &str, key_pkcs8: &[u8]) -> Result<Self, TlsError> {
        let chain = certificates(cert_pem, "the certificate file")?;
        Ok(Self { chain, key: PrivatePkcs8KeyDer::from(key_pkcs8.to_vec()) })
    }

    /// The leaf certificate (DER).
    pub fn leaf(&self) -> &[u8] {
        self.chain.first().map_or(&[], |c| c.as_ref())
    }

    fn parts(&self) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        (self.chain.clone(), PrivateKeyDer::Pkcs8(self.key.clone_key()))
    }
}

/// The certificates in PEM text (`what` names it in errors).
pub fn certificates(pem: &str, what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes()).filter_map(Result::ok).collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(what.to_owned()));
    }
    Ok(certs)
}

/// The SHA-256 fingerprint of a certificate, as browsers show it (`AB:CD:…`).
pub fn fingerprint(cert_der: &[u8]) -> String {
    Sha256::digest(cert_der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// The SubjectPublicKeyInfo DER of a certificate.
pub fn public_key_of(cert_der: &[u8]) -> Option<Vec<u8>> {
    let cert = x509_cert::Certificate::from_der(cert_der).ok()?;
    cert.tbs_certificate.subject_public_key_info.to_der().ok()
}

fn config_error(e: rustls::Error) -> TlsError {
    TlsError::Config(e.to_string())
}

/// A TLS 1.3 server presenting `identity`; `clients`, if given, decides
/// which client keys may connect (mutual authentication).
pub fn server_config(
    identity: &TlsIdentity,
    clients: Option<Arc<PinnedClientKeys>>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(config_error)?;
    let builder = match clients {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let (chain, key) = identity.parts();
    Ok(Arc::new(builder.with_single_cert(chain, key).map_err(config_error)?))
}

/// A TLS 1.3 client trusting only `trusted` (CA or self-signed server
/// certificates), presenting `identity` if the server asks.
pub fn client_config(
    trusted: &[CertificateDer<'static>],
    identity: Option<&TlsIdentity>,
) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in trusted {
        roots.add(cert.clone()).map_err(config_error)?;
    }
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(config_error)?
        .with_root_certificates(roots);
    let config = match identity {
        Some(id) => {
            let (chain, key) = id.parts();
            builder.with_client_auth_cert(chain, key).map_err(config_error)?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// Decides whether a client key (SubjectPublicKeyInfo DER) may connect.
pub type KeyCheck = dyn Fn(&[u8]) -> bool + Send + Sync;

/// Client authentication by public key: a client may connect if its
/// certificate's key passes `allowed` and it proves it holds the key. The
/// certificate itself may be self-signed: the key is what is trusted.
pub struct PinnedClientKeys {
    allowed: Box<KeyCheck>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl std::fmt::Debug for PinnedClientKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinnedClientKeys")
    }
}

impl PinnedClientKeys {
    /// Allows a client whose SubjectPublicKeyInfo DER passes `allowed`.
    pub fn new(allowed: impl Fn(&[u8]) -> bool + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self { allowed: Box::new(allowed), algorithms: provider().signature_verification_algorithms })
    }
}

impl ClientCertVerifier for PinnedClientKeys {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match public_key_of(end_entity) {
            Some(key) if (self.allowed)(&key) => Ok(ClientCertVerified::assertion()),
            _ => Err(rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure)),
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
