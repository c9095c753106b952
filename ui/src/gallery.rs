//! Every screen in each state worth seeing, by name: what
//! `uketsuke-ui gallery` renders and the screenshot tests compare.

use crate::model::{FaceFailure, Guidance, Outcome, Question, Screen, Shown};

fn s(screen: Screen) -> Shown {
    Shown { screen, timeout_warning: false }
}

fn pin(entered: u8, tries_left: u8, previous_wrong: bool) -> Screen {
    Screen::PinEntry { entered, tries_left, last_try_warning: tries_left == 1, previous_wrong }
}

/// The gallery's states, in the order of a session.
pub fn states() -> Vec<(&'static str, Shown)> {
    vec![
        ("01-idle", s(Screen::Idle)),
        ("02-reading", s(Screen::Reading)),
        ("03-not-my-number-card", s(Screen::CardProblem { foreign: true })),
        ("04-unreadable-card", s(Screen::CardProblem { foreign: false })),
        ("05-method-select", s(Screen::MethodSelect { pin_offered: true })),
        ("06-method-select-face-only", s(Screen::MethodSelect { pin_offered: false })),
        ("07-face-capture", s(Screen::FaceCapture { guidance: None })),
        ("08-face-capture-too-far", s(Screen::FaceCapture { guidance: Some(Guidance::TooFar) })),
        ("09-face-failed", s(Screen::FaceFailed { reason: FaceFailure::NoMatch, pin_offered: true })),
        (
            "10-face-failed-photo-shown",
            s(Screen::FaceFailed { reason: FaceFailure::PresentationAttack, pin_offered: false }),
        ),
        ("11-pin-entry", s(pin(0, 3, false))),
        ("12-pin-two-digits", s(pin(2, 3, false))),
        ("13-pin-wrong", s(pin(0, 2, true))),
        ("14-pin-last-try", s(pin(0, 1, true))),
        ("15-pin-checking", s(Screen::PinChecking)),
        ("16-pin-blocked", s(Screen::PinBlocked)),
        ("17-visual-check", s(Screen::VisualCheck)),
        ("18-authenticating", s(Screen::Authenticating)),
        ("19-consent-1", s(Screen::Consent { question: Question::Surgery, number: 1, of: 3 })),
        ("20-consent-2", s(Screen::Consent { question: Question::TreatmentAndMedication, number: 2, of: 3 })),
        ("21-consent-3-over-40", s(Screen::Consent { question: Question::HealthCheckups, number: 3, of: 3 })),
        ("22-registration", s(Screen::Registration)),
        ("23-registering", s(Screen::Registering)),
        ("24-registration-done", s(Screen::RegistrationDone)),
        ("25-saving", s(Screen::Saving)),
        ("26-result-done", s(Screen::Result(Outcome::Done))),
        (
            "27-result-error-006",
            s(Screen::Result(Outcome::Refused {
                code: "006".into(),
                message: "利用者証明用電子証明書の有効期限が切れているか、失効しています。".into(),
            })),
        ),
        ("28-result-rejected-by-staff", s(Screen::Result(Outcome::RejectedByStaff))),
        ("29-result-not-registered", s(Screen::Result(Outcome::NotRegistered))),
        ("30-result-ended", s(Screen::Result(Outcome::Ended))),
        ("31-host-unavailable", s(Screen::HostUnavailable)),
        ("32-take-card", s(Screen::TakeCard)),
        ("33-reader-unavailable", s(Screen::ReaderUnavailable)),
        ("34-timeout-warning", Shown { screen: Screen::MethodSelect { pin_offered: true }, timeout_warning: true }),
    ]
}
