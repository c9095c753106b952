//! The speaker: one thread that synthesises (through the cache) and plays
//! through ALSA's `aplay`, so the touchscreen never waits for a voice. A
//! new utterance, or [`Speaker::stop`], cuts the one playing: speech stops
//! when the screen changes. With no sound device the kiosk runs silently
//! and says so once in the log.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use super::cache::SpeechCache;

/// How the speaker plays.
#[derive(Clone, Debug)]
pub struct SpeakerConfig {
    /// The texts' WAV files.
    pub cache: SpeechCache,
    /// Volume, 0–100 %.
    pub volume: u8,
    /// No sound at all (the texts are still shown).
    pub muted: bool,
    /// The ALSA device (`default`, `plughw:1,0`, …).
    pub device: String,
    /// The `aplay` program.
    pub aplay: PathBuf,
}

enum Order {
    Say { lang: String, text: String },
    Stop,
}

/// Something that speaks: the [`Speaker`], or a test's recorder.
pub trait Utter: Send + std::fmt::Debug {
    /// Says `text` in the language `lang`, cutting whatever is playing.
    fn say(&self, lang: &str, text: &str);
    /// Stops whatever is playing.
    fn stop(&self);
}

impl Utter for Speaker {
    fn say(&self, lang: &str, text: &str) {
        Speaker::say(self, lang, text);
    }

    fn stop(&self) {
        Speaker::stop(self);
    }
}

/// Speaks on its own thread. Dropping it stops the speech and the thread.
#[derive(Debug)]
pub struct Speaker {
    orders: Sender<Order>,
}

impl Speaker {
    /// Starts the speaker's thread.
    pub fn start(config: SpeakerConfig) -> std::io::Result<Self> {
        let (orders, inbox) = channel();
        std::thread::Builder::new().name("speaker".into()).spawn(move || run(&config, &inbox))?;
        Ok(Self { orders })
    }

    /// Says `text` in the language `lang`, cutting whatever is playing.
    pub fn say(&self, lang: &str, text: &str) {
        let _ = self.orders.send(Order::Say { lang: lang.to_owned(), text: text.to_owned() });
    }

    /// Stops whatever is playing.
    pub fn stop(&self) {
        let _ = self.orders.send(Order::Stop);
    }
}

fn run(config: &SpeakerConfig, inbox: &Receiver<Order>) {
    let mut playing: Option<Child> = None;
    let mut reported_silent = false;
    // Each kind of synthesis failure (a voice file missing, a program
    // failing) is logged once, not once per screen.
    let mut reported_failures: Vec<String> = Vec::new();
    loop {
        let order = match inbox.recv_timeout(Duration::from_millis(100)) {
            Ok(order) => order,
            Err(RecvTimeoutError::Timeout) => {
                check_player(&mut playing, &mut reported_silent);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Only the newest order counts: the screens may change faster than a
        // voice is synthesised.
        let order = inbox.try_iter().last().unwrap_or(order);
        cut(&mut playing);
        let Order::Say { lang, text } = order else { continue };
        if config.muted || config.volume == 0 || text.trim().is_empty() {
            continue;
        }
        let wav = match config.cache.wav_at_volume(&lang, &text, config.volume) {
            Ok(wav) => wav,
            Err(e) => {
                let failure = e.to_string();
                if !reported_failures.contains(&failure) {
                    tracing::warn!(error = %failure, lang, "voice guidance: could not synthesise a screen's text");
                    reported_failures.push(failure);
                }
                continue;
            }
        };
        if inbox.try_iter().last().is_some_and(|newer| matches!(newer, Order::Stop)) {
            continue;
        }
        match Command::new(&config.aplay)
            .args(["-q", "-D", &config.device])
            .arg(&wav)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(child) => playing = Some(child),
            Err(e) => report_silent(&mut reported_silent, &e.to_string()),
        }
    }
    cut(&mut playing);
}

fn cut(playing: &mut Option<Child>) {
    if let Some(mut child) = playing.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A player that ended in failure means no sound device (or no ALSA).
fn check_player(playing: &mut Option<Child>, reported_silent: &mut bool) {
    let Some(child) = playing else { return };
    match child.try_wait() {
        Ok(Some(status)) if !status.success() => {
            let mut reason = String::new();
            if let Some(mut err) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut err, &mut reason);
            }
            report_silent(reported_silent, reason.lines().next().unwrap_or(&status.to_string()));
            *playing = None;
        }
        Ok(Some(_)) => *playing = None,
        Ok(None) | Err(_) => {}
    }
}

fn report_silent(reported: &mut bool, reason: &str) {
    if !*reported {
        *reported = true;
        tracing::warn!(
            reason,
            "voice guidance: no sound device; the kiosk runs silently (the screens still show every text)"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Instant;

    use super::*;
    use crate::speech::engine::VoiceFiles;

    /// A stand-in for `aplay` that notes each file it is asked to play.
    fn recording_player(dir: &Path) -> PathBuf {
        let script = dir.join("aplay");
        let log = dir.join("played");
        std::fs::write(&script, format!("#!/bin/sh\nfor a; do last=$a; done\necho \"$last\" >> {}\n", log.display()))
            .unwrap_or_default();
        let _ = std::process::Command::new("chmod").arg("+x").arg(&script).status();
        script
    }

    fn played(dir: &Path, at_least: usize) -> Vec<String> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let lines: Vec<String> =
                std::fs::read_to_string(dir.join("played")).unwrap_or_default().lines().map(str::to_owned).collect();
            if lines.len() >= at_least || Instant::now() > until {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn speaker(dir: &Path, muted: bool) -> Speaker {
        let cache = SpeechCache::new(&dir.join("speech"), VoiceFiles::in_dir(&dir.join("voice")));
        let config = SpeakerConfig { cache, volume: 50, muted, device: "default".into(), aplay: recording_player(dir) };
        Speaker::start(config).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn a_text_is_synthesised_once_and_played_at_the_configured_volume() {
        let dir = std::env::temp_dir().join(format!("uketsuke-speaker-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let s = speaker(&dir, false);
        s.say("en", "Please place your card.");
        let first = played(&dir, 1);
        assert_eq!(first.len(), 1, "nothing was played");
        assert!(first[0].ends_with("-v50.wav"), "not the half-volume file: {first:?}");
        s.say("en", "Please place your card.");
        let both = played(&dir, 2);
        assert_eq!(both.len(), 2);
        assert_eq!(both[0], both[1], "the same text was synthesised again");
        let wavs = std::fs::read_dir(dir.join("speech")).map(|d| d.count()).unwrap_or(0);
        assert_eq!(wavs, 2, "one full-volume and one half-volume file");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_muted_speaker_plays_nothing_and_a_missing_voice_plays_nothing() {
        let dir = std::env::temp_dir().join(format!("uketsuke-speaker-muted-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let muted = speaker(&dir, true);
        muted.say("en", "Please place your card.");
        // The Japanese voice file is not in this directory.
        let unvoiced = speaker(&dir, false);
        unvoiced.say("ja", "カードを置いてください。");
        unvoiced.say("ja", "カードを置いてください。");
        std::thread::sleep(Duration::from_secs(2));
        assert!(played(&dir, 0).is_empty(), "something was played");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
