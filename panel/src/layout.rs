//! The reference layouts: where the icon, the words and the code go on a
//! 128×64 monochrome OLED (SSD1306) and a 320×240 colour TFT (ST7789,
//! ILI9341). Big shapes and few words, so the state reads from two metres;
//! the colour panel also paints the whole background in the state's colour.

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};

use crate::color::{Palette, PanelColor};
use crate::font::{FONT_12, FONT_16, FONT_24, FONT_40, Font};
use crate::icons;
use crate::labels::LABELS;
use crate::state::PanelState;

/// The language shown first (large); the other is shown under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Japanese first.
    #[default]
    Ja,
    /// English first.
    En,
}

/// A reference layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// 128×64 monochrome OLED (SSD1306).
    Oled128x64,
    /// 320×240 colour TFT (ST7789, ILI9341), landscape.
    Tft320x240,
}

impl Layout {
    /// The display size the layout fills.
    pub fn size(self) -> Size {
        match self {
            Self::Oled128x64 => Size::new(128, 64),
            Self::Tft320x240 => Size::new(320, 240),
        }
    }

    /// A short name for files: `oled-128x64`, `tft-320x240`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Oled128x64 => "oled-128x64",
            Self::Tft320x240 => "tft-320x240",
        }
    }

    /// Draws the whole panel for `state`.
    pub fn render<D, C>(self, target: &mut D, state: &PanelState, lang: Lang) -> Result<(), D::Error>
    where
        D: DrawTarget<Color = C>,
        C: PanelColor,
    {
        let (first, second) = words(state, lang);
        let palette = palette(state);
        let alarm = matches!(state, PanelState::Error(_) | PanelState::OutOfService(_));
        // A monochrome panel lights its whole background when staff are needed.
        let bg = C::from_palette(palette.background, alarm);
        let fg = C::from_palette(palette.foreground, !alarm);
        Rectangle::new(Point::zero(), self.size()).into_styled(PrimitiveStyle::with_fill(bg)).draw(target)?;
        let code = state.code().map(|c| c.shown());
        match self {
            Self::Oled128x64 => {
                icons::draw(target, state, Point::new(1, 2), 38, fg, bg)?;
                let font = fit(&[&FONT_16, &FONT_12], first, 86);
                font.draw(target, first, Point::new(42, 2), fg, bg)?;
                if let Some(code) = &code {
                    FONT_16.draw(target, code, Point::new(42, 21), fg, bg)?;
                }
                let font = fit(&[&FONT_16, &FONT_12], second, 126);
                font.draw(target, second, Point::new(1, 46), fg, bg)?;
            }
            Self::Tft320x240 => {
                let width = self.size().width;
                let centre = |font: &Font, text: &str| (width as i32 - font.width(text) as i32) / 2;
                icons::draw(target, state, Point::new(116, 10), 88, fg, bg)?;
                let font = fit(&[&FONT_40, &FONT_24], first, width - 12);
                font.draw(target, first, Point::new(centre(font, first), 108), fg, bg)?;
                let font = fit(&[&FONT_24, &FONT_16], second, width - 12);
                font.draw(target, second, Point::new(centre(font, second), 156), fg, bg)?;
                if let Some(code) = &code {
                    FONT_40.draw(target, code, Point::new(centre(&FONT_40, code), 188), fg, bg)?;
                }
            }
        }
        Ok(())
    }
}

/// The first font of `fonts` in which `text` fits `width`, else the last.
fn fit<'a>(fonts: &[&'a Font], text: &str, width: u32) -> &'a Font {
    fonts.iter().copied().find(|f| f.width(text) <= width).or(fonts.last().copied()).unwrap_or(&FONT_12)
}

/// The state's words: (first, second) in `lang`'s order.
pub fn words(state: &PanelState, lang: Lang) -> (&'static str, &'static str) {
    let (ja, en) = LABELS.iter().find(|(k, _, _)| *k == state.key()).map_or(("", ""), |(_, ja, en)| (*ja, *en));
    match lang {
        Lang::Ja => (ja, en),
        Lang::En => (en, ja),
    }
}

/// The colour panel's colours for a state: white on a dark colour, each
/// pair at least 4.5:1 (WCAG 2.2), so the words read from a distance too.
pub fn palette(state: &PanelState) -> Palette {
    let background = match state {
        PanelState::Idle => Rgb888::new(0x0b, 0x3d, 0x91),
        PanelState::Reading
        | PanelState::Select
        | PanelState::Face
        | PanelState::Pin
        | PanelState::Consent
        | PanelState::Sending => Rgb888::new(0x00, 0x4c, 0x99),
        PanelState::Staff => Rgb888::new(0x7a, 0x4f, 0x00),
        PanelState::Done => Rgb888::new(0x1b, 0x6e, 0x20),
        PanelState::Ended => Rgb888::new(0x37, 0x47, 0x4f),
        PanelState::Error(_) => Rgb888::new(0xb0, 0x00, 0x20),
        PanelState::OutOfService(_) => Rgb888::new(0x42, 0x42, 0x42),
    };
    Palette { background, foreground: Rgb888::WHITE }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(c: Rgb888) -> f64 {
        let lin = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.04045 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    }

    #[test]
    fn every_state_colour_gives_white_text_at_least_4_5_to_1() {
        for s in PanelState::every() {
            let p = palette(&s);
            let ratio = (luminance(p.foreground) + 0.05) / (luminance(p.background) + 0.05);
            assert!(ratio >= 4.5, "{s:?}: {ratio:.2}");
        }
    }

    #[test]
    fn every_word_fits_its_box_in_both_layouts_and_languages() {
        for s in PanelState::every() {
            for lang in [Lang::Ja, Lang::En] {
                let (first, second) = words(&s, lang);
                assert!(!first.is_empty() && !second.is_empty(), "{s:?}");
                assert!(fit(&[&FONT_16, &FONT_12], first, 86).width(first) <= 86, "OLED {s:?} {first}");
                assert!(fit(&[&FONT_16, &FONT_12], second, 126).width(second) <= 126, "OLED {s:?} {second}");
                assert!(fit(&[&FONT_40, &FONT_24], first, 308).width(first) <= 308, "TFT {s:?} {first}");
                if let Some(code) = s.code() {
                    assert!(FONT_16.width(&code.shown()) <= 86 && FONT_40.width(&code.shown()) <= 308, "{code:?}");
                }
            }
        }
    }
}
