//! The face path of the flow: starting and stopping the check, and what
//! its outcome leads to (DESIGN.md §1: a match to the terminal; a failure to
//! the other ways, the staff's check first after a second failure; a
//! presentation attack to the staff's check without the PIN).

use std::time::Duration;

use uketsuke_screen::FaceFailure;

use super::Flow;
use super::state::State;
use super::types::{Action, FaceLive, Method};
use crate::face::decision::{NoMatchReason, Outcome};

impl Flow {
    /// The face check's outcome.
    pub(super) fn face_done(&mut self, now: Duration, outcome: Outcome) {
        match outcome {
            Outcome::Match { .. } => self.authenticate(now, Method::Face),
            Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. } => {
                self.go(now, State::FaceFailed(FaceFailure::PresentationAttack));
            }
            Outcome::NoMatch { reason: NoMatchReason::ChallengeFailed, .. } => {
                self.face_failed(now, FaceFailure::ChallengeFailed);
            }
            Outcome::NoMatch { .. } => self.face_failed(now, FaceFailure::NoMatch),
            Outcome::Inconclusive(_) => self.face_failed(now, FaceFailure::Inconclusive),
        }
    }

    /// A face check ended without a match: the second time in a session,
    /// the staff's visual check is offered first (when it can be done).
    fn face_failed(&mut self, now: Duration, reason: FaceFailure) {
        self.face_failures = self.face_failures.saturating_add(1);
        let reason = if self.face_failures >= 2 && self.visual_offered() { FaceFailure::FailedTwice } else { reason };
        self.go(now, State::FaceFailed(reason));
    }

    pub(super) fn start_face(&mut self, now: Duration) {
        self.face_live = FaceLive::default();
        self.actions.push_back(Action::StartFaceCapture);
        self.go(now, State::Face);
    }

    /// Stops the face check if it is running.
    pub(super) fn stop_face_capture(&mut self) {
        if matches!(self.state, State::Face) {
            self.actions.push_back(Action::StopFaceCapture);
        }
    }
}
