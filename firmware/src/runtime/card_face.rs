//! Opening the card-face application with 照合番号B read off the card face
//! (DESIGN.md §2), in the background while the method-select screen is up,
//! and the rules that keep its finite tries safe:
//!
//! - only a reading the scanner is confident of is sent;
//! - the retry count is read first, and the kiosk never takes the counter
//!   below [`CodeBPolicy::reserve`] tries;
//! - a value the card refused is remembered for that card (an HMAC under a
//!   key that lives only in memory) and never sent to it again, even after
//!   the card is placed again;
//! - after a refusal the card face is read again, and only a new, different,
//!   confident reading is sent; otherwise the patient is told, and the PIN
//!   or the staff's visual check remain.

use std::collections::VecDeque;
use std::sync::Mutex;

use ring::hmac;
use uketsuke_driver::ap::face::{CardFaceRecord, FaceAp};
use uketsuke_driver::ap::issuer::IssuerKey;
use uketsuke_driver::hal::surface::{FaceAuthMark, SurfaceGuidance};
use uketsuke_driver::secret::CheckCodeB;
use uketsuke_driver::{Error, PinStatus};

use super::card::{SharedSurface, card_left};
use super::session::Session;
use crate::flow::types::{CardFaceOutcome, CardFaceProblem};

/// How hard the kiosk tries, per placement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CodeBPolicy {
    /// Card-face scans per placement.
    pub max_scans: usize,
    /// 照合番号B VERIFYs per placement (the card allows a finite number).
    pub max_verifies: usize,
    /// Tries the kiosk always leaves on the card: it sends nothing when
    /// the card reports this many or fewer.
    pub reserve: u8,
    /// Lowest scanner confidence (0–1) a reading may have to be sent.
    pub min_confidence: f32,
}

impl Default for CodeBPolicy {
    fn default() -> Self {
        Self { max_scans: 3, max_verifies: 2, reserve: 2, min_confidence: 0.6 }
    }
}

/// Values each card refused, as HMACs under a key that never leaves memory.
pub struct RefusedCodes {
    key: hmac::Key,
    cards: VecDeque<([u8; 32], Vec<hmac::Tag>)>,
}

/// How many cards the kiosk remembers refused values for.
const REMEMBERED_CARDS: usize = 64;

impl Default for RefusedCodes {
    fn default() -> Self {
        let rng = ring::rand::SystemRandom::new();
        let key =
            hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| hmac::Key::new(hmac::HMAC_SHA256, b""));
        Self { key, cards: VecDeque::new() }
    }
}

impl RefusedCodes {
    /// Whether `card` already refused `code`.
    pub fn refused(&self, card: &[u8; 32], code: &CheckCodeB) -> bool {
        self.cards
            .iter()
            .filter(|(c, _)| c == card)
            .any(|(_, tags)| tags.iter().any(|t| hmac::verify(&self.key, code.expose(), t.as_ref()).is_ok()))
    }

    /// Remembers that `card` refused `code`.
    pub fn remember(&mut self, card: &[u8; 32], code: &CheckCodeB) {
        let tag = hmac::sign(&self.key, code.expose());
        if let Some((_, tags)) = self.cards.iter_mut().find(|(c, _)| c == card) {
            tags.push(tag);
            return;
        }
        if self.cards.len() >= REMEMBERED_CARDS {
            self.cards.pop_front();
        }
        self.cards.push_back((*card, vec![tag]));
    }
}

fn problem_of(guidance: Option<SurfaceGuidance>) -> CardFaceProblem {
    match guidance {
        Some(SurfaceGuidance::MoveThumb) => CardFaceProblem::Thumb,
        Some(SurfaceGuidance::Glare) => CardFaceProblem::Glare,
        _ => CardFaceProblem::PlaceAgain,
    }
}

