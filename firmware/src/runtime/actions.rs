//! The flow's actions, carried out: card reads and PIN checks on blocking
//! threads, the face worker, the reception terminal, the staff board. Each
//! answer goes back to the flow as an input; an answer for a session that
//! has ended is dropped.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rand_core::{OsRng, RngCore};
use tracing::{info, info_span, warn};

use super::runner::{Held, Runner};
use super::session::Session;
use super::{HOST_DOWN_ALERT, KioskEvent, card, card_face, clock, link};
use crate::flow::types::{Action, CardFaceOutcome, HostAnswer, Input, Method};
use crate::host::staff::VisualCheck;

impl Runner {
    /// Carries out one action of the flow.
    pub(super) fn perform(&mut self, action: Action) {
        match action {
            Action::ReadCard => self.read_card(),
            Action::ReadCardFace => self.read_card_face(),
            Action::StartFaceCapture => {
                if let Some(photo) = self.with_session(|s| s.record.as_ref().map(|r| r.photo.clone())).flatten() {
                    self.face.start_check(photo);
                    self.sign_ahead();
                }
            }
            Action::StopFaceCapture => self.face.stop_check(),
            Action::VerifyPin(pin) => {
                let held = Arc::clone(&self.held);
                self.blocking(move || {
                    let mut held = held.lock().map_err(|_| ())?;
                    let session = held.session.as_mut().ok_or(())?;
                    Ok(Input::PinResult(card::verify_pin(session, &pin)))
                });
            }
            Action::RequestVisualCheck => {
                let mut id = [0u8; 16];
                OsRng.fill_bytes(&mut id);
                if let Ok(mut b) = self.board.lock() {
                    b.visual_check = Some(VisualCheck { id: hex::encode(id), confirmed_by: None });
                }
                let images = |s: &Session| s.record.as_ref().map(|r| (r.photo.clone(), r.name_image.clone()));
                if let Some((photo, name)) = self.with_session(images).flatten() {
                    self.face.start_visual_check(photo, name);
                    self.visual_live = true;
                }
                let _ = self.events.send(KioskEvent::Staff("visual check requested".into()));
            }
            Action::Authenticate(method) => self.authenticate(method),
            Action::SendConsent(answers) => {
                let (held, host, events) = (Arc::clone(&self.held), Arc::clone(&self.host), self.events.clone());
                self.blocking(move || {
                    let held = held.lock().map_err(|_| ())?;
                    let stored = link::consent(&host, held.session.as_ref().ok_or(())?, &answers).map_err(drop);
                    let list: Vec<String> =
                        answers.iter().map(|(q, yes)| format!("{}={yes}", <&str>::from(*q))).collect();
                    let _ =
                        events.send(KioskEvent::Host(format!("consent {} → {}", list.join(","), stored_text(stored))));
                    Ok(Input::HostStored(stored))
                });
            }
            Action::SendRegistration => {
                let (held, host, events) = (Arc::clone(&self.held), Arc::clone(&self.host), self.events.clone());
                self.blocking(move || {
                    let held = held.lock().map_err(|_| ())?;
                    let stored = link::register(&host, held.session.as_ref().ok_or(())?).map_err(drop);
                    let _ = events.send(KioskEvent::Host(format!("registration → {}", stored_text(stored))));
                    Ok(Input::HostStored(stored))
                });
            }
            Action::AlertStaffHostDown => {
                warn!("reception terminal unavailable: staff alerted to use the fallback");
                if let Ok(mut b) = self.board.lock() {
                    b.alert = Some(HOST_DOWN_ALERT.to_owned());
                }
                let _ = self.events.send(KioskEvent::Staff("alerted: reception terminal down".into()));
            }
            Action::EndSession => self.end_session(),
        }
    }

    fn with_session<R>(&self, f: impl FnOnce(&Session) -> R) -> Option<R> {
        self.held.lock().ok().and_then(|h| h.session.as_ref().map(f))
    }

    /// Runs a blocking card or terminal call; its input goes back to the
    /// flow, unless the session ended meanwhile (a card taken away): an
    /// answer for one patient never reaches the next patient's session.
    fn blocking(&self, f: impl FnOnce() -> Result<Input, ()> + Send + 'static) {
        let inputs = self.inputs.clone();
        let span = self.span.clone();
        let epochs = Arc::clone(&self.session_epoch);
        let epoch = epochs.load(Ordering::SeqCst);
        tokio::task::spawn_blocking(move || {
            let _guard = span.enter();
            match f() {
                Ok(input) if epochs.load(Ordering::SeqCst) == epoch => {
                    let _ = inputs.send(input);
                }
                Ok(_) => info!("the session ended during the call: its answer is dropped"),
                Err(()) => info!("the session ended before the call could run"),
            }
        });
    }

    fn read_card(&mut self) {
        let mut id = [0u8; 4];
        OsRng.fill_bytes(&mut id);
        let id = hex::encode(id);
        self.span = info_span!("session", id = %id);
        if let Ok(mut b) = self.board.lock() {
            b.patient = Some(id.clone());
        }
        let _guard = self.span.clone().entered();
        info!("card placed: session starts");
        let (held, epochs, reader) =
            (Arc::clone(&self.held), Arc::clone(&self.session_epoch), Arc::clone(&self.reader));
        let epoch = epochs.load(Ordering::SeqCst);
        let placed_on = self.current_reader.lock().ok().and_then(|r| r.clone());
        let today = clock::today();
        self.blocking(move || {
            let read = card::read(reader.as_ref(), placed_on.as_deref(), today, id);
            let mut held = held.lock().map_err(|_| ())?;
            if epochs.load(Ordering::SeqCst) != epoch {
                return Err(());
            }
            Ok(Input::CardRead(read.map(|(facts, session)| {
                *held = Held { epoch, session: Some(session) };
                facts
            })))
        });
    }

