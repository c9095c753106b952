//! `uketsuke-sim-kiosk`: the kiosk on the simulator, for developers. It
//! runs the unchanged firmware on the virtual card (in the real pcscd
//! through vpcd), the virtual camera and the virtual reception terminal.
//!
//! - `uketsuke-sim-kiosk [--config kiosk.toml]`: under a desktop, the
//!   touchscreen window and the simulator's control panel; without one,
//!   patient commands are typed on the terminal.
//! - `uketsuke-sim-kiosk --headless --script FILE`: runs a scripted patient
//!   and prints the transcript (screens, choices, terminal calls, outcome).
//!
//! Exit codes: 0 done, 1 the script did not go as written, 2 the kiosk could
//! not start (bad config, port in use, …). Logs go to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use uketsuke_firmware::config::Config;
use uketsuke_firmware::face::models::data_dir;
use uketsuke_firmware::host::staff::{StaffToken, TokenError};
use uketsuke_firmware::host::staff_tls::StaffTls;
use uketsuke_firmware::runtime;
use uketsuke_firmware::runtime::window::Touchscreen;
use uketsuke_sim_kiosk::panel::open_with_panel;
use uketsuke_sim_kiosk::script;
use uketsuke_sim_kiosk::transcript::ScriptRunner;
use uketsuke_sim_kiosk::world::{CardsAt, SimWorld};
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "uketsuke-sim-kiosk",
    version,
    about = "Uketsuke: the kiosk on the simulator (virtual card, camera and reception terminal)"
)]
struct Cli {
    /// Config file (default: the built-in settings, with the virtual terminal).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// No screen: a scripted patient, with a printed transcript.
    #[arg(long)]
    headless: bool,
    /// The script (see tests/scenarios/); without it, commands are read from the terminal.
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// vpcd's address, where the virtual card is placed.
    #[arg(long, default_value = "127.0.0.1:35963", value_name = "ADDR")]
    vpcd: SocketAddr,
    /// Where the virtual card is read: `vpcd` (through pcscd, as a real
    /// card is) or `memory` (a reader in memory, without pcscd: a card put
    /// back counts at once, for long runs such as the soak).
    #[arg(long, default_value = "vpcd", value_name = "READER", value_parser = ["vpcd", "memory"])]
    reader: String,
    /// Milliseconds the scripted patient waits after each step (what the
    /// step caused shows in the transcript before the next one).
    #[arg(long, default_value_t = 50, value_name = "MS")]
    step_pause: u64,
}

fn main() {
    uketsuke_surface::single_threaded_ocr();
    uketsuke_driver::logging::init_cli("info");
    uketsuke_firmware::runtime::failure::exit_on_panic();
    let cli = Cli::parse();
    let code = match run(&cli) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("uketsuke-sim-kiosk: error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

/// A staff token for a simulator session with none configured: random,
/// kept in a file only the user can read, and named in the transcript.
fn sim_token() -> Result<(Zeroizing<String>, PathBuf)> {
    let text = StaffToken::generate();
    let path = data_dir().join("sim-staff-token");
    std::fs::create_dir_all(data_dir())?;
    write_private(&path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    Ok((text, path))
}

/// The configured staff token's text (never from the command line).
fn read_token(path: &Path) -> Result<Zeroizing<String>> {
    let text = std::fs::read_to_string(path).map_err(|_| TokenError::Unreadable(path.display().to_string()))?;
    Ok(Zeroizing::new(Zeroizing::new(text).trim().to_owned()))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

fn run(cli: &Cli) -> Result<bool> {
    let config = match &cli.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let steps = match &cli.script {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            Some(script::parse(&text).with_context(|| format!("script {}", path.display()))?)
        }
        None => None,
    };
    // Read once: the kiosk checks requests against it, and the script
    // runner and the control panel use it as reception staff.
    let (token_text, token_path) = match &config.staff.token_file {
        Some(path) => (read_token(path).context("staff.token_file")?, path.clone()),
        None => sim_token()?,
    };
    let token = StaffToken::new(&token_text).context("staff.token_file")?;

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let cards = if cli.reader == "memory" { CardsAt::Memory } else { CardsAt::Vpcd(cli.vpcd) };
        let own = config.host.url.is_none();
        let world = Arc::new(tokio::task::spawn_blocking(move || SimWorld::new(cards, own)).await??);
        // Under a desktop the touchscreen opens, unless a script plays the patient.
        let windowed = !cli.headless && steps.is_none() && has_display();
        let touchscreen = if windowed {
            let mut screen = Touchscreen::new(config.language)?;
            screen.accessible(&config.voice, &config.keypad);
            Some(screen)
        } else {
            None
        };
        let preview = touchscreen.as_ref().map(Touchscreen::preview_sink);
        let parts = world.parts(config, token, preview)?;
        let fingerprint = parts.staff_tls.as_ref().map(StaffTls::fingerprint);
        let mut kiosk = runtime::start(parts)?;
        let pin = fingerprint.map(|f| format!(", certificate SHA-256 {f}")).unwrap_or_default();
        println!("kiosk    staff console {} (token in {}{pin})", kiosk.staff_url, token_path.display());
        if let Some(screen) = touchscreen {
            let _panel = open_with_panel(&screen, &mut kiosk, world, token_text)?;
            // Slint's event loop owns this (the main) thread; the kiosk runs on tokio's workers.
            slint::run_event_loop()?;
            return Ok(true);
        }
        let mut print = |line: &str| println!("{line}");
        let mut runner = ScriptRunner::new(&mut kiosk, world, token_text, &mut print)
            .with_pause(std::time::Duration::from_millis(cli.step_pause));
        let ok = match steps {
            Some(steps) => match runner.run(steps).await {
                Ok(()) => true,
                Err(e) => {
                    println!("FAILED   {e}");
                    false
                }
            },
            None => interactive(&mut runner).await,
        };
        println!("outcome  {}", runner.outcome().unwrap_or("none"));
        Ok(ok)
    })
}

/// Whether a desktop (X11 or Wayland) is there to open windows on.
fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

/// Reads commands from the terminal until end of input.
async fn interactive(runner: &mut ScriptRunner<'_>) -> bool {
    println!("kiosk    type commands (place adult-registered, tap face, expect consent, …); Ctrl-D ends");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut ok = true;
    while let Some(line) = rx.recv().await {
        match script::parse_line(&line) {
            Ok(Some(step)) => {
                if let Err(e) = runner.step(step).await {
                    println!("FAILED   {e}");
                    ok = false;
                }
            }
            Ok(None) => {}
            Err(e) => println!("?        {e}"),
        }
    }
    ok
}
