//! What a patient wears or does to their eyes, drawn on a face image from
//! its five landmarks: a mask, sunglasses, clear glasses, closed eyes.
//! Everything is drawn in the face's own frame (along the eyes' line), so a
//! tilted face wears its mask tilted.

use image::{Rgb, RgbImage};

/// The five face landmarks (x, y) in an image: the image-left eye, the
/// image-right eye, the nose tip, the image-left and image-right mouth
/// corners (YuNet's order).
pub type Landmarks = [[f32; 2]; 5];

/// The face's frame: origin between the eyes, `u` along the eyes' line
/// (towards the image-right eye), `v` down the face, both in eye distances.
#[derive(Clone, Copy, Debug)]
pub struct FaceFrame {
    origin: [f32; 2],
    axis: [f32; 2],
    /// Eye distance in pixels.
    pub ed: f32,
}

impl FaceFrame {
    /// The frame of these landmarks.
    pub fn new(l: &Landmarks) -> Self {
        let origin = [(l[0][0] + l[1][0]) / 2.0, (l[0][1] + l[1][1]) / 2.0];
        let (dx, dy) = (l[1][0] - l[0][0], l[1][1] - l[0][1]);
        let ed = dx.hypot(dy).max(1.0);
        Self { origin, axis: [dx / ed, dy / ed], ed }
    }

    /// Image point → face coordinates (eye distances).
    pub fn to_face(&self, x: f32, y: f32) -> [f32; 2] {
        let (dx, dy) = (x - self.origin[0], y - self.origin[1]);
        [(dx * self.axis[0] + dy * self.axis[1]) / self.ed, (-dx * self.axis[1] + dy * self.axis[0]) / self.ed]
    }

    /// Face coordinates → image point.
    pub fn to_image(&self, u: f32, v: f32) -> [f32; 2] {
        let (u, v) = (u * self.ed, v * self.ed);
        [self.origin[0] + u * self.axis[0] - v * self.axis[1], self.origin[1] + u * self.axis[1] + v * self.axis[0]]
    }

    /// The image box (x0, y0, x1, y1) holding face coordinates within
    /// `[u0, u1] × [v0, v1]`, clipped to `img`.
    fn bounds(&self, img: &RgbImage, u: [f32; 2], v: [f32; 2]) -> (u32, u32, u32, u32) {
        let corners = [
            self.to_image(u[0], v[0]),
            self.to_image(u[1], v[0]),
            self.to_image(u[0], v[1]),
            self.to_image(u[1], v[1]),
        ];
        let xs = corners.map(|c| c[0]);
        let ys = corners.map(|c| c[1]);
        let lo = |a: [f32; 4]| a.iter().copied().fold(f32::INFINITY, f32::min).max(0.0) as u32;
        let hi = |a: [f32; 4], max: u32| (a.iter().copied().fold(f32::NEG_INFINITY, f32::max).max(0.0) as u32).min(max);
        (lo(xs), lo(ys), hi(xs, img.width()), hi(ys, img.height()))
    }
}

fn blend(p: &mut Rgb<u8>, c: [f32; 3], alpha: f32) {
    let a = alpha.clamp(0.0, 1.0);
    for (ch, target) in p.0.iter_mut().zip(c) {
        *ch = (f32::from(*ch) * (1.0 - a) + target * a).round().clamp(0.0, 255.0) as u8;
    }
}

/// Paints every pixel whose face coordinates `(u, v)` get an alpha > 0 from
/// `paint` (alpha, colour), inside the given face-coordinate box.
fn paint_face(
    img: &mut RgbImage,
    frame: &FaceFrame,
    u: [f32; 2],
    v: [f32; 2],
    paint: impl Fn(f32, f32, [f32; 3]) -> Option<(f32, [f32; 3])>,
) {
    let (x0, y0, x1, y1) = frame.bounds(img, u, v);
    for y in y0..y1 {
        for x in x0..x1 {
            let [fu, fv] = frame.to_face(x as f32 + 0.5, y as f32 + 0.5);
            let p = img.get_pixel_mut(x, y);
            let here = p.0.map(f32::from);
            if let Some((alpha, colour)) = paint(fu, fv, here) {
                blend(p, colour, alpha);
            }
        }
    }
}

/// A soft edge: 1 inside (`d` ≤ 1 − w), 0 outside (`d` ≥ 1).
fn soft(d: f32, w: f32) -> f32 {
    ((1.0 - d) / w).clamp(0.0, 1.0)
}

/// The mean colour of a small patch around face coordinates `(u, v)`.
fn sample(img: &RgbImage, frame: &FaceFrame, u: f32, v: f32) -> [f32; 3] {
    let [cx, cy] = frame.to_image(u, v);
    let r = (frame.ed * 0.08).max(1.0) as i64;
    let (mut sum, mut n) = ([0.0f32; 3], 0.0f32);
    for dy in -r..=r {
        for dx in -r..=r {
            let (x, y) = (cx as i64 + dx, cy as i64 + dy);
            if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
                let p = img.get_pixel(x as u32, y as u32);
                for (s, c) in sum.iter_mut().zip(p.0) {
                    *s += f32::from(c);
                }
                n += 1.0;
            }
        }
    }
    sum.map(|s| s / n.max(1.0))
}

