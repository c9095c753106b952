//! The virtual reception terminal on a free loopback port, for a test.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use uketsuke_hw_sim::terminal::Terminal;

/// A running terminal; dropping it stops it.
pub struct TerminalServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TerminalServer {
    /// Starts a terminal on a free port of 127.0.0.1 and waits until it answers.
    pub fn start() -> Result<Self> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let terminal = Terminal::new()?;
        let thread = std::thread::spawn(move || {
            let _ = terminal.serve(addr, &flag);
        });
        for _ in 0..100 {
            if std::net::TcpStream::connect(addr).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Ok(Self { base: format!("http://{addr}"), stop, thread: Some(thread) })
    }

    /// What the terminal recorded (`GET /v1/records`).
    pub fn records(&self) -> Result<serde_json::Value> {
        Ok(ureq::get(&format!("{}/v1/records", self.base)).call()?.into_json()?)
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
