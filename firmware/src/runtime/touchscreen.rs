//! The touchscreen's live camera preview: a camera frame turned into an
//! image the screens can show, with OpenCV doing the pixel work.

use opencv::core::Mat;
use opencv::imgproc;
use opencv::prelude::*;
use uketsuke_driver::hal::camera::Frame;

use crate::face::pipeline::{frame_to_mat, wipe};

/// A camera frame as a UI image (RGB). The frame is shown, never kept: the
/// intermediate images are wiped. OpenCV does the pixel work, so that this
/// stays fast in a debug build too (it runs for every camera frame).
pub fn preview(frame: &Frame) -> Option<slint::SharedPixelBuffer<slint::Rgb8Pixel>> {
    let mut bgr = frame_to_mat(frame).ok()?;
    let mut rgb = Mat::default();
    let converted = imgproc::cvt_color(&bgr, &mut rgb, imgproc::COLOR_BGR2RGB, 0).is_ok();
    wipe(&mut bgr);
    let buffer = if converted && rgb.is_continuous() {
        rgb.data_bytes()
            .ok()
            .map(|bytes| slint::SharedPixelBuffer::clone_from_slice(bytes, frame.width(), frame.height()))
    } else {
        None
    };
    wipe(&mut rgb);
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bgr_or_grey_frame_becomes_the_same_rgb_preview() {
        use std::time::Duration;
        use uketsuke_driver::hal::camera::PixelFormat;
        let bgr = Frame::new(2, 1, PixelFormat::Bgr8, vec![1, 2, 3, 40, 50, 60], Duration::ZERO).unwrap();
        let rgb = preview(&bgr).unwrap();
        let px: Vec<_> = rgb.as_slice().iter().map(|p| (p.r, p.g, p.b)).collect();
        assert_eq!(px, [(3, 2, 1), (60, 50, 40)]);
        let grey = Frame::new(2, 1, PixelFormat::Gray8, vec![7, 200], Duration::ZERO).unwrap();
        let px: Vec<_> = preview(&grey).unwrap().as_slice().iter().map(|p| (p.r, p.g, p.b)).collect();
        assert_eq!(px, [(7, 7, 7), (200, 200, 200)]);
    }
}