/// A surgical mask in `colour` from the bridge of the nose to under the chin.
pub fn mask(img: &mut RgbImage, l: &Landmarks, colour: [f32; 3]) {
    let f = FaceFrame::new(l);
    let (top, bottom, half) = (0.3f32, 1.85f32, 1.0f32);
    let (cv, hh) = ((top + bottom) / 2.0, (bottom - top) / 2.0);
    paint_face(img, &f, [-half - 0.1, half + 0.1], [top - 0.1, bottom + 0.1], |u, v, _| {
        let d = ((u / half).powi(4) + ((v - cv) / hh).powi(4)).powf(0.25);
        let alpha = soft(d, 0.04);
        // Pleats: three soft horizontal folds, and light from above.
        let pleat = 1.0 - 0.08 * ((v - top) / (bottom - top) * 3.0 * std::f32::consts::TAU).cos().max(0.0);
        let shade = (1.0 - 0.12 * (v - top) / (bottom - top)) * pleat;
        (alpha > 0.0).then_some((alpha, colour.map(|c| c * shade)))
    });
}

/// Dark lenses over both eyes, with a bridge.
pub fn sunglasses(img: &mut RgbImage, l: &Landmarks) {
    let f = FaceFrame::new(l);
    paint_face(img, &f, [-1.05, 1.05], [-0.45, 0.45], |u, v, _| {
        let lens = |cu: f32| (((u - cu) / 0.42).powi(2) + (v / 0.3).powi(2)).sqrt();
        let d = lens(-0.5).min(lens(0.5));
        let bridge = (u.abs() < 0.12 && (v + 0.08).abs() < 0.03) as u8 as f32;
        let alpha = soft(d, 0.06).max(bridge);
        // A faint reflection across the top of each lens.
        let glint = if v < -0.12 { 14.0 } else { 0.0 };
        (alpha > 0.0).then_some((alpha, [22.0 + glint, 22.0 + glint, 28.0 + glint]))
    });
}

/// Clear glasses: thin dark frames, lenses that barely change the eyes.
pub fn clear_glasses(img: &mut RgbImage, l: &Landmarks) {
    let f = FaceFrame::new(l);
    paint_face(img, &f, [-1.05, 1.05], [-0.45, 0.45], |u, v, here| {
        let lens = |cu: f32| (((u - cu) / 0.42).powi(2) + (v / 0.3).powi(2)).sqrt();
        let d = lens(-0.5).min(lens(0.5));
        let rim = (d - 1.0).abs() < 0.05;
        let bridge = u.abs() < 0.12 && (v + 0.08).abs() < 0.025;
        if rim || bridge {
            Some((0.9, [58.0, 44.0, 36.0]))
        } else if d < 1.0 {
            // The lens: a slight sheen.
            Some((0.06, here.map(|_| 255.0)))
        } else {
            None
        }
    });
}

/// Both eyes closed: lids in the skin's colour (sampled below each eye),
/// and a lash line.
pub fn closed_eyes(img: &mut RgbImage, l: &Landmarks) {
    let f = FaceFrame::new(l);
    for cu in [-0.5f32, 0.5] {
        let lid = sample(img, &f, cu, 0.42);
        let lash = lid.map(|c| c * 0.55);
        paint_face(img, &f, [cu - 0.4, cu + 0.4], [-0.25, 0.25], |u, v, _| {
            let d = (((u - cu) / 0.33).powi(2) + (v / 0.19).powi(2)).sqrt();
            let alpha = soft(d, 0.3);
            // The lids meet in a soft, thin line of lashes, curving down.
            let arc = 0.04 * (1.0 - ((u - cu) / 0.26).powi(2));
            let off = (v - arc).abs() / 0.014;
            let lash_alpha = if (u - cu).abs() < 0.26 { 0.7 * (1.0 - off).max(0.0) } else { 0.0 };
            if lash_alpha > 0.0 {
                let blended: [f32; 3] = std::array::from_fn(|i| lid[i] * (1.0 - lash_alpha) + lash[i] * lash_alpha);
                Some((alpha.max(0.9), blended))
            } else {
                (alpha > 0.0).then_some((alpha, lid))
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face_image() -> (RgbImage, Landmarks) {
        let img = RgbImage::from_pixel(200, 240, Rgb([200, 160, 140]));
        (img, [[70.0, 100.0], [130.0, 100.0], [100.0, 135.0], [78.0, 165.0], [122.0, 165.0]])
    }

    #[test]
    fn the_face_frame_round_trips_and_follows_a_tilt() {
        let l = [[70.0, 100.0], [130.0, 110.0], [100.0, 135.0], [78.0, 165.0], [122.0, 165.0]];
        let f = FaceFrame::new(&l);
        let [x, y] = f.to_image(0.3, 0.8);
        let [u, v] = f.to_face(x, y);
        assert!((u - 0.3).abs() < 1e-4 && (v - 0.8).abs() < 1e-4);
        assert!((f.to_image(0.5, 0.0)[1] - 110.0).abs() < 1e-3, "the image-right eye");
    }

    #[test]
    fn a_mask_covers_the_mouth_and_leaves_the_eyes() {
        let (mut img, l) = face_image();
        mask(&mut img, &l, [235.0, 235.0, 240.0]);
        assert!(img.get_pixel(100, 165)[0] > 210, "mouth covered");
        assert_eq!(img.get_pixel(70, 100), &Rgb([200, 160, 140]), "eye bare");
    }

    #[test]
    fn sunglasses_darken_the_eyes_and_clear_glasses_do_not() {
        let (mut dark, l) = face_image();
        sunglasses(&mut dark, &l);
        assert!(dark.get_pixel(70, 100)[0] < 60);
        let (mut clear, _) = face_image();
        clear_glasses(&mut clear, &l);
        assert!(clear.get_pixel(70, 100)[0] >= 200);
    }

    #[test]
    fn closed_eyes_take_the_skin_colour_below_them() {
        let (mut img, l) = face_image();
        for y in 95..106 {
            for x in 60..80 {
                img.put_pixel(x, y, Rgb([30, 30, 30]));
            }
        }
        closed_eyes(&mut img, &l);
        assert!(img.get_pixel(66, 96)[0] > 150, "{:?}", img.get_pixel(66, 96));
    }
}
