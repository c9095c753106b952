//! The kiosk's configuration, from TOML. Every error names the key at fault
//! (`face.policy.threshold: …`). Durations are written in seconds.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::flow::types::FlowConfig;

mod face;
mod keypad;
mod language;
mod voice;
pub use face::FaceConfig;
pub use keypad::KeypadConfig;
pub use language::Language;
pub use voice::VoiceConfig;

/// Serde for a `Duration` written as seconds (`8` or `0.5`).
pub mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes seconds.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    /// Reads seconds; negative or non-finite values are errors.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(|_| serde::de::Error::custom("must be a number of seconds, 0 or more"))
    }
}

/// Which reader to use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReaderConfig {
    /// PC/SC reader name; none = the first reader with a card.
    pub name: Option<String>,
}

/// Which camera to use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraConfig {
    /// V4L2 device; none = the virtual camera (simulator).
    pub device: Option<String>,
    /// Requested width.
    pub width: u32,
    /// Requested height.
    pub height: u32,
}

impl Default for CameraConfig {
    fn default() -> Self {
        Self { device: None, width: 640, height: 480 }
    }
}

/// The card-surface scanner: the camera that looks at the card slot, and
/// the OCR's settings (docs/card-surface.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SurfaceConfig {
    /// V4L2 device of the card-slot camera; none = the simulator's
    /// rendered card face.
    pub device: Option<String>,
    /// Requested width.
    pub width: u32,
    /// Requested height.
    pub height: u32,
    /// Tesseract's data directory; none = Debian's.
    pub tessdata: Option<PathBuf>,
    /// Lowest confidence (0–1) of a reading the kiosk sends to the card.
    pub min_confidence: f32,
    /// 照合番号B tries the kiosk always leaves on the card.
    pub reserve_tries: u8,
}

impl Default for SurfaceConfig {
    fn default() -> Self {
        Self { device: None, width: 1280, height: 720, tessdata: None, min_confidence: 0.6, reserve_tries: 2 }
    }
}

/// The reception terminal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    /// Base URL; none = the virtual terminal (simulator).
    pub url: Option<String>,
    /// Per-request timeout.
    #[serde(with = "secs")]
    pub timeout: std::time::Duration,
    /// Retries of consent and registration (same request id).
    pub retries: u32,
    /// The terminal's CA certificate (PEM): the only certificate the kiosk
    /// trusts for the terminal. Required for an `https` URL.
    pub ca_file: Option<PathBuf>,
    /// DEVELOPMENT ONLY: allow an `http://` terminal URL (unencrypted,
    /// loudly logged).
    pub allow_plain_http: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            url: None,
            timeout: std::time::Duration::from_secs(10),
            retries: 2,
            ca_file: None,
            allow_plain_http: false,
        }
    }
}

/// The staff API and console.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffConfig {
    /// Where the staff API listens.
    pub listen: SocketAddr,
    /// File holding the staff token (never on the command line).
    pub token_file: Option<PathBuf>,
    /// More names (DNS names or addresses) for the console's certificate,
    /// besides `listen`'s address and the loopback names.
    pub tls_names: Vec<String>,
    /// DEVELOPMENT ONLY: serve the staff API over plain HTTP (loudly logged).
    pub plain_http: bool,
}

impl Default for StaffConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8471)),
            token_file: None,
            tls_names: Vec::new(),
            plain_http: false,
        }
    }
}

/// The card-face records the kiosk trusts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CardConfig {
    /// The card-face issuer's RSA public key (PEM or DER): every record's
    /// DF28 is verified with it before the photo is decoded. Required on a
    /// real kiosk; the simulated kiosk uses its test issuer.
    pub face_issuer_key: Option<PathBuf>,
}

/// The lowest face threshold the kiosk accepts: OpenCV's reference
/// threshold for SFace (DESIGN.md §4). The terminal applies its own minimum too.
pub const MIN_FACE_THRESHOLD: f32 = 0.363;

