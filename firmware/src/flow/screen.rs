//! The view model the UI renders: which screen, with what it must show.
//! The Japanese wording for each view comes from the seeds (DESIGN.md §1).

use serde::Serialize;

use super::types::{CardProblem, ConsentQuestion, Method};
use crate::face::quality::Guidance;

/// Why the face check did not identify the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceFailure {
    /// The face did not match the card photo.
    NoMatch,
    /// The face could not be captured well enough.
    Inconclusive,
    /// The card's own photo was shown to the camera.
    PresentationAttack,
}

/// How the session ended, for the result screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum ResultView {
    /// Identified and answered; eligibility confirmed.
    Done {
        /// How the patient was identified.
        method: Method,
    },
    /// The terminal refused (code and Japanese message, e.g. 006).
    Refused {
        /// Code.
        code: String,
        /// Message.
        message: String,
    },
    /// Staff found the patient is not the card holder.
    RejectedByStaff,
    /// The patient chose not to register (登録せずに終了).
    NotRegistered,
    /// The patient ended the session (終了する), or it timed out.
    Ended,
}

/// One screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "view")]
pub enum View {
    /// マイナンバーカードを置いてください.
    Idle,
    /// Reading the card.
    Reading,
    /// The card cannot be used; take it back.
    CardProblem {
        /// Why.
        problem: CardProblem,
    },
    /// 本人確認の方法を選んでください.
    MethodSelect {
        /// 暗証番号を入力 is offered (never on face-auth-only cards).
        pin_offered: bool,
    },
    /// 顔を枠内に入れてください, with live guidance.
    FaceCapture {
        /// Current guidance, if any.
        guidance: Option<Guidance>,
    },
    /// The face check failed: the alternatives.
    FaceFailed {
        /// Why.
        reason: FaceFailure,
        /// The PIN is offered.
        pin_offered: bool,
    },
    /// 暗証番号を入力してください.
    PinEntry {
        /// Digits entered so far (shown as ●).
        entered: u8,
        /// Tries left.
        tries_left: u8,
        /// The next wrong PIN blocks the card: say so plainly.
        last_try_warning: bool,
        /// The previous PIN was wrong.
        previous_wrong: bool,
    },
    /// The card is checking the PIN.
    PinChecking,
    /// The PIN is blocked: the municipality (住所地の市区町村) must reset it.
    PinBlocked,
    /// Staff are checking the card photo against the patient.
    VisualCheck,
    /// Waiting for the reception terminal.
    Authenticating,
    /// A consent question: 同意する / 同意しない.
    Consent {
        /// Which.
        question: ConsentQuestion,
        /// 1-based position.
        number: usize,
        /// Questions in all.
        of: usize,
    },
    /// マイナンバーカードを保険証として登録しますか？
    Registration,
    /// Sending the registration.
    Registering,
    /// 登録完了.
    RegistrationDone,
    /// Sending the answers.
    Saving,
    /// The result.
    Result(ResultView),
    /// The reception terminal is down: staff have been told the fallback.
    HostUnavailable,
    /// カードをお取りください.
    TakeCard,
    /// The card reader is not connected: the kiosk cannot be used until it is back.
    ReaderUnavailable,
}

/// A screen with the inactivity warning overlay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Screen {
    /// The view.
    pub view: View,
    /// Shows "the screen will return to the start soon; touch to continue".
    pub timeout_warning: bool,
}
