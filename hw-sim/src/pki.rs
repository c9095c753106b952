//! The simulator's test PKI: deterministic RSA-2048 keys, a test JPKI CA
//! with the authentication and signing certificates it issues, and the
//! test issuer that signs card-face records.
//!
//! Nothing here is a real trust anchor: every key derives from a public
//! label, so anyone can recompute it. That is the point: tests and the
//! virtual reception terminal get the same keys in every run.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use der::{DateTime, Encode, asn1::GeneralizedTime, asn1::UtcTime};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// Why a PKI object could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// RSA key generation or signing failed.
    #[error("RSA: {0}")]
    Rsa(#[from] rsa::Error),
    /// A date is out of range.
    #[error("date out of range: {0}")]
    Date(String),
    /// Certificate building failed.
    #[error("certificate: {0}")]
    Certificate(String),
}

pub use jiff::civil::Date;

/// `date` at UTC midnight, as an X.509 time.
fn to_time(date: Date) -> Result<Time, PkiError> {
    let bad = |e: &dyn std::fmt::Display| PkiError::Date(e.to_string());
    let year = u16::try_from(date.year()).map_err(|e| bad(&e))?;
    let (month, day) = (date.month().unsigned_abs(), date.day().unsigned_abs());
    let dt = DateTime::new(year, month, day, 0, 0, 0).map_err(|e| bad(&e))?;
    if year < 2050 {
        UtcTime::from_date_time(dt).map(Time::UtcTime).map_err(|e| bad(&e))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

/// A [`Date`] in the personas' TOML and JSON as `{ year, month, day }`.
pub mod date_table {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Date;

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Table {
        year: i16,
        month: i8,
        day: i8,
    }

    /// Writes `{ year, month, day }`.
    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        Table { year: date.year(), month: date.month(), day: date.day() }.serialize(s)
    }

    /// Reads `{ year, month, day }`, refusing a day the calendar does not have.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let t = Table::deserialize(d)?;
        Date::new(t.year, t.month, t.day).map_err(serde::de::Error::custom)
    }
}

fn key_cache() -> &'static Mutex<HashMap<String, Arc<RsaPrivateKey>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<RsaPrivateKey>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The RSA-2048 key derived from `label` (same label, same key, always).
/// Keys are cached for the life of the process.
pub fn derived_key(label: &str) -> Result<Arc<RsaPrivateKey>, PkiError> {
    if let Some(k) = key_cache().lock().ok().and_then(|c| c.get(label).cloned()) {
        return Ok(k);
    }
    let seed: [u8; 32] = Sha256::digest(format!("uketsuke-sim key v1: {label}")).into();
    let key = Arc::new(RsaPrivateKey::new(&mut ChaCha20Rng::from_seed(seed), 2048)?);
    if let Ok(mut c) = key_cache().lock() {
        c.insert(label.to_owned(), Arc::clone(&key));
    }
    Ok(key)
}

/// Label of the test JPKI CA key.
pub const JPKI_CA_LABEL: &str = "test JPKI CA";
/// Label of the test card-face issuer key.
pub const CARD_FACE_ISSUER_LABEL: &str = "test card-face issuer";
/// Subject of the test JPKI CA.
pub const JPKI_CA_SUBJECT: &str = "CN=Uketsuke Test JPKI User Authentication CA,OU=Simulator,O=Uketsuke,C=JP";

/// Signs a DigestInfo (already DER-encoded) with PKCS#1 v1.5, as the chip does.
pub fn sign_digest_info(key: &RsaPrivateKey, digest_info: &[u8]) -> Result<Vec<u8>, PkiError> {
    Ok(key.sign(Pkcs1v15Sign::new_unprefixed(), digest_info)?)
}

/// Signs SHA-256 of `message` with PKCS#1 v1.5 (as the card-face issuer does).
pub fn sign_sha256(key: &RsaPrivateKey, message: &[u8]) -> Result<Vec<u8>, PkiError> {
    Ok(key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))?)
}

/// Verifies a PKCS#1 v1.5 SHA-256 signature over `message`.
pub fn verify_sha256(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), signature).is_ok()
}

fn build_cert(
    profile: Profile,
    serial: u64,
    validity: (Date, Date),
    subject: &str,
    public: &RsaPublicKey,
    issuer_key: &RsaPrivateKey,
) -> Result<Vec<u8>, PkiError> {
    let cert_err = |e: &dyn std::fmt::Display| PkiError::Certificate(e.to_string());
    let validity = Validity { not_before: to_time(validity.0)?, not_after: to_time(validity.1)? };
    let subject = Name::from_str(subject).map_err(|e| cert_err(&e))?;
    let spki = SubjectPublicKeyInfoOwned::from_key(public.clone()).map_err(|e| cert_err(&e))?;
    let serial = SerialNumber::from(serial);
    let signer = SigningKey::<Sha256>::new(issuer_key.clone());
    let builder =
        CertificateBuilder::new(profile, serial, validity, subject, spki, &signer).map_err(|e| cert_err(&e))?;
    let cert = builder.build::<Signature>().map_err(|e| cert_err(&e))?;
    cert.to_der().map_err(|e| cert_err(&e))
}

/// The self-signed test JPKI CA certificate (valid 2020–2045).
pub fn jpki_ca_cert() -> Result<Vec<u8>, PkiError> {
    let key = derived_key(JPKI_CA_LABEL)?;
    let validity = (jiff::civil::date(2020, 1, 1), jiff::civil::date(2045, 12, 31));
    build_cert(Profile::Root, 1, validity, JPKI_CA_SUBJECT, &key.to_public_key(), &key)
}

/// An end-entity certificate issued by the test JPKI CA.
pub fn jpki_leaf_cert(
    serial: u64,
    subject: &str,
    validity: (Date, Date),
    public: &RsaPublicKey,
) -> Result<Vec<u8>, PkiError> {
    let ca = derived_key(JPKI_CA_LABEL)?;
    let issuer = Name::from_str(JPKI_CA_SUBJECT).map_err(|e| PkiError::Certificate(e.to_string()))?;
    let profile = Profile::Leaf { issuer, enable_key_agreement: false, enable_key_encipherment: false };
    build_cert(profile, serial, validity, subject, public, &ca)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_label_always_derives_the_same_key() {
        let a = derived_key("unit-test determinism").map(|k| k.to_public_key());
        key_cache().lock().map(|mut c| c.clear()).ok();
        let b = derived_key("unit-test determinism").map(|k| k.to_public_key());
        assert!(a.is_ok());
        assert_eq!(a.ok(), b.ok());
    }

    #[test]
    fn issuer_signatures_verify_and_tampering_fails() {
        let key = derived_key(CARD_FACE_ISSUER_LABEL).unwrap_or_else(|e| unreachable!("{e}"));
        let sig = sign_sha256(&key, b"record").unwrap_or_default();
        assert!(verify_sha256(&key.to_public_key(), b"record", &sig));
        assert!(!verify_sha256(&key.to_public_key(), b"recorD", &sig));
    }
}
