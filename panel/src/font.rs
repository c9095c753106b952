//! Text from the coverage maps the build script made (`build.rs`): measure
//! a line and draw it, blended against the background it is drawn on.

use embedded_graphics::Pixel;
use embedded_graphics::prelude::*;

use crate::color::PanelColor;

/// One rasterised character.
#[derive(Debug)]
pub(crate) struct Glyph {
    pub ch: char,
    /// Advance in 1/64 px.
    pub advance_64: i32,
    /// The coverage map's left edge from the pen.
    pub x: i32,
    /// The coverage map's top from the line's top.
    pub y: i32,
    pub width: usize,
    pub height: usize,
    /// Where its map starts in [`Font::coverage`].
    pub offset: usize,
}

/// One size of IPA P Gothic, limited to the panel's characters.
#[derive(Debug)]
pub struct Font {
    /// Pixel size (the em).
    pub px: u32,
    /// Baseline below the line's top.
    pub ascent: i32,
    pub(crate) glyphs: &'static [Glyph],
    pub(crate) coverage: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/fonts.rs"));

impl Font {
    fn glyph(&self, c: char) -> Option<&Glyph> {
        self.glyphs.binary_search_by(|g| g.ch.cmp(&c)).ok().and_then(|i| self.glyphs.get(i))
    }

    /// Whether every character of `text` can be drawn.
    pub fn covers(&self, text: &str) -> bool {
        text.chars().all(|c| self.glyph(c).is_some())
    }

    /// The width of `text` in pixels (a character the font lacks counts as
    /// a space the width of the em, and is drawn as an empty box).
    pub fn width(&self, text: &str) -> u32 {
        let w: i32 = text.chars().map(|c| self.glyph(c).map_or(self.px as i32 * 64, |g| g.advance_64)).sum();
        ((w + 63) / 64).max(0) as u32
    }

    /// Draws `text` with its line's top-left at `at`, in `fg` over `bg`.
    pub fn draw<D, C>(&self, target: &mut D, text: &str, at: Point, fg: C, bg: C) -> Result<(), D::Error>
    where
        D: DrawTarget<Color = C>,
        C: PanelColor,
    {
        let mut pen_64 = at.x * 64;
        for c in text.chars() {
            let origin = Point::new((pen_64 + 32) / 64, at.y);
            match self.glyph(c) {
                Some(g) => {
                    let map = self.coverage.get(g.offset..g.offset + g.width * g.height).unwrap_or_default();
                    let pixels = map.iter().enumerate().filter(|(_, v)| **v > 0).map(|(i, v)| {
                        let p =
                            origin + Point::new(g.x + (i % g.width.max(1)) as i32, g.y + (i / g.width.max(1)) as i32);
                        Pixel(p, C::blend(bg, fg, *v))
                    });
                    target.draw_iter(pixels)?;
                    pen_64 += g.advance_64;
                }
                None => {
                    let side = self.px as i32 * 3 / 4;
                    let frame = (0..side).flat_map(|i| {
                        [(i, 0), (i, side - 1), (0, i), (side - 1, i)]
                            .map(|(x, y)| Pixel(origin + Point::new(x + 1, y + self.ascent - side), fg))
                    });
                    target.draw_iter(frame)?;
                    pen_64 += self.px as i32 * 64;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::LABELS;

    #[test]
    fn every_label_is_covered_at_every_size() {
        for font in [&FONT_12, &FONT_16, &FONT_24, &FONT_40] {
            for (key, ja, en) in LABELS {
                assert!(font.covers(ja) && font.covers(en), "{key} at {} px", font.px);
            }
            assert!(font.covers("E-C01 T006"));
        }
    }

    #[test]
    fn a_wider_text_measures_wider_and_a_missing_character_is_not_free() {
        assert!(FONT_16.width("Reading card") > FONT_16.width("Reading"));
        assert!(FONT_16.width("完了") >= 30, "{}", FONT_16.width("完了"));
        assert_eq!(FONT_16.width("\u{29E3D}"), 16);
    }
}
