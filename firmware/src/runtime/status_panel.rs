//! Feeds the status panel (`uketsuke_panel::StatusPanel`, a HAL device the
//! vendor passes in [`super::Parts`]) from its own thread: the event loop
//! hands each screen over without waiting, and a slow bus (an I2C OLED
//! redraws in tens of milliseconds) only ever skips to the newest screen.
//! A panel that fails is reported once, and the kiosk goes on without it
//! until it draws again: the panel is for the staff, never in the
//! patient's way.

use std::sync::mpsc::{Receiver, Sender, channel};

use tracing::{info, warn};
use uketsuke_panel::StatusPanel;
use uketsuke_screen::Screen;

/// The event loop's end of the panel's thread.
pub struct PanelFeed {
    tx: Sender<Screen>,
}

impl PanelFeed {
    /// Starts the panel's thread.
    pub fn start(panel: Box<dyn StatusPanel>) -> std::io::Result<Self> {
        let (tx, rx) = channel();
        std::thread::Builder::new().name("status-panel".into()).spawn(move || run(panel, &rx))?;
        Ok(Self { tx })
    }

    /// Shows `screen` on the panel (never blocks).
    pub fn show(&self, screen: &Screen) {
        let _ = self.tx.send(screen.clone());
    }
}

fn run(mut panel: Box<dyn StatusPanel>, rx: &Receiver<Screen>) {
    let mut failing = false;
    while let Ok(mut screen) = rx.recv() {
        // Only the newest screen matters.
        while let Ok(newer) = rx.try_recv() {
            screen = newer;
        }
        match panel.show(&screen) {
            Ok(()) if failing => {
                failing = false;
                info!("the status panel draws again");
            }
            Ok(()) => {}
            Err(e) if !failing => {
                failing = true;
                warn!(error = %e, "the status panel failed; the kiosk goes on without it");
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use uketsuke_panel::{PanelError, PanelState};
    use uketsuke_screen::View;

    use super::*;

    struct Recording(Arc<Mutex<Vec<PanelState>>>, bool);

    impl StatusPanel for Recording {
        fn show(&mut self, screen: &Screen) -> Result<(), PanelError> {
            if self.1 {
                return Err(PanelError::Display("bus gone".into()));
            }
            if let Ok(mut v) = self.0.lock() {
                v.push(PanelState::from(screen));
            }
            Ok(())
        }
    }

    fn wait_for(seen: &Arc<Mutex<Vec<PanelState>>>, state: &PanelState) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if seen.lock().map(|v| v.last() == Some(state)).unwrap_or(false) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    #[test]
    fn the_panel_ends_on_the_newest_screen() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let feed = PanelFeed::start(Box::new(Recording(Arc::clone(&seen), false))).unwrap_or_else(|e| panic!("{e}"));
        for view in [View::Idle, View::Reading, View::MethodSelect { pin_offered: true }, View::PinBlocked] {
            feed.show(&Screen::new(view));
        }
        assert!(wait_for(&seen, &PanelState::from(&Screen::new(View::PinBlocked))));
    }

    #[test]
    fn a_failing_panel_never_stops_the_feed() {
        let feed = PanelFeed::start(Box::new(Recording(Arc::default(), true))).unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..100 {
            feed.show(&Screen::new(View::Idle));
        }
    }
}
