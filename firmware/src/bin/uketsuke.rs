//! `uketsuke`: the kiosk, on the configured hardware.
//!
//! `uketsuke [--config FILE]` reads `/etc/uketsuke/kiosk.toml` (or the
//! `kiosk.toml` in `$UKETSUKE_CONFIG_DIR`, or FILE) and runs the kiosk on
//! the card reader (PC/SC), the camera (V4L2) and the reception terminal it
//! names, with its touchscreen under a desktop or on Slint's linuxkms
//! backend (see docs/kiosk.md).
//!
//! `uketsuke provision [--config FILE]` makes the kiosk's own key in its
//! state directory (`identity.state_dir`, default `/var/lib/uketsuke`),
//! readable by its owner only, and prints the kiosk id and the public key
//! file to add to the reception terminal's allow-list. Run it once, as the
//! user the kiosk runs as; running it again keeps the existing key.
//!
//! This binary contains no simulator, and never falls back to one: with no
//! configuration, or with no hardware configured, it exits 2 with one line
//! that names what is missing and how to run the simulated kiosk instead
//! (`scripts/kiosk`, which runs `uketsuke-sim-kiosk`).
//!
//! Exit codes: 0 done, 2 the kiosk could not start (no or bad config, port
//! in use, no display, …). Logs go to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use uketsuke_driver::ap::issuer::IssuerKey;
use uketsuke_driver::hal::surface::DynCardSurface;
use uketsuke_driver::pcsc_reader::PcscReader;
use uketsuke_firmware::config::{Config, Language};
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::face::v4l2::V4l2Camera;
use uketsuke_firmware::host::identity::{self, KioskIdentity};
use uketsuke_firmware::host::staff::StaffToken;
use uketsuke_firmware::host::staff_tls::{self, StaffTls};
use uketsuke_firmware::runtime::card_face::CodeBPolicy;
use uketsuke_firmware::runtime::window::Touchscreen;
use uketsuke_firmware::runtime::{self, Parts, watchdog};
use uketsuke_surface::{CameraSurface, ReaderConfig};

/// Where a real kiosk's configuration lives.
const SYSTEM_CONFIG_DIR: &str = "/etc/uketsuke";
/// Where a real kiosk keeps its key, unless `identity.state_dir` says otherwise.
const SYSTEM_STATE_DIR: &str = "/var/lib/uketsuke";
/// How to try the kiosk without hardware.
const RUN_THE_SIMULATOR: &str = "to try the kiosk without hardware, run the simulated kiosk: scripts/kiosk";

#[derive(Parser)]
#[command(name = "uketsuke", version, about = "Uketsuke: the face-authentication card reader kiosk")]
struct Cli {
    /// Config file (default: kiosk.toml in $UKETSUKE_CONFIG_DIR, else /etc/uketsuke).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Not here: the simulator is not part of the product.
    #[arg(long, hide = true)]
    sim: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Make the kiosk's own key (once) and print its id for the reception terminal.
    Provision,
}

fn main() {
    uketsuke_surface::single_threaded_ocr();
    uketsuke_driver::logging::init_cli("info");
    uketsuke_firmware::runtime::failure::exit_on_panic();
    let cli = Cli::parse();
    if let Err(e) = run(&cli) {
        eprintln!("uketsuke: error: {e:#}");
        std::process::exit(2);
    }
}

/// Under systemd (`Type=notify`, `WatchdogSec=`): says the kiosk is ready,
/// then feeds the watchdog while both the session loop and the
/// touchscreen's loop run, so that a hung kiosk is restarted.
fn watch_over(kiosk: &runtime::Kiosk) -> Result<()> {
    let Some(notifier) = watchdog::Notifier::from_env().context("NOTIFY_SOCKET")? else { return Ok(()) };
    notifier.notify("READY=1").context("telling systemd the kiosk is ready")?;
    if let Some(interval) = watchdog::interval_from_env() {
        let ui = Arc::new(watchdog::Heartbeat::default());
        let prod = Arc::clone(&ui);
        let beats = vec![("session loop", Arc::clone(&kiosk.heartbeat)), ("touchscreen", ui)];
        watchdog::spawn(notifier, interval, beats, move || {
            let ui = Arc::clone(&prod);
            let _ = slint::invoke_from_event_loop(move || ui.beat());
        })?;
    }
    Ok(())
}

/// The configuration file: `--config`, else `kiosk.toml` in the config directory.
fn config_path(cli: &Cli) -> Result<PathBuf> {
    if let Some(path) = &cli.config {
        return Ok(path.clone());
    }
    let dir = std::env::var_os("UKETSUKE_CONFIG_DIR").map_or_else(|| PathBuf::from(SYSTEM_CONFIG_DIR), PathBuf::from);
    let path = dir.join("kiosk.toml");
    if !path.exists() {
        bail!(
            "no kiosk configuration: {} does not exist and no --config was given; {RUN_THE_SIMULATOR}",
            path.display()
        );
    }
    Ok(path)
}

/// The hardware `config` is missing, by key.
fn missing_hardware(config: &Config) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if config.camera.device.is_none() {
        missing.push("camera.device");
    }
    if config.host.url.is_none() {
        missing.push("host.url");
    }
    if config.staff.token_file.is_none() {
        missing.push("staff.token_file");
    }
    if config.card.face_issuer_key.is_none() {
        missing.push("card.face_issuer_key");
    }
    if config.surface.device.is_none() {
        missing.push("surface.device");
    }
    missing
}

/// The kiosk's state directory.
fn state_dir(config: &Config) -> PathBuf {
    config.identity.state_dir.clone().unwrap_or_else(|| PathBuf::from(SYSTEM_STATE_DIR))
}

