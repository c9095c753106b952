//! The Uketsuke kiosk (DESIGN.md §3): the sans-IO session `flow`, the face
//! pipeline (`face`), the reception-terminal link and staff API (`host`),
//! the tokio `runtime` that wires them to the devices, and `config`.

pub mod config;
pub mod face;
pub mod flow;
pub mod host;
pub mod runtime;
