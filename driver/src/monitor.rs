//! The PC/SC reader and card monitor: readers added and removed (PnP
//! notification), cards inserted (with ATR) and removed, as the HAL's
//! [`ReaderEvent`]s from a plain thread. It survives readers being
//! unplugged and pcscd restarting.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use std::sync::mpsc;
use tracing::{debug, warn};

use crate::hal::reader::{ReaderEvent, ReaderWatch, WatchEnded};
use crate::pcsc_transport::map_pcsc_error;
use crate::transmit::TransportError;

/// How long one status wait lasts before the thread checks for shutdown.
const WAIT_SLICE: Duration = Duration::from_millis(500);
/// Pause between attempts to reach a pcscd that is down.
const RECONNECT_PAUSE: Duration = Duration::from_millis(300);

/// The PC/SC watch: [`ReaderEvent`]s from pcscd. Dropping it stops the
/// monitor thread.
pub struct Monitor {
    rx: mpsc::Receiver<ReaderEvent>,
    stop: Arc<AtomicBool>,
}

impl Monitor {
    /// Starts the monitor on its own thread.
    pub fn start() -> Self {
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("pcsc-monitor".into())
            .spawn(move || run(&tx, &flag))
            .map_or_else(|e| warn!(error = %e, "cannot start the card monitor thread"), drop);
        Self { rx, stop }
    }
}

impl ReaderWatch for Monitor {
    fn next_event(&mut self, timeout: Duration) -> Result<Option<ReaderEvent>, WatchEnded> {
        match self.rx.recv_timeout(timeout) {
            Ok(e) => Ok(Some(e)),
            Err(mpsc::RecvTimeoutError::Timeout) => Ok(None),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(WatchEnded),
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What the monitor knows of one reader.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Known {
    card_present: bool,
}

struct Watcher<'a> {
    tx: &'a mpsc::Sender<ReaderEvent>,
    known: BTreeMap<String, Known>,
}

impl Watcher<'_> {
    fn emit(&self, e: ReaderEvent) -> bool {
        debug!(event = ?e, "monitor");
        self.tx.send(e).is_ok()
    }

    /// Reports every reader as gone (pcscd stopped).
    fn forget_all(&mut self) -> bool {
        let known = std::mem::take(&mut self.known);
        known.into_iter().all(|(reader, k)| {
            (!k.card_present || self.emit(ReaderEvent::CardRemoved { reader: reader.clone() }))
                && self.emit(ReaderEvent::ReaderRemoved { reader })
        })
    }

    fn sync_readers(&mut self, names: &[String]) -> bool {
        let gone: Vec<String> = self.known.keys().filter(|k| !names.contains(k)).cloned().collect();
        for reader in gone {
            if self.known.remove(&reader).is_some_and(|k| k.card_present)
                && !self.emit(ReaderEvent::CardRemoved { reader: reader.clone() })
            {
                return false;
            }
            if !self.emit(ReaderEvent::ReaderRemoved { reader }) {
                return false;
            }
        }
        for name in names {
            if !self.known.contains_key(name) {
                self.known.insert(name.clone(), Known { card_present: false });
                if !self.emit(ReaderEvent::ReaderAdded { reader: name.clone() }) {
                    return false;
                }
            }
        }
        true
    }

    fn card_state(&mut self, reader: &str, present: bool, atr: &[u8]) -> bool {
        let Some(k) = self.known.get_mut(reader) else {
            return true;
        };
        if k.card_present == present {
            return true;
        }
        k.card_present = present;
        let reader = reader.to_owned();
        if present {
            self.emit(ReaderEvent::CardInserted { reader, atr: hex::encode_upper(atr) })
        } else {
            self.emit(ReaderEvent::CardRemoved { reader })
        }
    }
}

fn run(tx: &mpsc::Sender<ReaderEvent>, stop: &AtomicBool) {
    let mut w = Watcher { tx, known: BTreeMap::new() };
    let mut service_up: Option<bool> = None;
    while !stop.load(Ordering::Relaxed) {
        match watch_once(&mut w, stop, &mut service_up) {
            Ok(()) => return,
            Err(e) => {
                debug!(error = %e, "pcscd unreachable; retrying");
                if service_up != Some(false) {
                    if !w.forget_all() || !w.emit(ReaderEvent::ServiceLost) {
                        return;
                    }
                    service_up = Some(false);
                }
                std::thread::sleep(RECONNECT_PAUSE);
            }
        }
    }
}

/// Watches with one context until the service fails (`Err`) or the
/// monitor is told to stop (`Ok`).
fn watch_once(w: &mut Watcher<'_>, stop: &AtomicBool, service_up: &mut Option<bool>) -> Result<(), TransportError> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_pcsc_error)?;
    // A context can be established while pcscd is still starting: check it.
    let names = reader_names(&ctx)?;
    if *service_up != Some(true) {
        if !w.emit(ReaderEvent::ServiceAvailable) {
            return Ok(());
        }
        *service_up = Some(true);
    }
    let mut states = vec![pcsc::ReaderState::new(pcsc::PNP_NOTIFICATION(), pcsc::State::UNAWARE)];
    let mut names = names;
    loop {
        if !w.sync_readers(&names) {
            return Ok(());
        }
        states.retain(|s| {
            s.name() == pcsc::PNP_NOTIFICATION() || names.iter().any(|n| s.name().to_bytes() == n.as_bytes())
        });
        for n in &names {
            if !states.iter().any(|s| s.name().to_bytes() == n.as_bytes())
                && let Ok(c) = CString::new(n.as_bytes())
            {
                states.push(pcsc::ReaderState::new(c, pcsc::State::UNAWARE));
            }
        }
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            for s in &mut states {
                s.sync_current_state();
            }
            match ctx.get_status_change(WAIT_SLICE, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => continue,
                Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => break,
                Err(e) => return Err(map_pcsc_error(e)),
            }
            let mut readers_changed = false;
            for s in &states {
                let ev = s.event_state();
                if s.name() == pcsc::PNP_NOTIFICATION() {
                    readers_changed |= ev.contains(pcsc::State::CHANGED);
                    continue;
                }
                let name = s.name().to_string_lossy().into_owned();
                if ev.intersects(pcsc::State::UNKNOWN | pcsc::State::IGNORE | pcsc::State::UNAVAILABLE) {
                    readers_changed = true;
                    continue;
                }
                let present = ev.contains(pcsc::State::PRESENT) && !ev.contains(pcsc::State::MUTE);
                if !w.card_state(&name, present, s.atr()) {
                    return Ok(());
                }
            }
            if readers_changed {
                break;
            }
        }
        names = reader_names(&ctx)?;
    }
}

