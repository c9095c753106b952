//! The view model the screens render: a [`Screen`] in, [`Touch`]es out. It
//! knows nothing of cards, faces or the network; the kiosk maps its flow's
//! screens onto it.

use crate::{Kiosk, ScreenKind};

/// Live guidance from the face engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Guidance {
    /// Nobody in view.
    NoFace,
    /// More than one face.
    MultipleFaces,
    /// Come closer.
    TooFar,
    /// Move back.
    TooClose,
    /// Centre the face.
    OffCentre,
    /// Too dark.
    TooDark,
    /// Too bright.
    TooBright,
    /// Moving.
    Blurred,
    /// Face the camera.
    HeadTurned,
}

/// Why the face check did not identify the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceFailure {
    /// Someone else, or no match.
    NoMatch,
    /// Not enough good frames.
    Inconclusive,
    /// A photo or screen was shown.
    PresentationAttack,
}

/// A consent question (DESIGN.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    /// (1) 過去の手術情報.
    Surgery,
    /// (2) 過去の手術以外の診療・お薬情報.
    TreatmentAndMedication,
    /// (3) 過去の健診情報 (40歳以上対象).
    HealthCheckups,
}

/// How the session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Eligibility confirmed and answers sent.
    Done,
    /// The reception terminal refused, with its code and message.
    Refused {
        /// Code (e.g. 006).
        code: String,
        /// Message from the terminal.
        message: String,
    },
    /// Staff could not confirm the patient.
    RejectedByStaff,
    /// The patient chose 登録せずに終了.
    NotRegistered,
    /// 終了する, or the session timed out.
    Ended,
}

/// One screen.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Screen {
    /// Place the card.
    Idle,
    /// Reading the card.
    Reading,
    /// Not a My Number Card (`foreign`), or unreadable.
    CardProblem {
        /// Not a My Number Card.
        foreign: bool,
    },
    /// 本人確認の方法を選んでください.
    MethodSelect {
        /// The PIN is offered (never on a face-auth-only card).
        pin_offered: bool,
    },
    /// 顔を枠内に入れてください.
    FaceCapture {
        /// Guidance, if any.
        guidance: Option<Guidance>,
    },
    /// The face check failed.
    FaceFailed {
        /// Why.
        reason: FaceFailure,
        /// The PIN is offered.
        pin_offered: bool,
    },
    /// 暗証番号を入力してください.
    PinEntry {
        /// Digits typed.
        entered: u8,
        /// Tries left.
        tries_left: u8,
        /// The next wrong PIN blocks the card.
        last_try_warning: bool,
        /// The previous PIN was wrong.
        previous_wrong: bool,
    },
    /// Checking the PIN.
    PinChecking,
    /// The PIN is locked.
    PinBlocked,
    /// Staff are checking.
    VisualCheck,
    /// Waiting for the reception terminal.
    Authenticating,
    /// A consent question.
    Consent {
        /// Which.
        question: Question,
        /// 1-based position.
        number: usize,
        /// Questions in all.
        of: usize,
    },
    /// マイナンバーカードを保険証として登録しますか？
    Registration,
    /// Registering.
    Registering,
    /// 登録完了.
    RegistrationDone,
    /// Sending the answers.
    Saving,
    /// The result.
    Result(Outcome),
    /// The reception terminal is down.
    HostUnavailable,
    /// カードをお取りください.
    TakeCard,
    /// The card reader is not connected.
    ReaderUnavailable,
}

/// What is on the display: a screen, and perhaps the inactivity warning over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// The screen.
    pub screen: Screen,
    /// "Returning to the start soon".
    pub timeout_warning: bool,
}

/// A touch on a screen, by the patient or whoever helps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Touch {
    /// 顔認証を行う.
    Face,
    /// 暗証番号を入力.
    Pin,
    /// Ask staff to check.
    Visual,
    /// 終了する.
    End,
    /// A keypad digit.
    Digit(u8),
    /// Delete the last digit.
    Backspace,
    /// キャンセル.
    Cancel,
    /// 同意する / 同意しない.
    Consent(bool),
    /// 登録する / 登録せずに終了.
    Register(bool),
    /// Keep the session (dismisses the timeout warning).
    KeepAlive,
    /// The language button.
    Language,
}

/// The name each button reports through `Kiosk.act(name)` (digits are `digit-N`).
const ACTS: [(&str, Touch); 12] = [
    ("face", Touch::Face),
    ("pin", Touch::Pin),
    ("visual", Touch::Visual),
    ("end", Touch::End),
    ("backspace", Touch::Backspace),
    ("cancel", Touch::Cancel),
    ("agree", Touch::Consent(true)),
    ("disagree", Touch::Consent(false)),
    ("register", Touch::Register(true)),
    ("skip-registration", Touch::Register(false)),
    ("touch", Touch::KeepAlive),
    ("language", Touch::Language),
];

