//! The five landmarks followed by their look, for the liveness challenge.
//!
//! YuNet's landmarks come from a network that has learnt where a nose
//! usually is: from one frame to the next they jitter by several percent
//! of the eye distance, and the nose lags a head's turn. The turn measure
//! (`liveness::nose_residual`) needs where the very same patch of skin
//! went. So at the challenge's first look we keep a small patch around
//! each landmark and find each again in later frames by normalised
//! cross-correlation, near where it was last found moved as YuNet's
//! landmarks moved since: a flat picture's patches then move exactly
//! under one homography, a head's nose does not.
//!
//! The patches are biometric: wiped when dropped, never written or logged.

use opencv::core::{self, Mat, Point, Rect};
use opencv::imgproc;
use opencv::prelude::*;

use super::FaceError;
use super::geometry::eye_distance;
use super::liveness::Landmarks;
use super::pipeline::wipe;

/// A patch's side, in eye distances.
const PATCH: f32 = 0.4;
/// How far around where a patch is expected a look searches first, in eye
/// distances: where it was last found, moved as YuNet's landmark moved
/// since (a head moves less than this in 66 ms)...
const FOLLOW: f32 = 0.2;
/// ...and when it was lost in the previous look.
const SEARCH: f32 = 0.3;
/// A patch found with a correlation under this is not found...
const MIN_CORRELATION: f64 = 0.5;
/// ...and under this in the wider search after a look that lost it,
/// which meets more look-alikes (a wrong one there locked the nose's patch
/// onto the cheek; of the patches found again at 0.5 or more in 200
/// simulated live turns, 35 of 38 correlated 0.7 or more).
const MIN_CORRELATION_AGAIN: f64 = 0.7;
/// A patch found farther than this from this look's YuNet landmark, in
/// eye distances, has locked onto a look-alike (YuNet's nose lags a turn
/// by 0.3 at most).
const MAX_FROM_YUNET: f32 = 0.5;
/// Patches narrower than this (pixels) carry too little to follow.
const MIN_SIDE: i32 = 8;

/// The patches of the challenge's first look.
#[derive(Default)]
pub struct PointTracker {
    patches: Vec<(Mat, [f32; 2])>,
    /// Where the patches were last found: the next search starts there
    /// (in a wide turn YuNet's nose lags the real one).
    last: Option<Seen>,
}

/// Where the patches were last found, YuNet's landmarks in that look, and
/// whether it was the previous look.
#[derive(Clone, Copy)]
struct Seen {
    found: Landmarks,
    yunet: Landmarks,
    previous_look: bool,
}

impl Drop for PointTracker {
    fn drop(&mut self) {
        self.forget();
    }
}

impl PointTracker {
    /// Whether a first look is kept.
    pub fn started(&self) -> bool {
        !self.patches.is_empty()
    }

    /// Keeps the patches around `landmarks` in the greyscale `frame`.
    /// `Ok(false)` if a patch would leave the frame (nothing is kept).
    pub fn start(&mut self, frame: &Mat, landmarks: &Landmarks) -> Result<bool, FaceError> {
        self.forget();
        let side = patch_side(landmarks);
        let mut kept = Vec::with_capacity(5);
        for p in landmarks {
            let Some(rect) = square(frame, *p, side) else {
                kept.into_iter().for_each(|(mut m, _): (Mat, _)| wipe(&mut m));
                return Ok(false);
            };
            let patch = Mat::roi(frame, rect)?.try_clone()?;
            // Where the landmark sits in its patch, to the sub-pixel.
            kept.push((patch, [p[0] - rect.x as f32, p[1] - rect.y as f32]));
        }
        self.patches = kept;
        self.last = Some(Seen { found: *landmarks, yunet: *landmarks, previous_look: true });
        Ok(true)
    }

