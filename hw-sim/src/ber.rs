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

#[cfg(test)]
mod tests {
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
