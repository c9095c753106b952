//! Screens and what they show. The Japanese wording for each view is the
//! UI's (quoted from the seeds, DESIGN.md §1); here are only the facts.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

/// How the patient was identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, EnumString, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Method {
    /// Face matched by the kiosk.
    Face,
    /// PIN verified by the card.
    Pin,
    /// Staff compared the card photo with the patient (目視).
    Visual,
}

/// Why a placed card cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CardProblem {
    /// Not a My Number Card (health insurance card, other IC card).
    NotMyNumberCard,
    /// Unreadable: in a case, misplaced, damaged.
    Unreadable,
}

/// A consent question (DESIGN.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, EnumString, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ConsentQuestion {
    /// (1) 過去の手術情報.
    Surgery,
    /// (2) 過去の手術以外の診療・お薬情報.
    TreatmentAndMedication,
    /// (3) 過去の健診情報 (40歳以上対象).
    HealthCheckups,
}

/// Why a camera frame cannot be used, as guidance for the patient (the
/// seeds' face step: closer, farther, centre, light, one face only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Guidance {
    /// No face in view.
    NoFace,
    /// More than one face: only the patient should be in view.
    MultipleFaces,
    /// The face is too small: come closer.
    TooFar,
    /// The face is too large: move back.
    TooClose,
    /// The face is outside the on-screen frame.
    OffCentre,
    /// Too dark.
    TooDark,
    /// Too bright (backlight, glare).
    TooBright,
    /// Blurred (moving, out of focus).
    Blurred,
    /// The head is turned: face the camera.
    HeadTurned,
    /// The face sits at the bottom edge of the view (a patient in a
    /// wheelchair, or a short one): tilt the screen down, come closer, or
    /// ask the staff.
    TooLow,
    /// The face sits at the top edge of the view (a tall patient): bend a
    /// little, or tilt the screen up.
    TooHigh,
    /// The head is strongly tilted sideways: hold it upright.
    Tilted,
    /// A mask covers the nose and mouth: take it off for a moment.
    Mask,
    /// Sunglasses (or a dark visor) hide the eyes: take them off.
    Sunglasses,
    /// A hat's brim shades the eyes and forehead: take it off or lift it.
    HatShadow,
}

/// The short movement the face check asks for, chosen at random for each
/// check (an active liveness challenge): a flat photo or a replayed video
/// cannot follow an instruction it did not know in advance. Directions are
/// the patient's own (「左を向いてください」: their left).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, EnumString, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Challenge {
    /// Turn the head slightly to the patient's left.
    TurnLeft,
    /// Turn the head slightly to the patient's right.
    TurnRight,
    /// Close both eyes once and open them again.
    Blink,
}

impl Challenge {
    /// Every challenge.
    pub const ALL: [Challenge; 3] = [Self::TurnLeft, Self::TurnRight, Self::Blink];
}

/// Why the face check did not identify the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FaceFailure {
    /// The face did not match the card photo.
    NoMatch,
    /// The face could not be captured well enough.
    Inconclusive,
    /// A photo or a screen was shown to the camera.
    PresentationAttack,
    /// The card face could not be read: something covers it (a thumb).
    CardFaceCovered,
    /// The card face could not be read: light reflects off it.
    CardFaceGlare,
    /// The card face could not be read: place the card again, flat.
    CardFaceUnreadable,
    /// The card face was read but cannot open the card (refused, no tries
    /// to spare, or a fault): use the PIN or ask staff.
    CardFaceNotUsable,
    /// The face did not follow the movement asked for (a photo or a
    /// video cannot; a patient who cannot turn or blink uses the PIN or
    /// the staff's check).
    ChallengeFailed,
    /// The face check failed twice in this session (no match, or no usable
    /// face: a wheelchair user below the camera, say): the staff's visual
    /// check is offered first, and no third try.
    FailedTwice,
}

impl FaceFailure {
    /// Whether the card face, not the face check, is what failed.
    pub fn is_card_face(self) -> bool {
        matches!(self, Self::CardFaceCovered | Self::CardFaceGlare | Self::CardFaceUnreadable | Self::CardFaceNotUsable)
    }
}

/// How the session ended, for the result screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case", tag = "result")]
#[strum(serialize_all = "snake_case")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case", tag = "view")]
#[strum(serialize_all = "snake_case")]
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
        /// The movement asked for, while the liveness challenge runs.
        #[serde(skip_serializing_if = "Option::is_none")]
        challenge: Option<Challenge>,
    },
    /// The face check failed: the alternatives.
    FaceFailed {
        /// Why.
        reason: FaceFailure,
        /// The PIN is offered.
        pin_offered: bool,
        /// The staff's visual check is offered (it needs the card-face
        /// record).
        visual_offered: bool,
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

impl View {
    /// The view's name (`method_select`), as transcripts and the staff API say it.
    pub fn name(&self) -> &'static str {
        self.into()
    }
}

/// A screen, with the inactivity warning over it or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Screen {
    /// The view.
    pub view: View,
    /// Shows "the screen will return to the start soon; touch to continue".
    pub timeout_warning: bool,
}

impl Screen {
    /// A screen without the warning.
    pub fn new(view: View) -> Self {
        Self { view, timeout_warning: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_is_named_as_its_serialised_tag() {
        let views = [
            View::Idle,
            View::MethodSelect { pin_offered: true },
            View::FaceCapture { guidance: Some(Guidance::TooFar), challenge: None },
            View::Result(ResultView::Ended),
            View::ReaderUnavailable,
        ];
        for v in views {
            let json = serde_json::to_value(&v).unwrap_or_default();
            assert_eq!(json["view"].as_str(), Some(v.name()), "{v:?}");
        }
        assert_eq!(
            View::PinEntry { entered: 0, tries_left: 3, last_try_warning: false, previous_wrong: false }.name(),
            "pin_entry"
        );
    }

    #[test]
    fn methods_and_questions_read_back_from_their_names() {
        for m in [Method::Face, Method::Pin, Method::Visual] {
            let name: &str = m.into();
            assert_eq!(name.parse::<Method>().ok(), Some(m));
        }
        let q: &str = ConsentQuestion::TreatmentAndMedication.into();
        assert_eq!(q, "treatment_and_medication");
        assert_eq!(q.parse::<ConsentQuestion>().ok(), Some(ConsentQuestion::TreatmentAndMedication));
    }

    #[test]
    fn guidance_serialises_with_the_same_name_strum_gives() {
        let g = Guidance::OffCentre;
        let name: &str = g.into();
        assert_eq!(serde_json::to_value(g).ok().as_ref().and_then(|v| v.as_str()), Some(name));
    }
}
