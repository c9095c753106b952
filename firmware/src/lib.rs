//! The Uketsuke kiosk (DESIGN.md §3). Today: the face pipeline (`face`).
//! The session flow, host link and runtime come with their issues.

pub mod config;
pub mod face;
pub mod flow;
pub mod host;
