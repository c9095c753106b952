//! YuNet 2023mar through `cv::dnn`, with our own decoding of its twelve
//! outputs (cls, obj, bbox, kps for strides 8, 16 and 32) and NMS.
//! Debian's OpenCV 4.6 cannot run `FaceDetectorYN` on this model.

use opencv::core::{self, Mat, Scalar, Size, Vector};
use opencv::prelude::*;
use opencv::{dnn, imgproc};

use super::FaceError;

const STRIDES: [i32; 3] = [8, 16, 32];
/// Detections under this score are dropped (OpenCV's default is 0.9; the
/// quality gate, not the detector, decides what is usable).
pub const SCORE_THRESHOLD: f32 = 0.6;
/// IoU above which the weaker of two boxes is suppressed.
pub const NMS_THRESHOLD: f32 = 0.3;

/// One detected face, in the pixel coordinates of the input image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Face {
    /// Left, top, width, height.
    pub bbox: [f32; 4],
    /// Right eye, left eye, nose tip, right and left mouth corners (x, y),
    /// in YuNet's order (as seen in the image: first is the image-left eye).
    pub landmarks: [[f32; 2]; 5],
    /// Detection confidence, 0–1.
    pub score: f32,
}

impl Face {
    /// The 15-value row `FaceRecognizerSF::alignCrop` expects.
    pub fn to_row(&self) -> [f32; 15] {
        let mut row = [0.0; 15];
        row[..4].copy_from_slice(&self.bbox);
        for (i, [x, y]) in self.landmarks.iter().enumerate() {
            row[4 + 2 * i] = *x;
            row[5 + 2 * i] = *y;
        }
        row[14] = self.score;
        row
    }

    fn iou(&self, other: &Face) -> f32 {
        let [ax, ay, aw, ah] = self.bbox;
        let [bx, by, bw, bh] = other.bbox;
        let iw = ((ax + aw).min(bx + bw) - ax.max(bx)).max(0.0);
        let ih = ((ay + ah).min(by + bh) - ay.max(by)).max(0.0);
        let inter = iw * ih;
        let union = aw * ah + bw * bh - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// The YuNet detector. Two copies of the network: one for whole images
/// (and the small copy), one for the windows around a face, so neither
/// has to be laid out again for a new input size every frame.
pub struct Detector {
    net: dnn::Net,
    pub(super) window_net: dnn::Net,
    pub(super) out_names: Vector<String>,
    /// The face followed from frame to frame ([`Detector::follow`]).
    pub(super) followed: Option<super::search::Followed>,
}

impl Detector {
    /// Loads YuNet from `path` (check it with `ModelPaths::verify` first).
    pub fn new(path: &std::path::Path) -> Result<Self, FaceError> {
        let path_str = path.to_str().ok_or(FaceError::BadImage("model path is not UTF-8"))?;
        let net = dnn::read_net_from_onnx(path_str)?;
        let window_net = dnn::read_net_from_onnx(path_str)?;
        let mut out_names = Vector::new();
        for kind in ["cls", "obj", "bbox", "kps"] {
            for s in STRIDES {
                out_names.push(format!("{kind}_{s}").as_str());
            }
        }
        Ok(Self { net, window_net, out_names, followed: None })
    }

    /// Detects faces in a BGR image, strongest first.
    pub fn detect(&mut self, bgr: &Mat) -> Result<Vec<Face>, FaceError> {
        run(&mut self.net, &self.out_names, bgr)
    }
}

impl Face {
    /// The same face `dx` right and `dy` down.
    pub fn shifted(self, dx: f32, dy: f32) -> Face {
        let [x, y, w, h] = self.bbox;
        Face { bbox: [x + dx, y + dy, w, h], landmarks: self.landmarks.map(|[lx, ly]| [lx + dx, ly + dy]), ..self }
    }

    /// Distance from the box's centre to (`x`, `y`).
    pub(super) fn distance_to(&self, x: f32, y: f32) -> f32 {
        let [bx, by, bw, bh] = self.bbox;
        (bx + bw / 2.0 - x).hypot(by + bh / 2.0 - y)
    }

    /// The same face in an image `sx` times wider and `sy` times taller.
    pub fn scaled(self, sx: f32, sy: f32) -> Face {
        let [x, y, w, h] = self.bbox;
        Face {
            bbox: [x * sx, y * sy, w * sx, h * sy],
            landmarks: self.landmarks.map(|[lx, ly]| [lx * sx, ly * sy]),
            score: self.score,
        }
    }
}

/// Runs YuNet on `bgr` and decodes its outputs, strongest face first.
pub(super) fn run(net: &mut dnn::Net, out_names: &Vector<String>, bgr: &Mat) -> Result<Vec<Face>, FaceError> {
    if bgr.empty() || bgr.channels() != 3 {
        return Err(FaceError::BadImage("detector input must be a 3-channel image"));
    }
    let (w, h) = (bgr.cols(), bgr.rows());
    // The network needs sides divisible by 32: pad right and bottom.
    let pw = (w + 31) / 32 * 32;
    let ph = (h + 31) / 32 * 32;
    let mut padded = Mat::default();
    core::copy_make_border(bgr, &mut padded, 0, ph - h, 0, pw - w, core::BORDER_CONSTANT, Scalar::all(0.0))?;
    let blob = dnn::blob_from_image(&padded, 1.0, Size::new(pw, ph), Scalar::all(0.0), false, false, core::CV_32F)?;
    net.set_input(&blob, "", 1.0, Scalar::default())?;
    let mut outs: Vector<Mat> = Vector::new();
    net.forward(&mut outs, out_names)?;
    let mut faces = Vec::new();
    for (i, stride) in STRIDES.iter().enumerate() {
        let get = |k: usize| -> Result<Mat, FaceError> { Ok(outs.get(k * 3 + i)?) };
        let (cls, obj, bbox, kps) = (get(0)?, get(1)?, get(2)?, get(3)?);
        decode(
            (cls.data_typed::<f32>()?, obj.data_typed::<f32>()?, bbox.data_typed::<f32>()?, kps.data_typed::<f32>()?),
            pw / stride,
            ph / stride,
            *stride as f32,
            &mut faces,
        )?;
    }
    Ok(nms(faces))
}

/// Decodes one stride's outputs into faces above [`SCORE_THRESHOLD`].
fn decode(
    (cls, obj, bbox, kps): (&[f32], &[f32], &[f32], &[f32]),
    cols: i32,
    rows: i32,
    stride: f32,
    out: &mut Vec<Face>,
) -> Result<(), FaceError> {
    let n = (cols * rows) as usize;
    if cls.len() < n || obj.len() < n || bbox.len() < 4 * n || kps.len() < 10 * n {
        return Err(FaceError::OpenCv("YuNet output shapes do not match the input size".into()));
    }
    for r in 0..rows {
        for c in 0..cols {
            let idx = (r * cols + c) as usize;
            let score = (cls[idx].clamp(0.0, 1.0) * obj[idx].clamp(0.0, 1.0)).sqrt();
            if score < SCORE_THRESHOLD {
                continue;
            }
            let b = &bbox[4 * idx..4 * idx + 4];
            let cx = (c as f32 + b[0]) * stride;
            let cy = (r as f32 + b[1]) * stride;
            let w = b[2].exp() * stride;
            let h = b[3].exp() * stride;
            let k = &kps[10 * idx..10 * idx + 10];
            let mut landmarks = [[0.0; 2]; 5];
            for (j, lm) in landmarks.iter_mut().enumerate() {
                *lm = [(k[2 * j] + c as f32) * stride, (k[2 * j + 1] + r as f32) * stride];
            }
            out.push(Face { bbox: [cx - w / 2.0, cy - h / 2.0, w, h], landmarks, score });
        }
    }
    Ok(())
}

/// Greedy non-maximum suppression, strongest first.
fn nms(mut faces: Vec<Face>) -> Vec<Face> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Face> = Vec::new();
    for f in faces {
        if kept.iter().all(|k| k.iou(&f) <= NMS_THRESHOLD) {
            kept.push(f);
        }
    }
    kept
}

/// Converts a BGR image to greyscale and back to three channels: camera
/// frames and the greyscale chip photo then live in one domain.
pub fn to_grey_bgr(bgr: &Mat) -> Result<Mat, FaceError> {
    let mut grey = Mat::default();
    imgproc::cvt_color(bgr, &mut grey, imgproc::COLOR_BGR2GRAY, 0)?;
    let mut out = Mat::default();
    imgproc::cvt_color(&grey, &mut out, imgproc::COLOR_GRAY2BGR, 0)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, score: f32) -> Face {
        Face { bbox: [x, 0.0, 10.0, 10.0], landmarks: [[0.0; 2]; 5], score }
    }

