//! Load on a kiosk's staff API while patients use it (`tests/benches/soak.rs`):
//! signed-in clients polling the state and the visual-check images, and
//! malformed HTTP requests, over TLS and not.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use crate::kiosk::staff_sign_in;

/// What a load run saw: answers by status, and requests with no answer.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Answers by HTTP status (or by what came back, for raw requests).
    pub answers: BTreeMap<String, u64>,
    /// Requests that got no answer (refused, reset, timed out).
    pub no_answer: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        for (k, n) in &other.answers {
            *self.answers.entry(k.clone()).or_default() += n;
        }
        self.no_answer += other.no_answer;
    }

    /// Requests made.
    pub fn total(&self) -> u64 {
        self.answers.values().sum::<u64>() + self.no_answer
    }

    /// Answers whose status is 2xx.
    pub fn successes(&self) -> u64 {
        self.answers.iter().filter(|(k, _)| k.starts_with('2')).map(|(_, n)| n).sum()
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.answers.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        write!(f, "{} requests ({}; no answer: {})", self.total(), parts.join(", "), self.no_answer)
    }
}

/// Starts `clients` staff consoles on `console` (`https://…/staff/`), each
/// signed in under its own name, polling the state and both visual-check
/// images every `period` until `until`. Join the handle for the tally.
pub fn poll(
    agent: ureq::Agent,
    console: String,
    clients: usize,
    period: Duration,
    until: Instant,
) -> std::thread::JoinHandle<Tally> {
    std::thread::spawn(move || {
        let workers: Vec<_> = (0..clients)
            .map(|i| {
                let (agent, console) = (agent.clone(), console.clone());
                std::thread::spawn(move || poll_one(&agent, &console, &format!("load-{i}"), period, until))
            })
            .collect();
        let mut tally = Tally::default();
        for w in workers {
            if let Ok(t) = w.join() {
                tally.add(&t);
            }
        }
        tally
    })
}

fn poll_one(agent: &ureq::Agent, console: &str, name: &str, period: Duration, until: Instant) -> Tally {
    let mut tally = Tally::default();
    let mut auth = None;
    while Instant::now() < until {
        let Some(bearer) = auth.clone().or_else(|| staff_sign_in(agent, console, name).ok()) else {
            tally.no_answer += 1;
            std::thread::sleep(period);
            continue;
        };
        auth = Some(bearer.clone());
        for path in ["v1/state", "v1/visual-check/live.jpg", "v1/visual-check/card-photo.png"] {
            let status = match agent.get(&format!("{console}{path}")).set("Authorization", &bearer).call() {
                Ok(r) => {
                    let _ = r.into_reader().read_to_end(&mut Vec::new());
                    Some(200)
                }
                Err(ureq::Error::Status(code, _)) => Some(code),
                Err(ureq::Error::Transport(_)) => None,
            };
            match status {
                Some(401) => auth = None,
                Some(code) => *tally.answers.entry(code.to_string()).or_default() += 1,
                None => tally.no_answer += 1,
            }
        }
        std::thread::sleep(period);
    }
    tally
}

/// The malformed requests, by kind: each is sent raw over TLS (or, for
/// `not-tls`, as plain bytes) and the connection closed after it.
fn malformed(i: usize, rng: &mut ChaCha20Rng) -> (&'static str, Vec<u8>) {
    let valid = b"POST /staff/v1/sign-in HTTP/1.1\r\nHost: k\r\nContent-Type: application/json\r\nContent-Length: 34\r\n\r\n{\"name\": \"x\", \"token\": \"nothing\"}".to_vec();
    let mut noise = vec![0u8; 1 + (rng.next_u32() % 512) as usize];
    rng.fill_bytes(&mut noise);
    match i % 14 {
        0 => ("not-tls", noise),
        1 => ("noise", noise),
        2 => ("no-end-of-head", b"GET /staff/v1/state HTTP/1.1\r\nHost: k\r\n".to_vec()),
        3 => ("huge-head", format!("GET / HTTP/1.1\r\nX-Pad: {}\r\n\r\n", "a".repeat(20_000)).into_bytes()),
        4 => ("negative-length", b"POST /staff/v1/sign-in HTTP/1.1\r\nContent-Length: -5\r\n\r\n".to_vec()),
        5 => ("huge-length", b"POST /staff/v1/sign-in HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n".to_vec()),
        6 => ("chunked", b"POST /staff/v1/sign-in HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec()),
        7 => ("short-body", b"POST /staff/v1/sign-in HTTP/1.1\r\nContent-Length: 200\r\n\r\n{\"name\":".to_vec()),
        8 => ("bad-json", b"POST /staff/v1/sign-in HTTP/1.1\r\nContent-Length: 9\r\n\r\n{\"name\":[".to_vec()),
        9 => ("wrong-types", b"POST /staff/v1/sign-in HTTP/1.1\r\nContent-Length: 26\r\n\r\n{\"name\": 5, \"token\": [1]}\n".to_vec()),
        10 => ("traversal", b"GET /staff/../../../etc/passwd HTTP/1.1\r\n\r\n".to_vec()),
        11 => ("too-many-headers", format!("GET /staff/v1/state HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(100)).into_bytes()),
        12 => ("forged-session", b"POST /staff/v1/visual-check/confirm HTTP/1.1\r\nAuthorization: Bearer 00000000000000000000000000000000000000000000000000000000deadbeef\r\nContent-Length: 0\r\n\r\n".to_vec()),
        _ => {
            let mut flipped = valid;
            for _ in 0..1 + rng.next_u32() % 8 {
                let at = rng.next_u32() as usize % flipped.len();
                flipped[at] = rng.next_u32() as u8;
            }
            ("flipped-bytes", flipped)
        }
    }
}

/// Sends `count` malformed requests to the staff API at `addr`, whose
/// certificate is `cert_pem`; the tally counts each kind's first answer line.
pub fn send_malformed(addr: SocketAddr, cert_pem: &str, count: usize, seed: u64) -> Result<Tally> {
    let trusted = uketsuke_net::tls::certificates(cert_pem, "the staff certificate")?;
    let config = uketsuke_net::tls::client_config(&trusted, None)?;
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut tally = Tally::default();
    for i in 0..count {
        let (kind, bytes) = malformed(i, &mut rng);
        let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).context("staff API unreachable")?;
        tcp.set_read_timeout(Some(Duration::from_secs(15)))?;
        tcp.set_write_timeout(Some(Duration::from_secs(5)))?;
        let answer = if kind == "not-tls" {
            exchange(tcp, &bytes, |s| {
                let _ = s.shutdown(std::net::Shutdown::Write);
            })
        } else {
            let conn = rustls::ClientConnection::new(Arc::clone(&config), name.clone())?;
            exchange(rustls::StreamOwned::new(conn, tcp), &bytes, |s| {
                s.conn.send_close_notify();
                let _ = s.flush();
            })
        };
        match answer {
            Some(status) => *tally.answers.entry(format!("{status} ({kind})")).or_default() += 1,
            None => tally.no_answer += 1,
        }
    }
    Ok(tally)
}

/// Writes `bytes`, ends the writing side with `end` (so a server waiting
/// for more sees the end at once), and reads the status code of whatever
/// came back (none: nothing, or not HTTP).
fn exchange<S: Read + Write>(mut s: S, bytes: &[u8], end: impl FnOnce(&mut S)) -> Option<String> {
    s.write_all(bytes).ok()?;
    s.flush().ok()?;
    end(&mut s);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status = text.strip_prefix("HTTP/1.1 ")?.split_whitespace().next()?;
    Some(status.to_owned())
}
