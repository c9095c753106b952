//! The touchscreen side of the runtime: the flow's screens mapped onto the
//! UI's view model, the UI's touches mapped back to flow inputs, and the
//! camera preview. The UI crate knows nothing of the flow; this is the one
//! place that knows both.

use opencv::core::Mat;
use opencv::imgproc;
use opencv::prelude::*;
use uketsuke_driver::hal::camera::Frame;
use uketsuke_ui::model::{self as ui, Shown, Touch};

use crate::face::pipeline::{frame_to_mat, wipe};
use crate::face::quality::Guidance;
use crate::flow::screen::{FaceFailure, ResultView, Screen, View};
use crate::flow::types::{CardProblem, ConsentQuestion, Input, UserEvent};

fn guidance(g: Guidance) -> ui::Guidance {
    match g {
        Guidance::NoFace => ui::Guidance::NoFace,
        Guidance::MultipleFaces => ui::Guidance::MultipleFaces,
        Guidance::TooFar => ui::Guidance::TooFar,
        Guidance::TooClose => ui::Guidance::TooClose,
        Guidance::OffCentre => ui::Guidance::OffCentre,
        Guidance::TooDark => ui::Guidance::TooDark,
        Guidance::TooBright => ui::Guidance::TooBright,
        Guidance::Blurred => ui::Guidance::Blurred,
        Guidance::HeadTurned => ui::Guidance::HeadTurned,
    }
}

/// The UI's view of a flow screen.
pub fn shown(screen: &Screen) -> Shown {
    let s = match &screen.view {
        View::Idle => ui::Screen::Idle,
        View::Reading => ui::Screen::Reading,
        View::CardProblem { problem } => ui::Screen::CardProblem { foreign: *problem == CardProblem::NotMyNumberCard },
        View::MethodSelect { pin_offered } => ui::Screen::MethodSelect { pin_offered: *pin_offered },
        View::FaceCapture { guidance: g } => ui::Screen::FaceCapture { guidance: g.map(guidance) },
        View::FaceFailed { reason, pin_offered } => ui::Screen::FaceFailed {
            reason: match reason {
                FaceFailure::NoMatch => ui::FaceFailure::NoMatch,
                FaceFailure::Inconclusive => ui::FaceFailure::Inconclusive,
                FaceFailure::PresentationAttack => ui::FaceFailure::PresentationAttack,
            },
            pin_offered: *pin_offered,
        },
        View::PinEntry { entered, tries_left, last_try_warning, previous_wrong } => ui::Screen::PinEntry {
            entered: *entered,
            tries_left: *tries_left,
            last_try_warning: *last_try_warning,
            previous_wrong: *previous_wrong,
        },
        View::PinChecking => ui::Screen::PinChecking,
        View::PinBlocked => ui::Screen::PinBlocked,
        View::VisualCheck => ui::Screen::VisualCheck,
        View::Authenticating => ui::Screen::Authenticating,
        View::Consent { question, number, of } => ui::Screen::Consent {
            question: match question {
                ConsentQuestion::Surgery => ui::Question::Surgery,
                ConsentQuestion::TreatmentAndMedication => ui::Question::TreatmentAndMedication,
                ConsentQuestion::HealthCheckups => ui::Question::HealthCheckups,
            },
            number: *number,
            of: *of,
        },
        View::Registration => ui::Screen::Registration,
        View::Registering => ui::Screen::Registering,
        View::RegistrationDone => ui::Screen::RegistrationDone,
        View::Saving => ui::Screen::Saving,
        View::Result(r) => ui::Screen::Result(match r {
            ResultView::Done { .. } => ui::Outcome::Done,
            ResultView::Refused { code, message } => {
                ui::Outcome::Refused { code: code.clone(), message: message.clone() }
            }
            ResultView::RejectedByStaff => ui::Outcome::RejectedByStaff,
            ResultView::NotRegistered => ui::Outcome::NotRegistered,
            ResultView::Ended => ui::Outcome::Ended,
        }),
        View::HostUnavailable => ui::Screen::HostUnavailable,
        View::TakeCard => ui::Screen::TakeCard,
        View::ReaderUnavailable => ui::Screen::ReaderUnavailable,
    };
    Shown { screen: s, timeout_warning: screen.timeout_warning }
}

