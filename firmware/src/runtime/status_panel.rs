//! Feeds the status panel (`uketsuke_panel::StatusPanel`, a HAL device the
//! vendor passes in [`super::Parts`]) from its own thread: the event loop
//! hands each screen over without waiting, and a slow bus (an I2C OLED
//! redraws in tens of milliseconds) only ever skips to the newest screen.
//! The thread holds one slot, not a queue: a panel that hangs costs one
//! screen's memory. A panel that fails is reported once, and the kiosk goes
//! on without it until it draws again: the panel is for the staff, never in the
//! patient's way.

use std::sync::{Arc, Condvar, Mutex};

use tracing::{info, warn};
use uketsuke_panel::StatusPanel;
use uketsuke_screen::Screen;

/// The newest screen not yet drawn: one slot, so a panel that hangs never
/// makes screens pile up.
#[derive(Default)]
struct Slot {
    next: Mutex<Option<Screen>>,
    ready: Condvar,
}

/// The event loop's end of the panel's thread.
pub struct PanelFeed {
    slot: Arc<Slot>,
}

impl PanelFeed {
    /// Starts the panel's thread.
    pub fn start(panel: Box<dyn StatusPanel>) -> std::io::Result<Self> {
        let slot = Arc::new(Slot::default());
        let theirs = Arc::clone(&slot);
        std::thread::Builder::new().name("status-panel".into()).spawn(move || run(panel, &theirs))?;
        Ok(Self { slot })
    }

    /// Shows `screen` on the panel (never blocks on the panel).
    pub fn show(&self, screen: &Screen) {
        if let Ok(mut next) = self.slot.next.lock() {
            *next = Some(screen.clone());
            self.slot.ready.notify_one();
        }
    }
}

fn run(mut panel: Box<dyn StatusPanel>, slot: &Slot) {
    let mut failing = false;
    loop {
        let Ok(mut next) = slot.next.lock() else { return };
        let screen = loop {
            match next.take() {
                Some(screen) => break screen,
                None => match slot.ready.wait(next) {
                    Ok(guard) => next = guard,
                    Err(_) => return,
                },
            }
        };
        drop(next);
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

    /// A panel whose bus hangs until released.
    struct Hung(Arc<Mutex<Vec<PanelState>>>, Arc<Mutex<()>>);

    impl StatusPanel for Hung {
        fn show(&mut self, screen: &Screen) -> Result<(), PanelError> {
            let _bus = self.1.lock();
            if let Ok(mut v) = self.0.lock() {
                v.push(PanelState::from(screen));
            }
            Ok(())
        }
    }

    #[test]
    fn a_hung_panel_is_given_only_the_newest_screen_when_it_wakes() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let bus = Arc::new(Mutex::new(()));
        let held = bus.lock().unwrap_or_else(|e| panic!("{e}"));
        let feed =
            PanelFeed::start(Box::new(Hung(Arc::clone(&seen), Arc::clone(&bus)))).unwrap_or_else(|e| panic!("{e}"));
        feed.show(&Screen::new(View::Idle));
        std::thread::sleep(Duration::from_millis(50));
        for _ in 0..1000 {
            feed.show(&Screen::new(View::Reading));
        }
        feed.show(&Screen::new(View::PinBlocked));
        drop(held);
        assert!(wait_for(&seen, &PanelState::from(&Screen::new(View::PinBlocked))));
        let drawn = seen.lock().map(|v| v.len()).unwrap_or_default();
        assert!(drawn <= 3, "the hung panel drew {drawn} screens, not only the newest");
    }

    #[test]
    fn a_failing_panel_never_stops_the_feed() {
        let feed = PanelFeed::start(Box::new(Recording(Arc::default(), true))).unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..100 {
            feed.show(&Screen::new(View::Idle));
        }
    }
}
