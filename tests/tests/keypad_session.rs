//! The physical keypad (issue 15, done-when 2): a face session and a PIN
//! session — a wrong PIN and the last-try warning among it — done with key
//! events only, on Slint's testing backend with the real screens, the real
//! session flow (sans-IO, its card and terminal answered by the test) and
//! the real voice guide (its speaker replaced by a recorder). Every move of
//! the focus must be spoken: the button's name, in the screen's language.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::ComponentHandle;
use slint::platform::WindowEvent;
use uketsuke_firmware::face::decision::Outcome;
use uketsuke_firmware::flow::Flow;
use uketsuke_firmware::flow::types::{Action, CardFaceOutcome, CardFacts, FlowConfig, HostAnswer, Input, PinResult};
use uketsuke_screen::{ResultView, Touch, View};
use uketsuke_ui::keypad::{KeyMap, attach};
use uketsuke_ui::speech::guide::VoiceGuide;
use uketsuke_ui::speech::player::Utter;
use uketsuke_ui::{App, Kiosk};

/// The voice, recorded instead of played.
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Utter for Recorder {
    fn say(&self, _lang: &str, text: &str) {
        self.0.lock().unwrap().push(text.to_owned());
    }
    fn stop(&self) {}
}

struct Reception {
    app: App,
    flow: Flow,
    guide: Rc<RefCell<VoiceGuide>>,
    spoken: Recorder,
    touches: Rc<RefCell<Vec<Touch>>>,
    pin_answers: VecDeque<PinResult>,
    pins_sent: Vec<String>,
    view: View,
    focus_moves: usize,
}

impl Reception {
    fn new(app: App) -> Self {
        let spoken = Recorder::default();
        let guide = Rc::new(RefCell::new(VoiceGuide::new(spoken.clone())));
        let touches = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&touches);
        // As the kiosk's window does: the voice hears each touch first.
        let (touch_guide, weak) = (Rc::clone(&guide), app.as_weak());
        uketsuke_ui::on_touch(&app, move |t| {
            if let Some(app) = weak.upgrade() {
                touch_guide.borrow_mut().touched(&app, t);
            }
            sink.borrow_mut().push(t);
        });
        let focus_guide = Rc::clone(&guide);
        attach(&app, KeyMap::default(), move |app, label| focus_guide.borrow_mut().focused(app, label));
        let mut r = Self {
            app,
            flow: Flow::new(FlowConfig::default()),
            guide,
            spoken,
            touches,
            pin_answers: VecDeque::new(),
            pins_sent: Vec::new(),
            view: View::Idle,
            focus_moves: 0,
        };
        r.settle();
        r
    }

    fn last_spoken(&self) -> String {
        self.spoken.0.lock().unwrap().last().cloned().unwrap_or_default()
    }

    /// Runs the flow until it waits for the patient: touches in, the
    /// card's and terminal's answers, the screen shown and spoken.
    fn settle(&mut self) {
        loop {
            let touches: Vec<Touch> = self.touches.borrow_mut().drain(..).collect();
            for t in touches {
                self.flow.handle_input(Duration::ZERO, Input::User(t));
            }
            let mut answered = false;
            while let Some(action) = self.flow.poll_action() {
                if let Some(answer) = self.answer(action) {
                    self.flow.handle_input(Duration::ZERO, answer);
                    answered = true;
                }
            }
            if let Some(screen) = self.flow.poll_screen() {
                self.view = screen.view.clone();
                uketsuke_ui::show(&self.app.global::<Kiosk>(), &screen);
                self.guide.borrow_mut().shown(&self.app);
            }
            if !answered && self.touches.borrow().is_empty() {
                return;
            }
        }
    }

    fn answer(&mut self, action: Action) -> Option<Input> {
        Some(match action {
            Action::ReadCard => {
                Input::CardRead(Ok(CardFacts { face_only: false, pin_tries: 2, today: jiff::civil::date(2026, 12, 7) }))
            }
            Action::ReadCardFace => Input::CardFace {
                outcome: CardFaceOutcome::Ready { birth_date: jiff::civil::date(1971, 5, 12) },
                face_only: false,
            },
            Action::StartFaceCapture => {
                Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None })
            }
            Action::VerifyPin(pin) => {
                self.pins_sent.push(String::from_utf8_lossy(pin.expose()).into_owned());
                Input::PinResult(self.pin_answers.pop_front().expect("a VERIFY the test did not expect"))
            }
            Action::Authenticate(_) => Input::Host(HostAnswer::Eligible { registered: true }),
            Action::SendConsent(_) | Action::SendRegistration => Input::HostStored(Ok(())),
            _ => return None,
        })
    }

    fn key(&mut self, text: &str) {
        let window = self.app.window();
        window.dispatch_event(WindowEvent::KeyPressed { text: text.into() });
        window.dispatch_event(WindowEvent::KeyReleased { text: text.into() });
        self.settle();
    }

    /// Moves the focus to the button called `label` with the `+` key, and
    /// checks that every move was spoken.
    fn focus(&mut self, label: &str) {
        for _ in 0..12 {
            let before = self.spoken.0.lock().unwrap().len();
            self.key("+");
            self.focus_moves += 1;
            let focused = self.app.global::<Kiosk>().get_focused().to_string();
            assert!(!focused.is_empty(), "the + key focused nothing on {:?}", self.view);
            assert_eq!(self.spoken.0.lock().unwrap().len(), before + 1, "focusing {focused:?} was not spoken");
            assert_eq!(self.last_spoken(), focused, "the focus moved to one button and the voice named another");
            if focused == label {
                return;
            }
        }
        panic!("no button {label:?} on {:?}", self.view);
    }

    /// Focuses `label` and presses Enter.
    fn press(&mut self, label: &str) {
        self.focus(label);
        self.key("\n");
    }

    fn place_card(&mut self) {
        self.flow.handle_input(Duration::ZERO, Input::CardInserted);
        self.settle();
        assert!(matches!(self.view, View::MethodSelect { pin_offered: true }), "{:?}", self.view);
    }

    fn agree_to_every_question(&mut self) {
        for n in 1..=3 {
            assert!(matches!(self.view, View::Consent { number, .. } if number == n), "{:?}", self.view);
            if n == 1 {
                self.press("同意する");
            } else {
                // The focus stays on 同意する from one question to the next;
                // the new question is spoken.
                assert_eq!(self.app.global::<Kiosk>().get_focused(), "同意する");
                assert!(self.last_spoken().contains("同意しますか"), "{}", self.last_spoken());
                self.key("\n");
            }
        }
    }

    fn take_card(&mut self) {
        self.flow.handle_input(Duration::ZERO, Input::CardRemoved);
        self.settle();
    }
}

