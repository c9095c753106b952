//! The HAL trait the kiosk holds ([`StatusPanel`]) and its implementation
//! over any `embedded-graphics` display ([`Panel`]).

use embedded_graphics::prelude::*;
use uketsuke_screen::Screen;

use crate::color::PanelColor;
use crate::layout::{Lang, Layout};
use crate::state::PanelState;

/// A status panel failed (its bus, its controller).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PanelError {
    /// The display driver reported an error while drawing or flushing.
    #[error("status panel: the display failed: {0}")]
    Display(String),
    /// The panel's bus or lines cannot be opened, or it does not answer.
    #[error("status panel: {device}: {reason}")]
    Open {
        /// The device file.
        device: String,
        /// Why.
        reason: String,
    },
}

/// A status panel: shows the kiosk's state for each screen the touchscreen
/// shows. The kiosk calls it from its own thread, never from the session's
/// event loop, so a slow bus never delays the patient. A vendor with a
/// different kind of indicator (an LED bar, a segment display) implements
/// this trait directly.
pub trait StatusPanel: Send {
    /// Shows the state for `screen` (a panel may skip an unchanged state).
    fn show(&mut self, screen: &Screen) -> Result<(), PanelError>;
}

/// Called after drawing: a buffered driver sends its buffer here.
pub type Flush<D> = fn(&mut D) -> Result<(), <D as DrawTarget>::Error>;

/// A [`StatusPanel`] over any display, in one of the reference layouts.
pub struct Panel<D: DrawTarget> {
    display: D,
    layout: Layout,
    lang: Lang,
    flush: Option<Flush<D>>,
    shown: Option<PanelState>,
}

impl<D: DrawTarget> Panel<D>
where
    D::Color: PanelColor,
    D::Error: core::fmt::Debug,
{
    /// A panel drawing `layout` on `display`, `lang` first.
    pub fn new(display: D, layout: Layout, lang: Lang) -> Self {
        Self { display, layout, lang, flush: None, shown: None }
    }

    /// Calls `flush` after each drawing (an SSD1306 in buffered mode).
    pub fn with_flush(mut self, flush: Flush<D>) -> Self {
        self.flush = Some(flush);
        self
    }

    /// The display, to read back (the simulator) or reconfigure.
    pub fn display(&self) -> &D {
        &self.display
    }

    /// Draws `state` unless it is already shown.
    pub fn show_state(&mut self, state: PanelState) -> Result<(), PanelError> {
        if self.shown.as_ref() == Some(&state) {
            return Ok(());
        }
        self.shown = None;
        self.layout.render(&mut self.display, &state, self.lang).map_err(|e| PanelError::Display(format!("{e:?}")))?;
        if let Some(flush) = self.flush {
            flush(&mut self.display).map_err(|e| PanelError::Display(format!("{e:?}")))?;
        }
        self.shown = Some(state);
        Ok(())
    }
}

impl<D: DrawTarget + Send> StatusPanel for Panel<D>
where
    D::Color: PanelColor,
    D::Error: core::fmt::Debug,
{
    fn show(&mut self, screen: &Screen) -> Result<(), PanelError> {
        self.show_state(PanelState::from(screen))
    }
}
