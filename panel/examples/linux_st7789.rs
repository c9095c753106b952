//! The status panel on a 320×240 ST7789 TFT over SPI, on Linux
//! (linux-embedded-hal, mipidsi). Wiring: SPI on `/dev/spidev0.0`, the
//! data/command and reset lines on a GPIO chip. An ILI9341 works the same
//! with `mipidsi::models::ILI9341Rgb565`.
//!
//! ```sh
//! cargo run -p uketsuke-panel --features linux --example linux_st7789 -- /dev/spidev0.0 /dev/gpiochip0 DC RESET [ja|en]
//! ```
//!
//! Shows every state for two seconds each, then idle.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use linux_embedded_hal::gpio_cdev::{Chip, LineRequestFlags};
use linux_embedded_hal::spidev::{SpiModeFlags, SpidevOptions};
use linux_embedded_hal::{CdevPin, Delay, SpidevDevice};
use mipidsi::interface::SpiInterface;
use mipidsi::models::ST7789;
use mipidsi::options::{ColorInversion, Orientation, Rotation};
use uketsuke_panel::{Lang, Layout, Panel, PanelState};

fn output(chip: &mut Chip, line: u32, name: &str) -> Result<CdevPin> {
    let handle = chip.get_line(line)?.request(LineRequestFlags::OUTPUT, 0, name)?;
    CdevPin::new(handle).map_err(|e| anyhow!("GPIO line {line}: {e}"))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spi_path, chip_path, dc, reset, ..] = args.as_slice() else {
        anyhow::bail!("usage: linux_st7789 /dev/spidevB.C /dev/gpiochipN DC-LINE RESET-LINE [ja|en]");
    };
    let lang = if args.get(4).map(String::as_str) == Some("en") { Lang::En } else { Lang::Ja };
    let mut spi = SpidevDevice::open(spi_path).with_context(|| format!("{spi_path}: cannot open the SPI device"))?;
    spi.configure(
        &SpidevOptions::new().bits_per_word(8).max_speed_hz(32_000_000).mode(SpiModeFlags::SPI_MODE_0).build(),
    )?;
    let mut chip = Chip::new(chip_path).with_context(|| format!("{chip_path}: cannot open the GPIO chip"))?;
    let dc = output(&mut chip, dc.parse()?, "uketsuke-panel-dc")?;
    let reset = output(&mut chip, reset.parse()?, "uketsuke-panel-reset")?;
    let buffer: &'static mut [u8; 4096] = Box::leak(Box::new([0; 4096]));
    let display = mipidsi::Builder::new(ST7789, SpiInterface::new(spi, dc, buffer))
        .display_size(240, 320)
        .orientation(Orientation::new().rotate(Rotation::Deg90))
        .invert_colors(ColorInversion::Inverted)
        .reset_pin(reset)
        .init(&mut Delay)
        .map_err(|e| anyhow!("{spi_path}: the ST7789 did not start: {e:?}"))?;
    let mut panel = Panel::new(display, Layout::Tft320x240, lang);
    for state in PanelState::every().into_iter().chain([PanelState::Idle]) {
        panel.show_state(state)?;
        std::thread::sleep(Duration::from_secs(2));
    }
    Ok(())
}
