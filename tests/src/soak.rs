//! The soak's patients (`tests/benches/soak.rs`): a seeded mix of personas,
//! camera scenes, PIN paths, card and terminal faults, each a script for
//! `uketsuke-sim-kiosk`'s command language (hw-sim/kiosk/src/script.rs),
//! and the staff-API load that runs beside it.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use uketsuke_hw_sim::terminal::faults::{FaultTarget, HostFault};

/// One patient's session: what kind, and the commands that play it. Every
/// script ends with the card taken away and the idle screen expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The kind, for the bench's tally.
    pub kind: &'static str,
    /// The commands.
    pub script: String,
    /// A fault the reception terminal plays once during the session (the
    /// bench arms it on its terminal before the script and disarms it after).
    pub host_fault: Option<(HostFault, FaultTarget)>,
}

/// The mix: each kind with its weight (out of the total), so the soak
/// covers every path a clinic sees, mostly the common ones.
pub const KINDS: [(&str, u32); 16] = [
    ("face", 31),
    ("pin", 18),
    ("pin-wrong-then-right", 5),
    ("under-40-face", 5),
    ("impostor-then-pin", 5),
    ("arrives-late", 2),
    ("foreign-card", 4),
    ("pulled-at-method-select", 5),
    ("pulled-during-pin", 5),
    ("card-fault", 6),
    ("staff-visual-check", 3),
    ("ended-by-patient", 3),
    ("face-only-card", 3),
    ("pin-blocked-card", 2),
    ("terminal-answer-lost", 2),
    ("terminal-error", 1),
];

const CONSENT_3: &str = "expect consent number=1\ntap agree\nexpect consent number=2\ntap agree\n\
                         expect consent number=3\ntap disagree\n";

/// The seeded mix of sessions.
pub struct Mix {
    rng: ChaCha20Rng,
    total: u32,
}

impl Mix {
    /// The mix for `seed`: the same seed gives the same sessions.
    pub fn new(seed: u64) -> Self {
        Self { rng: ChaCha20Rng::seed_from_u64(seed), total: KINDS.iter().map(|(_, w)| w).sum() }
    }

    fn pick(&mut self, n: u32) -> u32 {
        self.rng.next_u32() % n
    }

    /// The next patient.
    pub fn next_plan(&mut self) -> Plan {
        let mut roll = self.pick(self.total);
        let kind = KINDS
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map_or("face", |(k, _)| k);
        // Every session ends at the idle screen: waiting for it here also
        // uses up the screens a session's script did not wait for, so the
        // next session's `expect` never matches a screen of this one.
        let script = format!("{}expect idle within=60\n", self.script(kind));
        let host_fault = match kind {
            "terminal-answer-lost" => Some((HostFault::AnswerLost, FaultTarget::Consent)),
            "terminal-error" => Some((HostFault::ServerError, FaultTarget::Evidence)),
            _ => None,
        };
        Plan { kind, script, host_fault }
    }

