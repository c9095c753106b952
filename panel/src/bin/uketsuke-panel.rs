//! `uketsuke-panel gallery --out DIR`: every state of the status panel, in
//! both reference layouts and both languages, as PNG (no display needed).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "The Uketsuke status panel, rendered to PNG")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes LAYOUT/LANG/STATE.png for every state under --out.
    Gallery {
        /// The folder to write into.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Gallery { out } => {
            let files = uketsuke_panel::sim::gallery(&out)?;
            #[allow(clippy::print_stdout)] // the command's output
            {
                println!("wrote {} images under {}", files.len(), out.display());
            }
        }
    }
    Ok(())
}
