//! The card's own command APDU parser (ISO/IEC 7816-4 §5.1), short and
//! extended, independent of the driver's encoder.

/// A parsed command.
pub struct Apdu<'a> {
    /// Class.
    pub cla: u8,
    /// Instruction.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data.
    pub data: &'a [u8],
    /// Expected length `Ne`, if `Le` was present.
    pub ne: Option<usize>,
    /// Whether `Le` was all zeros ("as much as available").
    pub ne_max: bool,
}

/// Parses a command, or `None` if its length bytes are inconsistent.
pub fn parse(b: &[u8]) -> Option<Apdu<'_>> {
    let (header, body) = b.split_at_checked(4)?;
    let [cla, ins, p1, p2] = header.try_into().ok()?;
    let mk = |data, ne: Option<usize>, ne_max| Some(Apdu { cla, ins, p1, p2, data, ne, ne_max });
    match body {
        [] => mk(&[], None, false),
        [le] => mk(&[], Some(if *le == 0 { 256 } else { usize::from(*le) }), *le == 0),
        [0, rest @ ..] if rest.len() >= 2 => {
            let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            let after = &rest[2..];
            if after.is_empty() {
                // Case 2E.
                return mk(&[], Some(if n == 0 { 65_536 } else { n }), n == 0);
            }
            if n == 0 {
                return None;
            }
            let data = after.get(..n)?;
            match &after[n..] {
                [] => mk(data, None, false),
                [a, c] => {
                    let le = usize::from(u16::from_be_bytes([*a, *c]));
                    mk(data, Some(if le == 0 { 65_536 } else { le }), le == 0)
                }
                _ => None,
            }
        }
        [lc, rest @ ..] => {
            let data = rest.get(..usize::from(*lc))?;
            match &rest[usize::from(*lc)..] {
                [] => mk(data, None, false),
                [le] => mk(data, Some(if *le == 0 { 256 } else { usize::from(*le) }), *le == 0),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_four_short_cases_parse() {
        assert!(parse(&[0, 0xA4, 4, 0x0C]).is_some_and(|a| a.data.is_empty() && a.ne.is_none()));
        assert!(parse(&[0, 0xB0, 0, 0, 0]).is_some_and(|a| a.ne == Some(256) && a.ne_max));
        assert!(parse(&[0, 0xA4, 2, 0x0C, 2, 0, 0x0A]).is_some_and(|a| a.data == [0, 0x0A] && a.ne.is_none()));
        assert!(parse(&[0x80, 0x2A, 0, 0x80, 1, 9, 0]).is_some_and(|a| a.data == [9] && a.ne == Some(256)));
    }

    #[test]
    fn extended_cases_parse() {
        assert!(parse(&[0, 0xB0, 1, 0, 0, 0x03, 0x04]).is_some_and(|a| a.ne == Some(0x304) && !a.ne_max));
        assert!(parse(&[0, 0xB0, 0, 0, 0, 0, 0]).is_some_and(|a| a.ne == Some(65_536)));
        assert!(parse(&[0, 0x2A, 0, 0, 0, 0, 1, 7, 0, 0]).is_some_and(|a| a.data == [7] && a.ne == Some(65_536)));
    }

    #[test]
    fn inconsistent_lengths_are_rejected() {
        assert!(parse(&[0, 0xA4, 2]).is_none());
        assert!(parse(&[0, 0xA4, 2, 0x0C, 5, 1]).is_none());
        assert!(parse(&[0, 0xA4, 2, 0x0C, 1, 1, 0, 0]).is_none());
    }
}
