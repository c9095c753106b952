//! `uketsuke-face bench`'s side-by-side run: our per-frame analysis and
//! OpenCV's own Python path (`scripts/face_reference.py`, Debian
//! `python3-opencv`) on the same frames, with the same models and the
//! same number of threads, in one run.
//!
//! The frames are what a reception desk's camera sees during checks:
//! nobody and then the card holder stepping in, the card holder well
//! placed, too far, in a mask, in clear glasses, and someone else. They
//! go to Python through a pipe, never to disk.

use std::io::{BufRead, BufReader, Write};
use std::ops::ControlFlow;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use opencv::prelude::*;
use serde::Serialize;
use uketsuke_driver::hal::camera::{Frame, PixelFormat};
use uketsuke_hw_sim::camera::Scene;
use zeroize::Zeroizing;

use crate::face_sim::{self as sim, EveryOther};
use uketsuke_driver::hal::camera::FrameSource;
use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::decision::{FrameResult, PolicyConfig};
use uketsuke_firmware::face::embed::Embedding;
use uketsuke_firmware::face::models::{ModelPaths, data_dir};
use uketsuke_firmware::face::overlap::{self, Feed, Stopped};
use uketsuke_firmware::face::pipeline::{Engine, Need};
use uketsuke_firmware::face::quality::QualityConfig;
use uketsuke_firmware::face::reference::decode_card_photo;
use uketsuke_firmware::face::search::DETECTION_WIDTH;

/// OpenCV threads for both sides (the kiosk's two cores).
pub const THREADS: i32 = 2;
/// Timed passes over the frames, each side; the median counts.
pub const PASSES: usize = 5;
/// The bench's scenes and the analysed frames taken from each (15 a second).
pub const SCENES: [(Scene, usize); 6] = [
    (Scene::ArrivesLate, 60),
    (Scene::Genuine, 30),
    (Scene::Far, 10),
    (Scene::Mask, 10),
    (Scene::ClearGlasses, 10),
    (Scene::Impostor, 10),
];

/// The side-by-side figures.
#[derive(Clone, Debug, Serialize)]
pub struct Versus {
    /// Frames each side analysed per pass.
    pub frames: usize,
    /// Timed passes each side (the median counts).
    pub passes: usize,
    /// OpenCV threads on each side.
    pub threads: i32,
    /// OpenCV's Python path, median ms per frame.
    pub python_ms_per_frame: f64,
    /// Frames Python embedded (a face found).
    pub python_embedded: usize,
    /// Ours as the kiosk runs it: a [`DETECTION_WIDTH`]-wide copy
    /// searched, the face found again in a window of the full frame and
    /// followed from frame to frame.
    pub ours: Ours,
    /// Ours searching every whole frame, as the Python path does.
    pub ours_whole_frame: Ours,
}

/// One configuration of ours against the Python path.
#[derive(Clone, Debug, Serialize)]
pub struct Ours {
    /// Width of the copy searched first (0: the whole frame).
    pub detection_width: i32,
    /// One frame at a time, median ms per frame.
    pub serial_ms_per_frame: f64,
    /// Detection one frame ahead on the second core.
    pub ms_per_frame: f64,
    /// Python's ms per frame over ours (`ms_per_frame`).
    pub ratio: f64,
    /// Frames embedded (the quality and occlusion gates passed).
    pub embedded: usize,
    /// Over frames both sides embedded: Python's mean ms per frame.
    pub python_embedded_ms: f64,
    /// The same frames, ours one at a time.
    pub embedded_ms: f64,
    /// Over frames both sides embedded: the largest difference of the
    /// cosine to the chip photo.
    pub max_score_difference: f64,
    /// The same, the mean.
    pub mean_score_difference: f64,
    /// Frames both embedded that the two put on different sides of the
    /// kiosk's match threshold.
    pub threshold_disagreements: usize,
}

/// Pixels of one frame, kept to build the frame again for every pass.
struct Recorded {
    width: u32,
    height: u32,
    at: Duration,
    pixels: Zeroizing<Vec<u8>>,
}

impl Recorded {
    fn frame(&self) -> Result<Frame, FaceError> {
        Frame::new(self.width, self.height, PixelFormat::Bgr8, self.pixels.to_vec(), self.at)
            .map_err(|_| FaceError::BadImage("recorded frame"))
    }
}