    /// Where each kept patch is in `frame`, looked for where it was last
    /// found, moved with the head (as YuNet's landmarks, `landmarks`, this
    /// frame's, moved since on average for the eyes; as the eyes did for
    /// the rest); `None` if any is not found: its best match is weak or
    /// beyond the search, or too far from YuNet's landmark to be the same
    /// point.
    pub fn follow(&mut self, frame: &Mat, landmarks: &Landmarks) -> Result<Option<Landmarks>, FaceError> {
        let Some(seen) = self.last.as_mut().filter(|_| self.patches.len() == 5) else {
            return Ok(None);
        };
        let ed = eye_distance(landmarks);
        let (reach, wanted) =
            if seen.previous_look { (FOLLOW, MIN_CORRELATION) } else { (SEARCH, MIN_CORRELATION_AGAIN) };
        let reach = ((reach * ed).round() as i32).max(2);
        seen.previous_look = false;
        let mean_shift = |points: &[usize], to: &Landmarks, from: &Landmarks| {
            let n = points.len().max(1) as f32;
            let sum = |axis: usize| points.iter().map(|&i| to[i][axis] - from[i][axis]).sum::<f32>() / n;
            [sum(0), sum(1)]
        };
        let mut found = [[0.0f32; 2]; 5];
        // The eyes first, the most distinct patches: where they were, moved
        // as YuNet saw the face move (averaged over its five points: each
        // alone jitters by up to a tenth of the eye distance). Then the nose
        // and the mouth's corners where they were, moved as the eyes were
        // found to move.
        let yunet_moved = mean_shift(&[0, 1, 2, 3, 4], landmarks, &seen.yunet);
        for group in [&[0usize, 1][..], &[2, 3, 4]] {
            let shift = if group[0] == 0 { yunet_moved } else { mean_shift(&[0, 1], &found, &seen.found) };
            for &i in group {
                let (patch, offset) = &self.patches[i];
                let expected = [seen.found[i][0] + shift[0], seen.found[i][1] + shift[1]];
                match find(frame, patch, *offset, expected, reach, wanted)? {
                    Some(at) if (at[0] - landmarks[i][0]).hypot(at[1] - landmarks[i][1]) <= MAX_FROM_YUNET * ed => {
                        found[i] = at;
                    }
                    _ => return Ok(None),
                }
            }
        }
        *seen = Seen { found, yunet: *landmarks, previous_look: true };
        Ok(Some(found))
    }

    /// Wipes and drops the patches (the end of a challenge or a check).
    pub fn forget(&mut self) {
        for (patch, _) in &mut self.patches {
            wipe(patch);
        }
        self.patches.clear();
        self.last = None;
    }
}

/// Where `patch` (its landmark `offset` into it) is in `frame` within
/// `reach` pixels of `near`: `None` if its best match there correlates
/// less than `wanted`, or is on
/// the search's edge (the real one lies beyond it: moving the search
/// towards it was tried, and in a turn it led the nose's patch onto the
/// cheek), or the search leaves the frame.
fn find(
    frame: &Mat,
    patch: &Mat,
    offset: [f32; 2],
    near: [f32; 2],
    reach: i32,
    wanted: f64,
) -> Result<Option<[f32; 2]>, FaceError> {
    let left = (near[0] - offset[0]).round() as i32 - reach;
    let top = (near[1] - offset[1]).round() as i32 - reach;
    let window = Rect::new(left, top, patch.cols() + 2 * reach, patch.rows() + 2 * reach);
    if window.x < 0 || window.y < 0 || window.x + window.width > frame.cols() || window.y + window.height > frame.rows()
    {
        return Ok(None);
    }
    let region = Mat::roi(frame, window)?;
    let mut scores = Mat::default();
    imgproc::match_template(&region, patch, &mut scores, imgproc::TM_CCOEFF_NORMED, &core::no_array())?;
    let (mut best, mut at) = (0.0, Point::default());
    core::min_max_loc(&scores, None, Some(&mut best), None, Some(&mut at), &core::no_array())?;
    let on_edge = at.x == 0 || at.y == 0 || at.x == scores.cols() - 1 || at.y == scores.rows() - 1;
    if best.is_nan() || best < wanted || on_edge {
        return Ok(None);
    }
    let (dx, dy) = subpixel(&scores, at)?;
    Ok(Some([left as f32 + at.x as f32 + dx + offset[0], top as f32 + at.y as f32 + dy + offset[1]]))
}

fn patch_side(l: &Landmarks) -> i32 {
    ((PATCH * eye_distance(l)).round() as i32).max(MIN_SIDE) | 1
}

