//! `uketsuke-face`: the face pipeline from the command line.
//!
//! - `uketsuke-face verify --card CARD_PHOTO --probe IMAGE [--json]`
//! - `uketsuke-face eval DIR [--json]`
//! - `uketsuke-face bench [--json] [--no-python]` (per stage, then side by side with OpenCV's Python path)
//! - `uketsuke-face scene --persona ID --scene SCENE [--challenge C] [--seed N]`
//! - `uketsuke-face pad-eval [--runs N] [--scene SCENE …] [--json]`
//! - `uketsuke-face check --card CHIP.jp2 --frames DIR [--challenge C] [--fps N] --json`
//!
//! Nothing is written to disk; images are read from the given files only.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde_json::json;
use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::decision::PolicyConfig;
use uketsuke_firmware::face::eval::{Report, embed_dir, report, score_pairs};
use uketsuke_firmware::face::liveness::{Challenge, ChallengeConfig};
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::face::offline;
use uketsuke_firmware::face::pipeline::Engine;
use uketsuke_firmware::face::quality::{Assessment, QualityConfig, assess};
use uketsuke_firmware::face::reference::decode_grey;
use uketsuke_hw_sim::camera::Scene;
use uketsuke_sim_kiosk::{face_bench as bench, face_sim as sim, face_versus, pad_eval};

