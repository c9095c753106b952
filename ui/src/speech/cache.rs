//! Each distinct text is synthesised once and kept: the touchscreen never
//! waits for a voice it has spoken before. Only screen wording is ever
//! spoken (no name, no date, no digits of a PIN), so nothing personal is
//! kept; the file name is a hash of the voice and the text.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SpeechError;
use super::engine::{Voice, VoiceFiles};
use super::wav::Pcm;

/// Spoken texts as WAV files in a directory (the data directory's `speech/`).
#[derive(Clone, Debug)]
pub struct SpeechCache {
    dir: PathBuf,
    files: VoiceFiles,
}

impl SpeechCache {
    /// A cache in `dir` (made when first written) for the voices in `files`.
    pub fn new(dir: &Path, files: VoiceFiles) -> Self {
        Self { dir: dir.to_path_buf(), files }
    }

    /// The voices' files.
    pub fn files(&self) -> &VoiceFiles {
        &self.files
    }

    /// The WAV file of `text` spoken in the language `lang` (a screen
    /// language's code), synthesised now if it is not kept yet.
    pub fn wav(&self, lang: &str, text: &str) -> Result<PathBuf, SpeechError> {
        let voice = Voice::for_language(lang).ok_or_else(|| SpeechError::NoVoice(lang.to_owned()))?;
        let mut key = Sha256::new();
        key.update(voice.id(&self.files).as_bytes());
        key.update([0]);
        key.update(text.as_bytes());
        let name = hex::encode(&key.finalize()[..16]);
        let path = self.dir.join(format!("{name}.wav"));
        if path.is_file() {
            return Ok(path);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| SpeechError::Cache(e.to_string()))?;
        // Written aside and renamed: a concurrent reader never plays half a file.
        let partial = self.dir.join(format!(".{name}.{}.partial.wav", std::process::id()));
        let made = voice.synthesize(&self.files, text, &partial).and_then(|()| {
            let bytes = std::fs::read(&partial).map_err(|e| SpeechError::Cache(e.to_string()))?;
            let pcm = Pcm::parse(&bytes).map_err(|e| SpeechError::Cache(format!("the voice wrote no WAV: {e}")))?;
            if pcm.samples.is_empty() {
                return Err(SpeechError::Cache("the voice wrote no sound".into()));
            }
            std::fs::rename(&partial, &path).map_err(|e| SpeechError::Cache(e.to_string()))
        });
        if made.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        made.map(|()| path)
    }

    /// The WAV file of `text` at `volume` percent, kept beside the full one.
    pub fn wav_at_volume(&self, lang: &str, text: &str, volume: u8) -> Result<PathBuf, SpeechError> {
        let full = self.wav(lang, text)?;
        if volume >= 100 {
            return Ok(full);
        }
        let stem = full.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let path = self.dir.join(format!("{stem}-v{volume}.wav"));
        if path.is_file() {
            return Ok(path);
        }
        let bytes = std::fs::read(&full).map_err(|e| SpeechError::Cache(e.to_string()))?;
        let pcm = Pcm::parse(&bytes).map_err(|e| SpeechError::Cache(e.to_string()))?;
        let partial = self.dir.join(format!(".{stem}-v{volume}.{}.partial.wav", std::process::id()));
        std::fs::write(&partial, pcm.at_volume(volume).to_wav())
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| SpeechError::Cache(e.to_string()))?;
        Ok(path)
    }
}
