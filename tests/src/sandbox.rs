//! A pcscd of a test's own, with a vsmartcard-vpcd reader on free ports.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

/// A running private pcscd. Dropping it stops pcscd.
pub struct PcscSandbox {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

fn ports_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok()
        && TcpListener::bind((Ipv4Addr::UNSPECIFIED, port + 1)).is_ok()
}

/// A pseudo-random even port in 40000..=59998, different per process and call.
fn candidate_port(attempt: u32) -> u16 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let mix = (std::process::id().wrapping_mul(2_654_435_761)) ^ nanos ^ attempt.wrapping_mul(40_503);
    40_000 + ((mix % 10_000) as u16) * 2
}

impl PcscSandbox {
    /// Starts pcscd with a vpcd reader; waits until both are ready.
    pub fn start() -> Result<Self> {
        let mut last = None;
        for attempt in 0..20 {
            let port = candidate_port(attempt);
            if !ports_free(port) {
                continue;
            }
            let dir = tempfile::Builder::new().prefix("uketsuke-pcscd-").tempdir()?;
            std::fs::create_dir_all(dir.path().join("conf"))?;
            std::fs::create_dir_all(dir.path().join("run"))?;
            let mut sb = Self { dir, port, child: None };
            match sb.launch() {
                Ok(()) => return Ok(sb),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("no free port pair for vpcd after 20 attempts")))
    }

    fn write_reader_conf(&self) -> Result<()> {
        std::fs::write(
            self.dir.path().join("conf").join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x{p:X}\nLIBPATH      {VPCD_DRIVER}\nCHANNELID    0x{p:X}\n",
                p = self.port
            ),
        )?;
        Ok(())
    }

    fn launch(&mut self) -> Result<()> {
        self.write_reader_conf()?;
        let run = self.dir.path().join("run");
        let _ = std::fs::remove_file(run.join("pcscd.comm"));
        let script = format!(
            "mkdir -p /run/pcscd && mount --bind '{run}' /run/pcscd && exec pcscd --foreground --config '{conf}'",
            run = run.display(),
            conf = self.dir.path().join("conf").display()
        );
        let log = std::fs::File::create(self.dir.path().join("pcscd.log"))?;
        // Root makes a mount namespace directly; anyone else through a user
        // namespace in which they are root (Debian allows these by default).
        let userns: &[&str] = if is_root() { &[] } else { &["--user", "--map-root-user"] };
        let child = Command::new("unshare")
            .args(userns)
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting pcscd (needs pcscd, vsmartcard-vpcd and unshare: run scripts/setup)")?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(self.socket().exists() && listening(self.port)) {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                bail!("pcscd exited early ({status}); log: {}", self.log());
            }
            if Instant::now() > deadline {
                bail!("pcscd or vpcd not ready after 10 s; log: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Stops pcscd (SIGTERM, then SIGKILL).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops and starts pcscd again on the same socket and ports.
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        self.launch()
    }

    /// The client socket path (`PCSCLITE_CSOCK_NAME`).
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("run").join("pcscd.comm")
    }

    /// Where the virtual card connects (first vpcd slot).
    pub fn vpcd_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The name pcscd gives the first vpcd slot.
    pub fn reader_name(&self) -> &'static str {
        "Virtual PCD 00 00"
    }

    /// A scratch directory that lives as long as the sandbox.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// pcscd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pcscd.log")).unwrap_or_default()
    }

    /// Sets `PCSCLITE_CSOCK_NAME` on a command so it talks to this pcscd.
    pub fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("PCSCLITE_CSOCK_NAME", self.socket())
    }

    /// Re-runs the calling test binary's test `test` alone, with `flag` set
    /// and this sandbox's PC/SC environment: libpcsclite reads its socket
    /// from the environment once per process, so a PC/SC client of this
    /// sandbox runs as a child. The test checks `flag` and plays the client.
    pub fn run_test_as_client(&self, flag: &str, test: &str) -> std::io::Result<std::process::Output> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(flag, "1")
            .stdin(std::process::Stdio::null());
        self.env(&mut cmd);
        cmd.output()
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Whether something listens on TCP `port` (from `/proc/net/tcp`), checked
/// without connecting: a connection would look like a card to vpcd.
fn listening(port: u16) -> bool {
    let suffix = format!(":{port:04X}");
    std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| {
        t.lines().skip(1).any(|l| {
            let mut f = l.split_whitespace().skip(1);
            f.next().is_some_and(|local| local.ends_with(&suffix)) && f.nth(1) == Some("0A")
        })
    })
}

impl Drop for PcscSandbox {
    fn drop(&mut self) {
        self.stop();
    }
}
