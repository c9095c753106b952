//! BER-TLV (ISO/IEC 7816-4 §5.2) over the `iso7816-tlv` crate, plus the
//! header arithmetic the driver needs to size a file before reading it.

use iso7816_tlv::ber::{Tlv, Value};
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
                if pos > 4 {
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

/// The primitive children of a constructed record such as `FF20`, in order.
///
/// Values are zeroized when dropped: records hold personal data.
pub struct Record {
    fields: Vec<(u32, Zeroizing<Vec<u8>>)>,
}

impl Record {
    /// Parses a constructed record whose outer tag must be `expected`.
    /// Bytes after the object (file padding) are ignored.
    pub fn parse(bytes: &[u8], expected: u32) -> Result<Self> {
        let header = Header::parse(bytes)?.ok_or(Error::Malformed("truncated record header"))?;
        if header.tag != expected {
            return Err(Error::Malformed("unexpected record tag"));
        }
        let object = bytes.get(..header.total_len()).ok_or(Error::Malformed("record shorter than its length"))?;
        let tlv = Tlv::from_bytes(object).map_err(|_| Error::Malformed("record is not valid BER-TLV"))?;
        let Value::Constructed(children) = tlv.value() else {
            return Err(Error::Malformed("record is not a constructed object"));
        };
        let mut fields = Vec::with_capacity(children.len());
        for child in children {
            let Value::Primitive(value) = child.value() else {
                return Err(Error::Malformed("nested object inside a record"));
            };
            let tag = child.tag().to_bytes().iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b));
            fields.push((tag, Zeroizing::new(value.clone())));
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
}
