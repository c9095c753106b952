//! `uketsuke-conformance --reader NAME [--json | --md]`: qualifies a PC/SC
//! reader for the kiosk (docs/vendor-guide.md). Exit codes: 0 every check
//! passed or did not apply, 1 a check failed, 2 usage or no such reader.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use uketsuke_conformance::{Options, qualify};
use uketsuke_driver::secret::CheckCodeB;
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(version, about = "Qualify a PC/SC card reader for the Uketsuke kiosk")]
struct Cli {
    /// The reader's PC/SC name, as `uketsuke-card readers` lists it.
    #[arg(long)]
    reader: String,
    /// Print the report as JSON.
    #[arg(long, conflicts_with = "md")]
    json: bool,
    /// Print the report as Markdown (the default).
    #[arg(long)]
    md: bool,
    /// Read the card's 照合番号B from standard input, to run the card read
    /// of DESIGN.md §6 (it spends no try while fewer than 3 are left).
    #[arg(long)]
    code_b_stdin: bool,
    /// Also check how fast a removal is noticed: take the card away when asked.
    #[arg(long)]
    removal: bool,
    /// How long to wait for the card to be taken away.
    #[arg(long, default_value_t = 30)]
    removal_timeout: u64,
}

#[allow(clippy::print_stdout, clippy::print_stderr)] // the tool's output and its one-line errors
fn main() -> ExitCode {
    let cli = Cli::parse();
    let code_b = if cli.code_b_stdin {
        if std::io::stdin().is_terminal() {
            eprint!("照合番号B: ");
        }
        let mut line = Zeroizing::new(String::new());
        if std::io::stdin().lock().read_line(&mut line).is_err() {
            eprintln!("uketsuke-conformance: cannot read 照合番号B from standard input");
            return ExitCode::from(2);
        }
        match CheckCodeB::parse(line.trim()) {
            Ok(code) => Some(code),
            Err(e) => {
                eprintln!("uketsuke-conformance: 照合番号B: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };
    let options = Options { code_b, removal: cli.removal.then(|| Duration::from_secs(cli.removal_timeout)) };
    let report = match qualify(&cli.reader, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("uketsuke-conformance: {}: {e}", cli.reader);
            return ExitCode::from(2);
        }
    };
    if cli.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("uketsuke-conformance: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", report.to_markdown());
    }
    if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
