//! PC/SC (pcsc-lite) as the HAL's card reader: the [`Monitor`] for the
//! watch, [`PcscTransport`] for the connection.

use crate::hal::reader::{CardReader, DynCard, ReaderWatch};
use crate::monitor::Monitor;
use crate::pcsc_transport::PcscTransport;
use crate::transmit::TransportError;

/// Card readers through pcscd (CCID readers, and vpcd in development).
#[derive(Clone, Copy, Debug, Default)]
pub struct PcscReader;

impl CardReader for PcscReader {
    fn readers(&self) -> Result<Vec<String>, TransportError> {
        crate::pcsc_transport::list_readers()
    }

    fn watch(&self) -> Box<dyn ReaderWatch> {
        Box::new(Monitor::start())
    }

    fn connect(&self, reader: &str) -> Result<Box<DynCard>, TransportError> {
        Ok(Box::new(PcscTransport::connect(Some(reader))?))
    }
}
