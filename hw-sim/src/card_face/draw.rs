//! Drawing on the flat card: text in a Japanese font (ab_glyph outlines,
//! anti-aliased), engraved digits, rectangles and lines.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage};

use super::CardFaceError;

/// The Japanese fonts a card face is printed in (Debian's IPA fonts).
pub struct Fonts {
    /// The fonts found, gothic first.
    faces: Vec<FontVec>,
}

/// Where Debian puts the IPA fonts (`fonts-ipafont-gothic`, `fonts-ipafont-mincho`).
const FONT_FILES: [&str; 2] =
    ["/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"];

impl Fonts {
    /// Loads the installed IPA fonts; at least the gothic one must exist.
    pub fn load() -> Result<Self, CardFaceError> {
        let mut faces = Vec::new();
        for path in FONT_FILES {
            match std::fs::read(path) {
                Ok(bytes) => {
                    faces.push(FontVec::try_from_vec(bytes).map_err(|_| CardFaceError::Font(PathBuf::from(path)))?)
                }
                Err(_) if !faces.is_empty() => {}
                Err(_) => return Err(CardFaceError::Font(PathBuf::from(path))),
            }
        }
        Ok(Self { faces })
    }

    /// Loads one font file (a vendor's or a test's own).
    pub fn from_file(path: &Path) -> Result<Self, CardFaceError> {
        let bytes = std::fs::read(path).map_err(|_| CardFaceError::Font(path.to_owned()))?;
        let face = FontVec::try_from_vec(bytes).map_err(|_| CardFaceError::Font(path.to_owned()))?;
        Ok(Self { faces: vec![face] })
    }

    /// How many fonts there are.
    pub fn len(&self) -> usize {
        self.faces.len()
    }

    /// Whether there is none (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.faces.is_empty()
    }

    /// Font `i` (wrapping).
    pub fn get(&self, i: usize) -> &FontVec {
        &self.faces[i % self.faces.len()]
    }
}

/// Pen settings for one run of text.
#[derive(Clone, Copy)]
pub struct Pen<'f> {
    /// The font.
    pub font: &'f FontVec,
    /// Height in pixels.
    pub size: f32,
    /// Ink colour.
    pub color: [u8; 3],
    /// Draw twice, one pixel apart (bold print).
    pub bold: bool,
}

/// The width `text` takes with `pen`.
pub fn text_width(pen: &Pen<'_>, text: &str) -> f32 {
    let scaled = pen.font.as_scaled(PxScale::from(pen.size));
    text.chars().map(|c| scaled.h_advance(scaled.glyph_id(c))).sum()
}

/// Draws `text` with its top-left at (`x`, `y`); returns the width drawn.
pub fn text(img: &mut RgbImage, pen: &Pen<'_>, x: f32, y: f32, text: &str) -> f32 {
    let offsets: &[f32] = if pen.bold { &[0.0, 1.0] } else { &[0.0] };
    for dx in offsets {
        glyphs(img, pen, x + dx, y, text);
    }
    text_width(pen, text)
}

fn glyphs(img: &mut RgbImage, pen: &Pen<'_>, x: f32, y: f32, text: &str) {
    let scale = PxScale::from(pen.size);
    let scaled = pen.font.as_scaled(scale);
    let baseline = y + scaled.ascent();
    let mut caret = x;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        let Some(outline) = pen.font.outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            blend(img, px, py, pen.color, coverage);
        });
    }
}

/// Mixes `color` into the pixel at (`x`, `y`) by `alpha` (0–1); outside is ignored.
pub fn blend(img: &mut RgbImage, x: i64, y: i64, color: [u8; 3], alpha: f32) {
    let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else { return };
    if x >= img.width() || y >= img.height() {
        return;
    }
    let a = alpha.clamp(0.0, 1.0);
    let p = img.get_pixel_mut(x, y);
    for (c, ink) in p.0.iter_mut().zip(color) {
        *c = (f32::from(*c) * (1.0 - a) + f32::from(ink) * a).round() as u8;
    }
}

/// Laser-engraved digits: dark strokes with a light rim below and right.
pub fn engraved(img: &mut RgbImage, pen: &Pen<'_>, x: f32, y: f32, digits: &str) -> f32 {
    let rim = Pen { color: [250, 250, 250], bold: false, ..*pen };
    glyphs(img, &rim, x + 1.0, y + 1.0, digits);
    text(img, pen, x, y, digits)
}

/// A filled rectangle.
pub fn fill(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, color: [u8; 3]) {
    for y in y0.max(0)..y1.min(i64::from(img.height())) {
        for x in x0.max(0)..x1.min(i64::from(img.width())) {
            img.put_pixel(x as u32, y as u32, Rgb(color));
        }
    }
}

/// A rectangle's outline, `width` pixels thick.
pub fn frame(img: &mut RgbImage, (x0, y0, x1, y1): (i64, i64, i64, i64), width: i64, color: [u8; 3]) {
    fill(img, x0, y0, x1, y0 + width, color);
    fill(img, x0, y1 - width, x1, y1, color);
    fill(img, x0, y0, x0 + width, y1, color);
    fill(img, x1 - width, y0, x1, y1, color);
}