impl Touch {
    /// The touch a screen's `Kiosk.act(name)` reported.
    pub fn from_act(name: &str) -> Option<Self> {
        if let Some(d) = name.strip_prefix("digit-") {
            return d.parse::<u8>().ok().filter(|d| *d <= 9).map(Self::Digit);
        }
        ACTS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// The name the screens report this touch by (the inverse of [`Touch::from_act`]).
    pub fn act_name(self) -> String {
        match self {
            Self::Digit(d) => format!("digit-{d}"),
            other => ACTS.iter().find(|(_, t)| *t == other).map_or_else(String::new, |(n, _)| (*n).to_owned()),
        }
    }
}

fn guidance_key(g: Guidance) -> &'static str {
    match g {
        Guidance::NoFace => "no-face",
        Guidance::MultipleFaces => "multiple-faces",
        Guidance::TooFar => "too-far",
        Guidance::TooClose => "too-close",
        Guidance::OffCentre => "off-centre",
        Guidance::TooDark => "too-dark",
        Guidance::TooBright => "too-bright",
        Guidance::Blurred => "blurred",
        Guidance::HeadTurned => "head-turned",
    }
}

/// Puts `shown` on the adapter the screens read.
pub fn apply(kiosk: &Kiosk<'_>, shown: &Shown) {
    kiosk.set_timeout_warning(shown.timeout_warning);
    let kind = match &shown.screen {
        Screen::Idle => ScreenKind::Idle,
        Screen::Reading => ScreenKind::Reading,
        Screen::CardProblem { foreign } => {
            kiosk.set_problem(if *foreign { "foreign" } else { "unreadable" }.into());
            ScreenKind::CardProblem
        }
        Screen::MethodSelect { pin_offered } => {
            kiosk.set_pin_offered(*pin_offered);
            ScreenKind::MethodSelect
        }
        Screen::FaceCapture { guidance } => {
            kiosk.set_guidance(guidance.map_or("", guidance_key).into());
            ScreenKind::FaceCapture
        }
        Screen::FaceFailed { reason, pin_offered } => {
            kiosk.set_pin_offered(*pin_offered);
            kiosk.set_face_failure(
                match reason {
                    FaceFailure::NoMatch => "no-match",
                    FaceFailure::Inconclusive => "inconclusive",
                    FaceFailure::PresentationAttack => "presentation-attack",
                }
                .into(),
            );
            ScreenKind::FaceFailed
        }
        Screen::PinEntry { entered, tries_left, last_try_warning, previous_wrong } => {
            kiosk.set_pin_entered(i32::from(*entered));
            kiosk.set_tries_left(i32::from(*tries_left));
            kiosk.set_last_try_warning(*last_try_warning);
            kiosk.set_previous_wrong(*previous_wrong);
            ScreenKind::PinEntry
        }
        Screen::PinChecking => ScreenKind::PinChecking,
        Screen::PinBlocked => ScreenKind::PinBlocked,
        Screen::VisualCheck => ScreenKind::VisualCheck,
        Screen::Authenticating => ScreenKind::Authenticating,
        Screen::Consent { question, number, of } => {
            kiosk.set_consent_question(match question {
                Question::Surgery => 1,
                Question::TreatmentAndMedication => 2,
                Question::HealthCheckups => 3,
            });
            kiosk.set_consent_number(i32::try_from(*number).unwrap_or(1));
            kiosk.set_consent_of(i32::try_from(*of).unwrap_or(1));
            ScreenKind::Consent
        }
        Screen::Registration => ScreenKind::Registration,
        Screen::Registering => ScreenKind::Registering,
        Screen::RegistrationDone => ScreenKind::RegistrationDone,
        Screen::Saving => ScreenKind::Saving,
        Screen::Result(outcome) => {
            let (kind, code, message) = match outcome {
                Outcome::Done => ("done", "", ""),
                Outcome::Refused { code, message } => ("refused", code.as_str(), message.as_str()),
                Outcome::RejectedByStaff => ("rejected-by-staff", "", ""),
                Outcome::NotRegistered => ("not-registered", "", ""),
                Outcome::Ended => ("ended", "", ""),
            };
            kiosk.set_result(kind.into());
            kiosk.set_result_code(code.into());
            kiosk.set_result_message(message.into());
            ScreenKind::Result
        }
        Screen::HostUnavailable => ScreenKind::HostUnavailable,
        Screen::TakeCard => ScreenKind::TakeCard,
        Screen::ReaderUnavailable => ScreenKind::ReaderUnavailable,
    };
    kiosk.set_screen(kind);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_act_name_the_screens_send_is_understood() {
        for (name, touch) in [
            ("face", Touch::Face),
            ("pin", Touch::Pin),
            ("visual", Touch::Visual),
            ("end", Touch::End),
            ("digit-0", Touch::Digit(0)),
            ("digit-9", Touch::Digit(9)),
            ("backspace", Touch::Backspace),
            ("cancel", Touch::Cancel),
            ("agree", Touch::Consent(true)),
            ("disagree", Touch::Consent(false)),
            ("register", Touch::Register(true)),
            ("skip-registration", Touch::Register(false)),
            ("touch", Touch::KeepAlive),
            ("language", Touch::Language),
        ] {
            assert_eq!(Touch::from_act(name), Some(touch), "{name}");
            assert_eq!(touch.act_name(), name);
        }
        assert_eq!(Touch::from_act("digit-10"), None);
        assert_eq!(Touch::from_act("fly"), None);
    }
}
