//! `uketsuke-face pad-eval`: presentation-attack detection measured as
//! ISO/IEC 30107-3 asks, on the virtual camera. For each attack species,
//! the attack presentation classification error rate (APCER: attack
//! presentations accepted as the card holder); for live card holders, the
//! bona fide presentation classification error rate (BPCER: live patients
//! rejected), each with its count and a 95 % Wilson interval.
//!
//! Run `r` uses persona `r mod P` (of those with a camera image of their
//! own), noise seed `r`, and the challenge drawn from `r` (as the kiosk
//! draws one at random), so a run is reproducible.

use serde::Serialize;
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::persona;

use crate::face_sim as sim;
use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::decision::{Outcome, PolicyConfig};
use uketsuke_firmware::face::liveness::{Challenge, ChallengeConfig};
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::face::pipeline::Engine;

/// The attack species measured, and what each is.
pub const ATTACKS: [(Scene, &str); 6] = [
    (Scene::CardPhotoHeldUp, "the chip photo printed (greyscale)"),
    (Scene::CardPhotoOnPhone, "the chip photo on a phone"),
    (Scene::ColourPrint, "a colour print of another photo of the card holder, held still"),
    (Scene::ColourPrintTilted, "the same print swung about its axes (±30°, ±12°)"),
    (Scene::ColourPrintMoved, "the same print shifted, turned and brought nearer"),
    (Scene::PhoneVideo, "a video of the card holder's photos replayed on a phone"),
];

/// The live card holders measured.
pub const BONA_FIDE: [(Scene, &str); 2] =
    [(Scene::Genuine, "the card holder, following the challenge"), (Scene::ClearGlasses, "the same in clear glasses")];

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The scene's name.
    pub scene: &'static str,
    /// What it is.
    pub what: &'static str,
    /// Whether it is an attack (the rate is an APCER) or a live patient (BPCER).
    pub attack: bool,
    /// Presentations.
    pub runs: usize,
    /// Errors: attacks accepted, or live patients not accepted.
    pub errors: usize,
    /// errors / runs.
    pub rate: f64,
    /// 95 % Wilson interval of the rate.
    pub interval: [f64; 2],
    /// How the presentations ended, by outcome code.
    pub outcomes: Vec<(String, usize)>,
}

/// The 95 % Wilson score interval of `k` in `n`.
pub fn wilson(k: usize, n: usize) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let (n, p, z) = (n as f64, k as f64 / n as f64, 1.96f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// The challenge drawn for run `r` from `cfg`'s kinds (a fixed mix of the
/// seed stands in for the kiosk's random number).
pub fn challenge_for(cfg: &ChallengeConfig, r: u64) -> Challenge {
    cfg.draw(r.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33)
}

/// Runs `runs` presentations of each scene in `scenes` (all of
/// [`ATTACKS`] and [`BONA_FIDE`] when empty), calling `progress` after each row.
pub fn run(runs: usize, scenes: &[Scene], mut progress: impl FnMut(&Row)) -> Result<Vec<Row>, FaceError> {
    let mut engine = Engine::load(&ModelPaths::default_location())?;
    // Personas with a camera image of their own: one whose only image is
    // the card photo's source has no live face distinct from the chip photo.
    let personas: Vec<String> = persona::all()
        .map_err(|e| FaceError::Setup(e.to_string()))?
        .into_iter()
        .filter(|p| !p.photo.camera.is_empty())
        .map(|p| p.id)
        .collect();
    let mut references = Vec::new();
    for id in &personas {
        references.push(sim::persona_reference(&mut engine, id)?);
    }
    let policy = PolicyConfig::default();
    let mut rows = Vec::new();
    let all = ATTACKS.iter().map(|(s, w)| (*s, *w, true)).chain(BONA_FIDE.iter().map(|(s, w)| (*s, *w, false)));
    for (scene, what, attack) in all.filter(|(s, _, _)| scenes.is_empty() || scenes.contains(s)) {
        let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
        let mut errors = 0;
        for r in 0..runs as u64 {
            let (persona, reference) = &references[r as usize % references.len()];
            let mut camera = sim::camera(persona, scene, r)?;
            let cfg = ChallengeConfig { enabled: true, ..ChallengeConfig::default() };
            let drawn = challenge_for(&cfg, r);
            let challenge = Some((cfg, drawn));
            let outcome = sim::run_check(&mut engine, reference, &mut camera, &policy, challenge)?;
            let accepted = matches!(outcome, Outcome::Match { .. });
            errors += usize::from(accepted == attack);
            *outcomes.entry(outcome.kind().to_owned()).or_default() += 1;
        }
        let name: &'static str = scene.into();
        let row = Row {
            scene: name,
            what,
            attack,
            runs,
            errors,
            rate: errors as f64 / runs.max(1) as f64,
            interval: wilson(errors, runs),
            outcomes: outcomes.into_iter().collect(),
        };
        progress(&row);
        rows.push(row);
    }
    Ok(rows)
}

/// The table, as Markdown (what `docs/face.md` shows).
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| presentation | species | runs | errors | rate | 95 % interval | outcomes |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let kind = if r.attack { "APCER" } else { "BPCER" };
        let outcomes: Vec<String> = r.outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {kind} {:.1} % | {:.1}–{:.1} % | {} |\n",
            r.scene,
            r.what,
            r.runs,
            r.errors,
            100.0 * r.rate,
            100.0 * r.interval[0],
            100.0 * r.interval[1],
            outcomes.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wilson_interval_of_no_errors_in_two_hundred_is_under_two_percent() {
        let [lo, hi] = wilson(0, 200);
        assert_eq!(lo, 0.0);
        assert!(hi < 0.02, "{hi}");
        let [lo, hi] = wilson(10, 200);
        assert!(lo < 0.05 && hi > 0.05);
    }

    #[test]
    fn every_challenge_is_drawn_about_as_often() {
        let every = ChallengeConfig { kinds: Vec::new(), ..ChallengeConfig::default() };
        let mut counts = [0usize; 3];
        for r in 0..300 {
            counts[Challenge::ALL.iter().position(|c| *c == challenge_for(&every, r)).unwrap_or(0)] += 1;
        }
        assert!(counts.iter().all(|&n| (80..=120).contains(&n)), "{counts:?}");
    }
}
