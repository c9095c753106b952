//! Log setup shared by the command-line tools: `tracing` to stderr,
//! filtered by `RUST_LOG` (else `default`), colour only on a terminal.
//! Log lines never carry secrets or biometrics (DESIGN.md §5).

use std::io::IsTerminal;

/// Installs the global subscriber. Call once, at the start of `main`.
pub fn init_cli(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter)
        .init();
}
