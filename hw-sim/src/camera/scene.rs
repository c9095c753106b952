//! The scenes the virtual camera plays (what `camera SCENE` names in a
//! script, `uketsuke-face scene --scene`).

/// A scripted scene.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Scene {
    /// The card holder, well placed.
    Genuine,
    /// Someone else.
    Impostor,
    /// Nobody in view.
    NoFace,
    /// The card holder with someone beside them.
    TwoFaces,
    /// The card holder far from the camera.
    Far,
    /// The card holder too close.
    Close,
    /// Poor light.
    Dark,
    /// Motion blur.
    Blurred,
    /// The card's own photo held up to the camera (a greyscale print).
    CardPhotoHeldUp,
    /// The chip photo shown on a phone screen: dark bezel, cool white point, glow.
    CardPhotoOnPhone,
    /// Nobody at first; the card holder steps in after [`ARRIVAL_DELAY`].
    ArrivesLate,
    /// The card holder seated low (a wheelchair): the face at the bottom
    /// edge of the view, its chin cut off.
    SeatedLow,
    /// A tall card holder: the face at the top edge of the view.
    StandingHigh,
    /// The card holder with the head tilted well to one side.
    HeadTilted,
    /// The card holder in a surgical mask.
    Mask,
    /// The card holder in sunglasses.
    Sunglasses,
    /// The card holder in clear glasses (they should change nothing).
    ClearGlasses,
    /// The card holder, who does not make the movement asked for (cannot
    /// turn the head, does not understand).
    Unresponsive,
    /// A colour print of another photo of the card holder, held still.
    ColourPrint,
    /// The same print swung about its axes (to fake a head turn).
    ColourPrintTilted,
    /// The same print moved about: shifted, turned, brought nearer.
    ColourPrintMoved,
    /// A video of the card holder made from their photos, replayed on a phone.
    PhoneVideo,
}

impl Scene {
    /// Every scene.
    pub const ALL: [Scene; 22] = [
        Self::Genuine,
        Self::Impostor,
        Self::NoFace,
        Self::TwoFaces,
        Self::Far,
        Self::Close,
        Self::Dark,
        Self::Blurred,
        Self::CardPhotoHeldUp,
        Self::CardPhotoOnPhone,
        Self::ArrivesLate,
        Self::SeatedLow,
        Self::StandingHigh,
        Self::HeadTilted,
        Self::Mask,
        Self::Sunglasses,
        Self::ClearGlasses,
        Self::Unresponsive,
        Self::ColourPrint,
        Self::ColourPrintTilted,
        Self::ColourPrintMoved,
        Self::PhoneVideo,
    ];

    /// Whether the scene shows the live card holder (who can follow a
    /// movement), rather than a picture or nobody.
    pub fn is_live(self) -> bool {
        !matches!(
            self,
            Self::Impostor
                | Self::NoFace
                | Self::CardPhotoHeldUp
                | Self::CardPhotoOnPhone
                | Self::ColourPrint
                | Self::ColourPrintTilted
                | Self::ColourPrintMoved
                | Self::PhoneVideo
        )
    }
}
