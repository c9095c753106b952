//! The whole kiosk, end to end: `uketsuke-sim-kiosk --headless --script` with
//! the real pcscd + vpcd (a private instance per test), the virtual camera
//! through the real face models, and the virtual reception terminal over
//! HTTP on 127.0.0.1. Each test runs one script of `tests/scenarios/` and
//! checks the transcript and what the terminal recorded.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::Value;
use uketsuke_tests::kiosk::{Transcript, run_scenario, run_scenario_logging};
use uketsuke_tests::sandbox;
use uketsuke_tests::terminal::TerminalServer;

/// Runs `name` against a fresh pcscd and terminal; panics with the
/// transcript and logs unless the script went as written.
fn scenario(name: &str) -> (Transcript, Value) {
    let sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let t = run_scenario(&sb, Some(&terminal.link()), name).unwrap();
    assert!(t.output.status.success(), "{name} did not go as written:\n{}\n--- logs ---\n{}", t.text, t.logs);
    (t, terminal.records().unwrap())
}

fn answers(records: &Value, i: usize) -> Vec<(String, bool)> {
    records["consents"][i]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["question"].as_str().unwrap().to_owned(), a["agree"].as_bool().unwrap()))
        .collect()
}

fn q(name: &str, agree: bool) -> (String, bool) {
    (name.to_owned(), agree)
}

#[test]
fn a_matching_face_leads_through_consent_to_eligibility() {
    let (t, records) = scenario("face-match.txt");
    assert_eq!(t.outcome(), "result=done method=face");
    assert!(t.has("host", "authenticate face → eligible registered=true"), "{}", t.text);
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
    assert_eq!(
        answers(&records, 0),
        [q("surgery", true), q("treatment_and_medication", true), q("health_checkups", false)]
    );
    assert!(records["registrations"].as_array().unwrap().is_empty());
}

