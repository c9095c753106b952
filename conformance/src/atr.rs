//! The answer to reset (ISO/IEC 7816-3 §8): its interface bytes, the
//! protocols it offers and its check byte. Informational for the kiosk (a
//! My Number Card is found by SELECT, not by its ATR), but a reader that
//! mangles the ATR mangles other things too.

/// What an ATR says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atr {
    /// Protocols offered (`0` for T=0, `1` for T=1), in order, without repeats.
    pub protocols: Vec<u8>,
    /// The historical bytes.
    pub historical: Vec<u8>,
}

/// Why an ATR is malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AtrError {
    /// Shorter than its own bytes announce.
    #[error("the ATR ends early (it announces more bytes than it has)")]
    Truncated,
    /// TS is neither 3B (direct) nor 3F (inverse convention).
    #[error("the ATR's first byte is {0:02X}, not 3B or 3F")]
    BadTs(u8),
    /// TCK does not make the XOR of T0…TCK zero.
    #[error("the ATR's check byte TCK is wrong")]
    BadCheck,
    /// Bytes after TCK.
    #[error("the ATR has {0} bytes after its end")]
    Trailing(usize),
}

impl Atr {
    /// Parses `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, AtrError> {
        let at = |i: usize| bytes.get(i).copied().ok_or(AtrError::Truncated);
        let ts = at(0)?;
        if ts != 0x3B && ts != 0x3F {
            return Err(AtrError::BadTs(ts));
        }
        let t0 = at(1)?;
        let historical_len = usize::from(t0 & 0x0F);
        let mut i = 2;
        let mut y = t0 >> 4;
        let mut protocols = Vec::new();
        loop {
            // TA, TB, TC are skipped; TD names the next protocol.
            i += (y & 0b0111).count_ones() as usize;
            if y & 0b1000 == 0 {
                break;
            }
            let td = at(i)?;
            i += 1;
            if !protocols.contains(&(td & 0x0F)) {
                protocols.push(td & 0x0F);
            }
            y = td >> 4;
        }
        if protocols.is_empty() {
            protocols.push(0);
        }
        let historical = bytes.get(i..i + historical_len).ok_or(AtrError::Truncated)?.to_vec();
        i += historical_len;
        // TCK is present unless only T=0 is offered.
        if protocols.iter().any(|&p| p != 0) {
            at(i)?;
            if bytes[1..=i].iter().fold(0, |a, b| a ^ b) != 0 {
                return Err(AtrError::BadCheck);
            }
            i += 1;
        }
        if bytes.len() > i {
            return Err(AtrError::Trailing(bytes.len() - i));
        }
        Ok(Self { protocols, historical })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_my_number_cards_reported_atr_offers_t1_with_a_good_check_byte() {
        let atr = Atr::parse(&[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]);
        assert_eq!(atr, Ok(Atr { protocols: vec![1], historical: vec![] }));
    }

    #[test]
    fn a_flipped_byte_a_cut_atr_and_a_bad_ts_are_each_named() {
        assert_eq!(Atr::parse(&[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x15]), Err(AtrError::BadCheck));
        assert_eq!(Atr::parse(&[0x3B, 0xE0, 0x00, 0xFF, 0x81]), Err(AtrError::Truncated));
        assert_eq!(Atr::parse(&[0x00, 0x00]), Err(AtrError::BadTs(0)));
        assert_eq!(Atr::parse(&[]), Err(AtrError::Truncated));
    }

    #[test]
    fn a_t0_atr_needs_no_check_byte() {
        // 3B 02 14 50: T=0 only, two historical bytes.
        assert_eq!(Atr::parse(&[0x3B, 0x02, 0x14, 0x50]), Ok(Atr { protocols: vec![0], historical: vec![0x14, 0x50] }));
        assert_eq!(Atr::parse(&[0x3B, 0x02, 0x14, 0x50, 0x00]), Err(AtrError::Trailing(1)));
    }
}
