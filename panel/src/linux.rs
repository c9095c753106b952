//! The reference panels on a Linux kiosk board, over `linux-embedded-hal`:
//! an SSD1306 OLED on an I2C bus, or an ST7789 / ILI9341 TFT on SPI with
//! its data/command and reset lines on a GPIO chip. `[panel]` in
//! `kiosk.toml` chooses one ([`PanelConfig`]); the udev rules give the bus
//! to the kiosk's group as `/dev/uketsuke-panel`.

use std::path::{Path, PathBuf};

use linux_embedded_hal::gpio_cdev::{Chip, LineRequestFlags};
use linux_embedded_hal::spidev::{SpiModeFlags, SpidevOptions};
use linux_embedded_hal::{CdevPin, Delay, I2cdev, SpidevDevice};
use mipidsi::interface::SpiInterface;
use mipidsi::options::{ColorInversion, Orientation, Rotation};
use serde::{Deserialize, Serialize};
use ssd1306::mode::DisplayConfig;
use ssd1306::prelude::{DisplayRotation, DisplaySize128x64};
use ssd1306::{I2CDisplayInterface, Ssd1306};

use crate::layout::{Lang, Layout};
use crate::panel::{Panel, PanelError, StatusPanel};

/// The panel's controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelDriver {
    /// 128×64 monochrome OLED on I2C.
    Ssd1306,
    /// 320×240 colour TFT on SPI (240×320 native, turned to landscape).
    St7789,
    /// 320×240 colour TFT on SPI.
    Ili9341,
}

/// `[panel]` in `kiosk.toml`. No `driver`: the kiosk has no status panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PanelConfig {
    /// The controller.
    pub driver: Option<PanelDriver>,
    /// The I2C bus (SSD1306) or the SPI device (TFT).
    pub device: PathBuf,
    /// The SSD1306's I2C address (0x3C, or 0x3D with its address pin high).
    pub address: u8,
    /// The TFT's GPIO chip, holding its data/command and reset lines.
    pub gpio_chip: PathBuf,
    /// The TFT's data/command line on the GPIO chip.
    pub dc_line: Option<u32>,
    /// The TFT's reset line on the GPIO chip.
    pub reset_line: Option<u32>,
}

impl Default for PanelConfig {
    fn default() -> Self {
        Self {
            driver: None,
            device: PathBuf::from("/dev/uketsuke-panel"),
            address: 0x3C,
            gpio_chip: PathBuf::from("/dev/gpiochip0"),
            dc_line: None,
            reset_line: None,
        }
    }
}

impl PanelConfig {
    /// Checks the keys the chosen driver needs: the failing key and why.
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        match self.driver {
            Some(PanelDriver::Ssd1306) if !(0x3C..=0x3D).contains(&self.address) => {
                Err(("panel.address", "an SSD1306 answers at 0x3c or 0x3d"))
            }
            Some(PanelDriver::St7789 | PanelDriver::Ili9341) if self.dc_line.is_none() => {
                Err(("panel.dc_line", "a TFT panel needs its data/command line on panel.gpio_chip"))
            }
            Some(PanelDriver::St7789 | PanelDriver::Ili9341) if self.reset_line.is_none() => {
                Err(("panel.reset_line", "a TFT panel needs its reset line on panel.gpio_chip"))
            }
            _ => Ok(()),
        }
    }

    /// Opens and clears the configured panel; `None` when there is none.
    pub fn open(&self, lang: Lang) -> Result<Option<Box<dyn StatusPanel>>, PanelError> {
        let (dc, reset) = (self.dc_line.unwrap_or_default(), self.reset_line.unwrap_or_default());
        Ok(Some(match self.driver {
            None => return Ok(None),
            Some(PanelDriver::Ssd1306) => ssd1306(&self.device, self.address, lang)?,
            Some(PanelDriver::St7789) => {
                tft(self, mipidsi::models::ST7789, (dc, reset), ColorInversion::Inverted, lang)?
            }
            Some(PanelDriver::Ili9341) => {
                tft(self, mipidsi::models::ILI9341Rgb565, (dc, reset), ColorInversion::Normal, lang)?
            }
        }))
    }
}

