//! SFace embeddings through `FaceRecognizerSF` (`alignCrop`, then
//! `feature`), compared with cosine similarity (DESIGN.md §4).

use std::fmt;

use opencv::core::{Mat, Ptr};
use opencv::objdetect::{FaceRecognizerSF, FaceRecognizerSF_DisType};
use opencv::prelude::*;
use zeroize::Zeroizing;

use super::FaceError;
use super::detect::Face;

/// OpenCV's reference cosine threshold for SFace.
pub const OPENCV_COSINE_THRESHOLD: f32 = 0.363;

/// A unit-length 128-value SFace feature. Biometric: `Debug` is redacted
/// and the values are zeroized on drop.
#[derive(Clone, PartialEq)]
pub struct Embedding(Zeroizing<Vec<f32>>);

impl fmt::Debug for Embedding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Embedding(REDACTED)")
    }
}

impl Embedding {
    /// Normalises a raw feature to unit length.
    pub fn from_feature(raw: &[f32]) -> Result<Self, FaceError> {
        let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
        if raw.is_empty() || !norm.is_finite() || norm == 0.0 {
            return Err(FaceError::OpenCv("SFace returned an empty or degenerate feature".into()));
        }
        Ok(Self(Zeroizing::new(raw.iter().map(|v| v / norm).collect())))
    }

    /// Cosine similarity, −1 to 1.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| a * b).sum()
    }
}

/// The SFace recogniser.
pub struct Embedder {
    rec: Ptr<FaceRecognizerSF>,
}

impl Embedder {
    /// Loads SFace (fp32) from `path` (check it with `ModelPaths::verify` first).
    pub fn new(path: &std::path::Path) -> Result<Self, FaceError> {
        let path_str = path.to_str().ok_or(FaceError::BadImage("model path is not UTF-8"))?;
        Ok(Self { rec: FaceRecognizerSF::create(path_str, "", 0, 0)? })
    }

    /// The 112×112 aligned crop of `face` in `bgr`.
    pub fn align(&mut self, bgr: &Mat, face: &Face) -> Result<Mat, FaceError> {
        let values = face.to_row();
        let row = Mat::from_slice(&values)?;
        let mut aligned = Mat::default();
        self.rec.align_crop(bgr, &row, &mut aligned)?;
        Ok(aligned)
    }

    /// The raw SFace feature of an aligned crop (a 1×128 `Mat`).
    pub fn feature(&mut self, aligned: &Mat) -> Result<Mat, FaceError> {
        let mut feature = Mat::default();
        self.rec.feature(aligned, &mut feature)?;
        Ok(feature.try_clone()?)
    }

    /// Aligns and embeds `face` in `bgr`.
    pub fn embed(&mut self, bgr: &Mat, face: &Face) -> Result<Embedding, FaceError> {
        let aligned = self.align(bgr, face)?;
        let feature = self.feature(&aligned)?;
        Embedding::from_feature(feature.data_typed::<f32>()?)
    }

    /// OpenCV's own cosine score for two raw features (`FaceRecognizerSF::match`).
    pub fn opencv_cosine(&self, a: &Mat, b: &Mat) -> Result<f64, FaceError> {
        Ok(self.rec.match_(a, b, FaceRecognizerSF_DisType::FR_COSINE as i32)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_unit_vectors_is_their_dot_product() {
        let a = Embedding::from_feature(&[3.0, 4.0]).unwrap_or_else(|e| unreachable!("{e}"));
        let b = Embedding::from_feature(&[4.0, 3.0]).unwrap_or_else(|e| unreachable!("{e}"));
        assert!((a.cosine(&b) - 0.96).abs() < 1e-6);
        assert!((a.cosine(&a) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_zero_feature_is_an_error() {
        assert!(Embedding::from_feature(&[0.0; 128]).is_err());
        assert!(Embedding::from_feature(&[]).is_err());
    }

    #[test]
    fn debug_never_prints_the_values() {
        let a = Embedding::from_feature(&[0.25; 128]).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(format!("{a:?}"), "Embedding(REDACTED)");
    }
}
