//! The Uketsuke kiosk (DESIGN.md §3): the sans-IO session `flow`, the face
//! pipeline (`face`), the reception-terminal link and staff API (`host`),
//! the tokio `runtime` that wires them to the devices, and `config`.
//!
//! This is the product: it holds no simulator. Devices come in through the
//! driver's HAL traits (`runtime::Parts`); the simulated kiosk
//! (`uketsuke-sim-kiosk`) passes its virtual ones from outside.

pub mod config;
pub mod face;
pub mod flow;
pub mod host;
#[cfg(feature = "kiosk")]
pub mod runtime;
