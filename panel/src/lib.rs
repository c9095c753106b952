//! The status panel: a small display on the kiosk's side that tells the
//! reception staff, from across the desk, what the kiosk is doing (idle,
//! reading, face, PIN, consent, done, an error code, out of service), in
//! Japanese and English with an icon.
//!
//! It is driven by the touchscreen's own [`uketsuke_screen::Screen`]
//! ([`PanelState::from`]), drawn with `embedded-graphics` on any
//! `DrawTarget` ([`Layout::render`]), with reference layouts for a 128×64
//! SSD1306 OLED and a 320×240 ST7789/ILI9341 TFT. Text comes from coverage
//! maps rasterised at build time (no font engine at run time). The HAL
//! trait the kiosk holds is [`StatusPanel`]; [`Panel`] implements it over
//! any display. Feature `linux`: [`linux::PanelConfig`] opens an SSD1306,
//! ST7789 or ILI9341 on the kiosk board's bus (`[panel]` in kiosk.toml),
//! and `examples/linux_*.rs` drive them by hand; feature `sim` renders PNGs.
#![forbid(unsafe_code)]

mod color;
mod font;
mod icons;
mod labels;
mod layout;
#[cfg(feature = "linux")]
pub mod linux;
mod panel;
#[cfg(feature = "sim")]
pub mod sim;
mod state;

pub use color::{Palette, PanelColor};
pub use font::Font;
pub use layout::{Lang, Layout, palette, words};
pub use panel::{Panel, PanelError, StatusPanel};
pub use state::{Code, PanelState, sample_screens};
