//! The evidence the kiosk sends for one method, and the context digest the
//! card signs (docs/host-protocol.md §3).
//!
//! No card key ever signs bytes the network chose. The JPKI key (PIN path)
//! and the card-face AP's chip key (face and visual paths) sign the
//! DigestInfo of the **context digest**: SHA-256 over a fixed, versioned
//! label followed by the terminal's nonce, the kiosk id, the terminal's
//! session id, the method, and the SHA-256 of the authentication
//! certificate and of the card-face record read in this session. The
//! terminal rebuilds the same digest from what it knows and what it was
//! sent; a nonce chosen by a man in the middle only ever reaches the card
//! inside this digest.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uketsuke_driver::secret::PersonalBytes;

use crate::flow::types::Method;

/// The context's label: protocol name and version, NUL-terminated.
pub const CONTEXT_LABEL: &[u8] = b"uketsuke evidence v2\0";

/// What the card's signature is bound to (docs/host-protocol.md §3.1).
#[derive(Clone, Copy)]
pub struct EvidenceContext<'a> {
    /// The terminal's nonce for this session.
    pub nonce: &'a [u8],
    /// The kiosk id (hex SHA-256 of its public key).
    pub kiosk_id: &'a str,
    /// The terminal's session id.
    pub session_id: &'a str,
    /// The method the evidence is for.
    pub method: Method,
    /// The authentication certificate read in this session (DER).
    pub certificate: &'a [u8],
    /// The card-face record read in this session, if the evidence carries it
    /// (face and visual); the PIN evidence carries none.
    pub record: Option<&'a [u8]>,
}

impl fmt::Debug for EvidenceContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvidenceContext")
            .field("session_id", &self.session_id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl EvidenceContext<'_> {
    /// SHA-256 of: label ‖ field(nonce) ‖ field(kiosk id) ‖ field(session id)
    /// ‖ field(method name) ‖ SHA-256(certificate) ‖ SHA-256(record) or 32
    /// zero bytes, where field(x) is x's length as 2 bytes big-endian then x.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(CONTEXT_LABEL);
        let method: &'static str = self.method.into();
        for field in [self.nonce, self.kiosk_id.as_bytes(), self.session_id.as_bytes(), method.as_bytes()] {
            let len = u16::try_from(field.len()).unwrap_or(u16::MAX);
            h.update(len.to_be_bytes());
            h.update(field);
        }
        h.update(Sha256::digest(self.certificate));
        match self.record {
            Some(record) => h.update(Sha256::digest(record)),
            None => h.update([0u8; 32]),
        }
        h.finalize().into()
    }
}

/// The face check's presentation-attack result, as the kiosk measured it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Liveness {
    /// The kiosk's presentation-attack checks passed.
    pub passed: bool,
    /// Frames decided on.
    pub frames: usize,
    /// Of those, frames with a live face's colour (the chip photo is greyscale).
    pub colour_frames: usize,
    /// The movement the liveness challenge asked for and the face made
    /// (`None`: the kiosk is configured to ask none).
    pub challenge: Option<uketsuke_screen::Challenge>,
}

/// The evidence for one method.
pub enum Evidence {
    /// JPKI signature over the context digest.
    Pin {
        /// Authentication certificate (DER).
        certificate: Vec<u8>,
        /// Signature over the context digest's DigestInfo.
        signature: Vec<u8>,
    },
    /// Face match, with the card's own proof of presence.
    Face {
        /// Authentication certificate (DER).
        certificate: Vec<u8>,
        /// The card-face record as read (personal data).
        record: PersonalBytes,
        /// Card-face AP signature over the context digest's DigestInfo.
        chip_signature: Vec<u8>,
        /// Median score.
        score: f32,
        /// The kiosk's threshold (the terminal applies its own minimum).
        threshold: f32,
        /// Frames decided on.
        frames: usize,
        /// The presentation-attack check's result.
        liveness: Liveness,
    },
    /// Staff confirmed the patient against the card photo.
    Visual {
        /// Authentication certificate (DER).
        certificate: Vec<u8>,
        /// The card-face record as read (personal data).
        record: PersonalBytes,
        /// Card-face AP signature over the context digest's DigestInfo.
        chip_signature: Vec<u8>,
        /// The signed-in staff member who confirmed.
        operator: String,
        /// The visual check they answered.
        check_id: String,
    },
}

