//! The terminal's checks of the kiosk's evidence (docs/host-protocol.md §2),
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

/// Checks a PKCS#1 v1.5 signature over the DigestInfo of SHA-256(nonce).
pub fn check_nonce_signature(key: &RsaPublicKey, nonce: &[u8], signature: &[u8]) -> Result<(), Refusal> {
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(nonce), signature).map_err(|_| Refusal::SIG)
}

/// Checks the card-face record's issuer signature, then the chip's
/// signature over the nonce with the record's own key (DF24).
pub fn check_card_face(
    record: &[u8],
    issuer: &RsaPublicKey,
    nonce: &[u8],
    chip_signature: &[u8],
) -> Result<(), Refusal> {
    let fields = ber::children(record, 0xFF20).ok_or(Refusal::RECORD)?;
    let signature = fields.iter().find(|(t, _)| *t == 0xDF28).map(|(_, v)| v).ok_or(Refusal::RECORD)?;
    let signed = card_face_signed_bytes(&fields);
    issuer.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&signed), signature).map_err(|_| Refusal::RECORD)?;
    let chip_key = fields.iter().find(|(t, _)| *t == 0xDF24).map(|(_, v)| v).ok_or(Refusal::RECORD)?;
    let chip_key = RsaPublicKey::from_pkcs1_der(chip_key).map_err(|_| Refusal::RECORD)?;
    check_nonce_signature(&chip_key, nonce, chip_signature)
}