/// The flow input for a touch (the language button stays in the UI).
pub fn input(touch: Touch) -> Option<Input> {
    let e = match touch {
        Touch::Face => UserEvent::ChooseFace,
        Touch::Pin => UserEvent::ChoosePin,
        Touch::Visual => UserEvent::ChooseVisualCheck,
        Touch::End => UserEvent::End,
        Touch::Digit(d) => UserEvent::PinDigit(d),
        Touch::Backspace => UserEvent::PinBackspace,
        Touch::Cancel => UserEvent::PinCancel,
        Touch::Consent(yes) => UserEvent::Consent(yes),
        Touch::Register(yes) => UserEvent::Register(yes),
        Touch::KeepAlive => UserEvent::Touch,
        _ => return None,
    };
    Some(Input::User(e))
}

/// A camera frame as a UI image (RGB). The frame is shown, never kept: the
/// intermediate images are wiped. OpenCV does the pixel work, so that this
/// stays fast in a debug build too (it runs for every camera frame).
pub fn preview(frame: &Frame) -> Option<slint::SharedPixelBuffer<slint::Rgb8Pixel>> {
    let mut bgr = frame_to_mat(frame).ok()?;
    let mut rgb = Mat::default();
    let converted = imgproc::cvt_color(&bgr, &mut rgb, imgproc::COLOR_BGR2RGB, 0).is_ok();
    wipe(&mut bgr);
    let buffer = if converted && rgb.is_continuous() {
        rgb.data_bytes()
            .ok()
            .map(|bytes| slint::SharedPixelBuffer::clone_from_slice(bytes, frame.width(), frame.height()))
    } else {
        None
    };
    wipe(&mut rgb);
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_touch_but_the_language_button_becomes_a_user_input() {
        assert!(matches!(input(Touch::Digit(7)), Some(Input::User(UserEvent::PinDigit(7)))));
        assert!(matches!(input(Touch::Register(false)), Some(Input::User(UserEvent::Register(false)))));
        assert!(input(Touch::Language).is_none());
    }

    #[test]
    fn a_bgr_or_grey_frame_becomes_the_same_rgb_preview() {
        use std::time::Duration;
        use uketsuke_driver::hal::camera::PixelFormat;
        let bgr = Frame::new(2, 1, PixelFormat::Bgr8, vec![1, 2, 3, 40, 50, 60], Duration::ZERO).unwrap();
        let rgb = preview(&bgr).unwrap();
        let px: Vec<_> = rgb.as_slice().iter().map(|p| (p.r, p.g, p.b)).collect();
        assert_eq!(px, [(3, 2, 1), (60, 50, 40)]);
        let grey = Frame::new(2, 1, PixelFormat::Gray8, vec![7, 200], Duration::ZERO).unwrap();
        let px: Vec<_> = preview(&grey).unwrap().as_slice().iter().map(|p| (p.r, p.g, p.b)).collect();
        assert_eq!(px, [(7, 7, 7), (200, 200, 200)]);
    }

    #[test]
    fn a_face_only_method_select_and_a_refusal_carry_their_details() {
        let s = shown(&Screen { view: View::MethodSelect { pin_offered: false }, timeout_warning: true });
        assert_eq!(s, Shown { screen: ui::Screen::MethodSelect { pin_offered: false }, timeout_warning: true });
        let r = View::Result(ResultView::Refused { code: "006".into(), message: "m".into() });
        let s = shown(&Screen { view: r, timeout_warning: false });
        assert_eq!(s.screen, ui::Screen::Result(ui::Outcome::Refused { code: "006".into(), message: "m".into() }));
    }
}
