//! BER-TLV (ISO/IEC 7816-4 §5.2) over the `iso7816-tlv` crate, plus the
//! header arithmetic the driver needs to size a file before reading it.

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The tag and length header at the start of a BER-TLV object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The tag as a big-endian number (`0xFF20`, `0xDF27`, …).
    pub tag: u32,
    /// Bytes taken by tag and length together.
    pub header_len: usize,
    /// Bytes of value that follow the header.
    pub value_len: usize,
}

impl Header {
    /// The whole object's size: header plus value.
    pub fn total_len(&self) -> usize {
        self.header_len + self.value_len
    }

    /// Parses the header at the start of `bytes`.
    ///
    /// Returns `Ok(None)` when `bytes` is too short to hold the whole header,
    /// and an error when the header is not valid BER.
    pub fn parse(bytes: &[u8]) -> Result<Option<Self>> {
        let Some(&first) = bytes.first() else {
            return Ok(None);
        };
        if first == 0x00 || (first == 0xFF && bytes.get(1) == Some(&0xFF)) {
            return Err(Error::Malformed("file holds no BER-TLV object (erased or padding)"));
        }
        let mut pos = 1;
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            loop {
                let Some(&b) = bytes.get(pos) else {
                    return Ok(None);
                };
                pos += 1;
                // ISO/IEC 7816-4 §5.2.2.1: one, two or three tag bytes.
                if pos > 3 {
                    return Err(Error::Malformed("BER tag longer than three bytes"));
                }
                tag = tag << 8 | u32::from(b);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let Some(&len0) = bytes.get(pos) else {
            return Ok(None);
        };
        pos += 1;
        let value_len = if len0 & 0x80 == 0 {
            usize::from(len0)
        } else {
            let n = usize::from(len0 & 0x7F);
            if n == 0 || n > 3 {
                return Err(Error::Malformed("unsupported BER length form"));
            }
            let Some(len_bytes) = bytes.get(pos..pos + n) else {
                return Ok(None);
            };
            pos += n;
            len_bytes.iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b))
        };
        Ok(Some(Self { tag, header_len: pos, value_len }))
    }
}

/// The value of a single object with tag `expected`, taken as opaque bytes
/// (used for `FF10`, whose content is not nested TLV despite its tag).
pub fn opaque_value(bytes: &[u8], expected: u32) -> Result<&[u8]> {
    let header = Header::parse(bytes)?.ok_or(Error::Malformed("truncated BER-TLV header"))?;
    if header.tag != expected {
        return Err(Error::Malformed("unexpected BER-TLV tag"));
    }
    bytes.get(header.header_len..header.total_len()).ok_or(Error::Malformed("BER-TLV value shorter than its length"))
}

/// How deep a record may nest: the record itself and its primitive fields.
/// Nothing on the card (ISO/IEC 7816-4 §5.2 records `FF20`, `FF40`) nests
/// further, so anything deeper is refused rather than descended into.
pub const MAX_RECORD_DEPTH: usize = 2;

/// Whether a BER tag (as a big-endian number) marks a constructed object:
/// bit 6 of its first byte (ISO/IEC 7816-4 §5.2.2.1).
fn is_constructed(tag: u32) -> bool {
    let first = tag.to_be_bytes().into_iter().find(|b| *b != 0).unwrap_or(0);
    first & 0x20 != 0
}

/// The primitive children of a constructed record such as `FF20`, in order.
///
/// Values are zeroized when dropped: records hold personal data.
pub struct Record {
    fields: Vec<(u32, Zeroizing<Vec<u8>>)>,
}

impl Record {
    /// Parses a constructed record whose outer tag must be `expected`.
    /// Bytes after the object (file padding) are ignored.
    ///
    /// The children are walked in a loop, never by recursion, and a child
    /// that is itself constructed is refused without being opened: the
    /// nesting depth is bounded by [`MAX_RECORD_DEPTH`], so a crafted file
    /// of thousands of nested objects costs one header parse, not a stack.
    pub fn parse(bytes: &[u8], expected: u32) -> Result<Self> {
        let header = Header::parse(bytes)?.ok_or(Error::Malformed("truncated record header"))?;
        if header.tag != expected {
            return Err(Error::Malformed("unexpected record tag"));
        }
        if !is_constructed(header.tag) {
            return Err(Error::Malformed("record is not a constructed object"));
        }
        let mut rest = bytes
            .get(header.header_len..header.total_len())
            .ok_or(Error::Malformed("record shorter than its length"))?;
        let mut fields = Vec::new();
        while !rest.is_empty() {
            let child = Header::parse(rest)
                .map_err(|_| Error::Malformed("record is not valid BER-TLV"))?
                .ok_or(Error::Malformed("record is not valid BER-TLV"))?;
            if is_constructed(child.tag) {
                return Err(Error::Malformed("nested object inside a record"));
            }
            let value =
                rest.get(child.header_len..child.total_len()).ok_or(Error::Malformed("record is not valid BER-TLV"))?;
            fields.push((child.tag, Zeroizing::new(value.to_vec())));
            rest = rest.get(child.total_len()..).unwrap_or_default();
        }
        Ok(Self { fields })
    }

