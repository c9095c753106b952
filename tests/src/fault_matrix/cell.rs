//! Running one row of the matrix (a journey, a fault, the indices) on one
//! kiosk, cell by cell.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use uketsuke_driver::ap::{face, jpki, text};
use uketsuke_firmware::flow::types::Input;
use uketsuke_firmware::runtime::{self, Kiosk, KioskEvent};
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::card::{CardSpec, build_card};
use uketsuke_hw_sim::faults::Faults;
use uketsuke_hw_sim::persona::{self, CardImages, Persona};
use uketsuke_screen::{ResultView, Touch, View};
use uketsuke_sim_kiosk::devices::SimDevices;

use super::reader::{Fault, FaultyReader, Slot, lock};
use crate::terminal::TerminalServer;

/// A patient's way through the kiosk that touches the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Journey {
    /// A registered patient: placement read, card face, PIN 1234, the JPKI
    /// signature, three consents.
    Pin,
    /// An unregistered patient: placement read, card face (照合番号B, the
    /// record), the face check, the card-face AP's signature, registration,
    /// three consents.
    FaceAndRegistration,
}

impl Journey {
    /// Both journeys.
    pub const ALL: [Journey; 2] = [Journey::Pin, Journey::FaceAndRegistration];

    /// Its persona.
    pub fn persona(self) -> &'static str {
        match self {
            Self::Pin => "adult-registered",
            Self::FaceAndRegistration => "unregistered",
        }
    }

    /// Its heading.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pin => "PIN session (placement read, card face, PIN, signature, consent)",
            Self::FaceAndRegistration => {
                "Face session (placement read, card face, face evidence, signature, registration, consent)"
            }
        }
    }
}

/// What one cell did and whether it held.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The screen the session ended on.
    pub ended: String,
    /// Every rule held.
    pub passed: bool,
    /// The broken rules.
    pub problems: Vec<String>,
    /// Whether the fault happened (false: the session needed fewer APDUs).
    pub triggered: bool,
}

/// One journey's kiosk, terminal and reader.
pub struct Row {
    journey: Journey,
    persona: Persona,
    images: CardImages,
    slot: Arc<Mutex<Slot>>,
    devices: SimDevices,
    kiosk: Kiosk,
    terminal: TerminalServer,
    /// The APDUs of a session without faults, in order.
    pub clean_run: Vec<Vec<u8>>,
}

/// The longest any session step may take before the cell counts as stuck.
const STEP: Duration = Duration::from_secs(30);

impl Row {
    /// Starts a kiosk for `journey` and runs it once without faults.
    pub async fn start(journey: Journey) -> Result<Self> {
        let persona = persona::by_id(journey.persona())?;
        let images = CardImages::load(&persona::data_dir(), &persona).context("run scripts/setup first")?;
        let (reader, slot) = FaultyReader::new();
        let devices = SimDevices::default();
        {
            let mut stage = devices.stage.lock().map_err(|_| anyhow::anyhow!("stage poisoned"))?;
            stage.persona = Some(persona.clone());
            stage.scene = Some(Scene::Genuine);
        }
        let terminal = TerminalServer::start()?;
        let parts = crate::kiosk::sim_parts(Arc::new(reader), &devices, &terminal)?;
        let kiosk = runtime::start(parts)?;
        let mut row = Self { journey, persona, images, slot, devices, kiosk, terminal, clean_run: Vec::new() };
        row.wait_for(|v| *v == View::Idle, "the idle screen").await?;
        let clean = row.cell(None).await?;
        if !clean.passed || !clean.ended.starts_with("result:done") {
            bail!("the session without faults did not finish: {clean:?}");
        }
        row.clean_run = lock(&row.slot).commands.clone();
        Ok(row)
    }

