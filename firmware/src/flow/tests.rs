//! The flow on a virtual clock, through a quinn-style harness: `step`
//! runs what is due now, `drive` jumps the clock from timer to timer until
//! nothing is pending, `drive_bounded` does so within a time limit.

use std::time::Duration;

use super::screen::{FaceFailure, ResultView, View};
use super::types::*;
use super::*;
use crate::face::decision::{InconclusiveReason, NoMatchReason, Outcome};
use crate::face::quality::Guidance;

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

    fn user(&mut self, e: UserEvent) {
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

    /// Card placed and read.
    fn placed(&mut self, facts: CardFacts) {
        self.input(Input::CardInserted);
        assert!(self.has_action(|a| matches!(a, Action::ReadCard)));
        self.input(Input::CardRead(Ok(facts)));
        self.take_actions();
    }

    fn pin(&mut self, digits: &str) {
        for d in digits.bytes() {
            self.user(UserEvent::PinDigit(d - b'0'));
        }
    }
}

const TODAY: Date = Date { year: 2026, month: 11, day: 22 };

fn facts(birth_year: u32, tries: u8, face_only: bool) -> CardFacts {
    CardFacts { face_only, pin_tries: tries, birth_date: Date { year: birth_year, month: 5, day: 12 }, today: TODAY }
}

fn adult() -> CardFacts {
    facts(1971, 3, false)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Answers every consent question with `yes` and returns what was sent.
fn consent_all(h: &mut Harness, yes: bool) -> Vec<(ConsentQuestion, bool)> {
    while matches!(h.view(), View::Consent { .. }) {
        h.user(UserEvent::Consent(yes));
    }
    h.actions
        .iter()
        .find_map(|a| if let Action::SendConsent(v) = a { Some(v.clone()) } else { None })
        .unwrap_or_default()
}

#[test]
fn a_face_match_goes_through_consent_to_the_result_and_take_your_card() {
    let mut h = Harness::new();
    assert_eq!(h.view(), &View::Idle);
    h.placed(adult());
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
    h.user(UserEvent::ChooseFace);
    assert!(h.has_action(|a| matches!(a, Action::StartFaceCapture)));
    h.input(Input::FaceGuidance(Guidance::TooFar));
    assert_eq!(h.view(), &View::FaceCapture { guidance: Some(Guidance::TooFar) });
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
    assert!(h.has_action(|a| matches!(a, Action::Authenticate(Method::Face))));
    h.input(Input::Host(HostAnswer::Eligible { registered: true }));
    assert_eq!(h.view(), &View::Consent { question: ConsentQuestion::Surgery, number: 1, of: 3 });
    let sent = consent_all(&mut h, true);
    assert_eq!(sent.len(), 3, "a patient of 55 is asked question (3)");
    h.input(Input::HostStored(Ok(())));
    assert_eq!(h.view(), &View::Result(ResultView::Done { method: Method::Face }));
    h.drive();
    assert_eq!(h.view(), &View::TakeCard);
    h.input(Input::CardRemoved);
    assert_eq!(h.view(), &View::Idle);
    assert!(h.has_action(|a| matches!(a, Action::EndSession)));
}

#[test]
fn cards_that_are_not_my_number_cards_or_unreadable_get_a_message_until_taken() {
    for problem in [CardProblem::NotMyNumberCard, CardProblem::Unreadable] {
        let mut h = Harness::new();
        h.input(Input::CardInserted);
        h.input(Input::CardRead(Err(problem)));
        assert_eq!(h.view(), &View::CardProblem { problem });
        h.input(Input::CardRemoved);
        assert_eq!(h.view(), &View::Idle);
    }
}

#[test]
fn a_face_auth_only_card_is_never_offered_the_pin() {
    let mut h = Harness::new();
    h.placed(facts(1948, 0, true));
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: false });
    h.user(UserEvent::ChoosePin);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: false }, "a PIN key must do nothing");
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::NoMatch { score: 0.2, frames: 3, reason: NoMatchReason::DifferentPerson }));
    assert_eq!(h.view(), &View::FaceFailed { reason: FaceFailure::NoMatch, pin_offered: false });
    h.user(UserEvent::ChoosePin);
    assert!(!h.has_action(|a| matches!(a, Action::VerifyPin(_))));
}

