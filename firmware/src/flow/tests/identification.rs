//! Identification: face, PIN and the staff visual check.

use super::*;

#[test]
fn a_face_match_goes_through_consent_to_the_result_and_take_your_card() {
    let mut h = Harness::new();
    assert_eq!(h.view(), &View::Idle);
    h.placed(adult());
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
    h.user(Touch::Face);
    assert!(h.has_action(|a| matches!(a, Action::StartFaceCapture)));
    h.input(Input::FaceGuidance(Guidance::TooFar));
    assert_eq!(h.view(), &View::FaceCapture { guidance: Some(Guidance::TooFar), challenge: None });
    h.input(Input::FaceDone(Outcome::Match { score: 0.7, frames: 3, colour_frames: 3, challenge: None }));
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
    h.user(Touch::Pin);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: false }, "a PIN key must do nothing");
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::NoMatch { score: 0.2, frames: 3, reason: NoMatchReason::DifferentPerson }));
    assert_eq!(h.view(), &View::FaceFailed { reason: FaceFailure::NoMatch, pin_offered: false, visual_offered: true });
    h.user(Touch::Pin);
    // Four digits tapped where a PIN pad would be: none reaches the card.
    h.pin("1234");
    assert_eq!(h.pins_sent(), Vec::<String>::new(), "a face-auth-only card was sent a PIN");
    assert!(matches!(h.view(), View::FaceFailed { pin_offered: false, .. }));
}

#[test]
fn a_second_failed_face_check_offers_the_staff_check_first_and_no_third_try() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Inconclusive(InconclusiveReason::Guidance(Guidance::TooLow))));
    assert_eq!(
        h.view(),
        &View::FaceFailed { reason: FaceFailure::Inconclusive, pin_offered: true, visual_offered: true }
    );
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::NoMatch { score: 0.2, frames: 3, reason: NoMatchReason::DifferentPerson }));
    assert_eq!(
        h.view(),
        &View::FaceFailed { reason: FaceFailure::FailedTwice, pin_offered: true, visual_offered: true }
    );
    h.take_actions();
    h.user(Touch::Face);
    assert!(!h.has_action(|a| matches!(a, Action::StartFaceCapture)), "a third face check was started");
    h.user(Touch::Visual);
    assert!(h.has_action(|a| matches!(a, Action::RequestVisualCheck)));
    // The next patient starts with no failures.
    h.input(Input::CardRemoved);
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Inconclusive(InconclusiveReason::Guidance(Guidance::TooLow))));
    assert!(matches!(h.view(), View::FaceFailed { reason: FaceFailure::Inconclusive, .. }));
}

#[test]
fn an_inconclusive_face_offers_the_pin_or_a_visual_check() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::Inconclusive(InconclusiveReason::Guidance(Guidance::TooDark))));
    assert_eq!(
        h.view(),
        &View::FaceFailed { reason: FaceFailure::Inconclusive, pin_offered: true, visual_offered: true }
    );
    h.user(Touch::Pin);
    assert!(matches!(h.view(), View::PinEntry { tries_left: 3, .. }));
}

#[test]
fn a_presentation_attack_offers_only_the_staff_check() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceDone(Outcome::NoMatch { score: 0.95, frames: 1, reason: NoMatchReason::PresentationAttack }));
    assert_eq!(
        h.view(),
        &View::FaceFailed { reason: FaceFailure::PresentationAttack, pin_offered: false, visual_offered: true }
    );
    h.user(Touch::Visual);
    assert_eq!(h.view(), &View::VisualCheck);
}

#[test]
fn the_pin_shows_tries_warns_before_the_last_and_a_wrong_pin_comes_back() {
    let mut h = Harness::new();
    h.placed(facts(1980, 2, false));
    h.user(Touch::Pin);
    assert_eq!(h.view(), &View::PinEntry { entered: 0, tries_left: 2, last_try_warning: false, previous_wrong: false });
    h.pin("12");
    assert!(matches!(h.view(), View::PinEntry { entered: 2, .. }));
    h.user(Touch::Backspace);
    h.pin("000");
    assert_eq!(h.pins_sent(), vec!["1000"], "exactly the four digits typed, sent once");
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
    h.user(Touch::Pin);
    assert_eq!(h.view(), &View::PinBlocked);
    // Digits tapped on the blocked screen never reach the card.
    h.pin("1234");
    assert_eq!(h.pins_sent(), Vec::<String>::new(), "a blocked PIN was tried");
    assert_eq!(h.view(), &View::PinBlocked);
    h.user(Touch::Visual);
    assert_eq!(h.view(), &View::VisualCheck);
}

#[test]
fn a_card_error_during_the_pin_check_says_the_card_cannot_be_read_not_that_it_was_removed() {
    let mut h = Harness::new();
    h.placed(facts(1980, 3, false));
    h.user(Touch::Pin);
    h.pin("1234");
    h.input(Input::PinResult(PinResult::CardError));
    assert_eq!(h.view(), &View::CardProblem { problem: CardProblem::Unreadable });
    assert!(!h.has_action(|a| matches!(a, Action::EndSession)), "the card is still there: nothing ends yet");
}

#[test]
fn the_third_wrong_pin_leads_to_the_blocked_screen() {
    let mut h = Harness::new();
    h.placed(facts(1980, 1, false));
    h.user(Touch::Pin);
    h.pin("9999");
    h.input(Input::PinResult(PinResult::Blocked));
    assert_eq!(h.view(), &View::PinBlocked);
}

#[test]
fn cancel_on_the_keypad_returns_to_method_select_and_forgets_the_digits() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Pin);
    h.pin("12");
    h.user(Touch::Cancel);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
    h.user(Touch::Pin);
    assert!(matches!(h.view(), View::PinEntry { entered: 0, .. }));
}

#[test]
fn staff_can_start_a_visual_check_and_confirm_or_reject() {
    for confirm in [true, false] {
        let mut h = Harness::new();
        h.placed(adult());
        h.user(Touch::Face);
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
fn the_movement_asked_for_replaces_the_guidance_and_a_failed_challenge_offers_the_other_ways() {
    use uketsuke_screen::Challenge;
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Face);
    h.input(Input::FaceGuidance(Guidance::Mask));
    assert_eq!(h.view(), &View::FaceCapture { guidance: Some(Guidance::Mask), challenge: None });
    h.input(Input::FaceChallenge(Some(Challenge::TurnLeft)));
    assert_eq!(h.view(), &View::FaceCapture { guidance: None, challenge: Some(Challenge::TurnLeft) });
    h.input(Input::FaceDone(Outcome::NoMatch { score: 0.6, frames: 2, reason: NoMatchReason::ChallengeFailed }));
    assert_eq!(
        h.view(),
        &View::FaceFailed { reason: FaceFailure::ChallengeFailed, pin_offered: true, visual_offered: true }
    );
    // Another try shows no movement until the new check asks for one.
    h.user(Touch::Face);
    assert_eq!(h.view(), &View::FaceCapture { guidance: None, challenge: None });
}
