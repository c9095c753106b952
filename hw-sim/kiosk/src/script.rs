//! Scripted patients for `uketsuke-sim-kiosk --headless --script FILE` (and the
//! interactive `uketsuke-sim-kiosk`, which reads the same commands from the
//! terminal). One command a line; `#` starts a comment:
//!
//! | command | does |
//! |---|---|
//! | `place PERSONA [remove-before-apdu=N] [mute-from-apdu=N] [corrupt-apdu=N] [record=tampered] [photo-declares=SIDE]` | puts the persona's virtual card on the reader (`foreign-card`: not a My Number Card), with faults counted from power-on; `record=tampered` alters the card-face photo after the issuer signed it, `photo-declares=SIDE` makes the issuer sign a photo whose header claims SIDE×SIDE pixels |
//! | … `face=thumb\|glare` `mark=present\|cancelled\|absent` `face-code=NNNN[/K]` | how the card face looks to the card-slot camera: a thumb over the engraved numbers, a strong reflection, another 追記欄 mark than the persona's, a security code printed instead of the chip's (for the first K scans) |
//! | … `link=KBPS` | the contactless link modelled at KBPS kbit/s (every APDU delayed) |
//! | `remove` | takes the card away |
//! | `camera SCENE` | who the virtual camera sees (`genuine`, `impostor`, `no-face`, …); a working camera again |
//! | `camera unplugged\|frozen\|black` | the face camera fails: unplugged, stuck on its last frame, or all black |
//! | `tap face\|pin\|visual\|end\|agree\|disagree\|register\|skip-registration\|cancel\|backspace\|digit-N\|touch` | touches a button |
//! | `pin DIGITS` | types digits on the keypad (shown as ● in the transcript) |
//! | `staff start\|confirm\|reject` | a staff action through the staff API over HTTP |
//! | `terminal down\|up` | stops or restarts the virtual reception terminal |
//! | `terminal slow=SECS\|error\|malformed\|cut\|lose-answer [on=sessions\|evidence\|consent\|registration] [times=N]` | the terminal answers late, 500, with malformed JSON, cut mid-body, or not at all after handling the request; on every request or those named, the next N times (default 1) |
//! | `terminal fine` | disarms every terminal fault |
//! | `mark TEXT` | prints `mark     TEXT` in the transcript (a driver waiting on the transcript knows where it is) |
//! | `expect VIEW [key=value …] [within=SECS]` | waits for that screen (default 30 s) |
//! | `wait SECS` | lets time pass |
//! | `records` | prints what the virtual terminal recorded |
//! | `surface panic` | the card-surface scanner's driver panics on its next scan (a vendor driver's bug, for the fail-loudly test) |
//!
//! [`crate::transcript::ScriptRunner`] plays them and writes the transcript.

use std::time::Duration;

use uketsuke_driver::hal::surface::FaceAuthMark;
use uketsuke_hw_sim::camera::{CameraFault, Scene};
use uketsuke_hw_sim::card_face::slot::Placement;
use uketsuke_hw_sim::faults::{Faults, LinkModel, RecordFault};
use uketsuke_hw_sim::terminal::faults::{FaultTarget, HostFault};
use uketsuke_screen::Touch;
use zeroize::Zeroizing;

/// How long `expect` waits unless told.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(30);

/// One scripted step.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step {
    /// Place a persona's card, with faults.
    Place(String, Faults),
    /// Take the card away.
    Remove,
    /// Change the camera's scene (and mend the camera).
    Camera(Scene),
    /// The face camera fails.
    CameraFault(CameraFault),
    /// Touch a button (named as the screens name it).
    Tap(Touch),
    /// Type digits (never printed).
    Pin(PinDigits),
    /// A staff action: `start`, `confirm` or `reject`.
    Staff(String),
    /// Virtual terminal up (true) or down.
    Terminal(bool),
    /// Arm a terminal fault on `times` requests of `target`; `None` disarms all.
    TerminalFault(Option<(HostFault, FaultTarget, u32)>),
    /// Print a line in the transcript.
    Mark(String),
    /// Wait for a screen.
    Expect {
        /// View name.
        view: String,
        /// Fields that must match.
        fields: Vec<(String, String)>,
        /// How long to wait.
        within: Duration,
    },
    /// Let time pass.
    Wait(Duration),
    /// Print the terminal's records.
    Records,
    /// The card-surface scanner panics on its next scan.
    SurfacePanic,
}

/// Digits to type on the keypad. `Debug` is redacted.
pub struct PinDigits(pub Zeroizing<Vec<u8>>);

impl std::fmt::Debug for PinDigits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinDigits(REDACTED)")
    }
}

/// A script that cannot be parsed or did not go as written.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ScriptError {
    /// 1-based line.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

