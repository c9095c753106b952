//! The simulated kiosk's status panel: the reference 320×240 colour layout
//! rendered off-screen (`uketsuke_panel::sim`, no SDL) each time the kiosk
//! shows a new state, for the control panel to display beside the
//! touchscreen.

use std::sync::{Arc, Mutex};

use uketsuke_panel::sim::{Rendered, render};
use uketsuke_panel::{Lang, Layout, PanelError, PanelState, StatusPanel};
use uketsuke_screen::Screen;

/// The virtual panel: the last image drawn, numbered so that a viewer
/// redraws only when it changed.
#[derive(Clone, Default)]
pub struct SimStatusPanel {
    shown: Arc<Mutex<Option<(u64, PanelState, Rendered)>>>,
}

impl SimStatusPanel {
    /// The layout the simulator shows.
    pub const LAYOUT: Layout = Layout::Tft320x240;

    /// The last drawing's number and image, if the kiosk has drawn one.
    pub fn latest(&self) -> Option<(u64, Rendered)> {
        self.shown.lock().ok()?.as_ref().map(|(n, _, image)| (*n, image.clone()))
    }

    /// The state shown now.
    pub fn state(&self) -> Option<PanelState> {
        self.shown.lock().ok()?.as_ref().map(|(_, s, _)| s.clone())
    }
}

impl StatusPanel for SimStatusPanel {
    fn show(&mut self, screen: &Screen) -> Result<(), PanelError> {
        let state = PanelState::from(screen);
        let mut shown =
            self.shown.lock().map_err(|_| PanelError::Display("the simulated panel's lock was poisoned".into()))?;
        if shown.as_ref().is_some_and(|(_, s, _)| *s == state) {
            return Ok(());
        }
        let image = render(Self::LAYOUT, &state, Lang::Ja);
        let number = shown.as_ref().map_or(1, |(n, _, _)| n + 1);
        *shown = Some((number, state, image));
        Ok(())
    }
}

/// The simulated patient's eyes on the kiosk: every screen the kiosk
/// shows reaches the stage (the movement the liveness challenge asks for,
/// which the virtual camera's card holder then makes), and the status
/// panel behind it (the simulator's own, or a test's).
pub struct PatientEyes<P = SimStatusPanel> {
    /// The panel the screens go on to.
    pub panel: P,
    /// The stage the patient stands on.
    pub stage: Arc<Mutex<crate::devices::SimStage>>,
}

impl<P: StatusPanel> StatusPanel for PatientEyes<P> {
    fn show(&mut self, screen: &Screen) -> Result<(), PanelError> {
        let movement = match &screen.view {
            uketsuke_screen::View::FaceCapture { challenge: Some(c), .. } => Some(crate::face_sim::movement(*c)),
            _ => None,
        };
        if let Ok(mut stage) = self.stage.lock() {
            stage.movement = movement;
        }
        self.panel.show(screen)
    }
}

#[cfg(test)]
mod tests {
    use uketsuke_screen::View;

    use super::*;

    #[test]
    fn a_new_state_is_drawn_once_and_numbered() {
        let mut panel = SimStatusPanel::default();
        assert!(panel.latest().is_none());
        panel.show(&Screen::new(View::Idle)).unwrap_or_else(|e| panic!("{e}"));
        panel.show(&Screen::new(View::Idle)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(panel.latest().map(|(n, _)| n), Some(1));
        panel.show(&Screen::new(View::ReaderUnavailable)).unwrap_or_else(|e| panic!("{e}"));
        let (n, image) = panel.latest().unwrap_or_else(|| panic!("drawn"));
        assert_eq!((n, image.width, image.height), (2, 320, 240));
        assert!(matches!(panel.state(), Some(PanelState::OutOfService(_))));
    }
}
