//! The text application (券面事項入力補助AP, DESIGN.md §2): the My Number
//! and the basic four attributes, behind the 4-digit PIN.

use crate::card::{Card, PinStatus};
use crate::error::{Error, Result};
use crate::secret::{BirthDate, MyNumber, PersonalText, Pin};
use crate::tlv::{Record, opaque_value};
use crate::transmit::Transmit;

/// DF name of the text application.
pub const AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

/// Elementary files of the text application.
pub mod ef {
    /// My Number, tag `FF10`.
    pub const MY_NUMBER: [u8; 2] = [0x00, 0x01];
    /// Basic four attributes, tag `FF20`.
    pub const BASIC_INFO: [u8; 2] = [0x00, 0x02];
    /// PIN (4 digits, 3 tries).
    pub const PIN: [u8; 2] = [0x00, 0x11];
    /// 照合番号A.
    pub const CHECK_CODE_A: [u8; 2] = [0x00, 0x14];
    /// 照合番号B.
    pub const CHECK_CODE_B: [u8; 2] = [0x00, 0x15];
}

/// Sex as recorded on the card (ISO/IEC 5218 codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// `1`.
    Male,
    /// `2`.
    Female,
    /// `0` or `9`.
    NotRecorded,
}

impl Sex {
    /// Parses the one-character code.
    pub fn from_card(bytes: &[u8]) -> Result<Self> {
        match bytes {
            b"1" => Ok(Self::Male),
            b"2" => Ok(Self::Female),
            b"0" | b"9" | b"3" => Ok(Self::NotRecorded),
            _ => Err(Error::Malformed("sex code is not 0, 1, 2, 3 or 9")),
        }
    }
}

/// The basic four attributes (基本4情報). All fields are redacted in `Debug`.
#[derive(Clone, Debug)]
pub struct BasicInfo {
    /// Name.
    pub name: PersonalText,
    /// Address.
    pub address: PersonalText,
    /// Birth date.
    pub birth_date: BirthDate,
    /// Sex.
    pub sex: Sex,
}

impl BasicInfo {
    /// Parses `FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth date, DF25 sex }`.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let r = Record::parse(bytes, 0xFF20)?;
        Ok(Self {
            name: PersonalText::from_card(r.require(0xDF22, "basic info lacks the name (DF22)")?)?,
            address: PersonalText::from_card(r.require(0xDF23, "basic info lacks the address (DF23)")?)?,
            birth_date: BirthDate::from_card(r.require(0xDF24, "basic info lacks the birth date (DF24)")?)?,
            sex: Sex::from_card(r.require(0xDF25, "basic info lacks the sex (DF25)")?)?,
        })
    }
}

/// The text application, selected on a borrowed card.
pub struct TextAp<'c, T: Transmit> {
    card: &'c mut Card<T>,
}

impl<'c, T: Transmit> TextAp<'c, T> {
    /// Selects the application.
    pub fn select(card: &'c mut Card<T>) -> Result<Self> {
        match card.select_df(&AID) {
            Err(Error::FileNotFound) => Err(Error::NotMyNumberCard),
            other => other.map(|()| Self { card }),
        }
    }

    /// Tries left on the PIN, without spending one.
    pub fn pin_status(&mut self) -> Result<PinStatus> {
        self.card.pin_status_of(ef::PIN)
    }

    /// Verifies the PIN the patient just entered (retry count read first).
    #[tracing::instrument(name = "verify", skip_all, fields(ap = "text_ap"))]
    pub fn verify_pin(&mut self, pin: &Pin) -> Result<()> {
        self.card.verify_with_query(ef::PIN, pin.expose())
    }

    /// Reads the My Number (needs the PIN).
    pub fn read_my_number(&mut self) -> Result<MyNumber> {
        self.card.select_ef(ef::MY_NUMBER)?;
        let raw = self.card.read_tlv_file()?;
        MyNumber::from_card(opaque_value(&raw, 0xFF10)?)
    }

    /// Reads the basic four attributes (needs the PIN).
    pub fn read_basic_info(&mut self) -> Result<BasicInfo> {
        self.card.select_ef(ef::BASIC_INFO)?;
        let raw = self.card.read_tlv_file()?;
        BasicInfo::parse(&raw)
    }

    /// The credential-free chip signature `80 2A 00 00` over a DigestInfo,
    /// proving that a genuine chip is present.
    #[tracing::instrument(name = "sign", skip_all, fields(ap = "text_ap"))]
    pub fn chip_sign(&mut self, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.card.compute_signature(0x00, digest_info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_info_parses_all_four_attributes() {
        let mut v = vec![0xDF, 0x21, 0x02, 0x00, 0x00];
        v.extend([0xDF, 0x22, 0x06]);
        v.extend("山田".as_bytes());
        v.extend([0xDF, 0x23, 0x03]);
        v.extend(b"Tok");
        v.extend([0xDF, 0x24, 0x08]);
        v.extend(b"19800101");
        v.extend([0xDF, 0x25, 0x01, b'2']);
        let mut bytes = vec![0xFF, 0x20, v.len() as u8];
        bytes.extend(v);
        let info = BasicInfo::parse(&bytes).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(info.name.expose(), "山田");
        assert_eq!(info.birth_date.date().ok(), Some(jiff::civil::date(1980, 1, 1)));
        assert_eq!(info.sex, Sex::Female);
        assert!(!format!("{info:?}").contains("山田"));
    }

    #[test]
    fn basic_info_without_a_birth_date_is_malformed() {
        let bytes = [0xFF, 0x20, 0x04, 0xDF, 0x25, 0x01, b'1'];
        assert!(matches!(BasicInfo::parse(&bytes), Err(Error::Malformed(_))));
    }

    use crate::mock::ScriptedCard;

    const SELECT_TEXT: &str = "00A4040C0AD3921000310001010408";

    #[test]
    fn every_sex_code_the_card_may_hold_is_read_and_others_are_not() {
        assert_eq!(Sex::from_card(b"1").ok(), Some(Sex::Male));
        assert_eq!(Sex::from_card(b"2").ok(), Some(Sex::Female));
        for code in [&b"0"[..], b"9", b"3"] {
            assert_eq!(Sex::from_card(code).ok(), Some(Sex::NotRecorded), "{code:?}");
        }
        assert!(Sex::from_card(b"4").is_err());
    }

    #[test]
    fn the_pin_is_verified_after_its_retry_query_and_a_wrong_one_is_reported() {
        let m = ScriptedCard::new()
            .expect(SELECT_TEXT, "9000")
            .expect("00A4020C020011", "9000")
            .expect("00200080", "63C3")
            .expect("002000800439393939", "63C2");
        let mut card = Card::new(m);
        let mut text = TextAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        let pin = Pin::parse("9999").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(text.verify_pin(&pin).err(), Some(Error::PinIncorrect { retries: 2 }));
    }

    #[test]
    fn the_chip_signature_is_the_cards_answer() {
        let m = ScriptedCard::new().expect(SELECT_TEXT, "9000").expect("802A00000301020300", "CCDD9000");
        let mut card = Card::new(m);
        let mut text = TextAp::select(&mut card).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(text.chip_sign(&[1, 2, 3]).ok(), Some(vec![0xCC, 0xDD]));
    }
}
