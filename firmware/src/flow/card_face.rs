//! The card face read in the background (DESIGN.md §6): where that read
//! stands, what waits for it (the face check, the visual check), and what
//! its outcome changes (the PIN withdrawn by a 「顔認証」 mark, the screen's
//! words when the card face could not be read).

use std::time::Duration;

use uketsuke_screen::FaceFailure;

use super::Flow;
use super::state::State;
use super::types::{Action, CardFaceOutcome, CardFaceProblem, Date};

/// Where the background read of the card face stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CardFaceState {
    /// Not asked for (no card).
    Unknown,
    /// Being read.
    Reading,
    /// The record is open.
    Ready(Date),
    /// Not read, and why.
    Failed(CardFaceProblem),
}

/// What the patient is waiting for while the card face is still being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waiting {
    /// 顔認証 was tapped.
    Face,
    /// The visual check was asked for.
    Visual,
}

impl Flow {
    /// The visual check needs the card-face record (the photo staff compare,
    /// and the chip's proof): not when the card face could not be read.
    pub(super) fn visual_offered(&self) -> bool {
        !matches!(self.card_face, CardFaceState::Failed(_))
    }

    /// Starts the face check or the visual check once the card-face record
    /// is open: at once if it is, after the background read if it is still
    /// going (the patient sees the card being read), and with a new read of
    /// the card face if the last one failed (the patient moved a thumb or
    /// placed the card again).
    pub(super) fn when_card_face_ready(&mut self, now: Duration, want: Waiting) {
        match self.card_face {
            CardFaceState::Ready(_) => self.start(now, want),
            CardFaceState::Reading => self.go(now, State::PreparingFace(want)),
            CardFaceState::Failed(_) if want == Waiting::Visual => {}
            CardFaceState::Failed(_) | CardFaceState::Unknown => {
                self.actions.push_back(Action::ReadCardFace);
                self.card_face = CardFaceState::Reading;
                self.go(now, State::PreparingFace(want));
            }
        }
    }

    fn start(&mut self, now: Duration, want: Waiting) {
        match want {
            Waiting::Face => self.start_face(now),
            Waiting::Visual => self.start_visual_check(now),
        }
    }

    pub(super) fn card_face_read(&mut self, now: Duration, outcome: CardFaceOutcome, face_only: bool) {
        self.card_face = match outcome {
            CardFaceOutcome::Ready { birth_date } => CardFaceState::Ready(birth_date),
            CardFaceOutcome::NotRead(p) => CardFaceState::Failed(p),
        };
        if matches!(self.state, State::MethodSelect | State::FaceFailed(_)) {
            // The PIN button shows now that the mark is known (or stays hidden).
            self.screen_changed = true;
        }
        if face_only && let Some(f) = self.facts.as_mut().filter(|f| !f.face_only) {
            // The card face shows 「顔認証」: the PIN is withdrawn.
            f.face_only = true;
            self.screen_changed = true;
            if matches!(self.state, State::Pin { .. }) {
                self.pin.clear();
                self.go(now, State::MethodSelect);
            }
        }
        let State::PreparingFace(want) = self.state else { return };
        match outcome {
            CardFaceOutcome::Ready { .. } => self.start(now, want),
            CardFaceOutcome::NotRead(CardFaceProblem::CardRemoved) => {}
            CardFaceOutcome::NotRead(p) => self.go(now, State::FaceFailed(failure_of(p))),
        }
    }

    /// The birth date from the card-face record, once read.
    pub(super) fn birth_date(&self) -> Option<Date> {
        match self.card_face {
            CardFaceState::Ready(d) => Some(d),
            _ => None,
        }
    }
}

/// The screen's words for a card face that could not be read.
fn failure_of(problem: CardFaceProblem) -> FaceFailure {
    match problem {
        CardFaceProblem::Thumb => FaceFailure::CardFaceCovered,
        CardFaceProblem::Glare => FaceFailure::CardFaceGlare,
        CardFaceProblem::PlaceAgain => FaceFailure::CardFaceUnreadable,
        CardFaceProblem::Refused
        | CardFaceProblem::NoTriesLeft
        | CardFaceProblem::NotGenuine
        | CardFaceProblem::Unavailable
        | CardFaceProblem::CardRemoved => FaceFailure::CardFaceNotUsable,
    }
}