    /// The value of the first field with `tag`.
    pub fn get(&self, tag: u32) -> Option<&[u8]> {
        self.fields.iter().find(|(t, _)| *t == tag).map(|(_, v)| v.as_slice())
    }

    /// The value of a field that must be present.
    pub fn require(&self, tag: u32, what: &'static str) -> Result<&[u8]> {
        self.get(tag).ok_or(Error::Malformed(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_header_is_sized() {
        let h = Header::parse(&[0x30, 0x05, 1]).ok().flatten();
        assert_eq!(h, Some(Header { tag: 0x30, header_len: 2, value_len: 5 }));
    }

    #[test]
    fn long_form_header_with_two_byte_tag_is_sized() {
        let h = Header::parse(&[0xFF, 0x20, 0x82, 0x12, 0x34]).ok().flatten();
        assert_eq!(h.map(|h| (h.tag, h.header_len, h.total_len())), Some((0xFF20, 5, 5 + 0x1234)));
    }

    #[test]
    fn a_truncated_header_asks_for_more_bytes() {
        assert_eq!(Header::parse(&[0x30, 0x82, 0x01]).ok(), Some(None));
        assert_eq!(Header::parse(&[]).ok(), Some(None));
    }

    #[test]
    fn a_four_byte_tag_is_refused() {
        // Found by the tlv_record fuzz target: four tag bytes were accepted.
        assert!(Header::parse(&[0x1F, 0xFF, 0xFF, 0x20, 0x01, 0x00]).is_err());
        let three = Header::parse(&[0x1F, 0xFF, 0x20, 0x01, 0x00]).ok().flatten();
        assert_eq!(three.map(|h| (h.tag, h.header_len)), Some((0x1FFF20, 4)));
    }

    #[test]
    fn erased_files_are_malformed_not_huge() {
        assert!(Header::parse(&[0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        assert!(Header::parse(&[0x00, 0x00]).is_err());
        assert!(Header::parse(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
    }

    #[test]
    fn records_expose_their_primitive_fields() {
        let bytes = [0xFF, 0x20, 0x08, 0xDF, 0x22, 0x01, b'A', 0xDF, 0x24, 0x01, b'B', 0xFF, 0xFF];
        let r = Record::parse(&bytes, 0xFF20).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(r.get(0xDF22), Some(&b"A"[..]));
        assert_eq!(r.get(0xDF24), Some(&b"B"[..]));
        assert_eq!(r.get(0xDF25), None);
    }

    #[test]
    fn records_with_lying_lengths_are_malformed() {
        assert!(Record::parse(&[0xFF, 0x20, 0x08, 0xDF, 0x22, 0x09, b'A'], 0xFF20).is_err());
        assert!(Record::parse(&[0xFF, 0x21, 0x00], 0xFF20).is_err());
    }

    #[test]
    fn opaque_values_ignore_the_constructed_bit() {
        let bytes = [0xFF, 0x10, 0x03, b'1', b'2', b'3'];
        assert_eq!(opaque_value(&bytes, 0xFF10).ok(), Some(&b"123"[..]));
    }

    /// A 32 KiB file of objects nested inside each other, as an attacker's
    /// card could hold it.
    fn deeply_nested(depth: usize) -> Vec<u8> {
        let mut inner = vec![0xDF, 0x22, 0x01, b'A'];
        for _ in 0..depth {
            let mut outer = vec![0xFF, 0x20, 0x83];
            outer.extend_from_slice(&u32::try_from(inner.len()).unwrap_or(0).to_be_bytes()[1..]);
            outer.extend_from_slice(&inner);
            inner = outer;
        }
        inner
    }

    #[test]
    fn thousands_of_nested_objects_are_refused_without_descending_into_them() {
        let bytes = deeply_nested(5_000);
        assert!(bytes.len() > 20_000);
        // A 32 KiB stack: a parser that recursed once per level would overflow it.
        let outcome = std::thread::Builder::new()
            .stack_size(32 * 1024)
            .spawn(move || Record::parse(&bytes, 0xFF20).err())
            .map(|t| t.join());
        let Ok(Ok(Some(err))) = outcome else { unreachable!("the parse did not finish on a small stack") };
        assert_eq!(err.to_string(), Error::Malformed("nested object inside a record").to_string());
    }

    #[test]
    fn a_constructed_child_is_refused_at_any_position() {
        let bytes = [0xFF, 0x20, 0x06, 0xDF, 0x22, 0x01, b'A', 0x30, 0x00];
        let err = Record::parse(&bytes, 0xFF20).err().map(|e| e.to_string());
        assert_eq!(err, Some(Error::Malformed("nested object inside a record").to_string()));
    }

    #[test]
    fn a_child_running_past_the_record_is_malformed() {
        // The record says 5 bytes; its child claims 4 bytes of value.
        let bytes = [0xFF, 0x20, 0x05, 0xDF, 0x22, 0x04, b'A', b'B', b'C', b'D'];
        assert!(Record::parse(&bytes, 0xFF20).is_err());
    }

    #[test]
    fn a_primitive_outer_object_is_not_a_record() {
        assert!(Record::parse(&[0xDF, 0x20, 0x01, b'A'], 0xDF20).is_err());
    }
}
