//! The kiosk's configuration (`firmware::config::Config::parse`, the TOML
//! in /etc/uketsuke/kiosk.toml, with its `[panel]` table) and the
//! simulated terminal's policy. Oracles: an accepted configuration has
//! only finite numbers, and written back out it parses to itself.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use uketsuke_firmware::config::Config;
use uketsuke_hw_sim::terminal::policy::TerminalPolicy;

/// Whether every float in a TOML value is finite.
fn all_finite(v: &toml::Value) -> bool {
    match v {
        toml::Value::Float(f) => f.is_finite(),
        toml::Value::Array(items) => items.iter().all(all_finite),
        toml::Value::Table(t) => t.values().all(all_finite),
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if choice & 1 == 1 {
        let _ = std::hint::black_box(toml::from_str::<TerminalPolicy>(text));
        return;
    }
    let Ok(config) = Config::parse(text, Path::new("kiosk.toml")) else { return };
    let written =
        toml::to_string(&config).unwrap_or_else(|e| panic!("an accepted configuration cannot be written: {e}"));
    let value: toml::Value =
        toml::from_str(&written).unwrap_or_else(|e| panic!("written configuration is not TOML: {e}"));
    assert!(all_finite(&value), "an accepted configuration holds a number that is not finite");
    match Config::parse(&written, Path::new("kiosk.toml")) {
        Ok(again) => assert!(again == config, "an accepted configuration does not read back as itself"),
        Err(e) => panic!("an accepted configuration, written out, is refused: {e}"),
    }
});
