//! The panel rendered to images with `embedded-graphics-simulator` (no
//! SDL): the golden PNGs, `uketsuke-panel gallery`, and the simulated
//! kiosk's control panel.

use std::path::{Path, PathBuf};

use embedded_graphics::pixelcolor::{BinaryColor, Rgb888};
use embedded_graphics::prelude::*;
use embedded_graphics_simulator::{BinaryColorTheme, OutputSettings, OutputSettingsBuilder, SimulatorDisplay};

use crate::layout::{Lang, Layout};
use crate::state::PanelState;

/// An RGB image of the panel: width, height and RGB bytes, row by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGB, 3 bytes per pixel.
    pub rgb: Vec<u8>,
}

fn settings() -> OutputSettings {
    // Colours as they are (an OLED lit white on black), one image pixel per panel pixel.
    OutputSettingsBuilder::new().theme(BinaryColorTheme::Default).scale(1).pixel_spacing(0).build()
}

/// Renders `state` as `layout` shows it (the OLED in white on black).
pub fn render(layout: Layout, state: &PanelState, lang: Lang) -> Rendered {
    let size = layout.size();
    let image = match layout {
        Layout::Oled128x64 => {
            let mut d = SimulatorDisplay::<BinaryColor>::new(size);
            let _ = layout.render(&mut d, state, lang);
            d.to_rgb_output_image(&settings())
        }
        Layout::Tft320x240 => {
            let mut d = SimulatorDisplay::<Rgb888>::new(size);
            let _ = layout.render(&mut d, state, lang);
            d.to_rgb_output_image(&settings())
        }
    };
    let buffer = image.as_image_buffer();
    Rendered { width: buffer.width(), height: buffer.height(), rgb: buffer.as_raw().to_vec() }
}

/// The file a state's golden image has: `tft-320x240/ja/error.png`.
pub fn file_name(layout: Layout, state: &PanelState, lang: Lang) -> PathBuf {
    let lang = match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    };
    Path::new(layout.name()).join(lang).join(format!("{}.png", state.key()))
}

/// Writes every state in both layouts and languages under `dir`; returns
/// the files written.
pub fn gallery(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for layout in [Layout::Oled128x64, Layout::Tft320x240] {
        for lang in [Lang::Ja, Lang::En] {
            for state in PanelState::every() {
                let path = dir.join(file_name(layout, &state, lang));
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                save_png(&render(layout, &state, lang), &path)?;
                written.push(path);
            }
        }
    }
    Ok(written)
}

/// Saves a rendered panel as PNG.
pub fn save_png(image: &Rendered, path: &Path) -> anyhow::Result<()> {
    let mut display = SimulatorDisplay::<Rgb888>::new(Size::new(image.width, image.height));
    let pixels = image.rgb.chunks_exact(3).enumerate().map(|(i, p)| {
        let (x, y) = ((i as u32 % image.width) as i32, (i as u32 / image.width) as i32);
        Pixel(Point::new(x, y), Rgb888::new(p[0], p[1], p[2]))
    });
    let _ = display.draw_iter(pixels);
    display.to_rgb_output_image(&settings()).save_png(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Loads a PNG saved by [`save_png`].
pub fn load_png(path: &Path) -> anyhow::Result<Rendered> {
    let display = SimulatorDisplay::<Rgb888>::load_png(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let size = display.size();
    let mut rgb = Vec::with_capacity((size.width * size.height * 3) as usize);
    for y in 0..size.height as i32 {
        for x in 0..size.width as i32 {
            let c = display.get_pixel(Point::new(x, y));
            rgb.extend_from_slice(&[c.r(), c.g(), c.b()]);
        }
    }
    Ok(Rendered { width: size.width, height: size.height, rgb })
}
