//! `uketsuke-face bench`: median time per stage on this machine, and the
//! decision latency on a virtual-camera scene (DESIGN.md §6 budgets:
//! detection ≤ 25 ms per 640×480 frame, embedding ≤ 90 ms, decision ≤ 1 s
//! after the first usable frame; issue 16: the whole check with the
//! liveness challenge within 3 s for a cooperative patient).

use std::time::{Duration, Instant};

use serde::Serialize;
use uketsuke_hw_sim::camera::Scene;

use crate::face_sim as sim;
use uketsuke_firmware::face::decision::{Decider, FrameResult, PolicyConfig};
use uketsuke_firmware::face::detect::to_grey_bgr;
use uketsuke_firmware::face::liveness::{Challenge, ChallengeConfig};
use uketsuke_firmware::face::models::{ModelPaths, data_dir};
use uketsuke_firmware::face::pipeline::{Engine, Need, frame_to_mat};
use uketsuke_firmware::face::quality::QualityConfig;
use uketsuke_firmware::face::reference::decode_grey;
use uketsuke_firmware::face::{ANALYSIS_PERIOD, FaceError};

/// Median milliseconds per stage.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Iterations per stage.
    pub iterations: usize,
    /// Decoding the chip's JPEG 2000 photo.
    pub decode_card_photo_ms: f64,
    /// Frame to greyscale `Mat`.
    pub frame_to_grey_ms: f64,
    /// YuNet on a 640×480 frame, decoding included.
    pub detect_640x480_ms: f64,
    /// `alignCrop`.
    pub align_ms: f64,
    /// SFace `feature`.
    pub embed_ms: f64,
    /// Cosine of two embeddings.
    pub match_ms: f64,
    /// Usable frames the decision took.
    pub decision_frames: usize,
    /// Processing time from the first usable frame to the decision.
    pub decision_compute_ms: f64,
    /// Camera time between the first usable frame and the deciding one
    /// (the virtual camera at 30 fps, one frame looked at per [`ANALYSIS_PERIOD`]).
    pub decision_camera_ms: f64,
    /// Their sum: the patient's wait after the first usable frame.
    pub decision_latency_ms: f64,
    /// The same, with the liveness challenge (a turn to the left) made by
    /// a cooperative patient who reads the prompt and starts within 0.4–0.9 s.
    pub challenge_latency_ms: f64,
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples.get(samples.len() / 2).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn time<T>(n: usize, mut f: impl FnMut() -> Result<T, FaceError>) -> Result<f64, FaceError> {
    f()?; // warm-up
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f()?;
        samples.push(start.elapsed());
    }
    Ok(median_ms(samples))
}

/// Runs every stage `n` times on the adult-registered persona.
pub fn run(n: usize) -> Result<Figures, FaceError> {
    let mut engine = Engine::load(&ModelPaths::default_location())?;
    let (p, reference) = sim::persona_reference(&mut engine, "adult-registered")?;
    let photo = std::fs::read(data_dir().join("personas").join(&p.id).join("photo.jp2"))
        .map_err(|_| FaceError::Setup("persona photo missing: run scripts/setup".into()))?;
    let mut cam = sim::camera(&p, Scene::Genuine, 1)?;
    let frame = cam.render();
    let grey = to_grey_bgr(&frame_to_mat(&frame)?)?;
    let face = *engine.detector.detect(&grey)?.first().ok_or(FaceError::NoFace("benchmark frame"))?;
    let aligned = engine.embedder.align(&grey, &face)?;
    let embedding = engine.embedder.embed(&grey, &face)?;

    let decode_card_photo_ms = time(n, || decode_grey(&photo))?;
    let frame_to_grey_ms = time(n, || to_grey_bgr(&frame_to_mat(&frame)?))?;
    let detect_640x480_ms = time(n, || engine.detector.detect(&grey))?;
    let align_ms = time(n, || engine.embedder.align(&grey, &face))?;
    let embed_ms = time(n, || engine.embedder.feature(&aligned))?;
    let match_ms = time(n * 100, || Ok(embedding.cosine(&reference)))?;

    let (frames, compute, camera) = decision(&mut engine, &reference, &p, None)?;
    let challenged = decision(&mut engine, &reference, &p, Some(Challenge::TurnLeft))?;
    Ok(Figures {
        iterations: n,
        decode_card_photo_ms,
        frame_to_grey_ms,
        detect_640x480_ms,
        align_ms,
        embed_ms,
        match_ms,
        decision_frames: frames,
        decision_compute_ms: compute.as_secs_f64() * 1e3,
        decision_camera_ms: camera.as_secs_f64() * 1e3,
        decision_latency_ms: (compute + camera).as_secs_f64() * 1e3,
        challenge_latency_ms: (challenged.1 + challenged.2).as_secs_f64() * 1e3,
    })
}