#[derive(Parser)]
#[command(name = "uketsuke-face", version, about = "Uketsuke face pipeline (YuNet + SFace on OpenCV)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compare a probe image with a card photo.
    Verify {
        /// The card photo (JPEG 2000 from the chip, or any image).
        #[arg(long)]
        card: PathBuf,
        /// The probe image (a camera frame).
        #[arg(long)]
        probe: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Every genuine and impostor pair of DIR/<identity>/<image>.
    Eval {
        /// The labelled image directory (scripts/setup prepares one in the data directory's eval/).
        dir: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Run a virtual-camera scene through the whole face check.
    Scene {
        /// Persona id (see `uketsuke-sim personas`).
        #[arg(long)]
        persona: String,
        /// genuine, impostor, no-face, two-faces, far, close, dark, blurred, card-photo-held-up,
        /// card-photo-on-phone, arrives-late, seated-low, standing-high, head-tilted, mask,
        /// sunglasses, clear-glasses, unresponsive, colour-print, colour-print-tilted,
        /// colour-print-moved, phone-video.
        #[arg(long)]
        scene: String,
        /// The liveness challenge: turn_left, turn_right, blink, random (drawn
        /// from the seed, as the kiosk draws one) or none (default: as the
        /// kiosk's default configuration).
        #[arg(long)]
        challenge: Option<String>,
        /// Noise seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Developers only: write every frame as PNG into DIR. Refused in
        /// kiosk mode (UKETSUKE_MODE=kiosk): frames are biometric data.
        #[arg(long, value_name = "DIR")]
        dev_dump_frames: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Attack and bona fide error rates (APCER, BPCER) on the virtual camera.
    PadEval {
        /// Presentations per scene (200 bound a 0 % rate under 2 % at 95 %).
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Only these scenes (default: every attack and live scene).
        #[arg(long)]
        scene: Vec<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// The whole face check on recorded frames: quality, occlusion, the
    /// challenge, the presentation-attack signals and the decision.
    Check {
        /// The chip photo (JPEG 2000 from the chip, or any image).
        #[arg(long)]
        card: PathBuf,
        /// A directory of frames (*.jpg, *.jpeg or *.png), taken in name order.
        #[arg(long)]
        frames: PathBuf,
        /// The challenge the patient was shown while the frames were
        /// recorded: turn_left, turn_right or blink (none: no challenge).
        #[arg(long)]
        challenge: Option<String>,
        /// The frames' rate.
        #[arg(long, default_value_t = 15)]
        fps: u32,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Median time per stage, and the decision latency on a virtual-camera scene.
    Bench {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Iterations per stage.
        #[arg(long, default_value_t = 30)]
        iterations: usize,
        /// Skip the side-by-side run against OpenCV's Python path.
        #[arg(long)]
        no_python: bool,
    },
}

fn main() {
    uketsuke_driver::logging::init_cli("warn");
    if let Err(e) = run(Cli::parse()) {
        eprintln!("uketsuke-face: error: {e}");
        std::process::exit(1);
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, FaceError> {
    std::fs::read(path).map_err(|_| FaceError::BadImage("cannot read the image file"))
}

fn run(cli: Cli) -> Result<(), FaceError> {
    match cli.command {
        Command::Verify { card, probe, json } => {
            let mut engine = Engine::load(&ModelPaths::default_location())?;
            let reference = engine.reference(&read(&card)?)?;
            let frame = decode_grey(&read(&probe)?)?;
            let faces = engine.detector.detect(&frame)?;
            let guidance = match assess(&QualityConfig::default(), &frame, &faces)? {
                Assessment::Usable(_) => None,
                Assessment::Unusable(g) => Some(g),
            };
            let face = faces.first().ok_or(FaceError::NoFace("probe image"))?;
            let score = reference.cosine(&engine.embedder.embed(&frame, face)?);
            let threshold = PolicyConfig::default().threshold;
            let decision = if score >= threshold { "match" } else { "no_match" };
            if json {
                let v = json!({"score": score, "threshold": threshold, "decision": decision,
                               "faces_in_probe": faces.len(), "guidance": guidance});
                println!("{v}");
            } else {
                let g = guidance.map_or("usable".to_owned(), |g| format!("{g:?}"));
                println!(
                    "score {score:.3} (threshold {threshold:.3}): {decision}; {} face(s) in the probe; guidance: {g}",
                    faces.len()
                );
            }
            Ok(())
        }
        Command::Eval { dir, json } => {
            let mut engine = Engine::load(&ModelPaths::default_location())?;
            let set = embed_dir(&mut engine, &dir)?;
            let (genuine, impostor) = score_pairs(&set.by_identity);
            let threshold = PolicyConfig::default().threshold;
            let r = report(set.images, set.by_identity.len(), set.no_face, &genuine, &impostor, threshold);
            if json {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                print_report(&r);
            }
            Ok(())
        }
        Command::Scene { persona, scene, challenge, seed, dev_dump_frames, json } => {
            if dev_dump_frames.is_some() && std::env::var("UKETSUKE_MODE").is_ok_and(|m| m == "kiosk") {
                return Err(FaceError::Refused(
                    "--dev-dump-frames is refused in kiosk mode: frames are biometric data",
                ));
            }
            let scene: Scene = scene.parse().map_err(|_| FaceError::Setup("unknown scene (see --help)".into()))?;
            let defaults = ChallengeConfig::default();
            let challenge = match challenge.as_deref() {
                // As the kiosk's default configuration does.
                None => defaults.enabled.then(|| pad_eval::challenge_for(&defaults, seed)),
                Some("random") => Some(pad_eval::challenge_for(&defaults, seed)),
                Some("none") => None,
                Some(c) => Some(parse_challenge(c)?),
            };
            let mut engine = Engine::load(&ModelPaths::default_location())?;
            let (p, reference) = sim::persona_reference(&mut engine, &persona)?;
            let mut camera = sim::camera(&p, scene, seed)?;
            if let Some(dir) = dev_dump_frames {
                camera.dump_frames_to(dir);
            }
            let policy = PolicyConfig::default();
            let outcome = sim::run_check(
                &mut engine,
                &reference,
                &mut camera,
                &policy,
                challenge.map(|c| (ChallengeConfig { enabled: true, ..ChallengeConfig::default() }, c)),
            )?;
            if json {
                println!("{}", serde_json::to_string(&outcome).unwrap_or_default());
            } else {
                println!("{scene:?} (challenge {challenge:?}): {outcome:?}");
            }
            Ok(())
        }
        Command::PadEval { runs, scene, json } => {
            let scenes = scene
                .iter()
                .map(|s| s.parse::<Scene>().map_err(|_| FaceError::Setup(format!("unknown scene {s}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let rows = pad_eval::run(runs.max(1), &scenes, |row| {
                if !json {
                    eprintln!("{}: {} of {} errors", row.scene, row.errors, row.runs);
                }
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
            } else {
                print!("{}", pad_eval::markdown(&rows));
            }
            Ok(())
        }
        Command::Check { card, frames, challenge, fps, json } => {
            let challenge = challenge.as_deref().map(parse_challenge).transpose()?;
            let report = offline::check(&card, &frames, challenge, fps)?;
            if json {
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
            } else {
                println!(
                    "{} (reason: {}; guidance: {})",
                    report.outcome,
                    report.reason.unwrap_or("none"),
                    report.guidance.unwrap_or("none")
                );
            }
            Ok(())
        }
        Command::Bench { json, iterations, no_python } => {
            let figures = bench::run(iterations.max(1))?;
            let versus = if no_python {
                None
            } else {
                Some(face_versus::run("adult-registered", &face_versus::SCENES, face_versus::PASSES)?)
            };
            if json {
                let both = serde_json::json!({ "stages": figures, "versus_python": versus });
                println!("{}", serde_json::to_string_pretty(&both).unwrap_or_default());
            } else {
                bench::print(&figures);
                if let Some(v) = &versus {
                    face_versus::print(v);
                }
            }
            Ok(())
        }
    }
}

fn parse_challenge(c: &str) -> Result<Challenge, FaceError> {
    c.parse().map_err(|_| FaceError::Setup(format!("unknown challenge {c}: turn_left, turn_right or blink")))
}

fn print_report(r: &Report) {
    println!("{} images of {} identities; no face found in {}", r.images, r.identities, r.no_face);
    for (name, d) in [("genuine", &r.genuine), ("impostor", &r.impostor)] {
        println!(
            "{name:<9} pairs {:>4}  min {:>6.3}  median {:>6.3}  max {:>6.3}  histogram[-0.2..1.0 by 0.1] {:?}",
            d.count, d.min, d.median, d.max, d.histogram
        );
    }
    println!("at threshold {:.3}: FAR {:.4}  FRR {:.4}", r.threshold, r.far, r.frr);
    println!(
        "threshold for FAR <= 0.1 % on this set: {:.3} (a 0.1 % FAR needs >= {} impostor pairs to be measured)",
        r.threshold_far_0_1_percent, r.impostor_pairs_needed_for_0_1_percent
    );
}
