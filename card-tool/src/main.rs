//! `uketsuke-card`: inspect any card reader and card from the command line,
//! and read card-face images (`surface`, the kiosk's OCR reader).
//!
//! Secrets (PIN, 照合番号B) are read from standard input, never from
//! arguments. Errors are one line on stderr with a non-zero exit code:
//! 1 any error, 3 wrong PIN/照合番号, 4 blocked, 5 card removed or absent,
//! 6 not a My Number Card.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead, IsTerminal, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use serde_json::json;
use uketsuke_driver::ap::face::FaceAp;
use uketsuke_driver::ap::jpki::JpkiAp;
use uketsuke_driver::ap::text::TextAp;
use uketsuke_driver::hal::reader::CardReader;
use uketsuke_driver::pcsc_reader::PcscReader;
use uketsuke_driver::pcsc_transport::{PcscTransport, wait_for_card};
use uketsuke_driver::reading::summarize;
use uketsuke_driver::secret::{CheckCodeB, Pin};
use uketsuke_driver::{Card, Error, PinStatus, TransportError};
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(name = "uketsuke-card", version, about = "Inspect card readers and My Number Cards over PC/SC")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ReaderArg {
    /// Reader name (default: the first reader holding a card).
    #[arg(long)]
    reader: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List the readers pcscd knows.
    Readers {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Follow readers and cards coming and going (one JSON line per event).
    Watch,
    /// Wait until a card is present; print the reader's name.
    Wait {
        #[command(flatten)]
        reader: ReaderArg,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
    /// Card kind, authentication certificate, PIN tries left (spends nothing).
    Info {
        #[command(flatten)]
        reader: ReaderArg,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Write the card-face photo (JPEG 2000); 照合番号B is read from stdin.
    Photo {
        #[command(flatten)]
        reader: ReaderArg,
        /// Output file.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Name, address, birth date and sex; the PIN is read from stdin.
    BasicInfo {
        #[command(flatten)]
        reader: ReaderArg,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Check the PIN; the PIN is read from stdin.
    VerifyPin {
        #[command(flatten)]
        reader: ReaderArg,
    },
    /// Sign a SHA-256 digest with the authentication key; PIN from stdin.
    Sign {
        #[command(flatten)]
        reader: ReaderArg,
        /// The 32-byte SHA-256 digest, hex.
        #[arg(long)]
        digest: String,
    },
    /// Read a card-face image (the card-slot camera's view): the birth
    /// date, the expiry year and the security code that make 照合番号B, and
    /// the 「顔認証」 mark. Exit 0 when 照合番号B could be formed, 7 when
    /// the face is unreadable (the guidance says why).
    Surface {
        /// The image (JPEG, PNG, …).
        image: std::path::PathBuf,
        /// Machine-readable output: birth_date, expiry_year, security_code,
        /// face_auth_mark, confidence, guidance.
        #[arg(long)]
        json: bool,
        /// Tesseract's data directory (its default when absent).
        #[arg(long)]
        tessdata: Option<std::path::PathBuf>,
    },
}

/// A failure with its exit code.
struct Failure(i32, String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::PinIncorrect { .. } => 3,
            Error::PinBlocked => 4,
            Error::Transport(TransportError::CardRemoved | TransportError::NoCard) => 5,
            Error::NotMyNumberCard => 6,
            _ => 1,
        };
        let msg = match &e {
            Error::PinBlocked => {
                "the PIN is blocked; it must be reset at the municipality office (住所地の市区町村)".to_owned()
            }
            _ => e.to_string(),
        };
        Self(code, msg)
    }
}

impl From<TransportError> for Failure {
    fn from(e: TransportError) -> Self {
        Error::from(e).into()
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self(1, e.to_string())
    }
}

impl From<uketsuke_surface::Error> for Failure {
    fn from(e: uketsuke_surface::Error) -> Self {
        Self(1, e.to_string())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Self(1, e.to_string())
    }
}

fn main() {
    uketsuke_surface::single_threaded_ocr();
    uketsuke_driver::logging::init_cli("warn");
    let cli = Cli::parse();
    if let Err(Failure(code, msg)) = run(cli) {
        eprintln!("uketsuke-card: error: {msg}");
        std::process::exit(code);
    }
}

/// Reads one secret line: from the terminal without echo, or from a pipe.
fn read_secret(prompt: &str) -> Result<Zeroizing<String>, Failure> {
    if std::io::stdin().is_terminal() {
        let s = rpassword::prompt_password(prompt)?;
        return Ok(Zeroizing::new(s));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line)
}

fn connect(reader: &ReaderArg) -> Result<Card<PcscTransport>, Failure> {
    Ok(Card::new(PcscTransport::connect(reader.reader.as_deref())?))
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Readers { json } => {
            let readers = PcscReader.readers()?;
            if json {
                println!("{}", serde_json::to_string(&readers)?);
            } else {
                readers.iter().for_each(|r| println!("{r}"));
            }
            Ok(())
        }
        Command::Watch => watch(),
        Command::Wait { reader, timeout } => {
            let found = wait_for_card(reader.reader.as_deref(), std::time::Duration::from_secs_f64(timeout.max(0.0)))?;
            println!("{found}");
            Ok(())
        }
        Command::Info { reader, json } => info(&reader, json),
        Command::Surface { image, json, tessdata } => surface(&image, json, tessdata),
        Command::Photo { reader, out } => photo(&reader, &out),
        Command::BasicInfo { reader, json } => basic_info(&reader, json),
        Command::VerifyPin { reader } => {
            let pin = Pin::parse(&read_secret("PIN (4 digits): ")?)?;
            let mut card = connect(&reader)?;
            JpkiAp::select(&mut card)?.verify_auth_pin(&pin)?;
            println!("PIN correct");
            Ok(())
        }
        Command::Sign { reader, digest } => sign(&reader, &digest),
    }
}

fn watch() -> Result<(), Failure> {
    let mut monitor = PcscReader.watch();
    let mut out = std::io::stdout();
    loop {
        match monitor.next_event(std::time::Duration::from_secs(3600)) {
            Ok(Some(event)) => {
                writeln!(out, "{}", serde_json::to_string(&event)?)?;
                out.flush()?;
            }
            Ok(None) => {}
            Err(_) => return Ok(()),
        }
    }
}

/// A retry counter for people: `blocked` and `none` say what those mean for it.
fn tries_text(p: PinStatus, blocked: &str, none: &str) -> String {
    match p {
        PinStatus::Tries(n) => format!("{n} tries left"),
        PinStatus::Verified => "verified".into(),
        PinStatus::Blocked => blocked.into(),
        PinStatus::NotSet => none.into(),
    }
}

fn pin_text(p: PinStatus) -> String {
    tries_text(p, "BLOCKED (reset at the municipality office)", "none (face-auth-only card)")
}

fn info(reader: &ReaderArg, as_json: bool) -> Result<(), Failure> {
    let mut card = connect(reader)?;
    let s = summarize(&mut card)?;
    // 照合番号B's own counter on the card-face AP (non-consuming query).
    let code_b = FaceAp::select(&mut card).and_then(|mut face| face.check_code_b_status())?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let expired = s.auth_cert.is_expired_at(now);
    let io = card.into_inner();
    if as_json {
        let v = json!({
            "reader": io.reader(),
            "atr": hex::encode_upper(io.atr()),
            "card": "my_number_card",
            "kind": s.kind,
            "face_auth_only": !s.kind.offers_pin(),
            "signing_cert_present": s.signing_cert_present,
            "auth_cert": {
                "subject": s.auth_cert.subject,
                "issuer": s.auth_cert.issuer,
                "serial": s.auth_cert.serial,
                "not_before": s.auth_cert.not_before,
                "not_after": s.auth_cert.not_after,
                "expired": expired,
            },
            "auth_pin": s.auth_pin,
            "text_pin": s.text_pin,
            "check_code_b": code_b,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("reader:        {}", io.reader());
        println!("card:          My Number Card ({})", if s.kind.offers_pin() { "standard" } else { "face-auth-only" });
        println!("auth cert:     {}", s.auth_cert.subject);
        println!("  serial:      {}", s.auth_cert.serial);
        println!(
            "  valid:       {} .. {}{}",
            s.auth_cert.not_before,
            s.auth_cert.not_after,
            if expired { " (EXPIRED)" } else { "" }
        );
        println!("PIN:           {}", pin_text(s.auth_pin));
        println!("text AP PIN:   {}", pin_text(s.text_pin));
        println!(
            "照合番号B:     {}",
            tries_text(code_b, "BLOCKED (the card face cannot be read by 照合番号B)", "none")
        );
    }
    Ok(())
}

fn photo(reader: &ReaderArg, out: &std::path::Path) -> Result<(), Failure> {
    let code = CheckCodeB::parse(&read_secret("照合番号B (14 digits): ")?)?;
    let mut card = connect(reader)?;
    let mut face = FaceAp::select(&mut card)?;
    face.verify_check_code_b(&code)?;
    let record = face.read_record()?;
    std::fs::write(out, record.photo.expose())?;
    println!("wrote {} bytes of JPEG 2000 to {}", record.photo.expose().len(), out.display());
    Ok(())
}

fn basic_info(reader: &ReaderArg, as_json: bool) -> Result<(), Failure> {
    let pin = Pin::parse(&read_secret("PIN (4 digits): ")?)?;
    let mut card = connect(reader)?;
    let mut text = TextAp::select(&mut card)?;
    text.verify_pin(&pin)?;
    let info = text.read_basic_info()?;
    if as_json {
        let v = json!({
            "name": info.name.expose(),
            "address": info.address.expose(),
            "birth_date": info.birth_date.expose(),
            "sex": info.sex,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("name:       {}", info.name.expose());
        println!("address:    {}", info.address.expose());
        println!("birth date: {}", info.birth_date.expose());
        println!("sex:        {:?}", info.sex);
    }
    Ok(())
}

fn sign(reader: &ReaderArg, digest_hex: &str) -> Result<(), Failure> {
    let digest: [u8; 32] = hex::decode(digest_hex)
        .ok()
        .and_then(|d| d.try_into().ok())
        .ok_or_else(|| Failure(1, "--digest must be 64 hex digits (a SHA-256 digest)".into()))?;
    let pin = Pin::parse(&read_secret("PIN (4 digits): ")?)?;
    let mut card = connect(reader)?;
    let mut jpki = JpkiAp::select(&mut card)?;
    jpki.verify_auth_pin(&pin)?;
    let sig = jpki.sign_with_auth_key(&uketsuke_driver::ap::sha256_digest_info(&digest))?;
    println!("{}", hex::encode(sig));
    Ok(())
}

fn surface(image: &std::path::Path, json: bool, tessdata: Option<std::path::PathBuf>) -> Result<(), Failure> {
    let bytes =
        Zeroizing::new(std::fs::read(image).map_err(|e| Failure(1, format!("cannot read {}: {e}", image.display())))?);
    let mut bgr = uketsuke_surface::decode(&bytes)?;
    let config = uketsuke_surface::ReaderConfig { tessdata, ..Default::default() };
    let reader = uketsuke_surface::SurfaceReader::new(&config)?;
    let reading = reader.read(&bgr, uketsuke_surface::today_in_japan());
    uketsuke_surface::camera::wipe(&mut bgr);
    let reading = reading?;
    let readable = reading.check_code_b().is_some();
    let birth = reading.birth.map(|(_, d)| d.to_string());
    let expiry_year = reading.expiry_year;
    let code = reading.code.as_ref().map(|c| c.to_string());
    let mark = match reading.mark {
        uketsuke_driver::hal::surface::FaceAuthMark::Present => "present",
        uketsuke_driver::hal::surface::FaceAuthMark::Cancelled => "cancelled",
        _ => "absent",
    };
    let guidance = if readable { None } else { reading.guidance.map(|g| g.code()) };
    if json {
        let v = json!({
            "birth_date": birth,
            "expiry_year": expiry_year,
            "security_code": code,
            "face_auth_mark": mark,
            "confidence": (f64::from(reading.confidence) * 1000.0).round() / 1000.0,
            "guidance": guidance,
        });
        println!("{v}");
    } else {
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
        println!("birth date:     {}", or_dash(birth));
        println!("expiry year:    {}", or_dash(expiry_year.map(|y| y.to_string())));
        println!("security code:  {}", or_dash(code));
        println!("「顔認証」 mark: {mark}");
        println!("confidence:     {:.3}", reading.confidence);
        if let Some(g) = guidance {
            println!("guidance:       {g}");
        }
    }
    if readable { Ok(()) } else { Err(Failure(7, "the card face could not be read".to_owned())) }
}