/// A face check on a fresh genuine scene, timed from the first usable
/// frame: usable frames, processing time, camera time.
fn decision(
    engine: &mut Engine,
    reference: &uketsuke_firmware::face::embed::Embedding,
    p: &uketsuke_hw_sim::persona::Persona,
    challenge: Option<Challenge>,
) -> Result<(usize, Duration, Duration), FaceError> {
    let mut cam = sim::camera(p, Scene::Genuine, 2)?;
    engine.forget_looks();
    let cfg = ChallengeConfig { enabled: challenge.is_some(), ..ChallengeConfig::default() };
    let mut decider = Decider::with_challenge(PolicyConfig::default(), cfg, challenge.unwrap_or(Challenge::Blink));
    let quality = QualityConfig::default();
    let (mut first, mut compute, mut frames) = (None, Duration::ZERO, 0);
    let mut next_look = Duration::ZERO;
    let decided_at = loop {
        cam.follow(decider.challenge().map(sim::movement));
        let frame = cam.render();
        // The kiosk looks at one frame per analysis period; the rest are preview only.
        if frame.timestamp < next_look {
            continue;
        }
        next_look = frame.timestamp + ANALYSIS_PERIOD;
        let start = Instant::now();
        let need = if decider.wants_score() { Need::Score } else { Need::Track };
        let result = engine.analyse_frame(&quality, reference, &frame, need)?;
        let usable = matches!(result, FrameResult::Scored { .. });
        if usable && first.is_none() {
            first = Some(frame.timestamp);
        }
        if first.is_some() {
            compute += start.elapsed();
            frames += usize::from(usable);
        }
        if decider.push(frame.timestamp, result).is_some() {
            break frame.timestamp;
        }
        if frame.timestamp > Duration::from_secs(30) {
            return Err(FaceError::NoDecision);
        }
    };
    Ok((frames, compute, decided_at.saturating_sub(first.unwrap_or(decided_at))))
}

/// Prints the figures beside the budgets.
#[allow(clippy::print_stdout)]
pub fn print(f: &Figures) {
    println!("median of {} runs per stage (build with --release for budget figures)", f.iterations);
    println!("decode card photo (JPEG 2000)  {:>8.2} ms", f.decode_card_photo_ms);
    println!("frame to greyscale             {:>8.2} ms", f.frame_to_grey_ms);
    println!("detect 640x480 (YuNet+decode)  {:>8.2} ms   budget 25 ms", f.detect_640x480_ms);
    println!("align (alignCrop)              {:>8.2} ms", f.align_ms);
    println!("embed (SFace feature)          {:>8.2} ms   budget 90 ms", f.embed_ms);
    println!("match (cosine)                 {:>8.4} ms", f.match_ms);
    println!(
        "decision after first usable frame: {:.0} ms ({} frames: {:.0} ms camera time + {:.0} ms processing)   budget 1000 ms",
        f.decision_latency_ms, f.decision_frames, f.decision_camera_ms, f.decision_compute_ms
    );
    println!(
        "whole check with the liveness challenge (turn left, cooperative patient): {:.0} ms   budget 3000 ms",
        f.challenge_latency_ms
    );
}
