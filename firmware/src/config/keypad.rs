//! `[keypad]`: the physical keypad's keys (issue 15). The digits 0–9 always
//! type PIN digits; each action takes a list of key names: a single
//! character, or Enter, Tab, Backtab, Backspace, Space, Escape, Up, Down,
//! Left, Right. The defaults suit a USB numeric keypad.

use serde::{Deserialize, Serialize};
use uketsuke_screen::keys::{KeyAction, KeyMap, NUMERIC_KEYPAD, UnknownKey};

/// The key map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeypadConfig {
    /// Focus the next button.
    pub next: Vec<String>,
    /// Focus the previous button.
    pub previous: Vec<String>,
    /// Press the focused button.
    pub press: Vec<String>,
    /// Delete the last PIN digit.
    pub backspace: Vec<String>,
    /// Say the screen again.
    pub repeat: Vec<String>,
    /// Switch the language.
    pub language: Vec<String>,
}

impl Default for KeypadConfig {
    /// A USB numeric keypad (`uketsuke_screen::keys::NUMERIC_KEYPAD`).
    fn default() -> Self {
        let keys = |wanted: KeyAction| -> Vec<String> {
            NUMERIC_KEYPAD
                .iter()
                .filter(|(action, _)| *action == wanted)
                .flat_map(|(_, names)| names.iter().map(|n| (*n).to_owned()))
                .collect()
        };
        Self {
            next: keys(KeyAction::Next),
            previous: keys(KeyAction::Previous),
            press: keys(KeyAction::Press),
            backspace: keys(KeyAction::Backspace),
            repeat: keys(KeyAction::Repeat),
            language: keys(KeyAction::Language),
        }
    }
}

impl KeypadConfig {
    /// The key map for the touchscreen.
    pub fn key_map(&self) -> Result<KeyMap, UnknownKey> {
        fn names(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        let (next, previous, press) = (names(&self.next), names(&self.previous), names(&self.press));
        let (backspace, repeat, language) = (names(&self.backspace), names(&self.repeat), names(&self.language));
        KeyMap::from_names(&[
            (KeyAction::Next, &next),
            (KeyAction::Previous, &previous),
            (KeyAction::Press, &press),
            (KeyAction::Backspace, &backspace),
            (KeyAction::Repeat, &repeat),
            (KeyAction::Language, &language),
        ])
    }

    /// Checks that every key name is known.
    pub(super) fn check(&self) -> Result<(), (&'static str, &'static str)> {
        self.key_map().map(|_| ()).map_err(|_| {
            ("keypad", "unknown key name: use a single character or Enter, Tab, Backtab, Backspace, Space, Escape, Up, Down, Left, Right")
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use uketsuke_screen::keys::KeyAction;

    use crate::config::Config;

    #[test]
    fn the_default_keys_are_the_numeric_keypad_s() {
        assert_eq!(crate::config::KeypadConfig::default().key_map(), Ok(uketsuke_screen::keys::KeyMap::default()));
    }

    #[test]
    fn a_vendor_s_keys_replace_the_numeric_keypad_s() {
        let cfg = Config::parse("[keypad]\npress = [\"F\"]\nnext = [\"Right\"]", Path::new("k.toml")).unwrap();
        let map = cfg.keypad.key_map().unwrap();
        assert_eq!(map.action("F"), Some(KeyAction::Press));
        assert_eq!(map.action("\n"), None);
        assert_eq!(map.action("*"), Some(KeyAction::Repeat));
    }

    #[test]
    fn an_unknown_key_name_is_refused_by_section() {
        let err = Config::parse("[keypad]\npress = [\"Ctrl\"]", Path::new("k.toml")).unwrap_err().to_string();
        assert!(err.contains("keypad"), "{err}");
    }
}