    async fn wait_for(&mut self, want: impl Fn(&View) -> bool, what: &str) -> Result<View> {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            match tokio::time::timeout_at(deadline, self.kiosk.events.recv()).await {
                Ok(Some(KioskEvent::Screen(s))) if want(&s.view) => return Ok(s.view),
                Ok(Some(_)) => {}
                Ok(None) => bail!("the kiosk stopped while waiting for {what}"),
                Err(_) => bail!("no {what} within {STEP:?}"),
            }
        }
    }

    fn touch(&self, t: Touch) {
        let _ = self.kiosk.inputs.send(Input::User(t));
    }

    /// Plays the journey until it ends; returns the screen it ended on.
    async fn play(&mut self) -> Result<View> {
        let (mut chose, mut typed) = (false, false);
        loop {
            let deadline = tokio::time::Instant::now() + STEP;
            let view = match tokio::time::timeout_at(deadline, self.kiosk.events.recv()).await {
                Ok(Some(KioskEvent::Screen(s))) => s.view,
                Ok(Some(_)) => continue,
                Ok(None) => bail!("the kiosk stopped"),
                Err(_) => bail!("stuck: no screen for {STEP:?}"),
            };
            match (&view, self.journey) {
                (View::Reading | View::PinChecking | View::Authenticating | View::Saving, _)
                | (View::FaceCapture { .. } | View::Registering | View::RegistrationDone, _) => {}
                (View::MethodSelect { pin_offered: true }, Journey::Pin) if !chose => {
                    chose = true;
                    self.touch(Touch::Pin);
                }
                (View::MethodSelect { .. }, Journey::FaceAndRegistration) if !chose => {
                    chose = true;
                    self.touch(Touch::Face);
                }
                // The PIN is offered once the card face has been looked at.
                (View::MethodSelect { pin_offered: false }, Journey::Pin) => {}
                (View::PinEntry { entered: 0, previous_wrong: false, .. }, _) if !typed => {
                    typed = true;
                    for d in [1, 2, 3, 4] {
                        self.touch(Touch::Digit(d));
                    }
                }
                (View::PinEntry { entered, .. }, _) if typed && *entered > 0 => {}
                (View::Registration, _) => self.touch(Touch::Register),
                (View::Consent { .. }, _) => self.touch(Touch::Agree),
                _ => return Ok(view),
            }
        }
    }

    /// Runs one cell: places a fresh card with `fault`, plays, takes the
    /// card away, and checks every rule.
    pub async fn cell(&mut self, fault: Option<(Fault, usize)>) -> Result<Cell> {
        let before = self.terminal.records()?;
        let card = build_card(&CardSpec { persona: &self.persona, images: &self.images })?;
        // Every cell's card lies in the slot as in the run without faults:
        // the matrix is about the chip, not about where the OCR is put to
        // the test (the card-face scans have their own tests and bench).
        if let Ok(mut stage) = self.devices.stage.lock() {
            stage.scans = 0;
        }
        let (faults, reader_lost) = fault.map_or((Faults::default(), None), |(f, n)| f.at(n));
        lock(&self.slot).place(card, faults, reader_lost);
        let mut problems = Vec::new();
        let ended = match self.play().await {
            Ok(view) => view,
            Err(e) => {
                problems.push(format!("{e}"));
                View::Idle
            }
        };
        lock(&self.slot).clear();
        // A card pulled mid-session may already have brought idle back.
        if ended != View::Idle
            && let Err(e) = self.wait_for(|v| *v == View::Idle, "idle after the card was taken").await
        {
            problems.push(format!("{e}"));
        }
        let after = self.terminal.records()?;
        let slot = lock(&self.slot);
        let triggered = fault.is_some_and(|(_, n)| slot.sent >= n);
        problems.extend(self.secrets_problems(&slot));
        problems.extend(terminal_problems(&before, &after, &ended));
        if fault.is_some() && !triggered && !matches!(ended, View::Result(ResultView::Done { .. })) {
            problems.push("no fault happened, yet the session did not finish".into());
        }
        let ended = describe(&ended);
        Ok(Cell { passed: problems.is_empty(), ended, problems, triggered })
    }

    /// Every VERIFY with data carried the patient's PIN or the card's
    /// 照合番号B, and the counters read back full.
    fn secrets_problems(&self, slot: &Slot) -> Vec<String> {
        let pin = self.persona.pin.clone().unwrap_or_default();
        let code_b = self.persona.check_code_b().unwrap_or_default();
        let mut problems = Vec::new();
        for c in slot.commands.iter().filter(|c| c.get(1) == Some(&0x20) && c.len() > 5) {
            let data = c.get(5..5 + usize::from(c[4])).unwrap_or_default();
            if data != pin.as_bytes() && data != code_b.as_bytes() {
                problems.push("a VERIFY carried a secret nobody entered".into());
            }
        }
        let Some(card) = slot.taken.as_ref().or(slot.card.as_ref()) else {
            return problems;
        };
        let counters = [
            ("JPKI PIN", jpki::AID, [0x00, 0x18], self.persona.pin_tries_left),
            ("text PIN", text::AID, text::ef::PIN, self.persona.pin_tries_left),
            ("照合番号B", face::AID, face::ef::CHECK_CODE_B, 10),
        ];
        for (what, aid, fid, full) in counters {
            if let Some(left) = card.tries_left(&aid, fid)
                && left != full
            {
                problems.push(format!("{what}: {left} tries left of {full}"));
            }
        }
        problems
    }
}

fn count(records: &serde_json::Value, key: &str) -> usize {
    records[key].as_array().map_or(0, Vec::len)
}

/// The terminal recorded an authentication, consent or registration only
/// for a session that reached it.
fn terminal_problems(before: &serde_json::Value, after: &serde_json::Value, ended: &View) -> Vec<String> {
    let done = matches!(ended, View::Result(ResultView::Done { .. }));
    let mut problems = Vec::new();
    for (key, most) in [("authentications", 1), ("consents", usize::from(done)), ("registrations", 1)] {
        let added = count(after, key).saturating_sub(count(before, key));
        if added > most {
            problems.push(format!("the terminal recorded {added} {key}"));
        }
    }
    if !done && count(after, "authentications") > count(before, "authentications") {
        problems.push("an authentication was recorded for a session that did not finish".into());
    }
    if done && count(after, "consents") == count(before, "consents") {
        problems.push("the session finished without its consent recorded".into());
    }
    problems
}

/// A screen as the table shows it.
pub fn describe(view: &View) -> String {
    match view {
        View::Result(r) => format!("result:{}", result_name(r)),
        View::CardProblem { problem } => format!("card_problem:{}", <&str>::from(problem)),
        View::FaceFailed { reason, .. } => format!("face_failed:{}", <&str>::from(reason)),
        other => other.name().to_owned(),
    }
}

fn result_name(r: &ResultView) -> String {
    match r {
        ResultView::Done { .. } => "done".into(),
        ResultView::Refused { code, .. } => format!("refused {code}"),
        ResultView::RejectedByStaff => "rejected".into(),
        ResultView::NotRegistered => "not_registered".into(),
        ResultView::Ended => "ended".into(),
    }
}
