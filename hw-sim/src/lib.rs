//! Uketsuke's simulator (DESIGN.md §3): a virtual My Number Card that
//! implements the chip independently of the driver, the vpcd bridge that
//! puts it into a real pcscd, fault injection, and the personas.

pub mod ber;
pub mod camera;
pub mod card;
pub mod card_face;
pub mod era;
pub mod faults;
pub mod mynumber;
pub mod persona;
pub mod pki;
pub mod slot;
pub mod terminal;
pub mod vpcd;
