//! `uketsuke-ui gallery --out DIR [--size 1024x600] [--lang ja|en]`: renders
//! every screen, in each state worth seeing, to PNG with Slint's software
//! renderer. No display is needed.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use uketsuke_ui::gallery::states;
use uketsuke_ui::render::OffScreen;

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
        /// Language: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
    },
}

fn parse_size(s: &str) -> Result<(u32, u32)> {
    let (w, h) = s.split_once('x').ok_or_else(|| anyhow!("--size must be WIDTHxHEIGHT, e.g. 1024x600"))?;
    Ok((w.parse().context("--size width")?, h.parse().context("--size height")?))
}

fn main() -> Result<()> {
    let Command::Gallery { out, size, lang } = Cli::parse().command;
    let (width, height) = parse_size(&size)?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let screen = OffScreen::new()?;
    screen.set_language(&lang)?;
    for (name, shown) in states() {
        let picture = screen.render(&shown, width, height);
        let path = out.join(format!("{name}.png"));
        image::save_buffer(&path, &picture.rgb, picture.width, picture.height, image::ExtendedColorType::Rgb8)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
