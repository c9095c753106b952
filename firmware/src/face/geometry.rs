//! The geometry of five face landmarks, for the liveness challenge: one
//! face from one look to the next, and where a flat picture would put the
//! nose (a homography of the eyes and mouth corners). Sans-IO.

use super::liveness::{Landmarks, Observation};

/// The eye distance of a set of landmarks.
pub(crate) fn eye_distance(l: &Landmarks) -> f32 {
    (l[1][0] - l[0][0]).hypot(l[1][1] - l[0][1])
}

/// Whether `b` can be the same face as `a` a moment later.
pub(crate) fn continuous(a: &Observation, b: &Observation, max_jump: f32) -> bool {
    let (da, db) = (eye_distance(&a.landmarks), eye_distance(&b.landmarks));
    if da < 1.0 || db < 1.0 {
        return false;
    }
    let mid = |l: &Landmarks| [(l[0][0] + l[1][0]) / 2.0, (l[0][1] + l[1][1]) / 2.0];
    let (ma, mb) = (mid(&a.landmarks), mid(&b.landmarks));
    let moved = (mb[0] - ma[0]).hypot(mb[1] - ma[1]) / da;
    moved <= max_jump && (db / da - 1.0).abs() <= max_jump
}

/// The nose's offset from where the homography carrying the eyes and
/// mouth corners (`from` → `to`) puts it, along the eyes' line of `to`, in
/// eye distances of `to` (positive: towards image-right); and how far the
/// eyes' midpoint moved, in eye distances (the rigid part of the motion).
/// `None` for degenerate landmarks.
pub fn nose_residual(from: &Landmarks, to: &Landmarks) -> Option<(f32, f32)> {
    let ed = eye_distance(to);
    if !(ed >= 1.0 && eye_distance(from) >= 1.0) {
        return None;
    }
    let anchors = [0usize, 1, 4, 3];
    let src: [[f64; 2]; 4] = anchors.map(|i| [f64::from(from[i][0]), f64::from(from[i][1])]);
    let dst: [[f64; 2]; 4] = anchors.map(|i| [f64::from(to[i][0]), f64::from(to[i][1])]);
    let h = homography(&src, &dst)?;
    let predicted = project(&h, [f64::from(from[2][0]), f64::from(from[2][1])])?;
    let (rx, ry) = (f64::from(to[2][0]) - predicted[0], f64::from(to[2][1]) - predicted[1]);
    let axis = [f64::from(to[1][0] - to[0][0]) / f64::from(ed), f64::from(to[1][1] - to[0][1]) / f64::from(ed)];
    let along = (rx * axis[0] + ry * axis[1]) / f64::from(ed);
    let mid = |l: &Landmarks| [(l[0][0] + l[1][0]) / 2.0, (l[0][1] + l[1][1]) / 2.0];
    let (a, b) = (mid(from), mid(to));
    let rigid = (b[0] - a[0]).hypot(b[1] - a[1]) / eye_distance(from);
    along.is_finite().then_some((along as f32, rigid))
}

/// How much the nose and mouth moved against the eyes between two sets of
/// landmarks, after removing the similarity (shift, turn, scale) that
/// carries the eyes: the largest move, in eye distances.
pub(crate) fn shape_change(a: &Landmarks, b: &Landmarks) -> f32 {
    let frame = |l: &Landmarks| {
        let o = [(l[0][0] + l[1][0]) / 2.0, (l[0][1] + l[1][1]) / 2.0];
        let (ux, uy) = (l[1][0] - l[0][0], l[1][1] - l[0][1]);
        let d2 = (ux * ux + uy * uy).max(1e-6);
        let to_local = move |p: [f32; 2]| {
            let (dx, dy) = (p[0] - o[0], p[1] - o[1]);
            [(dx * ux + dy * uy) / d2, (-dx * uy + dy * ux) / d2]
        };
        [to_local(l[2]), to_local(l[3]), to_local(l[4])]
    };
    let (fa, fb) = (frame(a), frame(b));
    fa.iter().zip(fb.iter()).map(|(p, q)| (p[0] - q[0]).hypot(p[1] - q[1])).fold(0.0, f32::max)
}

/// The homography (h₃₃ = 1) carrying four points onto four others, by
/// Gaussian elimination on the 8×8 direct linear system.
fn homography(src: &[[f64; 2]; 4], dst: &[[f64; 2]; 4]) -> Option<[f64; 9]> {
    let mut m = [[0.0f64; 9]; 8];
    for (i, (s, d)) in src.iter().zip(dst).enumerate() {
        let (x, y, u, v) = (s[0], s[1], d[0], d[1]);
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-9 {
            return None;
        }
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (k, value) in m[row].iter_mut().enumerate().skip(col) {
                    *value -= f * pivot_row[k];
                }
            }
        }
    }
    let mut h = [0.0; 9];
    for (i, hi) in h.iter_mut().take(8).enumerate() {
        *hi = m[i][8] / m[i][i];
    }
    h[8] = 1.0;
    Some(h)
}

fn project(h: &[f64; 9], p: [f64; 2]) -> Option<[f64; 2]> {
    let w = h[6] * p[0] + h[7] * p[1] + h[8];
    (w.abs() > 1e-9).then(|| [(h[0] * p[0] + h[1] * p[1] + h[2]) / w, (h[3] * p[0] + h[4] * p[1] + h[5]) / w])
}
