//! The staff API's server: `host::staff::StaffApi` served over TLS on its
//! own thread (plain HTTP only as a loudly logged development setting), and
//! the staff actions it accepts forwarded to the flow.

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;
use tracing::{info, warn};
use uketsuke_net::http::Server;
use uketsuke_net::tls::server_config;

use super::RuntimeError;
use crate::flow::types::Input;
use crate::host::staff::{StaffApi, StaffBoard, StaffToken};
use crate::host::staff_tls::StaffTls;

/// Largest staff request body (sign-in and check ids are small).
const MAX_BODY: usize = 4096;

/// Starts serving the staff API on `listen`, over TLS with `tls` (none:
/// plain HTTP, a development setting); returns the bound address.
pub fn start(
    listen: SocketAddr,
    tls: Option<&StaffTls>,
    token: StaffToken,
    board: Arc<Mutex<StaffBoard>>,
    inputs: UnboundedSender<Input>,
    stop: Arc<AtomicBool>,
) -> Result<SocketAddr, RuntimeError> {
    let refused = |reason: String| RuntimeError::StaffListen { addr: listen, reason };
    let config = match tls {
        Some(tls) => Some(server_config(&tls.identity, None).map_err(|e| refused(e.to_string()))?),
        None => {
            warn!(%listen, "DEVELOPMENT SETTING: the staff API is served over plain HTTP: tokens and photos cross the network unencrypted");
            None
        }
    };
    let server = Server::bind(listen, config, MAX_BODY).map_err(|e| refused(e.to_string()))?;
    let addr = server.local_addr().unwrap_or(listen);
    let (staff_tx, staff_rx) = std::sync::mpsc::channel();
    let api = StaffApi::new(token, board, staff_tx);
    std::thread::spawn(move || api.serve_on(server, &stop));
    std::thread::spawn(move || {
        while let Ok(e) = staff_rx.recv() {
            if inputs.send(Input::Staff(e)).is_err() {
                return;
            }
        }
    });
    match tls {
        Some(tls) => {
            info!(staff_addr = %addr, fingerprint = %tls.fingerprint(), "staff console at https://{addr}/staff/")
        }
        None => info!(staff_addr = %addr, "staff console at http://{addr}/staff/"),
    }
    Ok(addr)
}
