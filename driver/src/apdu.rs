//! Command and response APDUs (ISO/IEC 7816-4 §5.1), with no IO.
//!
//! [`Command`] encodes all four ISO cases in short and extended length;
//! [`Response`] splits the data from the trailing [`StatusWord`].

use std::fmt;

/// Largest `Nc` or `Ne` a short APDU can carry (ISO/IEC 7816-4 §5.1).
pub const SHORT_MAX: usize = 256;
/// Largest `Nc` or `Ne` an extended APDU can carry (ISO/IEC 7816-4 §5.1).
pub const EXTENDED_MAX: usize = 65_536;

/// The four command cases of ISO/IEC 7816-4 §5.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// No command data, no response data expected.
    Case1,
    /// No command data, response data expected (`Le` present).
    Case2,
    /// Command data, no response data expected (`Lc` present).
    Case3,
    /// Command data and response data expected.
    Case4,
}

/// Why a [`Command`] could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// More command data than an extended APDU carries.
    #[error("command data of {0} bytes exceeds the extended APDU limit of 65535")]
    DataTooLong(usize),
    /// An expected length above 65536.
    #[error("expected length {0} exceeds the extended APDU limit of 65536")]
    LeTooLarge(usize),
}

/// A command APDU. `le` is `Ne`, the number of response bytes expected:
/// `Some(256)` encodes as short `Le = 00`, `Some(65536)` as extended `0000`.
///
/// The command data may hold a secret (a PIN); `Debug` therefore never
/// prints the data, only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// First parameter.
    pub p1: u8,
    /// Second parameter.
    pub p2: u8,
    /// Command data (`Nc` bytes).
    pub data: Vec<u8>,
    /// Expected response length `Ne`, or `None` for no response data.
    pub le: Option<usize>,
}

impl Command {
    /// A command with no data and no expected response (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self { cla, ins, p1, p2, data: Vec::new(), le: None }
    }

    /// Sets the command data.
    #[must_use]
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets the expected response length `Ne`.
    #[must_use]
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// The ISO case this command falls in.
    pub fn case(&self) -> Case {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => Case::Case1,
            (true, true) => Case::Case2,
            (false, false) => Case::Case3,
            (false, true) => Case::Case4,
        }
    }

    /// Whether this command needs the extended length encoding.
    pub fn is_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > SHORT_MAX)
    }

    /// Encodes the command, choosing short length when it fits.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        if self.data.len() > 65_535 {
            return Err(EncodeError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && le > EXTENDED_MAX
        {
            return Err(EncodeError::LeTooLarge(le));
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                // Ne = 65536 encodes as 0000.
                out.extend_from_slice(&((le % EXTENDED_MAX) as u16).to_be_bytes());
            } else {
                out.push((le % SHORT_MAX) as u8);
            }
        }
        Ok(out)
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, nc={}, ne={:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

/// A status word `SW1 SW2` with the meanings the My Number Card uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`: normal processing.
    pub const OK: Self = Self(0x9000);
    /// `6282`: end of file reached before reading `Ne` bytes.
    pub const END_OF_FILE: Self = Self(0x6282);
    /// `6700`: wrong length.
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// `6982`: security status not satisfied.
    pub const SECURITY_STATUS_NOT_SATISFIED: Self = Self(0x6982);
    /// `6983`: authentication method blocked.
    pub const AUTH_METHOD_BLOCKED: Self = Self(0x6983);
    /// `6984`: reference data not usable.
    pub const REFERENCE_DATA_NOT_USABLE: Self = Self(0x6984);
    /// `6985`: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// `6986`: command not allowed (no current EF).
    pub const COMMAND_NOT_ALLOWED: Self = Self(0x6986);
    /// `6A82`: file or application not found.
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    /// `6A86`: incorrect parameters P1-P2.
    pub const INCORRECT_P1P2: Self = Self(0x6A86);
    /// `6A88`: referenced data not found.
    pub const REFERENCED_DATA_NOT_FOUND: Self = Self(0x6A88);
    /// `6B00`: wrong parameters (offset outside the EF).
    pub const WRONG_PARAMETERS: Self = Self(0x6B00);
    /// `6D00`: instruction not supported.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// `6E00`: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);

    /// Builds a status word from its two bytes.
    pub fn new(sw1: u8, sw2: u8) -> Self {
        Self(u16::from_be_bytes([sw1, sw2]))
    }

    /// The first byte.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// The second byte.
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// `9000`. Only READ BINARY also takes `6282` (data returned, but shorter
    /// than asked, ISO/IEC 7816-4 §11.2.3); for any other command, VERIFY
    /// above all, a warning status is not success.
    pub fn is_success(self) -> bool {
        self == Self::OK
    }

    /// `63Cx`: verification failed, `x` tries left.
    pub fn retries_left(self) -> Option<u8> {
        (self.sw1() == 0x63 && self.sw2() & 0xF0 == 0xC0).then_some(self.sw2() & 0x0F)
    }

    /// The two bytes.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW({:04X})", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// A response APDU: data followed by a status word.
///
/// The data may hold personal information; `Debug` prints its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// The trailing status word.
    pub sw: StatusWord,
}