/// The frames of `persona`'s `scenes`.
fn record(persona: &uketsuke_hw_sim::persona::Persona, scenes: &[(Scene, usize)]) -> Result<Vec<Recorded>, FaceError> {
    let mut frames = Vec::new();
    for (i, (scene, n)) in scenes.iter().enumerate() {
        let mut cam = sim::camera(persona, *scene, 40 + i as u64)?;
        let mut source = EveryOther(&mut cam);
        for _ in 0..*n {
            let f = source.next_frame().map_err(|e| FaceError::Setup(e.to_string()))?;
            frames.push(Recorded {
                width: f.width(),
                height: f.height(),
                at: f.timestamp,
                pixels: f.pixels().to_vec().into(),
            });
        }
    }
    Ok(frames)
}

/// Every recorded frame scored, two in flight.
struct AllFrames<'a> {
    frames: std::slice::Iter<'a, Recorded>,
    scores: Vec<Option<f32>>,
}

impl Feed for AllFrames<'_> {
    type Error = FaceError;
    type Done = ();

    fn next_frame(&mut self) -> Option<Result<Frame, FaceError>> {
        self.frames.next().map(Recorded::frame)
    }

    fn need(&self) -> Need {
        Need::Score
    }

    fn take(&mut self, _at: Duration, result: FrameResult) -> ControlFlow<()> {
        self.scores.push(match result {
            FrameResult::Scored { similarity, .. } => Some(similarity),
            _ => None,
        });
        ControlFlow::Continue(())
    }
}

fn overlapped(engine: &mut Engine, reference: &Embedding, frames: &[Recorded]) -> Result<Vec<Option<f32>>, FaceError> {
    engine.forget_looks();
    let mut feed = AllFrames { frames: frames.iter(), scores: Vec::with_capacity(frames.len()) };
    let run = overlap::run(engine, &QualityConfig::default(), reference, &mut feed);
    engine.forget_looks();
    match run {
        Ok(_) => Ok(feed.scores),
        Err(Stopped::Source(e) | Stopped::Face(e)) => Err(e),
    }
}

