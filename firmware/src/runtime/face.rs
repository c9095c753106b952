//! The face worker: one thread owns the OpenCV models and the camera while
//! it is open. It runs a face check when the flow asks, reporting live
//! guidance and the outcome as flow inputs, and while staff do a visual
//! check it keeps the console's live image fresh. Frames and photos never
//! leave memory; the console's copies are wiped when the check ends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use opencv::core::{Mat, Vector};
use opencv::imgcodecs;
use opencv::prelude::*;
use tokio::sync::mpsc::UnboundedSender;
use tracing::{info, info_span, warn};
use uketsuke_driver::hal::camera::Frame;
use uketsuke_driver::secret::PersonalBytes;
use zeroize::Zeroizing;

use super::capture::{Capture, Captured};
use crate::config::FaceConfig;
use crate::face::decision::{Decider, FrameResult, InconclusiveReason, Outcome};
use crate::face::models::ModelPaths;
use crate::face::pipeline::{Engine, Need, frame_to_mat, wipe};
use crate::face::reference::decode_card_photo;
use crate::face::{ANALYSIS_PERIOD, FaceError};
use crate::flow::types::Input;
use crate::host::staff::StaffBoard;
use uketsuke_driver::hal::camera::{Camera, DynFrameSource};

/// How long the staff console's live view waits between frames (and a
/// failing camera between retries).
const LIVE_VIEW_PERIOD: Duration = Duration::from_millis(300);
/// How long a face check waits for a frame before it checks its deadline.
const FRAME_WAIT: Duration = Duration::from_millis(500);

enum Command {
    Check {
        photo: PersonalBytes,
        generation: u64,
    },
    LiveView(bool),
    /// The chip photo and the card face's name image, for the console.
    ShowCardImages {
        photo: PersonalBytes,
        name: PersonalBytes,
    },
}

/// Handle to the face worker thread.
pub struct FaceWorker {
    commands: mpsc::Sender<Command>,
    generation: Arc<AtomicU64>,
}

/// Where the face worker shows each frame of a check (the touchscreen's
/// live preview). Frames are shown, never kept.
pub type PreviewSink = Arc<dyn Fn(&Frame) + Send + Sync>;

struct Worker {
    preview: Option<PreviewSink>,
    engine: Option<Engine>,
    cfg: FaceConfig,
    camera: Arc<dyn Camera>,
    inputs: UnboundedSender<Input>,
    board: Arc<Mutex<StaffBoard>>,
    generation: Arc<AtomicU64>,
    live: Option<Box<DynFrameSource>>,
}

impl FaceWorker {
    /// Starts the worker. Missing or corrupt models are reported once here;
    /// every face check then ends inconclusive, so the flow offers the PIN or
    /// a staff visual check instead.
    pub fn start(
        models: &ModelPaths,
        cfg: FaceConfig,
        camera: Arc<dyn Camera>,
        inputs: UnboundedSender<Input>,
        board: Arc<Mutex<StaffBoard>>,
        preview: Option<PreviewSink>,
    ) -> Self {
        let (tx, rx) = mpsc::channel();
        let generation = Arc::new(AtomicU64::new(0));
        let models = models.clone();
        let gen_worker = Arc::clone(&generation);
        let spawned = std::thread::Builder::new().name("face".into()).spawn(move || {
            let engine = Engine::load(&models)
                .inspect_err(|e| warn!(error = %e, "face models unavailable: the face path will offer PIN or staff"))
                .ok();
            Worker { preview, engine, cfg, camera, inputs, board, generation: gen_worker, live: None }.run(&rx);
        });
        if let Err(e) = spawned {
            warn!(error = %e, "cannot start the face worker");
        }
        Self { commands: tx, generation }
    }

    /// Starts a face check against the chip photo; the answer comes as
    /// `Input::FaceDone` (and `Input::FaceGuidance` while it runs).
    pub fn start_check(&self, photo: PersonalBytes) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.commands.send(Command::Check { photo, generation });
    }

    /// Stops a running check; its result is dropped.
    pub fn stop_check(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Puts the chip photo and the card face's name image (DF25) on the
    /// staff console (as PNG) and starts the live view.
    pub fn start_visual_check(&self, photo: PersonalBytes, name: PersonalBytes) {
        let _ = self.commands.send(Command::ShowCardImages { photo, name });
        let _ = self.commands.send(Command::LiveView(true));
    }

    /// Stops the live view and wipes the console's images.
    pub fn end_visual_check(&self) {
        let _ = self.commands.send(Command::LiveView(false));
    }
}

