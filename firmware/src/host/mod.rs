//! The kiosk's side of the reception-terminal link (docs/host-protocol.md).

pub mod client;
pub mod evidence;
pub mod identity;
pub mod staff;
pub mod staff_tls;
