//! The colours a layout asks for, in whatever colour type the display has.

use embedded_graphics::pixelcolor::{BinaryColor, Rgb565, Rgb888};
use embedded_graphics::prelude::*;

/// What each part of the panel is painted with, for one state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    /// The background (the state's colour on a colour panel).
    pub background: Rgb888,
    /// Icon and text.
    pub foreground: Rgb888,
}

/// A display's colour type: made from the palette's colours, blended for
/// anti-aliased text. Implemented for monochrome (`BinaryColor`: dark
/// background, lit foreground, inverted for a state that needs staff) and
/// the usual colour types.
pub trait PanelColor: PixelColor {
    /// The panel's colour nearest to `c`; `lit` says whether a monochrome
    /// panel lights this pixel.
    fn from_palette(c: Rgb888, lit: bool) -> Self;
    /// `bg` mixed with `fg` by `coverage` (0..=255).
    fn blend(bg: Self, fg: Self, coverage: u8) -> Self;
}

impl PanelColor for BinaryColor {
    fn from_palette(_: Rgb888, lit: bool) -> Self {
        if lit { BinaryColor::On } else { BinaryColor::Off }
    }

    fn blend(bg: Self, fg: Self, coverage: u8) -> Self {
        if coverage >= 128 { fg } else { bg }
    }
}

fn mix(a: u8, b: u8, t: u8) -> u8 {
    ((u16::from(a) * u16::from(255 - t) + u16::from(b) * u16::from(t) + 127) / 255) as u8
}

impl PanelColor for Rgb888 {
    fn from_palette(c: Rgb888, _: bool) -> Self {
        c
    }

    fn blend(bg: Self, fg: Self, t: u8) -> Self {
        Rgb888::new(mix(bg.r(), fg.r(), t), mix(bg.g(), fg.g(), t), mix(bg.b(), fg.b(), t))
    }
}

impl PanelColor for Rgb565 {
    fn from_palette(c: Rgb888, _: bool) -> Self {
        c.into()
    }

    fn blend(bg: Self, fg: Self, t: u8) -> Self {
        Rgb888::blend(bg.into(), fg.into(), t).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blend_runs_from_the_background_to_the_foreground() {
        let (bg, fg) = (Rgb888::new(0, 0, 0), Rgb888::new(255, 255, 255));
        assert_eq!(Rgb888::blend(bg, fg, 0), bg);
        assert_eq!(Rgb888::blend(bg, fg, 255), fg);
        assert_eq!(Rgb888::blend(bg, fg, 128).r(), 128);
        assert_eq!(BinaryColor::blend(BinaryColor::Off, BinaryColor::On, 127), BinaryColor::Off);
    }
}