fn secs(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a number of seconds"))
}

/// Parses one line; `None` for blank lines and comments.
pub fn parse_line(text: &str) -> Result<Option<Step>, String> {
    let text = text.split('#').next().unwrap_or("").trim();
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((&command, args)) = words.split_first() else { return Ok(None) };
    let one = || match args {
        [a] => Ok(*a),
        _ => Err(format!("{command} takes one argument")),
    };
    Ok(Some(match command {
        "place" => {
            let (persona, options) = args.split_first().ok_or("place needs a persona")?;
            let mut faults = Faults::default();
            for kv in options {
                let (k, v) = kv.split_once('=').ok_or_else(|| format!("{kv:?} is not fault=N"))?;
                if (k, v) == ("record", "tampered") {
                    faults.record = Some(RecordFault::Tampered);
                    continue;
                }
                match (k, v) {
                    ("face", "thumb") => faults.card_face.placement = Placement::ThumbOverCode,
                    ("face", "glare") => faults.card_face.placement = Placement::Glare,
                    ("mark", "present") => faults.card_face.mark = Some(FaceAuthMark::Present),
                    ("mark", "cancelled") => faults.card_face.mark = Some(FaceAuthMark::Cancelled),
                    ("mark", "absent") => faults.card_face.mark = Some(FaceAuthMark::Absent),
                    ("face-code", code) => {
                        let (digits, scans) = match code.split_once('/') {
                            Some((d, n)) => (d, Some(n.parse().map_err(|_| format!("{kv:?}: /N must be a number"))?)),
                            None => (code, None),
                        };
                        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                            return Err(format!("{kv:?}: the printed code must be 4 digits"));
                        }
                        faults.card_face.wrong_code = Some((digits.to_owned(), scans));
                    }
                    ("face" | "mark", _) => {
                        return Err(format!("{kv:?}: face=thumb|glare, mark=present|cancelled|absent"));
                    }
                    _ => {}
                }
                if matches!(k, "face" | "mark" | "face-code") {
                    continue;
                }
                if k == "link" {
                    let kbps = v.parse::<u32>().map_err(|_| format!("{kv:?}: link=KBPS, a number"))?;
                    faults.link = Some(LinkModel::contactless(kbps));
                    continue;
                }
                let n = v.parse::<usize>().map_err(|_| format!("{kv:?}: N must be a number"))?;
                match k {
                    "remove-before-apdu" => faults.remove_before_apdu = Some(n),
                    "mute-from-apdu" => faults.mute_from_apdu = Some(n),
                    "corrupt-apdu" => faults.corrupt_apdu = Some(n),
                    "photo-declares" => {
                        let side = u32::try_from(n).map_err(|_| format!("{kv:?}: too large"))?;
                        faults.record = Some(RecordFault::PhotoDeclares(side));
                    }
                    other => return Err(format!("no fault {other:?}")),
                }
            }
            Step::Place((*persona).to_owned(), faults)
        }
        "remove" => Step::Remove,
        "camera" => {
            let name = one()?;
            match name.parse::<CameraFault>() {
                Ok(fault) => Step::CameraFault(fault),
                Err(_) => Step::Camera(name.parse().map_err(|_| format!("no scene or camera fault {name:?}"))?),
            }
        }
        "tap" => {
            let name = one()?;
            let touch = Touch::from_name(name).filter(|t| *t != Touch::Language);
            Step::Tap(touch.ok_or_else(|| format!("no button {name:?}"))?)
        }
        "pin" => {
            let digits = one()?;
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("pin takes digits only".into());
            }
            Step::Pin(PinDigits(Zeroizing::new(digits.bytes().map(|b| b - b'0').collect())))
        }
        "staff" => match one()? {
            a @ ("start" | "confirm" | "reject") => Step::Staff(a.to_owned()),
            other => return Err(format!("no staff action {other:?}")),
        },
        "terminal" => terminal(args)?,
        "mark" => {
            if args.is_empty() {
                return Err("mark needs a text".into());
            }
            Step::Mark(args.join(" "))
        }
        "expect" => {
            let (view, rest) = args.split_first().ok_or("expect needs a view")?;
            let mut within = DEFAULT_WITHIN;
            let mut fields = Vec::new();
            for kv in rest {
                let (k, v) = kv.split_once('=').ok_or_else(|| format!("{kv:?} is not key=value"))?;
                if k == "within" {
                    within = secs(v)?;
                } else {
                    fields.push((k.to_owned(), v.to_owned()));
                }
            }
            Step::Expect { view: (*view).to_owned(), fields, within }
        }
        "wait" => Step::Wait(secs(one()?)?),
        "records" => Step::Records,
        "surface" => match one()? {
            "panic" => Step::SurfacePanic,
            other => return Err(format!("surface {other:?}: only `surface panic`")),
        },
        other => return Err(format!("unknown command {other:?}")),
    }))
}