/// The `side`-wide square centred on `p`, if it lies inside `frame`.
fn square(frame: &Mat, p: [f32; 2], side: i32) -> Option<Rect> {
    let (x, y) = ((p[0] - side as f32 / 2.0).round() as i32, (p[1] - side as f32 / 2.0).round() as i32);
    let inside = p[0].is_finite() && p[1].is_finite() && x >= 0 && y >= 0;
    (inside && x + side <= frame.cols() && y + side <= frame.rows()).then(|| Rect::new(x, y, side, side))
}

/// The peak's offset from `at` (−0.5 to 0.5 on each axis), from a parabola
/// through it and its neighbours.
fn subpixel(scores: &Mat, at: Point) -> Result<(f32, f32), FaceError> {
    let get = |x: i32, y: i32| -> Result<Option<f32>, FaceError> {
        if x < 0 || y < 0 || x >= scores.cols() || y >= scores.rows() {
            return Ok(None);
        }
        Ok(Some(*scores.at_2d::<f32>(y, x)?))
    };
    let peak = get(at.x, at.y)?.unwrap_or(0.0);
    let axis = |a: Option<f32>, b: Option<f32>| match (a, b) {
        (Some(a), Some(b)) => {
            let curve = a - 2.0 * peak + b;
            if curve < -1e-6 { (0.5 * (a - b) / curve).clamp(-0.5, 0.5) } else { 0.0 }
        }
        _ => 0.0,
    };
    Ok((axis(get(at.x - 1, at.y)?, get(at.x + 1, at.y)?), axis(get(at.x, at.y - 1)?, get(at.x, at.y + 1)?)))
}

#[cfg(test)]
mod tests {
    use opencv::core::{Scalar, Size};

    use super::*;
    use crate::face::liveness::nose_residual;

    /// Eyes, nose, mouth corners on a 300×300 picture (eye distance 60).
    const FACE: Landmarks = [[70.0, 80.0], [130.0, 80.0], [100.0, 115.0], [78.0, 145.0], [122.0, 145.0]];

    /// A random texture, the same on every run, with detail at two
    /// scales as skin has: fine grain that pins a patch to the pixel, and
    /// broad shading whose slope leads a search towards it.
    fn picture() -> Mat {
        core::set_rng_seed(7).unwrap_or_else(|e| unreachable!("{e}"));
        let blurred = |sigma: f64| {
            let mut noise = Mat::new_rows_cols_with_default(300, 300, core::CV_32FC1, Scalar::all(0.0))
                .unwrap_or_else(|e| unreachable!("{e}"));
            core::randu(&mut noise, &Scalar::all(0.0), &Scalar::all(1.0)).unwrap_or_else(|e| unreachable!("{e}"));
            let mut smooth = Mat::default();
            imgproc::gaussian_blur(&noise, &mut smooth, Size::new(0, 0), sigma, sigma, core::BORDER_REFLECT)
                .unwrap_or_else(|e| unreachable!("{e}"));
            let mut scaled = Mat::default();
            core::normalize(&smooth, &mut scaled, 0.0, 1.0, core::NORM_MINMAX, -1, &core::no_array())
                .unwrap_or_else(|e| unreachable!("{e}"));
            scaled
        };
        let (grain, shading) = (blurred(1.5), blurred(10.0));
        let mut both = Mat::default();
        core::add_weighted(&grain, 60.0, &shading, 190.0, 0.0, &mut both, core::CV_8U)
            .unwrap_or_else(|e| unreachable!("{e}"));
        both
    }

