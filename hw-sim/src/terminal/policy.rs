//! The terminal's own policy for face and visual evidence
//! (docs/host-protocol.md §3.3). The terminal, not the kiosk, decides what
//! is enough: the kiosk's stated threshold is informative only, and a score
//! under the terminal's minimum, too few frames or a failed (or missing)
//! presentation-attack check is refused whatever the kiosk says.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::verify::Refusal;

/// What the terminal requires of face evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TerminalPolicy {
    /// Lowest median cosine score accepted (SFace; OpenCV's reference is 0.363).
    pub min_score: f64,
    /// Fewest frames the decision may rest on.
    pub min_frames: u64,
    /// Whether the kiosk's presentation-attack check must have passed, with
    /// most frames showing a live face's colour.
    pub require_liveness: bool,
}

impl Default for TerminalPolicy {
    fn default() -> Self {
        Self { min_score: 0.40, min_frames: 3, require_liveness: true }
    }
}

fn number(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, key| v.get(key)).and_then(Value::as_f64)
}

impl TerminalPolicy {
    /// Checks the face evidence's `match` and `liveness` against this policy.
    pub fn check_face(&self, body: &Value) -> Result<(), Refusal> {
        let score = number(body, &["match", "score"]).ok_or(Refusal::REQUEST)?;
        let frames = number(body, &["match", "frames"]).ok_or(Refusal::REQUEST)?;
        if !score.is_finite() || score < self.min_score || frames < self.min_frames as f64 {
            tracing::info!(min_score = self.min_score, "face evidence under the terminal's policy");
            return Err(Refusal::MATCH);
        }
        if self.require_liveness {
            let passed = body.get("liveness").and_then(|l| l.get("passed")).and_then(Value::as_bool);
            let checked = number(body, &["liveness", "frames"]).unwrap_or(0.0);
            let colour = number(body, &["liveness", "colour_frames"]).unwrap_or(0.0);
            let live = passed == Some(true) && checked == frames && colour <= checked && 2.0 * colour >= checked;
            if !live {
                tracing::info!("face evidence without a passed presentation-attack check");
                return Err(Refusal::MATCH);
            }
        }
        Ok(())
    }
}

/// Checks a visual check's staff confirmation and returns the operator.
pub fn check_staff(body: &Value) -> Result<String, Refusal> {
    let staff = body.get("staff").ok_or(Refusal::REQUEST)?;
    let text = |key: &str| staff.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    match (text("operator"), text("check_id"), text("decision")) {
        (Some(operator), Some(_), Some("confirmed")) => Ok(operator.to_owned()),
        _ => Err(Refusal::REQUEST),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn face(score: f64, threshold: f64, frames: u64, colour: u64, passed: bool) -> Value {
        json!({"match": {"score": score, "threshold": threshold, "frames": frames},
               "liveness": {"passed": passed, "frames": frames, "colour_frames": colour}})
    }

    #[test]
    fn a_good_match_with_a_live_face_is_accepted() {
        assert_eq!(TerminalPolicy::default().check_face(&face(0.62, 0.4, 3, 3, true)), Ok(()));
    }

    #[test]
    fn a_score_under_the_terminals_minimum_is_refused_whatever_threshold_the_kiosk_states() {
        let p = TerminalPolicy::default();
        assert_eq!(p.check_face(&face(0.2, 0.1, 3, 3, true)), Err(Refusal::MATCH));
        assert_eq!(p.check_face(&face(0.0, -1.0, 3, 3, true)), Err(Refusal::MATCH));
    }

    #[test]
    fn a_failed_or_missing_presentation_attack_check_is_refused() {
        let p = TerminalPolicy::default();
        assert_eq!(p.check_face(&face(0.7, 0.4, 3, 3, false)), Err(Refusal::MATCH));
        assert_eq!(p.check_face(&face(0.7, 0.4, 3, 0, true)), Err(Refusal::MATCH), "greyscale frames");
        let no_liveness = json!({"match": {"score": 0.7, "threshold": 0.4, "frames": 3}});
        assert_eq!(p.check_face(&no_liveness), Err(Refusal::MATCH));
    }

    #[test]
    fn too_few_frames_are_refused() {
        assert_eq!(TerminalPolicy::default().check_face(&face(0.7, 0.4, 1, 1, true)), Err(Refusal::MATCH));
    }

    #[test]
    fn a_visual_check_needs_an_operator_and_the_check_it_answers() {
        let ok = json!({"staff": {"operator": "佐藤", "check_id": "c1", "decision": "confirmed"}});
        assert_eq!(check_staff(&ok), Ok("佐藤".to_owned()));
        let anonymous = json!({"staff": {"operator": " ", "check_id": "c1", "decision": "confirmed"}});
        assert_eq!(check_staff(&anonymous), Err(Refusal::REQUEST));
        let no_check = json!({"staff": {"operator": "佐藤", "decision": "confirmed"}});
        assert_eq!(check_staff(&no_check), Err(Refusal::REQUEST));
    }
}
