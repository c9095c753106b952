//! The PC/SC transport (pcsc-lite through the `pcsc` crate).
//!
//! The socket of pcscd can be chosen with the `PCSCLITE_CSOCK_NAME`
//! environment variable, which libpcsclite reads; tests use that to talk to
//! their own pcscd.

use std::ffi::{CStr, CString};

use crate::transmit::{Transmit, TransportError};

/// Maps a pcsc-lite error to the transport's error.
pub fn map_pcsc_error(e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::RemovedCard | pcsc::Error::ResetCard => TransportError::CardRemoved,
        pcsc::Error::NoSmartcard => TransportError::NoCard,
        pcsc::Error::UnresponsiveCard | pcsc::Error::UnpoweredCard | pcsc::Error::Timeout => {
            TransportError::Unresponsive
        }
        pcsc::Error::ReaderUnavailable | pcsc::Error::UnknownReader | pcsc::Error::NoReadersAvailable => {
            TransportError::ReaderUnavailable
        }
        pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle => TransportError::NoService,
        pcsc::Error::SharingViolation => TransportError::InUse,
        other => TransportError::Other(other.to_string()),
    }
}

/// A card connected through PC/SC, **exclusively**: while it is held, no
/// other PC/SC client can talk to the card (DESIGN.md §5: the card is the
/// kiosk's alone during a session). Dropping it disconnects with a card
/// reset (the `pcsc` crate's `Card` drops with `Disposition::ResetCard`), so
/// no verified PIN outlives the connection; `tests/tests/card_exclusive.rs`
/// proves both.
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
    atr: Vec<u8>,
    buffer: Vec<u8>,
}

impl PcscTransport {
    /// Connects exclusively to the card in `reader`, or in the first reader
    /// holding a card when `reader` is `None`. A card another program holds
    /// is [`TransportError::InUse`].
    pub fn connect(reader: Option<&str>) -> Result<Self, TransportError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_pcsc_error)?;
        let readers = reader_names(&ctx)?;
        let candidates: Vec<CString> = match reader {
            Some(name) => {
                let found = readers.into_iter().find(|r| r.to_string_lossy() == name);
                vec![found.ok_or(TransportError::ReaderUnavailable)?]
            }
            None => readers,
        };
        if candidates.is_empty() {
            return Err(TransportError::ReaderUnavailable);
        }
        let mut last = TransportError::NoCard;
        for name in candidates {
            match ctx.connect(&name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY) {
                Ok(card) => return Self::from_card(card, &name),
                Err(e) => last = map_pcsc_error(e),
            }
        }
        Err(last)
    }

    fn from_card(card: pcsc::Card, reader: &CStr) -> Result<Self, TransportError> {
        let atr = card.status2_owned().map_err(map_pcsc_error)?.atr().to_vec();
        Ok(Self {
            card,
            reader: reader.to_string_lossy().into_owned(),
            atr,
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }

    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's ATR. Informational only: cards are detected by SELECT.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }
}

impl Transmit for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let out = match self.card.transmit(command, &mut self.buffer) {
            // An answer without a status word: the card left mid-exchange
            // (vpcd reports it so) or is mute.
            Ok(r) if r.len() < 2 => return Err(self.lost_or_mute(TransportError::Unresponsive)),
            Ok(r) => r.to_vec(),
            Err(e) => return Err(self.diagnose(e)),
        };
        // The buffer may hold personal data; clear it after each exchange.
        zeroize::Zeroize::zeroize(&mut self.buffer[..]);
        Ok(out)
    }
}

impl PcscTransport {
    /// Some drivers (vpcd among them) report a card that vanished mid-APDU
    /// as "not transacted"; ask the reader whether the card is still there.
    fn diagnose(&self, e: pcsc::Error) -> TransportError {
        let mapped = map_pcsc_error(e);
        if matches!(mapped, TransportError::Other(_)) { self.lost_or_mute(mapped) } else { mapped }
    }

    /// Asks the reader, for up to a second (its presence polling lags the
    /// exchange), whether the card is still there; `otherwise` if it is.
    fn lost_or_mute(&self, otherwise: TransportError) -> TransportError {
        for _ in 0..20 {
            match self.card.status2_owned() {
                Ok(s) if !s.status().contains(pcsc::Status::PRESENT) => return TransportError::CardRemoved,
                Ok(_) => {}
                Err(e) => match map_pcsc_error(e) {
                    TransportError::Other(_) => {}
                    other => return other,
                },
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        otherwise
    }
}

/// The readers a context sees; none is an empty list, not an error.
pub(crate) fn reader_names(ctx: &pcsc::Context) -> Result<Vec<CString>, TransportError> {
    match ctx.list_readers_owned() {
        Ok(r) => Ok(r),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_pcsc_error(e)),
    }
}

/// The names of the readers pcscd knows.
pub fn list_readers() -> Result<Vec<String>, TransportError> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_pcsc_error)?;
    Ok(reader_names(&ctx)?.into_iter().map(|c| c.to_string_lossy().into_owned()).collect())
}

/// Waits until a card is present in `reader` (or in any reader), up to
/// `timeout`; returns the reader's name.
pub fn wait_for_card(reader: Option<&str>, timeout: std::time::Duration) -> Result<String, TransportError> {
    let deadline = std::time::Instant::now() + timeout;
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_pcsc_error)?;
    loop {
        let names = reader_names(&ctx)?;
        let mut states: Vec<pcsc::ReaderState> = names
            .into_iter()
            .filter(|n| reader.is_none_or(|want| n.to_string_lossy() == want))
            .map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE))
            .collect();
        if !states.is_empty() {
            ctx.get_status_change(std::time::Duration::ZERO, &mut states).or_else(|e| match e {
                pcsc::Error::Timeout => Ok(()),
                e => Err(map_pcsc_error(e)),
            })?;
            if let Some(s) = states.iter().find(|s| {
                s.event_state().contains(pcsc::State::PRESENT) && !s.event_state().contains(pcsc::State::MUTE)
            }) {
                return Ok(s.name().to_string_lossy().into_owned());
            }
        }
        if std::time::Instant::now() >= deadline {
            return Err(TransportError::NoCard);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
