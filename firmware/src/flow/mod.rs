//! The patient's session as a sans-IO state machine (DESIGN.md §1, §3), in
//! the style of quinn-proto: `handle_input(now, Input)` and
//! `handle_timeout(now)` in; `poll_action()`, `poll_timeout()` and
//! `poll_screen()` out. It never reads a clock, a socket or a device, so the
//! runtime and the tests drive the same code.
//!
//! Helpers operate the screens exactly as patients do: nothing here tells
//! them apart.

mod card_face;
mod consent;
mod face;
mod pin;
mod state;
pub mod types;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Duration;

use zeroize::Zeroizing;

use card_face::{CardFaceState, Waiting};
use state::State;
use types::{Action, CardFacts, FlowConfig, HostAnswer, Input, Method, PinResult, StaffEvent, Timer};
use uketsuke_screen::{CardProblem, FaceFailure, ResultView, Screen, Touch};

/// One kiosk's session flow.
pub struct Flow {
    cfg: FlowConfig,
    state: State,
    facts: Option<CardFacts>,
    card_face: CardFaceState,
    pin: Zeroizing<Vec<u8>>,
    tries: u8,
    face_live: types::FaceLive,
    warning_at: Option<Duration>,
    reset_at: Option<Duration>,
    warned: bool,
    result_until: Option<Duration>,
    /// 時間を長くする: this session's timeouts doubled.
    more_time: bool,
    /// Face checks of this session that ended without a match.
    face_failures: u8,
    actions: VecDeque<Action>,
    screen_changed: bool,
}

impl Flow {
    /// A flow at the idle screen.
    pub fn new(cfg: FlowConfig) -> Self {
        Self {
            cfg,
            state: State::Idle,
            facts: None,
            card_face: CardFaceState::Unknown,
            pin: Zeroizing::new(Vec::new()),
            tries: 0,
            face_live: types::FaceLive::default(),
            warning_at: None,
            reset_at: None,
            warned: false,
            result_until: None,
            more_time: false,
            face_failures: 0,
            actions: VecDeque::new(),
            screen_changed: true,
        }
    }

