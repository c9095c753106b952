//! OpenCV's own Python path (`scripts/face_reference.py`, Debian
//! `python3-opencv`) as a child process for `uketsuke-face bench`'s
//! side-by-side run ([`crate::face_versus`]): the frames go through a
//! pipe, never to disk.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use opencv::core::Mat;
use opencv::prelude::*;
use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::models::ModelPaths;

use crate::face_versus::{Recorded, THREADS};

/// The reference script: `UKETSUKE_FACE_REFERENCE`, else the source tree's.
fn script() -> std::path::PathBuf {
    std::env::var_os("UKETSUKE_FACE_REFERENCE").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/face_reference.py"),
        std::path::PathBuf::from,
    )
}

fn python_failed(what: &str) -> FaceError {
    FaceError::Setup(format!("Python reference: {what} (python3-opencv: run scripts/setup)"))
}

/// OpenCV's Python path running beside ours: the frames loaded and
/// scored once, then one timed pass per [`Python::pass`], so its passes
/// alternate with ours (the machine's speed drifts over a run).
pub(crate) struct Python {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Each frame's cosine to the chip photo, `None` when no face was found.
    pub(crate) scores: Vec<Option<f64>>,
}

/// Python's first answer.
#[derive(serde::Deserialize)]
struct PythonScores {
    scores: Vec<Option<f64>>,
}

/// One of Python's timed passes.
#[derive(serde::Deserialize)]
pub(crate) struct PythonPass {
    pub(crate) ms_per_frame: f64,
    pub(crate) frame_ms: Vec<f64>,
}

impl Python {
    pub(crate) fn start(photo: &Mat, frames: &[Recorded]) -> Result<Self, FaceError> {
        let models = ModelPaths::default_location();
        let (w, h) = frames.first().map_or((0, 0), |f| (f.width, f.height));
        let header = serde_json::json!({
            "width": w, "height": h, "count": frames.len(), "threads": THREADS,
            "yunet": models.yunet, "sface": models.sface,
            "photo_width": photo.cols(), "photo_height": photo.rows(),
        });
        let mut child = Command::new("/usr/bin/python3")
            .arg(script())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|_| python_failed("cannot start /usr/bin/python3"))?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(python_failed("no pipes"));
        };
        let written = (|| -> std::io::Result<()> {
            writeln!(stdin, "{header}")?;
            stdin.write_all(photo.data_bytes().map_err(|e| std::io::Error::other(e.message))?)?;
            frames.iter().try_for_each(|f| stdin.write_all(&f.pixels))?;
            stdin.flush()
        })();
        let mut python = Python { child, stdin: Some(stdin), stdout: BufReader::new(stdout), scores: Vec::new() };
        written.map_err(|_| python_failed("the frames could not be sent"))?;
        let first: PythonScores = python.answer()?;
        python.scores = first.scores;
        Ok(python)
    }

    fn answer<T: serde::de::DeserializeOwned>(&mut self) -> Result<T, FaceError> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => serde_json::from_str(&line).map_err(|_| python_failed("unreadable answer")),
            _ => Err(python_failed("stopped")),
        }
    }

    pub(crate) fn pass(&mut self) -> Result<PythonPass, FaceError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| python_failed("closed"))?;
        writeln!(stdin, "pass").and_then(|()| stdin.flush()).map_err(|_| python_failed("stopped"))?;
        self.answer()
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        // The end of its stdin ends the script.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
