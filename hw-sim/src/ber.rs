//! A minimal BER-TLV encoder for building the virtual card's files.
//! Written independently of the driver's parser (DESIGN.md §2).

/// Encodes `tag` (1–3 bytes, big-endian, no leading zero bytes) with a
/// definite length and `value`.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().take_while(|b| **b == 0).count().min(3);
    out.extend_from_slice(&tag_bytes[skip..]);
    let len = value.len();
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// Encodes a constructed object from already encoded children.
pub fn constructed(tag: u32, children: &[Vec<u8>]) -> Vec<u8> {
    encode(tag, &children.concat())
}

/// Reads one BER header at `at`: (tag, value start, value end).
fn header(bytes: &[u8], at: usize) -> Option<(u32, usize, usize)> {
    let first = *bytes.get(at)?;
    let mut pos = at + 1;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes.get(pos)?;
            pos += 1;
            tag = tag.checked_shl(8)? | u32::from(b);
            if b & 0x80 == 0 || pos - at > 3 {
                break;
            }
        }
    }
    let len0 = *bytes.get(pos)?;
    pos += 1;
    let len = if len0 & 0x80 == 0 {
        usize::from(len0)
    } else {
        let n = usize::from(len0 & 0x7F);
        if n == 0 || n > 3 {
            return None;
        }
        let len = bytes.get(pos..pos + n)?.iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b));
        pos += n;
        len
    };
    let end = pos.checked_add(len)?;
    (end <= bytes.len()).then_some((tag, pos, end))
}

/// The children of the constructed object `expected` at the start of
/// `bytes`, as (tag, value) pairs, or `None` if it does not parse.
pub fn children(bytes: &[u8], expected: u32) -> Option<Vec<(u32, Vec<u8>)>> {
    let (tag, mut at, end) = header(bytes, 0)?;
    if tag != expected {
        return None;
    }
    let mut out = Vec::new();
    while at < end {
        let (t, start, stop) = header(&bytes[..end], at)?;
        out.push((t, bytes[start..stop].to_vec()));
        at = stop;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn children_round_trip_what_encode_builds() {
        let record = constructed(0xFF20, &[encode(0xDF22, b"x"), encode(0xDF27, &[7; 300])]);
        let kids = children(&record, 0xFF20).unwrap_or_default();
        assert_eq!(kids, vec![(0xDF22, b"x".to_vec()), (0xDF27, vec![7; 300])]);
        assert_eq!(children(&record[..record.len() - 1], 0xFF20), None);
        assert_eq!(children(&record, 0xFF21), None);
    }

    use super::*;

    #[test]
    fn short_lengths_take_one_byte() {
        assert_eq!(encode(0xDF22, b"ab"), vec![0xDF, 0x22, 0x02, b'a', b'b']);
    }

    #[test]
    fn long_lengths_use_the_81_and_82_forms() {
        assert_eq!(&encode(0x30, &[0; 200])[..3], &[0x30, 0x81, 200]);
        assert_eq!(&encode(0xFF20, &[0; 0x1234])[..5], &[0xFF, 0x20, 0x82, 0x12, 0x34]);
    }
}
