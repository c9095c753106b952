//! The status panel on a 128×64 SSD1306 OLED over I2C, on Linux
//! (linux-embedded-hal). Wiring: the OLED's SDA/SCL on the kiosk board's
//! I2C bus, address 0x3C; the bus device given to the kiosk's group by
//! `udev/` (`/dev/uketsuke-panel`).
//!
//! ```sh
//! cargo run -p uketsuke-panel --features linux --example linux_ssd1306 -- /dev/i2c-1 [ja|en]
//! ```
//!
//! Shows every state for two seconds each, then idle. The kiosk itself
//! takes the same `Panel` as a `Box<dyn StatusPanel>` in its `Parts`.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use linux_embedded_hal::I2cdev;
use ssd1306::prelude::*;
use ssd1306::{I2CDisplayInterface, Ssd1306};
use uketsuke_panel::{Lang, Layout, Panel, PanelState};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let bus = args.next().unwrap_or_else(|| "/dev/uketsuke-panel".into());
    let lang = if args.next().as_deref() == Some("en") { Lang::En } else { Lang::Ja };
    let i2c = I2cdev::new(&bus).with_context(|| format!("{bus}: cannot open the I2C bus"))?;
    let mut display = Ssd1306::new(I2CDisplayInterface::new(i2c), DisplaySize128x64, DisplayRotation::Rotate0)
        .into_buffered_graphics_mode();
    display.init().map_err(|e| anyhow!("{bus}: the SSD1306 did not answer at 0x3C: {e:?}"))?;
    let mut panel = Panel::new(display, Layout::Oled128x64, lang).with_flush(|d| d.flush());
    for state in PanelState::every().into_iter().chain([PanelState::Idle]) {
        panel.show_state(state)?;
        std::thread::sleep(Duration::from_secs(2));
    }
    Ok(())
}