impl Worker {
    fn run(mut self, rx: &mpsc::Receiver<Command>) {
        loop {
            let command = if self.live.is_some() {
                match rx.recv_timeout(LIVE_VIEW_PERIOD) {
                    Ok(c) => Some(c),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match rx.recv() {
                    Ok(c) => Some(c),
                    Err(_) => return,
                }
            };
            match command {
                None => self.refresh_live_view(),
                Some(Command::Check { photo, generation }) => self.check(&photo, generation),
                Some(Command::LiveView(on)) => self.live_view(on),
                Some(Command::ShowCardImages { photo, name }) => {
                    let png = encode_photo(&photo);
                    if let Err(e) = &png {
                        warn!(error = %e, "the card photo cannot be shown on the staff console");
                    }
                    let name_png = encode_photo(&name);
                    if let Err(e) = &name_png {
                        warn!(error = %e, "the card face's name image cannot be shown on the staff console");
                    }
                    if let Ok(mut b) = self.board.lock() {
                        b.card_photo = png.ok();
                        b.card_name = name_png.ok();
                    }
                }
            }
        }
    }

    fn live_view(&mut self, on: bool) {
        if !on {
            self.live = None;
            if let Ok(mut b) = self.board.lock() {
                b.card_photo = None;
                b.card_name = None;
                b.live_image = None;
            }
            return;
        }
        match self.camera.open() {
            Ok(cam) => self.live = Some(cam),
            Err(e) => warn!(error = %e, "camera unavailable for the staff console's live view"),
        }
        self.refresh_live_view();
    }

    fn refresh_live_view(&mut self) {
        let Some(cam) = self.live.as_mut() else { return };
        let jpeg = match cam.next_frame() {
            Ok(frame) => encode_frame(&frame),
            Err(e) => {
                warn!(error = %e, "camera failed during the live view");
                self.live = None;
                return;
            }
        };
        if let (Ok(jpeg), Ok(mut b)) = (jpeg, self.board.lock()) {
            b.live_image = Some(jpeg);
        }
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    fn report(&self, generation: u64, input: Input) {
        if self.current(generation) {
            let _ = self.inputs.send(input);
        }
    }

    fn check(&mut self, photo: &PersonalBytes, generation: u64) {
        let span = info_span!("stage", name = "face_check");
        let _guard = span.enter();
        match self.engine.take() {
            Some(mut engine) => {
                // The previous look's eye patches are biometric: none is
                // carried into a check, or kept after it.
                engine.forget_looks();
                self.check_with(&mut engine, photo, generation);
                engine.forget_looks();
                self.engine = Some(engine);
            }
            None => self.report(generation, Input::FaceDone(Outcome::Inconclusive(InconclusiveReason::NoFrames))),
        }
    }

    fn check_with(&mut self, engine: &mut Engine, photo: &PersonalBytes, generation: u64) {
        let no_frames = Outcome::Inconclusive(InconclusiveReason::NoFrames);
        let reference = match engine.reference(photo.expose()) {
            Ok(r) => r,
            Err(e) => {
                warn!(error = %e, "no reference from the card photo");
                return self.report(generation, Input::FaceDone(no_frames));
            }
        };
        let capture = match self
            .camera
            .open()
            .map_err(|e| e.to_string())
            .and_then(|camera| Capture::start(camera, self.preview.clone()).map_err(|e| e.to_string()))
        {
            Ok(c) => c,
            Err(e) => {
                warn!(error = %e, "camera unavailable");
                return self.report(generation, Input::FaceDone(no_frames));
            }
        };
        let challenge = self.cfg.challenge.draw(random());
        let mut decider = Decider::with_challenge(self.cfg.policy.clone(), self.cfg.challenge.clone(), challenge);
        let started = Instant::now();
        let mut last_guidance = None;
        let mut asked = None;
        let mut last_failure = None;
        let mut assessed = 0u32;
        let mut next_look = Instant::now();
        while self.current(generation) {
            std::thread::sleep(next_look.saturating_duration_since(Instant::now()));
            next_look = Instant::now() + ANALYSIS_PERIOD;
            let result = match capture.next(FRAME_WAIT) {
                Captured::Frame(frame) => {
                    assessed += 1;
                    let need = if decider.wants_score() { Need::Score } else { Need::Track };
                    engine
                        .analyse_frame(&self.cfg.quality, &reference, &frame, need)
                        .map(|r| Some((frame.timestamp, r)))
                        .map_err(|e| e.to_string())
                }
                Captured::Failed(e) => Err(e),
                Captured::Nothing => Ok(None),
            };
            let decided = match result {
                Ok(Some((at, r))) => {
                    if let FrameResult::Unusable(g) = r
                        && last_guidance != Some(g)
                    {
                        last_guidance = Some(g);
                        self.report(generation, Input::FaceGuidance(g));
                    }
                    decider.push(at, r)
                }
                Ok(None) | Err(_) => {
                    // Said once per kind of failure, not for every frame.
                    if let Err(e) = result
                        && last_failure.as_ref() != Some(&e)
                    {
                        warn!(error = %e, "face check frame failed");
                        last_failure = Some(e);
                    }
                    (started.elapsed() >= self.cfg.policy.max_duration).then_some(no_frames)
                }
            };
            if decided.is_none() && decider.challenge() != asked {
                asked = decider.challenge();
                // The screen shows the movement alone now; guidance after it is new.
                last_guidance = None;
                self.report(generation, Input::FaceChallenge(asked));
            }
            if let Some(outcome) = decided {
                let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
                let (read, shown) = (capture.frames(), self.preview.is_some());
                info!(outcome = outcome.kind(), elapsed_ms, read, assessed, shown, "face check decided");
                return self.report(generation, Input::FaceDone(outcome));
            }
        }
        info!("face check stopped");
    }
}

/// A number from the operating system's randomness, to draw the
/// challenge with: a replay cannot know in advance which movement is asked.
fn random() -> u64 {
    use rand_core::RngCore;
    rand_core::OsRng.next_u64()
}

fn encode(mat: &Mat, ext: &str) -> Result<Zeroizing<Vec<u8>>, FaceError> {
    let mut buf = Vector::<u8>::new();
    imgcodecs::imencode(ext, mat, &mut buf, &Vector::new())?;
    Ok(Zeroizing::new(buf.to_vec()))
}

/// The chip photo (JPEG 2000) as PNG, for the staff console.
pub fn encode_photo(photo: &PersonalBytes) -> Result<Zeroizing<Vec<u8>>, FaceError> {
    let mut mat = decode_card_photo(photo.expose())?;
    let png = encode(&mat, ".png");
    wipe(&mut mat);
    png
}

/// A camera frame as JPEG, for the staff console.
pub fn encode_frame(frame: &Frame) -> Result<Zeroizing<Vec<u8>>, FaceError> {
    let mut mat = frame_to_mat(frame)?;
    let jpeg = encode(&mat, ".jpg");
    wipe(&mut mat);
    jpeg
}
