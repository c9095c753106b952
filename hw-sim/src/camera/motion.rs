//! How things move in front of the virtual camera.
//!
//! - A live head turning: a landmark-driven warp that carries the nose (and
//!   less, the mouth and chin) sideways against the eyes, as a real head's
//!   nose, in front of the face's plane, moves when it turns. No flat
//!   picture can move like this.
//! - A print held in the hand: a flat plane swung in 3D and seen through a
//!   pinhole camera (a homography): every point of the picture moves
//!   together.

use image::{Rgb, RgbImage};

use super::wear::{FaceFrame, Landmarks};

/// Bilinear sample of `img` at (x, y); `None` outside.
fn bilinear(img: &RgbImage, x: f32, y: f32) -> Option<[f32; 3]> {
    if !(x >= 0.0 && y >= 0.0 && x < (img.width() - 1) as f32 && y < (img.height() - 1) as f32) {
        return None;
    }
    let (x0, y0) = (x as u32, y as u32);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |dx, dy| img.get_pixel(x0 + dx, y0 + dy).0.map(f32::from);
    let (a, b, c, d) = (p(0, 0), p(1, 0), p(0, 1), p(1, 1));
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = (a[i] * (1.0 - fx) + b[i] * fx) * (1.0 - fy) + (c[i] * (1.0 - fx) + d[i] * fx) * fy;
    }
    Some(out)
}

/// Control points of the turn, in face coordinates (eye distances), with
/// how far each moves sideways per unit of turn: the nose tip most, the
/// mouth and chin less, the eyes hardly.
const TURN_POINTS: [([f32; 2], f32); 6] = [
    ([0.0, 0.6], 0.5),
    ([0.0, 0.3], 0.2),
    ([-0.36, 1.0], 0.12),
    ([0.36, 1.0], 0.12),
    ([0.0, 1.5], 0.10),
    ([0.0, 0.0], 0.02),
];

/// The head turned by `amount` (−1 … 1; positive: the nose towards the
/// image's right, the patient's left). Returns the image and where the
/// landmarks went.
pub fn turn_head(img: &RgbImage, l: &Landmarks, amount: f32) -> (RgbImage, Landmarks) {
    let f = FaceFrame::new(l);
    let sigma2 = 2.0 * 0.3f32 * 0.3;
    let shift = |u: f32, v: f32| -> f32 {
        TURN_POINTS
            .iter()
            .map(|([cu, cv], k)| k * amount * (-((u - cu).powi(2) + (v - cv).powi(2)) / sigma2).exp())
            .sum()
    };
    let mut out = img.clone();
    // The face region only: eye distances around the face's frame.
    let corners = [f.to_image(-1.4, -0.8), f.to_image(1.4, -0.8), f.to_image(-1.4, 2.2), f.to_image(1.4, 2.2)];
    let lo = |i: usize| corners.iter().map(|c| c[i]).fold(f32::INFINITY, f32::min).max(0.0) as u32;
    let hi = |i: usize, m: u32| (corners.iter().map(|c| c[i]).fold(0.0f32, f32::max) as u32).min(m);
    for y in lo(1)..hi(1, img.height()) {
        for x in lo(0)..hi(0, img.width()) {
            let [u, v] = f.to_face(x as f32, y as f32);
            let d = shift(u, v);
            if d.abs() < 1e-3 {
                continue;
            }
            // Backward map: this pixel shows what was `d` eye distances back.
            let [sx, sy] = f.to_image(u - d, v);
            if let Some(c) = bilinear(img, sx, sy) {
                out.put_pixel(x, y, Rgb(c.map(|v| v.round() as u8)));
            }
        }
    }
    let moved = l.map(|[x, y]| {
        let [u, v] = f.to_face(x, y);
        let p = f.to_image(u + shift(u, v), v);
        [p[0], p[1]]
    });
    (out, moved)
}

/// A flat picture turned `yaw` radians about its vertical centre line and
/// `pitch` about its horizontal one, seen from `distance` pixels by a
/// camera of focal length `focal`, drawn on a canvas of its own size
/// (what falls outside shows `fill`).
pub fn swing_plane(img: &RgbImage, yaw: f32, pitch: f32, focal: f32, distance: f32, fill: Rgb<u8>) -> RgbImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (sy, cyw) = yaw.sin_cos();
    let (sp, cp) = pitch.sin_cos();
    // Rotation R = Ry(yaw) · Rx(pitch), the plane's points (X, Y, 0) at depth `distance`.
    let r = [[cyw, sy * sp, sy * cp], [0.0, cp, -sp], [-sy, cyw * sp, cyw * cp]];
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        // The viewing ray through the output pixel, intersected with the plane.
        let ray = [(x as f32 - cx) / focal, (y as f32 - cy) / focal, 1.0];
        let normal = [r[0][2], r[1][2], r[2][2]];
        let denom = ray[0] * normal[0] + ray[1] * normal[1] + ray[2] * normal[2];
        if denom.abs() < 1e-6 {
            return fill;
        }
        let t = distance * normal[2] / denom;
        let p = [ray[0] * t, ray[1] * t, ray[2] * t - distance];
        // Back to the plane's own axes (Rᵀ p).
        let px = r[0][0] * p[0] + r[1][0] * p[1] + r[2][0] * p[2];
        let py = r[0][1] * p[0] + r[1][1] * p[1] + r[2][1] * p[2];
        // The plane's pixels are scaled so that at rest it fills the canvas.
        let scale = focal / distance;
        bilinear(img, px * scale + cx, py * scale + cy).map_or(fill, |c| Rgb(c.map(|v| v.round() as u8)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn landmarks() -> Landmarks {
        [[70.0, 100.0], [130.0, 100.0], [100.0, 135.0], [78.0, 165.0], [122.0, 165.0]]
    }

    #[test]
    fn a_turn_moves_the_nose_against_the_eyes() {
        let img = RgbImage::from_fn(200, 240, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let (_, moved) = turn_head(&img, &landmarks(), 1.0);
        let l = landmarks();
        let nose = moved[2][0] - l[2][0];
        let eye = moved[0][0] - l[0][0];
        assert!(nose > 15.0, "{nose}");
        assert!(eye.abs() < 6.0, "the eyes hardly move: {eye}");
        let (_, back) = turn_head(&img, &l, -1.0);
        assert!(back[2][0] < l[2][0] - 15.0);
    }

    #[test]
    fn a_plane_at_rest_is_the_picture_itself() {
        let img = RgbImage::from_fn(120, 160, |x, y| Rgb([(x * 2) as u8, (y % 256) as u8, 0]));
        let same = swing_plane(&img, 0.0, 0.0, 600.0, 400.0, Rgb([0, 0, 0]));
        assert_eq!(same.get_pixel(30, 40), img.get_pixel(30, 40));
    }

    #[test]
    fn a_plane_turned_about_its_vertical_axis_looks_narrower() {
        let img = RgbImage::from_pixel(120, 160, Rgb([200, 200, 200]));
        let turned = swing_plane(&img, 0.6, 0.0, 600.0, 400.0, Rgb([0, 0, 0]));
        assert_eq!(turned.get_pixel(2, 80), &Rgb([0, 0, 0]), "its edge came in");
        assert_eq!(turned.get_pixel(60, 80), &Rgb([200, 200, 200]));
    }
}
