//! The little of RIFF/WAVE the voice needs: 16-bit PCM as Open JTalk and
//! espeak-ng write it, read back to check that a file is speech and to set
//! its volume before it is played.

/// A WAV file that is not 16-bit PCM, or is cut short.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    /// Not a RIFF/WAVE file.
    #[error("not a RIFF/WAVE file")]
    NotWave,
    /// A chunk runs past the end of the file, or `fmt`/`data` is missing.
    #[error("the WAV file is cut short or has no {0} chunk")]
    Truncated(&'static str),
    /// Not 16-bit integer PCM.
    #[error("the WAV file is not 16-bit PCM (format {format}, {bits} bits)")]
    Unsupported {
        /// The format tag (1 is PCM).
        format: u16,
        /// Bits per sample.
        bits: u16,
    },
}

/// 16-bit PCM audio.
#[derive(Clone, PartialEq, Eq)]
pub struct Pcm {
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels (interleaved in `samples`).
    pub channels: u16,
    /// The samples.
    pub samples: Vec<i16>,
}

impl std::fmt::Debug for Pcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pcm({} Hz, {} ch, {} samples)", self.sample_rate, self.channels, self.samples.len())
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl Pcm {
    /// Reads a 16-bit PCM WAV file's bytes. Open JTalk and espeak-ng (when
    /// writing to a pipe) may leave the RIFF and data sizes at 0 or too
    /// large: the data then runs to the end of the file.
    pub fn parse(bytes: &[u8]) -> Result<Self, WavError> {
        if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
            return Err(WavError::NotWave);
        }
        let mut at = 12;
        let mut format = None;
        while at + 8 <= bytes.len() {
            let id = &bytes[at..at + 4];
            let len = u32_at(bytes, at + 4).ok_or(WavError::Truncated("chunk"))? as usize;
            let body = at + 8;
            if id == b"fmt " {
                let tag = u16_at(bytes, body).ok_or(WavError::Truncated("fmt"))?;
                let channels = u16_at(bytes, body + 2).ok_or(WavError::Truncated("fmt"))?;
                let rate = u32_at(bytes, body + 4).ok_or(WavError::Truncated("fmt"))?;
                let bits = u16_at(bytes, body + 14).ok_or(WavError::Truncated("fmt"))?;
                if tag != 1 || bits != 16 || channels == 0 {
                    return Err(WavError::Unsupported { format: tag, bits });
                }
                format = Some((rate, channels));
            } else if id == b"data" {
                let (sample_rate, channels) = format.ok_or(WavError::Truncated("fmt"))?;
                let end = if len == 0 || body.saturating_add(len) > bytes.len() { bytes.len() } else { body + len };
                let samples = bytes[body..end].chunks_exact(2).map(|s| i16::from_le_bytes([s[0], s[1]])).collect();
                return Ok(Self { sample_rate, channels, samples });
            }
            at = body.saturating_add(len).saturating_add(len & 1);
        }
        Err(WavError::Truncated(if format.is_some() { "data" } else { "fmt" }))
    }

    /// The audio as a WAV file.
    pub fn to_wav(&self) -> Vec<u8> {
        let data_len = u32::try_from(self.samples.len() * 2).unwrap_or(u32::MAX - 36);
        let block = self.channels * 2;
        let mut out = Vec::with_capacity(44 + self.samples.len() * 2);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        out.extend_from_slice(&(self.sample_rate * u32::from(block)).to_le_bytes());
        out.extend_from_slice(&block.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    /// How long the audio plays.
    pub fn duration(&self) -> std::time::Duration {
        let frames = self.samples.len() as f64 / f64::from(self.channels.max(1));
        std::time::Duration::from_secs_f64(frames / f64::from(self.sample_rate.max(1)))
    }

    /// The audio at `percent` of its volume (0 is silence, 100 unchanged).
    pub fn at_volume(&self, percent: u8) -> Self {
        let gain = f32::from(percent.min(100)) / 100.0;
        #[allow(clippy::cast_possible_truncation)] // |s × gain| ≤ |s|
        let samples = self.samples.iter().map(|&s| (f32::from(s) * gain) as i16).collect();
        Self { samples, ..self.clone() }
    }

    /// The share of 20 ms windows whose loudness is within 30 dB of the
    /// loudest window: about half or more for speech with short pauses,
    /// 0 for silence.
    pub fn voiced_share(&self) -> f64 {
        let window = (self.sample_rate as usize / 50).max(1) * usize::from(self.channels.max(1));
        let energies: Vec<f64> = self
            .samples
            .chunks(window)
            .map(|w| w.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / w.len() as f64)
            .collect();
        let loudest = energies.iter().copied().fold(0.0, f64::max);
        if loudest < 1e4 {
            // Quieter than an RMS of 100 of 32768 everywhere: silence.
            return 0.0;
        }
        energies.iter().filter(|&&e| e >= loudest / 1000.0).count() as f64 / energies.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f64) -> Pcm {
        let n = (f64::from(rate) * seconds) as usize;
        let samples = (0..n).map(|i| ((i as f64 * 0.05).sin() * 8000.0) as i16).collect();
        Pcm { sample_rate: rate, channels: 1, samples }
    }

    #[test]
    fn a_written_wav_reads_back_the_same() {
        let pcm = tone(16_000, 0.25);
        assert_eq!(Pcm::parse(&pcm.to_wav()), Ok(pcm.clone()));
        assert_eq!(pcm.duration(), std::time::Duration::from_millis(250));
    }

    #[test]
    fn a_data_size_left_at_zero_runs_to_the_end_of_the_file() {
        let pcm = tone(8_000, 0.1);
        let mut wav = pcm.to_wav();
        wav[40..44].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(Pcm::parse(&wav).map(|p| p.samples.len()), Ok(pcm.samples.len()));
    }

    #[test]
    fn other_files_and_cut_headers_are_refused_not_panicked_on() {
        assert_eq!(Pcm::parse(b"not a wav"), Err(WavError::NotWave));
        let wav = tone(8_000, 0.1).to_wav();
        for cut in [12, 20, 30, 38] {
            assert!(Pcm::parse(&wav[..cut]).is_err(), "cut at {cut}");
        }
        let mut float = wav.clone();
        float[20] = 3;
        assert!(matches!(Pcm::parse(&float), Err(WavError::Unsupported { format: 3, .. })));
    }

    #[test]
    fn silence_has_no_voiced_share_and_a_steady_tone_is_all_voiced() {
        let silence = Pcm { sample_rate: 16_000, channels: 1, samples: vec![0; 16_000] };
        assert_eq!(silence.voiced_share(), 0.0);
        assert!(tone(16_000, 1.0).voiced_share() > 0.95);
        assert_eq!(tone(16_000, 1.0).at_volume(0).voiced_share(), 0.0);
    }
}
