//! `language`: the touchscreen's language at idle.

use serde::{Deserialize, Serialize};

/// The touchscreen's language at idle (a patient may choose another for
/// their session).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Language {
    /// 日本語.
    #[default]
    Ja,
    /// English.
    En,
    /// 简体中文.
    Zh,
    /// 한국어.
    Ko,
    /// Tiếng Việt.
    Vi,
    /// Português do Brasil.
    Pt,
    /// Español.
    Es,
    /// Tagalog.
    Tl,
}

impl Language {
    /// The language's code: `ja`, `en`, `zh`, `ko`, `vi`, `pt`, `es`, `tl`
    /// (the touchscreen's translation of the same code).
    pub fn code(self) -> &'static str {
        self.into()
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
    fn every_configured_language_is_one_the_touchscreen_has() {
        for code in ["ja", "en", "zh", "ko", "vi", "pt", "es", "tl"] {
            let cfg = parse(&format!("language = \"{code}\"")).unwrap();
            assert_eq!(cfg.language.code(), code);
        }
        assert!(parse("language = \"fr\"").is_err());
    }
}