#[test]
fn a_face_that_does_not_match_falls_back_to_the_pin() {
    let (t, records) = scenario("face-fail-then-pin.txt");
    assert_eq!(t.outcome(), "result=done method=pin");
    assert!(t.has("user", "pin ●●●●") && !t.text.contains("1234"), "the PIN reached the transcript");
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_face_auth_only_card_is_confirmed_by_staff_through_the_staff_api() {
    let (t, records) = scenario("face-only-visual-check.txt");
    assert_eq!(t.outcome(), "result=done method=visual");
    assert!(t.has("staff", "confirm → 202"), "{}", t.text);
    assert!(t.has("host", "authenticate visual → eligible"), "{}", t.text);
    assert!(!t.text.contains("pin_entry"), "a face-auth-only card was offered the PIN");
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_patient_who_turns_as_asked_passes_the_liveness_challenge() {
    let (t, records) = scenario("face-challenge-turn.txt");
    assert_eq!(t.outcome(), "result=done method=face");
    assert!(t.has("screen", "face_capture challenge=turn_left"), "{}", t.text);
    assert_eq!(records["authentications"][0]["liveness"]["challenge"], "turn_left", "{records}");
}

#[test]
fn a_patient_who_does_not_make_the_movement_is_offered_the_other_ways() {
    let (t, _) = scenario("face-challenge-failed.txt");
    assert_eq!(t.outcome(), "result=done method=pin");
    assert!(t.has("screen", "reason=challenge_failed"), "{}", t.text);
    assert!(!t.has("host", "authenticate face"), "a face that failed the challenge reached the terminal");
}

#[test]
fn a_colour_print_of_the_card_holder_is_refused() {
    let (t, _) = scenario("colour-print-refused.txt");
    assert_eq!(t.outcome(), "result=done method=visual");
    assert!(t.has("screen", "reason=presentation_attack") || t.has("screen", "reason=challenge_failed"), "{}", t.text);
    assert!(!t.has("host", "authenticate face"), "a print reached the terminal as a face");
}

#[test]
fn a_patient_in_a_mask_is_asked_to_take_it_off_and_then_matched() {
    let (t, _) = scenario("mask-removed.txt");
    assert_eq!(t.outcome(), "result=done method=face");
    let masked = t.text.lines().position(|l| l.starts_with("screen") && l.contains("guidance=mask"));
    let decided = t.text.lines().position(|l| l.starts_with("host") && l.contains("authenticate face"));
    assert!(matches!((masked, decided), (Some(m), Some(d)) if m < d), "{}", t.text);
}

#[test]
fn a_wheelchair_user_below_the_camera_gets_the_height_guidance_then_the_staff_check() {
    let (t, records) = scenario("seated-low-visual-offer.txt");
    assert_eq!(t.outcome(), "result=done method=visual");
    assert!(t.has("screen", "face_capture guidance=too_low"), "{}", t.text);
    assert!(t.has("screen", "reason=failed_twice"), "{}", t.text);
    assert!(!t.has("host", "authenticate face"), "a face the camera could not see whole was decided on");
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
}

#[test]
fn staff_can_start_a_visual_check_and_reject_the_patient() {
    let (t, records) = scenario("staff-start-visual-check.txt");
    assert_eq!(t.outcome(), "result=rejected_by_staff");
    assert!(!t.has("host", "authenticate"), "a rejected patient reached the terminal");
    assert!(records["consents"].as_array().unwrap().is_empty());
}

#[test]
fn two_wrong_pins_then_the_right_one_is_accepted() {
    let (t, records) = scenario("wrong-pin-twice.txt");
    assert_eq!(t.outcome(), "result=done method=pin");
    assert!(
        t.has("screen", "pin_entry entered=0 last_try_warning=true previous_wrong=true tries_left=1"),
        "{}",
        t.text
    );
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_blocked_pin_is_never_tried_and_the_face_still_works() {
    let (t, records) = scenario("pin-blocked.txt");
    assert_eq!(t.outcome(), "result=ended");
    assert!(!t.has("screen", "pin_entry"), "{}", t.text);
    assert!(t.has("host", "authenticate face → eligible"), "{}", t.text);
    assert!(records["consents"].as_array().unwrap().is_empty(), "ended before consenting");
}

#[test]
fn a_wrong_pin_on_the_last_try_blocks_it() {
    let (t, _) = scenario("last-pin-try.txt");
    assert_eq!(t.outcome(), "result=ended");
    assert!(t.has("screen", "pin_blocked"));
}

#[test]
fn under_forty_the_health_checkup_question_is_not_asked() {
    let (t, records) = scenario("under-40-consent.txt");
    assert_eq!(t.outcome(), "result=done method=face");
    assert!(!t.text.contains("health_checkups"));
    assert_eq!(answers(&records, 0), [q("surgery", true), q("treatment_and_medication", false)]);
}

#[test]
fn an_unregistered_card_is_registered_once_then_consents() {
    let (t, records) = scenario("unregistered-registration.txt");
    assert_eq!(t.outcome(), "result=done method=face");
    assert_eq!(records["registrations"].as_array().unwrap().len(), 1);
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
    assert_eq!(records["registrations"][0]["card"], records["consents"][0]["card"]);
}

#[test]
fn declining_registration_records_nothing() {
    let (t, records) = scenario("unregistered-declines.txt");
    assert_eq!(t.outcome(), "result=not_registered");
    assert!(records["registrations"].as_array().unwrap().is_empty());
    assert!(records["consents"].as_array().unwrap().is_empty());
}

#[test]
fn an_expired_certificate_is_refused_with_006() {
    let (t, records) = scenario("expired-certificate.txt");
    assert_eq!(t.outcome(), "result=refused code=006");
    assert!(records["consents"].as_array().unwrap().is_empty());
}

#[test]
fn a_card_pulled_mid_authentication_returns_to_idle_and_spends_no_try() {
    let (t, records) = scenario("card-pulled-mid-authentication.txt");
    assert!(t.text.matches("screen   idle").count() >= 6, "{}", t.text);
    // Every re-placement found all three tries: pulling the card never cost one.
    assert!(!t.text.contains("tries_left=2"), "{}", t.text);
    assert!(t.logs.contains("fault: card taken away"), "the removal fault did not fire: {}", t.logs);
    assert!(!t.has("host", "authenticate"));
    assert!(records["consents"].as_array().unwrap().is_empty());
}

#[test]
fn a_card_that_is_not_a_my_number_card_gets_a_clear_message() {
    let (t, _) = scenario("not-a-my-number-card.txt");
    assert!(t.has("screen", "card_problem problem=not_my_number_card"), "{}", t.text);
}

#[test]
fn end_and_inactivity_end_the_session_with_a_warning_first() {
    let (t, _) = scenario("end-and-timeouts.txt");
    assert!(t.has("screen", "method_select pin_offered=true timeout_warning=true"), "{}", t.text);
    assert_eq!(t.outcome(), "result=ended");
}

#[test]
fn no_personal_data_or_pin_reaches_the_transcript_or_the_logs_even_at_trace() {
    let sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let t = run_scenario_logging(&sb, Some(&terminal.link()), "face-fail-then-pin.txt", "trace").unwrap();
    assert!(t.output.status.success(), "{}\n--- logs ---\n{}", t.text, t.logs);
    assert!(t.logs.contains("stage{name=\"verify_pin\"}"), "no stage spans in the logs");
    let p = uketsuke_hw_sim::persona::by_id("adult-registered").unwrap();
    let secrets = [
        ("name", p.name.clone()),
        ("address", p.address.clone()),
        ("My Number", p.my_number.clone()),
        ("birth date", p.birth_date_compact()),
        ("照合番号B", p.check_code_b().unwrap()),
        ("PIN as typed", "pin 1234".to_owned()),
        ("PIN in an APDU", "31323334".to_owned()),
    ];
    for (what, secret) in secrets {
        assert!(!t.text.contains(&secret), "the {what} reached the transcript");
        assert!(!t.logs.contains(&secret), "the {what} reached the logs");
    }
}

#[test]
fn cancel_on_the_keypad_returns_to_method_select_and_forgets_the_digits() {
    let (t, _) = scenario("pin-cancel.txt");
    assert!(t.has("screen", "pin_entry entered=2"), "{}", t.text);
    assert_eq!(t.outcome(), "result=ended");
}

#[test]
fn an_unreadable_card_gets_a_clear_message_and_works_when_placed_again() {
    let (t, _) = scenario("unreadable-card.txt");
    assert!(t.has("screen", "card_problem problem=unreadable"), "{}", t.text);
    assert!(t.has("screen", "method_select"), "{}", t.text);
}

/// 照合番号B VERIFYs with data in driver trace logs: (status word) in order.
fn code_b_verifies(logs: &str) -> Vec<String> {
    logs.lines()
        .filter(|l| l.contains("ins=32 p1=0 p2=128 nc=14 "))
        .map(|l| l.split("sw=").nth(1).unwrap_or("").split_whitespace().next().unwrap_or("").to_owned())
        .collect()
}

/// Runs `name` with the driver's APDU trace; panics unless it went as written.
fn traced_scenario(name: &str) -> (Transcript, Value) {
    let sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let t = run_scenario_logging(&sb, Some(&terminal.link()), name, "info,uketsuke_driver::card=trace").unwrap();
    assert!(t.output.status.success(), "{name} did not go as written:\n{}\n--- logs ---\n{}", t.text, t.logs);
    (t, terminal.records().unwrap())
}

#[test]
fn a_thumb_over_the_card_face_is_named_and_placing_the_card_again_succeeds() {
    let (t, _) = scenario("card-face-thumb.txt");
    assert!(t.text.contains("reason=card_face_covered"), "{}", t.text);
    assert_eq!(t.outcome(), "result=done method=face");
}

#[test]
fn an_unreadable_card_face_falls_back_to_the_pin() {
    let (t, records) = scenario("card-face-unreadable.txt");
    assert_eq!(t.outcome(), "result=done method=pin");
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_card_face_marked_face_auth_only_is_never_offered_the_pin() {
    let (t, _) = traced_scenario("face-mark-only.txt");
    assert!(!t.text.contains("pin_offered=true"), "the PIN showed for a face-auth-only card:\n{}", t.text);
    assert!(t.has("card", "card face: record opened (mark Present)"), "{}", t.text);
    assert_eq!(t.outcome(), "result=done method=face");
}

#[test]
fn a_struck_through_mark_is_a_normal_card_with_the_pin() {
    let (t, _) = scenario("switched-back-card.txt");
    assert!(t.has("card", "card face: record opened (mark Cancelled)"), "{}", t.text);
    assert_eq!(t.outcome(), "result=done method=pin");
}

#[test]
fn an_unconfident_card_face_reading_is_never_sent() {
    let (t, _) = traced_scenario("code-b-unreadable.txt");
    assert!(code_b_verifies(&t.logs).is_empty(), "a 照合番号B guess reached the card:\n{}", t.logs);
}

#[test]
fn after_a_refused_code_b_only_a_new_different_reading_is_sent() {
    let (t, _) = traced_scenario("code-b-misread-once.txt");
    let sent = code_b_verifies(&t.logs);
    assert_eq!(sent.len(), 2, "one refused, then the new reading: {sent:?}");
    assert!(sent[0].starts_with("63C"), "the misread value is refused: {sent:?}");
    assert_eq!(sent[1], "9000");
    assert_eq!(t.outcome(), "result=done method=face");
}

#[test]
fn a_refused_code_b_is_never_sent_again_to_that_card() {
    let (t, _) = traced_scenario("code-b-refused.txt");
    let sent = code_b_verifies(&t.logs);
    assert_eq!(sent.len(), 1, "only one wrong 照合番号B may be spent on the card: {sent:?}");
    assert!(sent[0].starts_with("63C"), "{sent:?}");
    assert_eq!(t.outcome(), "result=done method=pin");
}

#[test]
fn the_code_b_retry_count_is_read_before_every_verify() {
    let (t, _) = traced_scenario("code-b-misread-once.txt");
    let apdus: Vec<&str> = t.logs.lines().filter(|l| l.contains(" apdu cla=")).collect();
    for (i, l) in apdus.iter().enumerate() {
        if l.contains("ins=32 p1=0 p2=128 nc=14 ") {
            assert!(i > 0 && apdus[i - 1].contains("ins=32 p1=0 p2=128 nc=0 "), "VERIFY without a retry query first");
        }
    }
}
