//! `uketsuke-ui gallery --out DIR [--size 1024x600] [--lang ja|en|zh|ko|vi|pt|es|tl] [--large-text]`:
//! renders every screen, in each state worth seeing, to PNG with Slint's
//! software renderer. No display is needed.
//!
//! `uketsuke-ui speak --lang ja|en --out DIR`: writes what the voice says on
//! every screen and for every guidance, one WAV each, and `texts.tsv` (the
//! file's name, then the text spoken).
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use slint::ComponentHandle;
use uketsuke_ui::gallery::{spoken_states, states};
use uketsuke_ui::render::OffScreen;
use uketsuke_ui::speech::{self, cache::SpeechCache, engine::VoiceFiles};

#[derive(Parser)]
#[command(name = "uketsuke-ui", version, about = "Uketsuke touchscreen tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render every screen to PNG.
    Gallery {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Window size, WIDTHxHEIGHT.
        #[arg(long, default_value = "1024x600")]
        size: String,
        /// Language: ja, en, zh, ko, vi, pt, es or tl.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// Large-text mode.
        #[arg(long)]
        large_text: bool,
    },
    /// Speak every screen and guidance text to WAV files.
    Speak {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Language: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// The data directory (the Japanese voice in `voice/`, the speech
        /// cache in `speech/`); else `$UKETSUKE_DATA_DIR`, else
        /// `~/.cache/uketsuke`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn parse_size(s: &str) -> Result<(u32, u32)> {
    let (w, h) = s.split_once('x').ok_or_else(|| anyhow!("--size must be WIDTHxHEIGHT, e.g. 1024x600"))?;
    Ok((w.parse().context("--size width")?, h.parse().context("--size height")?))
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Gallery { out, size, lang, large_text } => gallery(&out, &size, &lang, large_text),
        Command::Speak { out, lang, data_dir } => speak(&out, &lang, data_dir),
    }
}

/// `$UKETSUKE_DATA_DIR`, else `$XDG_CACHE_HOME/uketsuke` (else
/// `~/.cache/uketsuke`), as `scripts/setup` fills it.
fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("UKETSUKE_DATA_DIR") {
        return PathBuf::from(dir);
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("uketsuke")
}

fn speak(out: &std::path::Path, lang: &str, data_dir: Option<PathBuf>) -> Result<()> {
    let data = data_dir.unwrap_or_else(default_data_dir);
    let cache = SpeechCache::new(&data.join("speech"), VoiceFiles::in_dir(&data.join("voice")));
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let screen = OffScreen::new()?;
    screen.set_language(lang)?;
    let mut index = String::new();
    for (name, shown) in spoken_states() {
        uketsuke_ui::gallery::show_state(&screen.app, &name, &shown);
        let text = speech::as_text(lang, &speech::screen_words(&screen.app));
        let wav = cache.wav(lang, &text).with_context(|| format!("speaking {name}"))?;
        let path = out.join(format!("{name}.wav"));
        std::fs::copy(&wav, &path).with_context(|| format!("writing {}", path.display()))?;
        index.push_str(&format!("{name}.wav\t{text}\n"));
        println!("{}", path.display());
    }
    std::fs::write(out.join("texts.tsv"), index).context("writing texts.tsv")?;
    Ok(())
}

fn gallery(out: &std::path::Path, size: &str, lang: &str, large_text: bool) -> Result<()> {
    let (width, height) = parse_size(size)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let screen = OffScreen::new()?;
    screen.set_language(lang)?;
    for (name, shown) in states() {
        uketsuke_ui::gallery::show_state(&screen.app, name, &shown);
        screen.app.global::<uketsuke_ui::Kiosk>().set_large_text(large_text);
        let picture = screen.render_current(width, height);
        let path = out.join(format!("{name}.png"));
        image::save_buffer(&path, &picture.rgb, picture.width, picture.height, image::ExtendedColorType::Rgb8)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
