//! `uketsuke-sim`: the simulator's command line.
//!
//! - `uketsuke-sim personas [--json]`
//! - `uketsuke-sim card --persona ID [--vpcd 127.0.0.1:35963] [--remove-after SECS] [faults…]`
//! - `uketsuke-sim card-face --persona ID --out FILE.jpg [--seed N] [--clean] [--thumb over-code]`
//! - `uketsuke-sim terminal [--listen 127.0.0.1:8470] --allow-kiosk kiosk-key.pub.pem --ca-out terminal-ca.pem [--min-score 0.4] [--plain-http]`
//!
//! `card` prints one JSON line per event on stdout (`inserted`, `removed`)
//! so scripts and tests can follow it; logs go to stderr.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde_json::json;
use uketsuke_hw_sim::card::{ATR, CardSpec, VirtualCard, build_card};
use uketsuke_hw_sim::faults::{Faults, LinkModel};
use uketsuke_hw_sim::persona::{self, CardImages};
use uketsuke_hw_sim::terminal::Terminal;
use uketsuke_hw_sim::terminal::policy::TerminalPolicy;
use uketsuke_hw_sim::terminal::tls::TerminalTls;
use uketsuke_hw_sim::vpcd::{self, Ended, Insertion};

#[derive(Parser)]
#[command(name = "uketsuke-sim", version, about = "Uketsuke simulator: virtual My Number Cards in a real pcscd")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the personas.
    Personas {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Insert a persona's virtual card into vpcd's reader until killed.
    Card(CardArgs),
    /// Run the virtual reception terminal (docs/host-protocol.md).
    Terminal(TerminalArgs),
    /// Photograph a persona's card face as the card-slot camera sees it
    /// (1280×720 JPEG), for `uketsuke-card surface`.
    CardFace(CardFaceArgs),
}

#[derive(clap::Args)]
struct CardFaceArgs {
    /// Persona id (see `uketsuke-sim personas`).
    #[arg(long)]
    persona: String,
    /// The image to write: JPEG as the camera delivers it, or PNG (`.png`).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the placement, light, blur, noise and layout.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A clean, square-on photograph instead of a random placement.
    #[arg(long)]
    clean: bool,
    /// A thumb on the card: `top-left`, `top-right` or `over-code`.
    #[arg(long)]
    thumb: Option<String>,
}

#[derive(clap::Args)]
struct TerminalArgs {
    /// Address to listen on (keep it on loopback).
    #[arg(long, default_value = "127.0.0.1:8470")]
    listen: SocketAddr,
    /// A kiosk's public key file (`kiosk-key.pub.pem`, printed by
    /// `uketsuke provision`) to let in; repeat for more kiosks. With none,
    /// every request is refused.
    #[arg(long = "allow-kiosk", value_name = "PEM")]
    allow_kiosk: Vec<PathBuf>,
    /// Lowest face score accepted, whatever the kiosk states.
    #[arg(long, default_value_t = TerminalPolicy::default().min_score)]
    min_score: f64,
    /// Fewest frames a face decision may rest on.
    #[arg(long, default_value_t = TerminalPolicy::default().min_frames)]
    min_frames: u64,
    /// Where to write the terminal's CA certificate (PEM), for the kiosk's
    /// `host.ca_file`. The CA and the server certificate are made at start.
    #[arg(long, value_name = "PEM")]
    ca_out: Option<PathBuf>,
    /// DEVELOPMENT ONLY: serve plain HTTP, unencrypted and unauthenticated.
    #[arg(long)]
    plain_http: bool,
}

#[derive(clap::Args)]
struct CardArgs {
    /// Persona id (see `uketsuke-sim personas`).
    #[arg(long)]
    persona: String,
    /// vpcd's address (the reader driver listens there).
    #[arg(long, default_value = "127.0.0.1:35963")]
    vpcd: SocketAddr,
    /// Take the card away after this many seconds.
    #[arg(long, value_name = "SECS")]
    remove_after: Option<f64>,
    /// Fault: pull the card just before APDU N (counted from power-on).
    #[arg(long, value_name = "N")]
    remove_before_apdu: Option<usize>,
    /// Fault: the card stops answering from APDU N on.
    #[arg(long, value_name = "N")]
    mute_from_apdu: Option<usize>,
    /// Fault: corrupt the response to APDU N.
    #[arg(long, value_name = "N")]
    corrupt_apdu: Option<usize>,
    /// Delay each APDU by a contactless link model.
    #[arg(long)]
    slow_link: bool,
    /// Bit rate of the slow link, kbit/s.
    #[arg(long, default_value_t = 424, value_name = "KBPS")]
    link_kbps: u32,
    /// After a fault removed the card, put it back after SECS, without faults.
    #[arg(long, value_name = "SECS")]
    reinsert_after: Option<f64>,
    /// Present a contactless card that is not a My Number Card (no applications).
    #[arg(long)]
    foreign_card: bool,
    /// How long to wait for vpcd to accept the card.
    #[arg(long, default_value_t = 15.0, value_name = "SECS")]
    connect_timeout: f64,
}

fn main() {
    uketsuke_driver::logging::init_cli("info");
    if let Err(e) = run(Cli::parse()) {
        eprintln_error(&e);
        std::process::exit(1);
    }
}

