//! Scripted patients for `uketsuke --sim --headless --script FILE` (and the
//! interactive `uketsuke --sim`, which reads the same commands from the
//! terminal). One command a line; `#` starts a comment:
//!
//! | command | does |
//! |---|---|
//! | `place PERSONA [remove-before-apdu=N] [mute-from-apdu=N] [corrupt-apdu=N]` | puts the persona's virtual card on the reader (`foreign-card`: not a My Number Card), with faults counted from power-on |
//! | `remove` | takes the card away |
//! | `camera SCENE` | who the virtual camera sees (`genuine`, `impostor`, `no-face`, …) |
//! | `tap face\|pin\|visual\|end\|agree\|disagree\|register\|skip-registration\|cancel\|backspace\|touch` | touches a button |
//! | `pin DIGITS` | types digits on the keypad (shown as ● in the transcript) |
//! | `staff start\|confirm\|reject` | a staff action through the staff API over HTTP |
//! | `terminal down\|up` | stops or restarts the virtual reception terminal |
//! | `expect VIEW [key=value …] [within=SECS]` | waits for that screen (default 30 s) |
//! | `wait SECS` | lets time pass |
//! | `records` | prints what the virtual terminal recorded |
//!
//! The transcript has one line per screen shown, choice made, staff action
//! and terminal call, then the outcome. It never shows a PIN or personal data.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::faults::Faults;
use uketsuke_ui::model::Touch;
use zeroize::Zeroizing;

use super::sim::SimWorld;
use super::touchscreen::input;
use super::{Kiosk, KioskEvent};
use crate::flow::screen::Screen;
use crate::flow::types::{Input, UserEvent};

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
    /// Change the camera's scene.
    Camera(Scene),
    /// Touch a button (named as the screens name it).
    Tap(Touch),
    /// Type digits (never printed).
    Pin(PinDigits),
    /// A staff action: `start`, `confirm` or `reject`.
    Staff(String),
    /// Virtual terminal up (true) or down.
    Terminal(bool),
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
                let n = v.parse::<usize>().map_err(|_| format!("{kv:?}: N must be an APDU number"))?;
                match k {
                    "remove-before-apdu" => faults.remove_before_apdu = Some(n),
                    "mute-from-apdu" => faults.mute_from_apdu = Some(n),
                    "corrupt-apdu" => faults.corrupt_apdu = Some(n),
                    other => return Err(format!("no fault {other:?}")),
                }
            }
            Step::Place((*persona).to_owned(), faults)
        }
        "remove" => Step::Remove,
        "camera" => Step::Camera(
            serde_json::from_value(Value::String(one()?.to_owned())).map_err(|_| format!("no scene {:?}", one()))?,
        ),
        "tap" => {
            let name = one()?;
            let touch = Touch::from_act(name).filter(|t| input(*t).is_some());
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
        "terminal" => match one()? {
            "up" => Step::Terminal(true),
            "down" => Step::Terminal(false),
            other => return Err(format!("terminal is up or down, not {other:?}")),
        },
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
        other => return Err(format!("unknown command {other:?}")),
    }))
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

/// A screen as `view key=value …`, the transcript's and `expect`'s form.
pub fn screen_fields(screen: &Screen) -> (String, Vec<(String, String)>) {
    let v = serde_json::to_value(&screen.view).unwrap_or(Value::Null);
    let mut view = String::new();
    let mut fields = Vec::new();
    if let Value::Object(map) = v {
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            if k == "view" {
                view = text;
            } else {
                fields.push((k, text));
            }
        }
    }
    // The result's kind reads first (`result=done method=face`).
    fields.sort_by_key(|(k, _)| k != "result");
    fields.push(("timeout_warning".into(), screen.timeout_warning.to_string()));
    (view, fields)
}

fn render(screen: &Screen) -> String {
    let (view, fields) = screen_fields(screen);
    let mut line = format!("screen   {view}");
    for (k, v) in fields.iter().filter(|(k, v)| !(k == "timeout_warning" && v == "false")) {
        line.push_str(&format!(" {k}={v}"));
    }
    line
}

/// Runs scripts against a kiosk and its simulated world.
pub struct ScriptRunner<'a> {
    kiosk: &'a mut Kiosk,
    world: Arc<SimWorld>,
    staff_token: Zeroizing<String>,
    out: &'a mut (dyn FnMut(&str) + Send),
    unseen: VecDeque<Screen>,
    outcome: Option<String>,
}

impl<'a> ScriptRunner<'a> {
    /// A runner printing its transcript to `out`.
    pub fn new(
        kiosk: &'a mut Kiosk,
        world: Arc<SimWorld>,
        staff_token: Zeroizing<String>,
        out: &'a mut (dyn FnMut(&str) + Send),
    ) -> Self {
        Self { kiosk, world, staff_token, out, unseen: VecDeque::new(), outcome: None }
    }

    fn event(&mut self, e: KioskEvent) {
        match e {
            KioskEvent::Screen(s) => {
                (self.out)(&render(&s));
                let (view, fields) = screen_fields(&s);
                if view == "result" {
                    let parts: Vec<String> = fields
                        .iter()
                        .filter(|(k, _)| k != "timeout_warning" && k != "message")
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    self.outcome = Some(parts.join(" "));
                } else if view == "host_unavailable" {
                    self.outcome = Some("host_unavailable".into());
                }
                self.unseen.push_back(s);
            }
            KioskEvent::Host(text) => (self.out)(&format!("host     {text}")),
            KioskEvent::Staff(text) => (self.out)(&format!("staff    {text}")),
        }
    }

