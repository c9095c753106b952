//! The staff API, request by request (no network).

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::json;

use super::*;

const TOKEN: &str = "Vd3-kq9Zp2Lx8wNc4Rt7Ym1Bs6Hf0Gj5";
const CLIENT: [u8; 4] = [192, 0, 2, 7];

fn api() -> (StaffApi, mpsc::Receiver<StaffEvent>) {
    let (tx, rx) = mpsc::channel();
    let board = StaffBoard { screen: Some(View::VisualCheck), patient: Some("p1".into()), ..StaffBoard::default() };
    (StaffApi::new(StaffToken::new(TOKEN).unwrap(), Arc::new(Mutex::new(board)), tx), rx)
}

fn request<'a>(method: &'a str, path: &'a str, auth: Option<&'a str>, body: &'a [u8]) -> StaffRequest<'a> {
    StaffRequest { method, path, authorization: auth, body, client: IpAddr::from(CLIENT) }
}

/// Signs in as `name` and returns the `Authorization` header.
fn sign_in(api: &StaffApi, name: &str) -> String {
    let body = json!({"name": name, "token": TOKEN}).to_string();
    let reply = api.handle(&request("POST", "/staff/v1/sign-in", None, body.as_bytes()), Instant::now());
    assert_eq!(reply.status, 200, "{:?}", reply.json_body());
    format!("Bearer {}", reply.json_body()["session"].as_str().unwrap())
}

fn post(api: &StaffApi, path: &str, auth: &str, body: Value) -> u16 {
    api.handle(&request("POST", path, Some(auth), body.to_string().as_bytes()), Instant::now()).status
}

