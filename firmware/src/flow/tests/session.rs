//! The rest of a session: consent, registration, the terminal, a card
//! pulled away, a reader gone, timeouts and 終了する.

use super::*;

#[test]
fn question_three_is_asked_only_from_the_fortieth_birthday() {
    let cases = [(jiff::civil::date(1986, 11, 22), 3), (jiff::civil::date(1986, 11, 23), 2)];
    for (birth, asked) in cases {
        let mut h = Harness::new();
        h.placed(Placed { birth, ..adult() });
        h.user(Touch::Face);
        h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
        h.input(Input::Host(HostAnswer::Eligible { registered: true }));
        assert_eq!(consent_all(&mut h, false).len(), asked, "born {birth:?}");
    }
}

#[test]
fn only_the_facilitys_enabled_questions_are_asked() {
    let cfg = FlowConfig { consent_questions: vec![ConsentQuestion::TreatmentAndMedication], ..FlowConfig::default() };
    let mut h = Harness::with(cfg);
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
    h.input(Input::Host(HostAnswer::Eligible { registered: true }));
    assert_eq!(consent_all(&mut h, true), vec![(ConsentQuestion::TreatmentAndMedication, true)]);
}

#[test]
fn an_unregistered_card_is_offered_registration_then_consent() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
    h.input(Input::Host(HostAnswer::Eligible { registered: false }));
    assert_eq!(h.view(), &View::Registration);
    h.user(Touch::Register);
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
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
    h.input(Input::Host(HostAnswer::Eligible { registered: false }));
    h.user(Touch::SkipRegistration);
    assert_eq!(h.view(), &View::Result(ResultView::NotRegistered));
    assert!(!h.has_action(|a| matches!(a, Action::SendRegistration)));
}

#[test]
fn a_refusal_from_the_terminal_is_shown_with_its_code() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
    let (code, message) = ("006".to_owned(), "電子証明書の有効期限が切れています".to_owned());
    h.input(Input::Host(HostAnswer::Refused { code: code.clone(), message: message.clone() }));
    assert_eq!(h.view(), &View::Result(ResultView::Refused { code, message }));
}

#[test]
fn a_terminal_that_is_down_tells_the_patient_and_alerts_staff() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
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
            h.user(Touch::Face);
        }),
        ("pin entry", |h| {
            h.placed(adult());
            h.user(Touch::Pin);
            h.pin("12");
        }),
        ("pin checking", |h| {
            h.placed(adult());
            h.user(Touch::Pin);
            h.pin("1234");
        }),
        ("visual check", |h| {
            h.placed(adult());
            h.user(Touch::Visual);
        }),
        ("authenticating", |h| {
            h.placed(adult());
            h.user(Touch::Face);
            h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
        }),
        ("consent", |h| {
            h.placed(adult());
            h.user(Touch::Face);
            h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
            h.input(Input::Host(HostAnswer::Eligible { registered: true }));
            h.user(Touch::Agree);
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
        assert_eq!(h.flow.poll_timeout(), None, "{name}: no timer left");
        // Late taps and a late answer from the old session change nothing
        // and send nothing.
        h.pin("5678");
        h.input(Input::PinResult(PinResult::Wrong(2)));
        h.input(Input::Host(HostAnswer::Eligible { registered: true }));
        assert_eq!(h.view(), &View::Idle, "{name}");
        assert_eq!(h.pins_sent(), Vec::<String>::new(), "{name}: a PIN was sent after the card was pulled");
        // The next patient's PIN is theirs alone, with every try left.
        h.fresh_pin_session_sends_exactly("9012");
        assert!(matches!(h.view(), View::PinChecking), "{name}");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_session_and_idle_returns_with_it() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Pin);
    h.pin("12");
    h.take_actions();
    h.input(Input::ReaderLost);
    assert_eq!(h.view(), &View::ReaderUnavailable);
    assert!(h.has_action(|a| matches!(a, Action::EndSession)));
    assert_eq!(h.flow.poll_timeout(), None);
    // Nothing a patient does can start a session without a reader.
    h.input(Input::CardInserted);
    h.user(Touch::Digit(3));
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
            h.user(Touch::Pin);
        },
        |h| {
            h.placed(adult());
            h.user(Touch::Face);
            h.input(Input::FaceDone(Outcome::Inconclusive(InconclusiveReason::NoFrames)));
        },
        |h| {
            h.placed(adult());
            h.user(Touch::Face);
            h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
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
    h.user(Touch::KeepAlive);
    assert!(!h.warning());
    h.drive_bounded(secs(40));
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
}

#[test]
fn more_time_chosen_at_idle_doubles_every_timeout_of_that_session_only() {
    let mut h = Harness::new();
    h.user(Touch::MoreTime);
    h.placed(adult());
    // Warned at 120 − 30 s instead of 60 − 15 s.
    h.drive_bounded(secs(89));
    assert!(!h.warning(), "warned before the doubled warning time");
    h.drive_bounded(secs(2));
    assert!(h.warning());
    h.drive_bounded(secs(28));
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true }, "reset before the doubled timeout");
    h.drive_bounded(secs(2));
    assert_eq!(h.view(), &View::Result(ResultView::Ended));
    // The result (shown at 120 s) stays 10 s, not 5.
    h.drive_bounded(secs(7));
    assert_eq!(h.view(), &View::Result(ResultView::Ended));
    h.drive_bounded(secs(3));
    assert_eq!(h.view(), &View::TakeCard);
    h.input(Input::CardRemoved);
    // The next patient has the standard time again.
    h.placed(adult());
    h.drive_bounded(secs(46));
    assert!(h.warning(), "the next patient kept the doubled time");
}

