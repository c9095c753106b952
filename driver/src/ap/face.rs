//! The card-face application (券面AP, DESIGN.md §2): the card-face record
//! with the photo, behind 照合番号B (or A), and the chip signature.

use crate::ap::jp2;
use crate::ap::text::Sex;
use crate::card::{Card, PinStatus};
use crate::error::{Error, Result};
use crate::secret::{BirthDate, CheckCodeB, PersonalBytes};
use crate::tlv::Record;
use crate::transmit::Transmit;

/// DF name of the card-face application.
pub const AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// Elementary files of the card-face application.
pub mod ef {
    /// The card-face record, tag `FF20`.
    pub const RECORD: [u8; 2] = [0x00, 0x02];
    /// 照合番号B.
    pub const CHECK_CODE_B: [u8; 2] = [0x00, 0x12];
    /// 照合番号A.
    pub const CHECK_CODE_A: [u8; 2] = [0x00, 0x13];
}

/// The card-face record. Personal fields are redacted in `Debug`.
#[derive(Clone, Debug)]
pub struct CardFaceRecord {
    /// Birth date (DF22).
    pub birth_date: BirthDate,
    /// Sex (DF23).
    pub sex: Sex,
    /// The chip's RSA public key for the card-face AP, DER (DF24).
    pub public_key: Vec<u8>,
    /// Image of the name (DF25).
    pub name_image: PersonalBytes,
    /// Image of the address (DF26).
    pub address_image: PersonalBytes,
    /// The photo: greyscale JPEG 2000 (DF27).
    pub photo: PersonalBytes,
    /// The issuer's signature over the record (DF28).
    pub signature: Vec<u8>,
    /// Card expiry `YYYYMMDD` (DF29).
    pub expiry: String,
    /// Image of the security code (DF2A).
    pub security_code_image: PersonalBytes,
    /// The record exactly as read, for evidence sent to the host.
    pub raw: PersonalBytes,
}

impl CardFaceRecord {
    /// Parses `FF20 { DF21 … DF2A }`. The photo must be a JPEG 2000 image
    /// whose header declares a card-photo size ([`jp2::check_photo_header`]);
    /// nothing is decoded here.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let r = Record::parse(bytes, 0xFF20)?;
        let photo = r.require(0xDF27, "card-face record lacks the photo (DF27)")?;
        jp2::check_photo_header(photo)?;
        let expiry = r.require(0xDF29, "card-face record lacks the expiry (DF29)")?;
        let expiry = std::str::from_utf8(expiry)
            .ok()
            .filter(|s| s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(Error::Malformed("card expiry is not YYYYMMDD"))?;
        let bytes_of = |tag, what| r.require(tag, what).map(|v| PersonalBytes::new(v.to_vec()));
        Ok(Self {
            birth_date: BirthDate::from_card(r.require(0xDF22, "card-face record lacks the birth date (DF22)")?)?,
            sex: Sex::from_card(r.require(0xDF23, "card-face record lacks the sex (DF23)")?)?,
            public_key: r.require(0xDF24, "card-face record lacks the public key (DF24)")?.to_vec(),
            name_image: bytes_of(0xDF25, "card-face record lacks the name image (DF25)")?,
            address_image: bytes_of(0xDF26, "card-face record lacks the address image (DF26)")?,
            photo: PersonalBytes::new(photo.to_vec()),
            signature: r.require(0xDF28, "card-face record lacks the signature (DF28)")?.to_vec(),
            expiry: expiry.to_owned(),
            security_code_image: bytes_of(0xDF2A, "card-face record lacks the security code image (DF2A)")?,
            raw: PersonalBytes::new(bytes.to_vec()),
        })
    }
}

/// The card-face application, selected on a borrowed card.
pub struct FaceAp<'c, T: Transmit> {
    card: &'c mut Card<T>,
}

impl<'c, T: Transmit> FaceAp<'c, T> {
    /// Selects the application.
    pub fn select(card: &'c mut Card<T>) -> Result<Self> {
        match card.select_df(&AID) {
            Err(Error::FileNotFound) => Err(Error::NotMyNumberCard),
            other => other.map(|()| Self { card }),
        }
    }

    /// Tries left on 照合番号B, without spending one.
    pub fn check_code_b_status(&mut self) -> Result<PinStatus> {
        self.card.pin_status_of(ef::CHECK_CODE_B)
    }

    /// Verifies 照合番号B as read from the card face (retry count first).
    #[tracing::instrument(name = "verify", skip_all, fields(ap = "card_face_ap"))]
    pub fn verify_check_code_b(&mut self, code: &CheckCodeB) -> Result<()> {
        self.card.verify_with_query(ef::CHECK_CODE_B, code.expose())
    }

