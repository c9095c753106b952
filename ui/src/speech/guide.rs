//! The voice guide on a live touchscreen: each screen shown is spoken
//! through the [`Speaker`], the repeat button says it again, and a change of
//! screen cuts the speech of the one before.

use slint::ComponentHandle;

use super::player::Utter;
use super::{Announcer, language_code, screen_words};
use crate::{App, Kiosk};

/// Speaks what the touchscreen shows. Lives beside the window; `Send`, so
/// the runtime's event handlers can hold it.
#[derive(Debug)]
pub struct VoiceGuide {
    speaker: Box<dyn Utter>,
    announcer: Announcer,
}

impl VoiceGuide {
    /// A guide speaking through `speaker`.
    pub fn new(speaker: impl Utter + 'static) -> Self {
        Self { speaker: Box::new(speaker), announcer: Announcer::default() }
    }

    /// The keypad focused the button called `label`: say its name.
    pub fn focused(&mut self, app: &App, label: &str) {
        self.speaker.say(language_code(app), label);
    }

    /// Call after each screen is put on `app` (and after a language change):
    /// says the new screen, or only what changed on the same one.
    pub fn shown(&mut self, app: &App) {
        let kiosk = app.global::<Kiosk>();
        let screen = format!(
            "{:?}/{}/{}/{}",
            kiosk.get_screen(),
            kiosk.get_timeout_warning(),
            kiosk.get_choosing_language(),
            kiosk.get_showing_about()
        );
        let lang = language_code(app);
        match self.announcer.next(&screen, kiosk.get_language(), screen_words(app)) {
            Some(text) => self.speaker.say(lang, &text),
            None if self.announcer.is_silent_change() => self.speaker.stop(),
            None => {}
        }
    }

    /// A touch on the screen, for what the voice must do about it: the
    /// repeat button says the screen again; the language button, a language
    /// chosen (the screen already switched) and a panel opened or closed say
    /// what is shown now.
    pub fn touched(&mut self, app: &App, touch: uketsuke_screen::Touch) {
        match touch {
            uketsuke_screen::Touch::Repeat => self.repeat(app),
            // The language switched, or a panel over the screen opened or
            // closed: say what is shown now (nothing, if nothing changed).
            uketsuke_screen::Touch::Language | uketsuke_screen::Touch::KeepAlive => self.shown(app),
            _ => {}
        }
    }

    /// The repeat button: the whole screen again.
    pub fn repeat(&mut self, app: &App) {
        if let Some(text) = self.announcer.repeat() {
            self.speaker.say(language_code(app), &text);
        }
    }
}
