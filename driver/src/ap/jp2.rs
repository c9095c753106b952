//! The card photo's JPEG 2000 header, read before any decoder sees the
//! photo (ITU-T T.800 Annex A.5.1 SIZ, Annex I.5.3.1 ihdr). A crafted card
//! could declare an image of 60000×60000 pixels and make OpenJPEG allocate
//! gigabytes; the real chip photo is small, so anything larger than
//! [`MAX_SIDE`] is refused here, from the header's numbers alone.

use crate::error::{Error, Result};

/// The largest width or height accepted (the chip photo is a few hundred pixels).
pub const MAX_SIDE: u32 = 1024;
/// The most colour components accepted (the chip photo is greyscale).
pub const MAX_COMPONENTS: u16 = 4;

/// JP2 signature box, then a codestream's SOC + SIZ markers.
const JP2_SIGNATURE: [u8; 12] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
const SOC_SIZ: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];

/// Width, height and components the image declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Colour components.
    pub components: u16,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The SIZ segment of a codestream starting with SOC.
fn codestream(b: &[u8]) -> Option<Declared> {
    if !b.starts_with(&SOC_SIZ) {
        return None;
    }
    // After FF4F FF51: Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz (4 each) Csiz(2).
    let x = u32_at(b, 8)?;
    let y = u32_at(b, 12)?;
    let (xo, yo) = (u32_at(b, 16)?, u32_at(b, 20)?);
    let components = u16_at(b, 40)?;
    Some(Declared { width: x.checked_sub(xo)?, height: y.checked_sub(yo)?, components })
}

/// The boxes of a JP2 file (or superbox content): (type, content).
fn boxes(mut b: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let len = u32_at(b, 0)? as usize;
        let kind: [u8; 4] = b.get(4..8)?.try_into().ok()?;
        let (header, total) = match len {
            0 => (8, b.len()),
            1 => (16, usize::try_from(u64::from_be_bytes(b.get(8..16)?.try_into().ok()?)).ok()?),
            n => (8, n),
        };
        if total < header {
            return None;
        }
        out.push((kind, b.get(header..total)?));
        b = &b[total..];
    }
    Some(out)
}

/// What a JP2 file declares: its image header box and its codestream's SIZ
/// must both be there, and agree.
fn jp2(b: &[u8]) -> Option<Declared> {
    let top = boxes(b)?;
    let header = top.iter().find(|(k, _)| k == b"jp2h").map(|(_, c)| *c)?;
    let ihdr = boxes(header)?.into_iter().find(|(k, _)| k == b"ihdr").map(|(_, c)| c)?;
    let declared = Declared { height: u32_at(ihdr, 0)?, width: u32_at(ihdr, 4)?, components: u16_at(ihdr, 8)? };
    let stream = codestream(top.iter().find(|(k, _)| k == b"jp2c").map(|(_, c)| *c)?)?;
    (stream == declared).then_some(declared)
}

