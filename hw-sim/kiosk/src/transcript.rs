//! The transcript of a simulated session, and the runner that plays a
//! script against the kiosk: one line per screen shown, choice made, staff
//! action and terminal call, then the outcome. It never shows a PIN or
//! personal data.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use uketsuke_firmware::flow::types::Input;
use uketsuke_firmware::runtime::{Kiosk, KioskEvent};
use uketsuke_screen::{Screen, Touch};
use zeroize::Zeroizing;

use crate::script::{ScriptError, Step};
use crate::staff_client::StaffClient;
use crate::world::SimWorld;

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
    staff: Result<StaffClient, String>,
    out: &'a mut (dyn FnMut(&str) + Send),
    unseen: VecDeque<Screen>,
    outcome: Option<String>,
    pause: Duration,
}

/// How long the runner shows what a step caused before the next step, unless told.
pub const STEP_PAUSE: Duration = Duration::from_millis(50);

impl<'a> ScriptRunner<'a> {
    /// A runner printing its transcript to `out`.
    pub fn new(
        kiosk: &'a mut Kiosk,
        world: Arc<SimWorld>,
        staff_token: Zeroizing<String>,
        out: &'a mut (dyn FnMut(&str) + Send),
    ) -> Self {
        let staff = StaffClient::new(kiosk, staff_token);
        Self { kiosk, world, staff, out, unseen: VecDeque::new(), outcome: None, pause: STEP_PAUSE }
    }

    /// Pauses `pause` after each step instead of [`STEP_PAUSE`] (zero for
    /// long runs whose scripts wait with `expect`).
    #[must_use]
    pub fn with_pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
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
            KioskEvent::Card(text) => (self.out)(&format!("card     {text}")),
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
                let name: &str = scene.into();
                (self.out)(&format!("camera   {name}"));
                self.world.set_scene(scene);
            }
            Step::CameraFault(fault) => {
                let name: &str = fault.into();
                (self.out)(&format!("camera   {name}"));
                self.world.break_camera(fault);
            }
            Step::TerminalFault(fault) => {
                match fault {
                    Some((fault, target, times)) => {
                        let on: &str = target.into();
                        (self.out)(&format!("terminal fault {fault:?} on {on} ×{times}"));
                    }
                    None => (self.out)("terminal fine"),
                }
                self.world.terminal_fault(fault).map_err(|e| e.to_string())?;
            }
            Step::Mark(text) => (self.out)(&format!("mark     {text}")),
            Step::Tap(touch) => {
                (self.out)(&format!("user     tap {}", touch.name()));
                self.send(Input::User(touch))?;
            }
            Step::Pin(digits) => {
                (self.out)(&format!("user     pin {}", "●".repeat(digits.0.len())));
                for d in digits.0.iter() {
                    self.send(Input::User(Touch::Digit(*d)))?;
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
            Step::SurfacePanic => {
                (self.out)("surface  panics on its next scan");
                if let Ok(mut stage) = self.world.devices.stage.lock() {
                    stage.surface_panics = true;
                }
            }
            Step::Records => {
                let records = match &self.world.terminal {
                    Some(t) => t.lock().map(|t| t.records()).map_err(|_| "terminal state lost".to_owned())?,
                    None => return Err("records: the reception terminal is not the simulator's".into()),
                };
                (self.out)(&format!("records  {records}"));
            }
        }
        // Show what the step caused before the next one.
        self.pump_until(Instant::now() + self.pause).await;
        Ok(())
    }

    fn send(&self, input: Input) -> Result<(), String> {
        self.kiosk.inputs.send(input).map_err(|_| "the kiosk stopped".to_owned())
    }

    async fn staff(&self, action: &str) -> Result<u16, String> {
        let (staff, action) = (self.staff.clone()?, action.to_owned());
        tokio::task::spawn_blocking(move || staff.visual_check(&action)).await.map_err(|e| e.to_string())?
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
    fn screens_render_as_view_and_fields() {
        let s = Screen {
            view: uketsuke_screen::View::PinEntry {
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
