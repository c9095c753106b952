//! Support for Uketsuke's end-to-end tests: a private pcscd with vpcd per
//! test, and helpers that run the real binaries against it.
//!
//! pcscd's socket path is fixed at build time (`/run/pcscd/pcscd.comm`) and
//! pcscd 1.9 ignores `PCSCLITE_CSOCK_NAME`; each sandbox therefore runs its
//! pcscd in a private mount namespace (`unshare -m`) with its own directory
//! bind-mounted over `/run/pcscd`. Clients reach it through
//! `PCSCLITE_CSOCK_NAME`, which libpcsclite honours. Each sandbox also has
//! its own vpcd port pair, so parallel runs never collide.

pub mod bins;
pub mod desktop;
pub mod direct;
pub mod fault_matrix;
pub mod kiosk;
pub mod sandbox;
pub mod soak;
pub mod staff_load;
pub mod terminal;
pub mod touchscreen;
pub mod udev;
pub mod webdriver;

pub use bins::{SimCard, bin_path, card_cmd, card_info, info, json_lines, run_card, sandbox, wait_for_card};
pub use sandbox::PcscSandbox;