/// `uketsuke provision`: makes the key and the staff console's certificate
/// once, and says what the terminal and the staff need.
fn provision(dir: &Path, config: &Config) -> Result<()> {
    let (identity, created) = KioskIdentity::provision(dir)?;
    let verb = |created: bool| if created { "made" } else { "kept (already provisioned)" };
    println!("kiosk key   {}: {}", verb(created), dir.join(identity::KEY_FILE).display());
    println!("kiosk id    {}", identity.id());
    println!(
        "public key  {} (add it to the reception terminal's allow-list)",
        dir.join(identity::PUBLIC_KEY_FILE).display()
    );
    if let Some(path) = &config.staff.token_file
        && !path.exists()
    {
        identity::write_private(path, StaffToken::generate().as_bytes())?;
        println!(
            "staff token made: {} (give it to reception staff; they sign in with it and their name)",
            path.display()
        );
    }
    let names = StaffTls::names(config.staff.listen, &config.staff.tls_names);
    let (staff, created) = StaffTls::provision(dir, &names)?;
    println!("staff TLS   {}: {} for {}", verb(created), dir.join(staff_tls::CERT_FILE).display(), names.join(", "));
    println!("staff SHA-256 fingerprint {} (staff check it in their browser)", staff.fingerprint());
    Ok(())
}

fn run(cli: &Cli) -> Result<()> {
    if cli.sim {
        bail!("the simulator is not part of the kiosk binary; {RUN_THE_SIMULATOR}");
    }
    let path = config_path(cli)?;
    let config = Config::load(&path)?;
    if let Some(Command::Provision) = cli.command {
        return provision(&state_dir(&config), &config);
    }
    let missing = missing_hardware(&config);
    if !missing.is_empty() {
        bail!("no hardware configured in {}: {} missing; {RUN_THE_SIMULATOR}", path.display(), missing.join(", "));
    }
    let parts = hardware_parts(config)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        // A real kiosk always shows its touchscreen: under a desktop, or on
        // Slint's linuxkms backend.
        let language = parts.config.language;
        let mut touchscreen = Touchscreen::new(language)?;
        touchscreen.accessible(&parts.config.voice, &parts.config.keypad);
        let parts = Parts { preview: Some(touchscreen.preview_sink()), ..parts };
        let fingerprint = parts.staff_tls.as_ref().map(StaffTls::fingerprint).unwrap_or_default();
        let mut kiosk = runtime::start(parts)?;
        println!("kiosk    staff console {} (certificate SHA-256 {fingerprint})", kiosk.staff_url);
        touchscreen.open(&mut kiosk)?;
        watch_over(&kiosk)?;
        // Slint's event loop owns this (the main) thread; the kiosk runs on tokio's workers.
        slint::run_event_loop()?;
        Ok(())
    })
}

/// The card-surface scanner: the card-slot camera (`surface.device`) read
/// by the OCR reader, its models loaded in the background while the kiosk
/// starts.
fn card_surface(config: &Config) -> Result<Box<DynCardSurface>> {
    let Some(device) = config.surface.device.clone() else {
        return Err(anyhow!("surface.device is required"));
    };
    let camera = V4l2Camera { device, width: config.surface.width, height: config.surface.height };
    let reader_config = ReaderConfig {
        tessdata: config.surface.tessdata.clone(),
        min_confidence: config.surface.min_confidence,
        ..ReaderConfig::default()
    };
    Ok(Box::new(CameraSurface::loading(Box::new(camera), reader_config)))
}

/// The kiosk's parts on the configured hardware.
fn hardware_parts(config: Config) -> Result<Parts> {
    let (Some(device), Some(host_url), Some(token_file), Some(issuer_file)) = (
        config.camera.device.clone(),
        config.host.url.clone(),
        config.staff.token_file.clone(),
        config.card.face_issuer_key.clone(),
    ) else {
        return Err(anyhow!("camera.device, host.url, staff.token_file and card.face_issuer_key are required"));
    };
    let issuer =
        std::fs::read(&issuer_file).with_context(|| format!("card.face_issuer_key: {}", issuer_file.display()))?;
    let card_face_issuer =
        IssuerKey::parse(&issuer).with_context(|| format!("card.face_issuer_key: {}", issuer_file.display()))?;
    let staff_token = StaffToken::from_file(&token_file).context("staff.token_file")?;
    let identity = KioskIdentity::load(&state_dir(&config))?;
    let staff_tls = if config.staff.plain_http { None } else { Some(StaffTls::load(&state_dir(&config))?) };
    let host_trust = match &config.host.ca_file {
        Some(path) => Some(std::fs::read_to_string(path).with_context(|| format!("host.ca_file: {}", path.display()))?),
        None => None,
    };
    let camera = V4l2Camera { device, width: config.camera.width, height: config.camera.height };
    let surface = card_surface(&config)?;
    let code_b_policy = CodeBPolicy {
        min_confidence: config.surface.min_confidence,
        reserve: config.surface.reserve_tries,
        ..CodeBPolicy::default()
    };
    // The status panel is for the staff: one that cannot be opened is
    // logged, and the kiosk serves patients without it.
    // The staff panel speaks the staff's language: Japanese, or English
    // for a kiosk set to any other language.
    let lang = match config.language {
        Language::Ja => uketsuke_panel::Lang::Ja,
        _ => uketsuke_panel::Lang::En,
    };
    let status_panel = config.panel.open(lang).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the status panel cannot be used; the kiosk runs without it");
        None
    });
    Ok(Parts {
        config,
        reader: Arc::new(PcscReader),
        camera: Arc::new(camera),
        surface,
        code_b_policy,
        card_face_issuer,
        host_url,
        host_trust,
        identity: Arc::new(identity),
        staff_tls,
        staff_token,
        models: ModelPaths::default_location(),
        preview: None,
        status_panel,
    })
}
