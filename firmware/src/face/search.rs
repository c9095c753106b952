//! Where YuNet looks in a camera frame: the whole frame costs about
//! twice what the kiosk needs. A face is found on a small copy of the
//! frame, then again on the full frame in a window around it, where its
//! box and landmarks come out as the whole frame's; on the next frame it
//! is looked for in a window around where it was, and the small copy is
//! searched again every other frame for anyone else (docs/face.md,
//! "Speed").
//!
//! The window's corner sits on YuNet's coarsest stride ([`GRID`]), so the
//! network's anchors fall where they fall on the whole frame: off the
//! grid, the same face's landmarks move by up to a fifth of the eye
//! distance; on it, with half a face of context on each side
//! ([`WINDOW_MARGIN`]), they match the whole frame's to a hundredth of
//! the eye distance (median; `uketsuke-face bench` prints the scores'
//! difference).

use opencv::core::{self, Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::FaceError;
use super::detect::{Detector, Face, run};

/// A width for [`Detector::detect_scaled`]: the copy costs a third of a
/// 640×480 search, and a face the quality gate accepts (16 % of the
/// frame) is still 51 px wide there.
pub const DETECTION_WIDTH: i32 = 320;

/// YuNet's coarsest stride.
pub const GRID: i32 = 32;

/// Context around a face in its window on the full frame, as a fraction
/// of the face's width (left and right) and height (above and below):
/// half a face keeps the landmarks within 2 % of the eye distance of the
/// whole frame's in nine frames out of ten (a third: 5 %).
pub const WINDOW_MARGIN: f32 = 0.5;

/// Frames a face is followed in its window alone before the small copy
/// is searched again: anyone else in the frame is seen at most this many
/// frames late, and until then the last search's other faces still count.
pub const FOLLOW_FRAMES: u32 = 1;

/// The face followed from frame to frame, and the other faces the last
/// search of the whole (small) frame saw. Positions only; wiped with
/// [`Detector::forget`].
#[derive(Clone, Debug)]
pub struct Followed {
    face: Face,
    others: Vec<Face>,
    followed_for: u32,
}

impl Detector {
    /// Detects faces in a camera frame as [`Detector::detect`] would on
    /// the whole frame, for about half the cost: first on a copy scaled
    /// down to `max_width` pixels wide (see [`DETECTION_WIDTH`]), then the
    /// strongest face again on the full frame in a window around it
    /// ([`window_around`]), where its box and landmarks come out as the
    /// whole frame's (alignment and the tilt and liveness gates need them
    /// to the pixel; the small copy's are off by up to a third of the eye
    /// distance). The other faces keep the small copy's boxes (they only
    /// count as a second face, `quality::assess_placement`). A face the
    /// window does not confirm where the small copy put it sends the
    /// search to the whole frame. A frame already that narrow is searched
    /// as it is.
    pub fn detect_scaled(&mut self, bgr: &Mat, max_width: i32) -> Result<Vec<Face>, FaceError> {
        if bgr.cols() <= max_width || max_width < GRID {
            return self.detect(bgr);
        }
        let scale = bgr.cols() as f64 / f64::from(max_width);
        let size = Size::new(max_width, ((bgr.rows() as f64 / scale).round() as i32).max(1));
        let mut small = Mat::default();
        imgproc::resize(bgr, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)?;
        let found = self.detect(&small);
        // The small copy is as biometric as the frame.
        super::pipeline::wipe(&mut small);
        let (sx, sy) = (bgr.cols() as f32 / size.width as f32, bgr.rows() as f32 / size.height as f32);
        let mut faces: Vec<Face> = found?.into_iter().map(|f| f.scaled(sx, sy)).collect();
        let Some(first) = faces.first_mut() else { return Ok(faces) };
        match self.find_in_window(bgr, first)? {
            Some(sharp) => {
                *first = sharp;
                Ok(faces)
            }
            None => self.detect(bgr),
        }
    }

    /// [`Detector::detect_scaled`] on a stream of frames: a face found in
    /// the last frame is looked for in a window around where it was, for
    /// [`FOLLOW_FRAMES`] frames in a row; then, or when it is not found
    /// there, the frame is searched as [`Detector::detect_scaled`] does.
    /// While followed, the other faces are the last search's (so a second
    /// person keeps the frame unusable). Call [`Detector::forget`] between
    /// checks.
    pub fn follow(&mut self, bgr: &Mat, max_width: i32) -> Result<Vec<Face>, FaceError> {
        if let Some(last) = self.followed.take()
            && last.followed_for < FOLLOW_FRAMES
            && let Some(face) = self.find_in_window(bgr, &last.face)?
        {
            let faces = std::iter::once(face).chain(last.others.iter().copied()).collect();
            self.followed = Some(Followed { face, others: last.others, followed_for: last.followed_for + 1 });
            return Ok(faces);
        }
        let faces = self.detect_scaled(bgr, max_width)?;
        self.followed = faces.split_first().map(|(face, others)| Followed {
            face: *face,
            others: others.to_vec(),
            followed_for: 0,
        });
        Ok(faces)
    }

    /// Forgets the followed face (a new check, or the end of one).
    pub fn forget(&mut self) {
        self.followed = None;
    }

    /// The face in the window around `near` on the full frame, if one is
    /// there, within half a face of `near`'s centre, and clear of the
    /// window's inner edges (else the window's context was too short for
    /// the whole frame's landmarks).
    fn find_in_window(&mut self, bgr: &Mat, near: &Face) -> Result<Option<Face>, FaceError> {
        let window = window_around(near, bgr.cols(), bgr.rows());
        let mut region = Mat::roi(bgr, window)?.try_clone()?;
        let found = run(&mut self.window_net, &self.out_names, &region);
        super::pipeline::wipe(&mut region);
        let (left, top) = (window.x as f32, window.y as f32);
        let [x, y, w, h] = near.bbox;
        let (cx, cy) = (x + w / 2.0, y + h / 2.0);
        let nearest = found?
            .into_iter()
            .map(|f| f.shifted(left, top))
            .min_by(|a, b| a.distance_to(cx, cy).total_cmp(&b.distance_to(cx, cy)));
        Ok(nearest.filter(|f| f.distance_to(cx, cy) < w / 2.0 && clear_of_edges(f, window, bgr.cols(), bgr.rows())))
    }
}

/// The window of a `cols`×`rows` frame searched around `face`:
/// [`WINDOW_MARGIN`] beyond each side of its box, the top-left corner
/// moved up and left onto the [`GRID`], the size rounded up to whole grid
/// cells, all within the frame.
pub fn window_around(face: &Face, cols: i32, rows: i32) -> core::Rect {
    let [x, y, w, h] = face.bbox;
    let (mx, my) = (w * WINDOW_MARGIN, h * WINDOW_MARGIN);
    let on_grid = |v: f32, limit: i32| (v.floor() as i32).clamp(0, (limit - 1).max(0)) / GRID * GRID;
    let (left, top) = (on_grid(x - mx, cols), on_grid(y - my, rows));
    let span = |from: i32, to: f32, limit: i32| {
        let wanted = (to.ceil() as i32).clamp(from + 1, limit.max(from + 1)) - from;
        ((wanted + GRID - 1) / GRID * GRID).min(limit - from).max(1)
    };
    core::Rect::new(left, top, span(left, x + w + mx, cols), span(top, y + h + my, rows))
}

/// Whether `face` keeps half of [`WINDOW_MARGIN`] from every side of
/// `window` that is not also the frame's edge.
fn clear_of_edges(face: &Face, window: core::Rect, cols: i32, rows: i32) -> bool {
    let [x, y, w, h] = face.bbox;
    let (kx, ky) = (w * WINDOW_MARGIN / 2.0, h * WINDOW_MARGIN / 2.0);
    let (right, bottom) = ((window.x + window.width) as f32, (window.y + window.height) as f32);
    (window.x == 0 || x - window.x as f32 >= kx)
        && (window.y == 0 || y - window.y as f32 >= ky)
        && (window.x + window.width >= cols || right - (x + w) >= kx)
        && (window.y + window.height >= rows || bottom - (y + h) >= ky)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(x: f32, y: f32, w: f32, h: f32) -> Face {
        Face { bbox: [x, y, w, h], landmarks: [[0.0; 2]; 5], score: 0.9 }
    }

    #[test]
    fn the_window_around_a_face_starts_on_the_grid_and_holds_the_face_with_its_margin() {
        let w = window_around(&boxed(250.0, 150.0, 120.0, 150.0), 640, 480);
        assert_eq!((w.x % GRID, w.y % GRID, w.width % GRID, w.height % GRID), (0, 0, 0, 0), "{w:?}");
        let (mx, my) = (120.0 * WINDOW_MARGIN, 150.0 * WINDOW_MARGIN);
        assert!(w.x as f32 <= 250.0 - mx && w.y as f32 <= 150.0 - my, "{w:?}");
        assert!((w.x + w.width) as f32 >= 370.0 + mx && (w.y + w.height) as f32 >= 300.0 + my, "{w:?}");
        assert!(w.width * w.height < 640 * 480 / 2, "the window is the smaller search: {w:?}");
    }

    #[test]
    fn a_window_at_the_frames_edge_stays_inside_the_frame() {
        for f in [boxed(-20.0, -30.0, 100.0, 120.0), boxed(580.0, 400.0, 100.0, 120.0), boxed(0.0, 0.0, 700.0, 500.0)] {
            let w = window_around(&f, 640, 480);
            assert!(w.x >= 0 && w.y >= 0 && w.width >= 1 && w.height >= 1, "{w:?}");
            assert!(w.x + w.width <= 640 && w.y + w.height <= 480, "{w:?}");
        }
    }

    #[test]
    fn a_face_on_the_windows_inner_edge_is_not_taken_but_one_on_the_frames_edge_is() {
        let window = core::Rect::new(64, 64, 256, 256);
        assert!(clear_of_edges(&boxed(130.0, 130.0, 100.0, 100.0), window, 640, 480));
        assert!(!clear_of_edges(&boxed(70.0, 130.0, 100.0, 100.0), window, 640, 480));
        assert!(!clear_of_edges(&boxed(130.0, 130.0, 100.0, 180.0), window, 640, 480));
        let at_the_frames_corner = core::Rect::new(0, 0, 256, 256);
        assert!(clear_of_edges(&boxed(0.0, 0.0, 100.0, 100.0), at_the_frames_corner, 640, 480));
    }
}
