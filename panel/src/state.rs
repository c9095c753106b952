//! What the status panel shows, from the same [`Screen`] the touchscreen
//! shows: the kiosk's state and, when staff are needed, a short code they
//! can read from across the desk and look up in `docs/vendor-guide.md`.

use uketsuke_screen::{CardProblem, FaceFailure, ResultView, Screen, View};

/// The kiosk's state, as the status panel shows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PanelState {
    /// Waiting for a card.
    Idle,
    /// Reading the card.
    Reading,
    /// The patient is choosing how to identify.
    Select,
    /// The face check.
    Face,
    /// PIN entry.
    Pin,
    /// Staff are comparing the card photo with the patient (目視).
    Staff,
    /// The consent questions, or the registration question.
    Consent,
    /// Waiting for the reception terminal.
    Sending,
    /// Identified and answered.
    Done,
    /// The session ended without an identification (ended, not registered).
    Ended,
    /// The patient needs staff: the code says why.
    Error(Code),
    /// The kiosk cannot be used until a device or the terminal is back.
    OutOfService(Code),
}

/// A short code for staff: a letter for the part (`C` card, `P` PIN, `F`
/// face, `T` terminal, `S` staff, `H` host link, `R` reader) and digits.
/// At most five ASCII letters and digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Code(String);

impl Code {
    fn new(part: char, detail: &str) -> Self {
        let digits: String = detail.chars().filter(char::is_ascii_alphanumeric).take(4).collect();
        Self(format!("{part}{}", if digits.is_empty() { "00" } else { &digits }))
    }

    /// As shown: `E-C01`.
    pub fn shown(&self) -> String {
        format!("E-{}", self.0)
    }
}

impl PanelState {
    /// The label key in `labels.rs`.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Reading => "reading",
            Self::Select => "select",
            Self::Face => "face",
            Self::Pin => "pin",
            Self::Staff => "staff",
            Self::Consent => "consent",
            Self::Sending => "sending",
            Self::Done => "done",
            Self::Ended => "ended",
            Self::Error(_) => "error",
            Self::OutOfService(_) => "out_of_service",
        }
    }

    /// The code, for the states that have one.
    pub fn code(&self) -> Option<&Code> {
        match self {
            Self::Error(c) | Self::OutOfService(c) => Some(c),
            _ => None,
        }
    }

    /// One of each state, for galleries and tests (codes are examples).
    pub fn every() -> Vec<Self> {
        vec![
            Self::Idle,
            Self::Reading,
            Self::Select,
            Self::Face,
            Self::Pin,
            Self::Staff,
            Self::Consent,
            Self::Sending,
            Self::Done,
            Self::Ended,
            Self::Error(Code::new('T', "006")),
            Self::OutOfService(Code::new('R', "01")),
        ]
    }
}

/// One screen of the session for each state, in [`PanelState::every`]'s
/// order: what a demonstration (the Linux examples) feeds a panel.
pub fn sample_screens() -> Vec<Screen> {
    use uketsuke_screen::{ConsentQuestion, Method};
    [
        View::Idle,
        View::Reading,
        View::MethodSelect { pin_offered: true },
        View::FaceCapture { guidance: None, challenge: None },
        View::PinEntry { entered: 2, tries_left: 3, last_try_warning: false, previous_wrong: false },
        View::VisualCheck,
        View::Consent { question: ConsentQuestion::Surgery, number: 1, of: 3 },
        View::Authenticating,
        View::Result(ResultView::Done { method: Method::Face }),
        View::Result(ResultView::Ended),
        View::Result(ResultView::Refused { code: "006".into(), message: String::new() }),
        View::ReaderUnavailable,
    ]
    .into_iter()
    .map(Screen::new)
    .collect()
}