/// `terminal up|down|fine` or `terminal FAULT [on=TARGET] [times=N]`.
fn terminal(args: &[&str]) -> Result<Step, String> {
    let (&what, options) = args.split_first().ok_or("terminal needs up, down, fine or a fault")?;
    let fault = match what.split_once('=') {
        _ if !options.is_empty() && matches!(what, "up" | "down" | "fine") => {
            return Err(format!("terminal {what} takes no options"));
        }
        None if what == "up" => return Ok(Step::Terminal(true)),
        None if what == "down" => return Ok(Step::Terminal(false)),
        None if what == "fine" => return Ok(Step::TerminalFault(None)),
        None if what == "error" => HostFault::ServerError,
        None if what == "malformed" => HostFault::MalformedJson,
        None if what == "cut" => HostFault::CutMidBody,
        None if what == "lose-answer" => HostFault::AnswerLost,
        Some(("slow", s)) => HostFault::Slow(secs(s)?),
        _ => return Err(format!("terminal {what:?}: up, down, fine, slow=SECS, error, malformed, cut or lose-answer")),
    };
    let (mut target, mut times) = (FaultTarget::Any, 1u32);
    for kv in options {
        match kv.split_once('=') {
            Some(("on", t)) => {
                target = t.parse().map_err(|_| format!("{kv:?}: on=sessions|evidence|consent|registration"))?
            }
            Some(("times", n)) => {
                times = n.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("{kv:?}: times=N, at least 1"))?;
            }
            _ => return Err(format!("{kv:?}: on=TARGET or times=N")),
        }
    }
    Ok(Step::TerminalFault(Some((fault, target, times))))
}

/// Parses a whole script.
pub fn parse(text: &str) -> Result<Vec<(usize, Step)>, ScriptError> {
    let mut steps = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line) {
            Ok(Some(step)) => steps.push((i + 1, step)),
            Ok(None) => {}
            Err(message) => return Err(ScriptError { line: i + 1, message }),
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_parses_and_comments_are_ignored() {
        let steps = parse(
            "# a patient\nplace adult-registered remove-before-apdu=25\ncamera impostor\ntap face\npin 1234\nstaff confirm\n\
             terminal down\nexpect pin_entry tries_left=2 within=5\nwait 0.5\nrecords\nremove # gone\n",
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(steps.len(), 10);
        assert!(
            matches!(&steps[0].1, Step::Place(p, f) if p == "adult-registered" && f.remove_before_apdu == Some(25))
        );
        assert!(matches!(&steps[1].1, Step::Camera(Scene::Impostor)));
        assert!(matches!(&steps[6].1, Step::Expect { view, fields, within }
            if view == "pin_entry" && fields == &[("tries_left".to_owned(), "2".to_owned())]
                && *within == Duration::from_secs(5)));
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let err = parse("place adult-registered\ntap fly\n").err();
        assert_eq!(err.as_ref().map(|e| e.line), Some(2));
        assert!(err.is_some_and(|e| e.message.contains("fly")));
        assert!(parse("pin 12a4").is_err());
        assert!(parse("camera underwater").is_err());
        assert!(parse("place adult-registered explode-at=3").is_err());
        for bad in [
            "terminal sideways",
            "terminal slow=x",
            "terminal error on=lunch",
            "terminal cut times=0",
            "terminal up on=consent",
            "mark",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn camera_and_terminal_faults_parse_with_their_targets() {
        let steps = parse(
            "camera frozen\ncamera genuine\nterminal lose-answer on=consent times=2\nterminal slow=7.5\nterminal fine\nmark session 3\n",
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert!(matches!(steps[0].1, Step::CameraFault(CameraFault::Frozen)));
        assert!(matches!(steps[1].1, Step::Camera(Scene::Genuine)));
        assert!(matches!(steps[2].1, Step::TerminalFault(Some((HostFault::AnswerLost, FaultTarget::Consent, 2)))));
        assert!(matches!(steps[3].1, Step::TerminalFault(Some((HostFault::Slow(d), FaultTarget::Any, 1)))
            if d == Duration::from_millis(7500)));
        assert!(matches!(steps[4].1, Step::TerminalFault(None)));
        assert!(matches!(&steps[5].1, Step::Mark(text) if text == "session 3"));
    }

    #[test]
    fn a_pin_step_does_not_show_its_digits() {
        let step = parse_line("pin 9876").ok().flatten();
        let text = format!("{step:?}");
        assert!(text.contains("REDACTED") && !text.contains('9') && !text.contains('8'), "{text}");
    }
}