/// A response shorter than the two status bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("response of {0} bytes is shorter than a status word")]
pub struct ResponseTooShort(pub usize);

impl Response {
    /// Splits raw response bytes into data and status word.
    pub fn parse(raw: &[u8]) -> Result<Self, ResponseTooShort> {
        match raw {
            [data @ .., sw1, sw2] => Ok(Self { data: data.to_vec(), sw: StatusWord::new(*sw1, *sw2) }),
            _ => Err(ResponseTooShort(raw.len())),
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response(len={}, {:?})", self.data.len(), self.sw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(c: &Command) -> String {
        hex::encode_upper(c.to_bytes().unwrap_or_default())
    }

    #[test]
    fn case_1_is_the_four_header_bytes() {
        let c = Command::new(0x00, 0xA4, 0x00, 0x00);
        assert_eq!(c.case(), Case::Case1);
        assert_eq!(enc(&c), "00A40000");
    }

    #[test]
    fn case_2_short_encodes_256_as_zero() {
        let c = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(256);
        assert_eq!(c.case(), Case::Case2);
        assert_eq!(enc(&c), "00B0000000");
    }

    #[test]
    fn case_3_short_carries_lc_and_data() {
        let c = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x00, 0x0A]);
        assert_eq!(enc(&c), "00A4020C02000A");
    }

    #[test]
    fn case_4_short_ends_with_le() {
        let c = Command::new(0x80, 0x2A, 0x00, 0x80).with_data([1, 2, 3]).with_le(256);
        assert_eq!(c.case(), Case::Case4);
        assert_eq!(enc(&c), "802A008003010203".to_owned() + "00");
    }

    #[test]
    fn case_2_extended_has_a_zero_byte_then_two_length_bytes() {
        let c = Command::new(0x00, 0xB0, 0x01, 0x00).with_le(4000);
        assert!(c.is_extended());
        assert_eq!(enc(&c), "00B00100000FA0");
        let max = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(65_536);
        assert_eq!(enc(&max), "00B00000000000");
    }

    #[test]
    fn case_3_extended_uses_three_byte_lc() {
        let c = Command::new(0x00, 0xDA, 0x00, 0x00).with_data(vec![0xAB; 300]);
        let b = c.to_bytes().unwrap_or_default();
        assert_eq!(&b[..7], &[0x00, 0xDA, 0x00, 0x00, 0x00, 0x01, 0x2C]);
        assert_eq!(b.len(), 7 + 300);
    }

    #[test]
    fn case_4_extended_has_two_byte_le_after_the_data() {
        let c = Command::new(0x00, 0x2A, 0x00, 0x00).with_data(vec![1; 300]).with_le(1000);
        let b = c.to_bytes().unwrap_or_default();
        assert_eq!(&b[b.len() - 2..], &[0x03, 0xE8]);
        assert_eq!(b.len(), 7 + 300 + 2);
    }

    #[test]
    fn oversized_lengths_are_errors_not_panics() {
        let c = Command::new(0, 0, 0, 0).with_le(70_000);
        assert_eq!(c.to_bytes(), Err(EncodeError::LeTooLarge(70_000)));
        let d = Command::new(0, 0, 0, 0).with_data(vec![0; 70_000]);
        assert_eq!(d.to_bytes(), Err(EncodeError::DataTooLong(70_000)));
    }

    #[test]
    fn response_splits_data_and_status_word() {
        let r = Response::parse(&[0x01, 0x02, 0x90, 0x00]).unwrap_or_else(|_| unreachable!());
        assert_eq!(r.data, vec![1, 2]);
        assert_eq!(r.sw, StatusWord::OK);
        assert!(Response::parse(&[0x90]).is_err());
    }

    #[test]
    fn retries_are_read_from_63cx_only() {
        assert_eq!(StatusWord(0x63C2).retries_left(), Some(2));
        assert_eq!(StatusWord(0x63C0).retries_left(), Some(0));
        assert_eq!(StatusWord(0x6300).retries_left(), None);
        assert_eq!(StatusWord::OK.retries_left(), None);
    }

    #[test]
    fn debug_output_never_shows_command_data() {
        let c = Command::new(0x00, 0x20, 0x00, 0x80).with_data(b"1234".to_vec());
        let s = format!("{c:?}");
        assert!(!s.contains("31") && !s.contains("1234"), "{s}");
    }
}