    fn script(&mut self, kind: &str) -> String {
        let result = |method: &str| format!("expect result result=done method={method}\nremove\n");
        match kind {
            // Not registered for health insurance use: registered on the way
            // (the terminal answers from the card's persona every time).
            "face" if self.pick(4) == 0 => format!(
                "camera genuine\nplace unregistered\nexpect method_select\ntap face\nexpect registration\n\
                 tap register\nexpect registration_done\n{CONSENT_3}{}",
                result("face")
            ),
            "face" => {
                format!(
                    "camera genuine\nplace adult-registered\nexpect method_select\ntap face\n{CONSENT_3}{}",
                    result("face")
                )
            }
            "pin" => format!(
                "place adult-registered\nexpect method_select\ntap pin\nexpect pin_entry tries_left=3\npin 1234\n\
                 {CONSENT_3}{}",
                result("pin")
            ),
            "pin-wrong-then-right" => format!(
                "place adult-registered\nexpect method_select\ntap pin\nexpect pin_entry tries_left=3\npin 9999\n\
                 expect pin_entry tries_left=2 previous_wrong=true\npin 1234\n{CONSENT_3}{}",
                result("pin")
            ),
            "under-40-face" => format!(
                "camera genuine\nplace under-40\nexpect method_select\ntap face\nexpect consent number=1 of=2\n\
                 tap agree\nexpect consent number=2 of=2\ntap disagree\n{}",
                result("face")
            ),
            "impostor-then-pin" => format!(
                "camera impostor\nplace adult-registered\nexpect method_select\ntap face\n\
                 expect face_failed reason=no_match pin_offered=true\ntap pin\nexpect pin_entry tries_left=3\n\
                 pin 1234\n{CONSENT_3}{}",
                result("pin")
            ),
            // Nobody in front of the camera at first: guidance, then the match.
            "arrives-late" => format!(
                "camera arrives-late\nplace adult-registered\nexpect method_select\ntap face\n\
                 expect face_capture guidance=no_face\n{CONSENT_3}{}",
                result("face")
            ),
            "foreign-card" => "place foreign-card\nexpect card_problem problem=not_my_number_card\nremove\n".into(),
            "pulled-at-method-select" => "place adult-registered\nexpect method_select\nremove\n".into(),
            "pulled-during-pin" => {
                let digits = "1234"[..1 + self.pick(3) as usize].to_owned();
                format!(
                    "place adult-registered\nexpect method_select\ntap pin\nexpect pin_entry\npin {digits}\nremove\n"
                )
            }
            "card-fault" => {
                // Whatever the APDU, the patient goes on as far as the kiosk lets them.
                let fault = ["remove-before-apdu", "mute-from-apdu", "corrupt-apdu"][self.pick(3) as usize];
                let n = 1 + self.pick(40);
                format!("place adult-registered {fault}={n}\nwait 0.5\ntap pin\npin 1234\nwait 1\nremove\n")
            }
            "staff-visual-check" => format!(
                "camera no-face\nplace adult-registered\nexpect method_select\nstaff start\nexpect visual_check\n\
                 staff confirm\n{CONSENT_3}{}",
                result("visual")
            ),
            "ended-by-patient" => {
                "place adult-registered\nexpect method_select\ntap end\nexpect result result=ended\nremove\n".into()
            }
            "face-only-card" => {
                format!(
                    "camera genuine\nplace face-only\nexpect method_select pin_offered=false\ntap face\n{CONSENT_3}{}",
                    result("face")
                )
            }
            "pin-blocked-card" => {
                format!(
                    "camera genuine\nplace pin-blocked\nexpect method_select\ntap face\n{CONSENT_3}{}",
                    result("face")
                )
            }
            // The terminal stores the consent, its answer is lost: the kiosk
            // sends it again with the same request id and finishes.
            "terminal-answer-lost" => format!(
                "camera genuine\nplace adult-registered\nexpect method_select\ntap face\n{CONSENT_3}{}",
                result("face")
            ),
            // The terminal fails on the evidence: a clear screen, then the card back.
            _ => "camera genuine\nplace adult-registered\nexpect method_select\ntap face\nwait 2\nremove\n".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sessions_and_every_kind_comes_up() {
        let (mut a, mut b) = (Mix::new(7), Mix::new(7));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let plan = a.next_plan();
            assert_eq!(plan, b.next_plan());
            seen.insert(plan.kind);
        }
        assert_eq!(seen.len(), KINDS.len(), "{seen:?}");
    }

    #[test]
    fn every_session_parses_and_ends_with_the_card_taken_away() {
        let mut mix = Mix::new(1);
        for _ in 0..500 {
            let plan = mix.next_plan();
            let steps = uketsuke_sim_kiosk::script::parse(&plan.script).unwrap();
            assert!(!steps.is_empty());
            let last_remove = plan.script.rfind("remove\n").unwrap();
            assert!(!plan.script[last_remove..].contains("place"), "{}: {}", plan.kind, plan.script);
        }
    }
}
