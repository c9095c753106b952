//! The kiosk's own identity: an ECDSA P-256 key made once by provisioning
//! (`uketsuke provision`), kept in the state directory readable by its
//! owner only. The kiosk signs every request to the reception terminal
//! with it (docs/host-protocol.md §1); the terminal keeps an allow-list of
//! kiosk public keys and refuses the rest.
//!
//! The kiosk id is the lowercase hex SHA-256 of the public key's
//! SubjectPublicKeyInfo DER: what provisioning prints for the terminal's
//! administrator, and what every request names.

use std::fmt;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use sha2::{Digest, Sha256};
use uketsuke_net::certs;
use uketsuke_net::tls::TlsIdentity;
use zeroize::Zeroizing;

/// The private key's file in the state directory (PKCS#8 DER, mode 0600).
pub const KEY_FILE: &str = "kiosk-key.p8";
/// The public key's file in the state directory (SPKI PEM), for the terminal.
pub const PUBLIC_KEY_FILE: &str = "kiosk-key.pub.pem";

/// The DER prefix of a P-256 SubjectPublicKeyInfo (RFC 5480), before the
/// 65-byte uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The kiosk identity cannot be made, read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// No key: the kiosk was never provisioned.
    #[error("no kiosk key at {0}: provision the kiosk first (uketsuke provision)")]
    Missing(PathBuf),
    /// The key file can be read by others than its owner.
    #[error("the kiosk key {path} is readable by others (mode {mode:o}): chmod 600 it, or provision again")]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not a P-256 key.
    #[error("the kiosk key {0} is not an ECDSA P-256 PKCS#8 key")]
    Malformed(PathBuf),
    /// Reading or writing failed.
    #[error("kiosk key {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The system's random source or the signer failed.
    #[error("the kiosk key could not be used")]
    Crypto,
    /// A TLS certificate could not be made or read.
    #[error("TLS certificate: {0}")]
    Certificate(String),
}

/// Reads a private file, refusing one that others than its owner can read.
pub fn read_private(path: &Path) -> Result<Zeroizing<Vec<u8>>, IdentityError> {
    let io = |e: std::io::Error| IdentityError::Io { path: path.to_owned(), reason: e.to_string() };
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(IdentityError::Missing(path.to_owned())),
        other => other.map_err(io)?,
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(IdentityError::TooOpen { path: path.to_owned(), mode });
    }
    Ok(Zeroizing::new(std::fs::read(path).map_err(io)?))
}

/// Writes a new private file (mode 0600), creating its directory; an
/// existing file is an error (a key or token is never overwritten).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), IdentityError> {
    let io = |e: std::io::Error| IdentityError::Io { path: path.to_owned(), reason: e.to_string() };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io)
}

/// The kiosk's key pair. `Debug` shows the id only.
pub struct KioskIdentity {
    pair: EcdsaKeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
    spki: Vec<u8>,
    id: String,
}

impl fmt::Debug for KioskIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KioskIdentity").field("id", &self.id).field("key", &"REDACTED").finish()
    }
}

