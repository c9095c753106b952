//! The server's tests: TLS, mutual TLS, faults played, limits.
#![allow(clippy::unwrap_used, clippy::panic)]
use std::sync::Arc;

use super::*;
use crate::certs::{Authority, new_key, self_signed};
use crate::tls::{PinnedClientKeys, TlsIdentity, certificates, client_config, server_config};

fn start(tls: Option<Arc<ServerConfig>>) -> (SocketAddr, Arc<AtomicBool>) {
    let server = Server::bind("127.0.0.1:0", tls, 1024).unwrap();
    let addr = server.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        server.serve(&flag, &|r: &Request| {
            let who = r.client_key.as_ref().map_or(0, Vec::len);
            Response::new(200, "text/plain", format!("{} {} {} {who}", r.method, r.path, r.body.len()).into())
        })
    });
    (addr, stop)
}

fn agent(config: Arc<rustls::ClientConfig>) -> ureq::Agent {
    ureq::AgentBuilder::new().tls_config(config).timeout(Duration::from_secs(5)).build()
}

#[test]
fn a_request_over_tls_1_3_is_answered_and_plain_http_gets_nothing() {
    let ca = Authority::new("test CA").unwrap();
    let (cert, key) = ca.issue("server", &["127.0.0.1".into()]).unwrap();
    let tls = server_config(&TlsIdentity::new(&cert, &key).unwrap(), None).unwrap();
    let (addr, stop) = start(Some(tls));
    let trusted = certificates(&ca.certificate_pem(), "ca").unwrap();
    let answer = agent(client_config(&trusted, None).unwrap())
        .post(&format!("https://{addr}/x"))
        .send_bytes(b"abc")
        .unwrap()
        .into_string()
        .unwrap();
    assert_eq!(answer, "POST /x 3 0");
    assert!(ureq::get(&format!("http://{addr}/x")).call().is_err(), "plain HTTP on a TLS port");
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn a_cut_answer_fails_the_clients_body_read_and_a_lost_answer_fails_the_request() {
    let ca = Authority::new("test CA").unwrap();
    let (cert, key) = ca.issue("server", &["127.0.0.1".into()]).unwrap();
    let tls = server_config(&TlsIdentity::new(&cert, &key).unwrap(), None).unwrap();
    let server = Server::bind("127.0.0.1:0", Some(tls), 1024).unwrap();
    let addr = server.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        server.serve(&flag, &|r: &Request| {
            let whole = Response::new(200, "application/json", br#"{"stored": true, "pad": "xxxxxxxx"}"#.to_vec());
            match r.path.as_str() {
                "/cut" => whole.cut_after(9),
                "/lost" => whole.never_sent(),
                _ => whole,
            }
        })
    });
    let trusted = certificates(&ca.certificate_pem(), "ca").unwrap();
    let client = agent(client_config(&trusted, None).unwrap());
    let whole = client.get(&format!("https://{addr}/whole")).call().unwrap().into_string().unwrap();
    assert_eq!(whole, r#"{"stored": true, "pad": "xxxxxxxx"}"#);
    let cut = client.get(&format!("https://{addr}/cut")).call().unwrap();
    assert_eq!(cut.status(), 200, "the head arrives whole");
    assert!(cut.into_string().is_err(), "the body ends after 9 of its bytes");
    let lost = client.get(&format!("https://{addr}/lost")).call();
    assert!(matches!(lost, Err(ureq::Error::Transport(_))), "nothing came back: {lost:?}");
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn a_self_signed_server_certificate_can_be_pinned() {
    let key = new_key().unwrap();
    let cert = self_signed(&key, "staff console", &["127.0.0.1".into()]).unwrap();
    let tls = server_config(&TlsIdentity::new(&cert, &key).unwrap(), None).unwrap();
    let (addr, stop) = start(Some(tls));
    let trusted = certificates(&cert, "staff certificate").unwrap();
    let answer = agent(client_config(&trusted, None).unwrap()).get(&format!("https://{addr}/s")).call();
    assert_eq!(answer.unwrap().into_string().unwrap(), "GET /s 0 0");
    let stranger = Authority::new("other").unwrap();
    let other = certificates(&stranger.certificate_pem(), "other").unwrap();
    assert!(agent(client_config(&other, None).unwrap()).get(&format!("https://{addr}/s")).call().is_err());
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn mutual_tls_lets_in_only_pinned_client_keys() {
    let ca = Authority::new("terminal CA").unwrap();
    let (cert, key) = ca.issue("terminal", &["127.0.0.1".into()]).unwrap();
    let client_key = new_key().unwrap();
    let client_cert = self_signed(&client_key, "kiosk", &[]).unwrap();
    let pinned = crate::tls::public_key_of(certificates(&client_cert, "c").unwrap()[0].as_ref()).unwrap();
    let verifier = PinnedClientKeys::new(move |k| k == pinned.as_slice());
    let tls = server_config(&TlsIdentity::new(&cert, &key).unwrap(), Some(verifier)).unwrap();
    let (addr, stop) = start(Some(tls));
    let trusted = certificates(&ca.certificate_pem(), "ca").unwrap();
    let kiosk = TlsIdentity::new(&client_cert, &client_key).unwrap();
    let answer = agent(client_config(&trusted, Some(&kiosk)).unwrap()).get(&format!("https://{addr}/k")).call();
    assert_eq!(answer.unwrap().into_string().unwrap(), "GET /k 0 91", "the client's P-256 SPKI reached the handler");
    let stranger_key = new_key().unwrap();
    let stranger = TlsIdentity::new(&self_signed(&stranger_key, "x", &[]).unwrap(), &stranger_key).unwrap();
    assert!(agent(client_config(&trusted, Some(&stranger)).unwrap()).get(&format!("https://{addr}/k")).call().is_err());
    assert!(agent(client_config(&trusted, None).unwrap()).get(&format!("https://{addr}/k")).call().is_err());
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn a_connection_past_the_limit_waits_for_a_free_one_instead_of_being_reset() {
    let (addr, stop) = start(None);
    // Every connection the server serves at once, each holding its
    // slot with a request head that has not ended yet.
    let mut holders: Vec<TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET /held HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let late = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
        s.write_all(b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).map(|_| answer)
    });
    std::thread::sleep(Duration::from_millis(300));
    // One holder finishes its request: its slot goes to the late one.
    let mut first = holders.remove(0);
    first.write_all(b"\r\n").unwrap();
    let answer = late.join().unwrap().expect("the late connection was served, not reset");
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("GET /late 0 0"), "{answer}");
    stop.store(true, Ordering::Relaxed);
    drop(holders);
}

#[test]
fn a_request_head_past_the_limit_is_refused_however_the_reads_fall() {
    let (addr, stop) = start(None);
    // 20 KB of head in one write: the read that finds its end is already past 16 KiB.
    for pad in [MAX_HEAD, MAX_HEAD + 2_000, MAX_HEAD + 3_600] {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(format!("GET / HTTP/1.1\r\nX-Pad: {}\r\n\r\n", "a".repeat(pad)).as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 431"), "{pad}: {answer}");
    }
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn oversized_and_chunked_bodies_are_refused() {
    let (addr, stop) = start(None);
    let status = |r: Result<ureq::Response, ureq::Error>| match r {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(c, _)) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(status(ureq::post(&format!("http://{addr}/")).send_bytes(&[0; 2048])), 413);
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    stop.store(true, Ordering::Relaxed);
}
