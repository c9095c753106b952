//! The flow on a virtual clock, through a quinn-style harness: `step`
//! runs what is due now, `drive` jumps the clock from timer to timer until
//! nothing is pending, `drive_bounded` does so within a time limit.

use std::time::Duration;

use super::types::*;
use super::*;
use uketsuke_driver::secret::whole_years;

use crate::face::decision::{InconclusiveReason, NoMatchReason, Outcome};
use uketsuke_screen::{FaceFailure, Guidance, ResultView, Screen, Touch, View};

struct Harness {
    flow: Flow,
    now: Duration,
    actions: Vec<Action>,
    screens: Vec<Screen>,
}

impl Harness {
    fn new() -> Self {
        Self::with(FlowConfig::default())
    }

    fn with(cfg: FlowConfig) -> Self {
        let mut h = Self { flow: Flow::new(cfg), now: Duration::ZERO, actions: Vec::new(), screens: Vec::new() };
        h.collect();
        h
    }

    fn collect(&mut self) {
        while let Some(a) = self.flow.poll_action() {
            self.actions.push(a);
        }
        if let Some(s) = self.flow.poll_screen() {
            self.screens.push(s);
        }
    }

    fn input(&mut self, i: Input) {
        self.flow.handle_input(self.now, i);
        self.collect();
    }

    fn user(&mut self, e: Touch) {
        self.input(Input::User(e));
    }

    /// Runs the timers due at the current time; whether any ran.
    fn step(&mut self) -> bool {
        if self.flow.poll_timeout().is_some_and(|t| t <= self.now) {
            self.flow.handle_timeout(self.now);
            self.collect();
            return true;
        }
        false
    }

    /// Jumps from timer to timer until none is pending.
    fn drive(&mut self) {
        for _ in 0..100 {
            let Some(t) = self.flow.poll_timeout() else { return };
            self.now = self.now.max(t);
            self.step();
        }
        unreachable!("the flow kept setting timers");
    }

    /// Like `drive`, but stops at `limit` from now.
    fn drive_bounded(&mut self, limit: Duration) {
        let end = self.now + limit;
        while let Some(t) = self.flow.poll_timeout().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            self.step();
        }
        self.now = end;
    }

    fn view(&self) -> &View {
        &self.screens.last().unwrap_or_else(|| unreachable!("no screen")).view
    }

    fn warning(&self) -> bool {
        self.screens.last().is_some_and(|s| s.timeout_warning)
    }

    fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    fn has_action(&self, f: impl Fn(&Action) -> bool) -> bool {
        self.actions.iter().any(f)
    }

    /// The PINs sent for VERIFY since the actions were last taken.
    fn pins_sent(&self) -> Vec<String> {
        let pin = |a: &Action| {
            if let Action::VerifyPin(p) = a { Some(String::from_utf8_lossy(p.expose()).into_owned()) } else { None }
        };
        self.actions.iter().filter_map(pin).collect()
    }

    /// A new session on the same kiosk: the card placed again and the PIN
    /// chosen; `digits` typed in two halves. Only a VERIFY with exactly
    /// these digits, sent once after the fourth, passes: digits left over
    /// from an earlier session would complete the PIN early or change it.
    fn fresh_pin_session_sends_exactly(&mut self, digits: &str) {
        self.take_actions();
        self.placed(adult());
        self.user(Touch::Pin);
        let (first, second) = digits.split_at(2);
        self.pin(first);
        assert_eq!(self.pins_sent(), Vec::<String>::new(), "a VERIFY before the patient typed four digits");
        self.pin(second);
        assert_eq!(self.pins_sent(), vec![digits.to_owned()], "not exactly the digits just typed");
    }

    /// Card placed and read, then its face read in the background.
    fn placed(&mut self, card: Placed) {
        self.placed_reading(card.facts);
        self.card_face(CardFaceOutcome::Ready { birth_date: card.birth }, card.facts.face_only);
    }

    /// Card placed and read; its face still being read.
    fn placed_reading(&mut self, facts: CardFacts) {
        self.input(Input::CardInserted);
        assert!(self.has_action(|a| matches!(a, Action::ReadCard)));
        self.input(Input::CardRead(Ok(facts)));
        assert!(self.has_action(|a| matches!(a, Action::ReadCardFace)), "the card face is read in the background");
        self.take_actions();
    }

    /// The background read of the card face ended.
    fn card_face(&mut self, outcome: CardFaceOutcome, face_only: bool) {
        self.input(Input::CardFace { outcome, face_only });
    }

    fn pin(&mut self, digits: &str) {
        for d in digits.bytes() {
            self.user(Touch::Digit(d - b'0'));
        }
    }
}

const TODAY: Date = jiff::civil::date(2026, 11, 22);

/// A placed card: what the quick read gives, and the birth date its
/// card-face record gives.
#[derive(Clone, Copy)]
struct Placed {
    facts: CardFacts,
    birth: Date,
}

fn facts(birth_year: i16, tries: u8, face_only: bool) -> Placed {
    Placed {
        facts: CardFacts { face_only, pin_tries: tries, today: TODAY },
        birth: jiff::civil::date(birth_year, 5, 12),
    }
}

fn adult() -> Placed {
    facts(1971, 3, false)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Answers every consent question with `yes` and returns what was sent.
fn consent_all(h: &mut Harness, yes: bool) -> Vec<(ConsentQuestion, bool)> {
    while matches!(h.view(), View::Consent { .. }) {
        h.user(if yes { Touch::Agree } else { Touch::Disagree });
    }
    h.actions
        .iter()
        .find_map(|a| if let Action::SendConsent(v) = a { Some(v.clone()) } else { None })
        .unwrap_or_default()
}

mod card_face;
mod identification;
mod session;
