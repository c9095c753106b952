//! Whole-card operations built from the applications: the summary an
//! operator sees, and the identity read the face path needs (the one
//! DESIGN.md §6 budgets at ≤ 25 APDUs).

use crate::ap::face::{CardFaceRecord, FaceAp};
use crate::ap::jpki::JpkiAp;
use crate::ap::text::TextAp;
use crate::card::{Card, PinStatus};
use crate::cert::CertificateInfo;
use crate::error::Result;
use crate::kind::{CardKind, KindSignals};
use crate::secret::CheckCodeB;
use crate::transmit::Transmit;

/// What can be learnt from a card without any credential.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CardSummary {
    /// Standard or face-auth-only, with the reasons.
    pub kind: CardKind,
    /// The JPKI authentication certificate.
    pub auth_cert: CertificateInfo,
    /// Tries left on the authentication PIN (non-consuming query).
    pub auth_pin: PinStatus,
    /// Whether the signing certificate exists.
    pub signing_cert_present: bool,
    /// Tries left on the text application's PIN (its own counter).
    pub text_pin: PinStatus,
}

/// Reads the summary: kind signals, authentication certificate and PIN
/// state. Spends no try.
#[tracing::instrument(name = "card_summary", skip_all)]
pub fn summarize<T: Transmit>(card: &mut Card<T>) -> Result<CardSummary> {
    let mut jpki = JpkiAp::select(card)?;
    let signals = KindSignals::probe_jpki(&mut jpki)?;
    let auth_cert = jpki.read_auth_cert()?;
    let text_pin = TextAp::select(card)?.pin_status()?;
    Ok(CardSummary {
        text_pin,
        kind: signals.decide(),
        auth_cert,
        auth_pin: signals.auth_pin.unwrap_or(PinStatus::NotSet),
        signing_cert_present: signals.signing_cert_present.unwrap_or(false),
    })
}

/// The read the face path needs: select JPKI, read the authentication
/// certificate, select the card-face AP, verify 照合番号B and read the
/// card-face record with the photo.
#[tracing::instrument(name = "card_face_read", skip_all)]
pub fn read_face_evidence<T: Transmit>(
    card: &mut Card<T>,
    code: &CheckCodeB,
) -> Result<(CertificateInfo, CardFaceRecord)> {
    let cert = JpkiAp::select(card)?.read_auth_cert()?;
    let mut face = FaceAp::select(card)?;
    face.verify_check_code_b(code)?;
    let record = face.read_record()?;
    Ok((cert, record))
}
