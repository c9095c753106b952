//! A strict scripted transport for tests (DESIGN.md §7): a list of
//! `(expected command, response)` pairs. An unexpected command, or a
//! script not run to its end, fails the test.

use std::collections::VecDeque;

use crate::transmit::{Transmit, TransportError};

/// One scripted step: the exact command expected and what to answer.
#[derive(Clone, Debug)]
pub struct Step {
    expect: Vec<u8>,
    reply: Result<Vec<u8>, TransportError>,
}

/// A strict mock card. Build it with [`ScriptedCard::expect`], hand it to
/// [`crate::Card::new`], and drop it at the end of the test: dropping it
/// with steps left, or after a mismatch, panics (fails the test).
#[derive(Debug, Default)]
pub struct ScriptedCard {
    steps: VecDeque<Step>,
    failure: Option<String>,
}

impl ScriptedCard {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Expects `command` (hex) and answers `response` (hex, data and SW).
    #[must_use]
    pub fn expect(mut self, command: &str, response: &str) -> Self {
        self.steps.push_back(Step { expect: unhex(command), reply: Ok(unhex(response)) });
        self
    }

    /// Expects `command` (hex) and fails the transport with `error`.
    #[must_use]
    pub fn expect_error(mut self, command: &str, error: TransportError) -> Self {
        self.steps.push_back(Step { expect: unhex(command), reply: Err(error) });
        self
    }
}

fn unhex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&clean).unwrap_or_else(|_| panic_in_test(&format!("bad hex in script: {clean}")))
}

#[allow(clippy::panic)]
fn panic_in_test(msg: &str) -> ! {
    panic!("{msg}")
}

impl Transmit for ScriptedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let Some(step) = self.steps.pop_front() else {
            self.failure = Some(format!("unexpected command after end of script: {}", hex::encode_upper(command)));
            return Err(TransportError::Other("strict mock: script exhausted".into()));
        };
        if step.expect != command {
            self.failure =
                Some(format!("expected {} but got {}", hex::encode_upper(&step.expect), hex::encode_upper(command)));
            return Err(TransportError::Other("strict mock: unexpected command".into()));
        }
        step.reply
    }
}

impl Drop for ScriptedCard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        if let Some(f) = self.failure.take() {
            panic_in_test(&format!("strict mock: {f}"));
        }
        if !self.steps.is_empty() {
            panic_in_test(&format!("strict mock: {} scripted commands never sent", self.steps.len()));
        }
    }
}