#[test]
fn without_signing_in_nothing_reaches_the_kiosk_not_even_with_the_token_itself() {
    let (api, rx) = api();
    for auth in [None, Some("Bearer nope"), Some(&format!("Bearer {TOKEN}") as &str)] {
        let reply = api.handle(&request("POST", "/staff/v1/visual-check/start", auth, b"{}"), Instant::now());
        assert_eq!(reply.status, 401);
    }
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_wrong_token_is_refused_and_the_sixth_try_from_an_address_is_throttled() {
    let (api, _rx) = api();
    let wrong = json!({"name": "佐藤", "token": "guess"}).to_string();
    for _ in 0..sessions::MAX_FAILURES_PER_ADDRESS {
        let reply = api.handle(&request("POST", "/staff/v1/sign-in", None, wrong.as_bytes()), Instant::now());
        assert_eq!(reply.status, 401);
    }
    let right = json!({"name": "佐藤", "token": TOKEN}).to_string();
    let reply = api.handle(&request("POST", "/staff/v1/sign-in", None, right.as_bytes()), Instant::now());
    assert_eq!(reply.status, 429, "throttled whatever the token");
}

#[test]
fn the_state_names_the_patient_the_check_and_the_operator() {
    let (api, _rx) = api();
    let auth = sign_in(&api, "佐藤");
    let state = api.handle(&request("GET", "/staff/v1/state", Some(&auth), b""), Instant::now());
    assert_eq!(
        state.json_body(),
        json!({"screen": {"view": "visual_check"}, "alert": null, "patient": "p1", "visual_check": null, "operator": "佐藤"})
    );
}

#[test]
fn start_confirm_and_reject_carry_what_they_answer_and_stale_ones_are_refused() {
    let (api, rx) = api();
    let auth = sign_in(&api, "佐藤");
    let start = "/staff/v1/visual-check/start";
    assert_eq!(post(&api, start, &auth, json!({"session": "an earlier patient"})), 409);
    assert_eq!(post(&api, start, &auth, json!({})), 400);
    assert_eq!(post(&api, start, &auth, json!({"session": "p1"})), 202);
    assert_eq!(rx.try_recv().ok(), Some(StaffEvent::StartVisualCheck));

    let confirm = "/staff/v1/visual-check/confirm";
    assert_eq!(post(&api, confirm, &auth, json!({"check_id": "c1"})), 409, "no check yet");
    api.board.lock().unwrap().visual_check = Some(VisualCheck { id: "c2".into(), confirmed_by: None });
    assert_eq!(post(&api, confirm, &auth, json!({"check_id": "c1"})), 409, "a replayed confirm for an earlier check");
    assert!(rx.try_recv().is_err());
    assert_eq!(post(&api, "/staff/v1/visual-check/reject", &auth, json!({"check_id": "c2"})), 202);
    assert_eq!(rx.try_recv().ok(), Some(StaffEvent::Reject));
    assert_eq!(post(&api, confirm, &auth, json!({"check_id": "c2"})), 202);
    assert_eq!(rx.try_recv().ok(), Some(StaffEvent::Confirm));
    let confirmed_by = api.board.lock().unwrap().visual_check.as_ref().and_then(|c| c.confirmed_by.clone());
    assert_eq!(confirmed_by.as_deref(), Some("佐藤"), "the operator goes into the evidence");
    drop(rx);
    assert_eq!(post(&api, start, &auth, json!({"session": "p1"})), 503);
}

#[test]
fn the_images_are_served_only_for_the_check_under_way() {
    let (api, _rx) = api();
    let auth = sign_in(&api, "佐藤");
    let photo = |check: &str| format!("/staff/v1/visual-check/card-photo.png?check={check}");
    assert_eq!(api.handle(&request("GET", &photo("c1"), Some(&auth), b""), Instant::now()).status, 404);
    if let Ok(mut b) = api.board.lock() {
        b.card_photo = Some(Zeroizing::new(vec![0x89, b'P', b'N', b'G']));
        b.visual_check = Some(VisualCheck { id: "c1".into(), confirmed_by: None });
    }
    assert_eq!(api.handle(&request("GET", &photo("c1"), None, b""), Instant::now()).status, 401);
    assert_eq!(api.handle(&request("GET", &photo("c0"), Some(&auth), b""), Instant::now()).status, 404);
    let reply = api.handle(&request("GET", &photo("c1"), Some(&auth), b""), Instant::now());
    assert_eq!((reply.status, reply.content_type), (200, "image/png"));
    assert_eq!(reply.body.as_slice(), &[0x89, b'P', b'N', b'G']);
    // The card face's name image, the same way.
    let name = |check: &str| format!("/staff/v1/visual-check/card-name.png?check={check}");
    assert_eq!(api.handle(&request("GET", &name("c1"), Some(&auth), b""), Instant::now()).status, 404);
    if let Ok(mut b) = api.board.lock() {
        b.card_name = Some(Zeroizing::new(vec![0x89, b'P', b'N', b'G', 1]));
    }
    assert_eq!(api.handle(&request("GET", &name("c1"), None, b""), Instant::now()).status, 401);
    assert_eq!(api.handle(&request("GET", &name("c0"), Some(&auth), b""), Instant::now()).status, 404);
    let reply = api.handle(&request("GET", &name("c1"), Some(&auth), b""), Instant::now());
    assert_eq!((reply.status, reply.body.as_slice()), (200, &[0x89, b'P', b'N', b'G', 1][..]));
}

#[test]
fn a_session_signed_out_or_idle_too_long_is_over() {
    let (api, _rx) = api();
    let auth = sign_in(&api, "佐藤");
    let later = Instant::now() + sessions::SESSION_IDLE + Duration::from_secs(1);
    assert_eq!(api.handle(&request("GET", "/staff/v1/state", Some(&auth), b""), later).status, 401);
    let auth = sign_in(&api, "佐藤");
    assert_eq!(post(&api, "/staff/v1/sign-out", &auth, json!({})), 200);
    assert_eq!(api.handle(&request("GET", "/staff/v1/state", Some(&auth), b""), Instant::now()).status, 401);
}

#[test]
fn the_console_page_is_served_without_signing_in_and_carries_no_data() {
    let (api, _rx) = api();
    let reply = api.handle(&request("GET", "/staff/", None, b""), Instant::now());
    assert_eq!((reply.status, reply.content_type), (200, "text/html; charset=utf-8"));
    let page = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(page.contains("/staff/v1/sign-in") && page.contains("/staff/v1/state"));
}
