//! The staff console in real headless Chromium (Debian's chromium, driven
//! through chromedriver): reception staff sign in with the token, start a
//! visual check, see the card photo beside the live camera image, confirm,
//! and the patient's session proceeds to consent and eligibility.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::PathBuf;
use std::time::Duration;

use uketsuke_tests::kiosk::{
    RunningKiosk, STAFF_TOKEN, scenario, staff_agent, staff_certificate, staff_sign_in, write_config,
};
use uketsuke_tests::sandbox;
use uketsuke_tests::terminal::TerminalServer;
use uketsuke_tests::webdriver::Browser;

/// Where the screenshot of the console during the visual check is kept.
fn screenshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("staff-console-visual-check.png")
}

#[test]
fn staff_start_a_visual_check_in_the_console_see_both_images_and_confirm() {
    let sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let config = write_config(&sb, Some(&terminal.link()), "").unwrap();
    let mut kiosk = RunningKiosk::start(&sb, &config, &scenario("staff-console.txt")).unwrap();
    let console = kiosk.staff_console().unwrap();
    kiosk.wait_line("screen   face_failed", Duration::from_secs(60)).unwrap();

    let certificate = staff_certificate(&sb).unwrap();
    let browser = Browser::start_trusting(Some(&certificate)).unwrap();
    browser.goto(&console).unwrap();
    // Before the token, the page shows nothing of the kiosk.
    assert_eq!(browser.eval("return document.getElementById('state').textContent").unwrap(), "未接続");
    browser.type_into("#name", "佐藤 花子").unwrap();
    browser.type_into("#token", STAFF_TOKEN).unwrap();
    browser.click("#signin").unwrap();
    browser
        .wait_for("return document.getElementById('state').dataset.view === 'face_failed'", Duration::from_secs(10))
        .unwrap();

    browser.click("#start").unwrap();
    kiosk.wait_line("screen   visual_check", Duration::from_secs(10)).unwrap();
    browser
        .wait_for(
            "const p = document.getElementById('card-photo'), l = document.getElementById('live'); \
             return p.complete && p.naturalWidth > 0 && l.complete && l.naturalWidth > 0",
            Duration::from_secs(15),
        )
        .unwrap();
    let sizes = browser
        .eval(
            "const p = document.getElementById('card-photo'), l = document.getElementById('live'); \
             return [p.naturalWidth, p.naturalHeight, l.naturalWidth, l.naturalHeight]",
        )
        .unwrap();
    // The chip photo is a 180×225 portrait; the camera gives 640×480.
    assert_eq!(sizes, serde_json::json!([180, 225, 640, 480]));
    // The name as the card face shows it (髙﨑: both outside JIS X 0208),
    // from the card-face record's DF25 image.
    browser
        .wait_for(
            "const n = document.getElementById('card-name'); return n.complete && n.naturalWidth > 0",
            Duration::from_secs(15),
        )
        .unwrap();
    let name = browser
        .eval("const n = document.getElementById('card-name'); return [n.naturalWidth, n.naturalHeight]")
        .unwrap();
    assert_eq!(name, serde_json::json!([320, 48]), "the card face's name image");
    let shot = screenshot_path();
    browser.screenshot(&shot).unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "the screenshot is empty");

    browser.click("#confirm").unwrap();
    kiosk.wait_line("host     authenticate visual → eligible", Duration::from_secs(20)).unwrap();
    kiosk.wait_line("screen   consent", Duration::from_secs(10)).unwrap();
    // The check is over: the console's images are gone from the kiosk.
    browser
        .wait_for("return document.getElementById('visual').style.display === 'none'", Duration::from_secs(10))
        .unwrap();
    let agent = staff_agent(&sb).unwrap();
    let auth = staff_sign_in(&agent, &console, "test").unwrap();
    let photo =
        agent.get(&format!("{console}v1/visual-check/card-photo.png?check=any")).set("Authorization", &auth).call();
    assert!(matches!(photo, Err(ureq::Error::Status(404, _))), "the card photo outlived the visual check: {photo:?}");
    let name =
        agent.get(&format!("{console}v1/visual-check/card-name.png?check=any")).set("Authorization", &auth).call();
    assert!(matches!(name, Err(ureq::Error::Status(404, _))), "the name image outlived the visual check: {name:?}");

    let (status, transcript, logs) = kiosk.finish().unwrap();
    assert!(status.success(), "{transcript}\n--- logs ---\n{logs}");
    assert!(transcript.contains("outcome  result=done method=visual"), "{transcript}");
    let records = terminal.records().unwrap();
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
    assert_eq!(records["authentications"][0]["operator"], "佐藤 花子", "the signed-in operator confirmed");
    // Staff actions were audited, without the token.
    assert!(logs.contains("action=\"visual_check_start\"") && logs.contains("action=\"view_card_photo\""), "{logs}");
    assert!(logs.contains("action=\"view_card_name\""), "{logs}");
    assert!(!logs.contains(STAFF_TOKEN));
    eprintln!("screenshot: {}", shot.display());
}
