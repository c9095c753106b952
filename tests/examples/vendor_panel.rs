//! Adding a status panel (docs/vendor-guide.md §4), two ways:
//! - any `embedded-graphics` display, in a reference layout: `Panel::new`;
//! - a different indicator: implement `StatusPanel` yourself. Here a
//!   three-lamp tower (green, amber, red) behind Linux's LED class
//!   (`/sys/class/leds/NAME/brightness`), stood in for by a folder.
//!
//! The kiosk calls `show` from its own thread for every screen.
//! Run: `cargo run -p uketsuke-tests --example vendor_panel`.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use anyhow::{Result, ensure};
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use uketsuke_panel::{Lang, Layout, Panel, PanelError, PanelState, StatusPanel};
use uketsuke_screen::{Screen, View};

/// The lamp tower: green while a patient is served, amber while staff
/// check, red when staff are needed or the kiosk is out of service.
struct LampTower {
    leds: PathBuf,
}

impl StatusPanel for LampTower {
    fn show(&mut self, screen: &Screen) -> Result<(), PanelError> {
        let lit = match PanelState::from(screen) {
            PanelState::Error(_) | PanelState::OutOfService(_) => "red",
            PanelState::Staff => "amber",
            PanelState::Idle => "",
            _ => "green",
        };
        for lamp in ["green", "amber", "red"] {
            let value = if lamp == lit { "1" } else { "0" };
            std::fs::write(self.leds.join(format!("tower:{lamp}/brightness")), value)
                .map_err(|e| PanelError::Display(format!("lamp {lamp}: {e}")))?;
        }
        Ok(())
    }
}

/// A display driver: anything that implements `DrawTarget` (here a
/// 128×64 one-bit frame buffer that a real driver would send over SPI).
struct FrameBuffer(Vec<bool>);

impl OriginDimensions for FrameBuffer {
    fn size(&self) -> Size {
        Size::new(128, 64)
    }
}

impl DrawTarget for FrameBuffer {
    type Color = BinaryColor;
    type Error = core::convert::Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<BinaryColor>>>(&mut self, pixels: I) -> Result<(), Self::Error> {
        for Pixel(p, c) in pixels {
            if let (Ok(x @ 0..128), Ok(y @ 0..64)) = (usize::try_from(p.x), usize::try_from(p.y)) {
                self.0[y * 128 + x] = c.is_on();
            }
        }
        Ok(())
    }
}

fn lit(leds: &std::path::Path) -> Vec<String> {
    ["green", "amber", "red"]
        .into_iter()
        .filter(|l| std::fs::read_to_string(leds.join(format!("tower:{l}/brightness"))).is_ok_and(|v| v == "1"))
        .map(str::to_owned)
        .collect()
}

fn main() -> Result<()> {
    let sys = tempfile::tempdir()?;
    for lamp in ["green", "amber", "red"] {
        std::fs::create_dir_all(sys.path().join(format!("tower:{lamp}")))?;
    }
    let mut tower = LampTower { leds: sys.path().to_path_buf() };
    for (view, want) in [(View::Reading, "green"), (View::VisualCheck, "amber"), (View::PinBlocked, "red")] {
        let name = view.name();
        tower.show(&Screen::new(view))?;
        println!("{name}: {:?} lit", lit(sys.path()));
        ensure!(lit(sys.path()) == [want], "expected {want}");
    }
    // Any embedded-graphics display, in the reference 128×64 layout.
    let mut oled = Panel::new(FrameBuffer(vec![false; 128 * 64]), Layout::Oled128x64, Lang::En);
    oled.show(&Screen::new(View::PinBlocked))?;
    let on = oled.display().0.iter().filter(|p| **p).count();
    println!("the OLED layout lit {on} of 8192 pixels for a blocked PIN (white background: staff needed)");
    ensure!(on > 4096, "the alarm state lights the whole panel");
    Ok(())
}
