//! The virtual My Number Card: an APDU processor over a file tree, with
//! security state that resets on application SELECT and on power cycle
//! (DESIGN.md §2). It shares no parsing code with the driver.

mod build;
mod command;
pub mod fs;

use rsa::Pkcs1v15Sign;
use tracing::trace;
use zeroize::Zeroizing;

pub use build::{CardSpec, build_card, build_card_with, card_face_public_key, card_face_signed_bytes};
use fs::{Access, Body, Check, Df};

/// The ATR public sources report for the My Number Card. Informational:
/// readers must detect the card by SELECT, not ATR.
pub const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// Status words the card answers with.
mod sw {
    pub const OK: u16 = 0x9000;
    pub const END_OF_FILE: u16 = 0x6282;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const SECURITY: u16 = 0x6982;
    pub const BLOCKED: u16 = 0x6983;
    pub const NO_CURRENT_EF: u16 = 0x6986;
    pub const NOT_FOUND: u16 = 0x6A82;
    pub const P1P2: u16 = 0x6A86;
    pub const OFFSET: u16 = 0x6B00;
    pub const INS: u16 = 0x6D00;
    pub const CLA: u16 = 0x6E00;
    pub const CONDITIONS: u16 = 0x6985;
}

/// A virtual card in a reader.
pub struct VirtualCard {
    dfs: Vec<Df>,
    current_df: Option<usize>,
    current_ef: Option<usize>,
    verified: Vec<[u8; 2]>,
}

fn with_sw(mut data: Vec<u8>, status: u16) -> Vec<u8> {
    data.extend_from_slice(&status.to_be_bytes());
    data
}

fn status(s: u16) -> Vec<u8> {
    s.to_be_bytes().to_vec()
}

impl VirtualCard {
    /// A card with these applications, powered off.
    pub fn new(dfs: Vec<Df>) -> Self {
        Self { dfs, current_df: None, current_ef: None, verified: Vec::new() }
    }

    /// Power on or reset: nothing selected, nothing verified.
    pub fn reset(&mut self) {
        self.current_df = None;
        self.current_ef = None;
        self.verified.clear();
    }

    /// Tries left on a credential, for tests and diagnostics.
    pub fn tries_left(&self, aid: &[u8], fid: [u8; 2]) -> Option<u8> {
        let df = self.dfs.iter().find(|d| d.aid == aid)?;
        match &df.efs.get(df.ef_index(fid)?)?.body {
            Body::Credential(c) => Some(c.remaining()),
            _ => None,
        }
    }

