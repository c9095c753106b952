//! The matrix's faults, injected by the simulator's in-memory reader
//! (`uketsuke_sim_kiosk::memory_reader`, the driver's `CardReader` HAL trait
//! holding the virtual card), which counts every APDU from the card's
//! placement and keeps every command, so the matrix can check what reached
//! the card.

use uketsuke_hw_sim::faults::Faults;
pub use uketsuke_sim_kiosk::memory_reader::{MemoryReader as FaultyReader, READER, Slot, lock};

/// One fault, injected at one APDU index (1-based, from placement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The card leaves the field before APDU n.
    Removed,
    /// From APDU n on, the card never answers (PC/SC: unresponsive).
    Mute,
    /// APDU n's answer is corrupted in transit (data flipped, or the status
    /// word replaced by 6F00).
    Corrupted,
    /// The reader is unplugged before APDU n.
    ReaderLost,
}

impl Fault {
    /// Every fault, in the matrix's column order.
    pub const ALL: [Fault; 4] = [Fault::Removed, Fault::Mute, Fault::Corrupted, Fault::ReaderLost];

    /// The column heading.
    pub fn name(self) -> &'static str {
        match self {
            Self::Removed => "card removed",
            Self::Mute => "card mute",
            Self::Corrupted => "answer corrupted",
            Self::ReaderLost => "reader lost",
        }
    }

    /// The placement's faults and the APDU the reader is lost before, for
    /// this fault at APDU `n`.
    pub fn at(self, n: usize) -> (Faults, Option<usize>) {
        match self {
            Self::Removed => (Faults { remove_before_apdu: Some(n), ..Faults::default() }, None),
            Self::Mute => (Faults { mute_from_apdu: Some(n), ..Faults::default() }, None),
            Self::Corrupted => (Faults { corrupt_apdu: Some(n), ..Faults::default() }, None),
            Self::ReaderLost => (Faults::default(), Some(n)),
        }
    }
}