    /// Reads and parses the card-face record (needs 照合番号).
    pub fn read_record(&mut self) -> Result<CardFaceRecord> {
        self.card.select_ef(ef::RECORD)?;
        let raw = self.card.read_tlv_file()?;
        CardFaceRecord::parse(&raw)
    }

    /// The credential-free chip signature `80 2A 00 00` over a DigestInfo.
    #[tracing::instrument(name = "sign", skip_all, fields(ap = "card_face_ap"))]
    pub fn chip_sign(&mut self, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.card.compute_signature(0x00, digest_info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_that_is_not_jpeg2000_is_rejected() {
        assert!(jp2::check_photo_header(&[0xFF, 0xD8, 0xFF, 0xE0]).is_err());
    }

    #[test]
    fn a_truncated_record_is_malformed() {
        assert!(matches!(CardFaceRecord::parse(&[0xFF, 0x20, 0x82, 0x10]), Err(Error::Malformed(_))));
    }

    use crate::mock::ScriptedCard;

    const CODE: &str = "90010131234567";

    #[test]
    fn check_code_b_is_verified_after_its_retry_query_and_a_refusal_is_reported() {
        let verify = format!("002000800E{}", hex::encode_upper(CODE));
        let m = ScriptedCard::new()
            .expect("00A4040C0AD3921000310001010402", "9000")
            .expect("00A4020C020012", "9000")
            .expect("00200080", "63CA")
            .expect(&verify, "63C9");
        let mut card = Card::new(m);
        let mut face = FaceAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        let code = CheckCodeB::parse(CODE).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(face.verify_check_code_b(&code).err(), Some(Error::PinIncorrect { retries: 9 }));
    }

    #[test]
    fn the_chip_signature_is_the_cards_answer_to_compute_digital_signature() {
        let m = ScriptedCard::new()
            .expect("00A4040C0AD3921000310001010402", "9000")
            .expect("802A000003010203 00".replace(' ', "").as_str(), "AABB9000");
        let mut card = Card::new(m);
        let mut face = FaceAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(face.chip_sign(&[1, 2, 3]).ok(), Some(vec![0xAA, 0xBB]));
    }

    /// A JP2 file declaring a 300×300 greyscale image, with no picture.
    fn photo() -> Vec<u8> {
        let boxed = |kind: &[u8; 4], content: &[u8]| {
            let mut b = u32::try_from(8 + content.len()).unwrap_or(0).to_be_bytes().to_vec();
            b.extend_from_slice(kind);
            b.extend_from_slice(content);
            b
        };
        let mut ihdr = [300u32.to_be_bytes(), 300u32.to_be_bytes()].concat();
        ihdr.extend_from_slice(&[0, 1, 7, 7, 0, 0]);
        let mut siz = vec![0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];
        for v in [300u32, 300, 0, 0, 300, 300, 0, 0] {
            siz.extend_from_slice(&v.to_be_bytes());
        }
        siz.extend_from_slice(&[0x00, 0x01, 0x07, 0x01, 0x01]);
        [boxed(b"jP  ", &[0x0D, 0x0A, 0x87, 0x0A]), boxed(b"jp2h", &boxed(b"ihdr", &ihdr)), boxed(b"jp2c", &siz)]
            .concat()
    }

    fn record(expiry: &[u8]) -> Vec<u8> {
        let tlv = |tag: u16, v: &[u8]| {
            let mut out = tag.to_be_bytes().to_vec();
            out.push(0x82);
            out.extend_from_slice(&u16::try_from(v.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(v);
            out
        };
        let fields = [
            tlv(0xDF22, b"19800101"),
            tlv(0xDF23, b"1"),
            tlv(0xDF24, &[0x30, 0x00]),
            tlv(0xDF25, b"n"),
            tlv(0xDF26, b"a"),
            tlv(0xDF27, &photo()),
            tlv(0xDF28, &[0; 4]),
            tlv(0xDF29, expiry),
            tlv(0xDF2A, b"c"),
        ]
        .concat();
        let mut out = vec![0xFF, 0x20, 0x82];
        out.extend_from_slice(&u16::try_from(fields.len()).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&fields);
        out
    }

    #[test]
    fn a_record_with_an_eight_digit_expiry_parses() {
        let r = CardFaceRecord::parse(&record(b"20340304"));
        assert_eq!(r.map(|r| r.expiry).ok().as_deref(), Some("20340304"));
    }

    #[test]
    fn an_expiry_that_is_not_eight_digits_is_malformed() {
        for bad in [&b"2034034"[..], b"203403041", b"2034-3-4", b"abcdefgh"] {
            assert!(matches!(CardFaceRecord::parse(&record(bad)), Err(Error::Malformed(_))), "{bad:?}");
        }
    }
}
