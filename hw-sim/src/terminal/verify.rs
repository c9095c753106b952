//! The terminal's checks of the kiosk's evidence (docs/host-protocol.md §3),
//! written independently of the kiosk: its own record parsing, the test
//! PKI's keys, real signature verification.

use der::{Decode, Encode};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::ber;
use crate::card::card_face_signed_bytes;

/// Why evidence was refused: the protocol's code and the patient's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Protocol code.
    pub code: &'static str,
    /// Japanese message for the patient.
    pub message: &'static str,
}

impl Refusal {
    pub(crate) const EXPIRED: Self =
        Self {
            status: 403, code: "006", message: "利用者証明用電子証明書の有効期限が切れているか、失効しています。"
        };
    pub(crate) const CERT: Self =
        Self {
            status: 403, code: "E-CERT", message: "電子証明書を確認できませんでした。受付にお申し出ください。"
        };
    pub(crate) const SIG: Self =
        Self {
            status: 403, code: "E-SIG", message: "本人確認ができませんでした。受付にお申し出ください。"
        };
    pub(crate) const RECORD: Self = Self {
        status: 403,
        code: "E-RECORD",
        message: "カードの券面情報を確認できませんでした。受付にお申し出ください。",
    };
    pub(crate) const MATCH: Self =
        Self { status: 403, code: "E-MATCH", message: "顔認証で本人確認ができませんでした。" };
    pub(crate) const NONCE: Self =
        Self { status: 409, code: "E-NONCE", message: "通信をやり直してください。" };
    pub(crate) const UNKNOWN: Self =
        Self {
            status: 404, code: "E-UNKNOWN", message: "資格情報が見つかりませんでした。受付にお申し出ください。"
        };
    pub(crate) const KIOSK: Self = Self {
        status: 401,
        code: "E-KIOSK",
        message: "この端末からの要求は受け付けられません。受付にお申し出ください。",
    };
    pub(crate) const CARD: Self = Self {
        status: 403,
        code: "E-CARD",
        message: "カードの券面情報と電子証明書が一致しませんでした。受付にお申し出ください。",
    };
    pub(crate) const REQUEST: Self =
        Self { status: 400, code: "E-REQUEST", message: "要求を処理できませんでした。" };
}

/// A certificate the terminal accepted.
pub struct CheckedCert {
    /// Serial number (identifies the card holder's record).
    pub serial: u64,
    /// The certificate's public key.
    pub key: RsaPublicKey,
}

/// Checks the authentication certificate: issued by `ca`, valid at
/// `now_unix`, not in `revoked`.
pub fn check_certificate(
    der_bytes: &[u8],
    ca: &RsaPublicKey,
    now_unix: u64,
    revoked: &[u64],
) -> Result<CheckedCert, Refusal> {
    let cert = Certificate::from_der(der_bytes).map_err(|_| Refusal::CERT)?;
    let tbs = cert.tbs_certificate.to_der().map_err(|_| Refusal::CERT)?;
    let sig = cert.signature.as_bytes().ok_or(Refusal::CERT)?;
    ca.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&tbs), sig).map_err(|_| Refusal::CERT)?;
    let serial = cert.tbs_certificate.serial_number.as_bytes().iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
    let validity = &cert.tbs_certificate.validity;
    let not_before = validity.not_before.to_unix_duration().as_secs();
    let not_after = validity.not_after.to_unix_duration().as_secs();
    if now_unix < not_before || now_unix > not_after || revoked.contains(&serial) {
        return Err(Refusal::EXPIRED);
    }
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().map_err(|_| Refusal::CERT)?;
    let key = RsaPublicKey::from_public_key_der(&spki).map_err(|_| Refusal::CERT)?;
    Ok(CheckedCert { serial, key })
}

/// The label of the context the card signs.
const CONTEXT_LABEL: &[u8] = b"uketsuke evidence v2\0";

/// What the card's signature must cover (docs/host-protocol.md §3.1).
pub struct Context<'a> {
    /// The nonce this terminal gave the session.
    pub nonce: &'a [u8],
    /// The kiosk whose signed request opened the session.
    pub kiosk: &'a str,
    /// The session id.
    pub session: &'a str,
    /// `pin`, `face` or `visual`.
    pub method: &'a str,
    /// The certificate sent.
    pub certificate: &'a [u8],
    /// The card-face record sent (face and visual), none for pin.
    pub record: Option<&'a [u8]>,
}

impl Context<'_> {
    /// SHA-256 of: label ‖ nonce ‖ kiosk ‖ session ‖ method (each with a
    /// 2-byte big-endian length) ‖ SHA-256(certificate) ‖ SHA-256(record) or
    /// 32 zero bytes.
    pub fn digest(&self) -> [u8; 32] {
        let mut input = CONTEXT_LABEL.to_vec();
        for field in [self.nonce, self.kiosk.as_bytes(), self.session.as_bytes(), self.method.as_bytes()] {
            input.extend_from_slice(&u16::try_from(field.len()).unwrap_or(u16::MAX).to_be_bytes());
            input.extend_from_slice(field);
        }
        input.extend_from_slice(&Sha256::digest(self.certificate));
        input.extend_from_slice(&self.record.map_or([0u8; 32], |r| Sha256::digest(r).into()));
        Sha256::digest(&input).into()
    }
}

/// Checks a PKCS#1 v1.5 SHA-256 signature whose DigestInfo carries `digest`
/// (the context digest: the card signed the context, never the bare nonce).
pub fn check_context_signature(key: &RsaPublicKey, digest: &[u8; 32], signature: &[u8]) -> Result<(), Refusal> {
    key.verify(Pkcs1v15Sign::new::<Sha256>(), digest, signature).map_err(|_| Refusal::SIG)
}

/// Checks the card-face record's issuer signature, then the chip's
/// signature over the context digest with the record's own key (DF24).
/// Returns the record's DF24 (PKCS#1 DER), which names the card.
pub fn check_card_face(
    record: &[u8],
    issuer: &RsaPublicKey,
    digest: &[u8; 32],
    chip_signature: &[u8],
) -> Result<Vec<u8>, Refusal> {
    let fields = ber::children(record, 0xFF20).ok_or(Refusal::RECORD)?;
    let signature = fields.iter().find(|(t, _)| *t == 0xDF28).map(|(_, v)| v).ok_or(Refusal::RECORD)?;
    let signed = card_face_signed_bytes(&fields);
    issuer.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&signed), signature).map_err(|_| Refusal::RECORD)?;
    let df24 = fields.iter().find(|(t, _)| *t == 0xDF24).map(|(_, v)| v.clone()).ok_or(Refusal::RECORD)?;
    let chip_key = RsaPublicKey::from_pkcs1_der(&df24).map_err(|_| Refusal::RECORD)?;
    check_context_signature(&chip_key, digest, chip_signature)?;
    Ok(df24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_digest_matches_the_test_vector_in_the_protocol_document() {
        let c = Context {
            nonce: &[0x11; 32],
            kiosk: "k1",
            session: "s1",
            method: "face",
            certificate: b"certificate",
            record: Some(b"record"),
        };
        assert_eq!(hex::encode(c.digest()), "16256efdfeabbc1d668466a309e3fb9b5c75be8815fcc46109f300d6e7b31735");
    }
}
