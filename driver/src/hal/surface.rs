//! The card-surface scanner: the reader's camera (or a vendor's own
//! scanner) that reads the card face, so the card-face application can be
//! opened without any PIN (DESIGN.md §2 "Card face").
//!
//! One scan gives 照合番号B (era birth date YYMMDD, the expiry year, the
//! 4-digit security code) when it was read confidently, the 「顔認証」 mark
//! of the 追記欄, and, when the face could not be read, what to tell the
//! patient. A vendor whose scanner does its own OCR returns the digits with
//! its confidence; the kiosk's OCR reader (`uketsuke-surface`) implements
//! the same trait over any camera.

use std::fmt;

use super::{DeviceError, Vendor};
use crate::secret::CheckCodeB;

/// The 「顔認証」 mark in the card face's amendment field (追記欄), seed 001:
/// printed on a face-auth-only card, struck through when the holder
/// switched back to a normal card.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceAuthMark {
    /// No mark: a normal card (or the field could not be seen).
    #[default]
    Absent,
    /// 「顔認証」 is printed: a face-auth-only card.
    Present,
    /// 「顔認証」 is struck through: switched back to a normal card.
    Cancelled,
}

/// Why the card face could not be read, as the patient is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SurfaceGuidance {
    /// No card was seen: place the card face up.
    PlaceCard,
    /// The card is tilted, bent or partly outside the view: place it flat.
    PlaceFlat,
    /// Something (a thumb, a finger) covers the card.
    MoveThumb,
    /// Light reflects off the card.
    Glare,
    /// The image is blurred.
    HoldStill,
}

impl SurfaceGuidance {
    /// A short stable code (the CLI's JSON, logs, the transcript).
    pub fn code(self) -> &'static str {
        match self {
            Self::PlaceCard => "place_card",
            Self::PlaceFlat => "place_flat",
            Self::MoveThumb => "move_thumb",
            Self::Glare => "glare",
            Self::HoldStill => "hold_still",
        }
    }
}

/// One scan of the card face.
#[derive(Clone, PartialEq)]
pub struct SurfaceScan {
    /// 照合番号B, only when every part of it was read confidently.
    pub code_b: Option<CheckCodeB>,
    /// How sure the reading is, 0–1 (0 when nothing was read).
    pub confidence: f32,
    /// The 追記欄 mark.
    pub mark: FaceAuthMark,
    /// What the patient should do, when 照合番号B was not read.
    pub guidance: Option<SurfaceGuidance>,
}

impl SurfaceScan {
    /// A scan that read nothing usable, with the guidance to show.
    pub fn unreadable(guidance: SurfaceGuidance, mark: FaceAuthMark) -> Self {
        Self { code_b: None, confidence: 0.0, mark, guidance: Some(guidance) }
    }
}

impl fmt::Debug for SurfaceScan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SurfaceScan")
            .field("code_b", &self.code_b.as_ref().map(|_| "REDACTED"))
            .field("confidence", &self.confidence)
            .field("mark", &self.mark)
            .field("guidance", &self.guidance)
            .finish()
    }
}

/// Reads the card face of the card lying on the reader.
pub trait CardSurface: Send {
    /// The vendor's error.
    type Error: super::Error;

    /// Scans the card face once. 照合番号B is a secret: implementations
    /// must not log it, keep it, or keep the image it came from.
    fn scan(&mut self) -> Result<SurfaceScan, Self::Error>;
}

/// A card-surface scanner the kiosk can hold.
pub type DynCardSurface = dyn CardSurface<Error = DeviceError>;

impl<S: CardSurface> CardSurface for Vendor<S> {
    type Error = DeviceError;

    fn scan(&mut self) -> Result<SurfaceScan, DeviceError> {
        self.0.scan().map_err(|e| DeviceError::of(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_prints_no_code_in_debug() {
        let code = CheckCodeB::parse("46051220314821").unwrap_or_else(|e| unreachable!("{e}"));
        let scan = SurfaceScan { code_b: Some(code), confidence: 0.97, mark: FaceAuthMark::Absent, guidance: None };
        let text = format!("{scan:?}");
        assert!(text.contains("REDACTED") && !text.contains("4821"), "{text}");
    }

    /// A vendor's scanner that does its own OCR and returns the digits.
    struct DigitsScanner;

    #[derive(Debug, thiserror::Error)]
    #[error("the vendor scanner's lamp failed")]
    struct LampFailed;

    impl super::super::Error for LampFailed {
        fn kind(&self) -> super::super::ErrorKind {
            super::super::ErrorKind::Other
        }
    }

    impl CardSurface for DigitsScanner {
        type Error = LampFailed;

        fn scan(&mut self) -> Result<SurfaceScan, LampFailed> {
            let code = CheckCodeB::parse("46051220314821").map_err(|_| LampFailed)?;
            Ok(SurfaceScan { code_b: Some(code), confidence: 1.0, mark: FaceAuthMark::Absent, guidance: None })
        }
    }

    #[test]
    fn a_vendor_scanner_that_returns_the_digits_plugs_into_the_same_trait() {
        let mut scanner: Box<DynCardSurface> = Box::new(Vendor(DigitsScanner));
        let scan = scanner.scan().unwrap_or_else(|e| unreachable!("{e}"));
        assert!(scan.code_b.is_some() && scan.guidance.is_none());
    }

    #[test]
    fn guidance_codes_are_distinct() {
        let all = [
            SurfaceGuidance::PlaceCard,
            SurfaceGuidance::PlaceFlat,
            SurfaceGuidance::MoveThumb,
            SurfaceGuidance::Glare,
            SurfaceGuidance::HoldStill,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|g| g.code()).collect();
        assert_eq!(codes.len(), all.len());
    }
}