/// The kiosk's own identity (`host::identity`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// Where provisioning keeps the kiosk's key (mode 0600) and public key;
    /// none = `/var/lib/uketsuke` for the kiosk, an in-memory key for the
    /// simulated kiosk.
    pub state_dir: Option<PathBuf>,
}

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Card reader.
    pub reader: ReaderConfig,
    /// Camera.
    pub camera: CameraConfig,
    /// Card-surface scanner (the card-slot camera and its OCR).
    pub surface: SurfaceConfig,
    /// Card-face record trust.
    pub card: CardConfig,
    /// Reception terminal.
    pub host: HostConfig,
    /// Staff API.
    pub staff: StaffConfig,
    /// The kiosk's identity.
    pub identity: IdentityConfig,
    /// Session flow: consent questions and timeouts.
    pub flow: FlowConfig,
    /// Face check.
    pub face: FaceConfig,
    /// Screen language.
    pub language: Language,
    /// Voice guidance.
    pub voice: VoiceConfig,
    /// The physical keypad's keys.
    pub keypad: KeypadConfig,
    /// The status panel for the staff (none by default).
    pub panel: uketsuke_panel::linux::PanelConfig,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the config file {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A key is wrong.
    #[error("config {path}: {key}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The key, dotted (`face.policy.threshold`).
        key: String,
        /// What is wrong.
        reason: String,
    },
}