/// Reads what the photo declares and refuses anything that is not a small
/// JPEG 2000 image, without decoding it.
pub fn check_photo_header(photo: &[u8]) -> Result<Declared> {
    let declared = if photo.starts_with(&JP2_SIGNATURE) {
        jp2(photo)
    } else if photo.starts_with(&SOC_SIZ) {
        codestream(photo)
    } else {
        return Err(Error::Malformed("card-face photo is not JPEG 2000"));
    };
    let d = declared.ok_or(Error::Malformed("card-face photo has no readable JPEG 2000 header"))?;
    if d.width == 0 || d.height == 0 || d.components == 0 {
        return Err(Error::Malformed("card-face photo declares an empty image"));
    }
    if d.width > MAX_SIDE || d.height > MAX_SIDE || d.components > MAX_COMPONENTS {
        return Err(Error::Malformed("card-face photo declares an image far larger than a card photo"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A codestream header declaring `w`×`h` with `c` components (no image data).
    fn siz(w: u32, h: u32, c: u16) -> Vec<u8> {
        let mut b = SOC_SIZ.to_vec();
        b.extend_from_slice(&(38 + 3 * c).to_be_bytes());
        b.extend_from_slice(&0u16.to_be_bytes());
        for v in [w, h, 0, 0, w, h, 0, 0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&c.to_be_bytes());
        b
    }

    fn jp2_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut b = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(content);
        b
    }

    fn jp2_file(ihdr: (u32, u32, u16), stream: &[u8]) -> Vec<u8> {
        let mut header = ihdr.1.to_be_bytes().to_vec();
        header.extend_from_slice(&ihdr.0.to_be_bytes());
        header.extend_from_slice(&ihdr.2.to_be_bytes());
        header.extend_from_slice(&[7, 7, 0, 0]);
        let mut f = JP2_SIGNATURE.to_vec();
        f.extend(jp2_box(b"ftyp", b"jp2 \0\0\0\0jp2 "));
        f.extend(jp2_box(b"jp2h", &jp2_box(b"ihdr", &header)));
        f.extend(jp2_box(b"jp2c", stream));
        f
    }

    #[test]
    fn a_card_sized_photo_passes_with_its_dimensions() {
        assert_eq!(
            check_photo_header(&siz(300, 400, 1)).ok(),
            Some(Declared { width: 300, height: 400, components: 1 })
        );
        let file = jp2_file((300, 400, 1), &siz(300, 400, 1));
        assert_eq!(check_photo_header(&file).map(|d| (d.width, d.height)).ok(), Some((300, 400)));
    }

    #[test]
    fn a_photo_declaring_60000_by_60000_is_refused_from_its_header() {
        assert!(check_photo_header(&siz(60000, 60000, 1)).is_err());
        assert!(check_photo_header(&jp2_file((60000, 60000, 1), &siz(60000, 60000, 1))).is_err());
        assert!(check_photo_header(&siz(300, 400, 16000)).is_err(), "too many components");
    }

    #[test]
    fn a_jp2_whose_header_box_and_codestream_disagree_is_refused() {
        assert!(check_photo_header(&jp2_file((300, 400, 1), &siz(60000, 60000, 1))).is_err());
    }

    #[test]
    fn truncated_and_foreign_headers_are_errors_not_panics() {
        for bytes in [&[0xFF, 0x4F, 0xFF, 0x51, 0, 41][..], &JP2_SIGNATURE[..], &[0xFF, 0xD8, 0xFF], &[]] {
            assert!(check_photo_header(bytes).is_err());
        }
        let mut lying = JP2_SIGNATURE.to_vec();
        lying.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xF0, b'j', b'p', b'2', b'h']);
        assert!(check_photo_header(&lying).is_err());
    }

    #[test]
    fn an_empty_image_in_any_one_dimension_is_refused() {
        for (w, h, c) in [(0, 300, 1), (300, 0, 1), (300, 300, 0)] {
            assert!(check_photo_header(&siz(w, h, c)).is_err(), "{w}x{h}x{c}");
        }
    }

    #[test]
    fn an_empty_box_among_the_others_is_allowed() {
        let mut f = jp2_file((300, 300, 1), &siz(300, 300, 1));
        f.extend(jp2_box(b"free", &[]));
        assert_eq!(check_photo_header(&f).ok().map(|d| d.width), Some(300));
    }

    #[test]
    fn the_largest_card_photo_passes_and_one_more_in_any_dimension_does_not() {
        assert!(check_photo_header(&siz(MAX_SIDE, MAX_SIDE, MAX_COMPONENTS)).is_ok());
        for (w, h, c) in [(MAX_SIDE + 1, 300, 1), (300, MAX_SIDE + 1, 1), (300, 300, MAX_COMPONENTS + 1)] {
            assert!(check_photo_header(&siz(w, h, c)).is_err(), "{w}x{h}x{c}");
        }
    }
}
