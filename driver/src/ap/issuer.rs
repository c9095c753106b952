//! The card-face record's issuer signature (DF28), checked in the kiosk
//! before anything decodes the photo (DESIGN.md §5).
//!
//! DF28 is an RSA PKCS#1 v1.5 SHA-256 signature by the card-face issuer
//! over the DF22–DF27, DF29 and DF2A objects, encoded exactly as read, in
//! record order (docs/virtual-card.md; the real cards' scheme is not public).

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::tlv::Header;

/// The card-face issuer's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerKey(RsaPublicKey);

/// A key file that is not an RSA public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an RSA public key (SubjectPublicKeyInfo or PKCS#1, PEM or DER)")]
pub struct NotAnIssuerKey;

impl IssuerKey {
    /// The key from SubjectPublicKeyInfo or PKCS#1, in PEM or DER.
    pub fn parse(bytes: &[u8]) -> std::result::Result<Self, NotAnIssuerKey> {
        if let Ok(text) = std::str::from_utf8(bytes)
            && text.contains("-----BEGIN")
        {
            let key = RsaPublicKey::from_public_key_pem(text.trim())
                .or_else(|_| RsaPublicKey::from_pkcs1_pem(text.trim()))
                .map_err(|_| NotAnIssuerKey)?;
            return Ok(Self(key));
        }
        let key = RsaPublicKey::from_public_key_der(bytes)
            .or_else(|_| RsaPublicKey::from_pkcs1_der(bytes))
            .map_err(|_| NotAnIssuerKey)?;
        Ok(Self(key))
    }

    /// Checks a record's DF28 (`raw`: the `FF20` object as read).
    pub fn verify_record(&self, raw: &[u8]) -> Result<()> {
        let (signed, signature) = signed_portion(raw)?;
        self.0
            .verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&signed), signature)
            .map_err(|_| Error::RecordNotGenuine)
    }
}

/// The bytes DF28 covers, and DF28 itself, walking the record's children
/// as read (no re-encoding).
fn signed_portion(raw: &[u8]) -> Result<(Vec<u8>, &[u8])> {
    let outer = Header::parse(raw)?.ok_or(Error::Malformed("truncated record header"))?;
    if outer.tag != 0xFF20 {
        return Err(Error::Malformed("unexpected record tag"));
    }
    let mut rest =
        raw.get(outer.header_len..outer.total_len()).ok_or(Error::Malformed("record shorter than its length"))?;
    let (mut signed, mut signature) = (Vec::new(), None);
    while !rest.is_empty() {
        let h = Header::parse(rest)?.ok_or(Error::Malformed("truncated field in the card-face record"))?;
        let object = rest.get(..h.total_len()).ok_or(Error::Malformed("field longer than the card-face record"))?;
        match h.tag {
            0xDF22..=0xDF27 | 0xDF29 | 0xDF2A => signed.extend_from_slice(object),
            0xDF28 => signature = Some(&object[h.header_len..]),
            _ => {}
        }
        rest = &rest[h.total_len()..];
    }
    Ok((signed, signature.ok_or(Error::Malformed("card-face record lacks the signature (DF28)"))?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use uketsuke_hw_sim::pki;

    use super::*;

    fn issuer() -> IssuerKey {
        let key = pki::derived_key(pki::CARD_FACE_ISSUER_LABEL).unwrap().to_public_key();
        IssuerKey::parse(rsa::pkcs8::EncodePublicKey::to_public_key_der(&key).unwrap().as_bytes()).unwrap()
    }

    /// A record signed as the simulator's card builder signs it.
    fn record() -> Vec<u8> {
        use uketsuke_hw_sim::ber;
        let mut fields: Vec<(u32, Vec<u8>)> = vec![
            (0xDF22, b"19800401".to_vec()),
            (0xDF23, b"1".to_vec()),
            (0xDF24, vec![0x30, 0x03, 0x02, 0x01, 0x01]),
            (0xDF25, vec![1; 40]),
            (0xDF26, vec![2; 300]),
            (0xDF27, vec![3; 70]),
            (0xDF29, b"20351231".to_vec()),
            (0xDF2A, vec![4; 20]),
        ];
        let issuer = pki::derived_key(pki::CARD_FACE_ISSUER_LABEL).unwrap();
        let signed = uketsuke_hw_sim::card::card_face_signed_bytes(&fields);
        fields.insert(6, (0xDF28, pki::sign_sha256(&issuer, &signed).unwrap()));
        let children: Vec<Vec<u8>> = fields.iter().map(|(t, v)| ber::encode(*t, v)).collect();
        ber::constructed(0xFF20, &children)
    }

    #[test]
    fn a_genuine_record_verifies_and_any_altered_byte_does_not() {
        let key = issuer();
        let raw = record();
        assert_eq!(key.verify_record(&raw), Ok(()));
        let mut altered = raw.clone();
        let at = altered.len() - 3;
        altered[at] ^= 0x01;
        assert_eq!(key.verify_record(&altered), Err(Error::RecordNotGenuine));
    }

    #[test]
    fn a_record_signed_by_another_key_is_not_genuine() {
        let other = pki::derived_key("another issuer").unwrap().to_public_key();
        let other = IssuerKey::parse(rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&other).unwrap().as_bytes()).unwrap();
        assert_eq!(other.verify_record(&record()), Err(Error::RecordNotGenuine));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let key = issuer();
        for raw in [&[][..], &[0xFF, 0x20, 0x05, 0xDF], &[0xFF, 0x20, 0x00], &[0x30, 0x00]] {
            assert!(key.verify_record(raw).is_err());
        }
        assert!(IssuerKey::parse(b"not a key").is_err());
    }
}
