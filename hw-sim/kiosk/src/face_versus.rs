//! `uketsuke-face bench`'s side-by-side run: our per-frame analysis and
//! OpenCV's own Python path (`scripts/face_reference.py`, Debian
//! `python3-opencv`) on the same frames, with the same models and the
//! same number of threads, in one run.
//!
//! The frames are what a reception desk's camera sees during checks:
//! nobody and then the card holder stepping in, the card holder well
//! placed, too far, in a mask, in clear glasses, and someone else. They
//! go to Python through a pipe, never to disk.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use serde::Serialize;
use uketsuke_driver::hal::camera::{Frame, PixelFormat};
use uketsuke_hw_sim::camera::Scene;
use zeroize::Zeroizing;

use crate::face_python::Python;
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
/// Rounds of timed passes (one pass of each side per round); medians count.
pub const PASSES: usize = 7;
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
    /// Python's ms per frame over ours with detection one frame ahead,
    /// in each round (a pass of each, one after the other); the median.
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
pub(crate) struct Recorded {
    pub(crate) width: u32,
    pub(crate) height: u32,
    at: Duration,
    pub(crate) pixels: Zeroizing<Vec<u8>>,
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

/// One configuration's timings, pass by pass.
struct Timings {
    overlapped: Vec<f64>,
    serial: Vec<f64>,
    frame_ms: Vec<Vec<f64>>,
}

/// Runs both sides on `persona`'s frames of `scenes` (the bench: the
/// adult-registered persona, [`SCENES`], [`PASSES`]): after a warm-up,
/// each of `passes` rounds times one pass of Python's, then ours as the
/// kiosk runs it and ours on every whole frame, each with detection one
/// frame ahead and one frame at a time. Medians count.
pub fn run(persona: &str, scenes: &[(Scene, usize)], passes: usize) -> Result<Versus, FaceError> {
    opencv::core::set_num_threads(THREADS)?;
    let mut engine = Engine::load(&ModelPaths::default_location())?;
    let (p, reference) = sim::persona_reference(&mut engine, persona)?;
    let photo = std::fs::read(data_dir().join("personas").join(&p.id).join("photo.jp2"))
        .map_err(|_| FaceError::Setup("persona photo missing: run scripts/setup".into()))?;
    let photo = decode_card_photo(&photo)?;
    let frames = record(&p, scenes)?;
    let n = frames.len();
    let mut python = Python::start(&photo, &frames)?;
    let widths = [DETECTION_WIDTH, 0];
    let mut scores = Vec::new();
    let mut timings = Vec::new();
    for width in widths {
        engine.detection_width = width;
        scores.push(overlapped(&mut engine, &reference, &frames)?);
        serial(&mut engine, &reference, &frames, &mut vec![Vec::new(); n])?; // warm-up
        timings.push(Timings { overlapped: Vec::new(), serial: Vec::new(), frame_ms: vec![Vec::new(); n] });
    }
    let (mut python_ms, mut python_frame_ms) = (Vec::new(), vec![Vec::new(); n]);
    for _ in 0..passes.max(1) {
        let pass = python.pass()?;
        python_ms.push(pass.ms_per_frame);
        python_frame_ms.iter_mut().zip(pass.frame_ms).for_each(|(all, ms)| all.push(ms));
        for (width, t) in widths.into_iter().zip(&mut timings) {
            engine.detection_width = width;
            let start = Instant::now();
            overlapped(&mut engine, &reference, &frames)?;
            t.overlapped.push(start.elapsed().as_secs_f64() * 1e3 / n as f64);
            let start = Instant::now();
            serial(&mut engine, &reference, &frames, &mut t.frame_ms)?;
            t.serial.push(start.elapsed().as_secs_f64() * 1e3 / n as f64);
        }
    }
    let python_frame_ms: Vec<f64> = python_frame_ms.iter_mut().map(|v| median(v)).collect();
    let sides: Vec<Ours> = widths
        .into_iter()
        .zip(scores.iter().zip(timings.iter_mut()))
        .map(|(width, (scores, t))| summarise(width, scores, t, &python_ms, &python_frame_ms, &python.scores))
        .collect();
    let mut sides = sides.into_iter();
    let python_ms_per_frame = median(&mut python_ms);
    let (Some(ours), Some(ours_whole_frame)) = (sides.next(), sides.next()) else {
        return Err(FaceError::Setup("no configuration measured".into()));
    };
    Ok(Versus {
        frames: n,
        passes,
        threads: THREADS,
        python_ms_per_frame,
        python_embedded: python.scores.iter().flatten().count(),
        ours,
        ours_whole_frame,
    })
}

fn summarise(
    detection_width: i32,
    scores: &[Option<f32>],
    t: &mut Timings,
    python_ms: &[f64],
    python_frame_ms: &[f64],
    python_scores: &[Option<f64>],
) -> Ours {
    // Each round's ratio: a drift of the machine's speed between rounds
    // moves both sides of it alike.
    let mut ratios: Vec<f64> = python_ms.iter().zip(&t.overlapped).map(|(py, ours)| py / ours).collect();
    let ms_per_frame = median(&mut t.overlapped);
    let python_score = |i: usize| python_scores.get(i).copied().flatten();
    let both: Vec<usize> = (0..scores.len()).filter(|&i| scores[i].is_some() && python_score(i).is_some()).collect();
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
    Ours {
        detection_width,
        serial_ms_per_frame: median(&mut t.serial),
        ms_per_frame,
        ratio: median(&mut ratios),
        embedded: scores.iter().flatten().count(),
        python_embedded_ms: mean(&mut both.iter().filter_map(|&i| python_frame_ms.get(i).copied())),
        embedded_ms: mean(&mut both.iter().map(|&i| median(&mut t.frame_ms[i]))),
        max_score_difference: differences.iter().copied().fold(0.0, f64::max),
        mean_score_difference: mean(&mut differences.iter().copied()),
        threshold_disagreements,
    }
}

/// Prints the figures.
#[allow(clippy::print_stdout)]
pub fn print(v: &Versus) {
    println!(
        "side by side on the same {} frames, {} OpenCV threads each ({} rounds of one pass each, alternating; medians):",
        v.frames, v.threads, v.passes
    );
    println!(
        "  OpenCV's Python path (scripts/face_reference.py)      {:>7.2} ms/frame, {} frames embedded (every face found)",
        v.python_ms_per_frame, v.python_embedded
    );
    for (name, o) in [("ours as the kiosk runs it", &v.ours), ("ours, every whole frame searched", &v.ours_whole_frame)]
    {
        println!(
            "  {name:<32} one at a time {:>7.2} ms/frame, detection one frame ahead {:>7.2} ms/frame: {:.2}x (median of the rounds' ratios; target >= 1.5x)",
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
