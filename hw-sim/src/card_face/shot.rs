//! The card slot's camera photographing the flat card: placement
//! (scale, rotation, perspective), uneven light, glare, blur, sensor noise,
//! JPEG, and a thumb over a corner or over the security code. Deterministic
//! from a seed.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::draw;
use super::layout::{HEIGHT as CARD_H, WIDTH as CARD_W};

/// Frame width of the card-slot camera.
pub const WIDTH: u32 = 1280;
/// Frame height of the card-slot camera.
pub const HEIGHT: u32 = 720;

/// Where a thumb rests on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thumb {
    /// Over the top-left corner (the 氏名 label): harmless.
    TopLeft,
    /// Over the top-right corner of the photo: harmless.
    TopRight,
    /// Over the engraved numbers under the photo: the code cannot be read.
    OverCode,
}

/// One photograph's conditions.
#[derive(Clone, Debug)]
pub struct Shot {
    /// Card width as a share of the frame width.
    pub scale: f32,
    /// Rotation in degrees.
    pub rotation: f32,
    /// Corner displacement (perspective), as a share of the card width.
    pub perspective: [(f32, f32); 4],
    /// Offset of the card centre from the frame centre, pixels.
    pub offset: (f32, f32),
    /// Light across the card: brightness at the left and right edges.
    pub light: (f32, f32),
    /// A glare spot: centre on the card (0–1), radius (share of card width), strength 0–1.
    pub glare: Option<((f32, f32), f32, f32)>,
    /// Gaussian blur sigma in pixels.
    pub blur: f32,
    /// Sensor noise, standard deviation in grey levels.
    pub noise: f32,
    /// JPEG quality.
    pub jpeg_quality: u8,
    /// A thumb on the card.
    pub thumb: Option<Thumb>,
    /// Seed for the noise and the tray texture.
    pub seed: u64,
}

impl Shot {
    /// A clean, square-on photograph.
    pub fn clean(seed: u64) -> Self {
        Self {
            scale: 0.74,
            rotation: 0.0,
            perspective: [(0.0, 0.0); 4],
            offset: (0.0, 0.0),
            light: (1.0, 1.0),
            glare: None,
            blur: 0.0,
            noise: 2.0,
            jpeg_quality: 92,
            thumb: None,
            seed,
        }
    }

    /// A random readable placement as patients leave cards in the slot:
    /// tilted, off-centre, unevenly lit, sometimes a soft reflection,
    /// slightly blurred, noisy, compressed, sometimes a thumb over a
    /// harmless corner. (Strong glare and a thumb over the code are the
    /// explicit [`Shot::with_glare`] and [`Thumb::OverCode`].)
    pub fn random(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut u = move || (rng.next_u32() as f32) / (u32::MAX as f32);
        let scale = 0.62 + u() * 0.12;
        let rotation = u() * 8.0 - 4.0;
        let mut perspective = [(0.0, 0.0); 4];
        for p in &mut perspective {
            *p = ((u() - 0.5) * 0.04, (u() - 0.5) * 0.04);
        }
        let offset = ((u() - 0.5) * 120.0, (u() - 0.5) * 24.0);
        let light = (0.72 + u() * 0.4, 0.72 + u() * 0.4);
        let glare = (u() < 0.35).then(|| ((u(), u()), 0.06 + u() * 0.12, 0.1 + u() * 0.25));
        // A card-slot camera is fixed-focus at a fixed distance and the card
        // lies still: little blur. Webcams deliver MJPEG at quality 70-95.
        let blur = u() * 0.7;
        let noise = 1.0 + u() * 5.0;
        let jpeg_quality = 70 + (u() * 25.0) as u8;
        let thumb = match (u() * 6.0) as u32 {
            0 => Some(Thumb::TopLeft),
            1 => Some(Thumb::TopRight),
            _ => None,
        };
        Self { scale, rotation, perspective, offset, light, glare, blur, noise, jpeg_quality, thumb, seed }
    }

    /// The same shot with a strong reflection over the middle of the card.
    pub fn with_glare(mut self) -> Self {
        self.glare = Some(((0.45, 0.45), 0.3, 0.9));
        self
    }

