//! The simulated kiosk (`uketsuke-sim-kiosk`) run headless on a sandboxed pcscd, with a
//! scripted patient from `tests/scenarios/`, the virtual camera with the
//! real face models, and a virtual reception terminal over HTTP.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, Result};

use uketsuke_firmware::host::identity;
use uketsuke_firmware::host::staff_tls::StaffTls;

use crate::bins::bin_path;
use crate::sandbox::PcscSandbox;
use crate::terminal::{HostLink, test_identity};

/// A staff token the tests' kiosks use.
pub const STAFF_TOKEN: &str = "t3St-Kq8w2Zr5Yp9Lm4Xv7Nc1Bh6Gd0Fj";

/// `tests/scenarios/NAME`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

/// Writes a kiosk config in the sandbox's scratch directory: the terminal
/// at `host` (none = the kiosk's own virtual terminal), staff API on a
/// free loopback port, short timeouts, the test kiosk identity (which
/// `TerminalServer` lets in) in its state directory. `extra` is appended as is.
pub fn write_config(sb: &PcscSandbox, host: Option<&HostLink>, extra: &str) -> Result<PathBuf> {
    let token = sb.scratch().join("staff-token");
    std::fs::write(&token, STAFF_TOKEN)?;
    let state = sb.scratch().join("state");
    if !state.join(identity::KEY_FILE).exists() {
        test_identity().save(&state)?;
    }
    // The staff console's certificate, as `uketsuke provision` makes it.
    StaffTls::provision(&state, &["127.0.0.1".to_owned()])?;
    let issuer = write_test_issuer(sb.scratch())?;
    let host = match host {
        Some(link) => {
            let ca = sb.scratch().join("terminal-ca.pem");
            std::fs::write(&ca, &link.ca_pem)?;
            format!("url = \"{}\"\nca_file = \"{}\"\n", link.url, ca.display())
        }
        None => String::new(),
    };
    let text = format!(
        "[host]\n{host}timeout = 5\nretries = 1\n\n[staff]\nlisten = \"127.0.0.1:0\"\ntoken_file = \"{token}\"\n\n\
         [identity]\nstate_dir = \"{state}\"\n\n[card]\nface_issuer_key = \"{issuer}\"\n\n\
         [flow]\ninactivity_timeout = 20\ninactivity_warning = 5\nresult_display = 2\n{extra}",
        token = token.display(),
        state = state.display(),
        issuer = issuer.display()
    );
    let path = sb.scratch().join("kiosk.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// The staff console's certificate (PEM) of the kiosk configured by
/// [`write_config`] in this sandbox.
pub fn staff_certificate(sb: &PcscSandbox) -> Result<String> {
    Ok(std::fs::read_to_string(sb.scratch().join("state").join(uketsuke_firmware::host::staff_tls::CERT_FILE))?)
}

/// An HTTPS client for the staff API of the kiosk configured by
/// [`write_config`] in this sandbox, trusting only its staff certificate.
pub fn staff_agent(sb: &PcscSandbox) -> Result<ureq::Agent> {
    let trusted = uketsuke_net::tls::certificates(&staff_certificate(sb)?, "the staff certificate")?;
    let config = uketsuke_net::tls::client_config(&trusted, None)?;
    Ok(ureq::AgentBuilder::new()
        .tls_config(config)
        .https_only(true)
        .timeout(std::time::Duration::from_secs(10))
        .build())
}

/// Signs in as `name` with [`STAFF_TOKEN`] at the staff console `console`
/// (`https://…/staff/`): the `Authorization` header for the session.
pub fn staff_sign_in(agent: &ureq::Agent, console: &str, name: &str) -> Result<String> {
    let body = serde_json::json!({"name": name, "token": STAFF_TOKEN});
    let session: serde_json::Value = agent.post(&format!("{console}v1/sign-in")).send_json(body)?.into_json()?;
    Ok(format!("Bearer {}", session["session"].as_str().context("no staff session")?))
}

/// The kiosk's parts for a test that runs the kiosk runtime in its own
/// process: `reader`, the simulator's face camera and card-slot camera
/// (`devices`; the kiosk's own OCR reads the card face), the reception
/// terminal `terminal`, the test kiosk identity and staff token, the staff
/// API on a free loopback port, and no status panel.
pub fn sim_parts(
    reader: std::sync::Arc<dyn uketsuke_driver::hal::reader::CardReader>,
    devices: &uketsuke_sim_kiosk::devices::SimDevices,
    terminal: &crate::terminal::TerminalServer,
) -> Result<uketsuke_firmware::runtime::Parts> {
    use std::sync::Arc;
    use uketsuke_surface::{CameraSurface, ReaderConfig};
    let mut config = uketsuke_firmware::config::Config::default();
    config.staff.listen = "127.0.0.1:0".parse()?;
    Ok(uketsuke_firmware::runtime::Parts {
        config,
        reader,
        camera: Arc::new(devices.clone()),
        surface: Box::new(CameraSurface::loading(Box::new(devices.slot_camera()), ReaderConfig::default())),
        code_b_policy: uketsuke_firmware::runtime::card_face::CodeBPolicy::default(),
        card_face_issuer: uketsuke_sim_kiosk::world::test_issuer().context("the test issuer key")?,
        host_url: terminal.base.clone(),
        host_trust: Some(terminal.tls.ca_pem()),
        staff_tls: Some(StaffTls::generate(&["127.0.0.1".to_owned()])?),
        identity: Arc::new(identity::KioskIdentity::from_pkcs8(test_identity().pkcs8_der()).context("test identity")?),
        staff_token: uketsuke_firmware::host::staff::StaffToken::new(STAFF_TOKEN)?,
        models: uketsuke_firmware::face::models::ModelPaths::default_location(),
        preview: None,
        // The simulated patient reads the screens and makes the movement
        // the liveness challenge asks for, as in the simulated kiosk.
        status_panel: Some(Box::new(uketsuke_sim_kiosk::status_panel::PatientEyes {
            panel: uketsuke_sim_kiosk::status_panel::SimStatusPanel::default(),
            stage: Arc::clone(&devices.stage),
        })),
    })
}

/// Writes the test PKI's card-face issuer key (PKCS#1 DER) into `dir`.
pub fn write_test_issuer(dir: &Path) -> Result<PathBuf> {
    use rsa::pkcs1::EncodeRsaPublicKey;
    let key = uketsuke_hw_sim::pki::derived_key(uketsuke_hw_sim::pki::CARD_FACE_ISSUER_LABEL)?.to_public_key();
    let path = dir.join("card-face-issuer.der");
    std::fs::write(&path, key.to_pkcs1_der()?.as_bytes())?;
    Ok(path)
}

/// `uketsuke-sim-kiosk --headless --script SCRIPT --config CONFIG` on the sandbox.
pub fn kiosk_cmd(sb: &PcscSandbox, config: &Path, script: &Path) -> Command {
    let mut cmd = Command::new(bin_path("uketsuke-sim-kiosk"));
    cmd.args(["--headless", "--script"])
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
pub fn run_scenario(sb: &PcscSandbox, host: Option<&HostLink>, name: &str) -> Result<Transcript> {
    run_scenario_logging(sb, host, name, "info")
}

/// The kiosk configuration a scenario asks for: its lines starting `#! `
/// (comments to the script player), as TOML.
pub fn scenario_config(name: &str) -> Result<String> {
    let text = std::fs::read_to_string(scenario(name))?;
    Ok(text.lines().filter_map(|l| l.strip_prefix("#! ")).map(|l| format!("{l}\n")).collect())
}

/// Runs a scenario to its end with `RUST_LOG` set to `filter`.
pub fn run_scenario_logging(sb: &PcscSandbox, host: Option<&HostLink>, name: &str, filter: &str) -> Result<Transcript> {
    let config = write_config(sb, host, &scenario_config(name)?)?;
    let output = kiosk_cmd(sb, &config, &scenario(name)).env("RUST_LOG", filter).output().with_context(|| {
        format!("running {} (build it with cargo build --bins)", bin_path("uketsuke-sim-kiosk").display())
    })?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let logs = String::from_utf8_lossy(&output.stderr).into_owned();
    Ok(Transcript { output, text, logs })
}

/// A kiosk running in the background, its transcript arriving line by line.
pub struct RunningKiosk {
    /// The process.
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    logs: std::thread::JoinHandle<String>,
    /// Every transcript line so far.
    pub seen: Vec<String>,
}

impl RunningKiosk {
    /// Starts `uketsuke` headless on `script` with `config`.
    pub fn start(sb: &PcscSandbox, config: &Path, script: &Path) -> Result<Self> {
        Self::spawn(kiosk_cmd(sb, config, script))
    }

    /// Starts `cmd` (a `uketsuke` command), reading its transcript and logs.
    pub fn spawn(mut cmd: Command) -> Result<Self> {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut stderr = child.stderr.take().context("no stderr")?;
        // Drain the logs as they come: a full pipe would stall the kiosk.
        let logs = std::thread::spawn(move || {
            use std::io::Read;
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Self { child, lines, logs, seen: Vec::new() })
    }

    /// Waits for a transcript line containing `text` and returns it.
    pub fn wait_line(&mut self, text: &str, timeout: std::time::Duration) -> Result<String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return Ok(line);
                    }
                }
                Err(_) => anyhow::bail!("no line with {text:?} in time; transcript so far:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// The next transcript line, if one comes within `timeout` (not kept in
    /// [`RunningKiosk::seen`]: for long runs).
    pub fn next_line(&mut self, timeout: std::time::Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// The staff console's address (`https://…/staff/`) from the kiosk's
    /// first transcript line.
    pub fn staff_console(&mut self) -> Result<String> {
        let header = self.wait_line("staff console", std::time::Duration::from_secs(60))?;
        let url = header.split_whitespace().find(|w| w.starts_with("https://"));
        Ok(url.with_context(|| format!("no https staff console in {header:?}"))?.to_owned())
    }

    /// Waits for the kiosk to finish; the rest of the transcript and the logs.
    pub fn finish(mut self) -> Result<(std::process::ExitStatus, String, String)> {
        let status = self.child.wait()?;
        let stderr = self.logs.join().unwrap_or_default();
        self.seen.extend(self.lines.try_iter());
        Ok((status, self.seen.join("\n"), stderr))
    }
}

/// A process's resident memory (VmRSS in `/proc/PID/status`), in MiB; 0
/// when it cannot be read (the process has ended).
pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}
