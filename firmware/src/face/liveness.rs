//! The active liveness challenge, sans-IO: after the first usable frames
//! the patient is asked for one short movement chosen at random
//! ([`Challenge`]), and YuNet's five landmarks across frames tell a head
//! from a picture of one.
//!
//! - **Turning.** A real head is not flat: when it turns, the nose tip
//!   (about half an eye distance in front of the eyes and the mouth) moves
//!   against them. A photo, however it is turned, tilted or moved, moves
//!   all its points together: an affine motion, to within the perspective of
//!   a hand-held print, and exactly so once perspective is counted: the
//!   four points of a flat picture (eyes and mouth corners) fix a
//!   homography, and every other point of the picture, the nose included,
//!   goes where that homography puts it. We fit the homography that
//!   carries the eyes and mouth corners from the first frame of the
//!   challenge to the current one and measure where the nose is against
//!   where it puts it (in eye distances, along the eyes' line). The points
//!   are the patches of skin under the first look's landmarks, found again
//!   in each frame (`face::track`, [`Observation::tracked`]): YuNet's own
//!   landmarks jitter by several percent and its nose lags a turn, so a
//!   swung print measured up to ±0.10 through them and a live turn only
//!   0.075–0.10; through the patches a print stays under 0.01 and a turn
//!   reaches 0.1–0.4.
//! - **Blinking.** The pipeline compares each look's eyes, and the rest of
//!   the face, with the previous look's (on the aligned face, see
//!   `occlusion::Patches`): closing the eyes changes the eyes alone, and so
//!   does opening them again: two such changes within a second, with the
//!   rest of the face unchanged throughout, are a blink. A photo never
//!   changes its eyes; a video cutting between photos changes everything.
//! - **One face throughout.** A jump of the face between two looks (a
//!   different photo, a swap of what is held up) starts the challenge again
//!   from that frame, so a cut is never counted as a movement.
//!
//! ISO/IEC 30107-3 calls what this catches presentation attacks of species
//! "printed photo" and "video replay"; `docs/face.md` has the measured rates.

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use super::geometry::nose_residual;
use super::geometry::{continuous, shape_change};

pub use uketsuke_screen::Challenge;

/// The five YuNet landmarks (x, y): the image-left eye, the image-right eye,
/// the nose tip, the image-left and image-right mouth corners.
pub type Landmarks = [[f32; 2]; 5];

/// What the challenge needs from one analysed frame.
#[derive(Clone, Copy, PartialEq)]
pub struct Observation {
    /// The face's landmarks in frame pixels.
    pub landmarks: Landmarks,
    /// How much the eyes changed since the previous look (0: the same, 1:
    /// unrelated; 0 when there was no previous look).
    pub eye_change: f32,
    /// How much the rest of the face (cheeks, nose) changed since then.
    pub rest_change: f32,
    /// Where the patches of skin under the challenge's first look's
    /// landmarks are in this frame (`face::track`): sharper than the
    /// landmarks for the turn. `None` when they were not all found.
    pub tracked: Option<Landmarks>,
}

impl std::fmt::Debug for Observation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Landmarks are biometric (face geometry).
        f.write_str("Observation(REDACTED)")
    }
}

