//! Face-auth-only detection, in one place (DESIGN.md §2).
//!
//! Nothing public says how a face-auth-only card (顔認証マイナンバーカード)
//! marks itself on the chip, so every available signal is weighed and the
//! decision is conservative: if any signal says face-only, the card is
//! treated as face-only and no PIN is offered.

use crate::ap::jpki::JpkiAp;
use crate::card::{Card, PinStatus};
use crate::error::Result;
use crate::hal::surface::FaceAuthMark;
use crate::transmit::Transmit;

/// The evidence about the card's kind. `None` means "not known".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindSignals {
    /// Whether the JPKI signing certificate EF exists.
    pub signing_cert_present: Option<bool>,
    /// The JPKI authentication PIN's retry-count answer.
    pub auth_pin: Option<PinStatus>,
    /// The 「顔認証」 mark of the card face's amendment field (追記欄), from
    /// a card-surface scan: present means face-auth-only; struck through
    /// (cancelled) means switched back to a normal card (seed 001).
    pub amendment_face_mark: Option<FaceAuthMark>,
    /// Whether the reception terminal reports a face-auth-only card.
    pub terminal_face_only: Option<bool>,
}

/// One signal that pointed to a face-auth-only card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceOnlyReason {
    /// The signing certificate is absent.
    NoSigningCertificate,
    /// The authentication PIN object does not exist.
    NoUsablePin,
    /// 「顔認証」 is printed in the amendment field.
    AmendmentMark,
    /// The reception terminal says so.
    TerminalSaysFaceOnly,
}

/// The kind of My Number Card.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "reasons", rename_all = "snake_case")]
pub enum CardKind {
    /// An ordinary card: PIN and face both offered.
    Standard,
    /// A face-auth-only card: face or staff visual check only, never PIN.
    FaceAuthOnly(Vec<FaceOnlyReason>),
}

impl CardKind {
    /// Whether the PIN may be offered to the patient.
    pub fn offers_pin(&self) -> bool {
        matches!(self, Self::Standard)
    }
}

impl KindSignals {
    /// Decides the kind. Any face-only signal wins.
    pub fn decide(&self) -> CardKind {
        let mut reasons = Vec::new();
        if self.signing_cert_present == Some(false) {
            reasons.push(FaceOnlyReason::NoSigningCertificate);
        }
        if self.auth_pin == Some(PinStatus::NotSet) {
            reasons.push(FaceOnlyReason::NoUsablePin);
        }
        if self.amendment_face_mark == Some(FaceAuthMark::Present) {
            reasons.push(FaceOnlyReason::AmendmentMark);
        }
        if self.terminal_face_only == Some(true) {
            reasons.push(FaceOnlyReason::TerminalSaysFaceOnly);
        }
        if reasons.is_empty() { CardKind::Standard } else { CardKind::FaceAuthOnly(reasons) }
    }

    /// Reads the chip's signals: signing-certificate presence and the
    /// authentication PIN's retry count (non-consuming). Selects JPKI.
    pub fn probe<T: Transmit>(card: &mut Card<T>) -> Result<Self> {
        Self::probe_jpki(&mut JpkiAp::select(card)?)
    }

    /// [`KindSignals::probe`] on an already selected JPKI application.
    pub fn probe_jpki<T: Transmit>(ap: &mut JpkiAp<'_, T>) -> Result<Self> {
        let signing_cert_present = Some(ap.has_signing_cert()?);
        let auth_pin = Some(ap.auth_pin_status()?);
        Ok(Self { signing_cert_present, auth_pin, ..Self::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::ScriptedCard;

    #[test]
    fn no_signal_means_a_standard_card() {
        assert_eq!(KindSignals::default().decide(), CardKind::Standard);
    }

    #[test]
    fn a_blocked_pin_alone_does_not_make_a_card_face_only() {
        let s =
            KindSignals { signing_cert_present: Some(true), auth_pin: Some(PinStatus::Blocked), ..Default::default() };
        assert_eq!(s.decide(), CardKind::Standard);
    }

    #[test]
    fn a_struck_through_mark_means_a_card_switched_back_to_normal() {
        let s = KindSignals {
            amendment_face_mark: Some(FaceAuthMark::Cancelled),
            signing_cert_present: Some(true),
            auth_pin: Some(PinStatus::Tries(3)),
            ..Default::default()
        };
        assert_eq!(s.decide(), CardKind::Standard);
    }

    #[test]
    fn any_single_face_only_signal_makes_the_card_face_only() {
        let cases = [
            KindSignals { signing_cert_present: Some(false), ..Default::default() },
            KindSignals { auth_pin: Some(PinStatus::NotSet), ..Default::default() },
            KindSignals {
                amendment_face_mark: Some(FaceAuthMark::Present),
                signing_cert_present: Some(true),
                ..Default::default()
            },
            KindSignals { terminal_face_only: Some(true), ..Default::default() },
        ];
        for s in cases {
            assert!(!s.decide().offers_pin(), "{s:?}");
        }
    }

    #[test]
    fn a_standard_card_offers_the_pin() {
        assert!(CardKind::Standard.offers_pin());
    }

    const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";

    #[test]
    fn probing_a_face_auth_only_card_finds_no_signing_certificate_and_no_pin() {
        let m = ScriptedCard::new()
            .expect(SELECT_JPKI, "9000")
            .expect("00A4020C020001", "6A82")
            .expect("00A4020C020018", "6A82");
        let mut card = Card::new(m);
        let s = KindSignals::probe(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((s.signing_cert_present, s.auth_pin), (Some(false), Some(PinStatus::NotSet)));
        assert!(!s.decide().offers_pin());
    }

    #[test]
    fn probing_a_standard_card_reads_its_tries_without_spending_one() {
        let m = ScriptedCard::new()
            .expect(SELECT_JPKI, "9000")
            .expect("00A4020C020001", "9000")
            .expect("00A4020C020018", "9000")
            .expect("00200080", "63C2");
        let mut card = Card::new(m);
        let s = KindSignals::probe(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((s.signing_cert_present, s.auth_pin), (Some(true), Some(PinStatus::Tries(2))));
        assert_eq!(s.decide(), CardKind::Standard);
    }
}
