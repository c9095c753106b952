//! `[face]`: the face check's settings (docs/face.md, docs/kiosk.md).

use serde::{Deserialize, Serialize};

use crate::face::decision::PolicyConfig;
use crate::face::liveness::ChallengeConfig;
use crate::face::thresholds::QualityConfig;

/// Face thresholds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaceConfig {
    /// The quality gate (`[face.quality]`).
    pub quality: QualityConfig,
    /// The decision policy (`[face.policy]`).
    pub policy: PolicyConfig,
    /// The liveness challenge (`[face.challenge]`).
    pub challenge: ChallengeConfig,
}
