//! One patient's session: the connected card and everything read from it.
//! It holds personal data (the card-face record with the photo) and is
//! dropped, and so zeroized, when the session ends.

use std::fmt;

use uketsuke_driver::Card;
use uketsuke_driver::ap::face::CardFaceRecord;
use uketsuke_driver::hal::reader::DynCard;
use uketsuke_driver::kind::KindSignals;

use crate::host::client::HostSession;

/// The face check's result, for the evidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceResult {
    /// Median score.
    pub score: f32,
    /// Frames decided on.
    pub frames: usize,
    /// Of those, frames with a live face's colour.
    pub colour_frames: usize,
    /// The liveness challenge made (`None`: none was asked).
    pub challenge: Option<uketsuke_screen::Challenge>,
}

/// What the kiosk holds for the patient in front of it.
pub struct Session {
    /// Short random id for logs and audit (no personal data).
    pub id: String,
    /// The card, connected through the card reader for this session.
    pub card: Card<Box<DynCard>>,
    /// The card's identity for the kiosk's memory of refused 照合番号B
    /// values: SHA-256 of its authentication certificate.
    pub card_id: [u8; 32],
    /// The face-auth-only signals seen so far (the chip's, then the card
    /// face's 「顔認証」 mark).
    pub signals: KindSignals,
    /// The authentication certificate (DER).
    pub certificate: Vec<u8>,
    /// The card-face record (photo, birth date, images), once 照合番号B
    /// read off the card face opened it.
    pub record: Option<CardFaceRecord>,
    /// The session opened on the reception terminal.
    pub host: Option<HostSession>,
    /// The face method's signature, made while the face check ran.
    pub signed_ahead: Option<super::link::SignedAhead>,
    /// The face check's result, once it matched.
    pub face: Option<FaceResult>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("id", &self.id).finish_non_exhaustive()
    }
}