impl fmt::Debug for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Evidence({:?}, REDACTED)", self.method())
    }
}

/// The evidence as the protocol sends it.
#[derive(Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
enum EvidenceBody<'a> {
    Pin {
        auth_certificate: String,
        signature: String,
    },
    Face {
        auth_certificate: String,
        card_face_record: String,
        chip_signature: String,
        #[serde(rename = "match")]
        matched: MatchBody,
        liveness: Liveness,
    },
    Visual {
        auth_certificate: String,
        card_face_record: String,
        chip_signature: String,
        staff: StaffBody<'a>,
    },
}

#[derive(Serialize)]
struct MatchBody {
    score: f32,
    threshold: f32,
    frames: usize,
}

#[derive(Serialize)]
struct StaffBody<'a> {
    operator: &'a str,
    check_id: &'a str,
    decision: &'static str,
}

impl Evidence {
    /// The method this evidence is for.
    pub fn method(&self) -> Method {
        match self {
            Self::Pin { .. } => Method::Pin,
            Self::Face { .. } => Method::Face,
            Self::Visual { .. } => Method::Visual,
        }
    }

    /// The JSON body (docs/host-protocol.md §3).
    pub fn to_json(&self) -> Value {
        let body = match self {
            Self::Pin { certificate, signature } => {
                EvidenceBody::Pin { auth_certificate: B64.encode(certificate), signature: B64.encode(signature) }
            }
            Self::Face { certificate, record, chip_signature, score, threshold, frames, liveness } => {
                EvidenceBody::Face {
                    auth_certificate: B64.encode(certificate),
                    card_face_record: B64.encode(record.expose()),
                    chip_signature: B64.encode(chip_signature),
                    matched: MatchBody { score: *score, threshold: *threshold, frames: *frames },
                    liveness: *liveness,
                }
            }
            Self::Visual { certificate, record, chip_signature, operator, check_id } => EvidenceBody::Visual {
                auth_certificate: B64.encode(certificate),
                card_face_record: B64.encode(record.expose()),
                chip_signature: B64.encode(chip_signature),
                staff: StaffBody { operator, check_id, decision: "confirmed" },
            },
        };
        serde_json::to_value(body).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(method: Method, record: Option<&'static [u8]>) -> EvidenceContext<'static> {
        EvidenceContext {
            nonce: &[0x11; 32],
            kiosk_id: "k1",
            session_id: "s1",
            method,
            certificate: b"certificate",
            record,
        }
    }

    #[test]
    fn the_digest_matches_the_test_vector_in_the_protocol_document() {
        // docs/host-protocol.md §3.1 gives this vector; the terminal checks the same.
        let d = context(Method::Face, Some(b"record")).digest();
        assert_eq!(hex::encode(d), "16256efdfeabbc1d668466a309e3fb9b5c75be8815fcc46109f300d6e7b31735");
    }

    #[test]
    fn every_field_changes_the_digest() {
        let base = context(Method::Face, Some(b"record")).digest();
        let mut other = context(Method::Face, Some(b"record"));
        other.nonce = &[0x12; 32];
        assert_ne!(other.digest(), base);
        assert_ne!(context(Method::Visual, Some(b"record")).digest(), base);
        assert_ne!(context(Method::Face, Some(b"other record")).digest(), base);
        assert_ne!(context(Method::Face, None).digest(), base);
        let mut other = context(Method::Face, Some(b"record"));
        other.kiosk_id = "k2";
        assert_ne!(other.digest(), base);
        let mut other = context(Method::Face, Some(b"record"));
        other.certificate = b"another certificate";
        assert_ne!(other.digest(), base);
    }

    #[test]
    fn the_digest_is_never_the_hash_of_the_nonce_alone() {
        let c = context(Method::Pin, None);
        assert_ne!(c.digest().as_slice(), Sha256::digest(c.nonce).as_slice());
    }
}
