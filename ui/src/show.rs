//! The one Rust↔Slint boundary: a [`Screen`] from the screen vocabulary is
//! put on the `Kiosk` global as typed properties, and the screens' typed
//! callbacks come back as [`Touch`]es.

use slint::ComponentHandle;
use uketsuke_screen::{
    CardProblem as Problem, Challenge as Movement, ConsentQuestion, FaceFailure as Failure, Guidance as Hint,
    ResultView, Screen, Touch, View,
};

use crate::{
    App, Button, CardProblem, Challenge, FaceFailure, Guidance, Kiosk, Language, Question, ResultKind, ScreenKind,
};

/// Puts `screen` on the adapter the screens read.
pub fn show(kiosk: &Kiosk<'_>, screen: &Screen) {
    let was = (kiosk.get_screen(), kiosk.get_timeout_warning());
    kiosk.set_timeout_warning(screen.timeout_warning);
    let kind = match &screen.view {
        View::Idle => ScreenKind::Idle,
        View::Reading => ScreenKind::Reading,
        View::CardProblem { problem } => {
            kiosk.set_problem(match problem {
                Problem::NotMyNumberCard => CardProblem::NotMyNumberCard,
                Problem::Unreadable => CardProblem::Unreadable,
            });
            ScreenKind::CardProblem
        }
        View::MethodSelect { pin_offered } => {
            kiosk.set_pin_offered(*pin_offered);
            ScreenKind::MethodSelect
        }
        View::FaceCapture { guidance, challenge } => {
            kiosk.set_guidance(guidance.map_or(Guidance::None, guidance_of));
            kiosk.set_challenge(match challenge {
                None => Challenge::None,
                Some(Movement::TurnLeft) => Challenge::TurnLeft,
                Some(Movement::TurnRight) => Challenge::TurnRight,
                Some(Movement::Blink) => Challenge::Blink,
            });
            ScreenKind::FaceCapture
        }
        View::FaceFailed { reason, pin_offered, visual_offered } => {
            kiosk.set_pin_offered(*pin_offered);
            kiosk.set_visual_offered(*visual_offered);
            kiosk.set_face_failure(match reason {
                Failure::NoMatch => FaceFailure::NoMatch,
                Failure::Inconclusive => FaceFailure::Inconclusive,
                Failure::PresentationAttack => FaceFailure::PresentationAttack,
                Failure::CardFaceCovered => FaceFailure::CardFaceCovered,
                Failure::CardFaceGlare => FaceFailure::CardFaceGlare,
                Failure::CardFaceUnreadable => FaceFailure::CardFaceUnreadable,
                Failure::CardFaceNotUsable => FaceFailure::CardFaceNotUsable,
                Failure::FailedTwice => FaceFailure::FailedTwice,
                Failure::ChallengeFailed => FaceFailure::ChallengeFailed,
            });
            ScreenKind::FaceFailed
        }
        View::PinEntry { entered, tries_left, last_try_warning, previous_wrong } => {
            kiosk.set_pin_entered(i32::from(*entered));
            kiosk.set_tries_left(i32::from(*tries_left));
            kiosk.set_last_try_warning(*last_try_warning);
            kiosk.set_previous_wrong(*previous_wrong);
            ScreenKind::PinEntry
        }
        View::PinChecking => ScreenKind::PinChecking,
        View::PinBlocked => ScreenKind::PinBlocked,
        View::VisualCheck => ScreenKind::VisualCheck,
        View::Authenticating => ScreenKind::Authenticating,
        View::Consent { question, number, of } => {
            kiosk.set_consent_question(match question {
                ConsentQuestion::Surgery => Question::Surgery,
                ConsentQuestion::TreatmentAndMedication => Question::TreatmentAndMedication,
                ConsentQuestion::HealthCheckups => Question::HealthCheckups,
            });
            kiosk.set_consent_number(i32::try_from(*number).unwrap_or(1));
            kiosk.set_consent_of(i32::try_from(*of).unwrap_or(1));
            ScreenKind::Consent
        }
        View::Registration => ScreenKind::Registration,
        View::Registering => ScreenKind::Registering,
        View::RegistrationDone => ScreenKind::RegistrationDone,
        View::Saving => ScreenKind::Saving,
        View::Result(result) => {
            let (kind, code, message) = match result {
                ResultView::Done { .. } => (ResultKind::Done, "", ""),
                ResultView::Refused { code, message } => (ResultKind::Refused, code.as_str(), message.as_str()),
                ResultView::RejectedByStaff => (ResultKind::RejectedByStaff, "", ""),
                ResultView::NotRegistered => (ResultKind::NotRegistered, "", ""),
                ResultView::Ended => (ResultKind::Ended, "", ""),
            };
            kiosk.set_result(kind);
            kiosk.set_result_code(code.into());
            kiosk.set_result_message(message.into());
            ScreenKind::Result
        }
        View::HostUnavailable => ScreenKind::HostUnavailable,
        View::TakeCard => ScreenKind::TakeCard,
        View::ReaderUnavailable => ScreenKind::ReaderUnavailable,
    };
    if was != (kind, screen.timeout_warning) {
        // The keypad's focus was on the screen before.
        kiosk.set_focused(slint::SharedString::new());
    }
    if was.0 != kind {
        // The language chooser and the about panel belong to the screen
        // they were opened on.
        kiosk.set_choosing_language(false);
        kiosk.set_showing_about(false);
    }
    if was.0 != kind && kind == ScreenKind::Idle {
        // The next patient starts with the standard text and time (the
        // flow forgets its more-time too when the session ends).
        kiosk.set_large_text(false);
        kiosk.set_more_time(false);
    }
    kiosk.set_screen(kind);
}

