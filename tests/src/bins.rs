//! Running the real binaries (`uketsuke-sim`, `uketsuke-card`) against a sandbox.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::sandbox::PcscSandbox;

/// The path of a workspace binary, next to the running test's `deps/`.
/// The README's test command builds them first (`cargo build --bins`).
pub fn bin_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().and_then(|d| d.parent()).map(PathBuf::from).unwrap_or_default();
    dir.join(name)
}

/// A `uketsuke-card` command aimed at the sandbox's pcscd.
pub fn card_cmd(sb: &PcscSandbox, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin_path("uketsuke-card"));
    cmd.args(args);
    sb.env(&mut cmd);
    cmd
}

/// Runs `uketsuke-card` with `stdin` (a secret) and returns its output.
pub fn run_card(sb: &PcscSandbox, args: &[&str], stdin: &str) -> Result<Output> {
    let mut child =
        card_cmd(sb, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().with_context(
            || format!("running {} (build it with cargo build --bins)", bin_path("uketsuke-card").display()),
        )?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes())?;
    }
    Ok(child.wait_with_output()?)
}

/// Parses a child's stdout as JSON lines, on a thread, into a channel.
pub fn json_lines(stdout: ChildStdout) -> mpsc::Receiver<serde_json::Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line)
                && tx.send(v).is_err()
            {
                break;
            }
        }
    });
    rx
}

/// `uketsuke-card info --json` as JSON; an error if the command fails.
pub fn card_info(sb: &PcscSandbox) -> Result<serde_json::Value> {
    let out = run_card(sb, &["info", "--json"], "")?;
    if !out.status.success() {
        bail!("info failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Waits until pcscd reports a card in the sandbox's reader.
pub fn wait_for_card(sb: &PcscSandbox) -> Result<()> {
    let out = card_cmd(sb, &["wait", "--reader", sb.reader_name(), "--timeout", "15"]).output()?;
    if !out.status.success() {
        bail!("no card became present: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// A `uketsuke-sim card` process holding a virtual card in the sandbox's reader.
pub struct SimCard {
    child: Child,
    events: mpsc::Receiver<serde_json::Value>,
    /// Where the simulator's stderr (its logs) goes.
    pub log: PathBuf,
}

impl SimCard {
    /// Inserts `persona`'s card with extra `uketsuke-sim card` arguments and
    /// waits until the reader has powered it.
    pub fn start(sb: &PcscSandbox, persona: &str, extra: &[&str]) -> Result<Self> {
        let log = sb.scratch().join(format!("sim-{persona}-{}.log", std::process::id()));
        let mut child = Command::new(bin_path("uketsuke-sim"))
            .args(["card", "--persona", persona, "--vpcd", &sb.vpcd_addr().to_string()])
            .args(extra)
            .env("RUST_LOG", std::env::var("UKETSUKE_SIM_LOG").unwrap_or_else(|_| "trace".into()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .with_context(|| {
                format!("running {} (build it with cargo build --bins)", bin_path("uketsuke-sim").display())
            })?;
        let events = json_lines(child.stdout.take().context("no stdout")?);
        let mut sim = Self { child, events, log };
        sim.wait_event("powered", Duration::from_secs(30))?;
        wait_for_card(sb)?;
        Ok(sim)
    }

    /// Waits for the next event named `name`, skipping others.
    pub fn wait_event(&mut self, name: &str, timeout: Duration) -> Result<serde_json::Value> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.events.recv_timeout(left) {
                Ok(v) if v["event"] == name => return Ok(v),
                Ok(_) => {}
                Err(_) => bail!(
                    "simulator sent no {name:?} event in {timeout:?}; its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ),
            }
        }
    }

    /// The simulator's logs so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Takes the card away (kills the simulator).
    pub fn remove(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SimCard {
    fn drop(&mut self) {
        self.remove();
    }
}

/// A sandbox for a test; fails the test if pcscd cannot start.
#[allow(clippy::panic)]
pub fn sandbox() -> PcscSandbox {
    PcscSandbox::start().unwrap_or_else(|e| panic!("{e:#}"))
}

/// [`card_info`] for a test; fails the test on error.
#[allow(clippy::panic)]
pub fn info(sb: &PcscSandbox) -> serde_json::Value {
    card_info(sb).unwrap_or_else(|e| panic!("{e:#}"))
}
