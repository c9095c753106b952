//! Certificates made by the kiosk and the simulator (rcgen, ECDSA P-256):
//! the kiosk's client certificate from its provisioned key, the staff
//! console's self-signed server certificate, and the simulator terminal's
//! own CA and server certificate.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

use crate::tls::TlsError;

fn cert_error(e: rcgen::Error) -> TlsError {
    TlsError::Certificate(e.to_string())
}

fn params(common_name: &str, names: &[String]) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(names.to_vec()).map_err(cert_error)?;
    params.distinguished_name.push(DnType::CommonName, common_name);
    Ok(params)
}

/// A self-signed certificate (PEM) for the PKCS#8 key `key_pkcs8`, valid
/// for `names` (DNS names or IP addresses).
pub fn self_signed(key_pkcs8: &[u8], common_name: &str, names: &[String]) -> Result<String, TlsError> {
    let key = KeyPair::try_from(key_pkcs8).map_err(cert_error)?;
    Ok(params(common_name, names)?.self_signed(&key).map_err(cert_error)?.pem())
}

/// A new P-256 key, as PKCS#8 DER.
pub fn new_key() -> Result<Vec<u8>, TlsError> {
    Ok(KeyPair::generate().map_err(cert_error)?.serialize_der())
}

/// A certificate authority that issues server certificates.
pub struct Authority {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").field("key", &"REDACTED").finish_non_exhaustive()
    }
}

impl Authority {
    /// A new CA named `common_name`.
    pub fn new(common_name: &str) -> Result<Self, TlsError> {
        let key = KeyPair::generate().map_err(cert_error)?;
        let mut params = params(common_name, &[])?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).map_err(cert_error)?;
        Ok(Self { cert, key })
    }

    /// The CA's certificate (PEM), for clients to pin.
    pub fn certificate_pem(&self) -> String {
        self.cert.pem()
    }

    /// A server certificate for `names` and its PKCS#8 key: (PEM, DER).
    pub fn issue(&self, common_name: &str, names: &[String]) -> Result<(String, Vec<u8>), TlsError> {
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = params(common_name, names)?.signed_by(&key, &self.cert, &self.key).map_err(cert_error)?;
        Ok((cert.pem(), key.serialize_der()))
    }
}