impl KioskIdentity {
    /// A new key, in memory only (the simulated kiosk's default).
    pub fn generate() -> Result<Self, IdentityError> {
        let rng = SystemRandom::new();
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).map_err(|_| IdentityError::Crypto)?;
        Self::from_pkcs8(doc.as_ref()).ok_or(IdentityError::Crypto)
    }

    /// The key in PKCS#8 DER, if it is a P-256 key.
    pub fn from_pkcs8(der: &[u8]) -> Option<Self> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der, &SystemRandom::new()).ok()?;
        let mut spki = P256_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(pair.public_key().as_ref());
        let id = hex::encode(Sha256::digest(&spki));
        Some(Self { pair, pkcs8: Zeroizing::new(der.to_vec()), spki, id })
    }

    /// Reads the key from `state_dir`, refusing a file others can read.
    pub fn load(state_dir: &Path) -> Result<Self, IdentityError> {
        let path = state_dir.join(KEY_FILE);
        let der = read_private(&path)?;
        Self::from_pkcs8(&der).ok_or(IdentityError::Malformed(path))
    }

    /// Makes the key in `state_dir` unless one is there; returns the key and
    /// whether it was made now. Also writes the public key for the terminal.
    pub fn provision(state_dir: &Path) -> Result<(Self, bool), IdentityError> {
        match Self::load(state_dir) {
            Ok(existing) => return Ok((existing, false)),
            Err(IdentityError::Missing(_)) => {}
            Err(e) => return Err(e),
        }
        let identity = Self::generate()?;
        identity.save(state_dir)?;
        Ok((identity, true))
    }

    /// Writes the key (0600) and its public half into `state_dir`.
    pub fn save(&self, state_dir: &Path) -> Result<(), IdentityError> {
        write_private(&state_dir.join(KEY_FILE), &self.pkcs8)?;
        let public = state_dir.join(PUBLIC_KEY_FILE);
        std::fs::write(&public, self.public_key_pem())
            .map_err(|e| IdentityError::Io { path: public.clone(), reason: e.to_string() })
    }

    /// The kiosk's TLS client identity: a self-signed certificate for this
    /// key (the terminal trusts the key, on its allow-list, not a CA).
    pub fn tls_identity(&self) -> Result<TlsIdentity, IdentityError> {
        let cert = certs::self_signed(&self.pkcs8, &format!("Uketsuke kiosk {}", self.id), &[])
            .map_err(|e| IdentityError::Certificate(e.to_string()))?;
        TlsIdentity::new(&cert, &self.pkcs8).map_err(|e| IdentityError::Certificate(e.to_string()))
    }

    /// The kiosk id: hex SHA-256 of the public key's SPKI DER.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public key as SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// The public key as PEM, for the terminal's allow-list.
    pub fn public_key_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki)
    }

    /// The private key as PKCS#8 DER (for the kiosk's TLS certificate).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// An ECDSA P-256 SHA-256 signature (ASN.1 DER) over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, IdentityError> {
        let sig = self.pair.sign(&SystemRandom::new(), message).map_err(|_| IdentityError::Crypto)?;
        Ok(sig.as_ref().to_vec())
    }
}

/// PEM text: base64 in 64-character lines between the label's markers.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};

    use super::*;

    #[test]
    fn a_signature_verifies_with_the_published_public_key() {
        let id = KioskIdentity::generate().unwrap();
        let sig = id.sign(b"evidence").unwrap();
        let point = &id.public_key_der()[P256_SPKI_PREFIX.len()..];
        let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point);
        assert!(public.verify(b"evidence", &sig).is_ok());
        assert!(public.verify(b"other bytes", &sig).is_err());
        assert_eq!(id.id().len(), 64);
    }

    #[test]
    fn provisioning_writes_an_owner_only_key_once_and_loads_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let (made, created) = KioskIdentity::provision(dir.path()).unwrap();
        assert!(created);
        let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, created) = KioskIdentity::provision(dir.path()).unwrap();
        assert!(!created, "a second provisioning keeps the key the terminal already trusts");
        assert_eq!(made.id(), again.id());
        let pem = std::fs::read_to_string(dir.path().join(PUBLIC_KEY_FILE)).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        KioskIdentity::provision(dir.path()).unwrap();
        let key = dir.path().join(KEY_FILE);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(KioskIdentity::load(dir.path()), Err(IdentityError::TooOpen { .. })));
    }

    #[test]
    fn debug_shows_the_id_and_never_the_key() {
        let id = KioskIdentity::generate().unwrap();
        let text = format!("{id:?}");
        assert!(text.contains(id.id()) && text.contains("REDACTED"));
        assert!(!text.contains(&hex::encode(id.pkcs8_der())));
    }
}
