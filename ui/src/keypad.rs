//! The physical keypad (issue 15): a whole session with a USB numeric
//! keypad, or the keys a vendor's panel has. Digits and backspace type the
//! PIN; on every screen a focus moves between the buttons (their names are
//! spoken) and Enter presses the one focused. The buttons are found the way
//! a screen reader finds them (the accessibility tree, layout order, the
//! header's repeat and language buttons last), and pressed through their
//! accessible default action: the same path as a touch.

use std::ops::ControlFlow;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::ComponentHandle;

pub use uketsuke_screen::keys::{KeyAction, KeyMap, UnknownKey};

use crate::{App, Button, Kiosk, ScreenKind};

/// What a key did, for the voice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    /// A button is focused: say its name.
    Focused(String),
    /// Something was done (a button pressed, a digit typed).
    Done,
    /// The key means nothing here.
    Ignored,
}

/// The keypad's focus on the screen shown.
#[derive(Debug, Default)]
pub struct Keypad {
    map: KeyMap,
    focus: Option<usize>,
    screen: Option<(ScreenKind, bool, bool)>,
}

impl Keypad {
    /// A keypad with `map`.
    pub fn new(map: KeyMap) -> Self {
        Self { map, focus: None, screen: None }
    }

    /// Handles the key Slint reported as `text` on `app`.
    pub fn key(&mut self, app: &App, text: &str) -> KeyOutcome {
        let kiosk = app.global::<Kiosk>();
        let shown = (
            kiosk.get_screen(),
            kiosk.get_timeout_warning(),
            kiosk.get_choosing_language() || kiosk.get_showing_about(),
        );
        if self.screen != Some(shown) || kiosk.get_focused().is_empty() {
            self.focus = None;
            self.screen = Some(shown);
        }
        let Some(action) = self.map.action(text) else { return KeyOutcome::Ignored };
        if shown.1 && !matches!(action, KeyAction::Next | KeyAction::Previous | KeyAction::Repeat) {
            // Any key answers the inactivity warning.
            kiosk.invoke_act(Button::KeepAlive);
            return KeyOutcome::Done;
        }
        let on_pin = shown.0 == ScreenKind::PinEntry && !shown.2;
        match action {
            KeyAction::Digit(d) if on_pin => kiosk.invoke_digit(i32::from(d)),
            KeyAction::Backspace if on_pin => kiosk.invoke_act(Button::Backspace),
            KeyAction::Repeat => kiosk.invoke_act(Button::Repeat),
            KeyAction::Language => kiosk.invoke_act(Button::Language),
            KeyAction::Next | KeyAction::Previous => {
                let buttons = buttons(app);
                if buttons.is_empty() {
                    return KeyOutcome::Ignored;
                }
                let n = buttons.len();
                let next = match (self.focus, action) {
                    (None, KeyAction::Next) => 0,
                    (None, _) => n - 1,
                    (Some(i), KeyAction::Next) => (i + 1) % n,
                    (Some(i), _) => (i + n - 1) % n,
                };
                self.focus = Some(next);
                let label = buttons[next].accessible_label().map(|l| l.to_string()).unwrap_or_default();
                kiosk.set_focused(label.clone().into());
                return KeyOutcome::Focused(label);
            }
            KeyAction::Press => {
                let Some(button) = self.focus.and_then(|i| buttons(app).into_iter().nth(i)) else {
                    return KeyOutcome::Ignored;
                };
                button.invoke_accessible_default_action();
            }
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Done
    }
}

/// Sends `app`'s keys to a [`Keypad`] with `map`; `on_focus` hears the
/// name of each button focused (for the voice).
pub fn attach(app: &App, map: KeyMap, on_focus: impl Fn(&App, &str) + 'static) {
    let keypad = std::cell::RefCell::new(Keypad::new(map));
    let weak = app.as_weak();
    app.global::<Kiosk>().on_key(move |text| {
        let Some(app) = weak.upgrade() else { return false };
        // A press runs the button's callbacks (a touch), never this one again.
        let outcome = keypad.borrow_mut().key(&app, &text);
        match outcome {
            KeyOutcome::Focused(label) => {
                on_focus(&app, &label);
                true
            }
            KeyOutcome::Done => true,
            KeyOutcome::Ignored => false,
        }
    });
}

/// The buttons the focus moves between, in order: the screen's (the
/// on-screen keypad's digits left out: the physical keys type them), then
/// the header's. With the language chooser, the about panel or the
/// inactivity warning up, only its own.
fn buttons(app: &App) -> Vec<ElementHandle> {
    let (mut screen, mut header) = (Vec::new(), Vec::new());
    app.root_element().visit_descendants(|e| {
        if e.type_name().as_deref().is_some_and(crate::speech::covers_the_screen) {
            screen.clear();
            header.clear();
        }
        if e.accessible_role() == Some(AccessibleRole::Button) {
            let label = e.accessible_label().unwrap_or_default();
            if e.type_name().as_deref() == Some("HeaderButton") {
                header.push(e);
            } else if !label.chars().all(|c| c.is_ascii_digit()) {
                screen.push(e);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    screen.extend(header);
    screen
}
