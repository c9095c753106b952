//! `uketsuke-face`: the face pipeline from the command line.
//!
//! - `uketsuke-face verify --card CARD_PHOTO --probe IMAGE [--json]`
//!
//! Nothing is written to disk; images are read from the given files only.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde_json::json;
use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::detect::{Detector, to_grey_bgr};
use uketsuke_firmware::face::embed::{Embedder, OPENCV_COSINE_THRESHOLD};
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::face::reference::{decode_grey, reference_embedding};

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
}

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
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
            let models = ModelPaths::default_location();
            models.verify()?;
            let mut det = Detector::new(&models.yunet)?;
            let mut emb = Embedder::new(&models.sface)?;
            let reference = reference_embedding(&mut det, &mut emb, &read(&card)?)?;
            let frame = decode_grey(&read(&probe)?)?;
            let frame = to_grey_bgr(&frame)?;
            let faces = det.detect(&frame)?;
            let face = faces.first().ok_or(FaceError::NoFace("probe image"))?;
            let score = reference.cosine(&emb.embed(&frame, face)?);
            let threshold = OPENCV_COSINE_THRESHOLD;
            let decision = if score >= threshold { "match" } else { "no_match" };
            if json {
                let v = json!({"score": score, "threshold": threshold, "decision": decision, "faces_in_probe": faces.len()});
                println!("{v}");
            } else {
                println!(
                    "score {score:.3} (threshold {threshold:.3}): {decision}; {} face(s) in the probe",
                    faces.len()
                );
            }
            Ok(())
        }
    }
}
