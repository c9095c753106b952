//! The decision policy: several usable frames, a bounded time, and false
//! accepts kept very low. Sans-IO: the caller passes the time with each
//! frame and asks [`Decider::poll_deadline`] when to give up.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use uketsuke_screen::Guidance;

use super::liveness::{Challenge, ChallengeConfig, ChallengeTracker, Observation, Progress};

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
    /// The face did not make the movement the liveness challenge asked for.
    ChallengeFailed,
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
        /// The liveness challenge the face passed (`None`: none was asked).
        challenge: Option<Challenge>,
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
            Self::NoMatch { reason: NoMatchReason::ChallengeFailed, .. } => "challenge_failed",
            Self::Inconclusive(_) => "inconclusive",
        }
    }
}

/// One frame's result, as the pipeline saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FrameResult {
    /// A usable face: its score against the card photo, its colour, and
    /// the look the liveness challenge follows.
    Scored {
        /// Cosine similarity to the card photo.
        similarity: f32,
        /// Colour of the face (see `quality::face_chroma`).
        chroma: f64,
        /// Landmarks, and what changed since the previous look.
        look: Observation,
    },
    /// A face followed during the challenge, not scored (it may be turned).
    Tracked(Observation),
    /// Unusable, with guidance.
    Unusable(Guidance),
}

/// Where the liveness challenge stands.
#[derive(Clone, Debug)]
enum Liveness {
    /// None is asked (switched off by configuration).
    Off,
    /// To be asked once enough usable frames are in.
    Pending(Challenge),
    /// Asked; the face is being followed.
    Running(Box<ChallengeTracker>),
    /// Made at `at`; `scored_before` scores were taken before it was.
    Passed { challenge: Challenge, at: Duration, scored_before: usize },
}

/// Collects frame results until it can decide: the match on the median
/// of `min_frames` scores, the presentation-attack checks, and (when
/// configured) a liveness challenge asked after the first usable frames, all
/// on one continuous face: if the face leaves the view or jumps (another
/// picture, a swap), the scores gathered so far are dropped and the
/// challenge starts again, so the face that matched is the face that moved.
#[derive(Debug)]
pub struct Decider {
    cfg: PolicyConfig,
    started: Option<Duration>,
    scores: Vec<f32>,
    colourless: usize,
    guidance: HashMap<Guidance, usize>,
    liveness: Liveness,
    challenge_cfg: ChallengeConfig,
    last_look: Option<Observation>,
    outcome: Option<Outcome>,
}

/// After the challenge, this long at least to score the frontal face again.
const AFTER_CHALLENGE: Duration = Duration::from_secs(2);

impl Decider {
    /// A decider with these settings and no liveness challenge.
    pub fn new(cfg: PolicyConfig) -> Self {
        Self {
            cfg,
            started: None,
            scores: Vec::new(),
            colourless: 0,
            guidance: HashMap::new(),
            liveness: Liveness::Off,
            challenge_cfg: ChallengeConfig::default(),
            last_look: None,
            outcome: None,
        }
    }

    /// A decider that asks for `challenge` (the caller draws it at random)
    /// unless `challenge_cfg.enabled` is off.
    pub fn with_challenge(cfg: PolicyConfig, challenge_cfg: ChallengeConfig, challenge: Challenge) -> Self {
        let liveness = if challenge_cfg.enabled { Liveness::Pending(challenge) } else { Liveness::Off };
        Self { liveness, challenge_cfg, ..Self::new(cfg) }
    }

    /// The movement to ask the patient for now, if any.
    pub fn challenge(&self) -> Option<Challenge> {
        match &self.liveness {
            Liveness::Running(t) if self.outcome.is_none() => Some(t.challenge()),
            _ => None,
        }
    }

    /// Whether the next frame should be scored (embedded). While the
    /// challenge runs the face is only followed: a turned head is no
    /// frame to match on, and the time goes to following it closely.
    pub fn wants_score(&self) -> bool {
        !matches!(self.liveness, Liveness::Running(_))
    }

    /// Adds a frame captured at `now` (any monotonic clock). Returns the
    /// outcome once it is decided; later frames change nothing.
    pub fn push(&mut self, now: Duration, frame: FrameResult) -> Option<Outcome> {
        if self.outcome.is_some() {
            return self.outcome;
        }
        self.started.get_or_insert(now);
        let look = match frame {
            FrameResult::Scored { look, .. } | FrameResult::Tracked(look) => Some(look),
            FrameResult::Unusable(g) => {
                *self.guidance.entry(g).or_default() += 1;
                if matches!(g, Guidance::NoFace | Guidance::MultipleFaces) {
                    // The face left, or someone else came: start over.
                    self.break_track();
                }
                None
            }
        };
        if let Some(look) = look {
            let jumped = self
                .last_look
                .is_some_and(|last| !super::geometry::continuous(&last, &look, self.challenge_cfg.max_jump));
            if jumped {
                self.break_track();
            }
            self.last_look = Some(look);
        }
        if let FrameResult::Scored { similarity, chroma, .. } = frame {
            self.scores.push(similarity);
            if similarity >= self.cfg.replay_similarity {
                let frames = self.scores.len();
                return self.finish(Outcome::NoMatch {
                    score: similarity,
                    frames,
                    reason: NoMatchReason::PresentationAttack,
                });
            }
            self.colourless += usize::from(chroma < self.cfg.min_face_chroma);
        }
        if let Some(outcome) = self.follow_challenge(now, look) {
            return self.finish(outcome);
        }
        if let Some(outcome) = self.decide() {
            return self.finish(outcome);
        }
        self.handle_timeout(now)
    }

