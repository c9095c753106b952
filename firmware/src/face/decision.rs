//! The decision policy: several usable frames, a bounded time, and false
//! accepts kept very low. Sans-IO: the caller passes the time with each
//! frame and asks [`Decider::poll_deadline`] when to give up.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use uketsuke_screen::Guidance;

/// Policy settings, from the kiosk's config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Cosine score a frame must reach to count as the card holder.
    pub threshold: f32,
    /// Usable frames needed before deciding.
    pub min_frames: usize,
    /// Give up (inconclusive) when this passes without enough usable frames.
    #[serde(with = "crate::config::secs")]
    pub max_duration: Duration,
    /// A score this high means the chip photo itself is in front of the
    /// camera (printed or on a screen): a live face years later never
    /// reproduces the enrolment photo so exactly.
    pub replay_similarity: f32,
    /// Face chroma (see `quality::face_chroma`) below this is colourless:
    /// the chip photo is greyscale, a live face is not.
    pub min_face_chroma: f64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            threshold: 0.40,
            min_frames: 3,
            max_duration: Duration::from_secs(8),
            replay_similarity: 0.86,
            min_face_chroma: 4.0,
        }
    }
}

/// Why a face did not match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoMatchReason {
    /// Someone else.
    DifferentPerson,
    /// The card's own photo was held up to the camera.
    PresentationAttack,
}

/// Why no decision could be reached: the flow offers the PIN or a visual check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "guidance")]
pub enum InconclusiveReason {
    /// Time ran out; this guidance was the most frequent.
    Guidance(Guidance),
    /// Time ran out with no frames at all.
    NoFrames,
}

/// The outcome of a face check.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// The card holder: median score over `frames` usable frames.
    Match {
        /// Median score.
        score: f32,
        /// Frames decided on.
        frames: usize,
        /// Of those, frames with a live face's colour (the presentation-attack check).
        colour_frames: usize,
    },
    /// Not the card holder.
    NoMatch {
        /// Median score.
        score: f32,
        /// Frames decided on.
        frames: usize,
        /// Why.
        reason: NoMatchReason,
    },
    /// The face could not be captured well enough.
    Inconclusive(InconclusiveReason),
}

impl Outcome {
    /// The outcome's code, for logs and audit (no score).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Match { .. } => "match",
            Self::NoMatch { reason: NoMatchReason::DifferentPerson, .. } => "no_match",
            Self::NoMatch { reason: NoMatchReason::PresentationAttack, .. } => "presentation_attack",
            Self::Inconclusive(_) => "inconclusive",
        }
    }
}

/// One frame's result, as the pipeline saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FrameResult {
    /// A usable face: its score against the card photo, and its colour.
    Scored {
        /// Cosine similarity to the card photo.
        similarity: f32,
        /// Colour of the face (see `quality::face_chroma`).
        chroma: f64,
    },
    /// Unusable, with guidance.
    Unusable(Guidance),
}

/// Collects frame results until it can decide.
#[derive(Debug)]
pub struct Decider {
    cfg: PolicyConfig,
    started: Option<Duration>,
    scores: Vec<f32>,
    colourless: usize,
    guidance: HashMap<Guidance, usize>,
    outcome: Option<Outcome>,
}

impl Decider {
    /// A decider with these settings.
    pub fn new(cfg: PolicyConfig) -> Self {
        Self { cfg, started: None, scores: Vec::new(), colourless: 0, guidance: HashMap::new(), outcome: None }
    }

    /// Adds a frame captured at `now` (any monotonic clock). Returns the
    /// outcome once it is decided; later frames change nothing.
    pub fn push(&mut self, now: Duration, frame: FrameResult) -> Option<Outcome> {
        if self.outcome.is_some() {
            return self.outcome;
        }
        self.started.get_or_insert(now);
        match frame {
            FrameResult::Scored { similarity, .. } if similarity >= self.cfg.replay_similarity => {
                self.scores.push(similarity);
                return self.finish(Outcome::NoMatch {
                    score: similarity,
                    frames: self.scores.len(),
                    reason: NoMatchReason::PresentationAttack,
                });
            }
            FrameResult::Scored { similarity, chroma } => {
                self.scores.push(similarity);
                self.colourless += usize::from(chroma < self.cfg.min_face_chroma);
            }
            FrameResult::Unusable(g) => *self.guidance.entry(g).or_default() += 1,
        }
        if self.scores.len() >= self.cfg.min_frames.max(1) {
            let score = median(&self.scores);
            let frames = self.scores.len();
            let colour_frames = frames - self.colourless;
            let outcome = if !presentation_check_passed(frames, colour_frames) {
                Outcome::NoMatch { score, frames, reason: NoMatchReason::PresentationAttack }
            } else if score >= self.cfg.threshold {
                Outcome::Match { score, frames, colour_frames }
            } else {
                Outcome::NoMatch { score, frames, reason: NoMatchReason::DifferentPerson }
            };
            return self.finish(outcome);
        }
        self.handle_timeout(now)
    }

