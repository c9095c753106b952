//! The status panel on a 128×64 SSD1306 OLED over I2C, on Linux, opened
//! the way the kiosk opens `[panel] driver = "ssd1306"` (the wiring is in
//! `panel/src/linux.rs`, over linux-embedded-hal). The OLED's SDA/SCL on the
//! board's I2C bus; the udev rules give the bus to the kiosk's group as
//! `/dev/uketsuke-panel`.
//!
//! ```sh
//! cargo run -p uketsuke-panel --features linux --example linux_ssd1306 -- /dev/i2c-1 [0x3c|0x3d] [ja|en]
//! ```
//!
//! Shows a screen of each state for two seconds, then idle.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use uketsuke_panel::linux::{PanelConfig, PanelDriver};
use uketsuke_panel::{Lang, sample_screens};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let device = PathBuf::from(args.first().map_or("/dev/uketsuke-panel", String::as_str));
    let address = match args.get(1).map(String::as_str) {
        None | Some("0x3c") => 0x3C,
        Some("0x3d") => 0x3D,
        Some(other) => bail!("the SSD1306 answers at 0x3c or 0x3d, not {other}"),
    };
    let lang = if args.get(2).map(String::as_str) == Some("en") { Lang::En } else { Lang::Ja };
    let config = PanelConfig { driver: Some(PanelDriver::Ssd1306), device, address, ..PanelConfig::default() };
    let mut panel = config.open(lang)?.context("no panel configured")?;
    let screens = sample_screens();
    for screen in screens.iter().chain(screens.first()) {
        panel.show(screen)?;
        std::thread::sleep(Duration::from_secs(2));
    }
    Ok(())
}