#[test]
fn more_time_asked_for_mid_session_rearms_the_longer_timeout_at_once() {
    let mut h = Harness::new();
    h.placed(adult());
    h.drive_bounded(secs(50));
    assert!(h.warning());
    h.user(Touch::MoreTime);
    assert!(!h.warning());
    h.drive_bounded(secs(115));
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
}

#[test]
fn end_works_from_every_step_while_the_card_is_placed() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.user(Touch::End);
    assert!(h.has_action(|a| matches!(a, Action::StopFaceCapture)));
    assert_eq!(h.view(), &View::Result(ResultView::Ended));
    h.drive();
    assert_eq!(h.view(), &View::TakeCard);
    for setup in [
        |h: &mut Harness| h.placed(adult()),
        |h: &mut Harness| {
            h.placed(adult());
            h.user(Touch::Pin);
            h.pin("123");
        },
    ] {
        let mut h = Harness::new();
        setup(&mut h);
        h.user(Touch::End);
        assert_eq!(h.view(), &View::Result(ResultView::Ended));
        // A fourth digit tapped after 終了 does not complete the old PIN.
        h.user(Touch::Digit(4));
        assert_eq!(h.pins_sent(), Vec::<String>::new(), "a partial PIN was completed after 終了");
        h.drive();
        h.input(Input::CardRemoved);
        h.fresh_pin_session_sends_exactly("5678");
    }
}

#[test]
fn the_years_since_a_birth_date_count_from_the_birthday() {
    let birth = jiff::civil::date(1986, 11, 22);
    assert_eq!(whole_years(birth, TODAY), 40);
    assert_eq!(whole_years(birth, jiff::civil::date(2026, 11, 21)), 39);
}

#[test]
fn staff_cannot_start_a_visual_check_with_no_patient_or_while_the_card_checks_the_pin() {
    let mut h = Harness::new();
    h.placed(adult());
    h.input(Input::CardRemoved);
    h.take_actions();
    h.input(Input::Staff(StaffEvent::StartVisualCheck));
    assert_eq!(h.view(), &View::Idle);
    assert!(!h.has_action(|a| matches!(a, Action::RequestVisualCheck)), "a visual check with no patient");
    h.placed(adult());
    h.user(Touch::Pin);
    h.pin("1234");
    assert_eq!(h.view(), &View::PinChecking);
    h.take_actions();
    h.input(Input::Staff(StaffEvent::StartVisualCheck));
    assert_eq!(h.view(), &View::PinChecking, "the PIN's answer from the card was abandoned");
    assert!(!h.has_action(|a| matches!(a, Action::RequestVisualCheck)));
}

#[test]
fn a_reader_reported_ready_during_a_session_changes_nothing() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Pin);
    h.pin("12");
    h.input(Input::ReaderReady);
    assert!(matches!(h.view(), View::PinEntry { entered: 2, .. }), "{:?}", h.view());
}

#[test]
fn end_does_nothing_where_there_is_no_session_to_end() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::End);
    assert_eq!(h.view(), &View::Result(ResultView::Ended));
    h.take_actions();
    h.user(Touch::End);
    assert_eq!(h.view(), &View::Result(ResultView::Ended));
    assert!(!h.has_action(|a| matches!(a, Action::EndSession)), "the ended session was ended again");
    h.drive();
    assert_eq!(h.view(), &View::TakeCard);
    h.user(Touch::End);
    assert_eq!(h.view(), &View::TakeCard, "終了 on 'take your card' brought the result back");
    h.input(Input::CardRemoved);
    h.take_actions();
    h.user(Touch::End);
    assert_eq!(h.view(), &View::Idle);
    assert!(h.take_actions().is_empty(), "End at idle did something");
}

#[test]
fn a_second_card_face_answer_for_the_same_card_changes_nothing() {
    let mut h = Harness::new();
    h.placed(adult());
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
    // A late or repeated answer claiming a face-auth-only card is ignored.
    h.card_face(CardFaceOutcome::Ready { birth_date: jiff::civil::date(2010, 1, 1) }, true);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
    h.user(Touch::Pin);
    assert!(matches!(h.view(), View::PinEntry { .. }), "{:?}", h.view());
}

#[test]
fn a_key_that_is_not_a_digit_is_not_typed_into_the_pin() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Pin);
    h.user(Touch::Digit(12));
    assert!(matches!(h.view(), View::PinEntry { entered: 0, .. }), "{:?}", h.view());
    h.pin("1234");
    assert_eq!(h.pins_sent(), vec!["1234"]);
}

#[test]
fn end_while_the_card_is_read_or_cannot_be_asks_for_the_card_back() {
    let mut h = Harness::new();
    h.input(Input::CardInserted);
    assert_eq!(h.view(), &View::Reading);
    h.user(Touch::End);
    assert_eq!(h.view(), &View::TakeCard, "終了 while reading showed a result");
    h.input(Input::CardRemoved);
    h.input(Input::CardInserted);
    h.input(Input::CardRead(Err(CardProblem::Unreadable)));
    assert!(matches!(h.view(), View::CardProblem { .. }));
    h.user(Touch::End);
    assert_eq!(h.view(), &View::TakeCard, "終了 on a card problem showed a result");
}
