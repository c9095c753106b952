//! The virtual reception terminal on a free loopback port, for a test.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use uketsuke_firmware::host::client::request_signing_input;
use uketsuke_firmware::host::identity::KioskIdentity;
use uketsuke_hw_sim::terminal::Terminal;
use uketsuke_hw_sim::terminal::policy::TerminalPolicy;
use uketsuke_hw_sim::terminal::tls::TerminalTls;
use uketsuke_net::tls::{certificates, client_config};

/// The kiosk identity of every test kiosk (`kiosk::write_config` writes it
/// into the kiosk's state directory), made once per test process.
pub fn test_identity() -> &'static KioskIdentity {
    static IDENTITY: std::sync::OnceLock<KioskIdentity> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| match KioskIdentity::generate() {
        Ok(id) => id,
        Err(e) => unreachable!("the system random source failed: {e}"),
    })
}

/// `body` as a request to `path` signed by `identity` (docs/host-protocol.md §1).
pub fn signed(identity: &KioskIdentity, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    let bytes = serde_json::to_vec(body)?;
    let signature = identity.sign(&request_signing_input(path, &bytes))?;
    Ok(serde_json::json!({"kiosk": identity.id(), "body": B64.encode(&bytes), "signature": B64.encode(signature)}))
}

/// Where a test kiosk finds its terminal: the URL and the CA it pins.
#[derive(Clone, Debug)]
pub struct HostLink {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The terminal's CA certificate (PEM).
    pub ca_pem: String,
}

/// A running terminal, serving TLS (mutual: only allowed kiosks' keys);
/// dropping it stops it.
pub struct TerminalServer {
    /// `https://127.0.0.1:PORT`.
    pub base: String,
    /// The terminal itself (its allow-list, its records).
    pub terminal: Arc<Terminal>,
    /// Its CA and server certificate.
    pub tls: Arc<TerminalTls>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TerminalServer {
    /// Starts a terminal on a free port of 127.0.0.1 that lets the test
    /// kiosks ([`test_identity`]) in, and waits until it answers.
    pub fn start() -> Result<Self> {
        Self::start_with(TerminalPolicy::default())
    }

    /// [`TerminalServer::start`] with another policy.
    pub fn start_with(policy: TerminalPolicy) -> Result<Self> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let terminal = Arc::new(Terminal::new(policy)?);
        terminal.kiosks.allow(test_identity().public_key_der())?;
        let tls = Arc::new(TerminalTls::generate()?);
        let (serving, serving_tls) = (Arc::clone(&terminal), Arc::clone(&tls));
        let thread = std::thread::spawn(move || {
            let _ = serving.serve(addr, Some(&serving_tls), &flag);
        });
        for _ in 0..100 {
            if std::net::TcpStream::connect(addr).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Ok(Self { base: format!("https://{addr}"), terminal, tls, stop, thread: Some(thread) })
    }

    /// The URL and CA a test kiosk is configured with.
    pub fn link(&self) -> HostLink {
        HostLink { url: self.base.clone(), ca_pem: self.tls.ca_pem() }
    }

    /// An HTTPS client as `kiosk`: trusting the terminal's CA, presenting
    /// the kiosk's certificate.
    pub fn agent_as(&self, kiosk: &KioskIdentity) -> Result<ureq::Agent> {
        let trusted = certificates(&self.tls.ca_pem(), "terminal CA")?;
        let config = client_config(&trusted, Some(&kiosk.tls_identity()?))?;
        Ok(ureq::AgentBuilder::new().tls_config(config).timeout(std::time::Duration::from_secs(10)).build())
    }

    /// An HTTPS client as the test kiosk.
    pub fn agent(&self) -> Result<ureq::Agent> {
        self.agent_as(test_identity())
    }

    /// What the terminal recorded (`GET /v1/records`).
    pub fn records(&self) -> Result<serde_json::Value> {
        Ok(self.agent()?.get(&format!("{}/v1/records", self.base)).call()?.into_json()?)
    }
}

impl Drop for TerminalServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
