//! The BER-TLV layer under every card file: the header that sizes a file
//! before it is read, a record's primitive fields, an opaque value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uketsuke_driver::tlv::{Header, Record, opaque_value};

fuzz_target!(|data: &[u8]| {
    let Some((&tag_choice, bytes)) = data.split_first() else { return };
    if let Ok(Some(header)) = Header::parse(bytes) {
        // A header never claims more than it can address, nor less than itself.
        // Three tag bytes and four length bytes at most (ISO/IEC 7816-4 §5.2.2).
        assert!(header.header_len <= 7, "a header of {} bytes", header.header_len);
        assert!(header.value_len < 1 << 24);
    }
    let expected = [0xFF20, 0xFF40, 0xFF10, 0x30][usize::from(tag_choice % 4)];
    if let Ok(record) = Record::parse(bytes, expected) {
        // Every field lies inside the input.
        for tag in [0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25, 0xDF27, 0xDF28] {
            if let Some(value) = record.get(tag) {
                assert!(value.len() <= bytes.len());
            }
        }
    }
    if let Ok(value) = opaque_value(bytes, expected) {
        assert!(value.len() <= bytes.len());
    }
});
