//! The simulated kiosk (DESIGN.md §3): the unchanged firmware, driven from
//! outside by the simulator. The product (`uketsuke-firmware`) does not
//! depend on this crate or on `uketsuke-hw-sim`; this crate wires the two.
//!
//! - [`world`]: the virtual card on vpcd's reader in a real pcscd, the
//!   virtual camera and card surface ([`devices`], behind the driver's HAL
//!   traits), and the virtual reception terminal; or, with
//!   [`memory_reader`], the virtual card held in memory without pcscd.
//! - [`script`] and [`transcript`]: scripted patients and what they saw.
//! - [`panel`]: the developer's control panel window.
//! - [`face_sim`] and [`face_bench`]: the face check on virtual-camera
//!   scenes, for `uketsuke-face scene` and `bench`; [`face_versus`]: the
//!   bench's side-by-side run against OpenCV's Python path.
//!
//! Binaries: `uketsuke-sim-kiosk` (what `scripts/kiosk` runs) and `uketsuke-face`.

/// The code Slint generates from `ui/control_panel.slint`.
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::restriction)]
mod generated {
    slint::include_modules!();
}

pub use generated::{ControlPanel, SimControl};

pub mod devices;
pub mod face_bench;
mod face_python;
pub mod face_sim;
pub mod face_versus;
pub mod memory_reader;
pub mod pad_eval;
pub mod panel;
pub mod script;
pub mod staff_client;
pub mod status_panel;
pub mod transcript;
pub mod world;