    /// `img` under the homography `h` (row-major, 3×3).
    fn warped(img: &Mat, h: [f64; 9]) -> Mat {
        let m = Mat::from_slice_2d(&[&h[0..3], &h[3..6], &h[6..9]]).unwrap_or_else(|e| unreachable!("{e}"));
        let mut out = Mat::default();
        imgproc::warp_perspective(
            img,
            &mut out,
            &m,
            img.size().unwrap_or_default(),
            imgproc::INTER_CUBIC,
            core::BORDER_REFLECT,
            Scalar::all(0.0),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        out
    }

    fn project(h: [f64; 9], p: [f32; 2]) -> [f32; 2] {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        let w = h[6] * x + h[7] * y + h[8];
        [((h[0] * x + h[1] * y + h[2]) / w) as f32, ((h[3] * x + h[4] * y + h[5]) / w) as f32]
    }

    #[test]
    fn a_patch_moved_a_few_pixels_is_found_to_a_fraction_of_a_pixel() {
        let img = picture();
        let mut t = PointTracker::default();
        assert!(t.start(&img, &FACE).unwrap_or(false));
        let shift = [1.0, 0.0, 2.5, 0.0, 1.0, -1.5, 0.0, 0.0, 1.0];
        let found = t.follow(&warped(&img, shift), &FACE).unwrap_or_else(|e| unreachable!("{e}"));
        let found = found.unwrap_or_else(|| unreachable!("patches lost"));
        for (f, p) in found.iter().zip(FACE) {
            assert!((f[0] - p[0] - 2.5).abs() < 0.3 && (f[1] - p[1] + 1.5).abs() < 0.3, "{f:?} from {p:?}");
        }
    }

    #[test]
    fn a_flat_picture_seen_in_perspective_shows_no_turn() {
        let img = picture();
        let mut t = PointTracker::default();
        assert!(t.start(&img, &FACE).unwrap_or(false));
        // A print swung a little about its vertical axis, then shifted.
        let h = [1.02, 0.01, 1.0, 0.015, 0.99, -2.0, 0.00015, 0.0, 1.0];
        let seen = warped(&img, h);
        let moved = FACE.map(|p| project(h, p));
        let found = t.follow(&seen, &moved).unwrap_or_else(|e| unreachable!("{e}"));
        let found = found.unwrap_or_else(|| unreachable!("patches lost"));
        let (turn, _) = nose_residual(&FACE, &found).unwrap_or_else(|| unreachable!("degenerate"));
        assert!(turn.abs() < 0.02, "a plane measured a turn of {turn}");
    }

    #[test]
    fn a_patch_is_looked_for_where_yunet_saw_the_face_move() {
        let img = picture();
        let mut t = PointTracker::default();
        assert!(t.start(&img, &FACE).unwrap_or(false));
        // 40 px is twice the search's reach, but YuNet saw the move.
        let moved = warped(&img, [1.0, 0.0, 40.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        let yunet = FACE.map(|[x, y]| [x + 38.0, y + 1.0]);
        let found = t.follow(&moved, &yunet).unwrap_or_else(|e| unreachable!("{e}"));
        let found = found.unwrap_or_else(|| unreachable!("patches lost"));
        for (f, p) in found.iter().zip(FACE) {
            assert!((f[0] - p[0] - 40.0).abs() < 0.3 && (f[1] - p[1]).abs() < 0.3, "{f:?} from {p:?}");
        }
    }

    #[test]
    fn a_patch_beyond_every_search_is_lost_not_placed_elsewhere() {
        let img = picture();
        let mut t = PointTracker::default();
        assert!(t.start(&img, &FACE).unwrap_or(false));
        let far = warped(&img, [1.0, 0.0, 60.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(t.follow(&far, &FACE).unwrap_or_else(|e| unreachable!("{e}")), None);
    }

    #[test]
    fn after_a_lost_look_the_search_starts_where_the_patch_was_moved_as_yunet_moved() {
        let img = picture();
        let mut t = PointTracker::default();
        assert!(t.start(&img, &FACE).unwrap_or(false));
        let far = warped(&img, [1.0, 0.0, 60.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(t.follow(&far, &FACE).unwrap_or_else(|e| unreachable!("{e}")), None);
        // YuNet saw the face move 60 px right: the patches are looked for there.
        let right = FACE.map(|[x, y]| [x + 60.0, y]);
        let found = t.follow(&far, &right).unwrap_or_else(|e| unreachable!("{e}"));
        let found = found.unwrap_or_else(|| unreachable!("patches lost"));
        for (f, p) in found.iter().zip(right) {
            assert!((f[0] - p[0]).abs() < 0.3 && (f[1] - p[1]).abs() < 0.3, "{f:?} for {p:?}");
        }
    }

    #[test]
    fn a_look_too_near_the_edge_keeps_nothing_and_forgetting_drops_the_patches() {
        let img = picture();
        let mut t = PointTracker::default();
        let mut edge = FACE;
        edge[0] = [2.0, 80.0];
        assert!(!t.start(&img, &edge).unwrap_or(true));
        assert!(!t.started());
        assert!(t.start(&img, &FACE).unwrap_or(false));
        t.forget();
        assert!(!t.started());
        assert_eq!(t.follow(&img, &FACE).unwrap_or_else(|e| unreachable!("{e}")), None);
    }
}