/// One frame at a time; adds each frame's time to `ms`.
fn serial(
    engine: &mut Engine,
    reference: &Embedding,
    frames: &[Recorded],
    ms: &mut [Vec<f64>],
) -> Result<(), FaceError> {
    engine.forget_looks();
    for (f, ms) in frames.iter().zip(ms.iter_mut()) {
        let frame = f.frame()?;
        let start = Instant::now();
        engine.analyse_frame(&QualityConfig::default(), reference, &frame, Need::Score)?;
        ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    engine.forget_looks();
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn median_per_frame(
    n: usize,
    passes: usize,
    mut pass: impl FnMut() -> Result<(), FaceError>,
) -> Result<f64, FaceError> {
    pass()?; // warm-up
    let mut ms = Vec::with_capacity(passes);
    for _ in 0..passes.max(1) {
        let start = Instant::now();
        pass()?;
        ms.push(start.elapsed().as_secs_f64() * 1e3 / n as f64);
    }
    Ok(median(&mut ms))
}

/// Python's answer.
#[derive(serde::Deserialize)]
struct PythonFigures {
    ms_per_frame: f64,
    frame_ms: Vec<f64>,
    scores: Vec<Option<f64>>,
}

/// The reference script: `UKETSUKE_FACE_REFERENCE`, else the source tree's.
fn script() -> std::path::PathBuf {
    std::env::var_os("UKETSUKE_FACE_REFERENCE").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/face_reference.py"),
        std::path::PathBuf::from,
    )
}

fn python(photo: &Mat, frames: &[Recorded], passes: usize) -> Result<PythonFigures, FaceError> {
    let setup = |what: &str| FaceError::Setup(format!("Python reference: {what} (python3-opencv: run scripts/setup)"));
    let models = ModelPaths::default_location();
    let (w, h) = frames.first().map_or((0, 0), |f| (f.width, f.height));
    let header = serde_json::json!({
        "width": w, "height": h, "count": frames.len(), "threads": THREADS, "repeat": passes.max(1),
        "yunet": models.yunet, "sface": models.sface,
        "photo_width": photo.cols(), "photo_height": photo.rows(),
    });
    let mut child = Command::new("/usr/bin/python3")
        .arg(script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|_| setup("cannot start /usr/bin/python3"))?;
    let mut stdin = child.stdin.take().ok_or_else(|| setup("no stdin"))?;
    let written = (|| -> std::io::Result<()> {
        writeln!(stdin, "{header}")?;
        stdin.write_all(photo.data_bytes().map_err(|e| std::io::Error::other(e.message))?)?;
        frames.iter().try_for_each(|f| stdin.write_all(&f.pixels))
    })();
    drop(stdin);
    let mut line = String::new();
    let read = child.stdout.take().map(|out| BufReader::new(out).read_line(&mut line));
    let status = child.wait().map_err(|_| setup("did not finish"))?;
    if written.is_err() || !status.success() || !matches!(read, Some(Ok(_))) {
        return Err(setup("failed"));
    }
    serde_json::from_str(&line).map_err(|_| setup("unreadable answer"))
}

/// Runs both sides on `persona`'s frames of `scenes` (the bench: the
/// adult-registered persona, [`SCENES`], [`PASSES`]).
pub fn run(persona: &str, scenes: &[(Scene, usize)], passes: usize) -> Result<Versus, FaceError> {
    opencv::core::set_num_threads(THREADS)?;
    let mut engine = Engine::load(&ModelPaths::default_location())?;
    let (p, reference) = sim::persona_reference(&mut engine, persona)?;
    let photo = std::fs::read(data_dir().join("personas").join(&p.id).join("photo.jp2"))
        .map_err(|_| FaceError::Setup("persona photo missing: run scripts/setup".into()))?;
    let photo = decode_card_photo(&photo)?;
    let frames = record(&p, scenes)?;
    let py = python(&photo, &frames, passes)?;
    let mut side = |width| {
        engine.detection_width = width;
        ours(&mut engine, &reference, &frames, passes, &py)
    };
    let (kiosk, whole) = (side(DETECTION_WIDTH)?, side(0)?);
    Ok(Versus {
        frames: frames.len(),
        passes,
        threads: THREADS,
        python_ms_per_frame: py.ms_per_frame,
        python_embedded: py.scores.iter().flatten().count(),
        ours: kiosk,
        ours_whole_frame: whole,
    })
}

fn ours(
    engine: &mut Engine,
    reference: &Embedding,
    frames: &[Recorded],
    passes: usize,
    py: &PythonFigures,
) -> Result<Ours, FaceError> {
    let n = frames.len();
    let scores = overlapped(engine, reference, frames)?;
    let ms_per_frame = median_per_frame(n, passes, || overlapped(engine, reference, frames).map(drop))?;
    let mut frame_ms = vec![Vec::with_capacity(passes + 1); n];
    let serial_ms_per_frame = median_per_frame(n, passes, || serial(engine, reference, frames, &mut frame_ms))?;
    let python_score = |i: usize| py.scores.get(i).copied().flatten();
    let both: Vec<usize> = (0..n).filter(|&i| scores[i].is_some() && python_score(i).is_some()).collect();
    let differences: Vec<f64> =
        both.iter().filter_map(|&i| Some((f64::from(scores[i]?) - python_score(i)?).abs())).collect();
    let mean = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>() / both.len().max(1) as f64;
    let threshold = f64::from(PolicyConfig::default().threshold);
    let threshold_disagreements = both
        .iter()
        .filter(|&&i| {
            let (ours, theirs) = (scores[i].map(f64::from), python_score(i));
            ours.zip(theirs).is_some_and(|(a, b)| (a >= threshold) != (b >= threshold))
        })
        .count();
    Ok(Ours {
        detection_width: engine.detection_width,
        serial_ms_per_frame,
        ms_per_frame,
        ratio: py.ms_per_frame / ms_per_frame,
        embedded: scores.iter().flatten().count(),
        python_embedded_ms: mean(&mut both.iter().filter_map(|&i| py.frame_ms.get(i).copied())),
        embedded_ms: mean(&mut both.iter().map(|&i| median(&mut frame_ms[i]))),
        max_score_difference: differences.iter().copied().fold(0.0, f64::max),
        mean_score_difference: mean(&mut differences.iter().copied()),
        threshold_disagreements,
    })
}

/// Prints the figures.
#[allow(clippy::print_stdout)]
pub fn print(v: &Versus) {
    println!(
        "side by side on the same {} frames, {} OpenCV threads each (median of {} passes):",
        v.frames, v.threads, v.passes
    );
    println!(
        "  OpenCV's Python path (scripts/face_reference.py)      {:>7.2} ms/frame, {} frames embedded (every face found)",
        v.python_ms_per_frame, v.python_embedded
    );
    for (name, o) in [("ours as the kiosk runs it", &v.ours), ("ours, every whole frame searched", &v.ours_whole_frame)]
    {
        println!(
            "  {name:<32} one at a time {:>7.2} ms/frame, detection one frame ahead {:>7.2} ms/frame: {:.2}x (target >= 1.5x)",
            o.serial_ms_per_frame, o.ms_per_frame, o.ratio
        );
        println!(
            "    {} frames embedded (the gates passed); on the frames both embedded: Python {:.2} ms, ours {:.2} ms; cosine difference max {:.3}, mean {:.3}; {} on the other side of the match threshold",
            o.embedded,
            o.python_embedded_ms,
            o.embedded_ms,
            o.max_score_difference,
            o.mean_score_difference,
            o.threshold_disagreements
        );
    }
}
