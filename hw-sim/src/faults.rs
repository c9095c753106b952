//! Fault injection and the contactless timing model of the virtual card.
//!
//! APDUs are numbered from 1 from each power-on (each insertion).

use std::time::Duration;

use crate::card::VirtualCard;

/// A realistic per-APDU timing model for an ISO/IEC 14443 type B link.
///
/// `delay = overhead + bytes × 10 bits / bitrate + frames × frame_gap +
/// processing(INS)`, where a frame carries at most 250 bytes (FSC 256
/// less the block prologue and CRC).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkModel {
    /// Bit rate in bit/s (106 k, 212 k, 424 k or 848 k).
    pub bitrate: u32,
    /// Fixed cost of one exchange (reader firmware, USB round trip).
    pub overhead: Duration,
    /// Turnaround per ISO 14443-4 block.
    pub frame_gap: Duration,
}

impl LinkModel {
    /// A typical desktop contactless reader at `kbps` kbit/s.
    pub fn contactless(kbps: u32) -> Self {
        Self {
            bitrate: kbps.max(1) * 1000,
            overhead: Duration::from_micros(2500),
            frame_gap: Duration::from_micros(600),
        }
    }

    /// The card's processing time for an instruction (`with_data`: the
    /// command carries data, e.g. a VERIFY that compares, not a query).
    fn processing(ins: u8, with_data: bool) -> Duration {
        Duration::from_millis(match (ins, with_data) {
            (0xA4, _) => 2,
            (0xB0, _) => 4,
            (0x20, true) => 18,
            (0x20, false) => 2,
            (0x2A, _) => 320, // RSA-2048 private-key operation on a smart card
            _ => 1,
        })
    }

    /// Time for one command of `cmd_len` bytes answered with `resp_len` bytes.
    pub fn delay(&self, ins: u8, cmd_len: usize, resp_len: usize) -> Duration {
        let bytes = (cmd_len + resp_len) as u64;
        let frames = cmd_len.div_ceil(250).max(1) + resp_len.div_ceil(250).max(1);
        let wire = Duration::from_micros(bytes * 10 * 1_000_000 / u64::from(self.bitrate));
        self.overhead + wire + self.frame_gap * frames as u32 + Self::processing(ins, cmd_len > 5)
    }
}

/// Faults to inject.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// The card is pulled just before APDU *n* reaches it (it is not processed).
    pub remove_before_apdu: Option<usize>,
    /// From APDU *n* on, the card never answers.
    pub mute_from_apdu: Option<usize>,
    /// APDU *n*'s response is corrupted in transit.
    pub corrupt_apdu: Option<usize>,
    /// Delay each exchange by the timing model.
    pub link: Option<LinkModel>,
    /// The card is built with a forged card-face record.
    pub record: Option<RecordFault>,
    /// How the card face looks to the card-slot camera (not the chip).
    pub card_face: CardFaceLook,
}

/// How the placed card's face looks to the card-slot camera.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardFaceLook {
    /// How the card lies in the slot.
    pub placement: crate::card_face::slot::Placement,
    /// The 追記欄 mark printed, when not the persona's own.
    pub mark: Option<uketsuke_driver::hal::surface::FaceAuthMark>,
    /// A security code printed instead of the chip's (a misprint, or a
    /// reading the card will refuse), for the first `scans` scans of the
    /// placement (all when `None`).
    pub wrong_code: Option<(String, Option<usize>)>,
}

/// A card-face record no genuine card carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFault {
    /// A byte of the photo altered after the issuer signed: DF28 fails.
    Tampered,
    /// The photo's JPEG 2000 header declares `side`×`side` pixels, and the
    /// (test) issuer signed it: DF28 passes, the size check must catch it.
    PhotoDeclares(u32),
}

/// What the reader gets for one APDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// This response, after this delay.
    Respond(Vec<u8>, Duration),
    /// The card left the field before the APDU.
    Remove,
    /// The card is silent.
    Mute,
}

impl Faults {
    /// Whether no fault is configured.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    /// Runs APDU number `n` (1-based) through the faults and the card.
    pub fn exchange(&self, n: usize, card: &mut VirtualCard, apdu: &[u8]) -> Outcome {
        if self.remove_before_apdu == Some(n) {
            return Outcome::Remove;
        }
        if self.mute_from_apdu.is_some_and(|m| n >= m) {
            return Outcome::Mute;
        }
        let mut resp = card.process(apdu);
        if self.corrupt_apdu == Some(n) {
            corrupt(&mut resp);
        }
        let ins = apdu.get(1).copied().unwrap_or(0);
        let delay = self.link.map_or(Duration::ZERO, |l| l.delay(ins, apdu.len(), resp.len()));
        Outcome::Respond(resp, delay)
    }
}

/// Garbles a response the way a bad link would: data bytes flipped, or,
/// with no data, a status word the card never sends.
fn corrupt(resp: &mut Vec<u8>) {
    let data_len = resp.len().saturating_sub(2);
    if data_len == 0 {
        *resp = vec![0x6F, 0x00];
    } else {
        for b in &mut resp[..data_len] {
            *b ^= 0xA5;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timing_model_charges_for_bytes_frames_and_processing() {
        let link = LinkModel::contactless(424);
        let select = link.delay(0xA4, 15, 2);
        let read_4k = link.delay(0xB0, 7, 4096);
        let sign = link.delay(0x2A, 57, 258);
        assert!(select < Duration::from_millis(10), "{select:?}");
        assert!(read_4k > Duration::from_millis(100) && read_4k < Duration::from_millis(150), "{read_4k:?}");
        assert!(sign > Duration::from_millis(320), "{sign:?}");
    }

    #[test]
    fn corruption_flips_data_and_keeps_the_length() {
        let mut r = vec![0x30, 0x82, 0x90, 0x00];
        corrupt(&mut r);
        assert_eq!(r, vec![0x30 ^ 0xA5, 0x82 ^ 0xA5, 0x90, 0x00]);
        let mut s = vec![0x90, 0x00];
        corrupt(&mut s);
        assert_eq!(s, vec![0x6F, 0x00]);
    }
}
