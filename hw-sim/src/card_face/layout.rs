//! The flat card front, ID-1 proportions (85.6 × 54 mm), drawn at
//! [`WIDTH`] × [`HEIGHT`] pixels. The layout varies with a seed so a reader
//! cannot rely on fixed pixel positions.

use image::{Rgb, RgbImage, imageops};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use uketsuke_driver::hal::surface::FaceAuthMark;

use super::draw::{self, Fonts, Pen};
use super::{CardFace, CardFaceError, birth_line, expiry_line};
use crate::persona::Sex;

/// Width of the flat card in pixels (about 12 px/mm).
pub const WIDTH: u32 = 1024;
/// Height of the flat card in pixels.
pub const HEIGHT: u32 = 646;

/// How one card is laid out: chosen from a seed.
#[derive(Clone, Debug)]
pub struct Style {
    font: usize,
    scale: f32,
    dx: f32,
    dy: f32,
    code_first: bool,
    sex_below: bool,
    tint: [u8; 3],
    ink: [u8; 3],
}

impl Style {
    /// The layout for `seed`.
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x1a70_u64);
        let mut unit = move || (rng.next_u32() as f32) / (u32::MAX as f32);
        let font = (unit() * 8.0) as usize;
        let scale = 0.92 + unit() * 0.16;
        let (dx, dy) = (unit() * 30.0 - 15.0, unit() * 24.0 - 12.0);
        let code_first = unit() < 0.3;
        let sex_below = unit() < 0.3;
        let tint = [226 + (unit() * 22.0) as u8, 232 + (unit() * 18.0) as u8, 230 + (unit() * 20.0) as u8];
        let ink = [(10.0 + unit() * 40.0) as u8; 3];
        Self { font, scale, dx, dy, code_first, sex_below, tint, ink }
    }
}

impl Style {
    /// Which of the installed fonts the card is printed in (wrapping).
    pub fn font_index(&self) -> usize {
        self.font
    }
}

/// Draws the card's front, flat and square-on.
pub fn render(face: &CardFace, fonts: &Fonts, style: &Style) -> Result<RgbImage, CardFaceError> {
    let mut card = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb(style.tint));
    background(&mut card, style);
    let font = fonts.get(style.font);
    let s = style.scale;
    let (ox, oy) = (style.dx, style.dy);
    let pen = |size: f32| Pen { font, size: size * s, color: style.ink, bold: false };
    let label = Pen { color: [90, 90, 96], ..pen(19.0) };

    draw::text(&mut card, &label, 28.0 + ox, 44.0 + oy, "氏名");
    draw::text(&mut card, &Pen { bold: true, ..pen(40.0) }, 96.0 + ox, 32.0 + oy, &face.name);
    draw::text(&mut card, &label, 28.0 + ox, 118.0 + oy, "住所");
    let address_pen = pen(27.0);
    let mut y = 112.0 + oy;
    for line in wrap(&address_pen, &face.address, 560.0) {
        draw::text(&mut card, &address_pen, 96.0 + ox, y, &line);
        y += 38.0 * s;
    }
    let birth = birth_line(face.birth_date)?;
    let sex = match face.sex {
        Sex::Male => "性別 男",
        Sex::Female => "性別 女",
    };
    let by = 236.0 + oy;
    let w = draw::text(&mut card, &pen(28.0), 96.0 + ox, by, &birth);
    if style.sex_below {
        draw::text(&mut card, &pen(26.0), 96.0 + ox, by + 46.0 * s, sex);
    } else {
        draw::text(&mut card, &pen(28.0), 96.0 + ox + w + 56.0, by, sex);
    }
    draw::text(&mut card, &Pen { bold: true, ..pen(30.0) }, 28.0 + ox, 500.0 + oy, "個人番号カード");
    draw::text(&mut card, &pen(26.0), 28.0 + ox, 566.0 + oy, &expiry_line(face.expiry));

    // The photo, top right, with the engraved numbers under it.
    let (px, py, pw, ph) = (726i64, 40i64, 236u32, 295u32);
    if let Some(photo) = &face.photo {
        let fitted = imageops::resize(photo, pw, ph, imageops::FilterType::Triangle);
        imageops::overlay(&mut card, &fitted, px, py);
    } else {
        draw::fill(&mut card, px, py, px + i64::from(pw), py + i64::from(ph), [160, 160, 165]);
    }
    let engrave = Pen { color: [58, 58, 62], ..pen(23.0) };
    let code_pen = Pen { size: 26.0 * s, ..engrave };
    let serial_w = draw::text_width(&engrave, &face.serial);
    let code_w = draw::text_width(&code_pen, &face.security_code);
    let centre = px as f32 + pw as f32 / 2.0;
    let rows = if style.code_first { [(true, 352.0), (false, 392.0)] } else { [(false, 350.0), (true, 388.0)] };
    for (is_code, ry) in rows {
        if is_code {
            draw::engraved(&mut card, &code_pen, centre - code_w / 2.0, ry, &face.security_code);
        } else {
            draw::engraved(&mut card, &engrave, centre - serial_w / 2.0, ry, &face.serial);
        }
    }

    // The 追記欄, bottom right.
    let area = (600i64, 452i64, 1000i64, 626i64);
    draw::frame(&mut card, area, 2, [150, 150, 158]);
    if face.mark != FaceAuthMark::Absent {
        let mark_pen = Pen { bold: true, ..pen(32.0) };
        let (mx, my) = (640.0 + ox, 505.0 + oy / 2.0);
        let mw = draw::text(&mut card, &mark_pen, mx, my, "顔認証");
        if face.mark == FaceAuthMark::Cancelled {
            // 二重線: two lines through the word.
            let mid = my + mark_pen.size * 0.55;
            for off in [-4.0f32, 4.0] {
                let ly = (mid + off) as i64;
                draw::fill(&mut card, mx as i64 - 8, ly, (mx + mw) as i64 + 8, ly + 2, style.ink);
            }
        }
    }
    Ok(card)
}

/// A faint security pattern: soft circles a shade off the base colour.
fn background(card: &mut RgbImage, style: &Style) {
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(style.tint[0]) << 8 | u64::from(style.tint[1]));
    for _ in 0..14 {
        let cx = f32::from((rng.next_u32() % WIDTH) as u16);
        let cy = f32::from((rng.next_u32() % HEIGHT) as u16);
        let r = 40.0 + (rng.next_u32() % 90) as f32;
        let shade = [236, 214, 224];
        for y in (cy - r).max(0.0) as u32..((cy + r) as u32).min(HEIGHT) {
            for x in (cx - r).max(0.0) as u32..((cx + r) as u32).min(WIDTH) {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                if d < r {
                    draw::blend(card, x.into(), y.into(), shade, 0.25 * (1.0 - d / r));
                }
            }
        }
    }
}

/// Splits `text` into lines no wider than `max` (at character boundaries).
fn wrap(pen: &Pen<'_>, text: &str, max: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let mut next = lines.last().cloned().unwrap_or_default();
        next.push(c);
        if draw::text_width(pen, &next) > max && lines.last().is_some_and(|l| !l.is_empty()) {
            lines.push(c.to_string());
        } else if let Some(last) = lines.last_mut() {
            *last = next;
        }
    }
    lines
}
