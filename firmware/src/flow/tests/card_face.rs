//! The card face read in the background: method select comes first, the
//! face check waits for the record, an unreadable face leaves the PIN,
//! and the 「顔認証」 mark withdraws the PIN.

use super::*;

#[test]
fn method_select_shows_before_the_card_face_is_read_and_the_pin_button_after() {
    let mut h = Harness::new();
    h.placed_reading(adult().facts);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: false });
    h.card_face(CardFaceOutcome::Ready { birth_date: adult().birth }, false);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: true });
}

#[test]
fn tapping_face_while_the_card_face_is_read_waits_then_starts_the_check() {
    let mut h = Harness::new();
    h.placed_reading(adult().facts);
    h.user(Touch::Face);
    assert_eq!(h.view(), &View::Reading);
    assert!(!h.has_action(|a| matches!(a, Action::StartFaceCapture)));
    h.card_face(CardFaceOutcome::Ready { birth_date: adult().birth }, false);
    assert!(h.has_action(|a| matches!(a, Action::StartFaceCapture)));
    assert_eq!(h.view(), &View::FaceCapture { guidance: None, challenge: None });
}

#[test]
fn an_unreadable_card_face_says_why_and_leaves_the_pin() {
    let mut h = Harness::new();
    h.placed_reading(adult().facts);
    h.user(Touch::Face);
    h.card_face(CardFaceOutcome::NotRead(CardFaceProblem::Thumb), false);
    assert_eq!(
        h.view(),
        &View::FaceFailed { reason: FaceFailure::CardFaceCovered, pin_offered: true, visual_offered: false }
    );
    h.user(Touch::Visual);
    assert!(!h.has_action(|a| matches!(a, Action::RequestVisualCheck)), "no record: no visual check");
    h.user(Touch::Pin);
    assert!(matches!(h.view(), View::PinEntry { .. }));
}

#[test]
fn trying_the_face_again_reads_the_card_face_again() {
    let mut h2 = Harness::new();
    h2.placed_reading(adult().facts);
    h2.card_face(CardFaceOutcome::NotRead(CardFaceProblem::Glare), false);
    h2.user(Touch::Face);
    assert!(h2.has_action(|a| matches!(a, Action::ReadCardFace)));
    assert_eq!(h2.view(), &View::Reading);
    h2.card_face(CardFaceOutcome::Ready { birth_date: adult().birth }, false);
    assert!(h2.has_action(|a| matches!(a, Action::StartFaceCapture)));
}

#[test]
fn a_card_face_marked_face_auth_only_withdraws_the_pin_even_mid_entry() {
    let mut h = Harness::new();
    h.placed_reading(adult().facts);
    h.user(Touch::Pin);
    h.pin("12");
    h.card_face(CardFaceOutcome::Ready { birth_date: adult().birth }, true);
    assert_eq!(h.view(), &View::MethodSelect { pin_offered: false });
    h.user(Touch::Pin);
    h.pin("1234");
    assert!(!h.has_action(|a| matches!(a, Action::VerifyPin(_))), "a PIN was sent for a face-auth-only card");
}

#[test]
fn a_pin_refused_for_a_face_auth_only_card_returns_to_method_select_without_the_pin() {
    let mut h = Harness::new();
    h.placed(adult());
    h.user(Touch::Pin);
    h.pin("1234");
    h.input(Input::PinResult(PinResult::NotOffered));
    assert!(matches!(h.view(), View::MethodSelect { .. }));
}

#[test]
fn without_the_record_the_age_is_unknown_and_question_three_is_asked() {
    let mut h = Harness::new();
    h.placed_reading(facts(2000, 3, false).facts);
    h.card_face(CardFaceOutcome::NotRead(CardFaceProblem::PlaceAgain), false);
    h.user(Touch::Pin);
    h.pin("1234");
    h.input(Input::PinResult(PinResult::Correct));
    h.input(Input::Host(HostAnswer::Eligible { registered: true }));
    assert_eq!(consent_all(&mut h, false).len(), 3);
}

#[test]
fn a_late_card_face_answer_after_the_card_left_is_ignored() {
    let mut h = Harness::new();
    h.placed_reading(adult().facts);
    h.input(Input::CardRemoved);
    h.card_face(CardFaceOutcome::Ready { birth_date: adult().birth }, false);
    assert_eq!(h.view(), &View::Idle);
}