#[allow(clippy::print_stderr)]
fn eprintln_error(e: &anyhow::Error) {
    eprintln!("uketsuke-sim: error: {e:#}");
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Personas { json } => list_personas(json),
        Command::Card(args) => card(&args),
        Command::Terminal(args) => terminal(&args),
        Command::CardFace(args) => card_face(&args),
    }
}

fn card_face(args: &CardFaceArgs) -> Result<()> {
    use uketsuke_hw_sim::card_face::{CardFace, layout, shot};
    let persona = persona::by_id(&args.persona)?;
    let face = CardFace::of_persona(&persona, &persona::data_dir().join("faces"))?;
    let fonts = uketsuke_hw_sim::card_face::draw::Fonts::load()?;
    let flat = layout::render(&face, &fonts, &layout::Style::from_seed(args.seed))?;
    let mut shot = if args.clean { shot::Shot::clean(args.seed) } else { shot::Shot::random(args.seed) };
    shot.thumb = match args.thumb.as_deref() {
        None => shot.thumb,
        Some("top-left") => Some(shot::Thumb::TopLeft),
        Some("top-right") => Some(shot::Thumb::TopRight),
        Some("over-code") => Some(shot::Thumb::OverCode),
        Some(other) => anyhow::bail!("--thumb {other:?}: top-left, top-right or over-code"),
    };
    let jpeg = shot.photograph(&flat);
    if args.out.extension().is_some_and(|e| e == "png") {
        image::load_from_memory(&jpeg)?.save(&args.out).with_context(|| format!("writing {}", args.out.display()))?;
    } else {
        std::fs::write(&args.out, jpeg).with_context(|| format!("writing {}", args.out.display()))?;
    }
    Ok(())
}

fn terminal(args: &TerminalArgs) -> Result<()> {
    let policy = TerminalPolicy { min_score: args.min_score, min_frames: args.min_frames, require_liveness: true };
    let terminal = Terminal::new(policy)?;
    for path in &args.allow_kiosk {
        let key = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let id = terminal.kiosks.allow(&key).with_context(|| path.display().to_string())?;
        event(json!({"event": "kiosk_allowed", "kiosk": id}));
    }
    if terminal.kiosks.is_empty() {
        tracing::warn!("no kiosk is allowed (--allow-kiosk): every request will be refused");
    }
    let tls = if args.plain_http { None } else { Some(TerminalTls::generate()?) };
    if let (Some(tls), Some(path)) = (&tls, &args.ca_out) {
        std::fs::write(path, tls.ca_pem()).with_context(|| format!("writing {}", path.display()))?;
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    event(json!({"event": "listening", "addr": args.listen.to_string(), "url": format!("{scheme}://{}", args.listen)}));
    Ok(terminal.serve(args.listen, tls.as_ref(), &AtomicBool::new(false))?)
}

fn list_personas(json: bool) -> Result<()> {
    let all = persona::all()?;
    if json {
        let list: Vec<_> = all
            .iter()
            .map(|p| {
                json!({
                    "id": p.id,
                    "description": p.description,
                    "face_auth_only": p.face_auth_only,
                    "pin_tries_left": if p.face_auth_only { None } else { Some(p.pin_tries_left) },
                    "registered": p.insurance.registered,
                    "birth_year": p.birth_date.year(),
                    "certificate_not_after": p.certificate.not_after.to_string(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for p in &all {
            println!("{:<18} {}", p.id, p.description);
        }
    }
    Ok(())
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn event(value: serde_json::Value) {
    println!("{value}");
}

fn card(args: &CardArgs) -> Result<()> {
    let persona = persona::by_id(&args.persona)?;
    let data = persona::data_dir();
    let images = CardImages::load(&data, &persona)?;
    let mut card = if args.foreign_card {
        VirtualCard::new(Vec::new())
    } else {
        build_card(&CardSpec { persona: &persona, images: &images }).context("building the virtual card")?
    };
    let mut faults = Faults {
        remove_before_apdu: args.remove_before_apdu,
        mute_from_apdu: args.mute_from_apdu,
        corrupt_apdu: args.corrupt_apdu,
        link: args.slow_link.then(|| LinkModel::contactless(args.link_kbps)),
        record: None,
        card_face: Default::default(),
    };
    let deadline = args.remove_after.map(|s| Instant::now() + secs(s));
    let stop = AtomicBool::new(false);
    loop {
        let stream = vpcd::connect(args.vpcd, secs(args.connect_timeout))?;
        event(json!({"event": "inserted", "persona": persona.id, "vpcd": args.vpcd.to_string()}));
        let mut on_powered = || event(json!({"event": "powered", "persona": persona.id}));
        let mut insertion = Insertion {
            card: &mut card,
            atr: &ATR,
            faults: &faults,
            deadline,
            stop: &stop,
            on_powered: &mut on_powered,
        };
        let (ended, apdus) = insertion.run(stream)?;
        match ended {
            Ended::TimeUp | Ended::Stopped => {
                event(json!({"event": "removed", "reason": "time_up", "apdus": apdus}));
                return Ok(());
            }
            Ended::RemovedBeforeApdu(n) => {
                event(json!({"event": "removed", "reason": "fault", "before_apdu": n}));
                let Some(after) = args.reinsert_after else {
                    return Ok(());
                };
                std::thread::sleep(secs(after));
                faults = Faults { link: faults.link, ..Faults::default() };
            }
            Ended::ReaderGone => {
                event(json!({"event": "removed", "reason": "reader_gone", "apdus": apdus}));
                // pcscd stopped or restarted: wait for vpcd to come back.
            }
        }
    }
}
