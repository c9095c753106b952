//! The staff API's server: `host::staff::StaffApi` served over HTTP on its
//! own thread, and the staff actions it accepts forwarded to the flow.

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;
use tracing::info;

use super::RuntimeError;
use crate::flow::types::Input;
use crate::host::staff::{StaffApi, StaffBoard, StaffToken};

/// Starts serving the staff API on `listen`; returns the bound address.
pub fn start(
    listen: SocketAddr,
    token: StaffToken,
    board: Arc<Mutex<StaffBoard>>,
    inputs: UnboundedSender<Input>,
    stop: Arc<AtomicBool>,
) -> Result<SocketAddr, RuntimeError> {
    let server = tiny_http::Server::http(listen)
        .map_err(|e| RuntimeError::StaffListen { addr: listen, reason: e.to_string() })?;
    let addr = server.server_addr().to_ip().unwrap_or(listen);
    let (staff_tx, staff_rx) = std::sync::mpsc::channel();
    let api = StaffApi::new(token, board, staff_tx);
    std::thread::spawn(move || api.serve_on(&server, &stop));
    std::thread::spawn(move || {
        while let Ok(e) = staff_rx.recv() {
            if inputs.send(Input::Staff(e)).is_err() {
                return;
            }
        }
    });
    info!(staff_addr = %addr, "staff console at http://{addr}/staff/");
    Ok(addr)
}
