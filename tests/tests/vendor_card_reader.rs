//! A vendor's card reader that is not PC/SC: the driver's `CardReader` HAL
//! trait implemented by a small in-memory reader holding the virtual My
//! Number Card, passed to the unchanged firmware runtime. A whole face
//! session runs through it (read, face match on the virtual camera with the
//! real models, authentication at the virtual terminal, three consents,
//! the result), with no pcscd anywhere. A vendor's status panel (the
//! `StatusPanel` HAL trait) is fed the same screens and follows the session.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use uketsuke_driver::hal::reader::{CardReader, ChannelWatch, DynCard, ReaderEvent, ReaderWatch};
use uketsuke_driver::{Transmit, TransportError};
use uketsuke_firmware::flow::types::Input;
use uketsuke_firmware::runtime::{self, Kiosk, KioskEvent};
use uketsuke_hw_sim::card::{CardSpec, VirtualCard, build_card};
use uketsuke_hw_sim::persona::{self, CardImages};
use uketsuke_panel::{PanelError, PanelState, StatusPanel};
use uketsuke_screen::{ConsentQuestion, Method, ResultView, Screen, Touch, View};
use uketsuke_sim_kiosk::devices::SimDevices;
use uketsuke_sim_kiosk::status_panel::PatientEyes;
use uketsuke_tests::terminal::TerminalServer;

const READER: &str = "Vendor In-Memory Reader 00";

/// A vendor's status panel that records what it was asked to show.
struct RecordingPanel(Arc<Mutex<Vec<PanelState>>>);

impl StatusPanel for RecordingPanel {
    fn show(&mut self, screen: &Screen) -> Result<(), PanelError> {
        let state = PanelState::from(screen);
        let mut shown = self.0.lock().unwrap();
        if shown.last() != Some(&state) {
            shown.push(state);
        }
        Ok(())
    }
}

/// The reader: one slot, its events handed out once to the watch.
struct InMemoryReader {
    slot: Arc<Mutex<Option<VirtualCard>>>,
    events: Mutex<Option<mpsc::Receiver<ReaderEvent>>>,
    apdus: Arc<AtomicUsize>,
    connects: Arc<Mutex<Vec<String>>>,
}

/// A connection to the card in the slot: APDUs go straight to it.
struct Link {
    slot: Arc<Mutex<Option<VirtualCard>>>,
    apdus: Arc<AtomicUsize>,
}

impl Transmit for Link {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut slot = self.slot.lock().map_err(|_| TransportError::Other("slot poisoned".into()))?;
        let card = slot.as_mut().ok_or(TransportError::CardRemoved)?;
        self.apdus.fetch_add(1, Ordering::Relaxed);
        Ok(card.process(command))
    }
}

impl CardReader for InMemoryReader {
    fn readers(&self) -> Result<Vec<String>, TransportError> {
        Ok(vec![READER.to_owned()])
    }

    fn watch(&self) -> Box<dyn ReaderWatch> {
        let rx = self.events.lock().unwrap().take().expect("the kiosk watches the reader once");
        Box::new(ChannelWatch(rx))
    }

    fn connect(&self, reader: &str) -> Result<Box<DynCard>, TransportError> {
        self.connects.lock().unwrap().push(reader.to_owned());
        if reader != READER {
            return Err(TransportError::ReaderUnavailable);
        }
        if self.slot.lock().unwrap().is_none() {
            return Err(TransportError::NoCard);
        }
        Ok(Box::new(Link { slot: Arc::clone(&self.slot), apdus: Arc::clone(&self.apdus) }))
    }
}

/// Waits for the first screen of `view`'s kind, skipping others.
async fn expect(kiosk: &mut Kiosk, want: impl Fn(&View) -> bool, what: &str) -> View {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, kiosk.events.recv()).await {
            Ok(Some(KioskEvent::Screen(s))) if want(&s.view) => return s.view,
            Ok(Some(KioskEvent::Screen(s))) => seen.push(s.view.name()),
            Ok(Some(_)) => {}
            Ok(None) => panic!("the kiosk stopped while waiting for {what}"),
            Err(_) => panic!("no {what} within 30 s; screens seen: {seen:?}"),
        }
    }
}

