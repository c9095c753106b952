//! The kiosk's configuration (`firmware::config::Config::parse`, the TOML
//! in /etc/uketsuke/kiosk.toml, with its `[panel]` table) and the
//! simulated terminal's policy. Oracles: an accepted configuration has
//! only finite numbers, and written back out it parses to itself.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use uketsuke_firmware::config::Config;
use uketsuke_hw_sim::terminal::policy::TerminalPolicy;

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
    assert!(
        !written.contains("nan") && !written.contains("inf"),
        "an accepted configuration holds a number that is not finite"
    );
    match Config::parse(&written, Path::new("kiosk.toml")) {
        Ok(again) => assert!(again == config, "an accepted configuration does not read back as itself"),
        Err(e) => panic!("an accepted configuration, written out, is refused: {e}"),
    }
});
