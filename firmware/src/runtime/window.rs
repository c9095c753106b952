//! The kiosk on a screen: the touchscreen window on Slint's event loop,
//! which owns the main thread. The runtime keeps running on tokio; screens
//! and preview frames cross over with `slint::invoke_from_event_loop`, and
//! touches come back as flow inputs.

use std::sync::Arc;

use slint::ComponentHandle;
use uketsuke_screen::View;
use uketsuke_ui::{App, Kiosk as UiKiosk};

use super::face::PreviewSink;
use super::touchscreen::preview;
use super::{Kiosk, KioskEvent};
use crate::config::Language;
use crate::flow::types::Input;

/// The touchscreen window, before the kiosk starts (the preview needs it).
pub struct Touchscreen {
    /// The window.
    pub app: App,
}

impl Touchscreen {
    /// Creates the window (not shown yet) in the configured language.
    pub fn new(language: Language) -> Result<Self, slint::PlatformError> {
        let app = App::new()?;
        let language = match language {
            Language::En => uketsuke_ui::Language::En,
            Language::Ja => uketsuke_ui::Language::Ja,
        };
        if let Err(e) = uketsuke_ui::set_language(&app, language) {
            tracing::warn!(error = %e, "the screens stay in Japanese");
        }
        Ok(Self { app })
    }

    /// Where the face worker sends frames to show.
    pub fn preview_sink(&self) -> PreviewSink {
        let weak = self.app.as_weak();
        Arc::new(move |frame| {
            if let Some(buffer) = preview(frame) {
                let weak = weak.clone();
                let _ = slint::invoke_from_event_loop(move || {
                    if let Some(app) = weak.upgrade() {
                        app.global::<UiKiosk>().set_preview(slint::Image::from_rgb8(buffer));
                    }
                });
            }
        })
    }

    /// Wires the window to a running kiosk: touches in, screens out.
    pub fn connect(&self, kiosk: &mut Kiosk) {
        let inputs = kiosk.inputs.clone();
        uketsuke_ui::on_touch(&self.app, move |touch| {
            let _ = inputs.send(Input::User(touch));
        });
        // The kiosk's events go to the window from now on.
        let mut events = std::mem::replace(&mut kiosk.events, tokio::sync::mpsc::unbounded_channel().1);
        let weak = self.app.as_weak();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let KioskEvent::Screen(screen) = event else { continue };
                let weak = weak.clone();
                let _ = slint::invoke_from_event_loop(move || {
                    if let Some(app) = weak.upgrade() {
                        let k = app.global::<UiKiosk>();
                        if !matches!(screen.view, View::FaceCapture { .. }) {
                            k.set_preview(slint::Image::default());
                        }
                        uketsuke_ui::show(&k, &screen);
                    }
                });
            }
        });
    }

    /// Wires the window to `kiosk` and shows it.
    pub fn open(&self, kiosk: &mut Kiosk) -> Result<(), slint::PlatformError> {
        self.connect(kiosk);
        self.app.show()
    }
}
