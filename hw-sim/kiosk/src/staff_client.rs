//! Reception staff, played by the simulator: the staff API over HTTPS,
//! trusting only the kiosk's own staff certificate (as a reception PC that
//! pinned it would). Used by the scripted patient and the control panel.

use std::sync::Arc;
use std::time::Duration;

use uketsuke_firmware::runtime::Kiosk;
use uketsuke_net::tls::{certificates, client_config};
use zeroize::Zeroizing;

/// A staff member's client for the kiosk's staff API.
#[derive(Clone)]
pub struct StaffClient {
    base: String,
    agent: ureq::Agent,
    token: Arc<Zeroizing<String>>,
}

impl std::fmt::Debug for StaffClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffClient").field("base", &self.base).finish_non_exhaustive()
    }
}

impl StaffClient {
    /// A client for `kiosk`'s staff API with `token`.
    pub fn new(kiosk: &Kiosk, token: Zeroizing<String>) -> Result<Self, String> {
        let mut agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10));
        if let Some(pem) = &kiosk.staff_certificate_pem {
            let trusted = certificates(pem, "the staff certificate").map_err(|e| e.to_string())?;
            agent = agent.tls_config(client_config(&trusted, None).map_err(|e| e.to_string())?).https_only(true);
        }
        let base = kiosk.staff_url.trim_end_matches('/').trim_end_matches("/staff").to_owned();
        Ok(Self { base, agent: agent.build(), token: Arc::new(token) })
    }

    /// `POST /staff/v1/visual-check/{action}`: the status, or why nothing came back.
    pub fn visual_check(&self, action: &str) -> Result<u16, String> {
        let url = format!("{}/staff/v1/visual-check/{action}", self.base);
        let auth = Zeroizing::new(format!("Bearer {}", self.token.as_str()));
        match self.agent.post(&url).set("Authorization", &auth).call() {
            Ok(r) => Ok(r.status()),
            Err(ureq::Error::Status(code, _)) => Ok(code),
            Err(e) => Err(format!("staff API: {e}")),
        }
    }
}
