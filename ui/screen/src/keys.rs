//! The keys of a physical keypad (issue 15) and what each does: a USB
//! numeric keypad by default, or the keys a vendor's panel has, named in
//! the kiosk's configuration. Plain types; the touchscreen
//! (`uketsuke_ui::keypad`) moves its focus and presses with them.

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAction {
    /// A PIN digit, 0–9.
    Digit(u8),
    /// Delete the last PIN digit.
    Backspace,
    /// Focus the next button.
    Next,
    /// Focus the previous button.
    Previous,
    /// Press the focused button.
    Press,
    /// Say the screen again.
    Repeat,
    /// Switch the language.
    Language,
}

/// A key name the keypad does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown key {0:?}: use a single character or one of Enter, Tab, Backtab, Backspace, Space, Escape, Up, Down, Left, Right"
)]
pub struct UnknownKey(pub String);

/// The text Slint reports for a key called `name`.
fn key_text(name: &str) -> Result<String, UnknownKey> {
    let named = match name {
        "Enter" | "Return" => "\n",
        "Tab" => "\t",
        "Backtab" => "\u{19}",
        "Backspace" => "\u{8}",
        "Space" => " ",
        "Escape" => "\u{1b}",
        "Up" => "\u{f700}",
        "Down" => "\u{f701}",
        "Left" => "\u{f702}",
        "Right" => "\u{f703}",
        single if single.chars().count() == 1 => single,
        other => return Err(UnknownKey(other.to_owned())),
    };
    Ok(named.to_owned())
}

/// Which key does what. The digits 0–9 always type digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<(String, KeyAction)>,
}

/// A USB numeric keypad's keys: `+`/`-` (and Tab, the arrows) move the
/// focus, Enter presses, `.` (and Backspace) deletes a digit, `*` repeats,
/// `/` switches the language.
pub const NUMERIC_KEYPAD: &[(KeyAction, &[&str])] = &[
    (KeyAction::Next, &["+", "Tab", "Down", "Right"]),
    (KeyAction::Previous, &["-", "Backtab", "Up", "Left"]),
    (KeyAction::Press, &["Enter", "Space"]),
    (KeyAction::Backspace, &[".", "Backspace"]),
    (KeyAction::Repeat, &["*"]),
    (KeyAction::Language, &["/"]),
];

impl Default for KeyMap {
    /// [`NUMERIC_KEYPAD`].
    fn default() -> Self {
        Self::from_names(NUMERIC_KEYPAD).unwrap_or(Self { bindings: Vec::new() })
    }
}

impl KeyMap {
    /// A map from key names (`Enter`, `+`, …) for each action.
    pub fn from_names(actions: &[(KeyAction, &[&str])]) -> Result<Self, UnknownKey> {
        let mut bindings = Vec::new();
        for (action, names) in actions {
            for name in *names {
                bindings.push((key_text(name)?, *action));
            }
        }
        Ok(Self { bindings })
    }

    /// What the key reported as `text` does.
    pub fn action(&self, text: &str) -> Option<KeyAction> {
        if let [d @ b'0'..=b'9'] = text.as_bytes() {
            return Some(KeyAction::Digit(d - b'0'));
        }
        self.bindings.iter().find(|(k, _)| k == text).map(|(_, a)| *a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_numeric_keypad_moves_presses_and_types_by_default() {
        let map = KeyMap::default();
        assert_eq!(map.action("7"), Some(KeyAction::Digit(7)));
        assert_eq!(map.action("+"), Some(KeyAction::Next));
        assert_eq!(map.action("\t"), Some(KeyAction::Next));
        assert_eq!(map.action("-"), Some(KeyAction::Previous));
        assert_eq!(map.action("\n"), Some(KeyAction::Press));
        assert_eq!(map.action("."), Some(KeyAction::Backspace));
        assert_eq!(map.action("*"), Some(KeyAction::Repeat));
        assert_eq!(map.action("/"), Some(KeyAction::Language));
        assert_eq!(map.action("x"), None);
    }

    #[test]
    fn a_vendor_map_takes_key_names_and_refuses_unknown_ones() {
        let map = KeyMap::from_names(&[(KeyAction::Press, &["F"]), (KeyAction::Next, &["Right"])]).unwrap();
        assert_eq!(map.action("F"), Some(KeyAction::Press));
        assert_eq!(map.action("\u{f703}"), Some(KeyAction::Next));
        assert_eq!(map.action("\n"), None);
        assert_eq!(KeyMap::from_names(&[(KeyAction::Press, &["Ctrl"])]), Err(UnknownKey("Ctrl".into())));
    }
}
