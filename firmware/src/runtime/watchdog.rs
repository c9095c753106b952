//! systemd's service protocol (sd_notify(3)), so that a hung kiosk is
//! restarted: `READY=1` once the kiosk serves, then `WATCHDOG=1` every half
//! `WatchdogSec` **only while** the session's event loop and the
//! touchscreen's event loop are both seen running. A kiosk stuck in either
//! stops pinging, and systemd kills and restarts it (the unit in
//! `packaging/uketsuke.service`). Without `NOTIFY_SOCKET` (not under
//! systemd) nothing is sent.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tracing::{error, info};

/// A loop's proof of life: the last time it went round.
#[derive(Debug)]
pub struct Heartbeat {
    start: Instant,
    last_ms: AtomicU64,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self { start: Instant::now(), last_ms: AtomicU64::new(0) }
    }
}

impl Heartbeat {
    /// The loop went round now.
    pub fn beat(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// How long ago the loop last went round.
    pub fn age(&self) -> Duration {
        self.start.elapsed().saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// The service manager's notification socket (`$NOTIFY_SOCKET`).
pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
}

impl Notifier {
    /// The socket systemd gave the kiosk, if it runs under systemd.
    pub fn from_env() -> std::io::Result<Option<Self>> {
        let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return Ok(None) };
        let path = path.to_string_lossy().into_owned();
        let addr = match path.strip_prefix('@') {
            Some(name) => SocketAddr::from_abstract_name(name.as_bytes())?,
            None => SocketAddr::from_pathname(&path)?,
        };
        Ok(Some(Self { socket: UnixDatagram::unbound()?, addr }))
    }

    /// Sends one notification (`READY=1`, `WATCHDOG=1`, `STATUS=…`).
    pub fn notify(&self, state: &str) -> std::io::Result<()> {
        self.socket.send_to_addr(state.as_bytes(), &self.addr).map(drop)
    }
}

/// `WatchdogSec` as systemd passes it (`$WATCHDOG_USEC`, for this process).
pub fn interval_from_env() -> Option<Duration> {
    if let Some(pid) = std::env::var_os("WATCHDOG_PID")
        && pid.to_string_lossy() != std::process::id().to_string()
    {
        return None;
    }
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec))
}

/// Pings the watchdog every half `interval` while every heartbeat in
/// `beats` went round within three quarters of `interval`; `prod` is called before each
/// look (to ask a loop that only beats on request, like the touchscreen's,
/// to beat). Runs on its own thread for the process's life.
pub fn spawn(
    notifier: Notifier,
    interval: Duration,
    beats: Vec<(&'static str, Arc<Heartbeat>)>,
    prod: impl Fn() + Send + 'static,
) -> std::io::Result<()> {
    let half = interval / 2;
    let limit = interval * 3 / 4;
    std::thread::Builder::new().name("watchdog".into()).spawn(move || {
        let mut withheld = false;
        loop {
            prod();
            std::thread::sleep(half);
            match beats.iter().find(|(_, b)| b.age() > limit) {
                None => {
                    if withheld {
                        info!("the kiosk's loops run again; watchdog pings resume");
                        withheld = false;
                    }
                    let _ = notifier.notify("WATCHDOG=1");
                }
                Some((name, beat)) if !withheld => {
                    withheld = true;
                    error!(
                        stalled = name,
                        for_ms = beat.age().as_millis() as u64,
                        "a kiosk loop has stopped; withholding the watchdog ping so that systemd restarts the kiosk"
                    );
                }
                Some(_) => {}
            }
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener() -> (tempfile::TempDir, UnixDatagram, Notifier) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("notify");
        let rx = UnixDatagram::bind(&path).unwrap_or_else(|e| panic!("{e}"));
        rx.set_read_timeout(Some(Duration::from_millis(50))).unwrap_or_else(|e| panic!("{e}"));
        let addr = SocketAddr::from_pathname(&path).unwrap_or_else(|e| panic!("{e}"));
        let notifier = Notifier { socket: UnixDatagram::unbound().unwrap_or_else(|e| panic!("{e}")), addr };
        (dir, rx, notifier)
    }

    /// What arrives in the next 400 ms.
    fn received(rx: &UnixDatagram) -> Vec<String> {
        let mut buf = [0u8; 64];
        let mut got = Vec::new();
        let until = Instant::now() + Duration::from_millis(400);
        while Instant::now() < until {
            if let Ok(n) = rx.recv(&mut buf) {
                got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
        got
    }

    #[test]
    fn a_loop_that_keeps_beating_keeps_the_watchdog_fed() {
        let (_dir, rx, notifier) = listener();
        let beat = Arc::new(Heartbeat::default());
        let b = Arc::clone(&beat);
        spawn(notifier, Duration::from_millis(100), vec![("runner", beat)], move || b.beat())
            .unwrap_or_else(|e| panic!("{e}"));
        let got = received(&rx);
        assert!(got.iter().filter(|m| *m == "WATCHDOG=1").count() >= 3, "{got:?}");
    }

    #[test]
    fn a_stalled_loop_starves_the_watchdog_so_systemd_restarts_the_kiosk() {
        let (_dir, rx, notifier) = listener();
        let stalled = Arc::new(Heartbeat::default());
        std::thread::sleep(Duration::from_millis(200));
        let alive = Arc::new(Heartbeat::default());
        let a = Arc::clone(&alive);
        // `stalled` never beats after the start; `alive` beats on every look.
        spawn(notifier, Duration::from_millis(100), vec![("ui", alive), ("runner", stalled)], move || a.beat())
            .unwrap_or_else(|e| panic!("{e}"));
        let got = received(&rx);
        assert!(!got.iter().any(|m| m == "WATCHDOG=1"), "{got:?}");
    }

    #[test]
    fn an_abstract_notify_socket_is_understood() {
        // systemd gives `@/org/freedesktop/systemd1/notify/…` in containers.
        let addr = SocketAddr::from_abstract_name(b"/uketsuke-test").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(addr.as_abstract_name(), Some(&b"/uketsuke-test"[..]));
    }
}