    /// The card's corners in the frame (top-left, top-right, bottom-right, bottom-left).
    pub fn corners(&self) -> [(f32, f32); 4] {
        let w = WIDTH as f32 * self.scale;
        let h = w * CARD_H as f32 / CARD_W as f32;
        let (c, s) = (self.rotation.to_radians().cos(), self.rotation.to_radians().sin());
        let centre = (WIDTH as f32 / 2.0 + self.offset.0, HEIGHT as f32 / 2.0 + self.offset.1);
        let base = [(-w / 2.0, -h / 2.0), (w / 2.0, -h / 2.0), (w / 2.0, h / 2.0), (-w / 2.0, h / 2.0)];
        let mut out = [(0.0, 0.0); 4];
        for (i, (x, y)) in base.into_iter().enumerate() {
            let (jx, jy) = self.perspective[i];
            let (x, y) = (x + jx * w, y + jy * w);
            out[i] = (centre.0 + x * c - y * s, centre.1 + x * s + y * c);
        }
        out
    }

    /// Photographs `card` (a flat card from [`super::layout::render`]).
    /// Returns the JPEG bytes the camera delivers.
    pub fn photograph(&self, card: &RgbImage) -> Vec<u8> {
        let mut frame = tray(self.seed);
        let corners = self.corners();
        let card_corners = [(0.0, 0.0), (CARD_W as f32, 0.0), (CARD_W as f32, CARD_H as f32), (0.0, CARD_H as f32)];
        if let Some(to_card) = homography(&corners, &card_corners) {
            for y in 0..HEIGHT {
                for x in 0..WIDTH {
                    let (cx, cy) = apply(&to_card, x as f32 + 0.5, y as f32 + 0.5);
                    if let Some(p) = sample(card, cx - 0.5, cy - 0.5) {
                        let light = self.light.0 + (self.light.1 - self.light.0) * (cx / CARD_W as f32).clamp(0.0, 1.0);
                        let mut v = p.map(|c| c * light);
                        if let Some(((gx, gy), r, k)) = self.glare {
                            let (dx, dy) = (cx / CARD_W as f32 - gx, (cy - gy * CARD_H as f32) / CARD_W as f32);
                            let g = k * 255.0 * (-(dx * dx + dy * dy) / (2.0 * r * r)).exp();
                            v = v.map(|c| c + g);
                        }
                        frame.put_pixel(x, y, Rgb(v.map(|c| c.clamp(0.0, 255.0) as u8)));
                    }
                }
            }
        }
        if let Some(thumb) = self.thumb {
            self.thumb_on(&mut frame, thumb, &corners);
        }
        let mut frame = if self.blur > 0.05 { image::imageops::blur(&frame, self.blur) } else { frame };
        add_noise(&mut frame, self.noise, self.seed);
        let mut jpeg = Vec::new();
        // Encoding into memory only fails on an impossible image.
        let _ = JpegEncoder::new_with_quality(&mut jpeg, self.jpeg_quality).encode_image(&frame);
        jpeg
    }

    fn thumb_on(&self, frame: &mut RgbImage, thumb: Thumb, corners: &[(f32, f32); 4]) {
        let card_w = WIDTH as f32 * self.scale;
        let at = |fx: f32, fy: f32| {
            // A point on the card given as a share of its width and height.
            let top = lerp(corners[0], corners[1], fx);
            let bottom = lerp(corners[3], corners[2], fx);
            lerp(top, bottom, fy)
        };
        let (centre, radii) = match thumb {
            Thumb::TopLeft => (at(0.0, 0.05), (0.09, 0.14)),
            Thumb::TopRight => (at(1.0, 0.05), (0.09, 0.14)),
            Thumb::OverCode => (at(0.92, 0.6), (0.15, 0.07)),
        };
        let (rx, ry) = (radii.0 * card_w, radii.1 * card_w);
        for y in (centre.1 - ry).max(0.0) as u32..((centre.1 + ry) as u32).min(HEIGHT) {
            for x in (centre.0 - rx).max(0.0) as u32..((centre.0 + rx) as u32).min(WIDTH) {
                let d = ((x as f32 - centre.0) / rx).powi(2) + ((y as f32 - centre.1) / ry).powi(2);
                if d < 1.0 {
                    let shade = 1.0 - 0.25 * d;
                    let skin = [212.0 * shade, 160.0 * shade, 132.0 * shade].map(|c: f32| c as u8);
                    draw::blend(frame, x.into(), y.into(), skin, 1.0);
                }
            }
        }
    }
}

