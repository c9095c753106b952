//! Every screen in each state worth seeing, by name: what
//! `uketsuke-ui gallery` renders and the screenshot tests compare.

use uketsuke_screen::{
    CardProblem, Challenge, ConsentQuestion as Question, FaceFailure, Guidance, Method, ResultView, Screen, View,
};

fn s(view: View) -> Screen {
    Screen::new(view)
}

fn pin(entered: u8, tries_left: u8, previous_wrong: bool) -> View {
    View::PinEntry { entered, tries_left, last_try_warning: tries_left == 1, previous_wrong }
}

/// The gallery's states, in the order of a session.
pub fn states() -> Vec<(&'static str, Screen)> {
    vec![
        ("01-idle", s(View::Idle)),
        ("02-reading", s(View::Reading)),
        ("03-not-my-number-card", s(View::CardProblem { problem: CardProblem::NotMyNumberCard })),
        ("04-unreadable-card", s(View::CardProblem { problem: CardProblem::Unreadable })),
        ("05-method-select", s(View::MethodSelect { pin_offered: true })),
        ("06-method-select-face-only", s(View::MethodSelect { pin_offered: false })),
        ("07-face-capture", s(View::FaceCapture { guidance: None, challenge: None })),
        ("08-face-capture-too-far", s(View::FaceCapture { guidance: Some(Guidance::TooFar), challenge: None })),
        (
            "09-face-failed",
            s(View::FaceFailed { reason: FaceFailure::NoMatch, pin_offered: true, visual_offered: true }),
        ),
        (
            "10-face-failed-photo-shown",
            s(View::FaceFailed { reason: FaceFailure::PresentationAttack, pin_offered: false, visual_offered: true }),
        ),
        ("11-pin-entry", s(pin(0, 3, false))),
        ("12-pin-two-digits", s(pin(2, 3, false))),
        ("13-pin-wrong", s(pin(0, 2, true))),
        ("14-pin-last-try", s(pin(0, 1, true))),
        ("15-pin-checking", s(View::PinChecking)),
        ("16-pin-blocked", s(View::PinBlocked)),
        ("17-visual-check", s(View::VisualCheck)),
        ("18-authenticating", s(View::Authenticating)),
        ("19-consent-1", s(View::Consent { question: Question::Surgery, number: 1, of: 3 })),
        ("20-consent-2", s(View::Consent { question: Question::TreatmentAndMedication, number: 2, of: 3 })),
        ("21-consent-3-over-40", s(View::Consent { question: Question::HealthCheckups, number: 3, of: 3 })),
        ("22-registration", s(View::Registration)),
        ("23-registering", s(View::Registering)),
        ("24-registration-done", s(View::RegistrationDone)),
        ("25-saving", s(View::Saving)),
        ("26-result-done", s(View::Result(ResultView::Done { method: Method::Face }))),
        (
            "27-result-error-006",
            s(View::Result(ResultView::Refused {
                code: "006".into(),
                message: "利用者証明用電子証明書の有効期限が切れているか、失効しています。".into(),
            })),
        ),
        ("28-result-rejected-by-staff", s(View::Result(ResultView::RejectedByStaff))),
        ("29-result-not-registered", s(View::Result(ResultView::NotRegistered))),
        ("30-result-ended", s(View::Result(ResultView::Ended))),
        ("31-host-unavailable", s(View::HostUnavailable)),
        ("32-take-card", s(View::TakeCard)),
        ("33-reader-unavailable", s(View::ReaderUnavailable)),
        ("34-timeout-warning", Screen { view: View::MethodSelect { pin_offered: true }, timeout_warning: true }),
        (
            "35-card-face-covered",
            s(View::FaceFailed { reason: FaceFailure::CardFaceCovered, pin_offered: true, visual_offered: false }),
        ),
        (
            "36-card-face-not-usable",
            s(View::FaceFailed { reason: FaceFailure::CardFaceNotUsable, pin_offered: true, visual_offered: false }),
        ),
        (LANGUAGE_CHOOSER, s(View::MethodSelect { pin_offered: true })),
        ("38-face-capture-too-low", s(View::FaceCapture { guidance: Some(Guidance::TooLow), challenge: None })),
        (
            "39-face-failed-twice",
            s(View::FaceFailed { reason: FaceFailure::FailedTwice, pin_offered: true, visual_offered: true }),
        ),
        (ABOUT, s(View::Idle)),
        ("41-face-capture-turn-left", s(View::FaceCapture { guidance: None, challenge: Some(Challenge::TurnLeft) })),
        ("42-face-capture-blink", s(View::FaceCapture { guidance: None, challenge: Some(Challenge::Blink) })),
        ("43-face-capture-mask", s(View::FaceCapture { guidance: Some(Guidance::Mask), challenge: None })),
        (
            "44-face-failed-challenge",
            s(View::FaceFailed { reason: FaceFailure::ChallengeFailed, pin_offered: true, visual_offered: true }),
        ),
    ]
}

/// The state showing the language chooser (over method select): the
/// chooser is the touchscreen's own, not a screen of the flow.
pub const LANGUAGE_CHOOSER: &str = "37-language-chooser";
/// The state showing the about panel (over idle): the voice's and the
/// fonts' credits.
pub const ABOUT: &str = "40-about";

/// Puts the gallery state `name` (its `screen`) on `app`.
pub fn show_state(app: &crate::App, name: &str, screen: &Screen) {
    use slint::ComponentHandle;
    let kiosk = app.global::<crate::Kiosk>();
    crate::show(&kiosk, screen);
    kiosk.set_choosing_language(name == LANGUAGE_CHOOSER);
    kiosk.set_showing_about(name == ABOUT);
}

/// Every state the voice can speak: the gallery's states, every face
/// guidance and every reason a face check fails. `uketsuke-ui speak`
/// writes one WAV for each.
pub fn spoken_states() -> Vec<(String, Screen)> {
    let mut all: Vec<(String, Screen)> = states().into_iter().map(|(n, s)| (n.to_owned(), s)).collect();
    for g in [
        Guidance::NoFace,
        Guidance::MultipleFaces,
        Guidance::TooClose,
        Guidance::OffCentre,
        Guidance::TooDark,
        Guidance::TooBright,
        Guidance::Blurred,
        Guidance::HeadTurned,
        Guidance::TooHigh,
        Guidance::Tilted,
        Guidance::Sunglasses,
        Guidance::HatShadow,
    ] {
        let name: &'static str = g.into();
        all.push((
            format!("guidance-{}", name.replace('_', "-")),
            s(View::FaceCapture { guidance: Some(g), challenge: None }),
        ));
    }
    all.push((
        "face-capture-turn-right".to_owned(),
        s(View::FaceCapture { guidance: None, challenge: Some(Challenge::TurnRight) }),
    ));
    for reason in [FaceFailure::Inconclusive, FaceFailure::CardFaceGlare, FaceFailure::CardFaceUnreadable] {
        let name: &'static str = reason.into();
        let view = View::FaceFailed { reason, pin_offered: true, visual_offered: true };
        all.push((format!("face-failed-{}", name.replace('_', "-")), s(view)));
    }
    all
}