    /// Processes one command APDU and returns the response (data + SW).
    /// Never panics, whatever the bytes.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Some(cmd) = command::parse(apdu) else {
            return status(sw::WRONG_LENGTH);
        };
        if cmd.cla & 0x7C != 0 {
            return status(sw::CLA);
        }
        let resp = match (cmd.cla & 0x80, cmd.ins) {
            (0x00, 0xA4) => self.select(cmd.p1, cmd.p2, cmd.data),
            (0x00, 0xB0) => self.read_binary(cmd.p1, cmd.p2, cmd.ne, cmd.ne_max),
            (0x00, 0x20) => self.verify(cmd.p1, cmd.p2, cmd.data),
            (0x80, 0x2A) => self.sign(cmd.p1, cmd.p2, cmd.data, cmd.ne),
            _ => status(sw::INS),
        };
        trace!(
            ins = cmd.ins,
            p1 = cmd.p1,
            p2 = cmd.p2,
            nc = cmd.data.len(),
            nr = resp.len().saturating_sub(2),
            "virtual card"
        );
        resp
    }

    fn select(&mut self, p1: u8, p2: u8, data: &[u8]) -> Vec<u8> {
        match p1 {
            0x04 => match self.dfs.iter().position(|d| d.aid == data) {
                Some(i) => {
                    self.current_df = Some(i);
                    self.current_ef = None;
                    self.verified.clear();
                    status(sw::OK)
                }
                None => status(sw::NOT_FOUND),
            },
            0x02 if p2 & 0x0C == 0x0C || p2 == 0x00 => {
                let (Some(df), Ok(fid)) = (self.current_df, <[u8; 2]>::try_from(data)) else {
                    return status(sw::NOT_FOUND);
                };
                match self.dfs.get(df).and_then(|d| d.ef_index(fid)) {
                    Some(i) => {
                        self.current_ef = Some(i);
                        status(sw::OK)
                    }
                    None => status(sw::NOT_FOUND),
                }
            }
            _ => status(sw::P1P2),
        }
    }

    fn allowed(&self, access: &Access) -> bool {
        match access {
            Access::Always => true,
            Access::Never => false,
            Access::AfterAny(fids) => fids.iter().any(|f| self.verified.contains(f)),
        }
    }

    /// The current EF, as (DF index, EF index).
    fn current_ids(&self) -> Option<(usize, usize)> {
        Some((self.current_df?, self.current_ef?))
    }

    fn read_binary(&mut self, p1: u8, p2: u8, ne: Option<usize>, ne_max: bool) -> Vec<u8> {
        if p1 & 0x80 != 0 {
            return status(sw::P1P2); // short EF identifiers are not used by this card
        }
        let offset = usize::from(u16::from_be_bytes([p1, p2]));
        let Some(ne) = ne else {
            return status(sw::WRONG_LENGTH);
        };
        let Some((d, e)) = self.current_ids() else {
            return status(sw::NO_CURRENT_EF);
        };
        let Some(ef) = self.dfs.get(d).and_then(|df| df.efs.get(e)) else {
            return status(sw::NO_CURRENT_EF);
        };
        if !self.allowed(&ef.read) {
            return status(sw::SECURITY);
        }
        let Body::Binary(content) = &ef.body else {
            return status(sw::CONDITIONS);
        };
        if offset >= content.len() {
            return status(sw::OFFSET);
        }
        let end = offset.saturating_add(ne).min(content.len());
        let chunk = content[offset..end].to_vec();
        let code = if chunk.len() < ne && !ne_max { sw::END_OF_FILE } else { sw::OK };
        with_sw(chunk, code)
    }

    fn verify(&mut self, p1: u8, p2: u8, data: &[u8]) -> Vec<u8> {
        if p1 != 0x00 || p2 != 0x80 {
            return status(sw::P1P2);
        }
        let Some((d, e)) = self.current_ids() else {
            return status(sw::NO_CURRENT_EF);
        };
        let Some(ef) = self.dfs.get_mut(d).and_then(|df| df.efs.get_mut(e)) else {
            return status(sw::NO_CURRENT_EF);
        };
        let fid = ef.fid;
        let Body::Credential(cred) = &mut ef.body else {
            return status(sw::CONDITIONS);
        };
        if data.is_empty() {
            // The non-consuming retry query.
            return if cred.remaining() == 0 {
                status(sw::BLOCKED)
            } else if self.verified.contains(&fid) {
                status(sw::OK)
            } else {
                status(0x63C0 | u16::from(cred.remaining()))
            };
        }
        let presented = Zeroizing::new(data.to_vec());
        match cred.check(&presented) {
            Check::Correct => {
                if !self.verified.contains(&fid) {
                    self.verified.push(fid);
                }
                status(sw::OK)
            }
            Check::Wrong(n) => {
                self.verified.retain(|f| *f != fid);
                status(0x63C0 | u16::from(n))
            }
            Check::Blocked => status(sw::BLOCKED),
        }
    }

    fn sign(&mut self, p1: u8, p2: u8, data: &[u8], ne: Option<usize>) -> Vec<u8> {
        if p1 != 0x00 {
            return status(sw::P1P2);
        }
        let key = match p2 {
            // JPKI: the key in the current EF, under its use condition.
            0x80 => {
                let Some((d, e)) = self.current_ids() else {
                    return status(sw::NO_CURRENT_EF);
                };
                let Some(ef) = self.dfs.get(d).and_then(|df| df.efs.get(e)) else {
                    return status(sw::NO_CURRENT_EF);
                };
                let Body::Key(key, access) = &ef.body else {
                    return status(sw::CONDITIONS);
                };
                if !self.allowed(access) {
                    return status(sw::SECURITY);
                }
                key.clone()
            }
            // Text and card-face APs: the application's own key, no credential.
            0x00 => match self.current_df.and_then(|i| self.dfs.get(i)).and_then(|d| d.chip_key.clone()) {
                Some(k) => k,
                None => return status(sw::CONDITIONS),
            },
            _ => return status(sw::P1P2),
        };
        if data.is_empty() || data.len() > 128 {
            return status(sw::WRONG_LENGTH);
        }
        match key.sign(Pkcs1v15Sign::new_unprefixed(), data) {
            Ok(sig) if ne.is_none_or(|n| n >= sig.len()) => with_sw(sig, sw::OK),
            Ok(sig) => status(0x6C00 | (sig.len() as u16 & 0xFF)),
            Err(_) => status(sw::WRONG_LENGTH),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fs::{Df, Ef};
    use super::*;

    fn small_card() -> VirtualCard {
        VirtualCard::new(vec![Df {
            name: "test",
            aid: vec![0xA0, 0x01],
            efs: vec![
                Ef::binary([0x00, 0x01], vec![0x30, 0x03, 1, 2, 3], Access::AfterAny(vec![[0x00, 0x02]])),
                Ef::credential([0x00, 0x02], b"1234", 3, 3),
            ],
            chip_key: None,
        }])
    }

    /// xorshift64*: a tiny deterministic generator, so failures reproduce.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    #[test]
    fn random_commands_never_panic_and_always_end_with_a_status_word() {
        let mut card = small_card();
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let len = (next(&mut seed) % 12) as usize;
            let mut apdu: Vec<u8> = (0..len).map(|_| next(&mut seed) as u8).collect();
            // Bias towards the instructions the card knows.
            if apdu.len() > 1 && next(&mut seed).is_multiple_of(2) {
                apdu[0] = 0x00;
                apdu[1] = [0xA4, 0xB0, 0x20, 0x2A][(next(&mut seed) % 4) as usize];
            }
            let resp = card.process(&apdu);
            assert!(resp.len() >= 2, "{apdu:02X?}");
        }
    }

    #[test]
    fn data_is_readable_only_after_its_credential_and_select_resets_that() {
        let mut card = small_card();
        assert_eq!(card.process(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x01]), vec![0x90, 0x00]);
        assert_eq!(card.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01]), vec![0x90, 0x00]);
        assert_eq!(card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]), vec![0x69, 0x82]);
        card.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02]);
        assert_eq!(card.process(&[0x00, 0x20, 0x00, 0x80]), vec![0x63, 0xC3]);
        assert_eq!(card.process(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']), vec![0x90, 0x00]);
        card.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01]);
        assert_eq!(card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]), vec![0x30, 0x03, 1, 2, 3, 0x90, 0x00]);
        assert_eq!(card.process(&[0x00, 0xB0, 0x00, 0x02, 0x10]), vec![1, 2, 3, 0x62, 0x82]);
        assert_eq!(card.process(&[0x00, 0xB0, 0x00, 0x05, 0x01]), vec![0x6B, 0x00]);
        card.process(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x01]);
        card.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01]);
        assert_eq!(card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]), vec![0x69, 0x82]);
    }

    #[test]
    fn unknown_instructions_classes_and_files_get_their_status_words() {
        let mut card = small_card();
        assert_eq!(card.process(&[0x00, 0xCA, 0x00, 0x00]), vec![0x6D, 0x00]);
        assert_eq!(card.process(&[0x0C, 0xA4, 0x04, 0x0C]), vec![0x6E, 0x00]);
        assert_eq!(card.process(&[0x00, 0xA4, 0x04, 0x0C, 0x01, 0xFF]), vec![0x6A, 0x82]);
        assert_eq!(card.process(&[0x00, 0xA4]), vec![0x67, 0x00]);
    }
}
