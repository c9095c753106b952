//! The card side of a session, run on blocking threads: the quick read
//! when the card is placed, the PIN verification, and the signatures over
//! the terminal's nonce. (The card face is opened in `card_face`.) PIN rules (DESIGN.md §5) live in the driver: the retry
//! count is read first and a blocked PIN is never sent.

use sha2::{Digest, Sha256};
use uketsuke_driver::ap::face::FaceAp;
use uketsuke_driver::ap::jpki::{self, JpkiAp};
use uketsuke_driver::ap::sha256_digest_info;
use uketsuke_driver::hal::reader::CardReader;
use uketsuke_driver::hal::surface::DynCardSurface;
use uketsuke_driver::kind::KindSignals;
use uketsuke_driver::reading::summarize;
use uketsuke_driver::secret::Pin;
use uketsuke_driver::{Card, Error, PinStatus, TransportError};

use super::session::Session;
use crate::flow::types::{CardFacts, CardProblem, Date, Method, PinResult};

/// The card-surface scanner, shared by the sessions.
pub type SharedSurface = std::sync::Mutex<Box<DynCardSurface>>;

/// Reads a freshly placed card for the method-select screen: its kind
/// and the PIN's tries (non-consuming), and the authentication
/// certificate. Nothing else: the card face and its record are read in
/// the background afterwards ([`super::card_face::open`]).
#[tracing::instrument(name = "stage", skip_all, fields(name = "read_card"))]
pub fn read(
    reader: &dyn CardReader,
    placed_on: Option<&str>,
    today: Date,
    id: String,
) -> Result<(CardFacts, Session), CardProblem> {
    let started = std::time::Instant::now();
    let Some(placed_on) = placed_on else {
        tracing::warn!("a card was reported without its reader");
        return Err(CardProblem::Unreadable);
    };
    let mut card = Card::new(reader.connect(placed_on).map_err(|e| {
        tracing::warn!(error = %e, "cannot connect to the card");
        CardProblem::Unreadable
    })?);
    let summary = summarize(&mut card).map_err(|e| {
        tracing::warn!(error = %e, "card read failed");
        match e {
            Error::NotMyNumberCard => CardProblem::NotMyNumberCard,
            _ => CardProblem::Unreadable,
        }
    })?;
    let pin_tries = match summary.auth_pin {
        PinStatus::Tries(n) => n,
        PinStatus::Verified => 3,
        PinStatus::Blocked | PinStatus::NotSet => 0,
    };
    let facts = CardFacts { face_only: !summary.kind.offers_pin(), pin_tries, today };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(face_only = facts.face_only, pin_tries, apdus = card.apdu_count(), elapsed_ms, "card read");
    let card_id = Sha256::digest(&summary.auth_cert.der).into();
    let signals = KindSignals {
        signing_cert_present: Some(summary.signing_cert_present),
        auth_pin: Some(summary.auth_pin),
        ..KindSignals::default()
    };
    let session = Session {
        id,
        card,
        card_id,
        signals,
        certificate: summary.auth_cert.der,
        record: None,
        host: None,
        signed_ahead: None,
        face: None,
    };
    Ok((facts, session))
}

/// Verifies the PIN the patient just typed. Afterwards the JPKI
/// application stays selected with the PIN verified, for the signature.
/// A card whose face shows 「顔認証」 (learnt after the PIN was offered)
/// gets no VERIFY at all.
#[tracing::instrument(name = "stage", skip_all, fields(name = "verify_pin"))]
pub fn verify_pin(session: &mut Session, pin: &Pin) -> PinResult {
    if !session.signals.decide().offers_pin() {
        tracing::warn!("the card face shows a face-auth-only card: the PIN is not sent");
        return PinResult::NotOffered;
    }
    let started = std::time::Instant::now();
    let result = JpkiAp::select(&mut session.card).and_then(|mut ap| ap.verify_auth_pin(pin));
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(correct = result.is_ok(), elapsed_ms, "PIN verification answered");
    match result {
        Ok(()) => PinResult::Correct,
        Err(Error::PinIncorrect { retries: 0 } | Error::PinBlocked) => PinResult::Blocked,
        Err(Error::PinIncorrect { retries }) => PinResult::Wrong(retries),
        Err(e) if card_left(&e) => {
            tracing::warn!(error = %e, "the card left during the PIN verification");
            PinResult::CardRemoved
        }
        Err(e) => {
            tracing::warn!(error = %e, "PIN verification did not complete: the card or reader failed");
            PinResult::CardError
        }
    }
}

/// Whether a card error means the card left.
pub fn card_left(e: &Error) -> bool {
    matches!(e, Error::Transport(TransportError::CardRemoved | TransportError::NoCard))
}

/// Signs the context digest (`host::evidence::EvidenceContext::digest`, never
/// bytes from the network) on the card for `method`: the JPKI
/// authentication key after the PIN (`80 2A 00 80`), or the card-face AP's
/// credential-free chip signature (`80 2A 00 00`) for the face and visual
/// paths. The card signs the DigestInfo carrying the digest: a PKCS#1 v1.5
/// SHA-256 signature over the context itself.
#[tracing::instrument(name = "stage", skip_all, fields(name = "sign_context"))]
pub fn sign_context(session: &mut Session, method: Method, context_digest: &[u8; 32]) -> Result<Vec<u8>, Error> {
    let digest_info = sha256_digest_info(context_digest);
    match method {
        // No SELECT of the application here: that would reset the verified PIN.
        Method::Pin => {
            session.card.select_ef(jpki::ef::AUTH_KEY)?;
            session.card.compute_signature(0x80, &digest_info)
        }
        Method::Face | Method::Visual => FaceAp::select(&mut session.card)?.chip_sign(&digest_info),
    }
}
