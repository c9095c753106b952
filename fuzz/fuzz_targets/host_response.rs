//! The kiosk's terminal client (`firmware::host::client::HostClient`) on
//! answers the fuzzer chooses: statuses, JSON (parsed as the real HTTP
//! transport parses it: not JSON is `null`), no answer at all. Oracles: a
//! session is only accepted with an id that is safe inside a URL path and a
//! nonce of a permitted length; every retry of consent and registration is
//! the same signed request (same `request_id`); nothing panics.
#![no_main]

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use uketsuke_firmware::flow::types::ConsentQuestion;
use uketsuke_firmware::host::client::{HostClient, MAX_NONCE_LEN, MIN_NONCE_LEN, NoAnswer, Transport};
use uketsuke_firmware::host::evidence::Evidence;
use uketsuke_firmware::host::identity::KioskIdentity;
use uketsuke_fuzz::Bytes;

static KIOSK: LazyLock<Option<Arc<KioskIdentity>>> = LazyLock::new(|| KioskIdentity::generate().ok().map(Arc::new));

/// A terminal answering from the fuzzer's bytes, remembering what it was sent.
struct FuzzTerminal<'a> {
    input: RefCell<Bytes<'a>>,
    sent: RefCell<Vec<(String, Value)>>,
}

impl Transport for FuzzTerminal<'_> {
    fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), NoAnswer> {
        self.sent.borrow_mut().push((path.to_owned(), body.clone()));
        let mut input = self.input.borrow_mut();
        let status = match input.byte() {
            None | Some(0) => return Err(NoAnswer),
            Some(b) => [200, 201, 400, 403, 404, 409, 500, 503][usize::from(b % 8)],
        };
        let len = usize::from(input.byte().unwrap_or(0)) * 4;
        let answer = serde_json::from_slice(input.take(len)).unwrap_or(Value::Null);
        Ok((status, answer))
    }
}

fn url_safe(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fuzz_target!(|data: &[u8]| {
    let Some(kiosk) = KIOSK.clone() else { return };
    let terminal = FuzzTerminal { input: RefCell::new(Bytes::new(data)), sent: RefCell::default() };
    let client = HostClient::new(terminal, 2, kiosk);
    let Ok(session) = client.open_session() else { return };
    assert!(url_safe(&session.id), "a session id that is not safe in a URL path was accepted");
    assert!((MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&session.nonce.len()));
    let evidence = Evidence::Pin { certificate: vec![0x30, 0x03, 0x02, 0x01, 0x01], signature: vec![0; 256] };
    let _ = client.send_evidence(&session, &evidence);
    let answers = [(ConsentQuestion::Surgery, true), (ConsentQuestion::HealthCheckups, false)];
    let _ = client.send_consent(&session, &answers);
    let _ = client.send_registration(&session);
    let sent = client.transport().sent.borrow();
    for step in ["consent", "registration"] {
        let mut bodies = sent.iter().filter(|(path, _)| path.ends_with(step)).map(|(_, body)| body);
        if let Some(first) = bodies.next() {
            assert!(bodies.all(|b| b == first), "a retry of {step} was not the same request");
        }
    }
    for (path, _) in sent.iter() {
        assert!(path.starts_with("/v1/sessions"), "a request went to {path}");
    }
});
