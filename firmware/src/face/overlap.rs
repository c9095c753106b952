//! Frames analysed with two in flight: while the caller's thread checks
//! and embeds frame n ([`finish`]), a second thread converts and searches
//! frame n+1 ([`locate`]). On a two-core kiosk the slower stage (the
//! embedding) alone then sets the pace, not the sum of both.

use std::ops::ControlFlow;
use std::sync::mpsc;
use std::time::Duration;

use uketsuke_driver::hal::camera::Frame;

use super::FaceError;
use super::decision::FrameResult;
use super::embed::Embedding;
use super::pipeline::{Engine, Located, Need, finish, locate};
use super::quality::QualityConfig;

/// Frames waiting for detection, and located frames waiting for the
/// second stage: one each is enough to keep both cores busy.
const QUEUE: usize = 1;

/// Where the frames come from and where their results go, all on the
/// caller's thread.
pub trait Feed {
    /// The frame source's error.
    type Error;
    /// What a finished run gives back.
    type Done;
    /// The next frame, or `None` when there are no more.
    fn next_frame(&mut self) -> Option<Result<Frame, Self::Error>>;
    /// What the next finished frame is needed for.
    fn need(&self) -> Need;
    /// One frame's result (frames come in order); `Break` stops the run.
    fn take(&mut self, at: Duration, result: FrameResult) -> ControlFlow<Self::Done>;
}

/// Why an overlapped run stopped early.
#[derive(Debug)]
pub enum Stopped<E> {
    /// The feed's frame source failed.
    Source(E),
    /// The pipeline failed.
    Face(FaceError),
}

/// Analyses the feed's frames with detection one frame ahead, until the
/// feed breaks (`Ok(Some(done))`) or runs out of frames (`Ok(None)`). A
/// frame is read before the previous one's result is taken: a simulated
/// patient reacting in `take` shows it one analysed frame later, as in
/// front of a real camera. Located frames not finished are wiped as they drop.
pub fn run<F: Feed>(
    engine: &mut Engine,
    quality: &QualityConfig,
    reference: &Embedding,
    feed: &mut F,
) -> Result<Option<F::Done>, Stopped<F::Error>> {
    let Engine { detector, embedder, last_look, points, detection_width } = engine;
    let detection_width = *detection_width;
    std::thread::scope(|scope| {
        let (to_detect, frames) = mpsc::sync_channel::<Frame>(QUEUE);
        let (to_finish, located) = mpsc::sync_channel::<Result<(Duration, Located), FaceError>>(QUEUE);
        let spawned = std::thread::Builder::new().name("face-detect".into()).spawn_scoped(scope, move || {
            for frame in frames {
                let result = locate(detector, &frame, detection_width).map(|l| (frame.timestamp, l));
                if to_finish.send(result).is_err() {
                    break; // the run is over: nothing more is needed
                }
            }
        });
        if spawned.is_err() {
            return Err(Stopped::Face(FaceError::Setup("cannot start the face detection thread".into())));
        }
        let send_next = |feed: &mut F| -> Result<bool, Stopped<F::Error>> {
            match feed.next_frame() {
                None => Ok(false),
                Some(frame) => {
                    // The thread lives until this sender drops, so this cannot fail.
                    let _ = to_detect.send(frame.map_err(Stopped::Source)?);
                    Ok(true)
                }
            }
        };
        let mut more = send_next(feed)?;
        let mut in_flight = usize::from(more);
        while in_flight > 0 {
            // Frame n+1 is searched while frame n is finished below.
            if more {
                more = send_next(feed)?;
                in_flight += usize::from(more);
            }
            let Ok(next) = located.recv() else {
                return Err(Stopped::Face(FaceError::Setup("the face detection thread stopped".into())));
            };
            in_flight -= 1;
            let (at, frame) = next.map_err(Stopped::Face)?;
            let result = finish(embedder, (&mut *last_look, &mut *points), quality, reference, &frame, feed.need())
                .map_err(Stopped::Face)?;
            drop(frame);
            if let ControlFlow::Break(done) = feed.take(at, result) {
                return Ok(Some(done));
            }
        }
        Ok(None)
    })
}
