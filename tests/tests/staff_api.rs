//! The staff API over HTTP on 127.0.0.1: the token is required, every
//! action is audited with its outcome, and the token never reaches a log.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, mpsc};

use serde_json::json;

use uketsuke_firmware::flow::types::StaffEvent;
use uketsuke_firmware::host::staff::{StaffApi, StaffBoard, StaffToken, VisualCheck};
use uketsuke_firmware::host::staff_tls::StaffTls;
use uketsuke_net::http::Server;
use uketsuke_net::tls::{certificates, client_config, server_config};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const TOKEN: &str = "s3cRet-Staff-7oken-0f-Recepti0n-Qx9";

#[test]
fn staff_actions_need_the_token_and_are_all_audited() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).init();

    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("staff-token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let (tx, rx) = mpsc::channel();
    let board = Arc::new(Mutex::new(StaffBoard::default()));
    let api = StaffApi::new(StaffToken::from_file(&token_file).unwrap(), Arc::clone(&board), tx);
    let tls = StaffTls::generate(&["127.0.0.1".to_owned()]).unwrap();
    let server = Server::bind("127.0.0.1:0", Some(server_config(&tls.identity, None).unwrap()), 4096).unwrap();
    let addr = server.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let server = std::thread::spawn(move || api.serve_on(server, &flag));
    let trusted = certificates(&tls.certificate_pem, "staff certificate").unwrap();
    let agent = ureq::AgentBuilder::new().tls_config(client_config(&trusted, None).unwrap()).build();
    let url = |p: &str| format!("https://{addr}{p}");
    let status = |r: Result<ureq::Response, ureq::Error>| match r {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(c, _)) => c,
        Err(e) => panic!("{e}"),
    };

    assert_eq!(status(agent.post(&url("/staff/v1/visual-check/confirm")).call()), 401);
    assert_eq!(
        status(
            agent.post(&url("/staff/v1/visual-check/confirm")).set("Authorization", "Bearer guess-guess-guess").call()
        ),
        401
    );
    assert!(rx.try_recv().is_err(), "an unauthorised request reached the kiosk");
    let bearer = format!("Bearer {TOKEN}");
    let start = |auth: &str| agent.post(&url("/staff/v1/visual-check/start")).set("Authorization", auth);
    assert_eq!(status(start(&bearer).send_json(json!({"session": "p1"}))), 401, "the token is not a session");
    let signed_in: serde_json::Value = agent
        .post(&url("/staff/v1/sign-in"))
        .send_json(json!({"name": "佐藤", "token": TOKEN}))
        .unwrap()
        .into_json()
        .unwrap();
    let auth = format!("Bearer {}", signed_in["session"].as_str().unwrap());
    board.lock().unwrap().patient = Some("p1".into());
    assert_eq!(status(start(&auth).send_json(json!({"session": "p1"}))), 202);
    // The kiosk asks staff for the check (the runtime does this on the flow's request).
    board.lock().unwrap().visual_check = Some(VisualCheck { id: "c1".into(), confirmed_by: None });
    let confirm = agent.post(&url("/staff/v1/visual-check/confirm")).set("Authorization", &auth);
    assert_eq!(status(confirm.send_json(json!({"check_id": "c1"}))), 202);
    assert_eq!(rx.recv().unwrap(), StaffEvent::StartVisualCheck);
    assert_eq!(rx.recv().unwrap(), StaffEvent::Confirm);

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    server.join().unwrap();
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let audit: Vec<&str> = logs.lines().filter(|l| l.contains("audit")).collect();
    assert_eq!(audit.len(), 6, "every staff request is audited: {logs}");
    assert_eq!(audit.iter().filter(|l| l.contains("outcome=\"unauthorized\"")).count(), 3);
    assert!(audit.iter().all(|l| l.contains("client=127.0.0.1")), "with the client's address: {logs}");
    assert!(audit.iter().any(|l| l.contains("action=\"visual_check_start\"")
        && l.contains("outcome=\"accepted\"")
        && l.contains("operator=\"佐藤\"")));
    assert!(!logs.contains(TOKEN) && !logs.contains("guess-guess"), "a token reached the logs");
}