/// Reads 照合番号B off the card face and opens the card-face record,
/// following the policy. Returns the outcome and the 追記欄 mark seen.
/// `current` says whether the session is still on (the card still placed):
/// once it is not, no further scan is made and nothing is sent.
#[tracing::instrument(name = "stage", skip_all, fields(name = "open_card_face"))]
pub fn open(
    session: &mut Session,
    surface: &SharedSurface,
    issuer: &IssuerKey,
    refused: &Mutex<RefusedCodes>,
    policy: &CodeBPolicy,
    current: &dyn Fn() -> bool,
) -> (CardFaceOutcome, FaceAuthMark) {
    let started = std::time::Instant::now();
    let mut mark = FaceAuthMark::Absent;
    let mut verifies = 0;
    let mut last = CardFaceProblem::PlaceAgain;
    for scan_no in 0..policy.max_scans {
        if !current() {
            return (CardFaceOutcome::NotRead(CardFaceProblem::CardRemoved), mark);
        }
        let scan = match surface.lock() {
            Ok(mut scanner) => scanner.scan(),
            Err(_) => return (CardFaceOutcome::NotRead(CardFaceProblem::Unavailable), mark),
        };
        let scan = match scan {
            Ok(scan) => scan,
            Err(e) => {
                tracing::warn!(error = %e, "the card-surface scanner failed");
                return (CardFaceOutcome::NotRead(CardFaceProblem::Unavailable), mark);
            }
        };
        if scan.mark != FaceAuthMark::Absent || scan_no == 0 {
            mark = scan.mark;
        }
        let Some(code) = scan.code_b.filter(|_| scan.confidence >= policy.min_confidence) else {
            tracing::info!(
                scan = scan_no + 1,
                guidance = scan.guidance.map(SurfaceGuidance::code),
                "card face not read"
            );
            last = if last == CardFaceProblem::Refused { last } else { problem_of(scan.guidance) };
            continue;
        };
        if !current() {
            return (CardFaceOutcome::NotRead(CardFaceProblem::CardRemoved), mark);
        }
        let already = refused.lock().map_or(true, |r| r.refused(&session.card_id, &code));
        if already {
            tracing::info!(scan = scan_no + 1, "the card face read as a value this card already refused: not sent");
            last = CardFaceProblem::Refused;
            continue;
        }
        if verifies >= policy.max_verifies {
            break;
        }
        verifies += 1;
        match verify_and_read(session, &code, policy.reserve) {
            Ok(record) => return (accept(session, record, issuer, started), mark),
            Err(Error::PinIncorrect { retries }) => {
                tracing::warn!(retries, "the card refused 照合番号B read from its face");
                if let Ok(mut r) = refused.lock() {
                    r.remember(&session.card_id, &code);
                }
                last = CardFaceProblem::Refused;
            }
            Err(Error::PinBlocked) => {
                tracing::warn!("照合番号B has no tries the kiosk may spend");
                return (CardFaceOutcome::NotRead(CardFaceProblem::NoTriesLeft), mark);
            }
            Err(e) if card_left(&e) => return (CardFaceOutcome::NotRead(CardFaceProblem::CardRemoved), mark),
            Err(e) => {
                tracing::warn!(error = %e, "照合番号B verification did not complete");
                return (CardFaceOutcome::NotRead(CardFaceProblem::Unavailable), mark);
            }
        }
    }
    (CardFaceOutcome::NotRead(last), mark)
}

/// Reads the retry count first; sends only when more than `reserve` tries
/// remain; then reads the record in the same selection (selecting the
/// application again would drop the verified state).
fn verify_and_read(session: &mut Session, code: &CheckCodeB, reserve: u8) -> Result<CardFaceRecord, Error> {
    let mut face = FaceAp::select(&mut session.card)?;
    match face.check_code_b_status()? {
        PinStatus::Tries(n) if n > reserve => face.verify_check_code_b(code)?,
        PinStatus::Verified => {}
        PinStatus::Tries(_) | PinStatus::Blocked | PinStatus::NotSet => return Err(Error::PinBlocked),
    }
    face.read_record()
}

/// Keeps the record if its issuer signature holds.
fn accept(
    session: &mut Session,
    record: CardFaceRecord,
    issuer: &IssuerKey,
    started: std::time::Instant,
) -> CardFaceOutcome {
    if let Err(e) = issuer.verify_record(record.raw.expose()) {
        tracing::warn!(error = %e, "the card-face record is not genuine");
        return CardFaceOutcome::NotRead(CardFaceProblem::NotGenuine);
    }
    let birth_date = match record.birth_date.date() {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "the card-face record's birth date is malformed");
            return CardFaceOutcome::NotRead(CardFaceProblem::NotGenuine);
        }
    };
    session.record = Some(record);
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(apdus = session.card.apdu_count(), elapsed_ms, "card-face record read");
    CardFaceOutcome::Ready { birth_date }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> CheckCodeB {
        CheckCodeB::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn a_refused_value_is_remembered_for_that_card_only() {
        let mut r = RefusedCodes::default();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        r.remember(&a, &code("46051220314821"));
        assert!(r.refused(&a, &code("46051220314821")));
        assert!(!r.refused(&a, &code("46051220314822")));
        assert!(!r.refused(&b, &code("46051220314821")));
    }

    #[test]
    fn the_oldest_card_is_forgotten_first() {
        let mut r = RefusedCodes::default();
        for i in 0..=REMEMBERED_CARDS {
            r.remember(&[i as u8; 32], &code("46051220314821"));
        }
        assert!(!r.refused(&[0u8; 32], &code("46051220314821")));
        assert!(r.refused(&[REMEMBERED_CARDS as u8; 32], &code("46051220314821")));
    }
}
