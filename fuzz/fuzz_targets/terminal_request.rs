//! The simulated reception terminal's request handling
//! (`hw_sim::terminal::Terminal::handle`): raw request bodies on any path,
//! and bodies the fuzzer chooses signed by an allowed kiosk (a kiosk on the
//! allow-list that misbehaves), sent to a session it opened. Oracles: every
//! answer is a status the protocol knows with a JSON object; a delivery
//! repeated with the same bytes gets the same answer and records nothing
//! twice (consent and registration are idempotent by request id).
#![no_main]

use std::sync::LazyLock;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use uketsuke_firmware::host::client::request_signing_input;
use uketsuke_firmware::host::identity::KioskIdentity;
use uketsuke_fuzz::Bytes;
use uketsuke_hw_sim::terminal::Terminal;
use uketsuke_hw_sim::terminal::policy::TerminalPolicy;

static KIOSK: LazyLock<Option<KioskIdentity>> = LazyLock::new(|| KioskIdentity::generate().ok());

/// A 2026 date, inside the test certificates' validity.
const UNIX_NOW: u64 = 1_790_000_000;

fn signed(kiosk: &KioskIdentity, path: &str, body: &[u8]) -> Vec<u8> {
    let signature = kiosk.sign(&request_signing_input(path, body)).unwrap_or_default();
    let envelope = json!({"kiosk": kiosk.id(), "body": B64.encode(body), "signature": B64.encode(signature)});
    serde_json::to_vec(&envelope).unwrap_or_default()
}

fn recorded(terminal: &Terminal, now: Instant) -> usize {
    let (_, records) = terminal.handle("GET", "/v1/records", b"", now, UNIX_NOW);
    ["authentications", "consents", "registrations"]
        .iter()
        .map(|k| records.get(k).and_then(Value::as_array).map_or(0, Vec::len))
        .sum()
}

fn answer_is_well_formed((status, body): &(u16, Value)) {
    assert!(matches!(status, 200 | 201 | 400 | 401 | 403 | 404 | 409 | 410 | 422), "status {status}");
    assert!(body.is_object(), "answer is not a JSON object");
}

fuzz_target!(|data: &[u8]| {
    let Some(kiosk) = KIOSK.as_ref() else { return };
    let Ok(terminal) = Terminal::new(TerminalPolicy::default()) else { return };
    if terminal.kiosks.allow(kiosk.public_key_der()).is_err() {
        return;
    }
    let now = Instant::now();
    let mut bytes = Bytes::new(data);
    let mode = bytes.byte().unwrap_or(0);
    if mode & 1 == 0 {
        // Unsigned: whatever arrives on the wire.
        let path = ["/v1/sessions", "/v1/sessions/x/evidence", "/v1/sessions/x/consent", "/v1/records", "/"]
            [usize::from(mode >> 1) % 5];
        let method = if mode & 0x80 == 0 { "POST" } else { "GET" };
        let body = bytes.rest();
        if path != "/v1/records" {
            answer_is_well_formed(&terminal.handle(method, path, body, now, UNIX_NOW));
        }
        return;
    }
    let opened = terminal.handle("POST", "/v1/sessions", &signed(kiosk, "/v1/sessions", b"{}"), now, UNIX_NOW);
    let Some(id) = opened.1.get("session_id").and_then(Value::as_str).map(str::to_owned) else {
        panic!("an allowed kiosk could not open a session: {}", opened.0)
    };
    let step = ["evidence", "consent", "registration"][usize::from(mode >> 1) % 3];
    let path = format!("/v1/sessions/{id}/{step}");
    let request = signed(kiosk, &path, bytes.rest());
    let first = terminal.handle("POST", &path, &request, now, UNIX_NOW);
    answer_is_well_formed(&first);
    let before = recorded(&terminal, now);
    let again = terminal.handle("POST", &path, &request, now, UNIX_NOW);
    answer_is_well_formed(&again);
    assert_eq!(recorded(&terminal, now), before, "a repeated delivery was recorded again");
    if step != "evidence" {
        assert_eq!(first.0, again.0, "a repeated delivery got another answer");
    }
});
