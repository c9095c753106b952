//! The status panel on a 320×240 ST7789 (or ILI9341) TFT over SPI, on
//! Linux, opened the way the kiosk opens `[panel] driver = "st7789"` (the
//! wiring is in `panel/src/linux.rs`, over linux-embedded-hal and mipidsi):
//! SPI on `/dev/spidevB.C`, the data/command and reset lines on a GPIO chip.
//!
//! ```sh
//! cargo run -p uketsuke-panel --features linux --example linux_st7789 -- /dev/spidev0.0 /dev/gpiochip0 DC RESET [st7789|ili9341] [ja|en]
//! ```
//!
//! Shows a screen of each state for two seconds, then idle.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use uketsuke_panel::linux::{PanelConfig, PanelDriver};
use uketsuke_panel::{Lang, sample_screens};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spi, chip, dc, reset, ..] = args.as_slice() else {
        bail!("usage: linux_st7789 /dev/spidevB.C /dev/gpiochipN DC-LINE RESET-LINE [st7789|ili9341] [ja|en]");
    };
    let driver = match args.get(4).map(String::as_str) {
        None | Some("st7789") => PanelDriver::St7789,
        Some("ili9341") => PanelDriver::Ili9341,
        Some(other) => bail!("unknown controller {other}: st7789 or ili9341"),
    };
    let lang = if args.get(5).map(String::as_str) == Some("en") { Lang::En } else { Lang::Ja };
    let config = PanelConfig {
        driver: Some(driver),
        device: spi.into(),
        gpio_chip: chip.into(),
        dc_line: Some(dc.parse().context("DC-LINE is a line number")?),
        reset_line: Some(reset.parse().context("RESET-LINE is a line number")?),
        ..PanelConfig::default()
    };
    let mut panel = config.open(lang)?.context("no panel configured")?;
    let screens = sample_screens();
    for screen in screens.iter().chain(screens.first()) {
        panel.show(screen)?;
        std::thread::sleep(Duration::from_secs(2));
    }
    Ok(())
}
