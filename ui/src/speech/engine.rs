//! The voices: Open JTalk with the Mei HTS voice for Japanese, espeak-ng
//! for the other languages it has. Each is a separate program fed the text
//! on standard input (never in argv) and writing a WAV file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::SpeechError;

/// Where the voices' files are. The defaults are Debian's paths and the
/// data directory's `voice/` (filled by `scripts/setup`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceFiles {
    /// The `open_jtalk` program.
    pub open_jtalk: PathBuf,
    /// Open JTalk's dictionary (Debian `open-jtalk-mecab-naist-jdic`).
    pub dictionary: PathBuf,
    /// The Japanese HTS voice (`mei_normal.htsvoice`, CC-BY-3.0).
    pub htsvoice: PathBuf,
    /// The `espeak-ng` program.
    pub espeak: PathBuf,
}

impl VoiceFiles {
    /// Debian's programs and dictionary, and the HTS voice in `voice_dir`.
    pub fn in_dir(voice_dir: &Path) -> Self {
        Self {
            open_jtalk: PathBuf::from("/usr/bin/open_jtalk"),
            dictionary: PathBuf::from("/var/lib/mecab/dic/open-jtalk/naist-jdic"),
            htsvoice: voice_dir.join("mei_normal.htsvoice"),
            espeak: PathBuf::from("/usr/bin/espeak-ng"),
        }
    }
}

/// One voice: which program speaks a language, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Voice {
    /// Open JTalk with an HTS voice (Japanese).
    OpenJtalk,
    /// espeak-ng with one of its voices (its `-v` name).
    Espeak(&'static str),
}

impl Voice {
    /// The voice for a screen language's code, if there is one. Tagalog has
    /// no espeak-ng voice: its screens are spoken in English, which most
    /// Filipino residents also read.
    pub fn for_language(code: &str) -> Option<Self> {
        Some(match code {
            "ja" => Self::OpenJtalk,
            "en" | "tl" => Self::Espeak("en-us"),
            "zh" => Self::Espeak("cmn"),
            "ko" => Self::Espeak("ko"),
            "vi" => Self::Espeak("vi"),
            "pt" => Self::Espeak("pt-br"),
            "es" => Self::Espeak("es-419"),
            _ => return None,
        })
    }

    /// A name for the voice that changes when its output would: part of
    /// the cache key.
    pub fn id(&self, files: &VoiceFiles) -> String {
        match self {
            Self::OpenJtalk => {
                let size = std::fs::metadata(&files.htsvoice).map(|m| m.len()).unwrap_or(0);
                format!("open_jtalk:{}:{size}", files.htsvoice.display())
            }
            Self::Espeak(voice) => format!("espeak-ng:{voice}"),
        }
    }

    /// Speaks `text` into the WAV file `out`.
    pub fn synthesize(&self, files: &VoiceFiles, text: &str, out: &Path) -> Result<(), SpeechError> {
        let mut command = match self {
            Self::OpenJtalk => {
                if !files.htsvoice.is_file() {
                    return Err(SpeechError::VoiceMissing(files.htsvoice.clone()));
                }
                let mut c = Command::new(&files.open_jtalk);
                c.arg("-x").arg(&files.dictionary).arg("-m").arg(&files.htsvoice).arg("-ow").arg(out);
                // A little slower than the voice's default, for older ears.
                c.args(["-r", "0.95"]);
                c
            }
            Self::Espeak(voice) => {
                let mut c = Command::new(&files.espeak);
                c.args(["-v", voice, "-s", "150", "--stdin", "-w"]).arg(out);
                c
            }
        };
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SpeechError::Program { program: program.clone(), reason: e.to_string() })?;
        if let Some(mut stdin) = child.stdin.take() {
            // Open JTalk reads one utterance per line.
            let line = text.replace(['\n', '\r'], " ");
            stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.write_all(b"\n"))
                .map_err(|e| SpeechError::Program { program: program.clone(), reason: e.to_string() })?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| SpeechError::Program { program: program.clone(), reason: e.to_string() })?;
        if !output.status.success() {
            let reason = String::from_utf8_lossy(&output.stderr).lines().next().unwrap_or("").to_owned();
            return Err(SpeechError::Program { program, reason: format!("{}: {reason}", output.status) });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_language_but_tagalog_has_its_own_voice() {
        for code in ["ja", "en", "zh", "ko", "vi", "pt", "es"] {
            assert!(Voice::for_language(code).is_some(), "{code}");
        }
        assert_eq!(Voice::for_language("tl"), Voice::for_language("en"));
        assert_eq!(Voice::for_language("xx"), None);
    }

    #[test]
    fn a_missing_hts_voice_is_named_not_spoken_around() {
        let files = VoiceFiles::in_dir(Path::new("/nonexistent"));
        let err = Voice::OpenJtalk.synthesize(&files, "テスト", Path::new("/tmp/never.wav"));
        assert!(matches!(err, Err(SpeechError::VoiceMissing(_))), "{err:?}");
    }

    #[test]
    fn a_missing_program_is_a_typed_error() {
        let files =
            VoiceFiles { espeak: PathBuf::from("/nonexistent/espeak-ng"), ..VoiceFiles::in_dir(Path::new("/x")) };
        let err = Voice::Espeak("en-us").synthesize(&files, "test", Path::new("/tmp/never.wav"));
        assert!(matches!(err, Err(SpeechError::Program { .. })), "{err:?}");
    }
}
