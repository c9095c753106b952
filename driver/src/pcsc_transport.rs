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
        pcsc::Error::ReaderUnavailable
        | pcsc::Error::UnknownReader
        | pcsc::Error::NoReadersAvailable => TransportError::ReaderUnavailable,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle => {
            TransportError::NoService
        }
        other => TransportError::Other(other.to_string()),
    }
}

/// A card connected through PC/SC.
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
    atr: Vec<u8>,
    buffer: Vec<u8>,
}

impl PcscTransport {
    /// Connects to the card in `reader`, or in the first reader holding a
    /// card when `reader` is `None`.
    pub fn connect(reader: Option<&str>) -> Result<Self, TransportError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_pcsc_error)?;
        let readers = ctx.list_readers_owned().map_err(map_pcsc_error)?;
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
            match ctx.connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
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
        let out = self
            .card
            .transmit(command, &mut self.buffer)
            .map_err(map_pcsc_error)?
            .to_vec();
        // The buffer may hold personal data; clear it after each exchange.
        zeroize::Zeroize::zeroize(&mut self.buffer[..]);
        Ok(out)
    }
}

/// The names of the readers pcscd knows.
pub fn list_readers() -> Result<Vec<String>, TransportError> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_pcsc_error)?;
    match ctx.list_readers_owned() {
        Ok(r) => Ok(r
            .into_iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_pcsc_error(e)),
    }
}