/// Challenge settings, from the kiosk's config (`[face.challenge]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChallengeConfig {
    /// Ask for a movement at all. A facility that prefers the staff's
    /// visual check to a challenge leaves this off; the evidence then says
    /// no challenge was made and the terminal's policy decides.
    ///
    /// On by default: `uketsuke-face pad-eval` measures it (docs/face.md,
    /// "Attack rates").
    pub enabled: bool,
    /// The movements drawn from, at random. Blink is left out by default:
    /// its measure (the eyes changing alone between two looks) is not yet
    /// above the landmark jitter of a still face on the simulator.
    pub kinds: Vec<Challenge>,
    /// The patient has this long to make the movement.
    #[serde(with = "crate::config::secs")]
    pub time_limit: Duration,
    /// The nose's move against the eyes and mouth, in eye distances, that
    /// counts as a turn (through the followed patches the simulator's
    /// turns measure 0.1–0.4 and a still face or a swung print under 0.01;
    /// through YuNet's landmarks alone, 0.075–0.10 against ±0.035 of noise).
    pub min_turn: f32,
    /// Looks in a row the turn must be held for (a look whose patches
    /// were lost in the turn neither counts nor breaks the row).
    pub hold_looks: usize,
    /// An eye change from one look to the next over this (while the rest
    /// of the face changes under `max_rest_change`) is the eyes closing or
    /// opening.
    pub eye_change: f32,
    /// A change of the rest of the face over this is not a blink (another
    /// picture, a swap): the blink is looked for again from there.
    pub max_rest_change: f32,
    /// The closing and the opening must come within this time.
    #[serde(with = "crate::config::secs")]
    pub blink_within: Duration,
    /// The eyes' midpoint moving more than this many eye distances between
    /// two looks, or the eye distance changing by more than this fraction:
    /// not one continuous face.
    pub max_jump: f32,
    /// During a blink, the nose and mouth may move against the eyes by no
    /// more than this (eye distances): a cut between photos changes them.
    pub max_shape_change: f32,
}

impl Default for ChallengeConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            kinds: vec![Challenge::TurnLeft, Challenge::TurnRight],
            time_limit: Duration::from_secs(3),
            min_turn: 0.07,
            hold_looks: 2,
            eye_change: 0.3,
            max_rest_change: 0.2,
            blink_within: Duration::from_millis(1200),
            max_jump: 0.35,
            max_shape_change: 0.08,
        }
    }
}

impl ChallengeConfig {
    /// The challenge for a random number `n` (the kiosk draws it from the
    /// operating system): one of [`ChallengeConfig::kinds`], or of every
    /// challenge when none is configured.
    pub fn draw(&self, n: u64) -> Challenge {
        let kinds: &[Challenge] = if self.kinds.is_empty() { &Challenge::ALL } else { &self.kinds };
        kinds[(n % kinds.len() as u64) as usize]
    }
}

/// Why a challenge failed (for logs and the audit: a code, no numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ChallengeFailure {
    /// Time ran out and the face moved only as a flat picture moves.
    FlatMotion,
    /// Time ran out with no movement of the kind asked for.
    NoMovement,
    /// The face turned the other way (a patient confusing sides would turn
    /// back; a replay does not know the side).
    WrongDirection,
}

/// YuNet's landmarks showing at least this turn (eye distances) the other
/// way than the followed patches: the patches are not trusted for that look.
const DISAGREEING_LANDMARKS: f32 = 0.02;

/// A running challenge.
#[derive(Clone, Debug)]
pub struct ChallengeTracker {
    cfg: ChallengeConfig,
    challenge: Challenge,
    deadline: Duration,
    baseline: Option<Observation>,
    last: Option<Observation>,
    held: usize,
    /// When the eyes last changed alone (closing), waiting for them to open.
    eyes_changed_at: Option<Duration>,
    /// The largest rigid move seen (eye distances), for the failure's reason.
    rigid_motion: f32,
    wrong_way: usize,
}

/// What a look at the face did to the challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Still waiting for the movement.
    Waiting,
    /// The movement was made.
    Passed,
    /// Time is up without it.
    Failed(ChallengeFailure),
}

impl ChallengeTracker {
    /// Starts `challenge` at `now`.
    pub fn new(cfg: ChallengeConfig, challenge: Challenge, now: Duration) -> Self {
        let deadline = now + cfg.time_limit;
        Self {
            cfg,
            challenge,
            deadline,
            baseline: None,
            last: None,
            held: 0,
            eyes_changed_at: None,
            rigid_motion: 0.0,
            wrong_way: 0,
        }
    }

    /// The movement asked for.
    pub fn challenge(&self) -> Challenge {
        self.challenge
    }

