//! The flow's states, and the screen each one shows.

use uketsuke_screen::{CardProblem, ConsentQuestion, FaceFailure, ResultView, View};

use super::Flow;
use super::types::Method;

/// The session state.
#[derive(Debug)]
pub(super) enum State {
    Idle,
    Reading,
    CardProblem(CardProblem),
    MethodSelect,
    /// Waiting for the background card-face read before the face or the
    /// visual check can start.
    PreparingFace(super::Waiting),
    Face,
    FaceFailed(FaceFailure),
    Pin {
        previous_wrong: bool,
    },
    PinChecking,
    PinBlocked,
    VisualCheck,
    Authenticating(Method),
    Registration(Method),
    Registering(Method),
    RegistrationDone(Method),
    Consent {
        method: Method,
        questions: Vec<ConsentQuestion>,
        answers: Vec<(ConsentQuestion, bool)>,
    },
    Saving(Method),
    Result(ResultView),
    HostUnavailable,
    TakeCard,
    ReaderUnavailable,
}

impl State {
    /// Screens where the patient must act, and which time out.
    pub(super) fn patient_facing(&self) -> bool {
        matches!(
            self,
            Self::MethodSelect
                | Self::Face
                | Self::FaceFailed(_)
                | Self::Pin { .. }
                | Self::PinBlocked
                | Self::Registration(_)
                | Self::Consent { .. }
        )
    }
}

impl Flow {
    /// The screen for the current state.
    pub(super) fn view(&self) -> View {
        match &self.state {
            State::Idle => View::Idle,
            State::Reading => View::Reading,
            State::CardProblem(p) => View::CardProblem { problem: *p },
            State::MethodSelect => View::MethodSelect { pin_offered: self.pin_shown() },
            State::PreparingFace(_) => View::Reading,
            State::Face => View::FaceCapture { guidance: self.face_live.guidance, challenge: self.face_live.challenge },
            State::FaceFailed(reason) => View::FaceFailed {
                reason: *reason,
                pin_offered: self.pin_shown() && *reason != FaceFailure::PresentationAttack,
                visual_offered: self.visual_offered(),
            },
            State::Pin { previous_wrong } => View::PinEntry {
                entered: self.pin.len() as u8,
                tries_left: self.tries,
                last_try_warning: self.tries == 1,
                previous_wrong: *previous_wrong,
            },
            State::PinChecking => View::PinChecking,
            State::PinBlocked => View::PinBlocked,
            State::VisualCheck => View::VisualCheck,
            State::Authenticating(_) => View::Authenticating,
            State::Registration(_) => View::Registration,
            State::Registering(_) => View::Registering,
            State::RegistrationDone(_) => View::RegistrationDone,
            State::Consent { questions, answers, .. } => View::Consent {
                question: questions.get(answers.len()).copied().unwrap_or(ConsentQuestion::Surgery),
                number: answers.len() + 1,
                of: questions.len(),
            },
            State::Saving(_) => View::Saving,
            State::Result(r) => View::Result(r.clone()),
            State::HostUnavailable => View::HostUnavailable,
            State::TakeCard => View::TakeCard,
            State::ReaderUnavailable => View::ReaderUnavailable,
        }
    }
}
