//! Headless rendering with Slint's software renderer: no display, the same
//! pixels on every machine (the font is embedded). Used by the gallery and
//! the screenshot tests.

use std::rc::Rc;

use slint::Rgb8Pixel;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, PlatformError};

use uketsuke_screen::Screen;

use crate::{App, Kiosk, Language, show};

/// Renders failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// Slint's platform could not be set up (it can be set once per process).
    #[error("slint platform: {0}")]
    Platform(String),
    /// The language has no bundled translation.
    #[error("no translation for language {0:?}")]
    Language(String),
}

impl From<PlatformError> for RenderError {
    fn from(e: PlatformError) -> Self {
        Self::Platform(e.to_string())
    }
}

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    /// Time stands still off screen: animations render the same pixels on
    /// every run.
    fn duration_since_start(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// The kiosk UI on an off-screen window.
pub struct OffScreen {
    window: Rc<MinimalSoftwareWindow>,
    /// The UI.
    pub app: App,
}

/// A rendered screen, RGB, row-major.
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGB bytes.
    pub rgb: Vec<u8>,
}

impl OffScreen {
    /// Installs the headless platform (once per process) and creates the UI.
    pub fn new() -> Result<Self, RenderError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(Headless { window: window.clone() }))
            .map_err(|e| RenderError::Platform(e.to_string()))?;
        let app = App::new()?;
        app.show()?;
        // The kiosk's usual size until a render asks for another: what is
        // on screen (and so what the voice reads) depends on the size.
        window.set_size(PhysicalSize::new(1024, 600));
        Ok(Self { window, app })
    }

    /// Switches the language by its code (`"ja"`, the source text, `"en"`, `"zh"`, …).
    pub fn set_language(&self, lang: &str) -> Result<(), RenderError> {
        let language = Language::from_code(lang).map_err(|e| RenderError::Language(e.0))?;
        crate::set_language(&self.app, language).map_err(|e| RenderError::Language(e.0))
    }

    /// Shows `screen` and renders it at `width`×`height`.
    pub fn render(&self, screen: &Screen, width: u32, height: u32) -> Picture {
        show(&self.app.global::<Kiosk>(), screen);
        self.render_current(width, height)
    }

    /// Shows `screen` without rendering it.
    pub fn show(&self, screen: &Screen) {
        show(&self.app.global::<Kiosk>(), screen);
    }

    /// Shows the gallery state `name` (`crate::gallery::states`) and renders it.
    pub fn render_state(&self, name: &str, screen: &Screen, width: u32, height: u32) -> Picture {
        crate::gallery::show_state(&self.app, name, screen);
        self.render_current(width, height)
    }

    /// Renders whatever is on the window now.
    pub fn render_current(&self, width: u32, height: u32) -> Picture {
        self.window.set_size(PhysicalSize::new(width, height));
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        let mut buffer = vec![Rgb8Pixel { r: 0, g: 0, b: 0 }; (width * height) as usize];
        self.window.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, width as usize);
        });
        let rgb = buffer.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        Picture { width, height, rgb }
    }
}
