//! The flow's vocabulary: what comes in ([`Input`]), what goes out
//! ([`Action`], and the screens of `uketsuke_screen`), its timers and its configuration.
//! Wording on screens comes from the seeds; the UI renders these views.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uketsuke_driver::secret::Pin;

use crate::face::decision::Outcome;
pub use uketsuke_screen::{CardProblem, Challenge, ConsentQuestion, Guidance, Method, Touch};

pub use jiff::civil::Date;

/// What the quick card read gave the flow, enough for the method-select
/// screen (no secrets: tries, kind, the date).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardFacts {
    /// Face-auth-only card: never offer the PIN.
    pub face_only: bool,
    /// PIN tries left from the non-consuming query (0 = blocked).
    pub pin_tries: u8,
    /// The session's date (from the runtime's clock).
    pub today: Date,
}

/// Why the card-face record could not be opened with 照合番号B read off
/// the card face.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardFaceProblem {
    /// Something covers the card (a thumb): place it again.
    Thumb,
    /// Light reflects off the card: place it again.
    Glare,
    /// The card face could not be read: place it again, flat.
    PlaceAgain,
    /// The card refused the value read, and no different confident reading
    /// followed: the PIN or the visual check remain.
    Refused,
    /// 照合番号B has no tries the kiosk may spend.
    NoTriesLeft,
    /// The record is not genuine (its issuer signature fails).
    NotGenuine,
    /// The scanner or the card failed.
    Unavailable,
    /// The card left during the read.
    CardRemoved,
}

/// The answer to [`Action::ReadCardFace`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardFaceOutcome {
    /// The record is read and genuine: the face path (and the visual
    /// check) can go ahead.
    Ready {
        /// Birth date from the record (consent question (3)).
        birth_date: Date,
    },
    /// Not read.
    NotRead(CardFaceProblem),
}

/// The reception terminal's answer to the evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostAnswer {
    /// Eligibility confirmed.
    Eligible {
        /// Registered for health-insurance use.
        registered: bool,
    },
    /// Refused, with the terminal's code and Japanese message (e.g. 006).
    Refused {
        /// Error code.
        code: String,
        /// Message to show.
        message: String,
    },
    /// The terminal is down or did not answer in time.
    Unavailable,
}

/// Staff actions (through the staff API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffEvent {
    /// Start a visual check for the current patient.
    StartVisualCheck,
    /// The patient is the card holder.
    Confirm,
    /// The patient is not the card holder.
    Reject,
}

/// Everything the flow reacts to.
#[derive(Clone, Debug)]
pub enum Input {
    /// A card was placed.
    CardInserted,
    /// The card was taken away.
    CardRemoved,
    /// The answer to [`Action::ReadCard`].
    CardRead(Result<CardFacts, CardProblem>),
    /// The answer to [`Action::ReadCardFace`], with the card's kind now
    /// that the card face's 「顔認証」 mark is known too.
    CardFace {
        /// The record opened, or why not.
        outcome: CardFaceOutcome,
        /// Face-auth-only, by every signal so far.
        face_only: bool,
    },
    /// Live guidance while the face is being captured.
    FaceGuidance(Guidance),
    /// The liveness challenge's movement to ask for now (`None`: made, or
    /// no longer asked).
    FaceChallenge(Option<Challenge>),
    /// The answer to [`Action::StartFaceCapture`].
    FaceDone(Outcome),
    /// The answer to [`Action::VerifyPin`].
    PinResult(PinResult),
    /// The answer to [`Action::Authenticate`].
    Host(HostAnswer),
    /// The answer to [`Action::SendConsent`] or [`Action::SendRegistration`].
    HostStored(Result<(), ()>),
    /// A touch on the screen.
    User(Touch),
    /// Staff API.
    Staff(StaffEvent),
    /// The card reader went away (unplugged, or pcscd stopped).
    ReaderLost,
    /// The card reader is there (again).
    ReaderReady,
}

/// Outcome of a PIN verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinResult {
    /// Correct.
    Correct,
    /// Wrong; this many tries left.
    Wrong(u8),
    /// Blocked.
    Blocked,
    /// The card left during the verification (no try was spent).
    CardRemoved,
    /// The card or reader failed while still there (an unexpected status
    /// word, a garbled answer): the patient is told the card could not be
    /// read, not that it was removed.
    CardError,
    /// Not sent: the card turned out to be face-auth-only (its face shows
    /// 「顔認証」), so no PIN may be tried.
    NotOffered,
}

/// What the flow asks the runtime to do.
#[derive(Debug)]
pub enum Action {
    /// Read the card for method select (kind, PIN tries); answer with `CardRead`.
    ReadCard,
    /// Read the card face and open the card-face record in the background;
    /// answer with `CardFace`.
    ReadCardFace,
    /// Start the face check; answer with `FaceDone`.
    StartFaceCapture,
    /// Stop a running face check.
    StopFaceCapture,
    /// Verify this PIN, which the patient just entered; answer with `PinResult`.
    VerifyPin(Pin),
    /// Ask staff for a visual check (show the card photo on the console).
    RequestVisualCheck,
    /// Send the evidence for `Method` to the terminal; answer with `Host`.
    Authenticate(Method),
    /// Send the consent answers; answer with `HostStored`.
    SendConsent(Vec<(ConsentQuestion, bool)>),
    /// Register the card for health-insurance use; answer with `HostStored`.
    SendRegistration,
    /// Tell staff the terminal is down and the fallback (paper insurance card / 資格確認書).
    AlertStaffHostDown,
    /// The session is over: forget and zeroize everything of it.
    EndSession,
}

/// Timers the flow runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Warn that the screen will reset.
    InactivityWarning,
    /// Reset for inactivity.
    Inactivity,
    /// How long a result stays before asking for the card.
    ResultShown,
}

/// Flow settings (from the kiosk's config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowConfig {
    /// Consent questions the facility enables, in order.
    pub consent_questions: Vec<ConsentQuestion>,
    /// Inactivity on a patient-facing screen before the session ends.
    #[serde(with = "crate::config::secs")]
    pub inactivity_timeout: Duration,
    /// How long before that the warning shows.
    #[serde(with = "crate::config::secs")]
    pub inactivity_warning: Duration,
    /// How long the result shows before "カードをお取りください".
    #[serde(with = "crate::config::secs")]
    pub result_display: Duration,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            consent_questions: vec![
                ConsentQuestion::Surgery,
                ConsentQuestion::TreatmentAndMedication,
                ConsentQuestion::HealthCheckups,
            ],
            inactivity_timeout: Duration::from_secs(60),
            inactivity_warning: Duration::from_secs(15),
            result_display: Duration::from_secs(5),
        }
    }
}

/// What the face screen shows while the check runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaceLive {
    /// The latest guidance on an unusable frame.
    pub guidance: Option<Guidance>,
    /// The movement asked for, while the challenge runs.
    pub challenge: Option<Challenge>,
}
