//! The `uketsuke` kiosk binary run headless on a sandboxed pcscd, with a
//! scripted patient from `tests/scenarios/`, the virtual camera with the
//! real face models, and a virtual reception terminal over HTTP.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, Result};

use crate::bins::bin_path;
use crate::sandbox::PcscSandbox;

/// A staff token the tests' kiosks use.
pub const STAFF_TOKEN: &str = "reception-staff-token-for-tests";

/// `tests/scenarios/NAME`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

/// Writes a kiosk config in the sandbox's scratch directory: the terminal
/// at `host_url` (none = the kiosk's own virtual terminal), staff API on a
/// free loopback port, short timeouts. `extra` is appended as is.
pub fn write_config(sb: &PcscSandbox, host_url: Option<&str>, extra: &str) -> Result<PathBuf> {
    let token = sb.scratch().join("staff-token");
    std::fs::write(&token, STAFF_TOKEN)?;
    let host = host_url.map(|u| format!("url = \"{u}\"\n")).unwrap_or_default();
    let text = format!(
        "[host]\n{host}timeout = 5\nretries = 1\n\n[staff]\nlisten = \"127.0.0.1:0\"\ntoken_file = \"{token}\"\n\n\
         [flow]\ninactivity_timeout = 20\ninactivity_warning = 5\nresult_display = 2\n{extra}",
        token = token.display()
    );
    let path = sb.scratch().join("kiosk.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// `uketsuke --sim --headless --script SCRIPT --config CONFIG` on the sandbox.
pub fn kiosk_cmd(sb: &PcscSandbox, config: &Path, script: &Path) -> Command {
    let mut cmd = Command::new(bin_path("uketsuke"));
    cmd.args(["--sim", "--headless", "--script"])
        .arg(script)
        .arg("--config")
        .arg(config)
        .args(["--vpcd", &sb.vpcd_addr().to_string()])
        .stdin(Stdio::null());
    sb.env(&mut cmd);
    cmd
}

/// A finished headless run.
pub struct Transcript {
    /// The process output.
    pub output: Output,
    /// Standard output: the transcript.
    pub text: String,
    /// Standard error: the logs.
    pub logs: String,
}

impl Transcript {
    /// The `outcome` line's value.
    pub fn outcome(&self) -> &str {
        self.text.lines().rev().find_map(|l| l.strip_prefix("outcome")).map_or("", str::trim)
    }

    /// Whether a transcript line starts with `prefix` and contains `text`.
    pub fn has(&self, prefix: &str, text: &str) -> bool {
        self.text.lines().any(|l| l.starts_with(prefix) && l.contains(text))
    }
}

/// Runs a scenario to its end.
pub fn run_scenario(sb: &PcscSandbox, host_url: Option<&str>, name: &str) -> Result<Transcript> {
    let config = write_config(sb, host_url, "")?;
    let output = kiosk_cmd(sb, &config, &scenario(name))
        .output()
        .with_context(|| format!("running {} (build it with cargo build --bins)", bin_path("uketsuke").display()))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let logs = String::from_utf8_lossy(&output.stderr).into_owned();
    Ok(Transcript { output, text, logs })
}
