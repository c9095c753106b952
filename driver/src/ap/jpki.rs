//! The JPKI application (公的個人認証, DESIGN.md §2): the authentication
//! certificate and key with the 4-digit PIN, and the signing objects that a
//! face-auth-only card lacks.

use crate::card::{Card, PinStatus};
use crate::cert::CertificateInfo;
use crate::error::{Error, Result};
use crate::secret::Pin;
use crate::transmit::Transmit;

/// DF name of the JPKI application.
pub const AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Elementary files of the JPKI application.
pub mod ef {
    /// Authentication certificate (readable without a PIN).
    pub const AUTH_CERT: [u8; 2] = [0x00, 0x0A];
    /// CA certificate of the authentication certificate.
    pub const AUTH_CA: [u8; 2] = [0x00, 0x0B];
    /// Authentication private key.
    pub const AUTH_KEY: [u8; 2] = [0x00, 0x17];
    /// Authentication PIN (4 digits, 3 tries).
    pub const AUTH_PIN: [u8; 2] = [0x00, 0x18];
    /// Signing certificate (absent on face-auth-only cards).
    pub const SIGN_CERT: [u8; 2] = [0x00, 0x01];
    /// CA certificate of the signing certificate.
    pub const SIGN_CA: [u8; 2] = [0x00, 0x02];
    /// Signing private key.
    pub const SIGN_KEY: [u8; 2] = [0x00, 0x1A];
    /// Signing password (6–16 characters, 5 tries).
    pub const SIGN_PASSWORD: [u8; 2] = [0x00, 0x1B];
}

/// The JPKI application, selected on a borrowed card.
pub struct JpkiAp<'c, T: Transmit> {
    card: &'c mut Card<T>,
}

impl<'c, T: Transmit> JpkiAp<'c, T> {
    /// Selects the application. A card without it is not a My Number Card.
    pub fn select(card: &'c mut Card<T>) -> Result<Self> {
        match card.select_df(&AID) {
            Err(Error::FileNotFound) => Err(Error::NotMyNumberCard),
            other => other.map(|()| Self { card }),
        }
    }

    fn read_cert(&mut self, fid: [u8; 2]) -> Result<CertificateInfo> {
        self.card.select_ef(fid)?;
        let der = self.card.read_tlv_file()?;
        CertificateInfo::parse(&der)
    }

    /// The authentication certificate (利用者証明用電子証明書).
    pub fn read_auth_cert(&mut self) -> Result<CertificateInfo> {
        self.read_cert(ef::AUTH_CERT)
    }

    /// The CA certificate that issued the authentication certificate.
    pub fn read_auth_ca_cert(&mut self) -> Result<CertificateInfo> {
        self.read_cert(ef::AUTH_CA)
    }

    /// Whether the signing certificate's EF exists (it does not on
    /// face-auth-only cards). Selecting it needs no password.
    pub fn has_signing_cert(&mut self) -> Result<bool> {
        match self.card.select_ef(ef::SIGN_CERT) {
            Ok(()) => Ok(true),
            Err(Error::FileNotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Tries left on the authentication PIN, without spending one.
    pub fn auth_pin_status(&mut self) -> Result<PinStatus> {
        self.card.pin_status_of(ef::AUTH_PIN)
    }

    /// Verifies the authentication PIN the patient just entered. Reads the
    /// retry count first and sends nothing if the PIN is blocked.
    #[tracing::instrument(name = "verify", skip_all, fields(ap = "jpki"))]
    pub fn verify_auth_pin(&mut self, pin: &Pin) -> Result<()> {
        self.card.verify_with_query(ef::AUTH_PIN, pin.expose())
    }

    /// Signs a DigestInfo with the authentication key (RSA-2048,
    /// PKCS#1 v1.5): `80 2A 00 80`. The PIN must be verified first.
    #[tracing::instrument(name = "sign", skip_all, fields(ap = "jpki"))]
    pub fn sign_with_auth_key(&mut self, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.card.select_ef(ef::AUTH_KEY)?;
        self.card.compute_signature(0x80, digest_info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::ScriptedCard;

    const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";

    #[test]
    fn the_retry_query_sends_verify_without_data() {
        let mock =
            ScriptedCard::new().expect(SELECT_JPKI, "9000").expect("00A4020C020018", "9000").expect("00200080", "63C2");
        let mut card = Card::new(mock);
        let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ap.auth_pin_status().ok(), Some(PinStatus::Tries(2)));
    }

    #[test]
    fn a_blocked_pin_is_never_sent() {
        let mock =
            ScriptedCard::new().expect(SELECT_JPKI, "9000").expect("00A4020C020018", "9000").expect("00200080", "6983");
        let mut card = Card::new(mock);
        let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        let pin = Pin::parse("1234").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ap.verify_auth_pin(&pin), Err(Error::PinBlocked));
    }

    #[test]
    fn a_wrong_pin_reports_the_tries_left() {
        let mock = ScriptedCard::new()
            .expect(SELECT_JPKI, "9000")
            .expect("00A4020C020018", "9000")
            .expect("00200080", "63C3")
            .expect("002000800431323334", "63C2");
        let mut card = Card::new(mock);
        let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        let pin = Pin::parse("1234").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ap.verify_auth_pin(&pin), Err(Error::PinIncorrect { retries: 2 }));
    }

    #[test]
    fn a_card_without_the_jpki_application_is_not_a_my_number_card() {
        let mock = ScriptedCard::new().expect(SELECT_JPKI, "6A82");
        let mut card = Card::new(mock);
        assert!(matches!(JpkiAp::select(&mut card), Err(Error::NotMyNumberCard)));
    }

    #[test]
    fn signing_selects_the_key_then_sends_the_digest_info_with_le_00() {
        let mock = ScriptedCard::new()
            .expect(SELECT_JPKI, "9000")
            .expect("00A4020C020017", "9000")
            .expect("802A008003AABBCC00", "01029000");
        let mut card = Card::new(mock);
        let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ap.sign_with_auth_key(&[0xAA, 0xBB, 0xCC]).ok(), Some(vec![1, 2]));
    }
}
