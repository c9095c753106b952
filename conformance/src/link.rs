//! The kit's own PC/SC connection: like the kiosk's (exclusive, any
//! protocol), but it keeps the `pcsc::Card` in reach so the kit can reset
//! the card, read its state and open a second connection beside it.

use std::ffi::{CStr, CString};
use std::time::Duration;

use uketsuke_driver::TransportError;
use uketsuke_driver::pcsc_transport::map_pcsc_error;
use uketsuke_driver::transmit::Transmit;

/// A connection to the card in one reader.
pub struct Link {
    /// The card, exclusively.
    pub card: pcsc::Card,
    buffer: Vec<u8>,
}

/// The PC/SC context and the reader under test.
pub struct Reader {
    /// The context the kit's connections are made in.
    pub ctx: pcsc::Context,
    /// The reader's name.
    pub name: CString,
}

impl Reader {
    /// Finds `name` among pcscd's readers.
    pub fn open(name: &str) -> Result<Self, TransportError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_pcsc_error)?;
        let readers = match ctx.list_readers_owned() {
            Ok(r) => r,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(map_pcsc_error(e)),
        };
        let name =
            readers.into_iter().find(|r| r.to_string_lossy() == name).ok_or(TransportError::ReaderUnavailable)?;
        Ok(Self { ctx, name })
    }

    /// The reader's name.
    pub fn name(&self) -> &CStr {
        &self.name
    }

    /// Connects to the card as the kiosk does (exclusive, T=0 or T=1).
    pub fn connect(&self) -> Result<Link, TransportError> {
        let card =
            self.ctx.connect(&self.name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY).map_err(map_pcsc_error)?;
        Ok(Link { card, buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED] })
    }

    /// Whether pcscd reports a card in the reader now.
    pub fn card_present(&self) -> Result<bool, TransportError> {
        let mut states = [pcsc::ReaderState::new(self.name.clone(), pcsc::State::UNAWARE)];
        self.ctx.get_status_change(Duration::ZERO, &mut states).map_err(map_pcsc_error)?;
        Ok(states[0].event_state().contains(pcsc::State::PRESENT))
    }

    /// Waits up to `timeout` for pcscd to report the reader empty.
    pub fn wait_empty(&self, timeout: Duration) -> Result<bool, TransportError> {
        let deadline = std::time::Instant::now() + timeout;
        let mut states = [pcsc::ReaderState::new(self.name.clone(), pcsc::State::UNAWARE)];
        loop {
            match self.ctx.get_status_change(deadline.saturating_duration_since(std::time::Instant::now()), &mut states)
            {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => return Ok(false),
                Err(e) => return Err(map_pcsc_error(e)),
            }
            if states[0].event_state().contains(pcsc::State::EMPTY) {
                return Ok(true);
            }
            states[0].sync_current_state();
        }
    }
}

impl Link {
    /// The card's ATR and the protocol in use (0 or 1).
    pub fn status(&self) -> Result<(Vec<u8>, Option<u8>), TransportError> {
        let s = self.card.status2_owned().map_err(map_pcsc_error)?;
        let protocol = match s.protocol2() {
            Some(pcsc::Protocol::T0) => Some(0),
            Some(pcsc::Protocol::T1) => Some(1),
            _ => None,
        };
        Ok((s.atr().to_vec(), protocol))
    }

    /// Whether the card is still there (asked of the reader, for up to a
    /// second: its presence polling lags an exchange).
    fn gone(&self) -> bool {
        for _ in 0..20 {
            match self.card.status2_owned() {
                Ok(s) if !s.status().contains(pcsc::Status::PRESENT) => return true,
                Ok(_) => {}
                Err(pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard) => return true,
                Err(_) => {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Transmit for Link {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let result = match self.card.transmit(command, &mut self.buffer) {
            Ok(r) if r.len() >= 2 => Ok(r.to_vec()),
            Ok(_) => Err(TransportError::Unresponsive),
            Err(e) => Err(map_pcsc_error(e)),
        };
        zeroize::Zeroize::zeroize(&mut self.buffer[..]);
        match result {
            Err(TransportError::Unresponsive | TransportError::Other(_)) if self.gone() => {
                Err(TransportError::CardRemoved)
            }
            other => other,
        }
    }
}
