//! Faults the virtual reception terminal plays when a test or a script arms
//! them: an answer slower than the kiosk waits, a server error, malformed
//! JSON, an answer cut mid-body, and an answer lost after the request was
//! handled (so the kiosk delivers it again, and the terminal's records show
//! whether the kiosk's request ids kept it to one consent or registration).

use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;
use uketsuke_net::http::Response;

/// One way the terminal misbehaves on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostFault {
    /// Handles the request, but answers only after this long.
    Slow(Duration),
    /// Answers 500 without handling the request.
    ServerError,
    /// Handles the request and answers with its status but a body that is not JSON.
    MalformedJson,
    /// Handles the request; the answer's head arrives, its body stops halfway.
    CutMidBody,
    /// Handles the request; no answer comes back at all.
    AnswerLost,
}

/// Which requests a fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
#[non_exhaustive]
pub enum FaultTarget {
    /// Every request.
    Any,
    /// `POST /v1/sessions` (a session opened, its nonce).
    Sessions,
    /// `POST /v1/sessions/{id}/evidence`.
    Evidence,
    /// `POST /v1/sessions/{id}/consent`.
    Consent,
    /// `POST /v1/sessions/{id}/registration`.
    Registration,
}

impl FaultTarget {
    fn hits(self, path: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Sessions => path == "/v1/sessions",
            Self::Evidence => path.ends_with("/evidence"),
            Self::Consent => path.ends_with("/consent"),
            Self::Registration => path.ends_with("/registration"),
        }
    }
}

struct Armed {
    fault: HostFault,
    target: FaultTarget,
    left: u32,
}

/// The faults armed on a terminal, each for a number of requests.
#[derive(Default)]
pub struct FaultPlan {
    armed: Mutex<Vec<Armed>>,
}

impl FaultPlan {
    /// Plays `fault` on the next `times` requests that `target` names.
    pub fn arm(&self, fault: HostFault, target: FaultTarget, times: u32) {
        if let Ok(mut armed) = self.armed.lock() {
            armed.push(Armed { fault, target, left: times });
        }
    }

    /// Disarms every fault: the terminal answers normally again.
    pub fn clear(&self) {
        if let Ok(mut armed) = self.armed.lock() {
            armed.clear();
        }
    }

    /// The fault to play on a request to `path`, if one is armed (using one
    /// of its times). Read-only requests (`GET`) are never hit.
    pub fn take(&self, method: &str, path: &str) -> Option<HostFault> {
        if method != "POST" {
            return None;
        }
        let mut armed = self.armed.lock().ok()?;
        let i = armed.iter().position(|a| a.target.hits(path))?;
        let fault = armed[i].fault;
        armed[i].left = armed[i].left.saturating_sub(1);
        if armed[i].left == 0 {
            armed.remove(i);
        }
        Some(fault)
    }
}

/// The answer to a request under `fault`; `handle` is the terminal's own
/// handling, called unless the fault is a server error.
pub fn answer(fault: Option<HostFault>, handle: impl FnOnce() -> (u16, Value)) -> Response {
    let json =
        |(status, value): (u16, Value)| Response::new(status, "application/json", value.to_string().into_bytes());
    match fault {
        None => json(handle()),
        Some(HostFault::Slow(delay)) => {
            let answer = handle();
            std::thread::sleep(delay);
            json(answer)
        }
        Some(HostFault::ServerError) => Response::new(
            500,
            "application/json",
            br#"{"error": {"code": "500", "message": "internal error"}}"#.to_vec(),
        ),
        Some(HostFault::MalformedJson) => {
            let (status, _) = handle();
            Response::new(status, "application/json", br#"{"eligible": tru, "session_id": "#.to_vec())
        }
        Some(HostFault::CutMidBody) => {
            let whole = json(handle());
            let half = whole.body.len() / 2;
            whole.cut_after(half)
        }
        Some(HostFault::AnswerLost) => json(handle()).never_sent(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_armed_fault_hits_only_its_requests_and_only_as_often_as_armed() {
        let plan = FaultPlan::default();
        plan.arm(HostFault::AnswerLost, FaultTarget::Consent, 2);
        assert_eq!(plan.take("POST", "/v1/sessions"), None);
        assert_eq!(plan.take("POST", "/v1/sessions/a1/evidence"), None);
        assert_eq!(plan.take("GET", "/v1/sessions/a1/consent"), None, "reads are never hit");
        assert_eq!(plan.take("POST", "/v1/sessions/a1/consent"), Some(HostFault::AnswerLost));
        assert_eq!(plan.take("POST", "/v1/sessions/a1/consent"), Some(HostFault::AnswerLost));
        assert_eq!(plan.take("POST", "/v1/sessions/a1/consent"), None, "used up");
        plan.arm(HostFault::ServerError, FaultTarget::Any, 5);
        plan.clear();
        assert_eq!(plan.take("POST", "/v1/sessions"), None, "cleared");
    }

    #[test]
    fn a_server_error_does_not_handle_the_request_and_the_others_do() {
        let mut handled = 0;
        let r = answer(Some(HostFault::ServerError), || {
            handled += 1;
            (200, Value::Null)
        });
        assert_eq!((r.status, handled), (500, 0));
        for fault in [HostFault::MalformedJson, HostFault::CutMidBody, HostFault::AnswerLost] {
            let r = answer(Some(fault), || {
                handled += 1;
                (200, serde_json::json!({"stored": true}))
            });
            assert_eq!(r.status, 200);
            if fault == HostFault::MalformedJson {
                assert!(serde_json::from_slice::<Value>(&r.body).is_err(), "the body is not JSON");
            }
        }
        assert_eq!(handled, 3);
    }
}
