//! The reference embedding from the card photo: decode the chip's small
//! greyscale JPEG 2000, detect on an upscaled copy, embed once per session.

use opencv::core::{Mat, Size, Vector};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc};

use uketsuke_driver::ap::jp2::check_photo_header;

use super::FaceError;
use super::detect::{Detector, to_grey_bgr};
use super::embed::{Embedder, Embedding};

/// The card photo is about 180×225: detect on a copy this many times larger.
pub const UPSCALE: f64 = 3.0;

/// Decodes image bytes (JPEG 2000, JPEG, PNG, …) to a 3-channel greyscale image.
pub fn decode_grey(bytes: &[u8]) -> Result<Mat, FaceError> {
    if bytes.is_empty() {
        return Err(FaceError::BadImage("empty image"));
    }
    let buf = Vector::<u8>::from_slice(bytes);
    let img =
        imgcodecs::imdecode(&buf, imgcodecs::IMREAD_COLOR).map_err(|_| FaceError::BadImage("not a decodable image"))?;
    if img.empty() {
        return Err(FaceError::BadImage("not a decodable image"));
    }
    to_grey_bgr(&img)
}

/// Decodes the chip photo. Its JPEG 2000 header is read first
/// (`uketsuke_driver::ap::jp2::check_photo_header`), so the decoder never
/// sees an image declaring more than a card photo's size.
pub fn decode_card_photo(photo: &[u8]) -> Result<Mat, FaceError> {
    let declared = check_photo_header(photo).map_err(|_| FaceError::BadImage("not a card-sized JPEG 2000 photo"))?;
    let grey = decode_grey(photo)?;
    tracing::debug!(width = declared.width, height = declared.height, "card photo decoded");
    Ok(grey)
}

/// Builds the reference embedding from the card photo's bytes.
pub fn reference_embedding(det: &mut Detector, emb: &mut Embedder, photo: &[u8]) -> Result<Embedding, FaceError> {
    let grey = decode_card_photo(photo)?;
    let mut big = Mat::default();
    imgproc::resize(&grey, &mut big, Size::default(), UPSCALE, UPSCALE, imgproc::INTER_CUBIC)?;
    let faces = det.detect(&big)?;
    let face = faces.first().ok_or(FaceError::NoFace("card photo"))?;
    emb.embed(&big, face)
}