    /// When to call [`Decider::handle_timeout`], if capture has started.
    pub fn poll_deadline(&self) -> Option<Duration> {
        if self.outcome.is_some() { None } else { self.started.map(|s| s + self.cfg.max_duration) }
    }

    /// Gives up if the time is over: inconclusive, with the commonest guidance.
    pub fn handle_timeout(&mut self, now: Duration) -> Option<Outcome> {
        let deadline = self.poll_deadline()?;
        if now < deadline {
            return None;
        }
        let commonest = self.guidance.iter().max_by_key(|(g, n)| (**n, **g as u8)).map(|(g, _)| *g);
        let reason = commonest.map_or(InconclusiveReason::NoFrames, InconclusiveReason::Guidance);
        self.finish(Outcome::Inconclusive(reason))
    }

    fn finish(&mut self, outcome: Outcome) -> Option<Outcome> {
        self.outcome = Some(outcome);
        self.outcome
    }
}

/// The presentation-attack check over the frames decided on: most of them
/// must show a live face's colour (the chip photo, printed or on a screen,
/// is greyscale). A frame too like the chip photo ends the check earlier.
pub fn presentation_check_passed(frames: usize, colour_frames: usize) -> bool {
    frames > 0 && 2 * colour_frames >= frames && colour_frames <= frames
}

/// The median; an empty list has none (NaN never reaches a threshold).
fn median(values: &[f32]) -> f32 {
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    let mid = v.len() / 2;
    match v.len() {
        0 => f32::NAN,
        n if n.is_multiple_of(2) => (v[mid - 1] + v[mid]) / 2.0,
        _ => v[mid],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn live(similarity: f32) -> FrameResult {
        FrameResult::Scored { similarity, chroma: 20.0 }
    }

    #[test]
    fn a_colourless_face_is_a_presentation_attack_even_with_a_modest_score() {
        let mut d = Decider::new(PolicyConfig::default());
        let grey = |similarity| FrameResult::Scored { similarity, chroma: 1.0 };
        d.push(ms(0), grey(0.7));
        d.push(ms(100), live(0.7));
        let out = d.push(ms(200), grey(0.7));
        assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. })), "{out:?}");
    }

    #[test]
    fn three_good_frames_match_on_their_median() {
        let mut d = Decider::new(PolicyConfig::default());
        assert_eq!(d.push(ms(0), live(0.6)), None);
        assert_eq!(d.push(ms(100), FrameResult::Unusable(Guidance::Blurred)), None);
        assert_eq!(d.push(ms(200), live(0.2)), None);
        assert_eq!(d.push(ms(300), live(0.7)), Some(Outcome::Match { score: 0.6, frames: 3, colour_frames: 3 }));
    }

    #[test]
    fn one_lucky_frame_does_not_make_an_impostor_match() {
        let mut d = Decider::new(PolicyConfig::default());
        d.push(ms(0), live(0.5));
        d.push(ms(100), live(0.1));
        let out = d.push(ms(200), live(0.15));
        assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::DifferentPerson, .. })), "{out:?}");
    }

    #[test]
    fn a_replayed_chip_photo_is_rejected_at_once() {
        let mut d = Decider::new(PolicyConfig::default());
        let out = d.push(ms(0), live(0.97));
        assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. })));
        assert_eq!(d.push(ms(10), live(0.6)), out, "the decision is final");
    }

    #[test]
    fn time_running_out_is_inconclusive_with_the_commonest_guidance() {
        let mut d = Decider::new(PolicyConfig::default());
        d.push(ms(0), FrameResult::Unusable(Guidance::TooDark));
        d.push(ms(100), FrameResult::Unusable(Guidance::TooDark));
        d.push(ms(200), FrameResult::Unusable(Guidance::NoFace));
        assert_eq!(d.poll_deadline(), Some(ms(8000)));
        assert_eq!(d.handle_timeout(ms(7999)), None);
        assert_eq!(
            d.handle_timeout(ms(8000)),
            Some(Outcome::Inconclusive(InconclusiveReason::Guidance(Guidance::TooDark)))
        );
        assert_eq!(d.poll_deadline(), None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert!((median(&[0.1, 0.9, 0.3, 0.5]) - 0.4).abs() < 1e-6);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn a_config_asking_for_zero_frames_still_decides_on_one() {
        let mut d = Decider::new(PolicyConfig { min_frames: 0, ..PolicyConfig::default() });
        assert_eq!(d.push(ms(0), live(0.6)), Some(Outcome::Match { score: 0.6, frames: 1, colour_frames: 1 }));
    }
}
