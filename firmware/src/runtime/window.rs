//! The kiosk on a screen: the touchscreen window on Slint's event loop,
//! which owns the main thread. The runtime keeps running on tokio; screens
//! and preview frames cross over with `slint::invoke_from_event_loop`, and
//! touches come back as flow inputs.

use std::sync::{Arc, Mutex};

use slint::ComponentHandle;
use uketsuke_screen::View;
use uketsuke_ui::speech::cache::SpeechCache;
use uketsuke_ui::speech::engine::VoiceFiles;
use uketsuke_ui::speech::guide::VoiceGuide;
use uketsuke_ui::speech::player::{Speaker, SpeakerConfig};
use uketsuke_ui::{App, Kiosk as UiKiosk};

use super::face::PreviewSink;
use super::touchscreen::preview;
use super::{Kiosk, KioskEvent};
use crate::config::{KeypadConfig, Language, VoiceConfig};
use crate::face::models::data_dir;
use crate::flow::types::Input;

/// The touchscreen window, before the kiosk starts (the preview needs it).
pub struct Touchscreen {
    /// The window.
    pub app: App,
    /// The language at idle: a patient's choice lasts their session.
    idle_language: uketsuke_ui::Language,
    /// The voice guidance, when it could be started.
    voice: Option<Arc<Mutex<VoiceGuide>>>,
}

impl Touchscreen {
    /// Creates the window (not shown yet) in the configured language.
    pub fn new(language: Language) -> Result<Self, slint::PlatformError> {
        let app = App::new()?;
        let idle_language = uketsuke_ui::Language::from_code(language.code()).unwrap_or(uketsuke_ui::Language::Ja);
        if let Err(e) = uketsuke_ui::set_language(&app, idle_language) {
            tracing::warn!(error = %e, "the screens stay in Japanese");
        }
        Ok(Self { app, idle_language, voice: None })
    }

    /// Voice guidance and the physical keypad: see [`Touchscreen::speak`]
    /// and [`Touchscreen::keys`].
    pub fn accessible(&mut self, voice: &VoiceConfig, keypad: &KeypadConfig) {
        self.speak(voice);
        match keypad.key_map() {
            Ok(map) => self.keys(map),
            // The configuration was checked when it was loaded.
            Err(e) => tracing::warn!(error = %e, "the keypad is not used"),
        }
    }

    /// Takes the physical keypad's keys (digits, focus, press): the name of
    /// each button focused is spoken.
    pub fn keys(&self, map: uketsuke_ui::keypad::KeyMap) {
        let voice = self.voice.clone();
        uketsuke_ui::keypad::attach(&self.app, map, move |app, label| {
            if let Some(voice) = &voice
                && let Ok(mut guide) = voice.lock()
            {
                guide.focused(app, label);
            }
        });
    }

    /// Speaks every screen shown from now on, as `config` says (the voice's
    /// files and the spoken texts in the data directory unless configured).
    /// Without a sound device the kiosk runs silently (the speaker logs it once).
    pub fn speak(&mut self, config: &VoiceConfig) {
        let data = data_dir();
        let files = VoiceFiles::in_dir(&config.dir.clone().unwrap_or_else(|| data.join("voice")));
        let cache = SpeechCache::new(&config.cache_dir.clone().unwrap_or_else(|| data.join("speech")), files);
        let speaker = SpeakerConfig {
            cache,
            volume: config.volume,
            muted: config.muted,
            device: config.device.clone(),
            aplay: "/usr/bin/aplay".into(),
        };
        match Speaker::start(speaker) {
            Ok(speaker) => self.voice = Some(Arc::new(Mutex::new(VoiceGuide::new(speaker)))),
            Err(e) => tracing::warn!(error = %e, "voice guidance could not start; the kiosk runs silently"),
        }
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
        let voice = self.voice.clone();
        let weak = self.app.as_weak();
        uketsuke_ui::on_touch(&self.app, move |touch| {
            if let (Some(voice), Some(app)) = (&voice, weak.upgrade())
                && let Ok(mut guide) = voice.lock()
            {
                guide.touched(&app, touch);
            }
            let _ = inputs.send(Input::User(touch));
        });
        // The kiosk's events go to the window from now on.
        let mut events = std::mem::replace(&mut kiosk.events, tokio::sync::mpsc::unbounded_channel().1);
        let weak = self.app.as_weak();
        let voice = self.voice.clone();
        let idle_language = self.idle_language;
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let KioskEvent::Screen(screen) = event else { continue };
                let weak = weak.clone();
                let voice = voice.clone();
                let _ = slint::invoke_from_event_loop(move || {
                    if let Some(app) = weak.upgrade() {
                        let k = app.global::<UiKiosk>();
                        if !matches!(screen.view, View::FaceCapture { .. }) {
                            k.set_preview(slint::Image::default());
                        }
                        if matches!(screen.view, View::Idle) && k.get_language() != idle_language {
                            // The next patient starts in the kiosk's language.
                            let _ = uketsuke_ui::set_language(&app, idle_language);
                        }
                        uketsuke_ui::show(&k, &screen);
                        if let Some(voice) = &voice
                            && let Ok(mut guide) = voice.lock()
                        {
                            guide.shown(&app);
                        }
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