impl From<&Screen> for PanelState {
    fn from(screen: &Screen) -> Self {
        match &screen.view {
            View::Idle => Self::Idle,
            View::Reading => Self::Reading,
            View::MethodSelect { .. } => Self::Select,
            View::FaceCapture { .. } => Self::Face,
            View::PinEntry { .. } | View::PinChecking => Self::Pin,
            View::VisualCheck => Self::Staff,
            View::Consent { .. } | View::Registration => Self::Consent,
            View::Authenticating | View::Registering | View::Saving => Self::Sending,
            View::RegistrationDone | View::TakeCard | View::Result(ResultView::Done { .. }) => Self::Done,
            View::Result(ResultView::Ended | ResultView::NotRegistered) => Self::Ended,
            View::CardProblem { problem: CardProblem::NotMyNumberCard } => Self::Error(Code::new('C', "01")),
            View::CardProblem { problem: CardProblem::Unreadable } => Self::Error(Code::new('C', "02")),
            View::PinBlocked => Self::Error(Code::new('P', "01")),
            View::FaceFailed { reason, .. } => Self::Error(Code::new('F', face_code(*reason))),
            View::Result(ResultView::Refused { code, .. }) => Self::Error(Code::new('T', code)),
            View::Result(ResultView::RejectedByStaff) => Self::Error(Code::new('S', "01")),
            View::HostUnavailable => Self::OutOfService(Code::new('H', "01")),
            View::ReaderUnavailable => Self::OutOfService(Code::new('R', "01")),
        }
    }
}

fn face_code(reason: FaceFailure) -> &'static str {
    match reason {
        FaceFailure::NoMatch => "01",
        FaceFailure::Inconclusive => "02",
        FaceFailure::PresentationAttack => "03",
        FaceFailure::CardFaceCovered => "04",
        FaceFailure::CardFaceGlare => "05",
        FaceFailure::CardFaceUnreadable => "06",
        FaceFailure::CardFaceNotUsable => "07",
        FaceFailure::FailedTwice => "08",
        FaceFailure::ChallengeFailed => "09",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uketsuke_screen::{Guidance, Method};

    #[test]
    fn each_screen_of_a_session_maps_to_the_state_staff_expect() {
        let s = |v| PanelState::from(&Screen::new(v));
        assert_eq!(s(View::Idle), PanelState::Idle);
        assert_eq!(s(View::FaceCapture { guidance: Some(Guidance::TooDark), challenge: None }), PanelState::Face);
        assert_eq!(s(View::PinChecking), PanelState::Pin);
        assert_eq!(s(View::Result(ResultView::Done { method: Method::Pin })), PanelState::Done);
        assert_eq!(s(View::PinBlocked).code().map(Code::shown).as_deref(), Some("E-P01"));
        let face =
            s(View::FaceFailed { reason: FaceFailure::PresentationAttack, pin_offered: true, visual_offered: true });
        assert_eq!(face.code().map(Code::shown).as_deref(), Some("E-F03"));
        assert_eq!(s(View::ReaderUnavailable).key(), "out_of_service");
    }

    #[test]
    fn a_terminal_code_is_cut_to_four_letters_and_digits_whatever_the_terminal_sent() {
        let refused = |code: &str| {
            PanelState::from(&Screen::new(View::Result(ResultView::Refused { code: code.into(), message: "x".into() })))
        };
        assert_eq!(refused("006").code().map(Code::shown).as_deref(), Some("E-T006"));
        assert_eq!(refused("<script>99999</script>").code().map(Code::shown).as_deref(), Some("E-Tscri"));
        assert_eq!(refused("").code().map(Code::shown).as_deref(), Some("E-T00"));
        assert_eq!(refused("顔").code().map(Code::shown).as_deref(), Some("E-T00"));
    }

    #[test]
    fn the_sample_screens_show_every_state_in_order() {
        let shown: Vec<PanelState> = sample_screens().iter().map(PanelState::from).collect();
        assert_eq!(shown, PanelState::every());
    }

    #[test]
    fn every_state_has_a_label() {
        for s in PanelState::every() {
            assert!(crate::labels::LABELS.iter().any(|(k, _, _)| *k == s.key()), "{s:?}");
        }
    }
}
