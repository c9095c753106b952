//! The consent questions (DESIGN.md §1, ③同意の選択): the facility's
//! enabled questions, (3) only from the fortieth birthday, one answer each.

use std::time::Duration;

use super::Flow;
use super::state::State;
use super::types::{Action, ConsentQuestion, Method};
use uketsuke_driver::secret::whole_years;
use uketsuke_screen::ResultView;

impl Flow {
    /// Asks the first enabled question, or ends at once when there is none.
    pub(super) fn start_consent(&mut self, now: Duration, method: Method) {
        // Without the card-face record (the PIN path on a card whose face
        // could not be read) the age is unknown: the question is asked,
        // and the patient may decline.
        let over_40 = match (self.birth_date(), self.facts) {
            (Some(birth), Some(f)) => whole_years(birth, f.today) >= 40,
            _ => true,
        };
        let questions: Vec<ConsentQuestion> = self
            .cfg
            .consent_questions
            .iter()
            .copied()
            .filter(|q| *q != ConsentQuestion::HealthCheckups || over_40)
            .collect();
        if questions.is_empty() {
            self.show_result(now, ResultView::Done { method });
        } else {
            self.go(now, State::Consent { method, questions, answers: Vec::new() });
        }
    }

    /// Records the answer to the current question; sends them all after the last.
    pub(super) fn answer(&mut self, now: Duration, yes: bool) {
        let State::Consent { method, questions, answers } = &mut self.state else { return };
        let Some(q) = questions.get(answers.len()).copied() else { return };
        answers.push((q, yes));
        if answers.len() < questions.len() {
            self.screen_changed = true;
            self.arm_inactivity(now);
            return;
        }
        let (method, answers) = (*method, std::mem::take(answers));
        self.actions.push_back(Action::SendConsent(answers));
        self.go(now, State::Saving(method));
    }
}
