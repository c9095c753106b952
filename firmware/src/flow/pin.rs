//! The PIN path of the flow: whether the PIN is offered and shown, the
//! PIN screen, and the digits as they are typed (sent for VERIFY only as
//! four digits the patient just entered).

use std::time::Duration;

use uketsuke_driver::secret::Pin;
use zeroize::Zeroizing;

use super::Flow;
use super::card_face::CardFaceState;
use super::state::State;
use super::types::Action;

impl Flow {
    /// Whether a PIN may be tried: no signal so far says face-auth-only.
    /// (The runtime checks again, with the card face's mark, before any VERIFY.)
    pub(super) fn pin_offered(&self) -> bool {
        self.facts.is_some_and(|f| !f.face_only)
    }

    /// Whether the screen shows the PIN button: only once the card face's
    /// 「顔認証」 mark is known too, so a face-auth-only card recognised only
    /// by its mark never shows it.
    pub(super) fn pin_shown(&self) -> bool {
        self.pin_offered() && self.card_face != CardFaceState::Reading
    }

    pub(super) fn start_pin(&mut self, now: Duration, previous_wrong: bool) {
        self.pin.clear();
        if self.tries == 0 {
            self.go(now, State::PinBlocked);
        } else {
            self.go(now, State::Pin { previous_wrong });
        }
    }

    pub(super) fn pin_digit(&mut self, now: Duration, d: u8) {
        self.pin.push(b'0' + d);
        self.screen_changed = true;
        if self.pin.len() == 4 {
            let typed = Zeroizing::new(String::from_utf8_lossy(&self.pin).into_owned());
            self.pin.clear();
            if let Ok(pin) = Pin::parse(&typed) {
                self.actions.push_back(Action::VerifyPin(pin));
                self.go(now, State::PinChecking);
            }
        }
    }
}
