//! The reception-terminal side of a session, run on blocking threads:
//! authentication with evidence whose card signature covers the context
//! digest of a fresh nonce, then consent and registration
//! (docs/host-protocol.md).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use uketsuke_driver::secret::PersonalBytes;
use uketsuke_net::tls::{certificates, client_config};

use super::RuntimeError;
use super::card::{card_left, sign_context};
use super::session::Session;
use crate::config::HostConfig;
use crate::face::decision::presentation_check_passed;
use crate::flow::types::{ConsentQuestion, HostAnswer, Method};
use crate::host::client::{HostClient, HostError, HostSession, Transport};
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
    let (host, signature) = match take_signed_ahead(session, method, record_bytes.as_deref()) {
        Some(ahead) => (ahead.host, ahead.signature),
        None => {
            let host = match client.open_session() {
                Ok(h) => h,
                Err(e) => return answer_of(e),
            };
            match sign_for(client, session, method, &host, record_bytes.as_deref()) {
                Ok(signature) => (host, signature),
                Err(answer) => return answer,
            }
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
                    challenge: face.challenge,
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

/// A terminal session opened, and its context signed by the chip, before
/// the face check decided: the card-face AP's signature needs no
/// credential and the context digest does not contain the face result, so
/// the chip's slow RSA signature runs while the patient looks at the
/// camera. Used only for the method and card-face record it was made for,
/// and only while the terminal's nonce is still fresh.
pub struct SignedAhead {
    method: Method,
    host: HostSession,
    signature: Vec<u8>,
    record: [u8; 32],
    usable_until: Instant,
}

impl std::fmt::Debug for SignedAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedAhead").field("method", &self.method).finish_non_exhaustive()
    }
}

/// How long before the terminal's nonce expires a signature made ahead is
/// no longer used (the evidence must still reach the terminal in time).
const AHEAD_MARGIN: Duration = Duration::from_secs(15);

/// Has the card sign, for the face method, the context of `host` (a
/// terminal session opened without holding the card) and keeps it in the
/// session for [`authenticate`]. Does nothing without a card-face record
/// or when a usable signature is already there.
#[tracing::instrument(name = "stage", skip_all, fields(name = "sign_ahead"))]
pub fn sign_ahead<T: Transport>(client: &HostClient<T>, session: &mut Session, host: HostSession) {
    let Some(record) = session.record.as_ref().map(|r| r.raw.expose().to_vec()) else { return };
    if has_signed_ahead(session) || session.host.is_some() {
        return;
    }
    let usable_until = host.opened + host.lifetime.saturating_sub(AHEAD_MARGIN);
    match sign_for(client, session, Method::Face, &host, Some(&record)) {
        Ok(signature) => {
            let record = Sha256::digest(&record).into();
            session.signed_ahead = Some(SignedAhead { method: Method::Face, host, signature, record, usable_until });
            tracing::debug!("context signed ahead of the face decision");
        }
        Err(_) => tracing::info!("no signature ahead: the card signs after the face decision"),
    }
}

/// Whether the session holds a signature made ahead that is still usable.
pub fn has_signed_ahead(session: &Session) -> bool {
    session.signed_ahead.as_ref().is_some_and(|a| a.usable_until > Instant::now())
}

/// The signature made ahead, if it was made for `method` and `record` and
/// its nonce is still fresh; taken out of the session either way.
fn take_signed_ahead(session: &mut Session, method: Method, record: Option<&[u8]>) -> Option<SignedAhead> {
    let ahead = session.signed_ahead.take()?;
    ahead.fits(method, record, Instant::now()).then_some(ahead)
}

impl SignedAhead {
    /// Whether this signature may serve as the evidence for `method` over
    /// `record` at `now`.
    fn fits(&self, method: Method, record: Option<&[u8]>, now: Instant) -> bool {
        let same_record = record.is_some_and(|r| <[u8; 32]>::from(Sha256::digest(r)) == self.record);
        self.method == method && same_record && self.usable_until > now
    }
}

/// Has the card sign the context digest of `host`'s nonce for `method`;
/// the answer to show when it cannot.
fn sign_for<T: Transport>(
    client: &HostClient<T>,
    session: &mut Session,
    method: Method,
    host: &HostSession,
    record: Option<&[u8]>,
) -> Result<Vec<u8>, HostAnswer> {
    let digest = EvidenceContext {
        nonce: &host.nonce,
        kiosk_id: client.kiosk_id(),
        session_id: &host.id,
        method,
        certificate: &session.certificate,
        record,
    }
    .digest();
    match sign_context(session, method, &digest) {
        Ok(s) => Ok(s),
        Err(e) if card_left(&e) => Err(refused("CARD", "カードが取り外されました。最初からやり直してください。")),
        Err(e) => {
            tracing::warn!(error = %e, "the card could not sign the nonce");
            Err(refused("CARD", "カードを読み取れませんでした。受付にお申し出ください。"))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ahead(record: &[u8], usable_until: Instant) -> SignedAhead {
        let host = HostSession {
            id: "s".into(),
            nonce: vec![7; 32],
            opened: Instant::now(),
            lifetime: Duration::from_secs(120),
        };
        SignedAhead {
            method: Method::Face,
            host,
            signature: vec![1; 256],
            record: Sha256::digest(record).into(),
            usable_until,
        }
    }

    #[test]
    fn a_signature_made_ahead_serves_only_the_face_method_over_the_same_record_while_fresh() {
        let now = Instant::now();
        let a = ahead(b"record", now + Duration::from_secs(60));
        assert!(a.fits(Method::Face, Some(b"record"), now));
        assert!(!a.fits(Method::Visual, Some(b"record"), now), "another method");
        assert!(!a.fits(Method::Pin, None, now), "the PIN method signs with the JPKI key");
        assert!(!a.fits(Method::Face, Some(b"another card's record"), now), "another record");
        assert!(!a.fits(Method::Face, Some(b"record"), now + Duration::from_secs(61)), "a stale nonce");
    }
}
