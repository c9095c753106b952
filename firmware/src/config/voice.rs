//! `[voice]`: the voice guidance (issue 15). Every screen is spoken
//! (Japanese with Open JTalk and the Mei voice, other languages with
//! espeak-ng) through ALSA; with no sound device the kiosk runs silently.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Voice guidance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConfig {
    /// No sound at all (the screens still show every text).
    pub muted: bool,
    /// Volume, 0–100 %.
    pub volume: u8,
    /// The ALSA device: `default`, or one such as `plughw:1,0`.
    pub device: String,
    /// Where the Japanese HTS voice (`mei_normal.htsvoice`) is; the data
    /// directory's `voice/` when unset (filled by `scripts/setup`).
    pub dir: Option<PathBuf>,
    /// Where spoken texts are kept as WAV files; the data directory's
    /// `speech/` when unset.
    pub cache_dir: Option<PathBuf>,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        Self { muted: false, volume: 80, device: "default".into(), dir: None, cache_dir: None }
    }
}

impl VoiceConfig {
    /// Checks values that parse but make no sense.
    pub(super) fn check(&self) -> Result<(), (&'static str, &'static str)> {
        if self.volume > 100 {
            return Err(("voice.volume", "must be a percentage, 0 to 100"));
        }
        if self.device.trim().is_empty() || self.device.starts_with('-') {
            return Err(("voice.device", "must name an ALSA device, such as default or plughw:1,0"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("kiosk.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn the_voice_speaks_at_eighty_percent_on_the_default_device_unless_told() {
        let voice = parse("").unwrap().voice;
        assert!(!voice.muted);
        assert_eq!((voice.volume, voice.device.as_str()), (80, "default"));
        let voice = parse("[voice]\nmuted = true\nvolume = 35\ndevice = \"plughw:1,0\"").unwrap().voice;
        assert!(voice.muted);
        assert_eq!((voice.volume, voice.device.as_str()), (35, "plughw:1,0"));
    }

    #[test]
    fn a_volume_over_a_hundred_or_a_device_like_an_option_is_refused_by_name() {
        assert!(parse("[voice]\nvolume = 120").unwrap_err().contains("voice.volume"));
        assert!(parse("[voice]\ndevice = \"-D\"").unwrap_err().contains("voice.device"));
    }
}