#[test]
fn an_inconclusive_face_offers_the_pin_or_a_visual_check() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::Inconclusive(InconclusiveReason::Guidance(Guidance::TooDark))));
    assert_eq!(h.view(), &View::FaceFailed { reason: FaceFailure::Inconclusive, pin_offered: true });
    h.user(UserEvent::ChoosePin);
    assert!(matches!(h.view(), View::PinEntry { tries_left: 3, .. }));
}

#[test]
fn a_presentation_attack_offers_only_the_staff_check() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::NoMatch { score: 0.95, frames: 1, reason: NoMatchReason::PresentationAttack }));
    assert_eq!(h.view(), &View::FaceFailed { reason: FaceFailure::PresentationAttack, pin_offered: false });
    h.user(UserEvent::ChooseVisualCheck);
    assert_eq!(h.view(), &View::VisualCheck);
}

#[test]
fn the_pin_shows_tries_warns_before_the_last_and_a_wrong_pin_comes_back() {
    let mut h = Harness::new();
    h.placed(facts(1980, 2, false));
    h.user(UserEvent::ChoosePin);
    assert_eq!(h.view(), &View::PinEntry { entered: 0, tries_left: 2, last_try_warning: false, previous_wrong: false });
    h.pin("12");
    assert!(matches!(h.view(), View::PinEntry { entered: 2, .. }));
    h.user(UserEvent::PinBackspace);
    h.pin("000");
    let pins: Vec<String> = h
        .actions
        .iter()
        .filter_map(|a| {
            if let Action::VerifyPin(p) = a { Some(String::from_utf8_lossy(p.expose()).into_owned()) } else { None }
        })
        .collect();
    assert_eq!(pins, vec!["1000"], "exactly the four digits typed, sent once");
    assert_eq!(h.view(), &View::PinChecking);
    h.input(Input::PinResult(PinResult::Wrong(1)));
    assert_eq!(h.view(), &View::PinEntry { entered: 0, tries_left: 1, last_try_warning: true, previous_wrong: true });
    h.pin("1234");
    h.input(Input::PinResult(PinResult::Correct));
    assert!(h.has_action(|a| matches!(a, Action::Authenticate(Method::Pin))));
}

#[test]
fn a_blocked_pin_says_so_and_never_asks_the_card() {
    let mut h = Harness::new();
    h.placed(facts(1962, 0, false));
    h.user(UserEvent::ChoosePin);
    assert_eq!(h.view(), &View::PinBlocked);
    assert!(!h.has_action(|a| matches!(a, Action::VerifyPin(_))));
    h.user(UserEvent::ChooseVisualCheck);
    assert_eq!(h.view(), &View::VisualCheck);
}

#[test]
fn the_third_wrong_pin_leads_to_the_blocked_screen() {
    let mut h = Harness::new();
    h.placed(facts(1980, 1, false));
    h.user(UserEvent::ChoosePin);
    h.pin("9999");
    h.input(Input::PinResult(PinResult::Blocked));
    assert_eq!(h.view(), &View::PinBlocked);
}

#[test]
fn cancel_on_the_keypad_returns_to_method_select_and_forgets_the_digits() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChoosePin);
    h.pin("12");
    h.user(UserEvent::PinCancel);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
    h.user(UserEvent::ChoosePin);
    assert!(matches!(h.view(), View::PinEntry { entered: 0, .. }));
}

#[test]
fn staff_can_start_a_visual_check_and_confirm_or_reject() {
    for confirm in [true, false] {
        let mut h = Harness::new();
        h.placed(adult());
        h.user(UserEvent::ChooseFace);
        h.input(Input::Staff(StaffEvent::StartVisualCheck));
        assert_eq!(h.view(), &View::VisualCheck);
        assert!(h.has_action(|a| matches!(a, Action::StopFaceCapture)));
        assert!(h.has_action(|a| matches!(a, Action::RequestVisualCheck)));
        h.input(Input::Staff(if confirm { StaffEvent::Confirm } else { StaffEvent::Reject }));
        if confirm {
            assert!(h.has_action(|a| matches!(a, Action::Authenticate(Method::Visual))));
        } else {
            assert_eq!(h.view(), &View::Result(ResultView::RejectedByStaff));
        }
    }
}

