//! The staff API (`firmware::host::staff::StaffApi`) on raw HTTP requests,
//! read by the same `uketsuke_net::http::read_request` the server uses.
//! Up to four requests a run; `$TOKEN` and `$SESSION` in the input become
//! the staff token and the last session a sign-in gave, so the fuzzer
//! reaches the signed-in actions. Oracles: nothing but the console and
//! sign-in answers 2xx before a sign-in succeeded; no action reaches the
//! kiosk without one; no answer ever holds the token.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use uketsuke_firmware::host::staff::{StaffApi, StaffBoard, StaffRequest, StaffToken, VisualCheck};
use uketsuke_fuzz::Bytes;
use uketsuke_net::http::read_request;

const TOKEN: &str = "Vd3-kq9Zp2Lx8wNc4Rt7Ym1Bs6Hf0Gj5";
/// As the kiosk's staff server (firmware::runtime::staff_server).
const MAX_BODY: usize = 4096;

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = StaffToken::new(TOKEN) else { return };
    let board = StaffBoard {
        patient: Some("p1".into()),
        visual_check: Some(VisualCheck { id: "c1".into(), confirmed_by: None }),
        card_photo: Some(vec![0x89, b'P', b'N', b'G'].into()),
        ..StaffBoard::default()
    };
    let (events, received) = mpsc::channel();
    let api = StaffApi::new(token, Arc::new(Mutex::new(board)), events);
    let peer = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)), 50000);
    let mut bytes = Bytes::new(data);
    let mut session = String::new();
    let now = Instant::now();
    for n in 0..4u64 {
        let len = usize::from(bytes.byte().unwrap_or(0)) << 4 | usize::from(bytes.byte().unwrap_or(0) & 0x0F);
        if bytes.is_empty() {
            break;
        }
        let raw = replace(&replace(bytes.take(len), b"$TOKEN", TOKEN.as_bytes()), b"$SESSION", session.as_bytes());
        let Ok(Ok(request)) = read_request(&mut raw.as_slice(), peer, None, MAX_BODY) else { continue };
        let req = StaffRequest {
            method: &request.method,
            path: &request.path,
            authorization: request.header("Authorization"),
            body: &request.body,
            client: peer.ip(),
        };
        let reply = api.handle(&req, now + Duration::from_secs(n));
        let body = String::from_utf8_lossy(&reply.body);
        assert!(!body.contains(TOKEN), "an answer holds the staff token");
        let route = request.path.split('?').next().unwrap_or("");
        let public = matches!(route, "/" | "/staff" | "/staff/" | "/staff/v1/sign-in");
        if (200..300).contains(&reply.status) && !public {
            assert!(!session.is_empty(), "{} {route} answered {} with no one signed in", request.method, reply.status);
        }
        if route == "/staff/v1/sign-in" && reply.status == 200 {
            session = reply.json_body().get("session").and_then(Value::as_str).unwrap_or_default().to_owned();
            assert!(!session.is_empty(), "a sign-in answered 200 without a session");
        }
        if route == "/staff/v1/sign-out" && reply.status == 200 {
            session.clear();
        }
    }
    if received.try_recv().is_ok() {
        // An action reached the kiosk: someone signed in during this run.
        assert!(
            data.windows(6).any(|w| w == b"$TOKEN") || data.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "a staff action reached the kiosk without the token"
        );
    }
});