impl Config {
    /// Parses and checks TOML text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let invalid = |key: String, reason: String| ConfigError::Invalid { path: path.to_owned(), key, reason };
        let de = toml::Deserializer::new(text);
        let cfg: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            if key == "." {
                // A syntax error: keep the parser's line and column.
                let full = inner.to_string();
                invalid("(syntax)".to_owned(), full.split_whitespace().collect::<Vec<_>>().join(" "))
            } else {
                invalid(key, inner.message().trim().to_owned())
            }
        })?;
        cfg.check().map_err(|(key, reason)| invalid(key.to_owned(), reason.to_owned()))?;
        Ok(cfg)
    }

    /// Reads and checks a TOML file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: path.to_owned(), reason: e.to_string() })?;
        Self::parse(&text, path)
    }

    /// Checks values that parse but make no sense.
    fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let p = &self.face.policy;
        if !(MIN_FACE_THRESHOLD..=1.0).contains(&p.threshold) {
            return Err((
                "face.policy.threshold",
                "must be a cosine score between 0.363 (OpenCV's reference for SFace) and 1: lower accepts strangers",
            ));
        }
        if p.min_frames == 0 {
            return Err(("face.policy.min_frames", "must be at least 1"));
        }
        if !(0.5..=1.0).contains(&self.surface.min_confidence) {
            return Err((
                "surface.min_confidence",
                "must be between 0.5 and 1: a less certain reading would spend one of 照合番号B's finite tries on a guess",
            ));
        }
        if self.surface.reserve_tries == 0 {
            return Err(("surface.reserve_tries", "must be at least 1: the kiosk never blocks 照合番号B itself"));
        }
        if p.replay_similarity <= p.threshold {
            return Err(("face.policy.replay_similarity", "must be above face.policy.threshold"));
        }
        if let Some(url) = &self.host.url {
            if url.starts_with("http://") && !self.host.allow_plain_http {
                return Err((
                    "host.url",
                    "plain http is a development setting: use https, or set host.allow_plain_http = true",
                ));
            }
            if url.starts_with("https://") && self.host.ca_file.is_none() {
                return Err(("host.ca_file", "an https terminal needs its CA certificate (PEM) here"));
            }
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(("host.url", "must be an https:// URL"));
            }
        }
        let q = &self.face.quality;
        if q.min_face_width >= q.max_face_width {
            return Err(("face.quality.min_face_width", "must be below face.quality.max_face_width"));
        }
        if self.flow.inactivity_warning >= self.flow.inactivity_timeout {
            return Err(("flow.inactivity_warning", "must be shorter than flow.inactivity_timeout"));
        }
        if self.camera.width == 0 || self.camera.height == 0 {
            return Err(("camera.width", "the camera size must not be zero"));
        }
        self.voice.check()?;
        self.keypad.check()?;
        self.panel.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("kiosk.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn the_packaged_configuration_parses_and_keeps_the_default_keys() {
        let text = include_str!("../../packaging/kiosk.toml");
        let cfg = parse(text).unwrap();
        assert_eq!(cfg.keypad, KeypadConfig::default());
        assert_eq!(cfg.voice.volume, VoiceConfig::default().volume);
    }

    #[test]
    fn an_empty_file_is_the_default_configuration() {
        assert_eq!(parse(""), Ok(Config::default()));
    }

    #[test]
    fn a_full_file_parses_with_durations_in_seconds() {
        let cfg = parse(
            r#"
            language = "en"
            [reader]
            name = "ACS ACR1252 1S CL Reader PICC 0"
            [camera]
            device = "/dev/video0"
            [host]
            url = "https://192.0.2.10:8470"
            ca_file = "/etc/uketsuke/terminal-ca.pem"
            timeout = 2.5
            [staff]
            listen = "127.0.0.1:9000"
            token_file = "/etc/uketsuke/staff-token"
            [flow]
            consent_questions = ["surgery", "treatment_and_medication"]
            inactivity_timeout = 90
            [face.policy]
            threshold = 0.45
            max_duration = 6
            "#,
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(cfg.host.timeout, std::time::Duration::from_millis(2500));
        assert_eq!(cfg.flow.consent_questions.len(), 2);
        assert_eq!(cfg.face.policy.max_duration, std::time::Duration::from_secs(6));
        assert_eq!(cfg.language, Language::En);
    }

    #[test]
    fn a_wrong_type_names_its_key() {
        let e = parse("[face.policy]\nthreshold = \"high\"").err().unwrap_or_default();
        assert!(e.starts_with("config kiosk.toml: face.policy.threshold:"), "{e}");
    }

    #[test]
    fn an_unknown_key_names_where_it_is() {
        let e = parse("[host]\nadress = \"http://x\"").err().unwrap_or_default();
        assert!(e.contains("host") && e.contains("adress"), "{e}");
    }

    #[test]
    fn a_syntax_error_gives_its_line() {
        let e = parse("[host]\nurl = \"http://x\"\nretries = [").err().unwrap_or_default();
        assert!(e.contains("(syntax)") && e.contains("line 3"), "{e}");
    }

    #[test]
    fn values_that_make_no_sense_name_their_key() {
        for (text, key) in [
            ("[face.policy]\nthreshold = 2.0", "face.policy.threshold"),
            ("[face.policy]\nthreshold = -1", "face.policy.threshold"),
            ("[face.policy]\nthreshold = 0.1", "face.policy.threshold"),
            ("[face.policy]\nmin_frames = 0", "face.policy.min_frames"),
            ("[flow]\ninactivity_warning = 90", "flow.inactivity_warning"),
            ("[host]\nurl = \"192.0.2.1\"", "host.url"),
            ("[host]\nurl = \"http://192.0.2.1\"", "host.url"),
            ("[host]\nurl = \"https://192.0.2.1\"", "host.ca_file"),
            ("[host]\ntimeout = -1", "host.timeout"),
            ("[flow]\nconsent_questions = [\"weather\"]", "flow.consent_questions"),
            ("[panel]\ndriver = \"st7789\"\ndevice = \"/dev/spidev0.0\"", "panel.dc_line"),
            ("[panel]\ndriver = \"oled\"", "panel.driver"),
        ] {
            let e = parse(text).err().unwrap_or_default();
            assert!(e.contains(key), "{text}: {e}");
        }
    }
}