    /// Starts, feeds or ends the challenge with this look.
    fn follow_challenge(&mut self, now: Duration, look: Option<Observation>) -> Option<Outcome> {
        let min = self.cfg.min_frames.max(1);
        // Only a face that would match is asked to move: a different
        // person or a print is refused on its scores alone, sooner.
        if let Liveness::Pending(challenge) = self.liveness
            && self.scores.len() + 1 >= min
            && self.would_match()
            && let Some(look) = look
        {
            let mut tracker = ChallengeTracker::new(self.challenge_cfg.clone(), challenge, now);
            tracker.observe(now, look);
            tracing::debug!(challenge = <&str>::from(challenge), "liveness challenge asked");
            self.liveness = Liveness::Running(Box::new(tracker));
            return None;
        }
        let Liveness::Running(tracker) = &mut self.liveness else { return None };
        let progress = match look {
            Some(look) => tracker.observe(now, look),
            None => tracker.handle_timeout(now),
        };
        match progress {
            Progress::Waiting => None,
            Progress::Passed => {
                tracing::debug!("liveness challenge passed");
                let (challenge, scored_before) = (tracker.challenge(), self.scores.len());
                self.liveness = Liveness::Passed { challenge, at: now, scored_before };
                None
            }
            Progress::Failed(why) => {
                tracing::info!(reason = <&str>::from(why), "liveness challenge failed");
                let (score, frames) = (median(&self.scores), self.scores.len());
                Some(Outcome::NoMatch { score, frames, reason: NoMatchReason::ChallengeFailed })
            }
        }
    }

    /// The decision, once enough frames (and the challenge, and a frame
    /// after it) are in.
    fn decide(&self) -> Option<Outcome> {
        let frames = self.scores.len();
        if frames < self.cfg.min_frames.max(1) {
            return None;
        }
        let challenge = match self.liveness {
            Liveness::Off => None,
            Liveness::Passed { challenge, scored_before, .. } if frames > scored_before => Some(challenge),
            // Not asked yet because the face would not match: refused now.
            Liveness::Pending(_) if !self.would_match() => None,
            _ => return None,
        };
        let score = median(&self.scores);
        let colour_frames = frames - self.colourless;
        Some(if !presentation_check_passed(frames, colour_frames) {
            Outcome::NoMatch { score, frames, reason: NoMatchReason::PresentationAttack }
        } else if score >= self.cfg.threshold {
            Outcome::Match { score, frames, colour_frames, challenge }
        } else {
            Outcome::NoMatch { score, frames, reason: NoMatchReason::DifferentPerson }
        })
    }

    /// Whether the scores so far would match: over the threshold, and the
    /// presentation check not failed.
    fn would_match(&self) -> bool {
        let frames = self.scores.len();
        !self.scores.is_empty()
            && median(&self.scores) >= self.cfg.threshold
            && presentation_check_passed(frames, frames - self.colourless)
    }

    /// Drops what was gathered on a face that is no longer in view; the
    /// challenge, if asked, starts again on the next face (its time runs on).
    fn break_track(&mut self) {
        self.scores.clear();
        self.colourless = 0;
        self.last_look = None;
        if let Liveness::Passed { challenge, .. } = self.liveness {
            self.liveness = Liveness::Pending(challenge);
        }
        if let Liveness::Running(t) = &mut self.liveness {
            t.forget_face();
        }
    }

    /// When to call [`Decider::handle_timeout`], if capture has started.
    pub fn poll_deadline(&self) -> Option<Duration> {
        if self.outcome.is_some() {
            return None;
        }
        let overall = self.started.map(|s| s + self.cfg.max_duration)?;
        Some(match &self.liveness {
            Liveness::Running(t) => t.deadline(),
            Liveness::Passed { at, .. } => overall.max(*at + AFTER_CHALLENGE),
            _ => overall,
        })
    }

    /// Gives up if the time is over: the challenge failed, or inconclusive
    /// with the commonest guidance.
    pub fn handle_timeout(&mut self, now: Duration) -> Option<Outcome> {
        let deadline = self.poll_deadline()?;
        if now < deadline {
            return None;
        }
        if let Some(outcome) = self.follow_challenge(now, None) {
            return self.finish(outcome);
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
#[path = "decision_tests.rs"]
mod tests;