#[test]
fn a_face_session_and_a_pin_session_are_done_with_keys_alone_and_every_focus_is_spoken() {
    i_slint_backend_testing::init_no_event_loop();
    let app = App::new().unwrap();
    app.show().unwrap();
    let mut r = Reception::new(app);
    assert!(r.last_spoken().contains("マイナンバーカードを置いてください"), "{}", r.last_spoken());

    // A face session.
    r.place_card();
    assert!(r.last_spoken().contains("本人確認の方法を選んでください"), "{}", r.last_spoken());
    r.press("顔認証を行う");
    r.agree_to_every_question();
    assert!(matches!(r.view, View::Result(ResultView::Done { .. })), "{:?}", r.view);
    assert!(r.last_spoken().contains("受付が完了しました"), "{}", r.last_spoken());
    r.take_card();

    // A PIN session: a wrong PIN, the last-try warning, a digit deleted, the right PIN.
    r.place_card();
    // Backwards from nothing focused: the last button, the header's language button.
    r.key("-");
    assert_eq!(r.app.global::<Kiosk>().get_focused(), "言語 Language");
    assert_eq!(r.last_spoken(), "言語 Language");
    r.press("暗証番号を入力");
    assert!(matches!(r.view, View::PinEntry { .. }), "{:?}", r.view);
    r.pin_answers.push_back(PinResult::Wrong(1));
    for d in ["1", "2", "3", "5"] {
        r.key(d);
    }
    assert!(
        matches!(r.view, View::PinEntry { last_try_warning: true, previous_wrong: true, tries_left: 1, entered: 0 }),
        "{:?}",
        r.view
    );
    assert!(
        r.last_spoken().contains("次に間違えるとロックされます"),
        "the last-try warning was not spoken: {}",
        r.last_spoken()
    );
    r.key("9");
    assert!(r.last_spoken().contains("1桁入力済み"), "{}", r.last_spoken());
    r.key(".");
    r.pin_answers.push_back(PinResult::Correct);
    for d in ["1", "2", "3", "4"] {
        r.key(d);
    }
    assert_eq!(r.pins_sent, ["1235", "1234"], "a VERIFY with digits the patient did not just type");
    r.agree_to_every_question();
    assert!(matches!(r.view, View::Result(ResultView::Done { .. })), "{:?}", r.view);

    // No digit was ever spoken, only counts.
    let spoken = r.spoken.0.lock().unwrap().clone();
    assert!(!spoken.iter().any(|t| t.contains("1234") || t.contains("1235")), "{spoken:#?}");
    assert_eq!(r.focus_moves, 5, "the + moves, each checked as it happened (the - above too)");
    r.take_card();

    // The next patient reads Korean: `/` opens the language chooser, the
    // focus walks its choices (each named), Enter picks 한국어, and the
    // screen is spoken again in Korean.
    r.key("/");
    assert!(r.app.global::<Kiosk>().get_choosing_language());
    assert!(r.last_spoken().contains("言語を選んでください"), "{}", r.last_spoken());
    r.press("한국어");
    assert!(!r.app.global::<Kiosk>().get_choosing_language());
    assert_eq!(r.app.global::<Kiosk>().get_language(), uketsuke_ui::Language::Ko);
    assert!(r.last_spoken().contains("마이넘버 카드를 올려 주세요"), "{}", r.last_spoken());
}