fn guidance_of(g: Hint) -> Guidance {
    match g {
        Hint::NoFace => Guidance::NoFace,
        Hint::MultipleFaces => Guidance::MultipleFaces,
        Hint::TooFar => Guidance::TooFar,
        Hint::TooClose => Guidance::TooClose,
        Hint::OffCentre => Guidance::OffCentre,
        Hint::TooDark => Guidance::TooDark,
        Hint::TooBright => Guidance::TooBright,
        Hint::Blurred => Guidance::Blurred,
        Hint::HeadTurned => Guidance::HeadTurned,
        Hint::TooLow => Guidance::TooLow,
        Hint::TooHigh => Guidance::TooHigh,
        Hint::Tilted => Guidance::Tilted,
        Hint::Mask => Guidance::Mask,
        Hint::Sunglasses => Guidance::Sunglasses,
        Hint::HatShadow => Guidance::HatShadow,
    }
}

/// The touch a screen's button reports.
pub fn touch_of(button: Button) -> Touch {
    match button {
        Button::Face => Touch::Face,
        Button::Pin => Touch::Pin,
        Button::Visual => Touch::Visual,
        Button::End => Touch::End,
        Button::Backspace => Touch::Backspace,
        Button::Cancel => Touch::Cancel,
        Button::Agree => Touch::Agree,
        Button::Disagree => Touch::Disagree,
        Button::Register => Touch::Register,
        Button::SkipRegistration => Touch::SkipRegistration,
        Button::KeepAlive => Touch::KeepAlive,
        Button::Language => Touch::Language,
        Button::Repeat => Touch::Repeat,
        Button::LargeText => Touch::LargeText,
        Button::MoreTime => Touch::MoreTime,
    }
}

/// Sends every touch on `app` to `on_touch`. The language button opens the
/// language chooser, and a language chosen there switches the screens
/// here; 文字を大きくする switches large text, 時間を長くする shows more
/// time on; all are reported too (they keep the session, and the flow
/// doubles its timeouts on `MoreTime`).
pub fn on_touch(app: &App, on_touch: impl Fn(Touch) + 'static) {
    let on_touch = std::rc::Rc::new(on_touch);
    let weak = app.as_weak();
    let report = std::rc::Rc::clone(&on_touch);
    app.global::<Kiosk>().on_act(move |button| {
        if let Some(app) = weak.upgrade() {
            let kiosk = app.global::<Kiosk>();
            match button {
                Button::Language => kiosk.set_choosing_language(true),
                Button::LargeText => kiosk.set_large_text(!kiosk.get_large_text()),
                Button::MoreTime => kiosk.set_more_time(true),
                _ => {}
            }
        }
        report(touch_of(button));
    });
    let weak = app.as_weak();
    let report = std::rc::Rc::clone(&on_touch);
    app.global::<Kiosk>().on_choose_language(move |language| {
        if let Some(app) = weak.upgrade() {
            app.global::<Kiosk>().set_choosing_language(false);
            let _ = set_language(&app, language);
        }
        report(Touch::Language);
    });
    app.global::<Kiosk>().on_digit(move |d| {
        if let Ok(d) = u8::try_from(d)
            && d <= 9
        {
            on_touch(Touch::Digit(d));
        }
    });
}

/// Switches `app`'s screens to `language`.
pub fn set_language(app: &App, language: Language) -> Result<(), crate::UnknownLanguage> {
    crate::select_language(language)?;
    app.global::<Kiosk>().set_language(language);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_reports_the_touch_its_screen_names_it_by() {
        for (button, name) in [
            (Button::Face, "face"),
            (Button::Pin, "pin"),
            (Button::Visual, "visual"),
            (Button::End, "end"),
            (Button::Backspace, "backspace"),
            (Button::Cancel, "cancel"),
            (Button::Agree, "agree"),
            (Button::Disagree, "disagree"),
            (Button::Register, "register"),
            (Button::SkipRegistration, "skip-registration"),
            (Button::KeepAlive, "touch"),
            (Button::Language, "language"),
            (Button::Repeat, "repeat"),
            (Button::LargeText, "large-text"),
            (Button::MoreTime, "more-time"),
        ] {
            assert_eq!(touch_of(button).name(), name, "{button:?}");
        }
    }

    #[test]
    fn guidance_keeps_its_meaning_across_the_boundary() {
        assert_eq!(guidance_of(Hint::TooFar), Guidance::TooFar);
        assert_eq!(guidance_of(Hint::HeadTurned), Guidance::HeadTurned);
        assert_ne!(guidance_of(Hint::NoFace), Guidance::None);
    }
}