    /// The next thing the runtime must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`Flow::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        [self.warning_at.filter(|_| !self.warned), self.reset_at, self.result_until].into_iter().flatten().min()
    }

    /// The screen, if it changed since the last call.
    pub fn poll_screen(&mut self) -> Option<Screen> {
        if !std::mem::take(&mut self.screen_changed) {
            return None;
        }
        Some(Screen { view: self.view(), timeout_warning: self.warned })
    }

    /// Which timer is due at `now`, if any.
    pub fn due_timer(&self, now: Duration) -> Option<Timer> {
        if self.reset_at.is_some_and(|t| now >= t) {
            Some(Timer::Inactivity)
        } else if !self.warned && self.warning_at.is_some_and(|t| now >= t) {
            Some(Timer::InactivityWarning)
        } else if self.result_until.is_some_and(|t| now >= t) {
            Some(Timer::ResultShown)
        } else {
            None
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        while let Some(timer) = self.due_timer(now) {
            match timer {
                Timer::InactivityWarning => {
                    self.warned = true;
                    self.screen_changed = true;
                }
                Timer::Inactivity => self.finish(now, ResultView::Ended),
                Timer::ResultShown => {
                    self.result_until = None;
                    match &self.state {
                        State::RegistrationDone(m) => {
                            let m = *m;
                            self.start_consent(now, m);
                        }
                        _ => self.go(now, State::TakeCard),
                    }
                }
            }
        }
    }

    /// Reacts to one input at `now`.
    pub fn handle_input(&mut self, now: Duration, input: Input) {
        match input {
            Input::CardRemoved => return self.card_removed(),
            Input::ReaderLost => {
                self.card_removed();
                self.state = State::ReaderUnavailable;
                self.screen_changed = true;
                return;
            }
            Input::ReaderReady if matches!(self.state, State::ReaderUnavailable) => {
                self.state = State::Idle;
                self.screen_changed = true;
                return;
            }
            Input::User(Touch::KeepAlive | Touch::Language | Touch::Repeat | Touch::LargeText) => {
                return self.touched(now);
            }
            Input::User(Touch::MoreTime) => {
                self.more_time = true;
                return self.touched(now);
            }
            Input::User(Touch::End) if !matches!(self.state, State::Idle | State::TakeCard | State::Result(_)) => {
                return self.finish(now, ResultView::Ended);
            }
            Input::Staff(StaffEvent::StartVisualCheck) if self.can_switch_to_visual() => {
                if matches!(self.state, State::Face) {
                    self.actions.push_back(Action::StopFaceCapture);
                }
                return self.when_card_face_ready(now, Waiting::Visual);
            }
            _ => {}
        }
        if matches!(input, Input::User(_)) {
            self.touched(now);
        }
        self.transition(now, input);
    }

    fn transition(&mut self, now: Duration, input: Input) {
        match (&self.state, input) {
            (State::Idle, Input::CardInserted) => {
                self.actions.push_back(Action::ReadCard);
                self.go(now, State::Reading);
            }
            (State::Reading, Input::CardRead(Ok(facts))) => {
                self.tries = facts.pin_tries;
                self.facts = Some(facts);
                self.actions.push_back(Action::ReadCardFace);
                self.card_face = CardFaceState::Reading;
                self.go(now, State::MethodSelect);
            }
            (_, Input::CardFace { outcome, face_only }) if self.card_face == CardFaceState::Reading => {
                self.card_face_read(now, outcome, face_only)
            }
            (State::Reading, Input::CardRead(Err(problem))) => self.go(now, State::CardProblem(problem)),
            // After two failed checks the staff's check comes first: no third try.
            (State::MethodSelect | State::FaceFailed(_) | State::PinBlocked, Input::User(Touch::Face))
                if !matches!(self.state, State::FaceFailed(FaceFailure::FailedTwice)) =>
            {
                self.when_card_face_ready(now, Waiting::Face)
            }
            (State::MethodSelect | State::FaceFailed(_), Input::User(Touch::Pin)) if self.pin_offered() => {
                self.start_pin(now, false)
            }
            (State::MethodSelect | State::FaceFailed(_) | State::PinBlocked, Input::User(Touch::Visual)) => {
                self.when_card_face_ready(now, Waiting::Visual)
            }
            (State::Face, Input::FaceGuidance(g)) => {
                self.face_live.guidance = Some(g);
                self.screen_changed = true;
            }
            (State::Face, Input::FaceChallenge(c)) => {
                self.face_live = types::FaceLive { guidance: None, challenge: c };
                self.screen_changed = true;
            }
            (State::Face, Input::FaceDone(outcome)) => self.face_done(now, outcome),
            (State::Pin { .. }, Input::User(Touch::Digit(d))) if d <= 9 => self.pin_digit(now, d),
            (State::Pin { .. }, Input::User(Touch::Backspace)) => {
                self.pin.pop();
                self.screen_changed = true;
            }
            (State::Pin { .. }, Input::User(Touch::Cancel)) => {
                self.pin.clear();
                self.go(now, State::MethodSelect);
            }
            (State::PinChecking, Input::PinResult(result)) => match result {
                PinResult::Correct => self.authenticate(now, Method::Pin),
                PinResult::Wrong(left) => {
                    self.tries = left;
                    self.start_pin(now, true);
                }
                PinResult::Blocked => {
                    self.tries = 0;
                    self.go(now, State::PinBlocked);
                }
                PinResult::CardRemoved => self.card_removed(),
                PinResult::CardError => {
                    self.pin.clear();
                    self.go(now, State::CardProblem(CardProblem::Unreadable));
                }
                PinResult::NotOffered => {
                    self.pin.clear();
                    self.go(now, State::MethodSelect);
                }
            },
            (State::VisualCheck, Input::Staff(StaffEvent::Confirm)) => self.authenticate(now, Method::Visual),
            (State::VisualCheck, Input::Staff(StaffEvent::Reject)) => {
                self.show_result(now, ResultView::RejectedByStaff)
            }
            (State::Authenticating(m), Input::Host(answer)) => {
                let m = *m;
                match answer {
                    HostAnswer::Eligible { registered: true } => self.start_consent(now, m),
                    HostAnswer::Eligible { registered: false } => self.go(now, State::Registration(m)),
                    HostAnswer::Refused { code, message } => {
                        self.show_result(now, ResultView::Refused { code, message })
                    }
                    HostAnswer::Unavailable => self.host_down(now),
                }
            }
            (State::Registration(m), Input::User(touch @ (Touch::Register | Touch::SkipRegistration))) => {
                let (m, yes) = (*m, touch == Touch::Register);
                if yes {
                    self.actions.push_back(Action::SendRegistration);
                    self.go(now, State::Registering(m));
                } else {
                    self.show_result(now, ResultView::NotRegistered);
                }
            }
            (State::Registering(m), Input::HostStored(stored)) => {
                let m = *m;
                match stored {
                    Ok(()) => {
                        self.go(now, State::RegistrationDone(m));
                        self.result_until = Some(now + self.timeout(self.cfg.result_display));
                    }
                    Err(()) => self.host_down(now),
                }
            }
            (State::Consent { .. }, Input::User(touch @ (Touch::Agree | Touch::Disagree))) => {
                self.answer(now, touch == Touch::Agree)
            }
            (State::Saving(m), Input::HostStored(stored)) => {
                let m = *m;
                match stored {
                    Ok(()) => self.show_result(now, ResultView::Done { method: m }),
                    Err(()) => self.host_down(now),
                }
            }
            // Anything else is stale (a late answer after a change of screen) or
            // not allowed here (a PIN key on a face-auth-only card): ignore it.
            _ => {}
        }
    }

    fn can_switch_to_visual(&self) -> bool {
        matches!(
            self.state,
            State::MethodSelect | State::Face | State::FaceFailed(_) | State::Pin { .. } | State::PinBlocked
        ) && self.visual_offered()
    }

    fn go(&mut self, now: Duration, state: State) {
        self.state = state;
        self.screen_changed = true;
        self.warned = false;
        if self.state.patient_facing() {
            self.arm_inactivity(now);
        } else {
            self.warning_at = None;
            self.reset_at = None;
        }
    }

    /// A timeout of this session: doubled when the patient asked for more time.
    fn timeout(&self, length: Duration) -> Duration {
        if self.more_time { length.saturating_mul(2) } else { length }
    }

    fn arm_inactivity(&mut self, now: Duration) {
        let reset = now + self.timeout(self.cfg.inactivity_timeout);
        self.reset_at = Some(reset);
        self.warning_at = Some(reset.saturating_sub(self.timeout(self.cfg.inactivity_warning)));
    }

    fn touched(&mut self, now: Duration) {
        if self.state.patient_facing() {
            if self.warned {
                self.warned = false;
                self.screen_changed = true;
            }
            self.arm_inactivity(now);
        }
    }

    fn start_visual_check(&mut self, now: Duration) {
        self.stop_face_capture();
        self.pin.clear();
        self.actions.push_back(Action::RequestVisualCheck);
        self.go(now, State::VisualCheck);
    }

    fn authenticate(&mut self, now: Duration, method: Method) {
        self.actions.push_back(Action::Authenticate(method));
        self.go(now, State::Authenticating(method));
    }

    fn host_down(&mut self, now: Duration) {
        self.actions.push_back(Action::AlertStaffHostDown);
        self.go(now, State::HostUnavailable);
        self.result_until = Some(now + self.timeout(self.cfg.result_display));
    }

    fn show_result(&mut self, now: Duration, result: ResultView) {
        self.go(now, State::Result(result));
        self.result_until = Some(now + self.timeout(self.cfg.result_display));
    }

    /// Ends the session while the card is still placed: result, then "take your card".
    fn finish(&mut self, now: Duration, result: ResultView) {
        self.stop_face_capture();
        self.pin.clear();
        match self.state {
            State::Idle => {}
            State::Reading | State::CardProblem(_) => self.go(now, State::TakeCard),
            _ => self.show_result(now, result),
        }
    }

    /// The card left: abort whatever was happening, spend nothing, back to idle.
    fn card_removed(&mut self) {
        if matches!(self.state, State::Idle | State::ReaderUnavailable) {
            return;
        }
        self.stop_face_capture();
        self.actions.push_back(Action::EndSession);
        self.pin.clear();
        self.facts = None;
        self.card_face = CardFaceState::Unknown;
        self.tries = 0;
        self.face_live = types::FaceLive::default();
        self.result_until = None;
        self.warning_at = None;
        self.reset_at = None;
        self.warned = false;
        self.more_time = false;
        self.face_failures = 0;
        self.state = State::Idle;
        self.screen_changed = true;
    }
}
