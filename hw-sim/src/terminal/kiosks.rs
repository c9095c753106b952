//! The terminal's allow-list of kiosks and the check of every request's
//! signature (docs/host-protocol.md §1), written independently of the
//! kiosk: its own SPKI parsing and ring's ECDSA P-256 verification.
//!
//! A request is `{"kiosk": ID, "body": BASE64, "signature": BASE64}`; the
//! signature is ECDSA P-256 SHA-256 (ASN.1 DER) by the kiosk's key over
//! `"uketsuke request v2\0" ‖ path ‖ NUL ‖ body`. The kiosk id is the hex
//! SHA-256 of the key's SubjectPublicKeyInfo DER.

use std::collections::HashMap;
use std::sync::RwLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::Decode;
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoRef;

use super::verify::Refusal;

/// The label of a request signature.
const REQUEST_LABEL: &[u8] = b"uketsuke request v2\0";
/// id-ecPublicKey and the P-256 curve (RFC 5480).
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";

/// A public key that cannot be on the allow-list.
#[derive(Debug, thiserror::Error)]
#[error("not an ECDSA P-256 public key (SubjectPublicKeyInfo, PEM or DER)")]
pub struct NotAKioskKey;

/// The kiosks this terminal answers.
#[derive(Default)]
pub struct AllowList {
    /// Kiosk id → uncompressed P-256 point.
    keys: RwLock<HashMap<String, Vec<u8>>>,
}

/// The request as it arrives.
#[derive(Deserialize)]
struct Envelope {
    kiosk: String,
    body: String,
    signature: String,
}

/// A request whose signature verified: which kiosk, and its JSON body.
pub struct Verified {
    /// The kiosk id.
    pub kiosk: String,
    /// The body.
    pub body: Value,
}

/// The DER inside PEM text, or the bytes themselves when they are not PEM.
fn der_of(key: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(key).ok().filter(|t| t.contains("-----BEGIN PUBLIC KEY-----"));
    let Some(text) = text else { return Some(key.to_vec()) };
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    B64.decode(b64.trim()).ok()
}

impl AllowList {
    /// Adds a kiosk's public key (SPKI, PEM or DER) and returns its id.
    pub fn allow(&self, key: &[u8]) -> Result<String, NotAKioskKey> {
        let der = der_of(key).ok_or(NotAKioskKey)?;
        let spki = SubjectPublicKeyInfoRef::from_der(&der).map_err(|_| NotAKioskKey)?;
        let curve = spki.algorithm.parameters_oid().map_err(|_| NotAKioskKey)?;
        if spki.algorithm.oid.to_string() != EC_PUBLIC_KEY || curve.to_string() != P256 {
            return Err(NotAKioskKey);
        }
        let point = spki.subject_public_key.as_bytes().ok_or(NotAKioskKey)?.to_vec();
        let id = hex::encode(Sha256::digest(&der));
        if let Ok(mut keys) = self.keys.write() {
            keys.insert(id.clone(), point);
        }
        Ok(id)
    }

    /// Whether the key (SubjectPublicKeyInfo DER) is an allowed kiosk's:
    /// the terminal's mutual-TLS check.
    pub fn allows_key(&self, spki_der: &[u8]) -> bool {
        let id = hex::encode(Sha256::digest(spki_der));
        self.keys.read().is_ok_and(|k| k.contains_key(&id))
    }

    /// How many kiosks are allowed.
    pub fn len(&self) -> usize {
        self.keys.read().map_or(0, |k| k.len())
    }

    /// Whether no kiosk is allowed (then every request is refused).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks a request to `path`: a known kiosk, a signature over this path
    /// and body, and a JSON body.
    pub fn verify(&self, path: &str, raw: &[u8]) -> Result<Verified, Refusal> {
        let envelope: Envelope = serde_json::from_slice(raw).map_err(|_| Refusal::KIOSK)?;
        let point = self.keys.read().ok().and_then(|k| k.get(&envelope.kiosk).cloned()).ok_or(Refusal::KIOSK)?;
        let body = B64.decode(&envelope.body).map_err(|_| Refusal::KIOSK)?;
        let signature = B64.decode(&envelope.signature).map_err(|_| Refusal::KIOSK)?;
        let mut signed = REQUEST_LABEL.to_vec();
        signed.extend_from_slice(path.as_bytes());
        signed.push(0);
        signed.extend_from_slice(&body);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point)
            .verify(&signed, &signature)
            .map_err(|_| Refusal::KIOSK)?;
        let body = serde_json::from_slice(&body).map_err(|_| Refusal::REQUEST)?;
        Ok(Verified { kiosk: envelope.kiosk, body })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
    use serde_json::json;

    use super::*;

    const SPKI_PREFIX: [u8; 26] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
        0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];

    fn kiosk() -> (EcdsaKeyPair, Vec<u8>) {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, doc.as_ref(), &rng).unwrap();
        let mut spki = SPKI_PREFIX.to_vec();
        spki.extend_from_slice(pair.public_key().as_ref());
        (pair, spki)
    }

    fn request(pair: &EcdsaKeyPair, id: &str, path: &str, body: &[u8]) -> Vec<u8> {
        let mut signed = REQUEST_LABEL.to_vec();
        signed.extend_from_slice(path.as_bytes());
        signed.push(0);
        signed.extend_from_slice(body);
        let sig = pair.sign(&SystemRandom::new(), &signed).unwrap();
        serde_json::to_vec(&json!({"kiosk": id, "body": B64.encode(body), "signature": B64.encode(sig)})).unwrap()
    }

    #[test]
    fn a_request_signed_by_an_allowed_kiosk_is_accepted_for_its_path_only() {
        let list = AllowList::default();
        let (pair, spki) = kiosk();
        let id = list.allow(&spki).unwrap();
        let raw = request(&pair, &id, "/v1/sessions", b"{}");
        assert_eq!(list.verify("/v1/sessions", &raw).ok().map(|v| v.kiosk), Some(id));
        assert_eq!(list.verify("/v1/sessions/x/evidence", &raw).err(), Some(Refusal::KIOSK));
    }

    #[test]
    fn an_unknown_kiosk_and_a_forged_id_are_refused() {
        let list = AllowList::default();
        let (allowed, spki) = kiosk();
        let id = list.allow(&spki).unwrap();
        let (stranger, _) = kiosk();
        assert_eq!(
            list.verify("/v1/sessions", &request(&stranger, &id, "/v1/sessions", b"{}")).err(),
            Some(Refusal::KIOSK)
        );
        assert_eq!(
            list.verify("/v1/sessions", &request(&allowed, "other", "/v1/sessions", b"{}")).err(),
            Some(Refusal::KIOSK)
        );
        assert_eq!(list.verify("/v1/sessions", b"{}").err(), Some(Refusal::KIOSK), "an unsigned request");
    }

    #[test]
    fn a_pem_public_key_is_accepted_and_an_rsa_key_is_not() {
        let list = AllowList::default();
        let (_, spki) = kiosk();
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", B64.encode(&spki));
        assert_eq!(list.allow(pem.as_bytes()).unwrap(), hex::encode(Sha256::digest(&spki)));
        assert!(list.allow(b"not a key").is_err());
    }
}
