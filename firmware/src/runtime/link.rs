//! The reception-terminal side of a session, run on blocking threads:
//! authentication with evidence whose card signature covers the context
//! digest of a fresh nonce, then consent and registration
//! (docs/host-protocol.md).

use std::sync::Arc;

use uketsuke_driver::secret::PersonalBytes;
use uketsuke_net::tls::{certificates, client_config};

use super::RuntimeError;
use super::card::{card_left, sign_context};
use super::session::Session;
use crate::config::HostConfig;
use crate::face::decision::presentation_check_passed;
use crate::flow::types::{ConsentQuestion, HostAnswer, Method};
use crate::host::client::{HostClient, HostError, Transport};
use crate::host::evidence::{Evidence, EvidenceContext, Liveness};
use crate::host::identity::KioskIdentity;
use crate::host::staff::VisualCheck;

/// Why authentication did not reach the terminal's answer.
fn refused(code: &str, message: &str) -> HostAnswer {
    HostAnswer::Refused { code: code.to_owned(), message: message.to_owned() }
}

/// Opens a terminal session, has the card sign the context digest of its
/// nonce, sends the evidence for `method` and returns the terminal's answer.
#[tracing::instrument(name = "stage", skip_all, fields(name = "authenticate", method = ?method))]
pub fn authenticate<T: Transport>(
    client: &HostClient<T>,
    session: &mut Session,
    method: Method,
    threshold: f32,
    visual_check: Option<VisualCheck>,
) -> HostAnswer {
    let started = std::time::Instant::now();
    // A visual check must have been confirmed by a signed-in operator before
    // anything is asked of the terminal or the card.
    let confirmation = match (method, visual_check) {
        (Method::Visual, Some(VisualCheck { id, confirmed_by: Some(operator) })) => Some((id, operator)),
        (Method::Visual, _) => {
            return refused("STAFF", "職員による確認が完了していません。受付にお申し出ください。");
        }
        _ => None,
    };
    let record_bytes = match (method, session.record.as_ref()) {
        (Method::Pin, _) => None,
        (_, Some(record)) => Some(record.raw.expose().to_vec()),
        (_, None) => {
            return refused("CARD", "カードの券面を読み取れなかったため、この方法では確認できません。");
        }
    };
    let host = match client.open_session() {
        Ok(h) => h,
        Err(e) => return answer_of(e),
    };
    let digest = EvidenceContext {
        nonce: &host.nonce,
        kiosk_id: client.kiosk_id(),
        session_id: &host.id,
        method,
        certificate: &session.certificate,
        record: record_bytes.as_deref(),
    }
    .digest();
    let signature = match sign_context(session, method, &digest) {
        Ok(s) => s,
        Err(e) if card_left(&e) => {
            return refused("CARD", "カードが取り外されました。最初からやり直してください。");
        }
        Err(e) => {
            tracing::warn!(error = %e, "the card could not sign the nonce");
            return refused("CARD", "カードを読み取れませんでした。受付にお申し出ください。");
        }
    };
    let record = || PersonalBytes::new(record_bytes.clone().unwrap_or_default());
    let certificate = session.certificate.clone();
    let evidence = match method {
        Method::Pin => Evidence::Pin { certificate, signature },
        Method::Face => {
            let Some(face) = session.face else {
                return refused("FACE", "顔認証の結果がありません。最初からやり直してください。");
            };
            Evidence::Face {
                certificate,
                record: record(),
                chip_signature: signature,
                score: face.score,
                threshold,
                frames: face.frames,
                liveness: Liveness {
                    passed: presentation_check_passed(face.frames, face.colour_frames),
                    frames: face.frames,
                    colour_frames: face.colour_frames,
                },
            }
        }
        Method::Visual => {
            let Some((check_id, operator)) = confirmation else {
                return refused("STAFF", "職員による確認が完了していません。受付にお申し出ください。");
            };
            Evidence::Visual { certificate, record: record(), chip_signature: signature, operator, check_id }
        }
    };
    let answer = client.send_evidence(&host, &evidence);
    session.host = Some(host);
    match answer {
        Ok(e) => {
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            tracing::info!(registered = e.registered, elapsed_ms, "eligibility confirmed");
            HostAnswer::Eligible { registered: e.registered }
        }
        Err(e) => answer_of(e),
    }
}

/// The TLS client for the terminal at `url`: TLS 1.3 trusting only
/// `trust` (the terminal's CA, PEM) and presenting the kiosk's own key.
/// An `http://` URL gets none, only as the development setting
/// `host.allow_plain_http`, and says so loudly.
pub fn client_tls(
    url: &str,
    trust: Option<&str>,
    identity: &KioskIdentity,
    config: &HostConfig,
) -> Result<Option<Arc<rustls::ClientConfig>>, RuntimeError> {
    let tls = |e: &dyn std::fmt::Display| RuntimeError::Tls { key: "host.ca_file", reason: e.to_string() };
    if url.starts_with("https://") {
        let trust = trust.ok_or_else(|| tls(&"an https terminal needs its CA certificate"))?;
        let trusted = certificates(trust, "host.ca_file").map_err(|e| tls(&e))?;
        let own = identity.tls_identity().map_err(|e| tls(&e))?;
        return Ok(Some(client_config(&trusted, Some(&own)).map_err(|e| tls(&e))?));
    }
    if config.allow_plain_http {
        tracing::warn!(url, "DEVELOPMENT SETTING: the reception terminal is reached over plain HTTP, unencrypted");
        return Ok(None);
    }
    Err(RuntimeError::Tls { key: "host.url", reason: "must be an https:// URL".into() })
}

fn answer_of(e: HostError) -> HostAnswer {
    tracing::warn!(error = %e, "authentication not confirmed");
    match e {
        HostError::Refused { code, message } => HostAnswer::Refused { code, message },
        HostError::Protocol(_) => {
            refused("PROTOCOL", "資格確認端末からの応答を確認できませんでした。受付にお申し出ください。")
        }
        _ => HostAnswer::Unavailable,
    }
}

/// Sends the consent answers (exactly once, however often retried).
#[tracing::instrument(name = "stage", skip_all, fields(name = "consent"))]
pub fn consent<T: Transport>(
    client: &HostClient<T>,
    session: &Session,
    answers: &[(ConsentQuestion, bool)],
) -> Result<(), HostError> {
    let host = session.host.as_ref().ok_or_else(no_session)?;
    client.send_consent(host, answers).inspect_err(|e| tracing::warn!(error = %e, "consent not stored"))
}

fn no_session() -> HostError {
    HostError::Protocol("no session open on the reception terminal".into())
}

/// Registers the card for health-insurance use (exactly once).
#[tracing::instrument(name = "stage", skip_all, fields(name = "registration"))]
pub fn register<T: Transport>(client: &HostClient<T>, session: &Session) -> Result<(), HostError> {
    let host = session.host.as_ref().ok_or_else(no_session)?;
    client.send_registration(host).inspect_err(|e| tracing::warn!(error = %e, "registration not stored"))
}