    /// Reads the card face and opens the card-face record in the
    /// background (the patient is on method select meanwhile). The card is
    /// held for the read: a PIN verification waits for it.
    fn read_card_face(&mut self) {
        let (held, epochs, surface, issuer, refused) = (
            Arc::clone(&self.held),
            Arc::clone(&self.session_epoch),
            Arc::clone(&self.surface),
            Arc::clone(&self.card_face_issuer),
            Arc::clone(&self.refused_codes),
        );
        let (policy, events) = (self.code_b_policy, self.events.clone());
        let epoch = epochs.load(Ordering::SeqCst);
        self.blocking(move || {
            let mut held = held.lock().map_err(|_| ())?;
            if epochs.load(Ordering::SeqCst) != epoch {
                return Err(());
            }
            let session = held.session.as_mut().ok_or(())?;
            let current = || epochs.load(Ordering::SeqCst) == epoch;
            let (outcome, mark) = card_face::open(session, &surface, &issuer, &refused, &policy, &current);
            // A card taken away mid-read: its outcome must not reach the next patient's session.
            if !current() {
                return Err(());
            }
            session.signals.amendment_face_mark = Some(mark);
            let face_only = !session.signals.decide().offers_pin();
            let _ = events.send(KioskEvent::Card(format!("card face: {} (mark {mark:?})", outcome_text(&outcome))));
            Ok(Input::CardFace { outcome, face_only })
        });
    }

    /// While the face check runs: opens the terminal session and has the
    /// card sign its context (`link::sign_ahead`), so that only the
    /// evidence is left to send when the face matches. Nothing goes back
    /// to the flow; the card is held only for the signature.
    fn sign_ahead(&self) {
        let (held, epochs, host) = (Arc::clone(&self.held), Arc::clone(&self.session_epoch), Arc::clone(&self.host));
        let epoch = epochs.load(Ordering::SeqCst);
        if self.with_session(|s| link::has_signed_ahead(s) || s.host.is_some()).unwrap_or(true) {
            return;
        }
        let span = self.span.clone();
        tokio::task::spawn_blocking(move || {
            let _guard = span.enter();
            let opened = match host.open_session() {
                Ok(opened) => opened,
                Err(e) => {
                    info!(error = %e, "no terminal session ahead of the face decision");
                    return;
                }
            };
            let Ok(mut held) = held.lock() else { return };
            if epochs.load(Ordering::SeqCst) != epoch {
                return;
            }
            if let Some(session) = held.session.as_mut() {
                link::sign_ahead(&host, session, opened);
            }
        });
    }

    fn authenticate(&mut self, method: Method) {
        // The check this confirmation answered, taken off the board for the evidence.
        let visual_check = if method == Method::Visual {
            self.board.lock().ok().and_then(|mut b| b.visual_check.take())
        } else {
            None
        };
        if method == Method::Visual && self.visual_live {
            self.end_visual_check();
        }
        let (held, host, events, board) =
            (Arc::clone(&self.held), Arc::clone(&self.host), self.events.clone(), Arc::clone(&self.board));
        let threshold = self.threshold;
        self.blocking(move || {
            let mut held = held.lock().map_err(|_| ())?;
            let session = held.session.as_mut().ok_or(())?;
            let answer = link::authenticate(&host, session, method, threshold, visual_check);
            let text = match &answer {
                HostAnswer::Eligible { registered } => format!("eligible registered={registered}"),
                HostAnswer::Refused { code, .. } => format!("refused code={code}"),
                HostAnswer::Unavailable => "unavailable".to_owned(),
            };
            if matches!(answer, HostAnswer::Eligible { .. })
                && let Ok(mut b) = board.lock()
            {
                b.alert = None;
            }
            let method: &str = method.into();
            let _ = events.send(KioskEvent::Host(format!("authenticate {method} → {text}")));
            Ok(Input::Host(answer))
        });
    }

    /// Takes the images off the staff console at once; the face worker
    /// stops the live view and wipes them again once it has.
    pub(super) fn end_visual_check(&mut self) {
        self.visual_live = false;
        self.face.end_visual_check();
        if let Ok(mut b) = self.board.lock() {
            b.card_photo = None;
            b.card_name = None;
            b.live_image = None;
            b.visual_check = None;
        }
    }

    /// Forgets the session: the card connection, the record and photo
    /// (zeroized on drop), the face check and the console's images.
    pub(super) fn end_session(&mut self) {
        let epoch = self.session_epoch.fetch_add(1, Ordering::SeqCst) + 1;
        self.face.stop_check();
        if self.visual_live {
            self.end_visual_check();
        }
        if let Ok(mut b) = self.board.lock() {
            b.visual_check = None;
            b.patient = None;
        }
        let held = Arc::clone(&self.held);
        tokio::task::spawn_blocking(move || {
            if let Ok(mut h) = held.lock()
                && h.epoch < epoch
            {
                *h = Held { epoch, session: None };
            }
        });
        {
            let _guard = self.span.enter();
            info!("session ended; its data is wiped");
        }
        self.span = tracing::Span::none();
    }
}

fn outcome_text(outcome: &CardFaceOutcome) -> String {
    match outcome {
        CardFaceOutcome::Ready { .. } => "record opened".to_owned(),
        CardFaceOutcome::NotRead(p) => format!("not read ({p:?})"),
    }
}

fn stored_text(stored: Result<(), ()>) -> &'static str {
    if stored.is_ok() { "stored" } else { "not stored" }
}
