//! The reader/card monitor (`uketsuke-card watch`) through a real pcscd:
//! readers, card insertion with ATR and removal, and pcscd restarting.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use uketsuke_tests::{PcscSandbox, SimCard, card_cmd, json_lines};

struct Watch {
    child: Child,
    rx: mpsc::Receiver<Value>,
}

impl Watch {
    fn start(sb: &PcscSandbox) -> Self {
        let mut child = card_cmd(sb, &["watch"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let rx = json_lines(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
        Self { child, rx }
    }

    /// Waits for an event matching `want` (a subset of its fields).
    fn expect(&self, want: &Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) => {
                    let matches = want.as_object().is_some_and(|w| w.iter().all(|(k, val)| v.get(k) == Some(val)));
                    if matches {
                        return v;
                    }
                    seen.push(v);
                }
                Err(_) => panic!("no event like {want} within 20 s; saw {seen:?}"),
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_monitor_reports_readers_cards_and_survives_a_pcscd_restart() {
    let mut sb = PcscSandbox::start().unwrap_or_else(|e| panic!("{e:#}"));
    let watch = Watch::start(&sb);
    let reader = sb.reader_name();
    watch.expect(&serde_json::json!({"event": "service_available"}));
    watch.expect(&serde_json::json!({"event": "reader_added", "reader": reader}));

    let mut sim = SimCard::start(&sb, "adult-registered", &[]).unwrap_or_else(|e| panic!("{e:#}"));
    let inserted = watch.expect(&serde_json::json!({"event": "card_inserted", "reader": reader}));
    assert_eq!(inserted["atr"], "3BE000FF8131FE4514");
    sim.remove();
    watch.expect(&serde_json::json!({"event": "card_removed", "reader": reader}));

    // pcscd goes away: the readers go with it; it comes back: so do they.
    sb.restart().unwrap_or_else(|e| panic!("{e:#}"));
    watch.expect(&serde_json::json!({"event": "service_lost"}));
    watch.expect(&serde_json::json!({"event": "service_available"}));
    watch.expect(&serde_json::json!({"event": "reader_added", "reader": reader}));
    let _sim = SimCard::start(&sb, "under-40", &[]).unwrap_or_else(|e| panic!("{e:#}"));
    watch.expect(&serde_json::json!({"event": "card_inserted", "reader": reader}));
}