fn lerp(a: (f32, f32), b: (f32, f32), t: f32) -> (f32, f32) {
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

/// The dark tray of the card slot, with a little texture.
fn tray(seed: u64) -> RgbImage {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x7a4);
    let base = 38.0 + (rng.next_u32() % 30) as f32;
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let v = base + 14.0 * (x as f32 / WIDTH as f32) + 8.0 * ((y / 9 + x / 13) % 2) as f32;
        Rgb([v as u8, (v + 2.0) as u8, (v + 5.0) as u8])
    })
}

fn add_noise(frame: &mut RgbImage, sigma: f32, seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x9015e);
    for p in frame.pixels_mut() {
        // Sum of uniforms: close enough to Gaussian for sensor noise.
        let n = (0..4).map(|_| (rng.next_u32() as f32) / (u32::MAX as f32) - 0.5).sum::<f32>() * sigma * 1.73;
        for c in &mut p.0 {
            *c = (f32::from(*c) + n).clamp(0.0, 255.0) as u8;
        }
    }
}

fn sample(img: &RgbImage, x: f32, y: f32) -> Option<[f32; 3]> {
    if x < 0.0 || y < 0.0 || x > (img.width() - 1) as f32 || y > (img.height() - 1) as f32 {
        return None;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(img.width() - 1), (y0 + 1).min(img.height() - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let px = |x, y| img.get_pixel(x, y).0.map(f32::from);
    let (a, b, c, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
    let mut out = [0.0; 3];
    for i in 0..3 {
        let top = a[i] + (b[i] - a[i]) * fx;
        let bottom = c[i] + (d[i] - c[i]) * fx;
        out[i] = top + (bottom - top) * fy;
    }
    Some(out)
}

/// The 3×3 homography taking `from` to `to` (four point pairs), by
/// Gaussian elimination; `None` if the points are degenerate.
fn homography(from: &[(f32, f32); 4], to: &[(f32, f32); 4]) -> Option<[f64; 9]> {
    let mut m = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = (f64::from(from[i].0), f64::from(from[i].1));
        let (u, v) = (f64::from(to[i].0), f64::from(to[i].1));
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-9 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col];
        for (row, r) in m.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / pivot_row[col];
                for (x, p) in r.iter_mut().zip(pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let h: Vec<f64> = (0..8).map(|i| m[i][8] / m[i][i]).collect();
    Some([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0])
}

fn apply(h: &[f64; 9], x: f32, y: f32) -> (f32, f32) {
    let (x, y) = (f64::from(x), f64::from(y));
    let w = h[6] * x + h[7] * y + h[8];
    (((h[0] * x + h[1] * y + h[2]) / w) as f32, ((h[3] * x + h[4] * y + h[5]) / w) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_homography_maps_its_control_points() {
        let from = [(10.0, 20.0), (300.0, 15.0), (310.0, 200.0), (5.0, 210.0)];
        let to = [(0.0, 0.0), (100.0, 0.0), (100.0, 60.0), (0.0, 60.0)];
        let h = homography(&from, &to).unwrap_or_else(|| unreachable!());
        for (f, t) in from.iter().zip(to) {
            let (x, y) = apply(&h, f.0, f.1);
            assert!((x - t.0).abs() < 1e-3 && (y - t.1).abs() < 1e-3);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_shot() {
        assert_eq!(format!("{:?}", Shot::random(5)), format!("{:?}", Shot::random(5)));
        assert_ne!(format!("{:?}", Shot::random(5)), format!("{:?}", Shot::random(6)));
    }

    #[test]
    fn a_random_card_stays_inside_the_frame() {
        for seed in 0..200 {
            for (x, y) in Shot::random(seed).corners() {
                assert!((0.0..WIDTH as f32).contains(&x) && (0.0..HEIGHT as f32).contains(&y), "seed {seed}");
            }
        }
    }
}