    #[test]
    fn nms_keeps_the_strongest_of_overlapping_boxes() {
        let kept = nms(vec![face(0.0, 0.7), face(1.0, 0.9), face(50.0, 0.8)]);
        assert_eq!(kept.iter().map(|f| f.score).collect::<Vec<_>>(), vec![0.9, 0.8]);
    }

    #[test]
    fn decoding_places_a_cell_at_its_stride_offset() {
        // One 2x1 grid at stride 8; only cell (r=0, c=1) scores.
        let cls = [0.0, 1.0];
        let obj = [0.0, 0.81];
        let bbox = [0.0; 8];
        let kps = [0.0; 20];
        let mut out = Vec::new();
        assert!(decode((&cls, &obj, &bbox, &kps), 2, 1, 8.0, &mut out).is_ok());
        assert_eq!(out.len(), 1);
        assert!((out[0].score - 0.9).abs() < 1e-6);
        assert_eq!(out[0].bbox, [4.0, -4.0, 8.0, 8.0]);
        assert_eq!(out[0].landmarks[0], [8.0, 0.0]);
    }

    #[test]
    fn a_scaled_face_keeps_its_score_and_scales_every_point() {
        let f = Face { bbox: [10.0, 20.0, 30.0, 40.0], landmarks: [[1.0, 2.0]; 5], score: 0.8 }.scaled(2.0, 3.0);
        assert_eq!(f.bbox, [20.0, 60.0, 60.0, 120.0]);
        assert_eq!(f.landmarks, [[2.0, 6.0]; 5]);
        assert_eq!(f.score, 0.8);
    }

    #[test]
    fn a_shifted_face_moves_its_box_and_landmarks_alike() {
        let f = Face { bbox: [10.0, 20.0, 30.0, 40.0], landmarks: [[1.0, 2.0]; 5], score: 0.8 }.shifted(5.0, -2.0);
        assert_eq!(f.bbox, [15.0, 18.0, 30.0, 40.0]);
        assert_eq!(f.landmarks, [[6.0, 0.0]; 5]);
        assert_eq!(f.distance_to(30.0, 38.0), 0.0);
    }

    #[test]
    fn short_outputs_are_an_error_not_a_panic() {
        let mut out = Vec::new();
        assert!(decode((&[0.0], &[0.0], &[0.0; 4], &[0.0; 10]), 2, 2, 8.0, &mut out).is_err());
    }
}