    /// When the challenge fails unless the movement comes first.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// A look at the face at `now`.
    pub fn observe(&mut self, now: Duration, obs: Observation) -> Progress {
        let continuous = self.last.is_none_or(|last| continuous(&last, &obs, self.cfg.max_jump));
        self.last = Some(obs);
        if !continuous {
            // A cut: whatever is in view now starts over.
            self.restart(obs);
            return self.handle_timeout(now);
        }
        let Some(base) = self.baseline else {
            self.restart(obs);
            return self.handle_timeout(now);
        };
        if base.tracked.is_none() && obs.tracked.is_some() {
            // The first look with followed patches (the challenge starts on
            // the last scored look, which has none) is the one to measure from.
            self.restart(obs);
            return self.handle_timeout(now);
        }
        let passed = match self.challenge {
            Challenge::TurnLeft | Challenge::TurnRight => self.turned(&base, &obs),
            Challenge::Blink => self.blinked(now, &base, &obs),
        };
        if passed { Progress::Passed } else { self.handle_timeout(now) }
    }

    /// Fails the challenge once its time is up.
    pub fn handle_timeout(&self, now: Duration) -> Progress {
        if now < self.deadline {
            return Progress::Waiting;
        }
        Progress::Failed(if self.wrong_way >= self.cfg.hold_looks {
            ChallengeFailure::WrongDirection
        } else if self.rigid_motion > 0.15 {
            ChallengeFailure::FlatMotion
        } else {
            ChallengeFailure::NoMovement
        })
    }

    /// The face was lost (it left the view, or another came): the next
    /// look starts the movement over. The time keeps running.
    pub fn forget_face(&mut self) {
        self.last = None;
        self.baseline = None;
        self.held = 0;
        self.eyes_changed_at = None;
    }

    fn restart(&mut self, obs: Observation) {
        self.baseline = Some(obs);
        self.held = 0;
        self.eyes_changed_at = None;
    }

    fn turned(&mut self, base: &Observation, obs: &Observation) -> bool {
        // The followed patches when both looks have them, else the landmarks.
        let (from, to) = match (base.tracked, obs.tracked) {
            (Some(a), Some(b)) => (a, b),
            // Patches lost in a wide turn: this look neither counts nor
            // breaks the hold (the landmarks would understate the turn).
            (Some(_), None) => return false,
            _ => (base.landmarks, obs.landmarks),
        };
        let Some((turn, rigid)) = nose_residual(&from, &to) else {
            return false;
        };
        // A patch that lost its way in a wide turn (locked onto the cheek
        // beside the nose) shows a turn the other way than the landmarks:
        // such a look neither counts nor breaks the hold.
        if obs.tracked.is_some()
            && let Some((rough, _)) = nose_residual(&base.landmarks, &obs.landmarks)
            && rough * turn < 0.0
            && rough.abs() >= DISAGREEING_LANDMARKS
        {
            return false;
        }
        self.rigid_motion = self.rigid_motion.max(rigid);
        // The patient's left is the camera image's right (+x).
        let toward = if self.challenge == Challenge::TurnLeft { turn } else { -turn };
        if toward >= self.cfg.min_turn {
            self.held += 1;
        } else {
            self.held = 0;
            self.wrong_way += usize::from(-toward >= self.cfg.min_turn);
        }
        self.held >= self.cfg.hold_looks.max(1)
    }

    fn blinked(&mut self, now: Duration, base: &Observation, obs: &Observation) -> bool {
        if !(obs.eye_change.is_finite() && obs.rest_change.is_finite()) {
            return false;
        }
        if obs.rest_change > self.cfg.max_rest_change
            || shape_change(&base.landmarks, &obs.landmarks) > self.cfg.max_shape_change
        {
            // The face itself changed (another photo): not a blink.
            self.restart(*obs);
            return false;
        }
        if obs.eye_change < self.cfg.eye_change {
            return false;
        }
        match self.eyes_changed_at {
            Some(at) if now.saturating_sub(at) <= self.cfg.blink_within => true,
            _ => {
                self.eyes_changed_at = Some(now);
                false
            }
        }
    }
}

#[cfg(test)]
#[path = "liveness_tests.rs"]
mod tests;