/// Waits (up to 10 s) until the recording panel has shown `state`.
async fn wait_for_panel(panel: &Mutex<Vec<PanelState>>, state: PanelState) {
    for _ in 0..500 {
        if panel.lock().unwrap().contains(&state) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the panel never showed {state:?}: {:?}", panel.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_face_session_runs_through_a_vendor_reader_that_is_not_pcsc() {
    let persona = persona::by_id("adult-registered").unwrap();
    let images = CardImages::load(&persona::data_dir(), &persona).expect("run scripts/setup first");
    let card = build_card(&CardSpec { persona: &persona, images: &images }).unwrap();

    let (events, rx) = mpsc::channel();
    let slot = Arc::new(Mutex::new(None));
    let apdus = Arc::new(AtomicUsize::new(0));
    let connects = Arc::new(Mutex::new(Vec::new()));
    let reader = InMemoryReader {
        slot: Arc::clone(&slot),
        events: Mutex::new(Some(rx)),
        apdus: Arc::clone(&apdus),
        connects: Arc::clone(&connects),
    };
    let devices = SimDevices::default();
    devices.stage.lock().unwrap().persona = Some(persona.clone());
    let terminal = TerminalServer::start().unwrap();

    let panel = Arc::new(Mutex::new(Vec::new()));
    let mut parts = uketsuke_tests::kiosk::sim_parts(Arc::new(reader), &devices, &terminal).unwrap();
    // The simulated patient reads the same screens (and makes the movement
    // the liveness challenge asks for) in front of the recording panel.
    let recording = RecordingPanel(Arc::clone(&panel));
    parts.status_panel = Some(Box::new(PatientEyes { panel: recording, stage: Arc::clone(&devices.stage) }));
    let mut kiosk = runtime::start(parts).unwrap();

    events.send(ReaderEvent::ReaderAdded { reader: READER.into() }).unwrap();
    expect(&mut kiosk, |v| *v == View::Idle, "the idle screen").await;
    *slot.lock().unwrap() = Some(card);
    events.send(ReaderEvent::CardInserted { reader: READER.into(), atr: "3B8080018080".into() }).unwrap();
    expect(&mut kiosk, |v| matches!(v, View::MethodSelect { .. }), "method select").await;
    expect(
        &mut kiosk,
        |v| *v == View::MethodSelect { pin_offered: true },
        "the PIN offered once the card face is read",
    )
    .await;
    assert_eq!(*connects.lock().unwrap(), [READER], "the kiosk connected to the reader the card was placed on");
    let read = apdus.load(Ordering::Relaxed);
    assert!(read > 0, "the card was read through the vendor's reader");

    wait_for_panel(&panel, PanelState::Select).await;
    kiosk.inputs.send(Input::User(Touch::Face)).unwrap();
    expect(&mut kiosk, |v| matches!(v, View::FaceCapture { .. }), "the face screen").await;
    for (number, question) in
        [ConsentQuestion::Surgery, ConsentQuestion::TreatmentAndMedication, ConsentQuestion::HealthCheckups]
            .into_iter()
            .enumerate()
    {
        let want = View::Consent { question, number: number + 1, of: 3 };
        expect(&mut kiosk, |v| *v == want, "the next consent question").await;
        if number == 0 {
            // The panel redraws on its own thread and may skip a state that
            // lasts less than one redraw; the patient reads the first
            // question as long as it takes the panel to show it.
            wait_for_panel(&panel, PanelState::Consent).await;
        }
        kiosk.inputs.send(Input::User(Touch::Agree)).unwrap();
    }
    let done = View::Result(ResultView::Done { method: Method::Face });
    expect(&mut kiosk, |v| *v == done, "the face result").await;
    assert!(apdus.load(Ordering::Relaxed) > read, "the chip signed the terminal's nonce through the vendor's reader");

    let records = terminal.records().unwrap();
    let consents = records["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 1, "{records}");
    assert!(consents[0]["answers"].as_array().unwrap().iter().all(|a| a["agree"] == true), "{records}");

    wait_for_panel(&panel, PanelState::Done).await;
    *slot.lock().unwrap() = None;
    events.send(ReaderEvent::CardRemoved { reader: READER.into() }).unwrap();
    expect(&mut kiosk, |v| *v == View::Idle, "idle after the card is taken").await;

    // The panel followed the session in order (each state was held until
    // the panel showed it) and is back at idle.
    let wanted = [PanelState::Select, PanelState::Face, PanelState::Consent, PanelState::Done, PanelState::Idle];
    let mut shown = Vec::new();
    for _ in 0..100 {
        shown = panel.lock().unwrap().clone();
        if shown.last() == Some(&PanelState::Idle) && shown.len() > 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut rest = shown.iter();
    for want in &wanted {
        assert!(rest.any(|s| s == want), "the panel never showed {want:?} in order: {shown:?}");
    }
}
