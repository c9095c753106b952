//! The simulated kiosk's patient scripts (`uketsuke-sim-kiosk --script`,
//! hw-sim/kiosk/src/script.rs): the same source file, compiled here without
//! the kiosk it drives (OpenCV, Slint). Oracles: a refused script names a
//! line that exists; `pin` digits never appear in a step's Debug.
#![no_main]

#[allow(dead_code, clippy::all)]
#[path = "../../hw-sim/kiosk/src/script.rs"]
mod script;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match script::parse(text) {
        Ok(steps) => {
            for (line, step) in &steps {
                assert!(*line >= 1 && *line <= text.lines().count());
                let shown = format!("{step:?}");
                if let Some(digits) = text.lines().nth(line - 1).and_then(|l| l.trim().strip_prefix("pin "))
                    && digits.trim().len() >= 4
                {
                    assert!(!shown.contains(digits.trim()), "a scripted PIN shows in Debug");
                }
            }
        }
        Err(e) => assert!(e.line >= 1 && e.line <= text.lines().count().max(1), "an error on line {}", e.line),
    }
});