#[test]
fn question_three_is_asked_only_from_the_fortieth_birthday() {
    let cases = [(Date { year: 1986, month: 11, day: 22 }, 3), (Date { year: 1986, month: 11, day: 23 }, 2)];
    for (birth, asked) in cases {
        let mut h = Harness::new();
        h.placed(CardFacts { birth_date: birth, ..adult() });
        h.user(UserEvent::ChooseFace);
        h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
        h.input(Input::Host(HostAnswer::Eligible { registered: true }));
        assert_eq!(consent_all(&mut h, false).len(), asked, "born {birth:?}");
    }
}

#[test]
fn only_the_facilitys_enabled_questions_are_asked() {
    let cfg = FlowConfig { consent_questions: vec![ConsentQuestion::TreatmentAndMedication], ..FlowConfig::default() };
    let mut h = Harness::with(cfg);
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
    h.input(Input::Host(HostAnswer::Eligible { registered: true }));
    assert_eq!(consent_all(&mut h, true), vec![(ConsentQuestion::TreatmentAndMedication, true)]);
}

#[test]
fn an_unregistered_card_is_offered_registration_then_consent() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
    h.input(Input::Host(HostAnswer::Eligible { registered: false }));
    assert_eq!(h.view(), &View::Registration);
    h.user(UserEvent::Register(true));
    assert!(h.has_action(|a| matches!(a, Action::SendRegistration)));
    h.input(Input::HostStored(Ok(())));
    assert_eq!(h.view(), &View::RegistrationDone);
    h.drive_bounded(secs(10));
    assert!(matches!(h.view(), View::Consent { number: 1, .. }));
}

#[test]
fn declining_registration_ends_without_registering() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
    h.input(Input::Host(HostAnswer::Eligible { registered: false }));
    h.user(UserEvent::Register(false));
    assert_eq!(h.view(), &View::Result(ResultView::NotRegistered));
    assert!(!h.has_action(|a| matches!(a, Action::SendRegistration)));
}

#[test]
fn a_refusal_from_the_terminal_is_shown_with_its_code() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
    let (code, message) = ("006".to_owned(), "電子証明書の有効期限が切れています".to_owned());
    h.input(Input::Host(HostAnswer::Refused { code: code.clone(), message: message.clone() }));
    assert_eq!(h.view(), &View::Result(ResultView::Refused { code, message }));
}

#[test]
fn a_terminal_that_is_down_tells_the_patient_and_alerts_staff() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
    h.input(Input::Host(HostAnswer::Unavailable));
    assert_eq!(h.view(), &View::HostUnavailable);
    assert!(h.has_action(|a| matches!(a, Action::AlertStaffHostDown)));
    h.drive();
    assert_eq!(h.view(), &View::TakeCard);
}

#[test]
fn pulling_the_card_at_any_step_aborts_and_returns_to_idle() {
    // Reach each step, pull the card, and check the session ended cleanly.
    type Setup = fn(&mut Harness);
    let steps: [(&str, Setup); 8] = [
        ("reading", |h| h.input(Input::CardInserted)),
        ("method select", |h| h.placed(adult())),
        ("face", |h| {
            h.placed(adult());
            h.user(UserEvent::ChooseFace);
        }),
        ("pin entry", |h| {
            h.placed(adult());
            h.user(UserEvent::ChoosePin);
            h.pin("12");
        }),
        ("pin checking", |h| {
            h.placed(adult());
            h.user(UserEvent::ChoosePin);
            h.pin("1234");
        }),
        ("visual check", |h| {
            h.placed(adult());
            h.user(UserEvent::ChooseVisualCheck);
        }),
        ("authenticating", |h| {
            h.placed(adult());
            h.user(UserEvent::ChooseFace);
            h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
        }),
        ("consent", |h| {
            h.placed(adult());
            h.user(UserEvent::ChooseFace);
            h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
            h.input(Input::Host(HostAnswer::Eligible { registered: true }));
            h.user(UserEvent::Consent(true));
        }),
    ];
    for (name, setup) in steps {
        let mut h = Harness::new();
        setup(&mut h);
        let face_running = matches!(h.view(), View::FaceCapture { .. });
        h.take_actions();
        h.input(Input::CardRemoved);
        assert_eq!(h.view(), &View::Idle, "{name}");
        assert!(h.has_action(|a| matches!(a, Action::EndSession)), "{name}");
        assert_eq!(h.has_action(|a| matches!(a, Action::StopFaceCapture)), face_running, "{name}");
        assert!(!h.has_action(|a| matches!(a, Action::VerifyPin(_))), "{name}: no PIN sent after removal");
        assert_eq!(h.flow.poll_timeout(), None, "{name}: no timer left");
        // A late answer from the old session changes nothing.
        h.input(Input::PinResult(PinResult::Wrong(2)));
        h.input(Input::Host(HostAnswer::Eligible { registered: true }));
        assert_eq!(h.view(), &View::Idle, "{name}");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_session_and_idle_returns_with_it() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChoosePin);
    h.pin("12");
    h.take_actions();
    h.input(Input::ReaderLost);
    assert_eq!(h.view(), &View::ReaderUnavailable);
    assert!(h.has_action(|a| matches!(a, Action::EndSession)));
    assert_eq!(h.flow.poll_timeout(), None);
    // Nothing a patient does can start a session without a reader.
    h.input(Input::CardInserted);
    h.user(UserEvent::PinDigit(3));
    assert_eq!(h.view(), &View::ReaderUnavailable);
    assert!(!h.has_action(|a| matches!(a, Action::ReadCard | Action::VerifyPin(_))));
    h.input(Input::ReaderReady);
    assert_eq!(h.view(), &View::Idle);
    // From idle too, and a ready reader at idle changes nothing.
    h.input(Input::ReaderReady);
    h.input(Input::ReaderLost);
    assert_eq!(h.view(), &View::ReaderUnavailable);
}

