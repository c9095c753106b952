//! The fault matrix (docs/fault-matrix.md): each session that touches the
//! card — the placement read, the card face (照合番号B and the record), the
//! PIN, the chip's signatures, then registration and consent at the
//! terminal — run through the real kiosk runtime (`runtime::start`, the
//! unchanged flow, the real face models and OCR on the simulated cameras,
//! the virtual terminal over TLS) with one fault at each APDU index
//! ([`reader::FaultyReader`]). One kiosk serves a whole row, so every cell
//! also proves the kiosk recovered without a restart.
//!
//! A cell passes when the session ended on the result or a clear screen
//! (never stuck), the kiosk was back at idle once the card was taken away
//! (and the reader put back), every VERIFY that reached the card carried the
//! secret the patient typed or the card face showed, the card's PIN and
//! 照合番号B counters read back full, and the terminal recorded consent or
//! registration only for a session that reached them.

pub mod cell;
pub mod reader;
pub mod table;

pub use cell::{Cell, Journey, Row};
pub use reader::{Fault, FaultyReader, READER};
pub use table::{Results, apdu_name};

/// The indices `scripts/test` sweeps (the bench sweeps them all): the first
/// APDU, every VERIFY (retry query and secret), every signature, the first
/// READ BINARY, the last APDU, and one past it (no fault happens).
pub fn representative(clean_run: &[Vec<u8>]) -> Vec<usize> {
    let mut picked = vec![1, clean_run.len(), clean_run.len() + 1];
    let mut first_read = true;
    for (i, c) in clean_run.iter().enumerate() {
        let ins = c.get(1).copied();
        let read = ins == Some(0xB0) && std::mem::take(&mut first_read);
        if matches!(ins, Some(0x20 | 0x2A)) || read {
            picked.push(i + 1);
        }
    }
    picked.sort_unstable();
    picked.dedup();
    picked
}
