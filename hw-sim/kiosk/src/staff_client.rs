//! Reception staff, played by the simulator: the staff API over HTTPS,
//! trusting only the kiosk's own staff certificate (as a reception PC that
//! pinned it would), signed in by name, and answering the patient and the
//! visual check the kiosk's state shows. Used by the scripted patient and
//! the control panel.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use uketsuke_firmware::runtime::Kiosk;
use uketsuke_net::tls::{certificates, client_config};
use zeroize::Zeroizing;

/// The name the simulator's staff member signs in with.
pub const SIM_OPERATOR: &str = "受付（シミュレーター）";

/// A staff member's client for the kiosk's staff API.
#[derive(Clone)]
pub struct StaffClient {
    base: String,
    agent: ureq::Agent,
    token: Arc<Zeroizing<String>>,
    session: Arc<Mutex<Option<Zeroizing<String>>>>,
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
        Ok(Self { base, agent: agent.build(), token: Arc::new(token), session: Arc::default() })
    }

    /// The `Authorization` header of a session, signing in when there is none.
    fn authorization(&self) -> Result<Zeroizing<String>, String> {
        let mut session = self.session.lock().map_err(|_| "staff client state lost".to_owned())?;
        if session.is_none() {
            let body = json!({"name": SIM_OPERATOR, "token": self.token.as_str()});
            let reply = self.agent.post(&format!("{}/staff/v1/sign-in", self.base)).send_json(body);
            let value: Value = match reply {
                Ok(r) => r.into_json().map_err(|e| format!("sign-in: {e}"))?,
                Err(ureq::Error::Status(code, _)) => return Err(format!("sign-in refused ({code})")),
                Err(e) => return Err(format!("staff API: {e}")),
            };
            let token = value["session"].as_str().ok_or("sign-in: no session")?;
            *session = Some(Zeroizing::new(token.to_owned()));
        }
        Ok(Zeroizing::new(format!("Bearer {}", session.as_ref().map_or("", |s| s.as_str()))))
    }

    /// `GET /staff/v1/state`.
    pub fn state(&self) -> Result<Value, String> {
        let auth = self.authorization()?;
        match self.agent.get(&format!("{}/staff/v1/state", self.base)).set("Authorization", &auth).call() {
            Ok(r) => r.into_json().map_err(|e| e.to_string()),
            Err(ureq::Error::Status(401, _)) => {
                self.forget_session();
                Err("signed out".into())
            }
            Err(e) => Err(format!("staff API: {e}")),
        }
    }

    fn forget_session(&self) {
        if let Ok(mut s) = self.session.lock() {
            *s = None;
        }
    }

    /// `POST /staff/v1/visual-check/{action}` for the patient (start) or the
    /// check (confirm, reject) the state shows: the status, or why nothing
    /// came back.
    pub fn visual_check(&self, action: &str) -> Result<u16, String> {
        let state = match self.state() {
            Err(e) if e == "signed out" => self.state()?,
            other => other?,
        };
        let body = match action {
            "start" => json!({"session": state["patient"]}),
            _ => json!({"check_id": state["visual_check"]["id"]}),
        };
        let auth = self.authorization()?;
        let url = format!("{}/staff/v1/visual-check/{action}", self.base);
        match self.agent.post(&url).set("Authorization", &auth).send_json(body) {
            Ok(r) => Ok(r.status()),
            Err(ureq::Error::Status(code, _)) => Ok(code),
            Err(e) => Err(format!("staff API: {e}")),
        }
    }
}