#[test]
fn every_patient_facing_screen_warns_then_resets_when_left_alone() {
    let reach: [fn(&mut Harness); 4] = [
        |h| h.placed(adult()),
        |h| {
            h.placed(adult());
            h.user(UserEvent::ChoosePin);
        },
        |h| {
            h.placed(adult());
            h.user(UserEvent::ChooseFace);
            h.input(Input::FaceDone(Outcome::Inconclusive(InconclusiveReason::NoFrames)));
        },
        |h| {
            h.placed(adult());
            h.user(UserEvent::ChooseFace);
            h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3 }));
            h.input(Input::Host(HostAnswer::Eligible { registered: false }));
        },
    ];
    for setup in reach {
        let mut h = Harness::new();
        setup(&mut h);
        let screen = h.view().clone();
        h.drive_bounded(secs(44));
        assert!(!h.warning(), "{screen:?}: warned too early");
        h.drive_bounded(secs(1));
        assert!(h.warning(), "{screen:?}: no warning 15 s before the reset");
        assert_eq!(h.view(), &screen);
        h.drive_bounded(secs(15));
        assert_eq!(h.view(), &View::Result(ResultView::Ended), "{screen:?}");
        h.drive();
        assert_eq!(h.view(), &View::TakeCard);
    }
}

#[test]
fn a_touch_during_the_warning_keeps_the_session() {
    let mut h = Harness::new();
    h.placed(adult());
    h.drive_bounded(secs(50));
    assert!(h.warning());
    h.user(UserEvent::Touch);
    assert!(!h.warning());
    h.drive_bounded(secs(40));
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
}

#[test]
fn end_works_from_every_step_while_the_card_is_placed() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(UserEvent::ChooseFace);
    h.user(UserEvent::End);
    assert!(h.has_action(|a| matches!(a, Action::StopFaceCapture)));
    assert_eq!(h.view(), &View::Result(ResultView::Ended));
    h.drive();
    assert_eq!(h.view(), &View::TakeCard);
    for setup in [
        |h: &mut Harness| h.placed(adult()),
        |h: &mut Harness| {
            h.placed(adult());
            h.user(UserEvent::ChoosePin);
            h.pin("123");
        },
    ] {
        let mut h = Harness::new();
        setup(&mut h);
        h.user(UserEvent::End);
        assert_eq!(h.view(), &View::Result(ResultView::Ended));
        assert!(!h.has_action(|a| matches!(a, Action::VerifyPin(_))), "no partial PIN is ever sent");
    }
}

#[test]
fn the_years_since_a_birth_date_count_from_the_birthday() {
    let birth = Date { year: 1986, month: 11, day: 22 };
    assert_eq!(TODAY.years_since(birth), 40);
    assert_eq!(Date { year: 2026, month: 11, day: 21 }.years_since(birth), 39);
}