    /// Prints whatever happened until `until`.
    async fn pump_until(&mut self, until: Instant) {
        while let Ok(Some(e)) = tokio::time::timeout_at(until, self.kiosk.events.recv()).await {
            self.event(e);
        }
    }

    fn find(&mut self, view: &str, want: &[(String, String)]) -> bool {
        while let Some(s) = self.unseen.pop_front() {
            let (v, fields) = screen_fields(&s);
            if v == view && want.iter().all(|w| fields.contains(w)) {
                return true;
            }
        }
        false
    }

    /// Runs one step.
    pub async fn step(&mut self, step: Step) -> Result<(), String> {
        match step {
            Step::Place(persona, faults) => {
                let world = Arc::clone(&self.world);
                let id = persona.clone();
                let placed =
                    tokio::task::spawn_blocking(move || world.place(&id, faults)).await.map_err(|e| e.to_string())?;
                placed.map_err(|e| e.to_string())?;
                (self.out)(&format!("card     placed {persona}"));
            }
            Step::Remove => {
                (self.out)("card     removed");
                let world = Arc::clone(&self.world);
                tokio::task::spawn_blocking(move || world.remove()).await.map_err(|e| e.to_string())?;
            }
            Step::Camera(scene) => {
                let name = serde_json::to_value(scene).ok().and_then(|v| v.as_str().map(str::to_owned));
                (self.out)(&format!("camera   {}", name.unwrap_or_default()));
                self.world.set_scene(scene);
            }
            Step::Tap(touch) => {
                (self.out)(&format!("user     tap {}", touch.act_name()));
                if let Some(i) = input(touch) {
                    self.send(i)?;
                }
            }
            Step::Pin(digits) => {
                (self.out)(&format!("user     pin {}", "●".repeat(digits.0.len())));
                for d in digits.0.iter() {
                    self.send(Input::User(UserEvent::PinDigit(*d)))?;
                }
            }
            Step::Staff(action) => {
                let status = self.staff(&action).await?;
                (self.out)(&format!("staff    {action} → {status}"));
            }
            Step::Terminal(up) => {
                (self.out)(&format!("terminal {}", if up { "up" } else { "down" }));
                let world = Arc::clone(&self.world);
                tokio::task::spawn_blocking(move || world.terminal_up(up))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
            }
            Step::Expect { view, fields, within } => {
                let until = Instant::now() + within;
                loop {
                    if self.find(&view, &fields) {
                        break;
                    }
                    match tokio::time::timeout_at(until, self.kiosk.events.recv()).await {
                        Ok(Some(e)) => self.event(e),
                        Ok(None) => return Err("the kiosk stopped".into()),
                        Err(_) => {
                            let want: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                            return Err(format!("expected screen {view} {} within {within:?}", want.join(" ")));
                        }
                    }
                }
            }
            Step::Wait(d) => self.pump_until(Instant::now() + d).await,
            Step::Records => {
                let records = match &self.world.terminal {
                    Some(t) => t.lock().map(|t| t.records()).map_err(|_| "terminal state lost".to_owned())?,
                    None => return Err("records: the reception terminal is not the simulator's".into()),
                };
                (self.out)(&format!("records  {records}"));
            }
        }
        // Show what the step caused before the next one.
        self.pump_until(Instant::now() + Duration::from_millis(50)).await;
        Ok(())
    }

    fn send(&self, input: Input) -> Result<(), String> {
        self.kiosk.inputs.send(input).map_err(|_| "the kiosk stopped".to_owned())
    }

    async fn staff(&self, action: &str) -> Result<u16, String> {
        let url = format!("http://{}/staff/v1/visual-check/{action}", self.kiosk.staff_addr);
        let auth = Zeroizing::new(format!("Bearer {}", self.staff_token.as_str()));
        tokio::task::spawn_blocking(move || match ureq::post(&url).set("Authorization", &auth).call() {
            Ok(r) => Ok(r.status()),
            Err(ureq::Error::Status(code, _)) => Ok(code),
            Err(e) => Err(format!("staff API: {e}")),
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// Runs every step; the first that fails stops the script.
    pub async fn run(&mut self, steps: Vec<(usize, Step)>) -> Result<(), ScriptError> {
        for (line, step) in steps {
            self.step(step).await.map_err(|message| ScriptError { line, message })?;
        }
        self.pump_until(Instant::now() + Duration::from_millis(200)).await;
        Ok(())
    }

    /// The last result shown (`result=done method=face`), if any.
    pub fn outcome(&self) -> Option<&str> {
        self.outcome.as_deref()
    }
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
    }

    #[test]
    fn a_pin_step_does_not_show_its_digits() {
        let step = parse_line("pin 9876").ok().flatten();
        let text = format!("{step:?}");
        assert!(text.contains("REDACTED") && !text.contains('9') && !text.contains('8'), "{text}");
    }

    #[test]
    fn screens_render_as_view_and_fields() {
        let s = Screen {
            view: crate::flow::screen::View::PinEntry {
                entered: 0,
                tries_left: 2,
                last_try_warning: false,
                previous_wrong: true,
            },
            timeout_warning: true,
        };
        let line = render(&s);
        assert!(line.starts_with("screen   pin_entry"), "{line}");
        assert!(line.contains("tries_left=2") && line.contains("timeout_warning=true"), "{line}");
    }
}