fn reader_names(ctx: &pcsc::Context) -> Result<Vec<String>, TransportError> {
    Ok(crate::pcsc_transport::reader_names(ctx)?.into_iter().map(|c| c.to_string_lossy().into_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(rx: &mut mpsc::Receiver<ReaderEvent>) -> Vec<ReaderEvent> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    #[test]
    fn an_unplugged_reader_with_a_card_reports_the_card_removed_then_the_reader() {
        let (tx, mut rx) = mpsc::channel();
        let mut w = Watcher { tx: &tx, known: BTreeMap::new() };
        assert!(w.sync_readers(&["A".to_owned(), "B".to_owned()]));
        assert!(w.card_state("A", true, &[0x3B, 0x00]));
        assert!(w.sync_readers(&["B".to_owned()]));
        let r = |s: &str| s.to_owned();
        assert_eq!(
            drain(&mut rx),
            vec![
                ReaderEvent::ReaderAdded { reader: r("A") },
                ReaderEvent::ReaderAdded { reader: r("B") },
                ReaderEvent::CardInserted { reader: r("A"), atr: r("3B00") },
                ReaderEvent::CardRemoved { reader: r("A") },
                ReaderEvent::ReaderRemoved { reader: r("A") },
            ]
        );
    }

    #[test]
    fn repeated_states_are_reported_once() {
        let (tx, mut rx) = mpsc::channel();
        let mut w = Watcher { tx: &tx, known: BTreeMap::new() };
        assert!(w.sync_readers(&["A".to_owned()]));
        assert!(w.sync_readers(&["A".to_owned()]));
        assert!(w.card_state("A", false, &[]));
        assert!(w.card_state("A", true, &[1]));
        assert!(w.card_state("A", true, &[1]));
        assert_eq!(drain(&mut rx).len(), 2);
    }

    #[test]
    fn losing_the_service_forgets_every_reader_and_card() {
        let (tx, mut rx) = mpsc::channel();
        let mut w = Watcher { tx: &tx, known: BTreeMap::new() };
        assert!(w.sync_readers(&["A".to_owned()]));
        assert!(w.card_state("A", true, &[1]));
        assert!(w.forget_all());
        let events = drain(&mut rx);
        assert_eq!(
            events[2..],
            [ReaderEvent::CardRemoved { reader: "A".into() }, ReaderEvent::ReaderRemoved { reader: "A".into() }]
        );
        assert!(w.known.is_empty());
    }
}
