//! The camera read on a thread of its own while a face check runs. Every
//! frame goes to the touchscreen's live preview as it arrives, so the
//! preview keeps the camera's rate (≥ 25 fps, issue 5) however long the
//! face models take; the check takes the newest frame whenever it is ready
//! for another, and older frames are dropped (and wiped) unseen.
//!
//! A camera whose driver is stuck delivers the same frame again and again;
//! a live sensor never does (its noise alone changes every frame). A frame
//! whose pixels are identical to the one before it is reported as a
//! failure, never handed to the check: a frozen picture of the patient must
//! not be matched as if they were still there. (Timestamps are not trusted
//! for this: a vendor's driver may not fill them in.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use uketsuke_driver::hal::camera::Frame;

use super::face::PreviewSink;
use uketsuke_driver::hal::camera::DynFrameSource;

/// How long the capture thread waits after a camera error before it tries again.
const RETRY_AFTER: Duration = Duration::from_millis(300);
/// The error a frozen camera gets.
pub const FROZEN: &str = "the camera delivers the same frame again and again (frozen)";

/// A 64-bit FNV-1a digest (over 8-byte words) of a frame's pixels, for the
/// frozen check; kept only while the capture runs, never shown or logged.
fn digest(frame: &Frame) -> u64 {
    frame.pixels().chunks(8).fold(0xcbf2_9ce4_8422_2325_u64, |h, c| {
        let mut word = [0u8; 8];
        word[..c.len()].copy_from_slice(c);
        (h ^ u64::from_le_bytes(word)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Default)]
struct Slot {
    newest: Option<Frame>,
    error: Option<String>,
    frames: u64,
}

type Shared = Arc<(Mutex<Slot>, Condvar)>;

/// A running capture. Dropping it stops the thread and closes the camera.
pub struct Capture {
    shared: Shared,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What [`Capture::next`] found.
#[derive(Debug)]
pub enum Captured {
    /// The newest frame.
    Frame(Frame),
    /// The camera failed (the capture keeps trying).
    Failed(String),
    /// Nothing new within the wait.
    Nothing,
}

impl Capture {
    /// Starts reading `camera`, showing every frame on `preview`.
    pub fn start(mut camera: Box<DynFrameSource>, preview: Option<PreviewSink>) -> std::io::Result<Self> {
        let shared: Shared = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (s, halt) = (Arc::clone(&shared), Arc::clone(&stop));
        let thread = std::thread::Builder::new().name("capture".into()).spawn(move || {
            let mut previous = None;
            while !halt.load(Ordering::Relaxed) {
                let read = camera.next_frame();
                let (lock, ready) = &*s;
                let read = read.map_err(|e| e.to_string()).and_then(|frame| {
                    let digest = digest(&frame);
                    let frozen = previous == Some(digest);
                    previous = Some(digest);
                    if frozen { Err(FROZEN.to_owned()) } else { Ok(frame) }
                });
                match read {
                    Ok(frame) => {
                        if let Some(show) = &preview {
                            show(&frame);
                        }
                        let Ok(mut slot) = lock.lock() else { return };
                        slot.newest = Some(frame);
                        slot.frames += 1;
                    }
                    Err(e) => {
                        if let Ok(mut slot) = lock.lock() {
                            slot.error = Some(e);
                        }
                        ready.notify_all();
                        std::thread::sleep(RETRY_AFTER);
                        continue;
                    }
                }
                ready.notify_all();
            }
        })?;
        Ok(Self { shared, stop, thread: Some(thread) })
    }

    /// The newest frame not yet taken, waiting up to `wait` for one.
    pub fn next(&self, wait: Duration) -> Captured {
        let (lock, ready) = &*self.shared;
        let Ok(slot) = lock.lock() else { return Captured::Failed("the capture thread failed".into()) };
        let Ok((mut slot, _)) = ready.wait_timeout_while(slot, wait, |s| s.newest.is_none() && s.error.is_none())
        else {
            return Captured::Failed("the capture thread failed".into());
        };
        if let Some(frame) = slot.newest.take() {
            return Captured::Frame(frame);
        }
        match slot.error.take() {
            Some(e) => Captured::Failed(e),
            None => Captured::Nothing,
        }
    }

    /// Frames read from the camera so far.
    pub fn frames(&self) -> u64 {
        self.shared.0.lock().map_or(0, |s| s.frames)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;

    use uketsuke_driver::hal::camera::{FrameSource, PixelFormat};

    use super::*;
    use uketsuke_driver::hal::{DeviceError, ErrorKind};

    /// A camera whose frames (or failures) the test hands over one by one.
    struct Handed(mpsc::Receiver<Option<u8>>);

    impl FrameSource for Handed {
        type Error = DeviceError;

        fn next_frame(&mut self) -> Result<Frame, DeviceError> {
            match self.0.recv() {
                Ok(Some(n)) => Frame::new(2, 1, PixelFormat::Gray8, vec![n, 0], Duration::from_millis(u64::from(n)))
                    .map_err(|_| DeviceError::new(ErrorKind::Disconnected, "bad frame")),
                Ok(None) => Err(DeviceError::new(ErrorKind::Disconnected, "unplugged")),
                Err(_) => Err(DeviceError::new(ErrorKind::Disconnected, "the test is over")),
            }
        }
    }

    fn wait_for(capture: &Capture, frames: u64) {
        while capture.frames() < frames {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn every_frame_reaches_the_preview_while_the_check_takes_only_the_newest() {
        let shown = Arc::new(AtomicUsize::new(0));
        let s = Arc::clone(&shown);
        let sink: PreviewSink = Arc::new(move |_| {
            s.fetch_add(1, Ordering::Relaxed);
        });
        let (tx, rx) = mpsc::channel();
        let capture = Capture::start(Box::new(Handed(rx)), Some(sink)).unwrap();
        for n in 1..=5 {
            tx.send(Some(n)).unwrap();
        }
        wait_for(&capture, 5);
        let Captured::Frame(f) = capture.next(Duration::from_secs(5)) else { panic!("no frame") };
        assert_eq!(f.pixels()[0], 5, "the newest frame");
        tx.send(Some(6)).unwrap();
        let Captured::Frame(f) = capture.next(Duration::from_secs(5)) else { panic!("no frame") };
        assert_eq!(f.pixels()[0], 6, "then the next one, nothing older");
        assert_eq!(shown.load(Ordering::Relaxed), 6, "every frame read was shown");
        drop(tx);
    }

    #[test]
    fn a_frame_delivered_again_is_reported_frozen_and_never_handed_to_the_check() {
        let (tx, rx) = mpsc::channel();
        let capture = Capture::start(Box::new(Handed(rx)), None).unwrap();
        tx.send(Some(4)).unwrap();
        assert!(matches!(capture.next(Duration::from_secs(5)), Captured::Frame(f) if f.pixels()[0] == 4));
        for _ in 0..3 {
            tx.send(Some(4)).unwrap();
            assert!(matches!(capture.next(Duration::from_secs(5)), Captured::Failed(e) if e == FROZEN));
        }
        tx.send(Some(5)).unwrap();
        assert!(matches!(capture.next(Duration::from_secs(5)), Captured::Frame(f) if f.pixels()[0] == 5), "live again");
        drop(tx);
    }

    #[test]
    fn a_camera_error_is_reported_and_the_capture_carries_on() {
        let (tx, rx) = mpsc::channel();
        let capture = Capture::start(Box::new(Handed(rx)), None).unwrap();
        tx.send(None).unwrap();
        assert!(matches!(capture.next(Duration::from_secs(5)), Captured::Failed(e) if e.contains("unplugged")));
        tx.send(Some(9)).unwrap();
        assert!(matches!(capture.next(Duration::from_secs(5)), Captured::Frame(f) if f.pixels()[0] == 9));
        drop(tx);
    }
}