fn open_error(device: &Path, reason: impl std::fmt::Display) -> PanelError {
    PanelError::Open { device: device.display().to_string(), reason: reason.to_string() }
}

fn ssd1306(bus: &Path, address: u8, lang: Lang) -> Result<Box<dyn StatusPanel>, PanelError> {
    let i2c = I2cdev::new(bus).map_err(|e| open_error(bus, e))?;
    let interface = I2CDisplayInterface::new_custom_address(i2c, address);
    let mut display =
        Ssd1306::new(interface, DisplaySize128x64, DisplayRotation::Rotate0).into_buffered_graphics_mode();
    display.init().map_err(|e| open_error(bus, format!("no SSD1306 answered at {address:#04x}: {e:?}")))?;
    Ok(Box::new(Panel::new(display, Layout::Oled128x64, lang).with_flush(|d| d.flush())))
}

fn output(chip: &mut Chip, path: &Path, line: u32, name: &str) -> Result<CdevPin, PanelError> {
    let handle = chip
        .get_line(line)
        .and_then(|l| l.request(LineRequestFlags::OUTPUT, 0, name))
        .map_err(|e| open_error(path, format!("line {line}: {e}")))?;
    CdevPin::new(handle).map_err(|e| open_error(path, format!("line {line}: {e}")))
}

fn tft<M>(
    config: &PanelConfig,
    model: M,
    (dc, reset): (u32, u32),
    inversion: ColorInversion,
    lang: Lang,
) -> Result<Box<dyn StatusPanel>, PanelError>
where
    M: mipidsi::models::Model<ColorFormat = embedded_graphics::pixelcolor::Rgb565> + Send + 'static,
{
    let path = &config.device;
    let mut spi = SpidevDevice::open(path).map_err(|e| open_error(path, e))?;
    let options = SpidevOptions::new().bits_per_word(8).max_speed_hz(32_000_000).mode(SpiModeFlags::SPI_MODE_0).build();
    spi.configure(&options).map_err(|e| open_error(path, e))?;
    let mut chip = Chip::new(&config.gpio_chip).map_err(|e| open_error(&config.gpio_chip, e))?;
    let dc = output(&mut chip, &config.gpio_chip, dc, "uketsuke-panel-dc")?;
    let reset = output(&mut chip, &config.gpio_chip, reset, "uketsuke-panel-reset")?;
    // The interface's buffer lives as long as the panel: the kiosk opens it once.
    let buffer: &'static mut [u8; 4096] = Box::leak(Box::new([0; 4096]));
    let display = mipidsi::Builder::new(model, SpiInterface::new(spi, dc, buffer))
        .display_size(240, 320)
        .orientation(Orientation::new().rotate(Rotation::Deg90))
        .invert_colors(inversion)
        .reset_pin(reset)
        .init(&mut Delay)
        .map_err(|e| open_error(path, format!("the TFT did not start: {e:?}")))?;
    Ok(Box::new(Panel::new(display, Layout::Tft320x240, lang)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_driver_means_no_panel_and_no_error() {
        assert!(matches!(PanelConfig::default().open(Lang::Ja), Ok(None)));
    }

    #[test]
    fn a_tft_without_its_lines_names_the_missing_key() {
        let tft = PanelConfig { driver: Some(PanelDriver::St7789), dc_line: Some(25), ..PanelConfig::default() };
        assert_eq!(tft.check().map_err(|(k, _)| k), Err("panel.reset_line"));
        let oled = PanelConfig { driver: Some(PanelDriver::Ssd1306), address: 0x50, ..PanelConfig::default() };
        assert_eq!(oled.check().map_err(|(k, _)| k), Err("panel.address"));
    }

    #[test]
    fn a_missing_bus_is_one_clear_error_naming_the_device() {
        let oled = PanelConfig {
            driver: Some(PanelDriver::Ssd1306),
            device: PathBuf::from("/nonexistent/i2c-9"),
            ..PanelConfig::default()
        };
        let e = oled.open(Lang::Ja).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("/nonexistent/i2c-9"), "{e}");
    }
}
